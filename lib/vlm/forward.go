package vlm

import (
	"fmt"
	"image"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// randomChunk is the number of values drawn from one seeded stream in
// RandomLLM: chunks are independent, so the fill runs on every core and
// gives the same weights whatever the number of cores.
const randomChunk = 1 << 16

// RandomLLM sets every weight of the frozen LLM (the tensors of
// Config.LLM.Llama().Weights(), under the "llm" scope) to seeded random
// values held in the LLM's dtype (LLMConfig.DType): matrices and embeddings
// N(0, InitStd²), RMSNorm weights 1 (Hugging Face's initialisation of
// Llama). Values are drawn in float32 and rounded to bfloat16 one tensor at
// a time, straight into the tensor's own buffer, so the peak memory is the
// held weights themselves (13.5 GB for Llama-2-7B in bfloat16, where float32
// would need 27 GB). With the same seed the bfloat16 weights are exactly the
// float32 ones rounded to nearest even.
//
// It replaces GoMLX's initializers for the LLM, which give zeros for
// bfloat16 variables (GoMLX v0.28.0). Call it before the first graph that
// uses the LLM; a model whose Llama comes from llm_path is refused.
// progress, when set, is called after each tensor with the parameters
// filled so far and the total.
func (m *Model) RandomLLM(seed uint64, progress func(done, total int64)) (err error) {
	if m.Config.LLMPath != "" {
		return fmt.Errorf("vlm: random LLM: the model reads its LLM from %s", m.Config.LLMPath)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("vlm: random LLM: %v", r)
		}
	}()
	cfg := m.Config.LLM.Llama()
	std := m.Config.LLM.Std()
	total := cfg.NumParameters()
	var done int64
	err = llama.FillWeights(m.Store.Scope("/"+ScopeLLM), cfg, m.Backend, func(i int, w llama.Weight, flat any) error {
		norm := strings.HasSuffix(w.Name, "norm.weight")
		switch f := flat.(type) {
		case []float32:
			fillNormal(f, norm, std, seed, uint64(i), func(x float32) float32 { return x })
			done += int64(len(f))
		case []bfloat16.BFloat16:
			fillNormal(f, norm, std, seed, uint64(i), bfloat16.FromFloat32)
			done += int64(len(f))
		default:
			return fmt.Errorf("dtype %s not supported", cfg.DType)
		}
		if progress != nil {
			progress(done, total)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("vlm: random LLM: %w", err)
	}
	return nil
}

// holdLLM reads the Llama of the folder dir (single or sharded safetensors)
// into the store now, each tensor converted to the LLM dtype as it is read
// (lib/llama's LoadInto, which also checks that every weight is there): a
// bfloat16 LLM from llm_path is held this way (13.5 GB for Llama-2-7B), so
// a wrong folder fails at New or Load rather than at the first forward.
func (m *Model) holdLLM(dir string) error {
	ck, err := safetensors.Open(dir)
	if err != nil {
		return fmt.Errorf("vlm: llm_path: %w", err)
	}
	defer ck.Close()
	if err := llama.LoadInto(m.Store.Scope("/"+ScopeLLM), m.Config.LLM.Llama(), ck, m.Backend); err != nil {
		return fmt.Errorf("vlm: llm_path %s: %w", dir, err)
	}
	return nil
}

// heldFloat32 returns a held LLM weight as float32 values, and want (values
// of the float32 checkpoint) rounded to the weight's dtype.
func heldFloat32(t *tensors.Tensor, want []float32) (got, rounded []float32) {
	if t.DType() != dtypes.BFloat16 {
		return tensors.MustCopyFlatData[float32](t), want
	}
	raw := tensors.MustCopyFlatData[bfloat16.BFloat16](t)
	got = make([]float32, len(raw))
	for i, x := range raw {
		got[i] = x.Float32()
	}
	rounded = make([]float32, len(want))
	for i, x := range want {
		rounded[i] = bfloat16.FromFloat32(x).Float32()
	}
	return got, rounded
}

// fillNormal fills out with std·N(0, 1) draws (ones when norm), converted by
// conv; chunk c of tensor i draws from its own stream seeded by (seed, i, c).
func fillNormal[T any](out []T, norm bool, std float64, seed, i uint64, conv func(float32) T) {
	if norm {
		one := conv(1)
		for j := range out {
			out[j] = one
		}
		return
	}
	chunks := (len(out) + randomChunk - 1) / randomChunk
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				r := rand.New(rand.NewPCG(seed, i<<32|uint64(c)))
				part := out[c*randomChunk : min(len(out), (c+1)*randomChunk)]
				for j := range part {
					part[j] = conv(float32(std * r.NormFloat64()))
				}
			}
		}()
	}
	for c := range chunks {
		next <- c
	}
	close(next)
	wg.Wait()
}

// Forward stage names of ForwardStages, in order.
const (
	StageVision     = "vision"     // CLIP tower, new LayerNorm, local merge, new-line tokens
	StageFusion     = "fusion"     // fusion embeddings and decoder, outputs at QED/EOS positions
	StageProjection = "projection" // Linear into the LLM width, scattered into the LLM token embeddings
	StageLLM        = "llm"        // the frozen Llama: decoder and LM head
)

// StageTime is one stage's wall time.
type StageTime struct {
	Name string
	Wall time.Duration
}

// StagedOutput is what ForwardStages returns.
type StagedOutput struct {
	// Stages are the wall times, in order. Each includes building and
	// compiling the stage's graph and initialising the variables it uses
	// for the first time (CLIP, merge, fusion and projection start from
	// their initialisers unless loaded); the LLM stage does not include
	// StageOptions.BeforeLLM.
	Stages []StageTime
	// Params counts the parameters the stages used, by part (PartOf:
	// "vision", "merge", "fusion", "projection", "llm").
	Params map[string]int64
	// Logits [B, L, V] float32 are the LLM's logits.
	Logits *tensors.Tensor
	// Embeddings is the dtype of the LLM input embeddings (the LLM dtype).
	Embeddings dtypes.DType
}

// StageOptions are the options of ForwardStages.
type StageOptions struct {
	// Progress, when set, is called with a stage's name before it starts.
	Progress func(stage string)
	// Release deletes the CLIP and merge weights from the store after the
	// vision stage and the fusion weights after the fusion stage (and
	// returns the memory to the system), for a one-shot forward of a model
	// too large to hold whole: the model cannot run these stages again.
	Release bool
	// BeforeLLM, when set, runs after the fusion stage (and its release)
	// and before the projection stage: e.g. RandomLLM, so that with Release
	// the LLM's weights never share memory with the vision and fusion ones.
	BeforeLLM func() error
}

// ForwardStages runs the model of Figure 5 over a batch, one compiled
// graph per stage (vision → fusion → projection → LLM, the same functions
// Forward chains in one graph), and times each stage. Intermediate tensors
// are freed as soon as the next stage has used them.
func (m *Model) ForwardStages(in *Inputs, opt StageOptions) (out *StagedOutput, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("vlm: forward: %v", r)
		}
	}()
	c := m.Config
	out = &StagedOutput{Params: map[string]int64{}}
	count := func() {
		now := map[string]int64{}
		for v := range m.Store.IterVariables() {
			if p := PartOf(v.Path()); p != "" {
				now[p] += int64(v.Shape().Size())
			}
		}
		for p, n := range now {
			out.Params[p] = max(out.Params[p], n)
		}
	}
	release := func(scopes ...string) error {
		if !opt.Release {
			return nil
		}
		count()
		for _, s := range scopes {
			if err := m.Store.DeleteVariablesInScope(s); err != nil {
				return fmt.Errorf("vlm: forward: release %s: %w", s, err)
			}
		}
		debug.FreeOSMemory() // twice: the pure-Go backend pools freed buffers until the second collection
		debug.FreeOSMemory()
		return nil
	}
	run := func(name string, fn func(scope *model.Scope, xs []*Node) *Node, args ...any) (*tensors.Tensor, error) {
		if opt.Progress != nil {
			opt.Progress(name)
		}
		start := time.Now()
		exec, err := model.NewExec(m.Backend, m.Store, fn)
		if err != nil {
			return nil, fmt.Errorf("vlm: forward: %s: %w", name, err)
		}
		res, err := exec.Call(args...)
		if err != nil {
			return nil, fmt.Errorf("vlm: forward: %s: %w", name, err)
		}
		if m.Loader.Err != nil {
			return nil, m.Loader.Err
		}
		exec.Finalize()
		out.Stages = append(out.Stages, StageTime{name, time.Since(start)})
		count()
		return res[0], nil
	}
	x := in.List
	vt, err := run(StageVision, func(scope *model.Scope, xs []*Node) *Node {
		return c.VisionTokens(scope, xs[0])
	}, x[inPixels])
	if err != nil {
		return nil, err
	}
	if err := release("/" + ScopeCLIP + "/vision_model"); err != nil {
		return nil, err
	}
	fused, err := run(StageFusion, func(scope *model.Scope, xs []*Node) *Node {
		h := c.FusionStates(scope, xs[0], xs[1], xs[2], xs[3], xs[4])
		B, T, H := h.Shape().Dim(0), h.Shape().Dim(1), h.Shape().Dim(2)
		return Gather(Reshape(h, B*T, H), InsertAxes(xs[5], -1))
	}, vt, x[inFusionIDs], x[inFusionValid], x[inIsVision], x[inVisionIdx], x[inFusedIdx])
	vt.FinalizeAll()
	if err != nil {
		return nil, err
	}
	if err := release("/" + ScopeFusion); err != nil {
		return nil, err
	}
	if opt.BeforeLLM != nil {
		if err := opt.BeforeLLM(); err != nil {
			return nil, err
		}
	}
	emb, err := run(StageProjection, func(scope *model.Scope, xs []*Node) *Node {
		return c.LLMEmbeddings(scope, xs[0], xs[1], xs[2])
	}, fused, x[inLLMIDs], x[inSlotIdx])
	fused.FinalizeAll()
	if err != nil {
		return nil, err
	}
	out.Embeddings = emb.DType()
	logits, err := run(StageLLM, func(scope *model.Scope, xs []*Node) *Node {
		l, _ := llama.CausalLM(scope.At(ScopeLLM), c.LLM.Llama(), nil, xs[0], llama.DecoderOptions{Padding: xs[1]})
		return l
	}, emb, x[inLLMValid])
	emb.FinalizeAll()
	if err != nil {
		return nil, err
	}
	out.Logits = logits
	return out, nil
}

// ForwardQuestion is the question of QuestionExample at paper size, and
// toyForwardQuestion the toy one (in the toy words).
const (
	ForwardQuestion    = "What is in the image?"
	toyForwardQuestion = "what colour is the square?"
)

// Ids of ForwardQuestion, so that the paper-size forward needs no tokenizer
// files: the question under CLIP BPE (no start/end tokens), and lib/chat's
// Llama-2 sequence without a system prompt, "<s>[INST] QED×N What is in the
// image? [/INST]", around its N slots (TestForwardQuestionIDs checks all
// three against the real tokenizers).
var (
	forwardCLIPIDs     = []int32{768, 533, 530, 518, 2867, 286}
	forwardLlamaBefore = []int32{1, 518, 25580, 29962}
	forwardLlamaAfter  = []int32{1724, 338, 297, 278, 1967, 29973, 518, 29914, 25580, 29962}
)

// llama2EOS fills the QED slots of the built-in Llama-2 sequence, as
// lib/chat does (the slots' embeddings are replaced by fused tokens).
const llama2EOS = 2

// QuestionExample lays out one image (pixels of its views) with one
// question whose answer is to be generated: the LLM sequence ends where the
// answer starts, so the logits at its last position predict the answer's
// first token. Word-tokenizer (toy) models ask toyForwardQuestion in their
// words; "clip+llama2" models ask ForwardQuestion with built-in ids.
func (c Config) QuestionExample(pixels []float32, views int) (Example, error) {
	ex := Example{Pixels: pixels, Views: views}
	switch c.Tokenizer {
	case "words":
		tok := NewWordTokenizer(c.Words)
		ex.Questions = [][]int32{tok.Encode(toyForwardQuestion)}
		ex.LLMIDs, ex.Slot, ex.Target = ToyChat(tok, c.N, c.M, []string{toyForwardQuestion}, nil)
	case "clip+llama2":
		ex.Questions = [][]int32{append([]int32(nil), forwardCLIPIDs...)}
		add := func(ids []int32, slot bool) {
			for _, id := range ids {
				ex.LLMIDs, ex.Slot = append(ex.LLMIDs, id), append(ex.Slot, slot)
			}
		}
		add(forwardLlamaBefore, false)
		for range c.N {
			ex.LLMIDs, ex.Slot = append(ex.LLMIDs, llama2EOS), append(ex.Slot, true)
		}
		add(forwardLlamaAfter, false)
		ex.Target = make([]bool, len(ex.LLMIDs))
	default:
		return Example{}, fmt.Errorf("vlm: unknown tokenizer %q (words or clip+llama2)", c.Tokenizer)
	}
	return ex, nil
}

// ImageExample is QuestionExample over an image: its single global view
// resized to the vision tower's size. It takes configurations with HD = 0
// only (one view); HD-n views are Pixels' work.
func (c Config) ImageExample(img image.Image) (Example, error) {
	if c.HD != 0 {
		return Example{}, fmt.Errorf("vlm: ImageExample takes one global view (hd 0), the config has hd %d", c.HD)
	}
	return c.QuestionExample(GlobalView(img, c.Vision.ImageSize), 1)
}
