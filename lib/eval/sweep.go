package eval

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/results"
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

// TidyRulesComment is the prefix of the comment line [WriteTidy] puts
// before the header to record which VLMEvalKit rules scored the results,
// e.g. "# vlmevalkit: 2024-12". lib/results' reader skips lines starting
// with '#'.
const TidyRulesComment = "# vlmevalkit: "

// WriteTidy writes results as rows of the results table (lib/results:
// config,N,benchmark,metric,value, with the header when header is true,
// preceded by a "# vlmevalkit: <version>" comment line naming the rules
// that scored them). Only the main metrics are written (the category and
// split scores are left out); benchmarks use the paper's spelling.
func WriteTidy(w io.Writer, res []Result, header bool) error {
	if header {
		var versions []string
		seen := map[string]bool{}
		for _, r := range res {
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
	return results.Write(w, TidyRows(res), header)
}

// TidyRows returns the main metrics of res as rows of the results table
// (what [WriteTidy] writes), e.g. for a figure of the sweep.
func TidyRows(res []Result) []results.Row {
	var rows []results.Row
	for _, r := range res {
		for _, name := range r.Metrics.Names() {
			if !IsSplitMetric(name) {
				rows = append(rows, results.Row{Config: string(r.Config), N: r.N, Benchmark: r.Bench.Paper, Metric: name, Value: r.Metrics[name]})
			}
		}
	}
	return rows
}
