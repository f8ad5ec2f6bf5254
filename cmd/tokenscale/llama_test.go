package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLlamaForwardCLI(t *testing.T) {
	dir := "../../../shared/golden/llama-tiny"
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Skip("../shared/golden/llama-tiny is absent (it ships with the CI tree)")
	}
	var exp struct {
		Cases []struct {
			InputIDs []int       `json:"input_ids"`
			Logits   [][]float64 `json:"logits"`
			Hidden   [][]float64 `json:"last_hidden_state"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	c := exp.Cases[0]
	var ids []string
	for _, id := range c.InputIDs {
		ids = append(ids, strconv.Itoa(id))
	}
	stdout, stderr, code := runCLI(t, "", "llama", "forward", "--model", dir, "--ids", strings.Join(ids, ","), "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Logits [][]float64 `json:"logits"`
		Hidden [][]float64 `json:"last_hidden_state"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	d := 0.0
	for i := range c.Logits {
		for j := range c.Logits[i] {
			d = math.Max(d, math.Abs(got.Logits[i][j]-c.Logits[i][j]))
		}
		for j := range c.Hidden[i] {
			d = math.Max(d, math.Abs(got.Hidden[i][j]-c.Hidden[i][j]))
		}
	}
	if len(got.Logits) != len(c.Logits) || len(got.Hidden) != len(c.Hidden) || d > 1e-4 {
		t.Errorf("CLI output differs from the golden file by %.2e (rows %d/%d)", d, len(got.Logits), len(got.Hidden))
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"llama", "forward", "--model", dir}, 2, "--model and --ids are required"},
		{[]string{"llama", "forward", "--model", dir, "--ids", "1,x"}, 2, `item 2 "x"`},
		{[]string{"llama", "forward", "--model", dir, "--ids", "1,500"}, 1, "token id 500 is outside the vocabulary"},
		{[]string{"llama", "forward", "--model", t.TempDir(), "--ids", "1"}, 1, "config.json"},
		{[]string{"llama", "forward", "--model", dir, "--ids", "1", "--format", "xml"}, 2, "want json or summary"},
		{[]string{"llama", "nope"}, 2, "unknown subcommand"},
	} {
		_, stderr, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
