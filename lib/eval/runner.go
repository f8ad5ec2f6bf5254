package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tokenscale/tokenscale/lib/outfile"
)

// Request is what the runner asks a model for one benchmark item.
type Request struct {
	Bench Benchmark
	Item  *Item
	// Prompt is VLMEvalKit's default prompt text for the item ([Prompt]); the
	// item's images come before it.
	Prompt string
	// MaxNewTokens is the greedy-decoding budget of docs/evaluation.md
	// (Benchmark.MaxNewTokens).
	MaxNewTokens int
}

// Answerer is a model under evaluation: it answers one request with
// greedy decoding. The runner calls it sequentially.
type Answerer interface {
	Answer(ctx context.Context, req Request) (string, error)
}

// AnswerFunc adapts a function to [Answerer].
type AnswerFunc func(ctx context.Context, req Request) (string, error)

// Answer calls f.
func (f AnswerFunc) Answer(ctx context.Context, req Request) (string, error) { return f(ctx, req) }

// RunOptions controls [Run].
type RunOptions struct {
	// Predictions is the JSONL file the answers go to. If it exists, its
	// items are not asked again (resume); a last line cut short by an
	// interruption is dropped and asked again.
	Predictions string
	// Limit, when > 0, evaluates only the first Limit items of the file.
	Limit int
	// Progress, if set, is called after each item with the number of items
	// done (including resumed ones) and the number generated in this run.
	Progress func(done, generated int)
	// Report, if set, is called after each item with the run's progress,
	// from which a progress bar with items per second and the running
	// score can be drawn.
	Report func(RunProgress)
	// Run describes what produced the answers (model, N, configuration, …).
	// It is saved beside the predictions as <Predictions>.run.json (the
	// sidecar, see [SidecarPath]) with the scoring rules' version under
	// "vlmevalkit"; a resumed run must find the sidecar and describe itself
	// the same way, so answers of two different models never end up in one
	// file. The rules may change between runs (the sidecar then records the
	// newer ones).
	Run map[string]string
	// Rules are the VLMEvalKit scoring rules (zero value: [DefaultRules]).
	Rules Rules
}

// SidecarPath is the file beside a predictions file that describes the run
// that produced it and the rules that scored it.
func SidecarPath(predictions string) string { return predictions + ".run.json" }

// sidecarRulesKey is the sidecar key of the scoring rules' version.
const sidecarRulesKey = "vlmevalkit"

// RunProgress is the state of a [Run] after an item.
type RunProgress struct {
	Bench Benchmark
	// Done counts items answered or resumed, Generated those answered in
	// this run, Total the items the run will cover.
	Done, Generated, Total int
	// Elapsed is the time since the run started.
	Elapsed time.Duration
	preds   []Prediction
	rules   Rules
}

// Rate is the number of items generated per second in this run.
func (p RunProgress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Generated) / p.Elapsed.Seconds()
}

// Score scores the items done so far (the running score; it costs a full
// scoring, so call it only as often as it is shown). It returns the value
// of the benchmark's primary metric and its name.
func (p RunProgress) Score() (value float64, metric string, err error) {
	m, err := p.rules.Score(p.Bench, p.preds)
	if err != nil {
		return 0, "", err
	}
	return m[p.Bench.Primary], p.Bench.Primary, nil
}

// RunResult is the outcome of [Run].
type RunResult struct {
	Metrics Metrics
	// Items is the number of items scored, Generated the number answered in
	// this run, Resumed the number taken from an earlier run.
	Items, Generated, Resumed int
	// Rules is the version of the rules that scored the predictions.
	Rules string
}

// Run evaluates model a on the benchmark file path of benchmark b: it streams
// the items, asks a for each one not already in opts.Predictions, appends
// each answer to that file as soon as it is known (so an interrupted run
// loses at most the item in flight), and scores all the items in the file
// order with [Score].
func Run(ctx context.Context, b Benchmark, path string, a Answerer, opts RunOptions) (*RunResult, error) {
	if opts.Predictions == "" {
		return nil, errors.New("eval: run: no predictions file given")
	}
	rules := opts.Rules.valid()
	r, err := Open(path, b)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	done, err := loadForResume(opts.Predictions)
	if err != nil {
		return nil, err
	}
	if err := checkRunInfo(opts.Predictions, opts.Run, rules, len(done) > 0); err != nil {
		return nil, err
	}
	if dir := filepath.Dir(opts.Predictions); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("eval: run: %w", err)
		}
	}
	out, err := os.OpenFile(opts.Predictions, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("eval: run: %w", err)
	}
	defer out.Close()

	res := &RunResult{}
	var preds []Prediction
	inFile := map[string]bool{}
	start := time.Now()
	total := r.Total()
	if opts.Limit > 0 {
		total = min(total, opts.Limit)
	}
	report := func() {
		if opts.Progress != nil {
			opts.Progress(res.Items, res.Generated)
		}
		if opts.Report != nil {
			opts.Report(RunProgress{Bench: b, Done: res.Items, Generated: res.Generated, Total: total,
				Elapsed: time.Since(start), preds: preds, rules: rules})
		}
	}
	for opts.Limit <= 0 || res.Items < opts.Limit {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		inFile[it.Index] = true
		if p, ok := done[it.Index]; ok {
			// Score against the benchmark's own fields, keep the old answer.
			np := NewPrediction(it, p.Prediction)
			preds = append(preds, np)
			res.Items++
			res.Resumed++
			report()
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		req := Request{Bench: b, Item: it, Prompt: Prompt(b, it), MaxNewTokens: b.MaxNewTokens}
		ans, err := a.Answer(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("eval: %s row %d (index %s): %w", filepath.Base(path), it.Row, it.Index, err)
		}
		p := NewPrediction(it, ans)
		line, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		if _, err := out.Write(append(line, '\n')); err != nil {
			return nil, fmt.Errorf("eval: write %s: %w", opts.Predictions, err)
		}
		preds = append(preds, p)
		res.Items++
		res.Generated++
		report()
	}
	if err := out.Sync(); err != nil {
		return nil, fmt.Errorf("eval: write %s: %w", opts.Predictions, err)
	}
	for idx := range done {
		if !inFile[idx] && opts.Limit <= 0 {
			return nil, fmt.Errorf("eval: %s has index %q, which is not in %s: is it the predictions file of another benchmark?", opts.Predictions, idx, filepath.Base(path))
		}
	}
	if res.Items == 0 {
		return nil, fmt.Errorf("eval: %s has no items", filepath.Base(path))
	}
	res.Metrics, err = rules.Score(b, preds)
	if err != nil {
		return nil, err
	}
	res.Rules = rules.Version
	return res, nil
}

// loadForResume reads an existing predictions file (absent: nothing done),
// truncating a last line cut short by an interruption.
func loadForResume(path string) (map[string]Prediction, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Prediction{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eval: resume: %w", err)
	}
	if !st.Mode().IsRegular() {
		// A device (/dev/full, /dev/zero), pipe or directory would be read
		// forever or not at all.
		return nil, fmt.Errorf("eval: predictions file %s is not a regular file", path)
	}
	data, err := readAtMost(path, st.Size())
	if err != nil {
		return nil, fmt.Errorf("eval: resume: %w", err)
	}
	preds, good, err := decodePredictions(bytes.NewReader(data), filepath.Base(path), true)
	if err != nil {
		return nil, fmt.Errorf("%w (remove the file to start over)", err)
	}
	if good < int64(len(data)) {
		if err := os.Truncate(path, good); err != nil {
			return nil, fmt.Errorf("eval: resume: drop the cut-short last line of %s: %w", path, err)
		}
	} else if len(data) > 0 && data[len(data)-1] != '\n' {
		// A complete last object without its newline: add it before appending.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			_, err = f.Write([]byte{'\n'})
			f.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("eval: resume: %w", err)
		}
	}
	done := make(map[string]Prediction, len(preds))
	for _, p := range preds {
		done[p.Index] = p
	}
	return done, nil
}

// readAtMost reads a regular file of the given size, refusing one that grew
// past it (so a file that never ends cannot exhaust memory).
func readAtMost(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > size {
		return nil, fmt.Errorf("%s grew while being read", path)
	}
	return data, nil
}

// checkRunInfo compares the run description with the sidecar saved beside
// the predictions (required when earlier answers exist), then saves it with
// the rules' version.
func checkRunInfo(preds string, info map[string]string, rules Rules, resuming bool) error {
	path := SidecarPath(preds)
	if resuming {
		st, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("eval: %s holds answers but its run description %s is missing (%v), so it cannot be told which model wrote them: remove the predictions file to start over", preds, path, errors.Unwrap(err))
		}
		if !st.Mode().IsRegular() || st.Size() > 1<<20 {
			return fmt.Errorf("eval: %s is not a run description (a regular file under 1 MiB)", path)
		}
		data, err := readAtMost(path, st.Size())
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		var old map[string]string
		if err := json.Unmarshal(data, &old); err != nil {
			return fmt.Errorf("eval: %s: %w", path, err)
		}
		for _, k := range sortedKeys(mergeKeys(old, info)) {
			if k != sidecarRulesKey && old[k] != info[k] {
				return fmt.Errorf("eval: %s holds answers of another run (%s %q, this run %q): give another predictions file or remove it", preds, k, old[k], info[k])
			}
		}
	}
	rec := map[string]string{sidecarRulesKey: rules.Version}
	for k, v := range info {
		if k != sidecarRulesKey {
			rec[k] = v
		}
	}
	data, _ := json.MarshalIndent(rec, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if err := outfile.WriteFile(path, append(data, '\n')); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

func mergeKeys(a, b map[string]string) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}
