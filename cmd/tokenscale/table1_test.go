package main

import (
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/paperdata"
)

func parseCSVOut(t *testing.T, out string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, out)
	}
	return recs
}

// checkAgainstTable1 compares metric,config,c,alpha rows with the printed
// Table 1 (the embedded table1.csv): α to the 4 printed decimals, c within
// 1%, and the one blank cell (RealWorldQA, VQQ) with an empty c and a note;
// with paperNotes, the notes about Table 1's printed layout as well.
func checkAgainstTable1(t *testing.T, head []string, rows [][]string, paperNotes bool) {
	t.Helper()
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	got := map[string][]string{}
	for _, r := range rows {
		got[r[col["metric"]]+"|"+r[col["config"]]] = r
	}
	for _, e := range paperdata.Table1() {
		r, ok := got[e.Metric.ID+"|"+string(e.Config)]
		if !ok {
			t.Errorf("no row for %s, %s", e.Metric.ID, e.Config)
			continue
		}
		c, alpha, note := r[col["c"]], r[col["alpha"]], r[col["note"]]
		if !e.Printed {
			if c != "" || note == "" {
				t.Errorf("%s %s: blank in Table 1; got c=%q note=%q", e.Metric.ID, e.Config, c, note)
			}
			continue
		}
		if alpha != e.AlphaText {
			t.Errorf("%s %s: α %s, printed %s", e.Metric.ID, e.Config, alpha, e.AlphaText)
		}
		cv, err := strconv.ParseFloat(c, 64)
		if err != nil || !(math.Abs(cv-e.C)/e.C < 0.01) {
			t.Errorf("%s %s: c %q, printed %s", e.Metric.ID, e.Config, c, e.CText)
		}
		if paperNotes && e.Note != "" && !strings.Contains(note, e.Note) {
			t.Errorf("%s %s: note %q lacks %q", e.Metric.ID, e.Config, note, e.Note)
		}
	}
}

func TestTable1CSV(t *testing.T) {
	out, errOut, code := runCLI(t, "", "table1", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs := parseCSVOut(t, out)
	if strings.Join(recs[0], ",") != "metric,config,c,alpha,note" {
		t.Fatalf("header %q", recs[0])
	}
	if len(recs)-1 != 36 {
		t.Fatalf("%d rows, want 36", len(recs)-1)
	}
	for i, r := range recs[1:] {
		if r[1] != string(paperdata.VQQ) && r[1] != string(paperdata.VQFT) {
			t.Errorf("row %d: config %q", i+1, r[1])
		}
	}
	// Rows follow Table 1's order and its spelling of metrics.
	for i, m := range paperdata.Table1Metrics() {
		if recs[1+2*i][0] != m.ID || recs[2+2*i][0] != m.ID {
			t.Errorf("rows %d–%d: %q, %q; want %q", 1+2*i, 2+2*i, recs[1+2*i][0], recs[2+2*i][0], m.ID)
		}
	}
	checkAgainstTable1(t, recs[0], recs[1:], true)
}

func TestTable1Markdown(t *testing.T) {
	out, _, code := runCLI(t, "", "table1", "--format", "markdown")
	if code != 0 || !strings.HasPrefix(out, "| metric | config | c | α |") || strings.Count(out, "\n") != 38 {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	for _, args := range [][]string{{"table1", "--format", "xml"}, {"table1", "extra"}, {"table1", "--nope"}} {
		if _, _, code := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if _, errOut, code := runCLI(t, "", "table1", "--help"); code != 0 || !strings.Contains(errOut, "--format") {
		t.Errorf("table1 --help: exit %d, %q", code, errOut)
	}
}
