package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/paperdata"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// "tokenscale data" piped into "tokenscale fit" reproduces Table 1.
func TestFitRoundTripTable1(t *testing.T) {
	all, _, code := runCLI(t, "", "data")
	if code != 0 {
		t.Fatal("data failed")
	}
	path := writeFile(t, "paper.csv", all)
	for _, method := range []string{"bfgs", "ols"} {
		var rows [][]string
		var head []string
		for _, cfg := range []string{"vqq", "vq-ft"} {
			out, errOut, code := runCLI(t, "", "fit", "--csv", path, "--config", cfg, "--method", method, "--bootstrap", "200")
			if code != 0 {
				t.Fatalf("fit --config %s: exit %d: %s", cfg, code, errOut)
			}
			recs := parseCSVOut(t, out)
			head = recs[0]
			if strings.Join(head, ",") != "metric,config,c,alpha,r2,alpha_lo,alpha_hi,points,note" {
				t.Fatalf("header %q", head)
			}
			if len(recs)-1 != 26 {
				t.Errorf("%s: %d fits, want 26", cfg, len(recs)-1)
			}
			for _, r := range recs[1:] {
				if r[7] != "10" {
					t.Errorf("%s %s: %s points", r[0], r[1], r[7])
				}
			}
			rows = append(rows, recs[1:]...)
		}
		checkAgainstTable1(t, head, rows, false)
	}
}

func TestFitFilters(t *testing.T) {
	all, _, _ := runCLI(t, "", "data")
	path := writeFile(t, "paper.csv", all)
	out, errOut, code := runCLI(t, "", "fit", "--csv", path, "--metric", "final score@ocrbench", "--config", string(paperdata.VQQ))
	recs := parseCSVOut(t, out)
	if code != 0 || len(recs) != 2 || recs[1][0] != "Final Score@OCRBench" || recs[1][3] != "-0.3727" {
		t.Fatalf("exit %d %s: %q", code, errOut, recs)
	}
	lo, err1 := strconv.ParseFloat(recs[1][5], 64)
	hi, err2 := strconv.ParseFloat(recs[1][6], 64)
	if err1 != nil || err2 != nil || !(lo < -0.3727 && -0.3727 < hi) {
		t.Errorf("bootstrap interval [%s, %s]", recs[1][5], recs[1][6])
	}
	// A bare metric name that only one benchmark has.
	out, _, code = runCLI(t, "", "fit", "--csv", path, "--metric", "CIDEr", "--config", "vq")
	if recs := parseCSVOut(t, out); code != 0 || len(recs) != 2 || recs[1][0] != "CIDEr@COCO VAL" {
		t.Errorf("--metric CIDEr: exit %d, %q", code, recs)
	}
	// A bad row outside the chosen metric does not stop the fit.
	bad := writeFile(t, "bad.csv", "config,N,benchmark,metric,value\nA,1,B,m,10\nA,8,B,m,20\nA,1,C,x,0\n")
	if out, errOut, code := runCLI(t, "", "fit", "--csv", bad, "--metric", "m@B"); code != 0 || !strings.Contains(out, "m@B,A,") {
		t.Errorf("fit around a bad row: exit %d %s\n%s", code, errOut, out)
	}
	if _, errOut, code := runCLI(t, "", "fit", "--csv", bad); code != 2 || !strings.Contains(errOut, bad+":4: value 0 must be > 0") {
		t.Errorf("fit of every group with a bad row: exit %d %s", code, errOut)
	}
	// Reading stdin, markdown output.
	out, _, code = runCLI(t, all, "fit", "--csv", "-", "--metric", "Overall@MME", "--format", "markdown")
	if code != 0 || strings.Count(out, "\n") != 5 {
		t.Errorf("stdin/markdown: exit %d\n%s", code, out)
	}
}

func TestFitErrors(t *testing.T) {
	good := "config,N,benchmark,metric,value\nA,1,B,m,10\nA,8,B,m,20\n"
	for _, tc := range []struct {
		name, content string
		args          []string
		want          []string // substrings of stderr
	}{
		{"missing file", "", []string{"--csv", "/no/such/file.csv"}, []string{"/no/such/file.csv", "no such file"}},
		{"no --csv", "", []string{}, []string{"--csv FILE is required"}},
		{"empty file", "", nil, []string{":1:", "empty file"}},
		{"missing column", "config,N,benchmark,value\nA,1,B,3\n", nil, []string{":1:", `missing column "metric"`}},
		{"N zero", "config,N,benchmark,metric,value\nA,1,B,m,10\nA,0,B,m,20\n", nil, []string{":3:", "N = 0 must be > 0"}},
		{"N negative", "config,N,benchmark,metric,value\nA,-4,B,m,10\n", nil, []string{":2:", "N = -4 must be > 0"}},
		{"N text", "config,N,benchmark,metric,value\nA,many,B,m,10\n", nil, []string{":2:", `N "many" is not a number`}},
		{"P zero", "config,N,benchmark,metric,value\nA,1,B,m,10\nA,8,B,m,0\n", nil, []string{":3:", "value 0 must be > 0"}},
		{"P negative", "config,N,benchmark,metric,value\nA,1,B,m,-1\n", nil, []string{":2:", "must be > 0"}},
		{"P NaN", "config,N,benchmark,metric,value\nA,1,B,m,10\nA,8,B,m,NaN\n", nil, []string{":3:", "not finite"}},
		{"N Inf", "config,N,benchmark,metric,value\nA,Inf,B,m,10\n", nil, []string{":2:", "not finite"}},
		{"P empty", "config,N,benchmark,metric,value\nA,1,B,m,\n", nil, []string{":2:", "empty value"}},
		{"one N", "config,N,benchmark,metric,value\nA,8,B,m,10\nA,8,B,m,11\nA,1,C,m,3\nA,2,C,m,4\n", nil, []string{":2:", "m@B", "at least 2 distinct values of N"}},
		{"fields", "config,N,benchmark,metric,value\nA,1,B,m,10,extra\n", nil, []string{":2:", "fields"}},
		{"quote", "config,N,benchmark,metric,value\nA,1,\"B,m,10\n", nil, []string{":2:", "quote"}},
		{"no rows", "config,N,benchmark,metric,value\nLLaVA,,B,m,10\n", nil, []string{"no rows with N"}},
		{"unknown metric", good, []string{"--metric", "Overall@MME"}, []string{`no metric "Overall@MME"`, "m@B"}},
		{"unknown config", good, []string{"--config", "Z"}, []string{`no configuration "Z"`}},
		{"bad method", good, []string{"--method", "lbfgs"}, []string{"--method"}},
		{"bad level", good, []string{"--level", "2"}, []string{"--level"}},
		{"bad row in the chosen group", good + "A,16,B,m,zero\nA,1,C,x,0\n", []string{"--metric", "m@B"}, []string{":4:", `value "zero" is not a number`}},
	} {
		args := []string{"fit"}
		var path string
		if tc.args == nil || !contains(tc.args, "--csv") && tc.name != "no --csv" {
			path = writeFile(t, "in.csv", tc.content)
			args = append(args, "--csv", path)
		}
		args = append(args, tc.args...)
		out, errOut, code := runCLI(t, "", args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stdout %q)", tc.name, code, out)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s: error is not one line: %q", tc.name, errOut)
		}
		want := tc.want
		if path != "" && strings.HasPrefix(want[0], ":") {
			want = append([]string{path + want[0]}, want[1:]...)
		}
		for _, w := range want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr %q lacks %q", tc.name, errOut, w)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestFitDegenerate(t *testing.T) {
	in := "config,N,benchmark,metric,value\n"
	for _, n := range paperdata.Ns() {
		v, _ := paperdata.Value(paperdata.VQQ, n, "Overall@RealWorldQA")
		in += "mine," + itoa(n) + ",RealWorldQA,Overall," + ftoa(v) + "\n"
	}
	path := writeFile(t, "rwqa.csv", in)
	out, errOut, code := runCLI(t, "", "fit", "--csv", path)
	recs := parseCSVOut(t, out)
	if code != 0 || len(recs) != 2 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if recs[1][2] != "" || !strings.Contains(recs[1][8], "flat") || !strings.Contains(recs[1][8], "outside the float64 range") {
		t.Errorf("degenerate fit row %q", recs[1])
	}
}

func itoa(n int) string     { return strconv.Itoa(n) }
func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
