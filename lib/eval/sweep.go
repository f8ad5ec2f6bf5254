package eval

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// BenchFile is a benchmark file and the benchmark it holds.
type BenchFile struct {
	Bench Benchmark
	Path  string
}

// SweepOptions controls [Sweep].
type SweepOptions struct {
	Config Config
	Ns     []int
	Files  []BenchFile
	// Model returns the model for N queries (one checkpoint per N in the
	// paper). If the returned Answerer is an io.Closer it is closed after
	// its benchmarks.
	Model func(n int) (Answerer, error)
	// Dir receives one predictions file per (configuration, N, benchmark),
	// named by [PredictionsName]; existing ones are resumed.
	Dir   string
	Limit int
	// Progress, if set, is called after each item.
	Progress func(n int, bench string, done, generated int)
	// Report, if set, is called after each item with the progress of the
	// run at N (see RunOptions.Report).
	Report func(n int, p RunProgress)
	// RunInfo, if set, describes the run at N (see RunOptions.Run).
	RunInfo func(n int) map[string]string
	// Rules are the VLMEvalKit scoring rules (zero value: [DefaultRules]).
	Rules Rules
}

// Result is the scores of one configuration at one N on one benchmark.
type Result struct {
	Config  Config
	N       int
	Bench   Benchmark
	Metrics Metrics
	// Rules is the version of the VLMEvalKit rules that scored it.
	Rules string
}

// PredictionsName is the predictions file name a sweep uses, e.g.
// "vqq_N256_COCO_VAL.jsonl".
func PredictionsName(c Config, n int, b Benchmark) string {
	short := map[Config]string{VQQ: "vqq", VQ: "vq", VQFT: "vq-ft"}[c]
	if short == "" {
		short = strings.ReplaceAll(strings.ToLower(string(c)), " ", "-")
	}
	return fmt.Sprintf("%s_N%d_%s.jsonl", short, n, b.Name)
}

// Sweep runs every benchmark file for every N (resumably) and returns the
// scores in the order N × files.
func Sweep(ctx context.Context, o SweepOptions) ([]Result, error) {
	if len(o.Ns) == 0 || len(o.Files) == 0 {
		return nil, fmt.Errorf("eval: sweep: need at least one N and one benchmark file")
	}
	var out []Result
	for _, n := range o.Ns {
		model, err := o.Model(n)
		if err != nil {
			return nil, fmt.Errorf("eval: sweep N=%d: %w", n, err)
		}
		for _, f := range o.Files {
			opts := RunOptions{Predictions: filepath.Join(o.Dir, PredictionsName(o.Config, n, f.Bench)), Limit: o.Limit, Rules: o.Rules}
			if o.RunInfo != nil {
				opts.Run = o.RunInfo(n)
			}
			if o.Progress != nil {
				name, nn := f.Bench.Name, n
				opts.Progress = func(done, gen int) { o.Progress(nn, name, done, gen) }
			}
			if o.Report != nil {
				nn := n
				opts.Report = func(p RunProgress) { o.Report(nn, p) }
			}
			res, err := Run(ctx, f.Bench, f.Path, model, opts)
			if err != nil {
				closeModel(model)
				return nil, fmt.Errorf("eval: sweep N=%d: %w", n, err)
			}
			out = append(out, Result{o.Config, n, f.Bench, res.Metrics, res.Rules})
		}
		if err := closeModel(model); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func closeModel(a Answerer) error {
	if c, ok := a.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// TidyHeader is the header of the tidy results layout shared with
// `tokenscale data` and `tokenscale fit`.
var TidyHeader = []string{"config", "N", "benchmark", "metric", "value"}

// TidyRulesComment is the prefix of the comment line [WriteTidy] puts
// before the header to record which VLMEvalKit rules scored the results,
// e.g. "# vlmevalkit: 2024-12". [ReadTidy] skips lines starting with '#'.
const TidyRulesComment = "# vlmevalkit: "

// WriteTidy writes results as CSV rows config,N,benchmark,metric,value (with
// the header when header is true, preceded by a "# vlmevalkit: <version>"
// comment line naming the rules that scored them). Only the main metrics are
// written (the category and split scores are left out); benchmarks use the
// paper's spelling.
func WriteTidy(w io.Writer, results []Result, header bool) error {
	if header {
		var versions []string
		seen := map[string]bool{}
		for _, r := range results {
			v := r.Rules
			if v == "" {
				v = DefaultRulesVersion
			}
			if !seen[v] {
				seen[v] = true
				versions = append(versions, v)
			}
		}
		if len(versions) > 0 {
			if _, err := fmt.Fprintf(w, "%s%s\n", TidyRulesComment, strings.Join(versions, ",")); err != nil {
				return err
			}
		}
	}
	cw := csv.NewWriter(w)
	if header {
		if err := cw.Write(TidyHeader); err != nil {
			return err
		}
	}
	for _, r := range results {
		for _, name := range r.Metrics.Names() {
			if IsSplitMetric(name) {
				continue
			}
			v := strconv.FormatFloat(r.Metrics[name], 'f', -1, 64)
			if err := cw.Write([]string{string(r.Config), strconv.Itoa(r.N), r.Bench.Paper, name, v}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// TidyRow is one row of the tidy results layout.
type TidyRow struct {
	Config    string
	N         int
	Benchmark string
	Metric    string
	Value     float64
	Line      int // line in the file it was read from
}

// ID is the metric's id as Table 1 spells it, "<metric>@<benchmark>".
func (r TidyRow) ID() string { return r.Metric + "@" + r.Benchmark }

// ReadTidy reads a tidy CSV (header with at least config, N, benchmark,
// metric, value, in any order). Rows with an empty N (reference models in
// `tokenscale data`) and lines starting with '#' (comments, e.g. the rules
// line of [WriteTidy]) are skipped. Errors name the file and line.
func ReadTidy(r io.Reader, name string) ([]TidyRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	head, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("eval: %s:1: empty file (want a header %s)", name, strings.Join(TidyHeader, ","))
		}
		return nil, fmt.Errorf("eval: %s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range TidyHeader {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("eval: %s:1: missing column %q (want %s)", name, c, strings.Join(TidyHeader, ","))
		}
	}
	var rows []TidyRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("eval: %s: %w", name, err)
		}
		if len(rec) != len(head) {
			return nil, fmt.Errorf("eval: %s:%d: %d fields, the header has %d", name, line, len(rec), len(head))
		}
		get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
		if get("N") == "" {
			continue
		}
		n, err := strconv.Atoi(get("N"))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("eval: %s:%d: N %q is not a positive integer", name, line, get("N"))
		}
		v, err := strconv.ParseFloat(get("value"), 64)
		if err != nil {
			return nil, fmt.Errorf("eval: %s:%d: value %q is not a number", name, line, get("value"))
		}
		if get("metric") == "" || get("benchmark") == "" || get("config") == "" {
			return nil, fmt.Errorf("eval: %s:%d: empty config, benchmark or metric", name, line)
		}
		rows = append(rows, TidyRow{get("config"), n, get("benchmark"), get("metric"), v, line})
	}
}

// TidyRows returns the main metrics of results as tidy rows (what
// [WriteTidy] writes), e.g. for a figure of the sweep.
func TidyRows(results []Result) []TidyRow {
	var rows []TidyRow
	for _, r := range results {
		for _, name := range r.Metrics.Names() {
			if !IsSplitMetric(name) {
				rows = append(rows, TidyRow{Config: string(r.Config), N: r.N, Benchmark: r.Bench.Paper, Metric: name, Value: r.Metrics[name]})
			}
		}
	}
	return rows
}
