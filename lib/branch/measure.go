package branch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Sequence is one conversation in a model's chat format, tokenised, with
// the position of its answer: the answer tokens are IDs[AnswerStart:AnswerEnd].
type Sequence struct {
	IDs                    []int32
	AnswerStart, AnswerEnd int
}

// SequenceModel is what Measure needs from a language model: its chat
// format and one forward pass that returns the final hidden states.
type SequenceModel interface {
	// Name identifies the model and must change whenever its outputs would
	// (it is part of the cache key).
	Name() string
	// Encode builds the sequence (system prompt, question, answer) in the
	// model's chat format; an empty system prompt is omitted.
	Encode(system, question, answer string) (Sequence, error)
	// HiddenStates runs the model once over ids and returns the final hidden
	// state at every position, [len(ids)][D]: the output of the last decoder
	// layer after the final norm, before the LM head (the mapping f of §3.2).
	HiddenStates(ids []int32) ([][]float32, error)
}

// DefaultMaxAnswer caps the compared answer length, as the authors' code
// evaluates the curves up to n ≈ 800.
const DefaultMaxAnswer = 800

// MeasureOptions controls Measure.
type MeasureOptions struct {
	Pair PairOptions
	// MaxAnswer caps the answer tokens fed to the model (0 means
	// DefaultMaxAnswer). The model is causal, so cutting the sequence after
	// the cap changes no earlier state.
	MaxAnswer int
	// CacheDir, if set, holds one file per computed pair; a later run with
	// the same model, pair and options reads it instead of running the model,
	// so an interrupted run resumes.
	CacheDir string
	// Progress, if set, is called after each pair.
	Progress func(done, total int, cached bool)
	// Dump, if set, also receives the answer states of every pair (pair i
	// of pairs; stfile.StatesWriter writes them as the tensors
	// pair.<i>.chosen and pair.<i>.rejected), so the curves can be
	// recomputed later with stfile.ReadSafetensorsStates. With a Dump every
	// pair runs the model: the cache holds curves, not states. The caller
	// closes the writer.
	Dump StatesDump
	// Interrupt, when set, stops Measure before the next pair once it is
	// closed (e.g. on SIGINT); Measure then returns ErrInterrupted, and the
	// pairs done so far are in CacheDir.
	Interrupt <-chan struct{}
}

// StatesDump receives the answer hidden states of pair k, one row per
// answer step; lib/branch/stfile.StatesWriter is the one that writes them to
// safetensors.
type StatesDump interface {
	WritePairFloat32(k int, chosen, rejected [][]float32) error
}

// ErrInterrupted is returned by Measure when MeasureOptions.Interrupt fired.
var ErrInterrupted = errors.New("branch: measure interrupted")

// MeasureStats counts what Measure did.
type MeasureStats struct {
	Pairs    int // pairs processed
	Computed int // pairs that ran the model
	Cached   int // pairs read from the cache
	Empty    int // pairs with an empty answer on either side (L = 0)
}

// Measure runs the Section-3 measurement: for each pair it encodes the
// chosen and rejected conversations in the model's chat format, runs the
// model once per sequence, takes the final hidden states at the answer
// positions, and adds the pair's curve to the returned Accumulator. Only one
// pair's states are held at a time.
func Measure(m SequenceModel, pairs []Pair, opts MeasureOptions) (*Accumulator, MeasureStats, error) {
	acc := &Accumulator{}
	var st MeasureStats
	maxAns := opts.MaxAnswer
	if maxAns <= 0 {
		maxAns = DefaultMaxAnswer
	}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
			return nil, st, fmt.Errorf("branch: cache: %w", err)
		}
	}
	for i, p := range pairs {
		if opts.Interrupt != nil {
			select {
			case <-opts.Interrupt:
				return nil, st, fmt.Errorf("%w after %d of %d pairs", ErrInterrupted, i, len(pairs))
			default:
			}
		}
		var path string
		cached := false
		var curve PairCurve
		if opts.CacheDir != "" {
			path = filepath.Join(opts.CacheDir, cacheKey(m.Name(), p, maxAns, opts.Pair)+".json")
			// With a Dump the states are needed: run the model, refresh the cache.
			if opts.Dump == nil {
				if c, err := readCurve(path); err == nil {
					curve, cached = c, true
				} else if !errors.Is(err, os.ErrNotExist) {
					return nil, st, err
				}
			}
		}
		if !cached {
			c, err := measurePair(m, p, maxAns, opts.Pair, opts.Dump, i)
			if err != nil {
				return nil, st, fmt.Errorf("branch: pair %d (%s): %w", i, p.Source, err)
			}
			curve = c
			if path != "" {
				if err := writeCurve(path, curve); err != nil {
					return nil, st, err
				}
			}
			st.Computed++
		} else {
			st.Cached++
		}
		if curve.L == 0 {
			st.Empty++
		}
		if err := acc.Add(curve); err != nil {
			return nil, st, fmt.Errorf("branch: pair %d (%s): %w", i, p.Source, err)
		}
		st.Pairs++
		if opts.Progress != nil {
			opts.Progress(i+1, len(pairs), cached)
		}
	}
	return acc, st, nil
}

// answerStates runs the model on one side and returns its answer states.
func answerStates(m SequenceModel, system, question, answer string, maxAns int) ([][]float32, error) {
	seq, err := m.Encode(system, question, answer)
	if err != nil {
		return nil, err
	}
	if seq.AnswerStart < 0 || seq.AnswerEnd < seq.AnswerStart || seq.AnswerEnd > len(seq.IDs) {
		return nil, fmt.Errorf("encode: answer span [%d,%d) outside %d tokens", seq.AnswerStart, seq.AnswerEnd, len(seq.IDs))
	}
	end := min(seq.AnswerEnd, seq.AnswerStart+maxAns)
	if end == seq.AnswerStart {
		return nil, nil
	}
	hs, err := m.HiddenStates(seq.IDs[:end])
	if err != nil {
		return nil, err
	}
	if len(hs) != end {
		return nil, fmt.Errorf("model returned %d states for %d tokens", len(hs), end)
	}
	return hs[seq.AnswerStart:end], nil
}

func measurePair(m SequenceModel, p Pair, maxAns int, po PairOptions, dump StatesDump, k int) (PairCurve, error) {
	x, err := answerStates(m, p.System, p.Question, p.Chosen, maxAns)
	if err != nil {
		return PairCurve{}, fmt.Errorf("chosen: %w", err)
	}
	y, err := answerStates(m, p.System, p.Question, p.Rejected, maxAns)
	if err != nil {
		return PairCurve{}, fmt.Errorf("rejected: %w", err)
	}
	if dump != nil {
		if err := dump.WritePairFloat32(k, x, y); err != nil {
			return PairCurve{}, err
		}
	}
	l := min(len(x), len(y))
	if l == 0 {
		d := 1
		if len(x) > 0 {
			d = len(x[0])
		} else if len(y) > 0 {
			d = len(y[0])
		}
		return PairCurve{D: d, E: []float64{}, G: []float64{}, Proj2: []float64{}, Zero: []bool{}}, nil
	}
	dim := len(x[0])
	s, err := NewPairStream(dim, po)
	if err != nil {
		return PairCurve{}, err
	}
	for t := 0; t < l; t++ {
		if len(x[t]) != dim || len(y[t]) != dim {
			return PairCurve{}, fmt.Errorf("step %d: hidden sizes %d and %d, want %d", t+1, len(x[t]), len(y[t]), dim)
		}
		if err := s.StepFloat32(x[t], y[t]); err != nil {
			return PairCurve{}, err
		}
	}
	return s.Curve(), nil
}

func cacheKey(model string, p Pair, maxAns int, po PairOptions) string {
	h := sha256.New()
	for _, s := range []string{"branch-curve-v1", model, p.System, p.Question, p.Chosen, p.Rejected,
		strconv.Itoa(maxAns), strconv.FormatBool(po.Psi), strconv.FormatFloat(po.zeroTol(), 'g', -1, 64)} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func readCurve(path string) (PairCurve, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return PairCurve{}, err
	}
	var c PairCurve
	if err := json.Unmarshal(b, &c); err != nil {
		return PairCurve{}, fmt.Errorf("branch: cache %s: %w (delete the file to recompute)", path, err)
	}
	if c.E == nil { // an empty pair marshals its slices as []
		c.E, c.G, c.Proj2, c.Zero = []float64{}, []float64{}, []float64{}, []bool{}
	}
	if err := c.Validate(); err != nil {
		return PairCurve{}, fmt.Errorf("branch: cache %s: %w (delete the file to recompute)", path, err)
	}
	return c, nil
}

// writeCurve writes atomically: a crash leaves either no file or a whole one.
func writeCurve(path string, c PairCurve) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("branch: cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".curve-*")
	if err != nil {
		return fmt.Errorf("branch: cache: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("branch: cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("branch: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("branch: cache: %w", err)
	}
	return nil
}
