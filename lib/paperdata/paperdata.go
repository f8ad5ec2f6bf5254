package paperdata

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tokenscale/tokenscale/data"
	"github.com/tokenscale/tokenscale/lib/results"
)

// Config is one of the three input configurations of the fusion module
// compared in Appendix D ("Fused Model Inputs").
type Config string

// The three configurations, spelled as Appendix D and Table 1 print them.
const (
	// VQQ: vision tokens, the user's question and learnable queries (the
	// paper's main model).
	VQQ Config = "Vision Question Queries"
	// VQFT: vision tokens and learnable queries only, fine-tuned without the
	// question.
	VQFT Config = "Vision Queries (ft)"
	// VQ: vision tokens and learnable queries only, the VQQ weights unchanged.
	VQ Config = "Vision Queries"
)

// Configs returns the three configurations in Appendix D's row order.
func Configs() []Config { return []Config{VQQ, VQFT, VQ} }

// ParseConfig accepts a configuration's full name or its short form
// ("vqq", "vq-ft"/"vqft"/"ft", "vq"), case-insensitively.
func ParseConfig(s string) (Config, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, c := range Configs() {
		if t == strings.ToLower(string(c)) {
			return c, nil
		}
	}
	switch t {
	case "vqq":
		return VQQ, nil
	case "vqft", "vq-ft", "vq_ft", "vq(ft)", "ft":
		return VQFT, nil
	case "vq":
		return VQ, nil
	}
	return "", fmt.Errorf("paperdata: unknown configuration %q (want %q, %q or %q)", s, VQQ, VQFT, VQ)
}

// Short returns "VQQ", "VQ-ft" or "VQ".
func (c Config) Short() string {
	switch c {
	case VQQ:
		return "VQQ"
	case VQFT:
		return "VQ-ft"
	case VQ:
		return "VQ"
	}
	return string(c)
}

// Ns returns the ten numbers of learnable queries N evaluated in Appendix D,
// ascending: 1, 8, 16, 32, 64, 128, 256, 384, 512, 768.
func Ns() []int { return []int{1, 8, 16, 32, 64, 128, 256, 384, 512, 768} }

// M returns the number of queries for each later question that went with N in
// the paper's configurations: 1 for N = 1, 8 otherwise.
func M(n int) int {
	if n == 1 {
		return 1
	}
	return 8
}

// Metric is one column of Appendix D.
type Metric struct {
	// ID is "<Name>@<Benchmark>", Table 1's spelling, e.g. "Overall@MME".
	ID string
	// Benchmark as the paper prints it, e.g. "COCO VAL", "SEEDBench2 Plus".
	Benchmark string
	// Name of the metric within the benchmark, e.g. "BLEU-1", "Overall".
	Name string
	// Table is the Appendix D table holding it: "A" (POPE), "B" (MME,
	// HallusionBench, COCO VAL) or "C" (OCRBench and the rest).
	Table string
	// InTable1 reports whether Table 1 fits this metric.
	InTable1 bool
}

func (m Metric) String() string { return m.ID }

// Label is the metric's short label in panel titles, axis ticks and tables:
// the benchmark alone for "Overall" and OCRBench's "Final Score",
// "benchmark metric" otherwise (e.g. "COCO VAL BLEU-1").
func (m Metric) Label() string {
	switch m.Name {
	case "Overall", "Final Score":
		return m.Benchmark
	}
	return m.Benchmark + " " + m.Name
}

// MetricID joins a metric name and benchmark the way Table 1 does.
func MetricID(benchmark, name string) string { return name + "@" + benchmark }

type metricDef struct {
	bench, name, table string
	t1                 bool
}

// metricDefs is Appendix D's column order.
var metricDefs = []metricDef{
	{"POPE", "Overall", "A", true}, {"POPE", "acc", "A", false}, {"POPE", "precision", "A", false}, {"POPE", "recall", "A", false},
	{"MME", "Overall", "B", true}, {"MME", "Perception", "B", false}, {"MME", "Cognition", "B", false},
	{"HallusionBench", "aAcc", "B", false}, {"HallusionBench", "fAcc", "B", false}, {"HallusionBench", "qAcc", "B", false}, {"HallusionBench", "Overall", "B", true},
	{"COCO VAL", "BLEU-1", "B", true}, {"COCO VAL", "BLEU-4", "B", true}, {"COCO VAL", "ROUGE-L", "B", true}, {"COCO VAL", "CIDEr", "B", true},
	{"OCRBench", "Final Score", "C", true},
	{"AI2D TEST", "Overall", "C", true}, {"RealWorldQA", "Overall", "C", true}, {"MMStar", "Overall", "C", true},
	{"SEEDBench IMG", "Overall", "C", true}, {"SEEDBench2", "Overall", "C", true}, {"SEEDBench2 Plus", "Overall", "C", true},
	{"ScienceQA TEST", "Overall", "C", true}, {"OCRVQA TESTCORE", "Overall", "C", true}, {"ChartQA TEST", "Overall", "C", true},
	{"TextVQA VAL", "Overall", "C", true},
}

// table1Order is Table 1's row order.
var table1Order = []string{
	"Overall@MME", "Overall@HallusionBench", "Overall@POPE",
	"BLEU-1@COCO VAL", "BLEU-4@COCO VAL", "ROUGE-L@COCO VAL", "CIDEr@COCO VAL",
	"Final Score@OCRBench", "Overall@AI2D TEST", "Overall@RealWorldQA", "Overall@MMStar",
	"Overall@SEEDBench IMG", "Overall@SEEDBench2", "Overall@SEEDBench2 Plus", "Overall@ScienceQA TEST",
	"Overall@OCRVQA TESTCORE", "Overall@ChartQA TEST", "Overall@TextVQA VAL",
}

// Metrics returns the 26 Appendix D metrics in the appendix's column order.
func Metrics() []Metric {
	out := make([]Metric, len(metricDefs))
	for i, d := range metricDefs {
		out[i] = Metric{ID: MetricID(d.bench, d.name), Benchmark: d.bench, Name: d.name, Table: d.table, InTable1: d.t1}
	}
	return out
}

// Table1Metrics returns the 18 metrics of Table 1 in Table 1's row order.
func Table1Metrics() []Metric {
	out := make([]Metric, 0, len(table1Order))
	for _, id := range table1Order {
		m, _ := LookupMetric(id)
		out = append(out, m)
	}
	return out
}

// LookupMetric finds a metric by its ID ("Overall@MME"); it also accepts
// underscores for spaces ("Overall@COCO_VAL", VLMEvalKit's spelling) and
// ignores case.
func LookupMetric(id string) (Metric, bool) {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", " ")) }
	t := norm(id)
	for _, m := range Metrics() {
		if norm(m.ID) == t {
			return m, true
		}
	}
	return Metric{}, false
}

// Result is one Appendix D score of the paper's model.
type Result struct {
	Config Config
	N      int
	Metric Metric
	// Value is the score; Text is the number exactly as printed ("86.977",
	// "493").
	Value float64
	Text  string
}

// Baseline is one Appendix D cell of a baseline model (scores the paper
// took from VLMEvalKit).
type Baseline struct {
	Model  string
	Metric Metric
	// Known is false when the cell is blank in the paper or its column
	// cannot be recovered from the extracted text; Value is then NaN.
	Known bool
	Value float64
	Text  string
}

// Table1Entry is one (metric, configuration) cell pair of Table 1.
type Table1Entry struct {
	Metric Metric
	Config Config // VQQ or VQFT
	// Printed is false for a blank cell (then C and Alpha are NaN and the
	// texts empty).
	Printed   bool
	C, Alpha  float64
	CText     string // as printed, e.g. "1.9911e-59"
	AlphaText string // as printed, e.g. "-0.0516"
	Note      string // why the entry differs from the printed layout, if it does
}

// AmbiguousRow is a baseline row of Appendix D whose blank cells collapsed in
// the extracted text, so that the columns of some printed values cannot be
// told apart.
type AmbiguousRow struct {
	Model string
	Table string
	// Printed are the row's numbers in printed order.
	Printed []string
	// Candidates[i] are the metrics the i-th printed number may belong to
	// (a single metric when its column is certain).
	Candidates [][]Metric
	// Unknown are the metrics recorded as unknown for this model.
	Unknown []Metric
}

type store struct {
	results   []Result
	index     map[key]int
	baselines []Baseline
	models    []string
	table1    []Table1Entry
	ambiguous []AmbiguousRow
}

type key struct {
	c  Config
	n  int
	id string
}

var (
	loadOnce sync.Once
	st       *store
	loadErr  error
)

func get() *store {
	loadOnce.Do(func() { st, loadErr = load() })
	if loadErr != nil {
		// The CSVs are compiled in and checked by this package's tests; a
		// failure here is a build defect, not bad user input.
		panic(loadErr)
	}
	return st
}

// Results returns all 780 Appendix D scores of the paper's model, in the
// appendix's order (table, then N descending, then configuration).
func Results() []Result { return slices.Clone(get().results) }

// Value returns the Appendix D score of cfg at N for the metric with the
// given ID.
func Value(cfg Config, n int, metricID string) (float64, bool) {
	s := get()
	m, ok := LookupMetric(metricID)
	if !ok {
		return math.NaN(), false
	}
	i, ok := s.index[key{cfg, n, m.ID}]
	if !ok {
		return math.NaN(), false
	}
	return s.results[i].Value, true
}

// Curve returns the ten (N, score) points of one metric for one
// configuration, N ascending, ready for a scaling fit or a plot.
func Curve(cfg Config, metricID string) (ns, ps []float64, err error) {
	m, ok := LookupMetric(metricID)
	if !ok {
		return nil, nil, fmt.Errorf("paperdata: unknown metric %q", metricID)
	}
	for _, n := range Ns() {
		v, ok := Value(cfg, n, m.ID)
		if !ok {
			return nil, nil, fmt.Errorf("paperdata: no value for %s, N=%d, %s", cfg, n, m.ID)
		}
		ns = append(ns, float64(n))
		ps = append(ps, v)
	}
	return ns, ps, nil
}

// Baselines returns every baseline cell (12 models × 26 metrics), unknown
// cells included with Known false.
func Baselines() []Baseline { return slices.Clone(get().baselines) }

// BaselineModels returns the 12 baseline model names in the order of the
// paper's list in Appendix D.
func BaselineModels() []string { return slices.Clone(get().models) }

// BaselineValue returns a baseline model's score for a metric; ok is false
// when the model or metric is unknown or the cell is unknown.
func BaselineValue(model, metricID string) (v float64, ok bool) {
	m, found := LookupMetric(metricID)
	if !found {
		return math.NaN(), false
	}
	for _, b := range get().baselines {
		if b.Model == model && b.Metric.ID == m.ID {
			return b.Value, b.Known
		}
	}
	return math.NaN(), false
}

// Table1 returns Table 1's 36 entries (18 metrics × {VQQ, VQFT}) in the
// table's order. The RealWorldQA pair, printed in the first column of the
// extracted text, is assigned to VQFT (it is what a fit of the VQFT scores
// gives; the VQQ fit is degenerate and its cell blank); Note says so.
func Table1() []Table1Entry { return slices.Clone(get().table1) }

// Ambiguous returns the baseline rows with unrecoverable column alignment.
func Ambiguous() []AmbiguousRow { return slices.Clone(get().ambiguous) }

// RealWorldQANote explains where Table 1's RealWorldQA pair belongs.
const RealWorldQANote = "Table 1 prints this pair (7.5513e+49, 0.0335) in the first column, but it is the fit of the Vision Queries (ft) scores"

// RealWorldQABlankNote explains the blank RealWorldQA cell of Table 1.
const RealWorldQABlankNote = "blank in Table 1 (its only printed pair belongs to Vision Queries (ft))"

func readCSV(name string, header []string) ([][]string, error) {
	b, err := data.Paper.ReadFile("paper/" + name)
	if err != nil {
		return nil, fmt.Errorf("paperdata: %w", err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = len(header)
	var rows [][]string
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("paperdata: %s: %w", name, err)
		}
		if line == 1 {
			if !slices.Equal(rec, header) {
				return nil, fmt.Errorf("paperdata: %s: header %q, want %q", name, rec, header)
			}
			continue
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

func parseNum(file string, line int, s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("paperdata: %s line %d: bad number %q", file, line, s)
	}
	return v, nil
}

// load reads the embedded tables: the paper's Appendix D values of our
// model, the baselines' values, the baselines' collapsed rows as printed
// and Table 1 as printed.
func load() (*store, error) {
	s := &store{index: map[key]int{}}
	for _, step := range []func() error{s.loadResults, s.loadBaselines, s.loadAmbiguous, s.loadTable1} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// loadResults reads appendix_d.csv: every configuration × N × metric of
// our model, once each.
func (s *store) loadResults() error {
	raw, err := data.Paper.ReadFile("paper/appendix_d.csv")
	if err != nil {
		return fmt.Errorf("paperdata: %w", err)
	}
	table, err := results.ReadAll(bytes.NewReader(raw), "appendix_d.csv")
	if err != nil {
		return fmt.Errorf("paperdata: %w", err)
	}
	for _, r := range table {
		cfg, err := ParseConfig(r.Config)
		if err != nil || string(cfg) != r.Config {
			return fmt.Errorf("paperdata: appendix_d.csv line %d: bad config %q", r.Line, r.Config)
		}
		if !slices.Contains(Ns(), r.N) {
			return fmt.Errorf("paperdata: appendix_d.csv line %d: bad N %d", r.Line, r.N)
		}
		m, ok := LookupMetric(MetricID(r.Benchmark, r.Metric))
		if !ok || m.Benchmark != r.Benchmark || m.Name != r.Metric {
			return fmt.Errorf("paperdata: appendix_d.csv line %d: unknown metric %q of %q", r.Line, r.Metric, r.Benchmark)
		}
		k := key{cfg, r.N, m.ID}
		if _, dup := s.index[k]; dup {
			return fmt.Errorf("paperdata: appendix_d.csv line %d: duplicate %v", r.Line, k)
		}
		s.index[k] = len(s.results)
		s.results = append(s.results, Result{Config: cfg, N: r.N, Metric: m, Value: r.Value, Text: r.Text})
	}
	if want := len(Configs()) * len(Ns()) * len(metricDefs); len(s.results) != want {
		return fmt.Errorf("paperdata: appendix_d.csv has %d values, want %d", len(s.results), want)
	}
	return nil
}

// loadBaselines reads appendix_d_baselines.csv: the baselines' values
// (blank where the paper's row cannot be split into columns).
func (s *store) loadBaselines() error {
	rows, err := readCSV("appendix_d_baselines.csv", []string{"model", "benchmark", "metric", "value"})
	if err != nil {
		return err
	}
	for i, r := range rows {
		line := i + 2
		m, ok := LookupMetric(MetricID(r[1], r[2]))
		if !ok || m.Benchmark != r[1] || m.Name != r[2] {
			return fmt.Errorf("paperdata: appendix_d_baselines.csv line %d: unknown metric %q of %q", line, r[2], r[1])
		}
		b := Baseline{Model: r[0], Metric: m, Value: math.NaN(), Text: r[3]}
		if r[3] != "" {
			if b.Value, err = parseNum("appendix_d_baselines.csv", line, r[3]); err != nil {
				return err
			}
			b.Known = true
		}
		if !slices.Contains(s.models, r[0]) {
			s.models = append(s.models, r[0])
		}
		s.baselines = append(s.baselines, b)
	}
	return nil
}

// loadAmbiguous reads appendix_d_baselines_printed.csv: the collapsed
// baseline rows as printed, with the metrics each leaves unknown (after
// loadBaselines).
func (s *store) loadAmbiguous() error {
	rows, err := readCSV("appendix_d_baselines_printed.csv", []string{"model", "table", "printed"})
	if err != nil {
		return err
	}
	for i, r := range rows {
		a, err := ambiguousRow(r[0], r[1], strings.Fields(r[2]))
		if err != nil {
			return fmt.Errorf("paperdata: appendix_d_baselines_printed.csv line %d: %w", i+2, err)
		}
		for _, b := range s.baselines {
			if b.Model == a.Model && b.Metric.Table == a.Table && !b.Known {
				a.Unknown = append(a.Unknown, b.Metric)
			}
		}
		s.ambiguous = append(s.ambiguous, a)
	}
	return nil
}

// loadTable1 reads table1.csv: Table 1's printed c and α per metric for
// Vision Question Queries and Vision Queries (ft), the RealWorldQA pair
// moved to the column it belongs to.
func (s *store) loadTable1() error {
	rows, err := readCSV("table1.csv", []string{"metric", "vqq_c", "vqq_alpha", "ft_c", "ft_alpha"})
	if err != nil {
		return err
	}
	if len(rows) != len(table1Order) {
		return fmt.Errorf("paperdata: table1.csv has %d rows, want %d", len(rows), len(table1Order))
	}
	for i, r := range rows {
		line := i + 2
		if r[0] != table1Order[i] {
			return fmt.Errorf("paperdata: table1.csv line %d: metric %q, want %q", line, r[0], table1Order[i])
		}
		m, _ := LookupMetric(r[0])
		cells := [2][2]string{{r[1], r[2]}, {r[3], r[4]}}
		note := [2]string{}
		if m.ID == "Overall@RealWorldQA" && r[3] == "" && r[4] == "" {
			cells[0], cells[1] = cells[1], cells[0]
			note = [2]string{RealWorldQABlankNote, RealWorldQANote}
		}
		for j, cfg := range []Config{VQQ, VQFT} {
			e := Table1Entry{Metric: m, Config: cfg, C: math.NaN(), Alpha: math.NaN(), CText: cells[j][0], AlphaText: cells[j][1], Note: note[j]}
			if (e.CText == "") != (e.AlphaText == "") {
				return fmt.Errorf("paperdata: table1.csv line %d: half-blank pair for %s", line, cfg)
			}
			if e.CText != "" {
				e.Printed = true
				if e.C, err = parseNum("table1.csv", line, e.CText); err != nil {
					return err
				}
				if e.Alpha, err = parseNum("table1.csv", line, e.AlphaText); err != nil {
					return err
				}
			}
			s.table1 = append(s.table1, e)
		}
	}
	return nil
}

// ambiguousRow works out which columns each printed number of a collapsed
// baseline row may belong to. Columns keep their order, so with k numbers
// for n columns the i-th number lies in columns i … i+(n−k). In table C the
// first number is always OCRBench: it is the only integer-valued column
// and the rows are sorted by it.
func ambiguousRow(model, table string, printed []string) (AmbiguousRow, error) {
	var cols []Metric
	for _, m := range Metrics() {
		if m.Table == table {
			cols = append(cols, m)
		}
	}
	if len(cols) == 0 {
		return AmbiguousRow{}, fmt.Errorf("unknown table %q", table)
	}
	if len(printed) == 0 || len(printed) > len(cols) {
		return AmbiguousRow{}, fmt.Errorf("%s: %d printed values for %d columns", model, len(printed), len(cols))
	}
	a := AmbiguousRow{Model: model, Table: table, Printed: printed}
	if table == "C" {
		a.Candidates = append(a.Candidates, cols[:1])
		printed, cols = printed[1:], cols[1:]
	}
	slack := len(cols) - len(printed)
	for i := range printed {
		a.Candidates = append(a.Candidates, slices.Clone(cols[i:i+slack+1]))
	}
	return a, nil
}
