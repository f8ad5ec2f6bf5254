package labresult

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// CSVHeader is the header of a sweep's CSV (WriteCSV, ReadCSV): one row per
// configuration, N and question kind ("local", "global", "all"), the
// accuracy averaged over seeds, its standard deviation over seeds and the
// number of seeds.
var CSVHeader = []string{"config", "N", "question_kind", "accuracy", "std", "seeds"}

// WriteCSV writes res's points as CSV with CSVHeader, numbers in full
// precision so that ReadCSV gives back the same points.
func WriteCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, p := range res.Points {
		f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
		if err := cw.Write([]string{p.Config, strconv.Itoa(p.N), p.Kind, f(p.Accuracy), f(p.Std), strconv.Itoa(p.Seeds)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSV reads a sweep's CSV (the first four columns of CSVHeader are
// required, std and seeds optional) and summarises it with FromPoints.
// Errors name the file (name), line and field.
func ReadCSV(r io.Reader, name string) (*Result, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("lab: %s: header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, h := range CSVHeader[:4] {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("lab: %s:1: no column %q (want the header %s)", name, h, strings.Join(CSVHeader, ","))
		}
	}
	var points []Point
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("lab: %s:%d: %w", name, line, err)
		}
		field := func(h string) (string, bool) {
			i, ok := col[h]
			if !ok || i >= len(rec) {
				return "", false
			}
			return strings.TrimSpace(rec[i]), true
		}
		num := func(h string, def float64) (float64, error) {
			s, ok := field(h)
			if !ok || s == "" {
				return def, nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("lab: %s:%d: field %s: %q is not a number", name, line, h, s)
			}
			return v, nil
		}
		var p Point
		p.Config, _ = field("config")
		p.Kind, _ = field("question_kind")
		if !validConfig(p.Config) {
			return nil, fmt.Errorf("lab: %s:%d: field config: %q is none of %s", name, line, p.Config, strings.Join(Configs(), ", "))
		}
		if p.Kind != "local" && p.Kind != "global" && p.Kind != "all" {
			return nil, fmt.Errorf("lab: %s:%d: field question_kind: %q, want local, global or all", name, line, p.Kind)
		}
		n, err := num("N", 0)
		if err != nil {
			return nil, err
		}
		if n < 1 || n != float64(int(n)) {
			return nil, fmt.Errorf("lab: %s:%d: field N: %v, want a positive integer", name, line, n)
		}
		p.N = int(n)
		if p.Accuracy, err = num("accuracy", 0); err != nil {
			return nil, err
		}
		if p.Std, err = num("std", 0); err != nil {
			return nil, err
		}
		seeds, err := num("seeds", 1)
		if err != nil {
			return nil, err
		}
		p.Seeds = int(seeds)
		points = append(points, p)
	}
	if len(points) == 0 {
		return nil, fmt.Errorf("lab: %s: no rows", name)
	}
	return FromPoints(points), nil
}

func validConfig(c string) bool {
	for _, k := range Configs() {
		if c == k {
			return true
		}
	}
	return false
}

// ReadCache summarises every run cached in a lab cache folder (the
// CacheDir of lab.SweepConfig; entries of another CodeVersion are
// skipped). A folder that holds two runs of one configuration, N and seed
// (sweeps of different tasks, models or training) is refused: pass the CSV
// of one sweep instead.
func ReadCache(dir string) (*Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("lab: cache %s: %w", dir, err)
	}
	sort.Strings(paths)
	type key struct {
		config string
		n      int
		seed   uint64
	}
	seen := map[key]string{}
	var runs []Run
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("lab: cache: %w", err)
		}
		var e Entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("lab: cache %s: %w", path, err)
		}
		if e.Version != CodeVersion() {
			continue
		}
		for _, r := range e.Runs {
			k := key{r.Config, r.N, r.Seed}
			if other, dup := seen[k]; dup {
				return nil, fmt.Errorf("lab: cache %s holds two runs of %s at N = %d, seed %d (%s and %s), from sweeps of different setups; pass the CSV of one sweep (tokenscale lab > sweep.csv)",
					dir, r.Config, r.N, r.Seed, filepath.Base(other), filepath.Base(path))
			}
			seen[k] = path
			r.Cached = true
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("lab: cache %s holds no finished run of version %s (run tokenscale lab --quick --cache %s)", dir, CodeVersion(), dir)
	}
	return Summarise(runs)
}
