package figures

import (
	"fmt"
	"image/color"
	"strings"

	"github.com/tokenscale/tokenscale/lib/paperdata"
)

// Helpers shared by the figures drawn from the paper's numbers (Figures 8,
// 9, 11, 12, 13, 16, 17): metric and configuration names as the user types
// them, and short labels for panels.

// resolveMetrics turns the user's metric names into metrics. A name may be a
// metric id ("Overall@MME", "BLEU-1@COCO_VAL") or a metric Label ("MME",
// "COCO VAL BLEU-1"), case-insensitively. With no names it returns def.
func resolveMetrics(want []string, def []paperdata.Metric) ([]paperdata.Metric, error) {
	if len(want) == 0 {
		return def, nil
	}
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", " ")) }
	var out []paperdata.Metric
	for _, w := range want {
		m, ok := paperdata.LookupMetric(w)
		if !ok {
			for _, c := range paperdata.Metrics() {
				if norm(c.Label()) == norm(w) {
					m, ok = c, true
					break
				}
			}
		}
		if !ok {
			var labels []string
			for _, c := range paperdata.Metrics() {
				labels = append(labels, c.Label())
			}
			return nil, fmt.Errorf("plots: unknown metric %q (known: %s; or an id such as %q)", w, strings.Join(labels, ", "), "Overall@MME")
		}
		out = append(out, m)
	}
	return out, nil
}

// resolveConfigs turns the user's configuration names ("VQQ", "VQ-ft",
// "VQ" or the full names) into configurations; with none it returns def.
func resolveConfigs(want []string, def []paperdata.Config) ([]paperdata.Config, error) {
	if len(want) == 0 {
		return def, nil
	}
	var out []paperdata.Config
	for _, w := range want {
		c, err := paperdata.ParseConfig(w)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// nsFloat returns paperdata.Ns() as float64.
func nsFloat() []float64 {
	ns := paperdata.Ns()
	out := make([]float64, len(ns))
	for i, n := range ns {
		out[i] = float64(n)
	}
	return out
}

// minus replaces ASCII hyphens used as minus signs with the typographic
// minus "−" for labels.
func minus(s string) string { return strings.ReplaceAll(s, "-", "−") }

type plotColor = color.Color

var plotColorBlack color.Color = color.Black
