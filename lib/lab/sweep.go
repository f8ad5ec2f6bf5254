package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
	"github.com/tokenscale/tokenscale/lib/outfile"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// evalSeed draws the test images; it is fixed so that every run of every
// configuration is scored on the same questions.
const evalSeed = 0xe7a1

// SweepConfig is one sweep: every N of Ns and every seed, in the three
// configurations of the paper.
type SweepConfig struct {
	Task  labtask.TaskConfig `json:"task"`
	Model ModelConfig        `json:"model"`
	Train TrainConfig        `json:"train"`
	Ns    []int              `json:"ns"`
	Seeds []uint64           `json:"seeds"`
	// CacheDir holds finished runs ("" for no cache).
	CacheDir string `json:"-"`
	// Workers is the number of seeds trained at once (0 or 1: one at a
	// time). Results do not depend on it.
	Workers int `json:"-"`
	// Interrupt, when set, makes Sweep start no further run once it is
	// closed (e.g. on SIGINT): the runs in progress finish and are cached,
	// and Sweep returns ErrInterrupted; the same sweep later resumes.
	Interrupt <-chan struct{} `json:"-"`
}

// ErrInterrupted is returned by Sweep when SweepConfig.Interrupt fired.
var ErrInterrupted = errors.New("lab: sweep interrupted")

// QuickSweep is `tokenscale lab --quick`: N ∈ {1, 2, 4, 8, 16}, three
// seeds, DefaultTrain (about two minutes on two cores).
func QuickSweep() SweepConfig {
	return SweepConfig{Task: labtask.LabTask(), Model: DefaultModel(), Train: DefaultTrain(), Ns: []int{1, 2, 4, 8, 16}, Seeds: []uint64{1, 2, 3}, Workers: 3}
}

// FullSweep is `tokenscale lab`: N ∈ {1, 2, 4, …, 64}, three seeds,
// FullTrain, and twice DefaultModel's channel noise (σ = 4). What sets the
// accuracy is the noise power per token over N, σ²/N: with four times the
// noise power, N = 4…64 here hear what N = 1…16 hear in the quick sweep,
// and N = 1, 2 hear less. So the full sweep's four times wider range of N
// stays where the channel, not the ceiling of 100%, limits the accuracy —
// with σ = 2 the question-fused model reaches 100% on local questions by
// N = 16 and its law bends flat beyond.
func FullSweep() SweepConfig {
	m := DefaultModel()
	m.ChannelNoise *= 2
	return SweepConfig{Task: labtask.LabTask(), Model: m, Train: FullTrain(), Ns: []int{1, 2, 4, 8, 16, 32, 64}, Seeds: []uint64{1, 2, 3}, Workers: 3}
}

// DefaultCacheDir is where `tokenscale lab` and the notebook keep runs:
// <user cache dir>/tokenscale/lab, or out/lab-cache when there is none.
func DefaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "tokenscale", "lab")
	}
	return filepath.Join("out", "lab-cache")
}

// Validate checks the sweep.
func (c SweepConfig) Validate() error {
	if err := c.Task.Validate(); err != nil {
		return err
	}
	if err := c.Model.Validate(c.Task); err != nil {
		return err
	}
	if err := c.Train.validate(); err != nil {
		return err
	}
	if len(c.Ns) == 0 || len(c.Seeds) == 0 {
		return fmt.Errorf("lab: a sweep needs at least one N and one seed")
	}
	for _, n := range c.Ns {
		if n < 1 {
			return fmt.Errorf("lab: N = %d, want ≥ 1", n)
		}
	}
	return nil
}

// key identifies a stage of one (N, seed) by everything that changes it:
// the code (labresult.CodeVersion, derived from the sources), the backend
// that runs it, the stage, N, the seed, and the task, model and training
// settings.
func (c SweepConfig) key(stage string, seed uint64) string {
	raw, _ := json.Marshal(struct {
		Version string
		Backend string
		Stage   string
		Ns      []int
		Seed    uint64
		Task    labtask.TaskConfig
		Model   ModelConfig
		Train   TrainConfig
	}{labresult.CodeVersion(), backend.Config(), stage, c.Ns, seed, c.Task, c.Model, c.Train})
	h := sha256.Sum256(raw)
	return fmt.Sprintf("%s-n%d-s%d-%s", stage, c.maxN(), seed, hex.EncodeToString(h[:8]))
}

func (c SweepConfig) cachePath(key, ext string) string {
	return filepath.Join(c.CacheDir, key+ext)
}

func (c SweepConfig) loadEntry(key string) (*labresult.Entry, bool) {
	if c.CacheDir == "" {
		return nil, false
	}
	raw, err := os.ReadFile(c.cachePath(key, ".json"))
	if err != nil {
		return nil, false
	}
	var e labresult.Entry
	if json.Unmarshal(raw, &e) != nil || e.Key != key || e.Version != labresult.CodeVersion() {
		return nil, false // unreadable or stale: run again
	}
	for i := range e.Runs {
		e.Runs[i].Cached = true
	}
	return &e, true
}

func (c SweepConfig) saveEntry(e *labresult.Entry) error {
	if c.CacheDir == "" {
		return nil
	}
	raw, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.CacheDir, 0o755); err != nil {
		return fmt.Errorf("lab: cache: %w", err)
	}
	// Atomic, so an interrupted sweep never leaves a half-written entry.
	if err := outfile.WriteFile(c.cachePath(e.Key, ".json"), append(raw, '\n')); err != nil {
		return fmt.Errorf("lab: cache: %w", err)
	}
	return nil
}

func (c SweepConfig) saveWeights(key string, w map[string]*tensors.Tensor) error {
	if c.CacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(c.CacheDir, 0o755); err != nil {
		return fmt.Errorf("lab: cache: %w", err)
	}
	return safetensors.WriteTensors(c.cachePath(key, ".safetensors"), w, map[string]string{"format": "lab", "version": labresult.CodeVersion()})
}

func (c SweepConfig) loadWeights(key string) (map[string]*tensors.Tensor, error) {
	ck, err := safetensors.Open(c.cachePath(key, ".safetensors"))
	if err != nil {
		return nil, fmt.Errorf("lab: cached weights: %w", err)
	}
	defer ck.Close()
	out := map[string]*tensors.Tensor{}
	for _, name := range ck.Names() {
		v, shape, err := ck.Float32(name)
		if err != nil {
			return nil, fmt.Errorf("lab: cached weights: %w", err)
		}
		out[name] = tensors.FromFlatDataAndDimensions(v, shape...)
	}
	return out, nil
}

// Data is the generated training and test sets of a sweep.
type Data struct {
	Train map[uint64][]Item // by seed
	Test  []Item
}

// MakeData generates the test set (fixed seed) and one training set per seed.
func (c SweepConfig) MakeData() (*Data, error) {
	tok := labtask.NewTokenizer()
	d := &Data{Train: map[uint64][]Item{}}
	test, err := labtask.Generate(c.Task, c.Train.EvalImages, evalSeed)
	if err != nil {
		return nil, err
	}
	if d.Test, err = Encode(test, tok, c.Model.maxQuestion(c.Task)); err != nil {
		return nil, err
	}
	for _, s := range c.Seeds {
		tr, err := labtask.Generate(c.Task, c.Train.TrainImages, s)
		if err != nil {
			return nil, err
		}
		if d.Train[s], err = Encode(tr, tok, c.Model.maxQuestion(c.Task)); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Progress receives the sweep's progress: steps done out of total (cached
// runs count as done at once) and a short description of the current run.
type Progress func(done, total int, what string)

// TotalSteps is the number of optimizer steps of the whole sweep.
func (c SweepConfig) TotalSteps() int {
	return len(c.Seeds) * (c.Train.Steps + c.Train.FTSteps)
}

// counter counts finished steps across concurrent runs for progress.
type counter struct {
	mu       sync.Mutex
	done     int
	total    int
	progress Progress
}

// grow adds n steps to the total (a restarted run's steps).
func (k *counter) grow(n int) {
	if k == nil {
		return
	}
	k.mu.Lock()
	k.total += n
	k.mu.Unlock()
}

func (k *counter) add(n int, what string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.done += n
	if k.progress != nil {
		k.progress(k.done, k.total, what)
	}
}

// RunOne trains and evaluates the three configurations for one seed — one
// model over every N of the sweep — reusing cached stages; progress (may be
// nil) counts their steps.
func (c SweepConfig) RunOne(data *Data, seed uint64, progress Progress) ([]labresult.Run, error) {
	return c.runOne(data, seed, &counter{total: c.Train.Steps + c.Train.FTSteps, progress: progress})
}

// schedule is the order in which training steps use the sweep's N: in
// rounds, round r taking every N from the r-th smallest up, so that the
// k-th smallest N gets k steps in every len(Ns)(len(Ns)+1)/2. The larger
// N get more steps because their extra placeholders are trained only in
// their own steps; with every N equally often the largest N of the quick
// sweep came out below the next one on a seed set.
func (c SweepConfig) schedule() []int {
	ns := slices.Clone(c.Ns)
	slices.Sort(ns)
	var out []int
	for r := range ns {
		out = append(out, ns[r:]...)
	}
	return out
}

// maxN is the largest N of the sweep.
func (c SweepConfig) maxN() int {
	m := 1
	for _, n := range c.Ns {
		m = max(m, n)
	}
	return m
}

// evaluate scores a model at every N of the sweep in each mode; the
// first mode's run at each N carries the losses of the training steps that
// used that N (see schedule) and its share of secs.
func (c SweepConfig) evaluate(m *Model, data *Data, seed uint64, modes []fusion.Mode, losses []float64, secs float64) ([]labresult.Run, error) {
	const batchEval = 128
	sched := c.schedule()
	var runs []labresult.Run
	for _, mode := range modes {
		for _, n := range c.Ns {
			t0 := time.Now()
			pred, err := m.Predict(data.Test, mode, n, batchEval)
			if err != nil {
				return nil, err
			}
			acc, err := Accuracy(data.Test, pred)
			if err != nil {
				return nil, err
			}
			r := labresult.Run{Config: mode.String(), N: n, Seed: seed, Accuracy: acc, Seconds: time.Since(t0).Seconds()}
			if mode == modes[0] {
				for s, l := range losses {
					if sched[s%len(sched)] == n {
						r.Losses = append(r.Losses, l)
					}
				}
				r.Seconds += secs / float64(len(c.Ns))
			}
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// maxRestarts is how many times trainVQQ starts again from fresh weights
// when a model has not left the answer prior.
const maxRestarts = 2

// trainVQQ trains the question-fused model of a seed. A model that is still
// at the answer prior when the channel noise is about to start (Train's
// errPlateau: on two cores, about one seed in ten of the full sweep) is
// started again from fresh weights drawn from another seed, at most
// maxRestarts times; the training data and its order stay the seed's. The
// number of restarts is returned (and recorded in the runs).
func (c SweepConfig) trainVQQ(data *Data, seed uint64, k *counter) (*Model, []float64, int, error) {
	prior := PriorLoss(data.Train[seed])
	for restart := 0; ; restart++ {
		m, err := NewModel(c.Task, c.Model, c.maxN(), seed+uint64(restart)<<40, nil, c.Train)
		if err != nil {
			return nil, nil, 0, err
		}
		m.NoiseRamp, m.PriorLoss = true, prior
		if restart == maxRestarts {
			m.PriorLoss = 0 // the last try runs to the end whatever happens
		}
		what := fmt.Sprintf("seed %d VQQ", seed)
		if restart > 0 {
			what = fmt.Sprintf("seed %d VQQ (restart %d)", seed, restart)
		}
		losses, err := m.Train(data.Train[seed], fusion.VisionQuestionQueries, c.schedule(), c.Train.Steps, c.Train.Batch, c.Train.LR, seed,
			func(int, float64) { k.add(1, what) })
		if errors.Is(err, errPlateau) {
			k.grow(len(losses))
			continue
		}
		if err != nil {
			return nil, nil, 0, err
		}
		return m, losses, restart, nil
	}
}

func (c SweepConfig) runOne(data *Data, seed uint64, k *counter) ([]labresult.Run, error) {
	qKey, fKey := c.key("vqq", seed), c.key("vqft", seed)
	var runs []labresult.Run
	var weights map[string]*tensors.Tensor
	qEntry, ok := c.loadEntry(qKey)
	if ok {
		k.add(c.Train.Steps, fmt.Sprintf("seed %d cached", seed))
	} else {
		start := time.Now()
		m, losses, restarts, err := c.trainVQQ(data, seed, k)
		if err != nil {
			return nil, err
		}
		qEntry = &labresult.Entry{Key: qKey, Version: labresult.CodeVersion()}
		if qEntry.Runs, err = c.evaluate(m, data, seed, []fusion.Mode{fusion.VisionQuestionQueries, fusion.VisionQueries}, losses, time.Since(start).Seconds()); err != nil {
			return nil, err
		}
		for i := range qEntry.Runs {
			qEntry.Runs[i].Restarts = restarts
		}
		if weights, err = m.Weights(); err != nil {
			return nil, err
		}
		if err := c.saveWeights(qKey, weights); err != nil {
			return nil, err
		}
		if err := c.saveEntry(qEntry); err != nil {
			return nil, err
		}
	}
	runs = append(runs, qEntry.Runs...)
	fEntry, ok := c.loadEntry(fKey)
	if ok {
		k.add(c.Train.FTSteps, fmt.Sprintf("seed %d cached", seed))
	} else {
		start := time.Now()
		if weights == nil {
			var err error
			if weights, err = c.loadWeights(qKey); err != nil {
				return nil, err
			}
		}
		m, err := NewModel(c.Task, c.Model, c.maxN(), seed, weights, c.Train)
		if err != nil {
			return nil, err
		}
		what := fmt.Sprintf("seed %d VQ-ft", seed)
		losses, err := m.Train(data.Train[seed], fusion.VisionQueriesFT, c.schedule(), c.Train.FTSteps, c.Train.Batch, c.Train.LR, seed+1<<32,
			func(int, float64) { k.add(1, what) })
		if err != nil {
			return nil, err
		}
		fEntry = &labresult.Entry{Key: fKey, Version: labresult.CodeVersion()}
		if fEntry.Runs, err = c.evaluate(m, data, seed, []fusion.Mode{fusion.VisionQueriesFT}, losses, time.Since(start).Seconds()); err != nil {
			return nil, err
		}
		if err := c.saveEntry(fEntry); err != nil {
			return nil, err
		}
	}
	return append(runs, fEntry.Runs...), nil
}

// Sweep runs every (N, seed) — cached stages are read back, so a repeated
// sweep is instant and an interrupted one resumes — and summarises it.
func (c SweepConfig) Sweep(progress Progress) (*labresult.Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	data, err := c.MakeData()
	if err != nil {
		return nil, err
	}
	jobs := c.Seeds
	k := &counter{total: c.TotalSteps(), progress: progress}
	results := make([][]labresult.Run, len(jobs))
	errs := make([]error, len(jobs))
	workers := max(1, min(c.Workers, len(jobs)))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if c.interrupted() {
					errs[i] = ErrInterrupted
					continue
				}
				results[i], errs[i] = c.runOne(data, jobs[i], k)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	var runs []labresult.Run
	for i := range jobs {
		if errs[i] != nil && !errors.Is(errs[i], ErrInterrupted) {
			return nil, errs[i]
		}
	}
	for i := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		runs = append(runs, results[i]...)
	}
	return labresult.Summarise(runs)
}

// interrupted reports whether c.Interrupt has fired.
func (c SweepConfig) interrupted() bool {
	if c.Interrupt == nil {
		return false
	}
	select {
	case <-c.Interrupt:
		return true
	default:
		return false
	}
}

// DemoSweep is a sweep of seconds: two N, one seed, a few steps of a tiny
// model, too short to learn the task. It shows the form of the lab's
// figures, not the findings (tokenscale figures --demo draws it).
func DemoSweep() SweepConfig {
	return SweepConfig{
		Task:  labtask.LabTask(),
		Model: ModelConfig{Hidden: 16, FusionLayers: 1, LLMLayers: 1, Heads: 2, LLMHidden: 16},
		Train: TrainConfig{Steps: 8, FTSteps: 4, Batch: 8, LR: 3e-3, TrainImages: 32, EvalImages: 32},
		Ns:    []int{1, 4}, Seeds: []uint64{1},
	}
}
