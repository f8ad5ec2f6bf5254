package train

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/schollz/progressbar/v3"

	"github.com/tokenscale/tokenscale/lib/clip"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/outfile"
	"github.com/tokenscale/tokenscale/lib/train/trainlog"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// Options configure a training run (App. C; docs/model.md#training-stages).
type Options struct {
	Stage       int      `json:"stage"`         // 1 (contrastive + identity) or 2, 3 (generation loss)
	Steps       int      `json:"steps"`         // optimizer steps
	BatchSize   int      `json:"batch_size"`    // per micro-batch
	Accum       int      `json:"grad_accum"`    // micro-batches per optimizer step
	LR          float64  `json:"learning_rate"` // peak learning rate
	WarmupRatio float64  `json:"warmup_ratio"`  // of Steps (0.03 stage 2/3, 0.1 stage 1)
	WeightDecay float64  `json:"weight_decay"`  // AdamW decoupled decay, not on biases and norm weights (see Decays); 0 as in HF Trainer
	ClipNorm    float64  `json:"clip_norm"`     // global gradient-norm clip (1.0)
	Train       []string `json:"train"`         // modules updated: vision, merge, fusion, projection (stages 2–3); vision, merge, fusion, text (stage 1)
	Seed        uint64   `json:"seed"`          // data order (and the draw of new text positions)
	// TextPositions (stage 1 only) grows the CLIP text tower's position
	// table to this many rows before training (vlm.Model.ExtendTextPositions;
	// App. C: 512, the authors' released checkpoint 1024); 0 or no more than
	// the model has leaves it.
	TextPositions int `json:"text_positions,omitempty"`
	Pad           vlm.Shapes
	// Stage 1 only: which fused rows enter the identity loss (the authors'
	// code: placeholders and eos; the paper: placeholders only), and the
	// code-only outlier masking of the text embeddings.
	Identity     IdentityRows `json:"identity"`
	MaskOutliers bool         `json:"mask_outliers"`
	// GradientCheckpointing recomputes every layer's inside (CLIP towers,
	// fusion decoder, LLM) in the backward pass instead of keeping it:
	// less activation memory for about one more forward pass
	// (vlm.Config.GradientCheckpointing). Gradients are unchanged.
	GradientCheckpointing bool `json:"gradient_checkpointing,omitempty"`
	// Mesh, with more than one device, trains data-parallel over it: the
	// batch axis of every input sharded, the variables replicated, XLA's
	// partitioner adding the gradient all-reduce (see mesh.go). BatchSize
	// must be a multiple of its devices. Nil or one device: the plain path.
	Mesh *distributed.DeviceMesh `json:"-"`
}

// PaperOptions are the hyper-parameters of App. C: stages 2–3 per-device
// batch 5, accumulation 64, lr 2e-5, cosine with warm-up 0.03, clip 1.0;
// stage 1 batch 32, no accumulation, warm-up 0.1, 1000 steps, the CLIP text
// tower trained and its positions grown to 512.
func PaperOptions(stage int) Options {
	o := Options{Stage: stage, BatchSize: 5, Accum: 64, LR: 2e-5, WarmupRatio: 0.03, ClipNorm: 1, Train: vlm.Parts}
	if stage == 1 {
		o.BatchSize, o.Accum, o.WarmupRatio, o.Steps = 32, 1, 0.1, 1000
		o.Train, o.MaskOutliers, o.TextPositions = Stage1Parts, true, PaperTextPositions
	}
	return o
}

// PaperTextPositions is the CLIP text tower's sequence length in stage 1
// (App. C: "we extend the sequence length to 512"; the authors'
// _update_ckpt.py uses 1024).
const PaperTextPositions = 512

// Stage1Parts are the modules stage 1 trains by default. App. C names "the
// vision encoder, the 2D convolution layer for merging neighboring vision
// tokens, the fused model, and the CLIP text encoder"; leave "text" out to
// keep the text tower as a frozen target.
var Stage1Parts = []string{"vision", "merge", "fusion", "text"}

// Validate checks the options (stage, sizes, modules the stage may train).
func (o Options) Validate() error {
	if o.Stage < 1 || o.Stage > 3 {
		return fmt.Errorf("train: stage %d not supported (1, 2 or 3)", o.Stage)
	}
	if o.Steps <= 0 || o.BatchSize <= 0 || o.Accum <= 0 || o.LR <= 0 {
		return fmt.Errorf("train: steps, batch size, accumulation and learning rate must be positive")
	}
	allowed := vlm.Parts
	if o.Stage == 1 {
		allowed = Stage1Parts
	}
	for _, p := range o.Train {
		if !slices.Contains(allowed, p) {
			return fmt.Errorf("train: module %q cannot train in stage %d (want some of %s)", p, o.Stage, strings.Join(allowed, ", "))
		}
	}
	if len(o.Train) == 0 {
		return fmt.Errorf("train: no module selected for training")
	}
	if o.TextPositions < 0 || (o.TextPositions > 0 && o.Stage != 1) {
		return fmt.Errorf("train: text_positions %d: only stage 1 grows the text tower's positions", o.TextPositions)
	}
	return nil
}

// LearningRate is the cosine schedule with linear warm-up of Hugging Face's
// get_cosine_schedule_with_warmup: step/warm·lr during warm-up, then
// ½(1+cos(π·progress))·lr. step counts from 0.
func LearningRate(step, total int, warmupRatio, lr float64) float64 {
	warm := int(math.Ceil(warmupRatio * float64(total)))
	if step < warm {
		return lr * float64(step) / float64(max(1, warm))
	}
	p := float64(step-warm) / float64(max(1, total-warm))
	return lr * 0.5 * (1 + math.Cos(math.Pi*math.Min(p, 1)))
}

// StepLog is one line of the training log; see lib/train/trainlog.
type StepLog = trainlog.StepLog

// Trainer runs the stages over a vlm.Model.
type Trainer struct {
	Model    *vlm.Model
	Opt      Options
	Examples []vlm.Example
	Step     int // optimizer steps done
	Log      []StepLog
	// Interrupt, when set, stops Run after the step in progress (e.g. on
	// SIGINT): Run saves a checkpoint and returns ErrInterrupted.
	Interrupt <-chan struct{}

	mode        fusion.Mode
	apply, acc  *model.Exec
	shards      int // devices the inputs are split over (0 or 1: none)
	lrVar       *model.Variable
	frozenCheck map[string]bool
}

type gradOptimizer interface {
	UpdateGraphWithGradients(scope *model.Scope, grads []*Node, lossDType dtypes.DType)
}

// accScope holds the gradient accumulators.
const accScope = "acc_grads"

// NewTrainer prepares training of m on examples.
func NewTrainer(m *vlm.Model, examples []vlm.Example, opt Options) (*Trainer, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if len(examples) < opt.BatchSize {
		return nil, fmt.Errorf("train: %d examples, fewer than one batch of %d", len(examples), opt.BatchSize)
	}
	if opt.Stage == 1 && opt.TextPositions > 0 {
		if err := m.ExtendTextPositions(opt.TextPositions, opt.Seed); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	m.Config.GradientCheckpointing = opt.GradientCheckpointing
	t := &Trainer{Model: m, Opt: opt, Examples: examples, mode: m.Config.FusionMode()}
	t.lrVar = optimizer.LearningRateVarWithValue(m.Store.RootScope(), dtypes.Float32, opt.LR)
	adam := NewAdamW(opt.WeightDecay)
	build := func(apply bool) func(scope *model.Scope, in []*Node) []*Node {
		return func(scope *model.Scope, in []*Node) []*Node {
			m.Store.SetTraining(in[0].Graph(), true)
			var loss *Node
			if opt.Stage == 1 {
				loss = stage1Loss(m.Config, opt, scope, in)
			} else {
				out := m.Config.Forward(scope, in)
				labels, weights := vlm.Labels(in)
				loss = GenerationLoss(out.Logits, labels, weights)
			}
			t.markTrainable()
			grads := scope.BuildTrainableVariablesGradientsGraph(loss)
			g := loss.Graph()
			var accs []*model.Variable
			for v := range scope.IterVariables() {
				if v.Trainable && v.InUseByGraph(g) {
					acc := m.Store.Scope("/"+accScope+v.Scope()).WithInitializer(initializer.Zero).
						VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
					accs = append(accs, acc)
				}
			}
			if len(accs) != len(grads) {
				panic(fmt.Errorf("train: %d gradients for %d trainable variables", len(grads), len(accs)))
			}
			for i := range grads {
				grads[i] = Add(grads[i], accs[i].NodeValue(g))
			}
			if !apply {
				for i, acc := range accs {
					acc.SetNodeValue(grads[i])
				}
				return []*Node{loss, ScalarZero(g, dtypes.Float32)}
			}
			sq := ScalarZero(g, dtypes.Float32)
			for i := range grads {
				grads[i] = MulScalar(grads[i], 1/float64(opt.Accum))
				sq = Add(sq, ReduceAllSum(Square(grads[i])))
			}
			norm := Sqrt(sq)
			if opt.ClipNorm > 0 {
				scale := Min(ScalarOne(g, dtypes.Float32), Div(Scalar(g, dtypes.Float32, opt.ClipNorm), AddScalar(norm, 1e-6)))
				for i := range grads {
					grads[i] = Mul(grads[i], scale)
				}
			}
			adam.UpdateGraphWithGradients(scope, grads, dtypes.Float32)
			for _, acc := range accs {
				acc.SetNodeValue(ZerosLike(acc.NodeValue(g)))
			}
			return []*Node{loss, norm}
		}
	}
	var err error
	if t.apply, err = model.NewExec(m.Backend, m.Store, build(true)); err != nil {
		return nil, err
	}
	if t.acc, err = model.NewExec(m.Backend, m.Store, build(false)); err != nil {
		return nil, err
	}
	if err := t.useMesh(opt.Mesh); err != nil {
		return nil, err
	}
	return t, nil
}

// markTrainable sets each model variable's Trainable flag from the stage's
// module list; the LLM is always frozen (no gradients, no optimizer state).
func (t *Trainer) markTrainable() {
	for v := range t.Model.Store.IterVariables() {
		part := vlm.PartOf(v.Path())
		if part == "" {
			continue
		}
		if part == "stage1" {
			v.SetTrainable(t.Opt.Stage == 1)
			continue
		}
		v.SetTrainable(part != "llm" && slices.Contains(t.Opt.Train, part))
	}
}

// batchAt returns the examples of micro-batch number i: a fresh permutation
// of the data (seeded by Seed and the epoch) per epoch, so a resumed run
// sees the same order.
func (t *Trainer) batchAt(i int) []vlm.Example {
	n := len(t.Examples)
	per := n / t.Opt.BatchSize
	epoch, off := i/per, (i%per)*t.Opt.BatchSize
	perm := rand.New(rand.NewPCG(t.Opt.Seed, uint64(epoch))).Perm(n)
	out := make([]vlm.Example, t.Opt.BatchSize)
	for j := range out {
		out[j] = t.Examples[perm[off+j]]
	}
	return out
}

// TrainStep runs one optimizer step (Accum micro-batches) and returns its log.
func (t *Trainer) TrainStep() (log StepLog, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("train: step %d: %v", t.Step+1, r)
		}
	}()
	start := time.Now()
	lr := LearningRate(t.Step, t.Opt.Steps, t.Opt.WarmupRatio, t.Opt.LR)
	if err := t.lrVar.SetValue(tensors.FromScalar(float32(lr))); err != nil {
		return log, err
	}
	total, tokens := 0.0, 0
	var norm float64
	for k := range t.Opt.Accum {
		batch := t.batchAt(t.Step*t.Opt.Accum + k)
		in, err := t.Model.Config.MakeInputs(batch, t.mode, t.Opt.Pad)
		if err != nil {
			return log, err
		}
		if t.Opt.Stage == 1 {
			if err := addStage1Inputs(in, batch, t.Opt.Identity); err != nil {
				return log, err
			}
		}
		for _, v := range tensors.MustCopyFlatData[bool](in.List[7]) {
			if v {
				tokens++
			}
		}
		exec := t.acc
		if k == t.Opt.Accum-1 {
			exec = t.apply
		}
		args, err := shardInputs(in.List, t.shards)
		if err != nil {
			return log, fmt.Errorf("train: step %d: %w", t.Step+1, err)
		}
		out, err := exec.Call(args...)
		if err != nil {
			return log, fmt.Errorf("train: step %d: %w", t.Step+1, err)
		}
		if t.Model.Loader.Err != nil {
			return log, t.Model.Loader.Err
		}
		total += float64(out[0].Value().(float32))
		norm = float64(out[1].Value().(float32))
	}
	t.Step++
	log = StepLog{Step: t.Step, Loss: total / float64(t.Opt.Accum), GradNorm: norm, LR: lr, Tokens: tokens, Seconds: time.Since(start).Seconds()}
	t.Log = append(t.Log, log)
	return log, nil
}

// Run trains until Opt.Steps, drawing a progress bar on progress (nil for
// none), appending each step to logPath (JSONL, when set) and checkpointing
// into ckDir every saveEvery steps and at the end (when ckDir is set).
// Entries of logPath for steps after t.Step (logged by a run that was
// killed after its last checkpoint) are dropped first, so a resumed log
// holds each step once. When t.Interrupt fires, the step in progress is
// finished, saved, and Run returns ErrInterrupted.
func (t *Trainer) Run(progress io.Writer, logPath, ckDir string, saveEvery int) error {
	var bar *progressbar.ProgressBar
	if progress != nil {
		bar = progressbar.NewOptions(t.Opt.Steps, progressbar.OptionSetWriter(progress), progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(20), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionShowDescriptionAtLineEnd())
		_ = bar.Set(t.Step)
	}
	var logf *os.File
	if logPath != "" {
		if err := trimLog(logPath, t.Step); err != nil {
			return err
		}
		var err error
		if logf, err = os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
			return fmt.Errorf("train: log: %w", err)
		}
		defer logf.Close()
	}
	for t.Step < t.Opt.Steps {
		l, err := t.TrainStep()
		if err != nil {
			return err
		}
		if logf != nil {
			raw, _ := json.Marshal(l)
			if _, err := logf.Write(append(raw, '\n')); err != nil {
				return fmt.Errorf("train: log: %w", err)
			}
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("loss %.4f lr %.2e %.0f tok/s", l.Loss, l.LR, float64(l.Tokens)/math.Max(l.Seconds, 1e-9)))
			_ = bar.Set(t.Step)
		}
		stop := t.interrupted()
		if ckDir != "" && (stop || t.Step == t.Opt.Steps || (saveEvery > 0 && t.Step%saveEvery == 0)) {
			if err := t.Save(ckDir); err != nil {
				return err
			}
		}
		if stop {
			if bar != nil {
				fmt.Fprintln(progress)
			}
			return fmt.Errorf("%w at step %d", ErrInterrupted, t.Step)
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(progress)
	}
	return nil
}

// ReadLog reads a JSONL training log (trainlog.Read).
func ReadLog(path string) ([]StepLog, error) { return trainlog.Read(path) }

// state is what a checkpoint adds to the model for resuming.
type state struct {
	Step    int     `json:"step"`
	Options Options `json:"options"`
}

// saveHook is called between the stages of Save (tests use it to kill a
// run mid-save).
var saveHook = func(stage string) {}

// LatestFile names the pointer to the newest complete checkpoint.
const LatestFile = "latest"

// Save writes checkpoint step-NNNNNN into ckDir — model, optimizer state and
// trainer state — and then atomically repoints ckDir/latest at it. A crash
// at any point leaves the previous checkpoint and pointer intact.
func (t *Trainer) Save(ckDir string) error {
	name := fmt.Sprintf("step-%06d", t.Step)
	dir := filepath.Join(ckDir, name)
	if err := t.Model.Save(dir, vlm.SaveOptions{Extra: func(p string) bool {
		return strings.HasPrefix(p, "/"+optimizer.AdamDefaultScope+"/") || strings.HasPrefix(p, "/"+optimizer.Scope+"/") ||
			p == "/"+optimizer.GlobalStepVariableName
	}}); err != nil {
		return err
	}
	saveHook("weights-written")
	raw, _ := json.MarshalIndent(state{Step: t.Step, Options: t.Opt}, "", "  ")
	if err := writeAtomic(filepath.Join(dir, "trainer.json"), raw); err != nil {
		return err
	}
	saveHook("state-written")
	return writeAtomic(filepath.Join(ckDir, LatestFile), []byte(name+"\n"))
}

// writeAtomic writes a small file of the checkpoint folder atomically
// (lib/outfile: temporary file, sync, rename).
func writeAtomic(path string, data []byte) error {
	if err := outfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("train: save %w", err)
	}
	return nil
}

// Latest returns the folder of the newest complete checkpoint in ckDir.
func Latest(ckDir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(ckDir, LatestFile))
	if err != nil {
		return "", fmt.Errorf("train: no checkpoint in %s: %w", ckDir, err)
	}
	return filepath.Join(ckDir, strings.TrimSpace(string(raw))), nil
}

// ResumeFile resumes the newest checkpoint of ckDir on the chat records of
// the JSONL file data, encoded with that checkpoint's own configuration
// (vlm.EncodeFile): what a notebook cell or `tokenscale train … --resume`
// does to take up a run where it stopped.
func ResumeFile(ckDir, data string) (*Trainer, error) {
	dir, err := Latest(ckDir)
	if err != nil {
		return nil, err
	}
	cfg, err := vlm.ReadConfig(filepath.Join(dir, vlm.ConfigFile))
	if err != nil {
		return nil, err
	}
	ex, err := vlm.EncodeFile(cfg, data)
	if err != nil {
		return nil, err
	}
	return Resume(ckDir, ex)
}

// Resume loads the newest checkpoint of ckDir and returns a trainer that
// continues where it stopped (same data order, optimizer moments and step).
func Resume(ckDir string, examples []vlm.Example) (*Trainer, error) {
	dir, err := Latest(ckDir)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "trainer.json"))
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	var st state
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("train: resume %s: %w", dir, err)
	}
	m, err := vlm.Load(dir)
	if err != nil {
		return nil, err
	}
	t, err := NewTrainer(m, examples, st.Options)
	if err != nil {
		return nil, err
	}
	// The learning-rate variable was created before the loader could serve
	// it; everything else (moments, counters) loads on first use.
	t.Step = st.Step
	return t, nil
}

// addStage1Inputs appends the stage-1 tensors to a batch: the fused rows of
// every question's eos [K], the rows of the identity loss [K′], the answers'
// text ids [K, La] (right-padded with 0) and each answer's eos position [K].
func addStage1Inputs(in *vlm.Inputs, batch []vlm.Example, rows IdentityRows) error {
	fb := in.Fusion
	var answers [][]int32
	for i, e := range batch {
		if len(e.Answers) != len(e.Questions) {
			return fmt.Errorf("train: stage 1: example %d has %d answers for %d questions", i, len(e.Answers), len(e.Questions))
		}
		answers = append(answers, e.Answers...)
	}
	K := len(fb.EOSRows)
	if K != len(answers) {
		return fmt.Errorf("train: stage 1: %d question groups, %d answers", K, len(answers))
	}
	la := 1
	for _, a := range answers {
		la = max(la, len(a))
	}
	ids := make([]int32, K*la)
	pos := make([]int32, K)
	for k, a := range answers {
		if len(a) == 0 {
			return fmt.Errorf("train: stage 1: empty answer")
		}
		copy(ids[k*la:], a)
		pos[k] = int32(len(a) - 1)
	}
	eos := make([]int32, K)
	for k, r := range fb.EOSRows {
		eos[k] = int32(r)
	}
	var idr []int32
	for _, r := range rows.Rows(fb) {
		idr = append(idr, int32(r))
	}
	if len(idr) == 0 {
		return fmt.Errorf("train: stage 1: no rows for the identity loss (N = 1 with the paper's variant has none)")
	}
	in.List = append(in.List,
		tensors.FromFlatDataAndDimensions(eos, K),
		tensors.FromFlatDataAndDimensions(idr, len(idr)),
		tensors.FromFlatDataAndDimensions(ids, K, la),
		tensors.FromFlatDataAndDimensions(pos, K))
	return nil
}

// stage1Loss is Eq. 19 as the authors' code computes it: the
// fusion states at each question's eos, projected by imgque_projection
// (bias-free, fusion width → ProjectionDim), against the CLIP text tower's
// pooled, projected answer embeddings, with a learnable logit scale
// (init 2.6592); plus the identity loss over the selected fused rows.
func stage1Loss(c vlm.Config, opt Options, scope *model.Scope, in []*Node) *Node {
	if c.Text == nil || c.ProjectionDim <= 0 {
		panic(fmt.Errorf("train: stage 1 needs the CLIP text tower in the model config (text, projection_dim)"))
	}
	n := vlm.NumInputs
	vt := c.VisionTokens(scope, in[0])
	h := c.FusionStates(scope, vt, in[1], in[2], in[3], in[4])
	B, T, H := h.Shape().Dim(0), h.Shape().Dim(1), h.Shape().Dim(2)
	fused := Gather(Reshape(h, B*T, H), InsertAxes(in[5], -1))
	eos := Gather(fused, InsertAxes(in[n], -1))
	s1 := scope.In(vlm.ScopeVLM).In("stage1")
	v := fusion.Linear(s1.In("imgque_projection"), eos, c.ProjectionDim, 0.02)
	cl := scope.At(vlm.ScopeCLIP)
	tc := *c.Text
	tc.GradientCheckpointing = c.GradientCheckpointing
	states := clip.TextHiddenStates(cl, tc, in[n+2], tc.NumHiddenLayers)
	last := clip.TextFinal(cl, tc, states[len(states)-1])
	t := clip.TextEmbeds(cl, clip.TextPooled(last, in[n+3]))
	if opt.MaskOutliers {
		t = MaskTextOutliers(t)
	}
	ls := s1.VariableWithValue("logit_scale", float32(LogitScaleInit)).NodeValue(h.Graph())
	return Add(ContrastiveLoss(v, t, ls), IdentityLoss(Gather(fused, InsertAxes(in[n+1], -1))))
}
