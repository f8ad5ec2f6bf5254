package main

import (
	"encoding/csv"
	"strconv"

	"github.com/tokenscale/tokenscale/lib/paperdata"
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
	w := csv.NewWriter(env.stdout)
	_ = w.Write([]string{"config", "N", "benchmark", "metric", "value"})
	for _, r := range paperdata.Results() {
		_ = w.Write([]string{string(r.Config), strconv.Itoa(r.N), r.Metric.Benchmark, r.Metric.Name, r.Text})
	}
	if *baselines {
		for _, b := range paperdata.Baselines() {
			_ = w.Write([]string{b.Model, "", b.Metric.Benchmark, b.Metric.Name, b.Text})
		}
	}
	w.Flush()
	return w.Error()
}
