package main

import (
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/data"
)

func TestDataCSV(t *testing.T) {
	out, errOut, code := runCLI(t, "", "data", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.SplitAfter(out, "\n")
	if lines[0] != "config,N,benchmark,metric,value\n" {
		t.Fatalf("header %q", lines[0])
	}
	// Our model's rows are the embedded transcription of Appendix D
	// (itself checked against the paper text in lib/paperdata).
	want, err := data.Paper.ReadFile("paper/appendix_d.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines[:781], ""); got != string(want) {
		t.Error("the first 781 lines differ from data/paper/appendix_d.csv")
	}
	recs := parseCSVOut(t, out)
	if len(recs) != 1+780+12*26 {
		t.Errorf("%d records, want %d", len(recs), 1+780+12*26)
	}
	unknown := 0
	for _, r := range recs[781:] {
		if r[1] != "" {
			t.Errorf("baseline row with N: %q", r)
		}
		if r[4] == "" {
			unknown++
		}
	}
	if unknown == 0 {
		t.Error("no unknown baseline cells; the ambiguous rows were guessed")
	}
	out, _, _ = runCLI(t, "", "data", "--baselines=false")
	if n := strings.Count(out, "\n"); n != 781 {
		t.Errorf("--baselines=false: %d lines, want 781", n)
	}
	if _, _, code := runCLI(t, "", "data", "--format", "json"); code != 2 {
		t.Errorf("--format json: exit %d, want 2", code)
	}
}
