package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
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
	// Workers is the number of (N, seed) runs trained at once (0 or 1:
	// one at a time). Results do not depend on it.
	Workers int `json:"-"`
	// Interrupt, when set, makes Sweep start no further run once it is
	// closed (e.g. on SIGINT): the runs in progress finish and are cached,
	// and Sweep returns ErrInterrupted; the same sweep later resumes.
	Interrupt <-chan struct{} `json:"-"`
}

// ErrInterrupted is returned by Sweep when SweepConfig.Interrupt fired.
var ErrInterrupted = errors.New("lab: sweep interrupted")

// QuickSweep is `tokenscale lab --quick`: N ∈ {1, 2, 4, 8}, two seeds,
// 600 + 150 steps per N and seed (under three minutes on two cores); its
// runs are part of the full sweep.
func QuickSweep() SweepConfig {
	return SweepConfig{Task: labtask.LabTask(), Model: DefaultModel(), Train: DefaultTrain(), Ns: []int{1, 2, 4, 8}, Seeds: []uint64{1, 2}, Workers: 2}
}

// FullSweep is `tokenscale lab`: N ∈ {1, 2, 4, 8, 16, 32}, three seeds,
// 600 + 150 steps per N and seed.
func FullSweep() SweepConfig {
	return SweepConfig{Task: labtask.LabTask(), Model: DefaultModel(), Train: DefaultTrain(), Ns: []int{1, 2, 4, 8, 16, 32}, Seeds: []uint64{1, 2, 3}, Workers: 2}
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
func (c SweepConfig) key(stage string, n int, seed uint64) string {
	raw, _ := json.Marshal(struct {
		Version string
		Backend string
		Stage   string
		N       int
		Seed    uint64
		Task    labtask.TaskConfig
		Model   ModelConfig
		Train   TrainConfig
	}{labresult.CodeVersion(), backend.Config(), stage, n, seed, c.Task, c.Model, c.Train})
	h := sha256.Sum256(raw)
	return fmt.Sprintf("%s-n%d-s%d-%s", stage, n, seed, hex.EncodeToString(h[:8]))
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

// writeAtomic writes data next to path and renames it into place, so an
// interrupted sweep never leaves a half-written cache file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("lab: cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("lab: cache: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("lab: cache %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("lab: cache %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("lab: cache %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("lab: cache %s: %w", path, err)
	}
	return nil
}

func (c SweepConfig) saveEntry(e *labresult.Entry) error {
	if c.CacheDir == "" {
		return nil
	}
	raw, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		return err
	}
	return writeAtomic(c.cachePath(e.Key, ".json"), append(raw, '\n'))
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
	return len(c.Ns) * len(c.Seeds) * (c.Train.Steps + c.Train.FTSteps)
}

// counter counts finished steps across concurrent runs for progress.
type counter struct {
	mu       sync.Mutex
	done     int
	total    int
	progress Progress
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

// RunOne trains and evaluates the three configurations at one N and seed,
// reusing cached stages; progress (may be nil) counts their steps.
func (c SweepConfig) RunOne(data *Data, n int, seed uint64, progress Progress) ([]labresult.Run, error) {
	return c.runOne(data, n, seed, &counter{total: c.Train.Steps + c.Train.FTSteps, progress: progress})
}

func (c SweepConfig) runOne(data *Data, n int, seed uint64, k *counter) ([]labresult.Run, error) {
	const batchEval = 128
	qKey, fKey := c.key("vqq", n, seed), c.key("vqft", n, seed)
	var runs []labresult.Run
	var weights map[string]*tensors.Tensor
	qEntry, ok := c.loadEntry(qKey)
	if ok {
		k.add(c.Train.Steps, fmt.Sprintf("N=%d seed %d cached", n, seed))
	} else {
		start := time.Now()
		m, err := NewModel(c.Task, c.Model, n, seed, nil, c.Train)
		if err != nil {
			return nil, err
		}
		what := fmt.Sprintf("N=%d seed %d VQQ", n, seed)
		losses, err := m.Train(data.Train[seed], fusion.VisionQuestionQueries, c.Train.Steps, c.Train.Batch, c.Train.LR, seed,
			func(int, float64) { k.add(1, what) })
		if err != nil {
			return nil, err
		}
		trainSecs := time.Since(start).Seconds()
		qEntry = &labresult.Entry{Key: qKey, Version: labresult.CodeVersion()}
		for _, mode := range []fusion.Mode{fusion.VisionQuestionQueries, fusion.VisionQueries} {
			t0 := time.Now()
			pred, err := m.Predict(data.Test, mode, batchEval)
			if err != nil {
				return nil, err
			}
			acc, err := Accuracy(data.Test, pred)
			if err != nil {
				return nil, err
			}
			r := labresult.Run{Config: mode.String(), N: n, Seed: seed, Accuracy: acc, Seconds: time.Since(t0).Seconds()}
			if mode == fusion.VisionQuestionQueries {
				r.Losses, r.Seconds = losses, r.Seconds+trainSecs
			}
			qEntry.Runs = append(qEntry.Runs, r)
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
		k.add(c.Train.FTSteps, fmt.Sprintf("N=%d seed %d cached", n, seed))
	} else {
		start := time.Now()
		if weights == nil {
			var err error
			if weights, err = c.loadWeights(qKey); err != nil {
				return nil, err
			}
		}
		m, err := NewModel(c.Task, c.Model, n, seed, weights, c.Train)
		if err != nil {
			return nil, err
		}
		what := fmt.Sprintf("N=%d seed %d VQ-ft", n, seed)
		losses, err := m.Train(data.Train[seed], fusion.VisionQueriesFT, c.Train.FTSteps, c.Train.Batch, c.Train.LR, seed+1<<32,
			func(int, float64) { k.add(1, what) })
		if err != nil {
			return nil, err
		}
		pred, err := m.Predict(data.Test, fusion.VisionQueriesFT, batchEval)
		if err != nil {
			return nil, err
		}
		acc, err := Accuracy(data.Test, pred)
		if err != nil {
			return nil, err
		}
		fEntry = &labresult.Entry{Key: fKey, Version: labresult.CodeVersion(), Runs: []labresult.Run{{Config: fusion.VisionQueriesFT.String(), N: n, Seed: seed,
			Accuracy: acc, Losses: losses, Seconds: time.Since(start).Seconds()}}}
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
	type job struct {
		n    int
		seed uint64
	}
	var jobs []job
	for _, n := range c.Ns {
		for _, s := range c.Seeds {
			jobs = append(jobs, job{n, s})
		}
	}
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
				results[i], errs[i] = c.runOne(data, jobs[i].n, jobs[i].seed, k)
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
