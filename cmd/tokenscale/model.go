package main

import (
	"fmt"
	"github.com/tokenscale/tokenscale/lib/check"
	"strings"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

func init() {
	register(&command{
		name:    "model",
		summary: "§4, App. C: the fusion model's sizes from configuration alone (params), its token layout, Figure 6 (layout), and one random-weight forward pass (forward)",
		run: func(env *cmdEnv, args []string) error {
			return dispatch(env, "model", map[string]func(*cmdEnv, []string) error{
				"params":  runModelParams,
				"layout":  runModelLayout,
				"forward": runModelForward,
			}, args)
		},
	})
}

func modelConfig(size, path string, n, m int) (vlm.Config, error) {
	var c vlm.Config
	// 0 means the configuration's own N or M; the paper's N runs to 768.
	if err := checkFlags("model", check.Int("--n", n, 0, 768), check.Int("--m", m, 0, 768)); err != nil {
		return c, err
	}
	switch {
	case path != "":
		var err error
		if c, err = vlm.ReadConfig(path); err != nil {
			return c, usagef("model: --config: %v", err)
		}
	case size == "paper":
		c = vlm.PaperConfig()
	case size == "toy":
		c = vlm.ToyConfig(4)
	default:
		return c, usagef("model: --size %q: want paper or toy", size)
	}
	if n > 0 {
		c.N = n
		c.M = fusion.MForN(n)
	}
	if m > 0 {
		c.M = m
	}
	if c.N-1 > c.Fusion.MaxPlaceholders {
		c.Fusion.MaxPlaceholders = c.N - 1
	}
	if err := c.Validate(); err != nil {
		return c, usagef("model: %v", err)
	}
	return c, nil
}

func runModelParams(env *cmdEnv, args []string) error {
	fs := newFlags(env, "model params", "model params [--size paper|toy | --config FILE] [--n N] [--m M] [--questions k]")
	size := fs.String("size", "paper", "paper (CLIP ViT-L/14-336, 20-layer fusion, Llama-2-7B) or toy")
	cfgPath := fs.String("config", "", "a model config.json instead of --size")
	n := fs.Int("n", 0, "N, queries of the first question (default: the configuration's; paper 256)")
	m := fs.Int("m", 0, "M, queries of each later question (default: 8 for N ≥ 8, else N)")
	k := fs.Int("questions", 2, "questions per sample, for the fused-token count N + (k−1)M")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkFlags("model params", check.Int("--questions", *k, 1, 64)); err != nil {
		return err
	}
	c, err := modelConfig(*size, *cfgPath, *n, *m)
	if err != nil {
		return err
	}
	p := c.Params()
	w := env.stdout
	fmt.Fprintln(w, "part,parameters,trained")
	for _, r := range []struct {
		name    string
		n       int64
		trained string
	}{
		{"vision (CLIP tower, no post_layernorm)", p.Vision, "stages 1-3"},
		{"merge (pos_layrnorm, 3x3 conv, new-line token)", p.Merge, "stages 1-3"},
		{"fusion (embeddings + decoder)", p.Fusion, "stages 1-3"},
		{"projection (Linear, no bias)", p.Projection, "stages 2-3"},
		{"llm (frozen)", p.LLM, "never"},
		{"total", p.Total(), ""},
		{"trainable", p.Trainable(), ""},
	} {
		fmt.Fprintf(w, "%q,%d,%s\n", r.name, r.n, r.trained)
	}
	tpv := c.Vision.TokensPerView()
	fmt.Fprintf(env.stderr, "N=%d M=%d: %d fused tokens for %d question(s) (N + (k−1)M); %d vision tokens per view",
		c.N, c.M, fusion.FusedTokens(c.N, c.M, *k), *k, tpv)
	if c.HD > 0 {
		fmt.Fprintf(env.stderr, ", up to %d per image (HD-%d: %d views)", (c.HD+1)*tpv, c.HD, c.HD+1)
	}
	fmt.Fprintln(env.stderr)
	return nil
}

func runModelLayout(env *cmdEnv, args []string) error {
	fs := newFlags(env, "model layout", "model layout [--n N] [--m M] [--mode vqq|vq|vq-ft] [--vision T] [--qa \"question=answer\" ...]")
	n := fs.Int("n", 8, "N, queries of the first question")
	m := fs.Int("m", 0, "M (default: the paper's rule)")
	mode := fs.String("mode", "vqq", "input configuration: vqq, vq or vq-ft")
	vis := fs.Int("vision", 5, "vision tokens of the image (145 per view at paper size; 5 in the toy model)")
	var qa multiFlag
	fs.Var(&qa, "qa", "a question=answer turn (repeatable; default: two toy turns)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	md, err := fusion.ParseMode(*mode)
	if err != nil {
		return usagef("model layout: %v", err)
	}
	if len(qa) == 0 {
		qa = multiFlag{"where is the square?=top left", "what colour is the square?=red"}
	}
	c := vlm.ToyConfig(max(*n, 1))
	if *n < 1 || *n > 768 {
		return usagef("model layout: --n %d: want 1…768", *n)
	}
	c.Fusion.MaxPlaceholders = max(c.Fusion.MaxPlaceholders, *n-1)
	if *m > 0 {
		c.M = *m
	}
	var qs, as []string
	for _, t := range qa {
		q, a, ok := strings.Cut(t, "=")
		if !ok {
			return usagef("model layout: --qa %q: want question=answer", t)
		}
		qs, as = append(qs, q), append(as, a)
	}
	f, l, err := vlm.ToyLayout(c, md, *vis, qs, as)
	if err != nil {
		return usagef("model layout: %v", err)
	}
	fmt.Fprintf(env.stdout, "fusion input (%s, N=%d, M=%d):\n  %s\nLLM input (%d fused tokens):\n  %s\n",
		md, c.N, c.M, f, fusion.FusedTokens(c.N, c.M, len(qs)), l)
	return nil
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, "; ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
