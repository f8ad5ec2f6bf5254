package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/llama"
)

func init() {
	register(&command{
		name:    "llama",
		summary: "run a Hugging Face Llama-2 folder: forward (logits, hidden states) or generate (streamed text)",
		run: func(env *cmdEnv, args []string) error {
			return dispatch(env, "llama", map[string]func(*cmdEnv, []string) error{
				"forward": llamaForward,
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
			for _, k := range topK(row, 5) {
				fmt.Fprintf(env.stdout, " %d (%.4f)", k, row[k])
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

// topK returns the indices of the k largest values, largest first.
func topK(v []float32, k int) []int {
	var idx []int
	for i := range v {
		idx = append(idx, i)
		for j := len(idx) - 1; j > 0 && v[idx[j]] > v[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
		if len(idx) > k {
			idx = idx[:k]
		}
	}
	return idx
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
