package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/analysis"
)

func init() {
	register(&command{
		name:    "table1",
		summary: "refit the paper's Table 1 (c, α of P(N) = (c/N)^α) from its Appendix D numbers",
		run:     runTable1,
	})
}

func runTable1(env *cmdEnv, args []string) error {
	fs := newFlags(env, "table1", `table1 [--format csv|markdown]

Fits log P = β − α·log N (Eq. 22, BFGS) to the paper's Appendix D scores for
the 18 metrics of Table 1 and both columns (Vision Question Queries, Vision
Queries (ft)): 36 rows. c = exp(β/α) is left empty when it is not a float64
(RealWorldQA, Vision Question Queries: α ≈ 0); note says why. The markdown
form also shows the printed values.`)
	format := fs.String("format", "csv", "output format: csv or markdown")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("table1: unexpected argument %q", fs.Arg(0))
	}
	rows, err := analysis.Table1(nil, nil)
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		w := csv.NewWriter(env.stdout)
		_ = w.Write([]string{"metric", "config", "c", "alpha", "note"})
		for _, r := range rows {
			_ = w.Write([]string{r.Metric.ID, string(r.Config), analysis.FormatC(r.Fit), formatAlpha(r.Fit.Alpha), r.Note})
		}
		w.Flush()
		return w.Error()
	case "markdown":
		t := [][]string{{"metric", "config", "c", "α", "printed c", "printed α", "note"}}
		for _, r := range rows {
			t = append(t, []string{r.Metric.ID, string(r.Config), analysis.FormatC(r.Fit), formatAlpha(r.Fit.Alpha), r.Printed.CText, r.Printed.AlphaText, r.Note})
		}
		return writeMarkdown(env.stdout, t)
	default:
		return usagef("table1: --format %q: want csv or markdown", *format)
	}
}

func formatAlpha(a float64) string { return strconv.FormatFloat(a, 'f', 4, 64) }

// writeMarkdown writes rows (the first is the header) as a GitHub table.
func writeMarkdown(w io.Writer, rows [][]string) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	for i, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(" " + esc(c) + " |")
		}
		b.WriteString("\n")
		if i == 0 {
			b.WriteString("|" + strings.Repeat("---|", len(r)) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
