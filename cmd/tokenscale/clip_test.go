package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/internal/testfiles"
)

func loadClipGolden(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(testfiles.Path(t, "golden", "clip-tiny", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// maxDiff compares two JSON values of nested numbers.
func maxDiff(t *testing.T, name string, got, want any) float64 {
	t.Helper()
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		if !ok {
			t.Fatalf("%s: got %T, want a number", name, got)
		}
		return math.Abs(g - w)
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Fatalf("%s: length mismatch", name)
		}
		worst := 0.0
		for i := range w {
			worst = math.Max(worst, maxDiff(t, name, g[i], w[i]))
		}
		return worst
	}
	t.Fatalf("%s: unexpected %T", name, want)
	return 0
}

func TestClipVisionCLI(t *testing.T) {
	exp := loadClipGolden(t)
	px := filepath.Join(t.TempDir(), "pixels.json")
	if err := os.WriteFile(px, exp["pixel_values"], 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", "clip", "vision", "--model", testfiles.Path(t, "golden", "clip-tiny"), "--pixels", px, "--layer", "-2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %.200s", err, out)
	}
	for key, golden := range map[string]string{
		"last_hidden_state":        "vision_last_hidden_state",
		"penultimate_hidden_state": "vision_penultimate_hidden_state",
		"hidden_state":             "vision_penultimate_hidden_state",
		"image_embeds":             "image_embeds",
	} {
		var want any
		json.Unmarshal(exp[golden], &want)
		if d := maxDiff(t, key, got[key], want); d > 1e-4 {
			t.Errorf("%s: max diff %g", key, d)
		}
	}
}

func TestClipTextCLI(t *testing.T) {
	exp := loadClipGolden(t)
	var cases []struct {
		IDs  []int `json:"input_ids"`
		Last any   `json:"text_last_hidden_state"`
		Emb  any   `json:"text_embeds"`
	}
	if err := json.Unmarshal(exp["text"], &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		ids := make([]string, len(c.IDs))
		for i, id := range c.IDs {
			ids[i] = strconv.Itoa(id)
		}
		out, errOut, code := runCLI(t, "", "clip", "text", "--model", testfiles.Path(t, "golden", "clip-tiny"), "--ids", strings.Join(ids, ","))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(t, "last_hidden_state", got["last_hidden_state"], c.Last); d > 1e-4 {
			t.Errorf("ids %v: last_hidden_state max diff %g", c.IDs, d)
		}
		if d := maxDiff(t, "text_embeds", got["text_embeds"], c.Emb); d > 1e-4 {
			t.Errorf("ids %v: text_embeds max diff %g", c.IDs, d)
		}
	}
}

func TestClipCLIErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[[[1,2],[3]]]`), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"clip"}, 2, "missing subcommand"},
		{[]string{"clip", "vision", "--model", dir}, 2, "required"},
		{[]string{"clip", "text", "--model", dir, "--ids", "1,x"}, 2, "not an integer"},
		{[]string{"clip", "text", "--model", dir, "--ids", "1,2"}, 1, "config.json"},
		{[]string{"clip", "vision", "--model", dir, "--pixels", bad}, 1, "bad.json"},
	} {
		_, errOut, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
