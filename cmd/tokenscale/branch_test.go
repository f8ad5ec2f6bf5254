package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeStates writes a states file whose pairs differ by identical steps
// d_t = (s, s) for L steps: Ê(n) = n·s·2/√2 averaged, ĝ = 1.
func writeStates(t *testing.T, scales []float64, L int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"pairs": [`)
	for k, s := range scales {
		if k > 0 {
			b.WriteString(",")
		}
		var ch, rj []string
		for i := 0; i < L; i++ {
			ch = append(ch, fmt.Sprintf("[%g, %g]", 1+s, 2+s))
			rj = append(rj, "[1, 2]")
		}
		fmt.Fprintf(&b, `{"chosen": [%s], "rejected": [%s]}`, strings.Join(ch, ","), strings.Join(rj, ","))
	}
	b.WriteString("]}")
	p := filepath.Join(t.TempDir(), "states.json")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBranchEstimate(t *testing.T) {
	p := writeStates(t, []float64{1, 3}, 4)
	psi := filepath.Join(t.TempDir(), "psi.csv")
	out, errOut, code := runCLI(t, "", "branch", "estimate", "--states", p, "--psi-csv", psi)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "n,pairs,E,E_std,g,r,dg" || len(recs) != 5 {
		t.Fatalf("output:\n%s", out)
	}
	for i, r := range recs[1:] {
		n := float64(i + 1)
		// wᵀd = 2s/√2 = √2·s: mean over s = 1, 3 is 2√2·n, spread √2·n.
		e, _ := strconv.ParseFloat(r[2], 64)
		es, _ := strconv.ParseFloat(r[3], 64)
		if math.Abs(e-2*math.Sqrt2*n) > 1e-9 || math.Abs(es-math.Sqrt2*n) > 1e-9 || r[1] != "2" {
			t.Errorf("row %v", r)
		}
		if i == 0 && (r[4] != "" || r[5] != "" || r[6] != "") {
			t.Errorf("n=1 row %v: g, r, dg should be empty", r)
		}
		if i > 0 && r[4] != "1" {
			t.Errorf("row %v: g != 1", r)
		}
	}
	if !strings.Contains(errOut, "lambda(lsq)=") || !strings.Contains(errOut, "zero differences: 0 steps") {
		t.Errorf("summary: %s", errOut)
	}
	if b, err := os.ReadFile(psi); err != nil || !strings.HasPrefix(string(b), "n,pairs,psi_equal") {
		t.Errorf("psi csv: %v %q", err, b)
	}
	// stdin works too.
	b, _ := os.ReadFile(p)
	out2, _, code := runCLI(t, string(b), "branch", "estimate", "--states", "-", "--quiet")
	if code != 0 || out2 != out {
		t.Errorf("stdin: exit %d, output differs", code)
	}
}

func TestBranchErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"pairs": [{"chosen": [[1, 2]], "rejected": [[1 2]]}]}`), 0o644)
	badPairs := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(badPairs, []byte(`{"question": "q"}`+"\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"branch"}, 2, "missing subcommand"},
		{[]string{"branch", "nope"}, 2, "unknown subcommand"},
		{[]string{"branch", "estimate"}, 2, "--states FILE is required"},
		{[]string{"branch", "estimate", "--states", "/no/such.json"}, 2, "no such file"},
		{[]string{"branch", "estimate", "--states", bad}, 2, "bad.json: offset 48"},
		{[]string{"branch", "estimate", "--states", bad, "--lambda", "max"}, 2, "--lambda"},
		{[]string{"branch", "measure", "--model", "toy"}, 2, "--model and --pairs are required"},
		{[]string{"branch", "measure", "--model", "toy", "--pairs", badPairs}, 2, `bad.jsonl:1: missing field "chosen"`},
		{[]string{"branch", "measure", "--model", "/no/such/dir", "--pairs", "default"}, 2, "no such file"},
		{[]string{"branch", "estimate", "--help"}, 0, "usage: tokenscale branch estimate"},
	} {
		_, errOut, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func TestBranchMeasureToy(t *testing.T) {
	cache := t.TempDir()
	out, errOut, code := runCLI(t, "", "branch", "measure", "--model", "toy", "--pairs", "default", "--max-pairs", "5", "--cache", cache)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "n,pairs,E,E_std,g,r,dg\n1,5,") || !strings.Contains(errOut, "5 computed, 0 from the cache") {
		t.Fatalf("output:\n%s\n%s", out[:min(len(out), 200)], errOut)
	}
	out2, errOut, _ := runCLI(t, "", "branch", "measure", "--model", "toy", "--pairs", "default", "--max-pairs", "5", "--cache", cache)
	if out2 != out || !strings.Contains(errOut, "0 computed, 5 from the cache") {
		t.Errorf("resumed run differs or did not use the cache: %s", errOut)
	}
}

func TestBranchMeasureLlamaFolder(t *testing.T) {
	// A folder without a tokenizer is reported clearly.
	dir := t.TempDir()
	_, errOut, code := runCLI(t, "", "branch", "measure", "--model", dir, "--pairs", "default")
	if code != 2 || !strings.Contains(errOut, "tokenizer.model") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestBranchConvertEstimate converts a JSON states file to safetensors and
// checks that "branch estimate" prints the same CSV and ψ CSV from both
// (the values are exact in float32), by extension and with --format.
func TestBranchConvertEstimate(t *testing.T) {
	p := writeStates(t, []float64{0.5, 3, 1.25}, 6)
	dir := t.TempDir()
	st := filepath.Join(dir, "states.safetensors")
	if _, errOut, code := runCLI(t, "", "branch", "convert", "--states", p, "--out", st); code != 0 || !strings.Contains(errOut, "wrote 3 pairs") {
		t.Fatalf("convert: exit %d: %s", code, errOut)
	}
	psiJ, psiS := filepath.Join(dir, "psi_j.csv"), filepath.Join(dir, "psi_s.csv")
	want, _, code := runCLI(t, "", "branch", "estimate", "--states", p, "--quiet", "--psi-csv", psiJ)
	if code != 0 || !strings.HasPrefix(want, "n,pairs,E,E_std,g,r,dg\n") {
		t.Fatalf("json: exit %d: %s", code, want)
	}
	for _, args := range [][]string{{"--states", st}, {"--states", st, "--format", "safetensors"}} {
		got, errOut, code := runCLI(t, "", append([]string{"branch", "estimate", "--quiet", "--psi-csv", psiS}, args...)...)
		if code != 0 || got != want {
			t.Errorf("%v: exit %d (%s), CSV\n%s\nwant\n%s", args, code, errOut, got, want)
		}
		a, _ := os.ReadFile(psiJ)
		b, _ := os.ReadFile(psiS)
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%v: psi CSV differs", args)
		}
	}
	// Bad input: one-line errors, exit 2.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"pairs": [{"chosen": [[1, 2]]}]}`), 0o644)
	for _, args := range [][]string{
		{"branch", "convert", "--states", bad, "--out", filepath.Join(dir, "bad.safetensors")},
		{"branch", "convert", "--states", p, "--out", filepath.Join(dir, "x.safetensors"), "--dtype", "I8"},
		{"branch", "estimate", "--states", p, "--format", "safetensors"},
		{"branch", "estimate", "--states", st, "--format", "xml"},
		{"branch", "estimate", "--states", "-", "--format", "safetensors"},
	} {
		_, errOut, code := runCLI(t, "", args...)
		if code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// TestBranchMeasureDump dumps the toy model's states and checks that
// "branch estimate" on the dump prints what "branch measure" printed.
func TestBranchMeasureDump(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "dump.safetensors")
	want, errOut, code := runCLI(t, "", "branch", "measure", "--model", "toy", "--pairs", "default", "--max-pairs", "3", "--quiet", "--dump-states", dump)
	if code != 0 {
		t.Fatalf("measure: exit %d: %s", code, errOut)
	}
	got, errOut, code := runCLI(t, "", "branch", "estimate", "--states", dump, "--quiet")
	if code != 0 || got != want || !strings.HasPrefix(got, "n,pairs,E,E_std,g,r,dg\n") {
		t.Errorf("estimate on the dump: exit %d (%s):\n%s\nwant\n%s", code, errOut, got, want)
	}
}
