package paperdata

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/data"
	"github.com/tokenscale/tokenscale/internal/testfiles"
)

// The CSVs in data/paper/ were written by this parser from the paper's
// printed tables (go test ./lib/paperdata -run TestTranscription -update).
// The test re-reads those tables, kept as extracted from the paper's text in
// testdata/paper/ (Appendix D's three tables and Table 1; see its README),
// and checks that the embedded files are exactly what the tables say.

var update = flag.Bool("update", false, "rewrite data/paper/*.csv from testdata/paper/*.txt")

// paperTables are the files of testdata/paper/ that the transcription reads.
var paperTables = []string{"appendix-d.txt", "table1.txt"}

// baselineOrder is the list of baseline models in Appendix D's prose.
var baselineOrder = []string{
	"360VL-70B", "InstructBLIP-7B", "InternLM-XComposer2-4KHD", "LLaVA-v1-7B", "LLaVA-v1.5-13B",
	"LLaVA-v1.5-7B", "MiniGPT-4-v1-7B", "MiniGPT-4-v2", "mPLUG-Owl2", "OpenFlamingo v2",
	"Phi-3-Vision", "Qwen-VL-Chat",
}

var numRE = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

type transcript struct {
	ours      map[string][][]string // table -> rows of [config, N, v...]
	baselines map[string]map[string][]string
}

func tableCols(table string) []Metric {
	var cols []Metric
	for _, m := range Metrics() {
		if m.Table == table {
			cols = append(cols, m)
		}
	}
	return cols
}

// parseRuns splits a whitespace-joined table ("Vision Queries (ft) 768 1.0 …
// Model Name A 1 2 B 3 …") into our rows and baseline rows.
func parseRuns(t *testing.T, text, table string, tr *transcript) {
	t.Helper()
	parts := strings.SplitN(text, "Model Name", 2)
	if len(parts) != 2 {
		t.Fatalf("table %s: no \"Model Name\" separator", table)
	}
	ncol := len(tableCols(table))
	rowRE := regexp.MustCompile(`(Vision Question Queries|Vision Queries \(ft\)|Vision Queries) (\d+) ((?:-?[\d.]+ ?)+)`)
	for _, m := range rowRE.FindAllStringSubmatch(parts[0], -1) {
		vals := strings.Fields(m[3])
		if len(vals) != ncol {
			t.Fatalf("table %s: %s N=%s has %d values, want %d", table, m[1], m[2], len(vals), ncol)
		}
		tr.ours[table] = append(tr.ours[table], append([]string{m[1], m[2]}, vals...))
	}
	parseBaselines(t, strings.Fields(parts[1]), table, tr)
}

func parseBaselines(t *testing.T, toks []string, table string, tr *transcript) {
	t.Helper()
	var name []string
	var vals []string
	flush := func() {
		if len(name) == 0 {
			return
		}
		model := strings.Join(name, " ")
		if !contains(baselineOrder, model) {
			t.Fatalf("table %s: unknown baseline model %q", table, model)
		}
		if tr.baselines[model] == nil {
			tr.baselines[model] = map[string][]string{}
		}
		tr.baselines[model][table] = vals
		name, vals = nil, nil
	}
	for _, tok := range toks {
		if numRE.MatchString(tok) {
			vals = append(vals, tok)
			continue
		}
		if len(vals) > 0 {
			flush()
		}
		name = append(name, tok)
	}
	flush()
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func transcribe(t *testing.T) (map[string][]byte, *transcript) {
	t.Helper()
	var lines []string
	for _, name := range paperTables {
		raw, err := os.ReadFile(testfiles.Path(t, "paper", name))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(string(raw), "\n")...)
	}
	tr := &transcript{ours: map[string][][]string{}, baselines: map[string]map[string][]string{}}
	var t1 [][]string
	inPOPE, inPOPEBase := false, false
	for _, ln := range lines {
		ln = strings.TrimSpace(ln)
		switch {
		case strings.HasPrefix(ln, "| Fused Model Inputs | Overall | acc | precision | recall"):
			inPOPE = true
		case inPOPE && strings.HasPrefix(ln, "|---"):
		case inPOPE && strings.HasPrefix(ln, "| Model Name"):
			inPOPEBase = true
		case inPOPE && strings.HasPrefix(ln, "| "):
			cells := strings.Split(strings.Trim(ln, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			if inPOPEBase {
				if len(cells) != 6 || cells[5] != "" {
					t.Fatalf("POPE baseline row %q: unexpected layout", ln)
				}
				parseBaselines(t, append(strings.Fields(cells[0]), cells[1:5]...), "A", tr)
			} else {
				tr.ours["A"] = append(tr.ours["A"], cells)
			}
		case inPOPE:
			inPOPE = false
		}
		if strings.HasPrefix(ln, "MME HallusionBench COCO VAL Fused Model Inputs") {
			parseRuns(t, ln, "B", tr)
		}
		if strings.HasPrefix(ln, "Fused Model Inputs Final Score@OCRBench") {
			parseRuns(t, ln, "C", tr)
		}
		if strings.HasPrefix(ln, "| Overall@") || strings.HasPrefix(ln, "| Final Score@") ||
			strings.HasPrefix(ln, "| BLEU-") || strings.HasPrefix(ln, "| ROUGE-L@") || strings.HasPrefix(ln, "| CIDEr@") {
			cells := strings.Split(strings.Trim(ln, "|"), "|")
			row := make([]string, 5)
			for i := 0; i < 5 && i < len(cells); i++ {
				row[i] = strings.TrimSpace(cells[i])
			}
			t1 = append(t1, row)
		}
	}

	files := map[string][]byte{}
	// appendix_d.csv
	var rows [][]string
	for _, table := range []string{"A", "B", "C"} {
		cols := tableCols(table)
		if got := len(tr.ours[table]); got != 30 {
			t.Fatalf("table %s: %d rows of our model, want 30", table, got)
		}
		for _, r := range tr.ours[table] {
			if len(r) != 2+len(cols) {
				t.Fatalf("table %s: row %q has %d cells", table, r, len(r))
			}
			for j, m := range cols {
				rows = append(rows, []string{r[0], r[1], m.Benchmark, m.Name, r[2+j]})
			}
		}
	}
	files["appendix_d.csv"] = csvBytes(t, []string{"config", "N", "benchmark", "metric", "value"}, rows)

	// Baselines: a cell is known only when its printed value has a single
	// possible column.
	rows = nil
	var printed [][]string
	for _, model := range baselineOrder {
		for _, table := range []string{"A", "B", "C"} {
			vals, ok := tr.baselines[model][table]
			if !ok {
				t.Fatalf("baseline %s missing from table %s", model, table)
			}
			cols := tableCols(table)
			a, err := ambiguousRow(model, table, vals)
			if err != nil {
				t.Fatal(err)
			}
			cell := map[string]string{}
			for i, cand := range a.Candidates {
				if len(cand) == 1 {
					cell[cand[0].ID] = vals[i]
				}
			}
			if len(vals) != len(cols) {
				printed = append(printed, []string{model, table, strings.Join(vals, " ")})
			}
			for _, m := range cols {
				rows = append(rows, []string{model, m.Benchmark, m.Name, cell[m.ID]})
			}
		}
	}
	files["appendix_d_baselines.csv"] = csvBytes(t, []string{"model", "benchmark", "metric", "value"}, rows)
	files["appendix_d_baselines_printed.csv"] = csvBytes(t, []string{"model", "table", "printed"}, printed)
	if len(t1) != 18 {
		t.Fatalf("Table 1: %d rows, want 18", len(t1))
	}
	files["table1.csv"] = csvBytes(t, []string{"metric", "vqq_c", "vqq_alpha", "ft_c", "ft_alpha"}, t1)
	return files, tr
}

func csvBytes(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTranscriptionMatchesPaperText(t *testing.T) {
	files, _ := transcribe(t)
	for name, want := range files {
		if *update {
			path := filepath.Join("..", "..", "data", "paper", name)
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			fmt.Println("wrote", path)
			continue
		}
		got, err := data.Paper.ReadFile("paper/" + name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("embedded %s differs from the paper text's transcription; rerun with -update and review the diff", name)
		}
	}
}
