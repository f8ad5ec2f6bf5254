package main

import (
	"encoding/csv"

	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/results"
)

func init() {
	register(&command{
		name:    "data",
		summary: "print every Appendix D value (the paper's model and the baselines) as tidy CSV",
		run:     runData,
	})
}

func runData(env *cmdEnv, args []string) error {
	fs := newFlags(env, "data", `data [--format csv] [--baselines=false]

Prints the paper's Appendix D as tidy CSV with the header
config,N,benchmark,metric,value: 780 rows for the paper's model (3
configurations × 10 values of N × 26 metrics, values exactly as printed),
then the baseline models (config is the model name, N is empty). A baseline
cell whose column cannot be recovered from the paper text has an empty value
(see data/README.md). The output is valid input for "tokenscale fit", which
skips rows without N.`)
	format := fs.String("format", "csv", "output format (csv)")
	baselines := fs.Bool("baselines", true, "include the baseline models' rows")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("data: unexpected argument %q", fs.Arg(0))
	}
	if *format != "csv" {
		return usagef("data: --format %q: only csv is supported", *format)
	}
	var rows []results.Row
	for _, r := range paperdata.Results() {
		rows = append(rows, results.Row{Config: string(r.Config), N: r.N, Benchmark: r.Metric.Benchmark, Metric: r.Metric.Name, Value: r.Value, Text: r.Text})
	}
	if err := results.Write(env.stdout, rows, true); err != nil {
		return err
	}
	// Reference models have no N: rows the results table skips when read.
	w := csv.NewWriter(env.stdout)
	if *baselines {
		for _, b := range paperdata.Baselines() {
			_ = w.Write([]string{b.Model, "", b.Metric.Benchmark, b.Metric.Name, b.Text})
		}
	}
	w.Flush()
	return w.Error()
}
