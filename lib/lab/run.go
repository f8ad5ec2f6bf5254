package lab

import (
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

// DefaultTrain is the training of every lab run, quick or full: 600 steps
// of 64 questions with the question fused, then 150 of the question-dropped
// fine-tune. Global questions are learned within 200 steps; local ones (the
// model must look a cell up by its name) only around step 400–600, and at
// 400 + 100 steps whether the question's benefit on local questions shows
// depended on the seeds, so the quick sweep trains as long as the full one
// and saves time on the grid of N and the seeds instead. Its runs are
// therefore a subset of the full sweep's, and share its cache entries.
func DefaultTrain() TrainConfig {
	return TrainConfig{Steps: 600, FTSteps: 150, Batch: 64, LR: 3e-3, WeightDecay: 1e-4, TrainImages: 8192, EvalImages: 1024}
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

// Model is the lab model for one N: its variables and its compiled graphs
// (one training and one evaluation graph serve both input forms, because
// the fusion input is padded to the question-fused length).
type Model struct {
	Task  labtask.TaskConfig
	Model ModelConfig
	N     int
	Tok   *labtask.Tokenizer

	be    compute.Backend
	store *model.Store
	d     dims
	step  *model.Exec
	eval  *model.Exec
	lr    *model.Variable
}

// NewModel builds a model with fresh weights drawn from seed, or with
// weights (as returned by Weights) when weights is not nil.
func NewModel(task labtask.TaskConfig, mc ModelConfig, n int, seed uint64, weights map[string]*tensors.Tensor, tc TrainConfig) (*Model, error) {
	if err := task.Validate(); err != nil {
		return nil, err
	}
	task = task.WithDefaults()
	if err := mc.Validate(task); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("lab: N = %d, want ≥ 1", n)
	}
	be, err := backend.New()
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	m := &Model{Task: task, Model: mc, N: n, Tok: labtask.NewTokenizer(), be: be, store: model.NewStore(), d: mc.dims(task, n)}
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
		loss := crossEntropy(mc.logits(scope.In(modelScope), task, vocab, n, in), in[inLabels])
		adam.UpdateGraph(scope, loss.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	m.eval, err = model.NewExec(be, m.store, func(scope *model.Scope, in []*Node) *Node {
		return ConvertDType(ArgMax(mc.logits(scope.In(modelScope), task, vocab, n, in), -1), dtypes.Int32)
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
// seeded order, reshuffled every epoch) and returns the loss of each step.
// onStep, when not nil, is called after every step.
func (m *Model) Train(items []Item, mode fusion.Mode, steps, batch int, lr float64, seed uint64, onStep func(step int, loss float64)) (losses []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lab: train N=%d: %v", m.N, r)
		}
	}()
	if len(items) < batch {
		return nil, fmt.Errorf("lab: %d training items, fewer than a batch of %d", len(items), batch)
	}
	rng := rand.New(rand.NewPCG(seed, 0x7a1))
	perm := rng.Perm(len(items))
	per := len(items) / batch
	buf := make([]Item, batch)
	for s := range steps {
		if s > 0 && s%per == 0 {
			perm = rng.Perm(len(items))
		}
		off := (s % per) * batch
		for j := range buf {
			buf[j] = items[perm[off+j]]
		}
		in, err := makeBatch(buf, m.d, m.Task.ImageSize, m.Tok.Size(), mode)
		if err != nil {
			return losses, err
		}
		if err := m.lr.SetValue(tensors.FromScalar(float32(learningRate(s, steps, lr)))); err != nil {
			return losses, fmt.Errorf("lab: %w", err)
		}
		out, err := m.step.Exec(args(in)...)
		if err != nil {
			return losses, fmt.Errorf("lab: train N=%d step %d: %w", m.N, s+1, err)
		}
		l := float64(out[0].Value().(float32))
		losses = append(losses, l)
		if onStep != nil {
			onStep(s+1, l)
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

// Predict returns the predicted answer id of every item in mode.
func (m *Model) Predict(items []Item, mode fusion.Mode, batch int) (pred []int32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lab: evaluate N=%d: %v", m.N, r)
		}
	}()
	buf := make([]Item, batch)
	for off := 0; off < len(items); off += batch {
		for j := range buf {
			buf[j] = items[min(off+j, len(items)-1)] // the last batch repeats its last item
		}
		in, err := makeBatch(buf, m.d, m.Task.ImageSize, m.Tok.Size(), mode)
		if err != nil {
			return nil, err
		}
		out, err := m.eval.Exec(args(in)...)
		if err != nil {
			return nil, fmt.Errorf("lab: evaluate N=%d: %w", m.N, err)
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
