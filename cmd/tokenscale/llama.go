package main

import (
	"encoding/json"
	"fmt"
	"github.com/tokenscale/tokenscale/lib/check"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

func init() {
	register(&command{
		name:    "llama",
		summary: "run a Hugging Face Llama-2 folder: forward (logits, hidden states) or generate (streamed text)",
		run: func(env *cmdEnv, args []string) error {
			return dispatch(env, "llama", map[string]func(*cmdEnv, []string) error{
				"forward":  llamaForward,
				"generate": llamaGenerate,
			}, args)
		},
	})
}

// parseIDs parses "1,5,17" into token ids.
func parseIDs(s string) ([]int, error) {
	var ids []int
	for i, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		id, err := strconv.Atoi(f)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("--ids: item %d %q is not a non-negative integer", i+1, f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func llamaForward(env *cmdEnv, args []string) error {
	fs := newFlags(env, "llama forward", "llama forward --model DIR --ids 1,5,17 [--format json|summary]")
	dir := fs.String("model", "", "Hugging Face Llama folder (config.json, model.safetensors or sharded + index)")
	idsFlag := fs.String("ids", "", "comma-separated token ids, fed exactly as given (no BOS is added)")
	format := fs.String("format", "json", `"json": {"logits": [[…]], "last_hidden_state": [[…]]}; "summary": the top-5 next tokens per position`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *idsFlag == "" {
		return usagef("llama forward: --model and --ids are required")
	}
	if *format != "json" && *format != "summary" {
		return usagef("llama forward: --format %q: want json or summary", *format)
	}
	ids, err := parseIDs(*idsFlag)
	if err != nil {
		return usagef("llama forward: %v", err)
	}
	cfg, err := llama.LoadConfig(*dir)
	if err != nil {
		return err
	}
	if err := cfg.CheckLength(len(ids)); err != nil {
		return usagef("llama forward: --ids: %v", err)
	}
	for i, id := range ids {
		if id >= cfg.VocabSize {
			return usagef("llama forward: --ids item %d: token id %d is outside the vocabulary [0, %d)", i+1, id, cfg.VocabSize)
		}
	}
	m, err := llama.Load(*dir, 0) // float32
	if err != nil {
		return err
	}
	out, err := m.Forward([][]int{ids})
	if err != nil {
		return err
	}
	if *format == "summary" {
		for t, row := range out.Logits[0] {
			fmt.Fprintf(env.stdout, "position %d (id %d): next", t, ids[t])
			ks, vs := llama.TopLogits(row, 5)
			for i, k := range ks {
				fmt.Fprintf(env.stdout, " %d (%.4f)", k, vs[i])
			}
			fmt.Fprintln(env.stdout)
		}
		return nil
	}
	return json.NewEncoder(env.stdout).Encode(map[string]any{
		"logits":            out.Logits[0],
		"last_hidden_state": out.Hidden[0],
	})
}

// tokenizerPath returns --tokenizer, or DIR/tokenizer.model.
func tokenizerPath(flagValue, dir string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	p := filepath.Join(dir, "tokenizer.model")
	if _, err := os.Stat(p); err != nil {
		return "", usagef("llama generate: %s has no tokenizer.model; pass --tokenizer FILE", dir)
	}
	return p, nil
}

func llamaGenerate(env *cmdEnv, args []string) error {
	fs := newFlags(env, "llama generate", `llama generate --model DIR --prompt "…" [--system "…"] [--max-new-tokens K]`)
	dir := fs.String("model", "", "Hugging Face Llama-2 folder (config.json, weights, tokenizer.model)")
	prompt := fs.String("prompt", "", "the user message")
	system := fs.String("system", "", "system prompt (empty: no <<SYS>> block)")
	maxNew := fs.Int("max-new-tokens", 128, "most tokens to generate")
	temperature := fs.Float64("temperature", 0, "sampling temperature (0: greedy)")
	topK := fs.Int("top-k", 0, "keep the K most likely tokens (0: all)")
	topP := fs.Float64("top-p", 0, "keep the most likely tokens up to probability P (0: all)")
	seed := fs.Uint64("seed", 0, "sampling seed")
	tokFlag := fs.String("tokenizer", "", "SentencePiece model (default DIR/tokenizer.model)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *prompt == "" {
		return usagef("llama generate: --model and --prompt are required")
	}
	// Checked before anything is loaded. --max-new-tokens is lowered to what
	// max_position_embeddings leaves after the prompt.
	if err := checkFlags("llama generate",
		check.Int("--max-new-tokens", *maxNew, 1, check.MaxPositions),
		check.Float("--temperature", *temperature, 0, 100),
		check.Int("--top-k", *topK, 0, check.MaxVocab),
		check.Float("--top-p", *topP, 0, 1)); err != nil {
		return err
	}
	tp, err := tokenizerPath(*tokFlag, *dir)
	if err != nil {
		return err
	}
	tok, err := sentencepiece.Load(tp)
	if err != nil {
		return err
	}
	seq, err := chat.Build(tok, chat.Conversation{System: *system, Turns: []chat.Turn{{User: *prompt}}}, chat.Options{})
	if err != nil {
		return err
	}
	m, err := llama.Load(*dir, 0)
	if err != nil {
		return err
	}
	if tok.VocabSize() != m.Config.VocabSize {
		return fmt.Errorf("llama generate: tokenizer %s has %d pieces but the model's vocab_size is %d", tp, tok.VocabSize(), m.Config.VocabSize)
	}
	stops := append([]int{tok.EOS()}, m.Config.EOSTokenIDs...)
	dec := tok.NewDecoder()
	var werr error
	_, err = m.Generate(seq.IDs, llama.GenerateOptions{
		MaxNewTokens: *maxNew, Temperature: *temperature, TopK: *topK, TopP: *topP, Seed: *seed, StopTokens: stops,
		OnToken: func(id int) bool {
			s, err := dec.Add(id)
			if err != nil {
				werr = err
				return false
			}
			if _, err := fmt.Fprint(env.stdout, s); err != nil {
				werr = err
				return false
			}
			return true
		},
	})
	if err == nil {
		err = werr
	}
	fmt.Fprintln(env.stdout, dec.Flush())
	return err
}
