// Command fusion times the paper's Vision-Question Fusion module (lib/fusion:
// a causal Llama-style decoder over [vision tokens ‖ question ‖ N−1
// placeholders ‖ eos], Figure 6) at paper size, random weights, on the
// backend GOMLX_BACKEND names: one HD-9 image (10 views × 145 = 1450 vision
// tokens), a 12-token question and N = 768 queries, batch 1 — the input
// laid out by fusion.Layout, the output the last hidden states at the 768
// query positions. Its PyTorch twin is bench/fusion/fusion_torch.py; run
// both with bench/gpu/run.sh.
//
// The latency is one forward (embedding lookup, vision tokens in front, the
// decoder with its causal + padding mask, gathering the query rows), timed
// from the call until a scalar of the result is on the host: median of
// --reps runs after a warm-up. In float32 the embedding and decoder are
// fusion.Embed and fusion.Decoder themselves; in bfloat16 (which lib/fusion
// does not offer yet) they are the same table and lib/llama blocks with the
// dtype set to bfloat16, initialised by drawing in float32 (GoMLX's
// RandomNormalFn gives zeros for bfloat16 variables).
//
// It prints "key value" lines (bench/gpu/compare.py reads them); --small
// shrinks everything to check the program on a CPU.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
)

// sizes are the shapes shared with fusion_torch.py (same flag names).
type sizes struct {
	layers, hidden, heads, mlp, vision, question, n, vocab int
}

func main() {
	p := fusion.PaperFusion()
	s := sizes{}
	flag.IntVar(&s.layers, "layers", p.Layers, "decoder layers")
	flag.IntVar(&s.hidden, "hidden", p.Hidden, "hidden size")
	flag.IntVar(&s.heads, "heads", p.Heads, "attention heads")
	flag.IntVar(&s.mlp, "mlp", p.Intermediate, "MLP size")
	flag.IntVar(&s.vision, "vision", 10*145, "vision tokens (HD-9: 9 local views + 1 global, 145 each)")
	flag.IntVar(&s.question, "question", 12, "question tokens")
	flag.IntVar(&s.n, "n", 768, "queries N (N−1 placeholders + eos)")
	flag.IntVar(&s.vocab, "vocab", 49408, "text vocabulary (CLIP); the table adds N−1 placeholder rows")
	dtype := flag.String("dtype", "bf16", "bf16 or f32")
	reps := flag.Int("reps", 10, "timed repetitions (median)")
	small := flag.Bool("small", false, "tiny sizes (CPU check); explicit flags are ignored")
	flag.Parse()
	if *small {
		s = sizes{layers: 2, hidden: 64, heads: 4, mlp: 256, vision: 30, question: 5, n: 16, vocab: 1000}
	}
	if err := run(os.Stdout, s, *dtype, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "fusion:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, s sizes, dtypeName string, reps int) error {
	var dt dtypes.DType
	switch dtypeName {
	case "bf16":
		dt = dtypes.BFloat16
	case "f32":
		dt = dtypes.Float32
	default:
		return fmt.Errorf("--dtype must be bf16 or f32, not %q", dtypeName)
	}
	if reps < 1 || s.question < 0 || s.vocab < 2 {
		return fmt.Errorf("bad sizes or --reps")
	}
	dc := fusion.PaperFusion()
	dc.Layers, dc.Hidden, dc.Heads, dc.KVHeads, dc.Intermediate = s.layers, s.hidden, s.heads, s.heads, s.mlp
	if err := dc.Validate(); err != nil {
		return err
	}
	lay := fusion.Layout{N: s.n, M: fusion.MForN(s.n), PlaceholderBase: int32(s.vocab), EOS: int32(s.vocab - 1), Pad: int32(s.vocab - 1)}
	q := make([]int32, s.question)
	for i := range q {
		q[i] = int32(1 + (i*7919)%(s.vocab-2))
	}
	batch, err := lay.BuildBatch([]fusion.Sample{{VisionTokens: s.vision, Questions: [][]int32{q}}}, fusion.VisionQuestionQueries, 0)
	if err != nil {
		return err
	}
	T, H, V, rows := batch.T, s.hidden, s.vision, s.vocab+s.n-1
	fused := make([]int32, len(batch.Fused))
	for i, j := range batch.Fused {
		fused[i] = int32(j)
	}
	r := rand.New(rand.NewPCG(1, 2))
	vis := make([]float32, V*H)
	for i := range vis {
		vis[i] = float32(r.NormFloat64())
	}

	be, err := backend.New()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# GoMLX lib/fusion, random weights; backend %s (%s)\n", backend.Config(), be.Description())
	fmt.Fprintf(w, "impl gomlx\ndtype %s\nlayers %d\nhidden %d\nheads %d\nmlp %d\nvision %d\nquestion %d\nn %d\nseq %d\nfused %d\nparams %d\n",
		dtypeName, s.layers, s.hidden, s.heads, s.mlp, V, s.question, s.n, T, len(fused), dc.NumParams()+int64(rows*H))

	store := model.NewStore()
	exec, err := model.NewExec(be, store, func(root *model.Scope, in []*Node) *Node {
		vision, ids, valid, idx := in[0], in[1], in[2], in[3]
		fs := root.In("fusion")
		var x, h *Node
		if dt == dtypes.Float32 { // lib/fusion exactly
			tok := fusion.Embed(fs.In("embed_tokens"), ids, rows, H, dc.Std(), dt) // [1, T, H]
			x = Concatenate([]*Node{vision, Slice(tok, AxisRange(), AxisRange(V, T), AxisRange())}, 1)
			h = fusion.Decoder(fs, dc, x, valid)
		} else {
			// GoMLX's RandomNormalFn fills only float32/float64 variables (others get
			// zeros): draw in float32 and convert.
			fs = fs.WithInitializer(func(g *Graph, sh shapes.Shape) *Node {
				return ConvertDType(MulScalar(fs.RandomNormal(g, shapes.Make(dtypes.Float32, sh.Dimensions...)), dc.Std()), sh.DType)
			})
			table := fs.In("embed_tokens").VariableWithShape("weight", shapes.Make(dt, rows, H)).NodeValue(ids.Graph())
			tok := Gather(table, InsertAxes(ids, -1))
			x = Concatenate([]*Node{ConvertDType(vision, dt), Slice(tok, AxisRange(), AxisRange(V, T), AxisRange())}, 1)
			lc := dc.Llama()
			lc.DType = dt
			h, _ = llama.Decoder(fs, lc, x, llama.DecoderOptions{Padding: valid})
		}
		out := Gather(Reshape(h, T, H), InsertAxes(idx, -1)) // [F, H]: the fused tokens
		return ReduceAllSum(ConvertDType(out, dtypes.Float32))
	})
	if err != nil {
		return err
	}
	args := []any{tensors.FromFlatDataAndDimensions(vis, 1, V, H), tensors.FromFlatDataAndDimensions(batch.IDs, 1, T),
		tensors.FromFlatDataAndDimensions(batch.Valid, 1, T), tensors.FromFlatDataAndDimensions(fused, len(fused))}
	call := func() (float32, error) {
		out, err := exec.Call(args...)
		if err != nil {
			return 0, err
		}
		v := tensors.ToScalar[float32](out[0]) // waits for the device
		out[0].FinalizeAll()
		return v, nil
	}
	t0 := time.Now()
	sum, err := call() // initialises the weights, compiles, runs
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "first_call_s %.3f\n", time.Since(t0).Seconds())
	if _, err := call(); err != nil {
		return err
	}
	ts := make([]float64, reps)
	for i := range ts {
		start := time.Now()
		if _, err := call(); err != nil {
			return err
		}
		ts[i] = time.Since(start).Seconds()
	}
	slices.Sort(ts)
	fmt.Fprintf(w, "output_sum %g\nlatency_s %.6f\nlatency_min_s %.6f\n", sum, ts[reps/2], ts[0])
	return nil
}
