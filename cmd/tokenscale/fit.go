package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/check"

	"github.com/tokenscale/tokenscale/lib/analysis"
	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/results"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

func init() {
	register(&command{
		name:    "fit",
		summary: "fit P(N) = (c/N)^α to your own results (tidy CSV: config,N,benchmark,metric,value)",
		run:     runFit,
	})
}

func runFit(env *cmdEnv, args []string) error {
	fs := newFlags(env, "fit", `fit --csv FILE [--metric M] [--config C] [--method bfgs|ols] [--format csv|markdown]

Fits log P = β − α·log N (the paper's Eq. 22) to each (config, metric) group
of a tidy CSV with the columns config,N,benchmark,metric,value (any order,
extra columns ignored; "tokenscale data" writes this layout, and so does the
evaluation runner). Rows with an empty N (reference models) are skipped.
Every row of a fitted group needs N > 0 and a finite value > 0, and each
group at least two distinct N (rows of groups left out by --metric/--config
are not checked). Bad input is reported as FILE:LINE: problem, exit status 2.

--metric takes "<metric>@<benchmark>" (e.g. "Overall@MME"; case and "_" for
" " do not matter) or a bare metric name when only one benchmark has it.
Output columns: metric,config,c,alpha,r2,alpha_lo,alpha_hi,points,note, where
alpha_lo/alpha_hi is a seeded percentile bootstrap interval.`)
	file := fs.String("csv", "", "tidy CSV file to fit (required; - for stdin)")
	metric := fs.String("metric", "", "fit only this metric")
	config := fs.String("config", "", "fit only this configuration")
	method := fs.String("method", "bfgs", "bfgs (as the paper) or ols (closed form)")
	format := fs.String("format", "csv", "output format: csv or markdown")
	resamples := fs.Int("bootstrap", 2000, "bootstrap resamples for the α interval (0: none)")
	level := fs.Float64("level", 0.95, "confidence level of the α interval")
	seed := fs.Uint64("seed", 1, "bootstrap seed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("fit: unexpected argument %q", fs.Arg(0))
	}
	if *file == "" {
		return usagef("fit: --csv FILE is required")
	}
	fitFn := scaling.FitBFGS
	switch *method {
	case "bfgs":
	case "ols":
		fitFn = scaling.FitOLS
	default:
		return usagef("fit: --method %q: want bfgs or ols", *method)
	}
	if *format != "csv" && *format != "markdown" {
		return usagef("fit: --format %q: want csv or markdown", *format)
	}
	if err := checkFlags("fit", check.Int("--bootstrap", *resamples, 0, check.MaxBootstrap)); err != nil {
		return err
	}
	if !(*level > 0 && *level < 1) {
		return usagef("fit: --level %g is out of range (0, 1)", *level)
	}

	r, name, closeIn, err := env.openInput(*file)
	if err != nil {
		return usagef("fit: %v", err)
	}
	defer closeIn()
	groups, err := readTidy(r, name)
	if err != nil {
		return err
	}
	groups, err = selectGroups(groups, name, *metric, *config)
	if err != nil {
		return err
	}

	header := []string{"metric", "config", "c", "alpha", "r2", "alpha_lo", "alpha_hi", "points", "note"}
	out := [][]string{header}
	for _, g := range groups {
		if err := g.parse(name); err != nil {
			return err
		}
	}
	for _, g := range groups {
		f, err := fitFn(g.n, g.p)
		if err != nil {
			return fmt.Errorf("fit %s %s: %w", g.id, g.config, err)
		}
		lo, hi := "", ""
		if *resamples > 0 {
			l, h, err := scaling.BootstrapAlpha(g.n, g.p, scaling.BootstrapOptions{Resamples: *resamples, Level: *level, Seed: *seed})
			if err == nil {
				lo, hi = formatAlpha(l), formatAlpha(h)
			}
		}
		r2 := ""
		if !math.IsNaN(f.R2) {
			r2 = strconv.FormatFloat(f.R2, 'f', 4, 64)
		}
		out = append(out, []string{g.id, g.config, analysis.FormatC(f), formatAlpha(f.Alpha), r2, lo, hi, strconv.Itoa(len(g.n)), f.Note})
	}
	if *format == "markdown" {
		return writeMarkdown(env.stdout, out)
	}
	w := csv.NewWriter(env.stdout)
	_ = w.WriteAll(out)
	return w.Error()
}

// tidyGroup is the rows of one (config, metric) of a results file.
type tidyGroup struct {
	config, benchmark, metric, id string
	rows                          []results.Row
	n, p                          []float64 // filled by parse
}

// readTidy reads a results file (lib/results) into groups, in order of
// first appearance. A row that could not be read is kept in its group and
// reported by parse, after --metric and --config have chosen the groups, so
// a bad row elsewhere in the file does not stop a fit. Every problem is a
// usage error naming the file and line.
func readTidy(r io.Reader, name string) ([]*tidyGroup, error) {
	rows, err := results.Read(r, name)
	if err != nil {
		return nil, usagef("%v", err)
	}
	var groups []*tidyGroup
	index := map[[3]string]*tidyGroup{}
	for _, row := range rows {
		k := [3]string{row.Config, row.Benchmark, row.Metric}
		g := index[k]
		if g == nil {
			g = &tidyGroup{config: k[0], benchmark: k[1], metric: k[2], id: paperdata.MetricID(k[1], k[2])}
			index[k] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, row)
	}
	if len(groups) == 0 {
		return nil, usagef("%s: no rows with N to fit", name)
	}
	return groups, nil
}

// smallestNormal is the smallest normal float64, 2^−1022.
const smallestNormal = 0x1p-1022

// parse checks a group's rows: each read, value > 0 (the law is fitted in
// log space), at least two distinct N.
func (g *tidyGroup) parse(name string) error {
	for _, r := range g.rows {
		if r.Err != nil {
			return usagef("%v", r.Err)
		}
		if r.Value <= 0 {
			return usagef("%s:%d: value %s must be > 0 (the law is fitted in log space)", name, r.Line, r.Text)
		}
		if r.Value < smallestNormal {
			return usagef("%s:%d: value %s is below %g, the smallest normal float64 (a subnormal value has too few digits to fit)", name, r.Line, r.Text, smallestNormal)
		}
		g.n = append(g.n, float64(r.N))
		g.p = append(g.p, r.Value)
	}
	if err := scaling.Check(g.n, g.p); err != nil {
		return usagef("%s:%d: %s, config %q: %v", name, g.rows[0].Line, g.id, g.config, strings.TrimPrefix(err.Error(), scaling.ErrInput.Error()+": "))
	}
	return nil
}

// selectGroups applies --metric and --config.
func selectGroups(groups []*tidyGroup, name, metric, config string) ([]*tidyGroup, error) {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", " ")) }
	if metric != "" {
		want := norm(metric)
		var out []*tidyGroup
		if strings.Contains(metric, "@") {
			for _, g := range groups {
				if norm(g.id) == want {
					out = append(out, g)
				}
			}
		} else {
			benches := map[string]bool{}
			for _, g := range groups {
				if norm(g.metric) == want {
					out = append(out, g)
					benches[g.benchmark] = true
				}
			}
			if len(benches) > 1 {
				return nil, usagef("fit: --metric %q is in %d benchmarks of %s; write it as %q", metric, len(benches), name, metric+"@<benchmark>")
			}
		}
		if len(out) == 0 {
			return nil, usagef("fit: no metric %q in %s (have %s)", metric, name, listIDs(groups))
		}
		groups = out
	}
	if config != "" {
		want := strings.TrimSpace(config)
		if c, err := paperdata.ParseConfig(config); err == nil {
			want = string(c)
		}
		var out []*tidyGroup
		for _, g := range groups {
			if g.config == want || g.config == strings.TrimSpace(config) {
				out = append(out, g)
			}
		}
		if len(out) == 0 {
			return nil, usagef("fit: no configuration %q in %s", config, name)
		}
		groups = out
	}
	return groups, nil
}

func listIDs(groups []*tidyGroup) string {
	seen := map[string]bool{}
	var ids []string
	for _, g := range groups {
		if !seen[g.id] {
			seen[g.id] = true
			ids = append(ids, g.id)
		}
	}
	if len(ids) > 8 {
		ids = append(ids[:8], "…")
	}
	return strings.Join(ids, ", ")
}
