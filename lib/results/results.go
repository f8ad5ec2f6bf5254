// Package results is the one table of scores in tokenscale: tidy rows
// config,N,benchmark,metric,value, one per configuration, number of vision
// tokens N, benchmark and metric. The paper's Appendix D (lib/paperdata),
// an evaluation sweep (lib/eval), the scaling-law fit of your own runs
// (tokenscale fit) and the eval-sweep figure all read and write it through
// Read and Write. It implements no formula; it is the data of Section 5's
// Eq. 21–22 fits and Appendix D.
package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Header is the header of a results file. Read accepts the columns in any
// order, and more columns (ignored).
var Header = []string{"config", "N", "benchmark", "metric", "value"}

// Row is one score.
type Row struct {
	Config    string
	N         int
	Benchmark string
	Metric    string
	Value     float64
	Text      string // the value as written in the file
	Line      int    // line of the file it was read from (0 when made in memory)
	// Err is why this row's N or value could not be read, naming the file,
	// line and field; the other fields are then as written, or zero. Read
	// keeps such rows so that a reader interested in other rows (the fit of
	// one metric) is not stopped by them; Check reports the first one.
	Err error
}

// ID is the metric's id as Table 1 spells it, "<metric>@<benchmark>".
func (r Row) ID() string { return r.Metric + "@" + r.Benchmark }

// Read reads a results file; name (the file) is named in errors, with the
// line and field. Rows with an empty N (reference models, e.g. the
// baselines `tokenscale data` lists) and lines starting with '#' (comments,
// e.g. the "# vlmevalkit: 2024-12" line of an eval sweep) are skipped. A malformed file (no
// header, a missing column, a CSV syntax error, a row with another number
// of fields than the header) is an error; a row whose N is not a positive
// integer, whose value is not a finite number, or whose config, benchmark
// or metric is empty comes back with Err set (see Check).
func Read(r io.Reader, name string) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s:1: empty file (want a header %s)", name, strings.Join(Header, ","))
	}
	if err != nil {
		return nil, csvErr(name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range Header {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s:1: missing column %q (header %q; want %s)", name, c, strings.Join(head, ","), strings.Join(Header, ","))
		}
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvErr(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(head) {
			return nil, fmt.Errorf("%s:%d: %d fields, the header has %d", name, line, len(rec), len(head))
		}
		get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
		if get("N") == "" {
			continue
		}
		row := Row{Config: get("config"), Benchmark: get("benchmark"), Metric: get("metric"), Text: get("value"), Line: line}
		row.N, row.Value, row.Err = parseRow(get("N"), row)
		if row.Err != nil {
			row.Err = fmt.Errorf("%s:%d: %w", name, line, row.Err)
		}
		rows = append(rows, row)
	}
}

// parseRow checks the fields of one row and parses N and the value.
func parseRow(nText string, r Row) (n int, v float64, err error) {
	for _, f := range [][2]string{{"config", r.Config}, {"benchmark", r.Benchmark}, {"metric", r.Metric}} {
		if f[1] == "" {
			return 0, 0, fmt.Errorf("empty %s", f[0])
		}
	}
	nf, err := strconv.ParseFloat(nText, 64)
	switch {
	case err != nil:
		return 0, 0, fmt.Errorf("N %q is not a number", nText)
	case math.IsNaN(nf) || math.IsInf(nf, 0):
		return 0, 0, fmt.Errorf("N %q is not finite", nText)
	case nf <= 0:
		return 0, 0, fmt.Errorf("N = %s must be > 0", nText)
	case nf != math.Trunc(nf) || nf > math.MaxInt32:
		return 0, 0, fmt.Errorf("N = %s is not a whole number of tokens", nText)
	}
	v, err = strconv.ParseFloat(r.Text, 64)
	switch {
	case r.Text == "":
		return 0, 0, fmt.Errorf("empty value")
	case err != nil:
		return 0, 0, fmt.Errorf("value %q is not a number", r.Text)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, 0, fmt.Errorf("value %q is not finite", r.Text)
	}
	return int(nf), v, nil
}

// Check returns the first row error of rows (nil when every row was read).
func Check(rows []Row) error {
	for _, r := range rows {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

// ReadAll is Read followed by Check: every row must be good.
func ReadAll(r io.Reader, name string) ([]Row, error) {
	rows, err := Read(r, name)
	if err == nil {
		err = Check(rows)
	}
	return rows, err
}

// csvErr turns a CSV syntax error into "FILE:LINE: problem".
func csvErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// Write writes rows as CSV (with Header first when header is true), each
// value as its Text when set, else in the shortest form that reads back
// the same float64.
func Write(w io.Writer, rows []Row, header bool) error {
	cw := csv.NewWriter(w)
	if header {
		if err := cw.Write(Header); err != nil {
			return err
		}
	}
	for _, r := range rows {
		v := r.Text
		if v == "" {
			v = strconv.FormatFloat(r.Value, 'f', -1, 64)
		}
		if err := cw.Write([]string{r.Config, strconv.Itoa(r.N), r.Benchmark, r.Metric, v}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
