package eval

import (
	"encoding/json"
	"os"
	"testing"
)

// TestAgainstVLMEvalKit checks each rule version against the outputs of
// VLMEvalKit's own scoring functions at the commit it follows, on 1083
// inputs (testdata/README.md says how they were made).
func TestAgainstVLMEvalKit(t *testing.T) {
	raw, err := os.ReadFile("testdata/vlmevalkit-rules.json")
	if err != nil {
		t.Fatal(err)
	}
	type outputs struct {
		Norm    []string `json:"norm"`
		Relaxed []bool   `json:"relaxed"`
		Choice  []string `json:"choice"`
		YesNo   []string `json:"yesno"`
	}
	var f struct {
		Cases struct {
			Norm    []string          `json:"norm"`
			Relaxed [][2]string       `json:"relaxed"`
			Options map[string]string `json:"options"`
			Choice  []string          `json:"choice"`
			YesNo   []string          `json:"yesno"`
		} `json:"cases"`
		Expected map[string]outputs `json:"expected"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	c := f.Cases
	for _, version := range RulesVersions() {
		r, _ := ParseRules(version)
		want, ok := f.Expected[version]
		if !ok {
			t.Fatalf("no expected outputs for %s", version)
		}
		if len(want.Norm) != len(c.Norm) || len(want.Relaxed) != len(c.Relaxed) || len(want.Choice) != len(c.Choice) || len(want.YesNo) != len(c.YesNo) {
			t.Fatalf("%s: expected outputs do not match the cases", version)
		}
		bad := 0
		fail := func(format string, args ...any) {
			if bad++; bad <= 20 {
				t.Errorf(version+": "+format, args...)
			}
		}
		for i, s := range c.Norm {
			if got := r.NormalizeVQA(s); got != want.Norm[i] {
				fail("NormalizeVQA(%q) = %q, VLMEvalKit %q", s, got, want.Norm[i])
			}
		}
		for i, p := range c.Relaxed {
			if got := r.RelaxedMatch(p[0], p[1]); got != want.Relaxed[i] {
				fail("RelaxedMatch(gold %q, pred %q) = %v, VLMEvalKit %v", p[0], p[1], got, want.Relaxed[i])
			}
		}
		for i, a := range c.Choice {
			if got := r.ExtractChoice(a, c.Options); got != want.Choice[i] {
				fail("ExtractChoice(%q) = %q, VLMEvalKit %q", a, got, want.Choice[i])
			}
		}
		for i, s := range c.YesNo {
			if got := r.ExtractYesNo(s); got != want.YesNo[i] {
				fail("ExtractYesNo(%q) = %q, VLMEvalKit %q", s, got, want.YesNo[i])
			}
		}
	}
	// The file must tell the versions apart, or it checks nothing.
	differ := 0
	for i := range f.Expected["2024-12"].Choice {
		if f.Expected["2024-12"].Choice[i] != f.Expected["2026-08"].Choice[i] {
			differ++
		}
	}
	if differ == 0 {
		t.Error("the two versions agree on every multiple-choice case")
	}
}
