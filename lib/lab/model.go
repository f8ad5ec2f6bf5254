package lab

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
)

// ModelConfig sizes the lab's toy version of the paper's model (Figure 5):
// a patch-embedding vision tower, the fusion decoder of lib/fusion over
// [vision ‖ question ‖ N−1 placeholders ‖ eos], a bias-free projection, and
// a small Llama-style LLM that reads [<s> ‖ N fused tokens ‖ question ‖
// [/INST]] and predicts the one-word answer.
type ModelConfig struct {
	// Patch is the side of a vision patch in pixels; 0 means one patch per
	// grid cell (ImageSize/Grid), so each vision token sees one cell.
	Patch int `json:"patch"`
	// Hidden is the width of the vision tokens and the fusion decoder.
	Hidden int `json:"hidden"`
	// FusionLayers and LLMLayers are the decoder depths; Heads their heads.
	FusionLayers int `json:"fusion_layers"`
	LLMLayers    int `json:"llm_layers"`
	Heads        int `json:"heads"`
	// LLMHidden is the toy LLM's width (the projection's output).
	LLMHidden int `json:"llm_hidden"`
	// TokenWidth, when positive, sends each fused token through a linear
	// bottleneck of this many numbers before the projection, so that one
	// token carries little and the number N of tokens sets how much of the
	// image reaches the LLM — the regime of the paper, where 576 patch
	// tokens are squeezed into N. 0 means no bottleneck (the width is
	// Hidden).
	TokenWidth int `json:"token_width,omitempty"`
	// ChannelNoise, when positive, makes each fused token a noisy channel
	// of limited capacity, the toy's version of the LLM's limited reading
	// of each token: the TokenWidth numbers are scaled to unit power (their
	// root mean square is 1) and Gaussian noise of this standard deviation
	// is added, in training and in evaluation (drawn from fixed seeds
	// there). N tokens that carry the same message give the LLM N times its
	// signal and √N times the noise, so the answer comes through better the
	// more tokens there are. Requires TokenWidth > 0.
	ChannelNoise float64 `json:"channel_noise,omitempty"`
	// MeanColour replaces the learned patch MLP by a fixed encoder, the
	// toy's stand-in for the paper's pretrained CLIP: each patch's mean
	// colour (3 numbers), then a learned linear map to Hidden. With it the
	// toy learns to read colours in tens of steps instead of hundreds.
	MeanColour bool `json:"mean_colour,omitempty"`
	// MaxQuestion is the padded length of a question in tokens (0: the
	// longest question the task can ask, MaxQuestionTokens).
	MaxQuestion int `json:"max_question"`
}

// DefaultModel is the lab's model: the fixed mean-colour encoder, hidden
// 32, two fusion layers (the fewest with which attention can pick a cell by
// the question: one layer to read the question, one to look it up), one LLM
// layer, two heads, and fused tokens of 4 numbers with channel noise 2 —
// a token whose message the LLM can hardly make out alone, so that the
// number N of tokens decides how well the answer comes through; about 27k
// parameters.
func DefaultModel() ModelConfig {
	return ModelConfig{Hidden: 32, FusionLayers: 2, LLMLayers: 1, Heads: 2, LLMHidden: 32, TokenWidth: 4, ChannelNoise: 2, MeanColour: true}
}

// Validate checks the sizes against a task.
func (c ModelConfig) Validate(task labtask.TaskConfig) error {
	task = task.WithDefaults()
	p := c.patch(task)
	switch {
	case c.Hidden <= 0 || c.LLMHidden <= 0 || c.Heads <= 0 || c.FusionLayers <= 0 || c.LLMLayers <= 0:
		return fmt.Errorf("lab: model sizes must be positive: %+v", c)
	case c.Hidden%c.Heads != 0 || (c.Hidden/c.Heads)%2 != 0 || c.LLMHidden%c.Heads != 0 || (c.LLMHidden/c.Heads)%2 != 0:
		return fmt.Errorf("lab: hidden %d and LLM hidden %d must split into %d heads of even size", c.Hidden, c.LLMHidden, c.Heads)
	case p <= 0 || task.ImageSize%p != 0:
		return fmt.Errorf("lab: patch %d does not divide image size %d", p, task.ImageSize)
	case c.TokenWidth < 0:
		return fmt.Errorf("lab: token width %d", c.TokenWidth)
	case c.ChannelNoise < 0 || math.IsNaN(c.ChannelNoise) || (c.ChannelNoise > 0 && c.TokenWidth == 0):
		return fmt.Errorf("lab: channel noise %g needs a token width (have %d)", c.ChannelNoise, c.TokenWidth)
	case c.MaxQuestion < 0:
		return fmt.Errorf("lab: max question length %d", c.MaxQuestion)
	}
	return nil
}

func (c ModelConfig) patch(task labtask.TaskConfig) int {
	if c.Patch > 0 {
		return c.Patch
	}
	if task.Grid <= 0 || task.ImageSize%task.Grid != 0 {
		return 0
	}
	return task.ImageSize / task.Grid
}

// VisionTokens is the number of vision tokens of one image.
func (c ModelConfig) VisionTokens(task labtask.TaskConfig) int {
	task = task.WithDefaults()
	g := task.ImageSize / c.patch(task)
	return g * g
}

func (c ModelConfig) fusionDecoder() fusion.DecoderConfig {
	return fusion.DecoderConfig{Hidden: c.Hidden, Intermediate: 2 * c.Hidden, Layers: c.FusionLayers, Heads: c.Heads,
		KVHeads: c.Heads, RopeTheta: 1e4, RMSEps: 1e-6, InitStd: 1 / math.Sqrt(float64(c.Hidden))}
}

func (c ModelConfig) llmDecoder() fusion.DecoderConfig {
	return fusion.DecoderConfig{Hidden: c.LLMHidden, Intermediate: 2 * c.LLMHidden, Layers: c.LLMLayers, Heads: c.Heads,
		KVHeads: c.Heads, RopeTheta: 1e4, RMSEps: 1e-5, InitStd: 1 / math.Sqrt(float64(c.LLMHidden))}
}

// Graph inputs, in order.
const (
	inPixels    = iota // [B, S, S, 3] float32
	inFusionIDs        // [B, T] int32 (vision positions hold labtask.TokPad)
	inFusionOK         // [B, T] bool: valid positions
	inFusedIdx         // [B·N] int32: flat b·T+t of the QED/EOS positions
	inLLMIDs           // [B, L] int32
	inLLMOK            // [B, L] bool
	inAnswerPos        // [B] int32: position of [/INST]
	inLabels           // [B] int32: answer word id
	inNoise            // [B·N, width] float32: the channel's noise (unit variance)
	numInputs
)

// dims fixes the padded lengths of one N.
type dims struct {
	V, T, L, N int
}

func (c ModelConfig) dims(task labtask.TaskConfig, n int) dims {
	v := c.VisionTokens(task)
	q := c.maxQuestion(task)
	return dims{V: v, T: v + q + n, L: 1 + n + q + 1, N: n}
}

func (c ModelConfig) maxQuestion(task labtask.TaskConfig) int {
	if c.MaxQuestion > 0 {
		return c.MaxQuestion
	}
	return MaxQuestionTokens(task)
}

// MaxQuestionTokens is the number of tokens of the longest question the
// task can ask: on a terse task the name of a cell (one token on the grids
// of 2 and 3, "top-left"; five on others, "row 2, column 4"); otherwise 6
// on the grids of 2 and 3 ("what colour is at top-left?", "how many shapes
// are there?") and 10 on others.
func MaxQuestionTokens(task labtask.TaskConfig) int {
	task = task.WithDefaults()
	where := labtask.CellName(task.Grid, task.Grid-1, task.Grid-1)
	if task.Terse {
		return max(1, len(labtask.Words(where)))
	}
	return max(len(labtask.Words("how many shapes are there?")), len(labtask.Words(fmt.Sprintf("what colour is at %s?", where))))
}

// noiseWidth is the width of the noise input (1 when there is no channel noise).
func (c ModelConfig) noiseWidth() int {
	if c.ChannelNoise > 0 {
		return c.TokenWidth
	}
	return 1
}

// logits builds the forward graph and returns the answer logits [B, vocab].
// vocab is the tokenizer size; maxN the number of placeholder rows + 1.
func (c ModelConfig) logits(scope *model.Scope, task labtask.TaskConfig, vocab, maxN int, in []*Node) *Node {
	task = task.WithDefaults()
	g := in[0].Graph()
	pix := in[inPixels]
	B, S := pix.Shape().Dim(0), pix.Shape().Dim(1)
	P := c.patch(task)
	G := S / P
	V, H := G*G, c.Hidden

	// Vision tower: patches (reshape, not a strided convolution) → 2-layer MLP + position embedding.
	vs := scope.In("vision")
	x := Reshape(pix, B, G, P, G, P, 3)
	x = TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
	x = Reshape(x, B*V, P*P*3)
	if c.MeanColour {
		// A fixed encoder: each patch's mean colour (3 numbers), then a
		// learned linear map.
		x = ReduceMean(Reshape(x, B*V, P*P, 3), 1)
		x = linearBias(vs.In("patch"), x, H, 1)
	} else {
		x = linearBias(vs.In("patch"), x, H, 1/math.Sqrt(float64(P*P*3)))
		x = Mul(x, Sigmoid(MulScalar(x, 1.702)))
		x = linearBias(vs.In("mlp"), x, H, 1/math.Sqrt(float64(H)))
	}
	pos := vs.In("position").WithInitializer(initializer.RandomNormalFn(vs, c.positionStd())).
		VariableWithShape("weight", shapes.Make(dtypes.Float32, V, H)).NodeValue(g)
	vis := Add(Reshape(x, B, V, H), InsertAxes(pos, 0))
	fs := scope.In("fusion")

	// Fusion: [vision ‖ question ‖ placeholders ‖ eos], causal + padding mask.
	ids, ok := in[inFusionIDs], in[inFusionOK]
	T := ids.Shape().Dim(1)
	tok := fusion.Embed(fs.In("embed_tokens"), SliceAxis(ids, 1, AxisRange(V, T)), vocab+maxN-1, H, 1, dtypes.Float32)
	fx := Concatenate([]*Node{vis, tok}, 1)
	fx = Where(BroadcastToDims(InsertAxes(ok, -1), B, T, H), fx, ZerosLike(fx))
	h := fusion.Decoder(fs, c.fusionDecoder(), fx, ok)

	// Fused tokens (outputs at placeholder and eos positions) → projection.
	fidx := in[inFusedIdx]
	N := fidx.Shape().Dim(0) / B
	fused := Gather(Reshape(h, B*T, H), InsertAxes(fidx, -1)) // [B·N, H]
	D := c.LLMHidden
	if c.TokenWidth > 0 {
		fused = fusion.Linear(scope.In("bottleneck"), fused, c.TokenWidth, 1/math.Sqrt(float64(H)))
		H = c.TokenWidth
		if c.ChannelNoise > 0 {
			// Unit power per number (RMS over the token's numbers), then noise.
			rms := Sqrt(AddScalar(ReduceAndKeep(Square(fused), ReduceMean, -1), 1e-6))
			fused = Add(Div(fused, rms), MulScalar(in[inNoise], c.ChannelNoise))
		}
	}
	proj := Reshape(fusion.Linear(scope.In("projection"), fused, D, 1/math.Sqrt(float64(H))), B, N, D)

	// LLM: [<s> ‖ N fused ‖ question ‖ [/INST]], answer read at [/INST].
	ls := scope.In("llm")
	lids, lok := in[inLLMIDs], in[inLLMOK]
	L := lids.Shape().Dim(1)
	emb := fusion.Embed(ls.In("embed_tokens"), lids, vocab, D, 1, dtypes.Float32)
	lx := Concatenate([]*Node{SliceAxis(emb, 1, AxisRange(0, 1)), proj, SliceAxis(emb, 1, AxisRange(1+N, L))}, 1)
	out := fusion.Decoder(ls, c.llmDecoder(), lx, lok)
	pick := OneHot(in[inAnswerPos], L, dtypes.Float32)        // [B, L]
	last := ReduceSum(Mul(out, InsertAxes(pick, -1)), 1)      // [B, D]
	return fusion.Linear(ls.In("lm_head"), last, vocab, 0.02) // [B, vocab]
}

// crossEntropy is the mean of −log softmax(logits)[label] — Eq. 20 of the
// paper for a one-word answer.
func crossEntropy(logits, labels *Node) *Node {
	ls := LogSoftmax(logits, -1)
	oh := OneHot(labels, logits.Shape().Dim(-1), ls.DType())
	return Neg(ReduceAllMean(ReduceSum(Mul(ls, oh), -1)))
}

func linearBias(scope *model.Scope, x *Node, out int, std float64) *Node {
	y := fusion.Linear(scope, x, out, std)
	b := scope.WithInitializer(initializer.Zero).VariableWithShape("bias", shapes.Make(x.DType(), out)).NodeValue(x.Graph())
	return Add(y, ExpandLeftToRank(b, y.Rank()))
}

// positionStd is the scale of the vision tokens' position embeddings at
// initialisation: small beside the fixed encoder's colour features (0.05),
// so that colours are not drowned by position at the start of training;
// 1 with the learned patch MLP.
func (c ModelConfig) positionStd() float64 {
	if c.MeanColour {
		return 0.05
	}
	return 1
}
