package lab

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
)

// evalNoiseSeed draws the channel noise of test items.
const evalNoiseSeed = 0x7e57

// modelScope holds the model's variables; the optimizer's live elsewhere.
const modelScope = "lab"

// TrainConfig sets the training of one run.
type TrainConfig struct {
	// Steps is the number of optimizer steps of the question-fused model
	// (the paper's stages 2–3 in one).
	Steps int `json:"steps"`
	// FTSteps is the number of steps of the question-dropped fine-tune
	// ("Vision Queries (ft)"), started from the question-fused weights with
	// a fresh optimizer, as the paper's stage 3.
	FTSteps int `json:"ft_steps"`
	// Batch is the number of questions per step.
	Batch int `json:"batch"`
	// LR is the peak learning rate of AdamW (cosine schedule, 5% warm-up).
	LR float64 `json:"lr"`
	// WeightDecay is AdamW's decoupled weight decay.
	WeightDecay float64 `json:"weight_decay"`
	// TrainImages and EvalImages are the sizes of the generated sets.
	TrainImages int `json:"train_images"`
	EvalImages  int `json:"eval_images"`
}

// DefaultTrain is the training of the quick sweep: 900 steps of 48
// questions with the question fused (one model for every N of the sweep,
// the steps taking the N in turn: see SweepConfig.schedule), then 700 of the question-dropped
// fine-tune. The fine-tune is long because without the question the fused
// tokens must learn a new message, the whole scene, under the full noise.
func DefaultTrain() TrainConfig {
	return TrainConfig{Steps: 900, FTSteps: 700, Batch: 48, LR: 3e-3, WeightDecay: 1e-4, TrainImages: 8192, EvalImages: 1024}
}

// FullTrain is the training of the full sweep: one and a half times
// DefaultTrain's steps, because its steps are shared among seven values of N
// instead of five (the largest N, the costliest steps, get the most of
// them: see SweepConfig.schedule).
func FullTrain() TrainConfig {
	t := DefaultTrain()
	t.Steps, t.FTSteps = 3*t.Steps/2, 3*t.FTSteps/2
	return t
}

func (c TrainConfig) validate() error {
	switch {
	case c.Steps <= 0 || c.FTSteps < 0:
		return fmt.Errorf("lab: %d + %d training steps: want a positive number and a non-negative one", c.Steps, c.FTSteps)
	case c.Batch <= 0 || c.LR <= 0:
		return fmt.Errorf("lab: batch %d and learning rate %g must be positive", c.Batch, c.LR)
	case c.TrainImages < c.Batch:
		return fmt.Errorf("lab: %d training images are fewer than a batch of %d", c.TrainImages, c.Batch)
	case c.EvalImages <= 0:
		return fmt.Errorf("lab: %d test images", c.EvalImages)
	}
	return nil
}

// Model is the lab model: its variables and its compiled graphs. One
// model serves every number of fused tokens N up to MaxN (the placeholder
// embeddings are shared; each N compiles its own graph once); one training
// and one evaluation graph per N serve both input forms, because the fusion
// input is padded to the question-fused length.
type Model struct {
	Task  labtask.TaskConfig
	Model ModelConfig
	MaxN  int
	Tok   *labtask.Tokenizer
	// PriorLoss, when positive, is the loss of answering from the question
	// alone (PriorLoss of the training items): Train stops with errPlateau
	// when the mean loss of the 50 steps before 35% of its steps is still
	// above 90% of it — the model has not begun to read the image (checked
	// only when 35% of the steps is at least minPlateauCheck).
	PriorLoss float64
	// NoiseRamp makes Train's channel noise start at zero and grow (see
	// noiseRamp): the question-fused stage trains from scratch with it.
	NoiseRamp bool

	be    compute.Backend
	store *model.Store
	step  *model.Exec
	eval  *model.Exec
	lr    *model.Variable
}

// NewModel builds a model for up to maxN fused tokens with fresh weights
// drawn from seed, or with weights (as returned by Weights) when weights is
// not nil.
func NewModel(task labtask.TaskConfig, mc ModelConfig, maxN int, seed uint64, weights map[string]*tensors.Tensor, tc TrainConfig) (*Model, error) {
	if err := task.Validate(); err != nil {
		return nil, err
	}
	task = task.WithDefaults()
	if err := mc.Validate(task); err != nil {
		return nil, err
	}
	if maxN < 1 {
		return nil, fmt.Errorf("lab: N = %d, want ≥ 1", maxN)
	}
	be, err := backend.New()
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	m := &Model{Task: task, Model: mc, MaxN: maxN, Tok: labtask.NewTokenizer(), be: be, store: model.NewStore()}
	m.store.SetParam(model.ParamInitialSeed, int64(seed&math.MaxInt64))
	if weights != nil {
		m.store.SetLoader(mapLoader(weights))
	}
	vocab := m.Tok.Size()
	root := m.store.RootScope()
	m.lr = optimizer.LearningRateVarWithValue(root, dtypes.Float32, tc.LR)
	adam := optimizer.Adam().Betas(0.9, 0.999).Epsilon(1e-8).WeightDecay(tc.WeightDecay).Done()
	m.step, err = model.NewExec(be, m.store, func(scope *model.Scope, in []*Node) *Node {
		m.store.SetTraining(in[0].Graph(), true)
		loss := crossEntropy(mc.logits(scope.In(modelScope), task, vocab, maxN, in), in[inLabels])
		adam.UpdateGraph(scope, loss.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	m.eval, err = model.NewExec(be, m.store, func(scope *model.Scope, in []*Node) *Node {
		return ConvertDType(ArgMax(mc.logits(scope.In(modelScope), task, vocab, maxN, in), -1), dtypes.Int32)
	})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	return m, nil
}

// mapLoader serves variables from a map keyed by variable path.
type mapLoader map[string]*tensors.Tensor

func (l mapLoader) LoadVariable(_ *model.Store, path string) (*tensors.Tensor, bool) {
	t, ok := l[path]
	if !ok {
		return nil, false
	}
	c, err := t.LocalClone()
	if err != nil {
		return nil, false
	}
	return c, true
}

func (l mapLoader) DeleteVariable(*model.Store, string) error { return nil }

// Weights returns a copy of the model's variables (not the optimizer's),
// keyed by path.
func (m *Model) Weights() (map[string]*tensors.Tensor, error) {
	out := map[string]*tensors.Tensor{}
	for v := range m.store.IterVariables() {
		if !strings.HasPrefix(v.Path(), "/"+modelScope+"/") {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("lab: %s: %w", v.Path(), err)
		}
		c, err := t.LocalClone()
		if err != nil {
			return nil, fmt.Errorf("lab: %s: %w", v.Path(), err)
		}
		out[v.Path()] = c
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lab: the model has no variables yet (train or evaluate it first)")
	}
	return out, nil
}

// NumParams counts the model's parameters (after the first graph ran).
func (m *Model) NumParams() int {
	n := 0
	for v := range m.store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/"+modelScope+"/") {
			n += v.Shape().Size()
		}
	}
	return n
}

// learningRate is the cosine schedule with linear warm-up (5% of the steps).
func learningRate(step, total int, lr float64) float64 {
	warm := max(1, total/20)
	if step < warm {
		return lr * float64(step+1) / float64(warm)
	}
	p := float64(step-warm) / float64(max(1, total-warm))
	return lr * 0.5 * (1 + math.Cos(math.Pi*math.Min(p, 1)))
}

// Train runs steps optimizer steps on items in mode (questions drawn in a
// seeded order, reshuffled every epoch), step s with ns[s mod len(ns)]
// fused tokens, and returns the loss of each step. onStep, when not nil,
// is called after every step.
func (m *Model) Train(items []Item, mode fusion.Mode, ns []int, steps, batch int, lr float64, seed uint64, onStep func(step int, loss float64)) (losses []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lab: train: %v", r)
		}
	}()
	if err := m.checkNs(ns); err != nil {
		return nil, err
	}
	if len(items) < batch {
		return nil, fmt.Errorf("lab: %d training items, fewer than a batch of %d", len(items), batch)
	}
	rng := rand.New(rand.NewPCG(seed, 0x7a1))
	perm := rng.Perm(len(items))
	per := len(items) / batch
	buf := make([]Item, batch)
	nrng := rand.New(rand.NewPCG(seed, 0x7015e))
	for s := range steps {
		if s > 0 && s%per == 0 {
			perm = rng.Perm(len(items))
		}
		off := (s % per) * batch
		for j := range buf {
			buf[j] = items[perm[off+j]]
		}
		scale := 1.0
		if m.NoiseRamp {
			scale = noiseRamp(s, steps)
		}
		n := ns[s%len(ns)]
		var noise []float32 // nil: zeros, when the channel has no noise
		if m.Model.ChannelNoise > 0 {
			noise = make([]float32, batch*n*m.Model.noiseWidth())
			for j := range noise {
				noise[j] = float32(scale * nrng.NormFloat64())
			}
		}
		in, err := makeBatch(buf, m.Model.dims(m.Task, n), m.Task.ImageSize, m.Tok.Size(), mode, noise, m.Model.noiseWidth())
		if err != nil {
			return losses, err
		}
		if err := m.lr.SetValue(tensors.FromScalar(float32(learningRate(s, steps, lr)))); err != nil {
			return losses, fmt.Errorf("lab: %w", err)
		}
		out, err := m.step.Exec(args(in)...)
		if err != nil {
			return losses, fmt.Errorf("lab: train N=%d step %d: %w", n, s+1, err)
		}
		l := float64(out[0].Value().(float32))
		losses = append(losses, l)
		if onStep != nil {
			onStep(s+1, l)
		}
		if m.PriorLoss > 0 && s+1 == plateauCheck(steps) && s+1 >= minPlateauCheck && mean(losses[len(losses)-min(50, len(losses)):]) > 0.9*m.PriorLoss {
			return losses, errPlateau
		}
	}
	return losses, nil
}

// ResetOptimizer zeroes the optimizer's state (moments and step counters),
// so that a fine-tune starts fresh from the current weights.
func (m *Model) ResetOptimizer() error {
	for v := range m.store.IterVariables() {
		p := v.Path()
		if strings.HasPrefix(p, "/"+modelScope+"/") || !v.HasValue() {
			continue
		}
		if p == m.lr.Path() {
			continue
		}
		if err := v.SetValue(tensors.FromShape(v.Shape())); err != nil {
			return fmt.Errorf("lab: reset %s: %w", p, err)
		}
	}
	return nil
}

// noiseRamp is the share of the channel noise at step s of steps: none for
// the first 40% of training, then rising linearly to all of it at 70%. A
// model that starts under the full noise hears nothing and stays at the
// answer prior; one that first learns what to say then learns to say it
// robustly.
func noiseRamp(s, steps int) float64 {
	return min(1, max(0, (float64(s)/float64(steps)-0.4)/0.3))
}

// errPlateau is Train's error for a model stuck at the answer prior.
var errPlateau = errors.New("lab: training did not leave the answer prior")

// plateauCheck is the step after which Train checks for the plateau: 35%
// of the steps, before the channel noise starts.
func plateauCheck(steps int) int { return max(1, steps*35/100) }

// minPlateauCheck is the fewest steps before the check for it to be made:
// shorter runs (tests, demos) are not expected to have left the prior.
const minPlateauCheck = 100

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(1, len(v)))
}

// PriorLoss is the cross-entropy of the best answer that ignores the
// image: the entropy of the answer given the question's words, over items.
func PriorLoss(items []Item) float64 {
	by := map[string]map[int32]int{}
	for _, it := range items {
		k := fmt.Sprint(it.Question)
		if by[k] == nil {
			by[k] = map[int32]int{}
		}
		by[k][it.Answer]++
	}
	h := 0.0
	for _, answers := range by {
		n := 0
		for _, c := range answers {
			n += c
		}
		for _, c := range answers {
			p := float64(c) / float64(n)
			h -= float64(c) * math.Log(p)
		}
	}
	return h / float64(max(1, len(items)))
}

// checkNs checks numbers of fused tokens against the model's MaxN.
func (m *Model) checkNs(ns []int) error {
	if len(ns) == 0 {
		return fmt.Errorf("lab: no number of fused tokens to train with")
	}
	for _, n := range ns {
		if n < 1 || n > m.MaxN {
			return fmt.Errorf("lab: N = %d outside [1, %d], the model's range", n, m.MaxN)
		}
	}
	return nil
}

// Predict returns the predicted answer id of every item in mode with n
// fused tokens.
func (m *Model) Predict(items []Item, mode fusion.Mode, n, batch int) (pred []int32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lab: evaluate N=%d: %v", n, r)
		}
	}()
	if err := m.checkNs([]int{n}); err != nil {
		return nil, err
	}
	buf := make([]Item, batch)
	w := m.Model.noiseWidth()
	var noise []float32 // nil: zeros, when the channel has no noise
	if m.Model.ChannelNoise > 0 {
		noise = make([]float32, batch*n*w)
	}
	for off := 0; off < len(items); off += batch {
		for j := range buf {
			i := min(off+j, len(items)-1) // the last batch repeats its last item
			buf[j] = items[i]
			if noise == nil {
				continue
			}
			// Each test item's noise depends only on its index: the same for
			// every batch size and configuration.
			r := rand.New(rand.NewPCG(evalNoiseSeed, uint64(i)))
			for k := range n * w {
				noise[j*n*w+k] = float32(r.NormFloat64())
			}
		}
		in, err := makeBatch(buf, m.Model.dims(m.Task, n), m.Task.ImageSize, m.Tok.Size(), mode, noise, w)
		if err != nil {
			return nil, err
		}
		out, err := m.eval.Exec(args(in)...)
		if err != nil {
			return nil, fmt.Errorf("lab: evaluate N=%d: %w", n, err)
		}
		p := tensors.MustCopyFlatData[int32](out[0])
		pred = append(pred, p[:min(batch, len(items)-off)]...)
	}
	return pred, nil
}

// Accuracy scores predictions against the items' answers (exact match of
// the one-word answer), per question kind, in the order local, global;
// kinds with no question are left out.
func Accuracy(items []Item, pred []int32) ([]labresult.KindAccuracy, error) {
	if len(items) != len(pred) {
		return nil, fmt.Errorf("lab: %d predictions for %d items", len(pred), len(items))
	}
	by := map[labtask.Kind]*labresult.KindAccuracy{}
	for i, it := range items {
		a := by[it.Kind]
		if a == nil {
			a = &labresult.KindAccuracy{Kind: it.Kind}
			by[it.Kind] = a
		}
		a.Total++
		if pred[i] == it.Answer {
			a.Correct++
		}
	}
	var out []labresult.KindAccuracy
	for _, a := range by {
		a.Accuracy = float64(a.Correct) / float64(a.Total)
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, nil
}

func args(in []*tensors.Tensor) []any {
	out := make([]any, len(in))
	for i, t := range in {
		out[i] = t
	}
	return out
}
