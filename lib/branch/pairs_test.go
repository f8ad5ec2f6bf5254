package branch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/internal/testfiles"
)

// orcaSample is the path of the 284 real Intel/orca_dpo_pairs pairs in testdata/.
func orcaSample(t *testing.T) string {
	t.Helper()
	return testfiles.Path(t, "data", "orca_dpo_pairs_sample.jsonl")
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPairsLayouts(t *testing.T) {
	flat := `{"system": "S", "question": "Q1", "chosen": "good", "rejected": "bad"}

{"system": "", "question": "Q2", "chosen": "a\nb", "rejected": "c"}
`
	msgs := `{"input": {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q1"}]}, "preferred_output": [{"role": "assistant", "content": "good"}], "non_preferred_output": [{"role": "assistant", "content": "bad"}]}
{"input": {"messages": [{"role": "user", "content": "Q2"}]}, "preferred_output": [{"role": "assistant", "content": "a\nb"}], "non_preferred_output": [{"role": "assistant", "content": "c"}]}`
	want := []Pair{{System: "S", Question: "Q1", Chosen: "good", Rejected: "bad"}, {Question: "Q2", Chosen: "a\nb", Rejected: "c"}}
	for name, text := range map[string]string{"flat.jsonl": flat, "messages.jsonl": msgs} {
		p := writeFile(t, name, text)
		got, err := LoadPairs(p, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 2 {
			t.Fatalf("%s: %d pairs", name, len(got))
		}
		for i := range want {
			g := got[i]
			g.Source = ""
			if g != want[i] {
				t.Errorf("%s pair %d = %+v, want %+v", name, i, g, want[i])
			}
		}
		if !strings.HasSuffix(got[0].Source, name+":1") {
			t.Errorf("source %q", got[0].Source)
		}
		if one, _ := LoadPairs(p, 1); len(one) != 1 {
			t.Errorf("%s: max=1 gave %d pairs", name, len(one))
		}
	}
}

func TestLoadPairsErrors(t *testing.T) {
	ok := `{"question": "Q", "chosen": "a", "rejected": "b"}` + "\n"
	for _, tc := range []struct {
		name, text, want string
	}{
		{"badjson", ok + `{"question": "Q", "chosen": "a"` + "\n", "bad.jsonl:2: invalid JSON"},
		{"missing", ok + ok + `{"question": "Q", "chosen": "a"}`, `bad.jsonl:3: missing field "rejected"`},
		{"wrongtype", `{"question": 3, "chosen": "a", "rejected": "b"}`, "bad.jsonl:1: invalid JSON"},
		{"tworoles", `{"input": {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "x"}]}, "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]}`, `bad.jsonl:1: input.messages[1]: role "assistant"`},
		{"nouser", `{"input": {"messages": []}, "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]}`, "0 user messages"},
		{"noanswer", `{"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": [], "non_preferred_output": [{"role": "assistant", "content": "b"}]}`, "preferred_output: 0 messages"},
		{"empty", "\n\n", "no pairs"},
	} {
		_, err := LoadPairs(writeFile(t, "bad.jsonl", tc.text), 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadPairs(filepath.Join(t.TempDir(), "none.jsonl"), 0); err == nil || !strings.Contains(err.Error(), "none.jsonl") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDefaultPairs(t *testing.T) {
	ps := DefaultPairs()
	if len(ps) < 10 {
		t.Fatalf("%d default pairs", len(ps))
	}
	for _, p := range ps {
		if p.Question == "" || p.Chosen == "" || p.Rejected == "" || p.Chosen == p.Rejected {
			t.Errorf("%s: incomplete pair", p.Source)
		}
	}
}

func TestOrcaSample(t *testing.T) {
	ps, err := LoadPairs(orcaSample(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 200 {
		t.Errorf("%d pairs", len(ps))
	}
	for _, p := range ps {
		if p.System == "" || p.Question == "" || p.Chosen == "" || p.Rejected == "" {
			t.Errorf("%s: empty field", p.Source)
			break
		}
	}
}

func TestPairsOrDefault(t *testing.T) {
	set, err := PairsOrDefault(filepath.Join(t.TempDir(), "absent.jsonl"), 0)
	if err != nil || len(set.Pairs) != len(DefaultPairs()) || !strings.Contains(set.Source, "shipped") {
		t.Errorf("absent file: %v %q", err, set.Source)
	}
	p := writeFile(t, "p.jsonl", `{"question": "q", "chosen": "a", "rejected": "b"}`+"\n")
	set, err = PairsOrDefault(p, 0)
	if err != nil || len(set.Pairs) != 1 || !strings.Contains(set.Source, "(1 pairs)") {
		t.Errorf("file: %v %+v", err, set)
	}
	bad := writeFile(t, "bad.jsonl", "{\n")
	if _, err := PairsOrDefault(bad, 0); err == nil {
		t.Errorf("malformed file accepted")
	}
}
