// Package check validates sizes and numbers that come from users — command
// line flags, config.json fields, data files — before anything is allocated
// or written. Each check returns a *RangeError naming the flag or field, the
// value and the allowed range, e.g. "--cell 100000 is out of range [16,
// 1024]"; floats that are NaN or infinite are always refused.
//
// The package also documents the project-wide limits (the constants below):
// each is derived from what a model or the machine allows, and the
// commands and loaders of tokenscale check their inputs against them. It
// implements no part of the paper; it keeps the paper's procedures from
// being run on sizes that would exhaust memory or silently mean something
// else.
package check

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Project-wide limits of user-given sizes.
const (
	// MaxLayers bounds num_hidden_layers (and the vision tower's layer
	// count) in a config.json: the largest public Llama and CLIP models have
	// well under 200 layers; the real bound is the checkpoint's tensors.
	MaxLayers = 1024
	// MaxWidth bounds hidden, intermediate and head sizes of a config.json
	// (Llama-2-70B's intermediate size is 28672).
	MaxWidth = 1 << 17
	// MaxHeads bounds attention head counts.
	MaxHeads = 1024
	// MaxVocab bounds vocabulary sizes (Llama-2: 32000; CLIP: 49408).
	MaxVocab = 1 << 21
	// MaxPositions bounds max_position_embeddings and any sequence length
	// asked for on the command line.
	MaxPositions = 1 << 20
	// MaxTokens is the paper's largest vision-token count N (Table 1,
	// Appendix D: N ≤ 768) with headroom for sweeps beyond it.
	MaxTokens = 4096
	// MaxWorkers bounds worker-goroutine counts: more than a few times the
	// cores only costs memory.
	MaxWorkers = 1024
	// MaxBootstrap bounds bootstrap resamples (10⁴ gives percentile
	// intervals to about 0.1 %).
	MaxBootstrap = 1_000_000
	// MaxImageSide bounds image sides in pixels (decoded images, views).
	MaxImageSide = 1 << 14
	// MaxLineBytes bounds one line of a text input (a JSONL record, a
	// TSV row, a line given to a tokenizer).
	MaxLineBytes = 64 << 20
)

// RangeError is a value outside its allowed range.
type RangeError struct {
	// Name is the flag ("--cell") or field ("num_hidden_layers") checked.
	Name string
	// Value is the value as the user gave it.
	Value string
	// Lo and Hi are the bounds, as text ("" for none).
	Lo, Hi string
	// Why, when set, says where the bounds come from.
	Why string
}

func (e *RangeError) Error() string {
	var s string
	switch {
	case e.Lo != "" && e.Hi != "":
		s = fmt.Sprintf("%s %s is out of range [%s, %s]", e.Name, e.Value, e.Lo, e.Hi)
	case e.Lo != "":
		s = fmt.Sprintf("%s %s is out of range: it must be ≥ %s", e.Name, e.Value, e.Lo)
	case e.Hi != "":
		s = fmt.Sprintf("%s %s is out of range: it must be ≤ %s", e.Name, e.Value, e.Hi)
	default:
		s = fmt.Sprintf("%s %s is not allowed", e.Name, e.Value)
	}
	if e.Why != "" {
		s += " (" + e.Why + ")"
	}
	return s
}

// Int checks lo ≤ v ≤ hi.
func Int(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return &RangeError{Name: name, Value: strconv.Itoa(v), Lo: strconv.Itoa(lo), Hi: strconv.Itoa(hi)}
	}
	return nil
}

// IntWhy is Int with the reason for the bounds, added to the message.
func IntWhy(name string, v, lo, hi int, why string) error {
	if err := Int(name, v, lo, hi); err != nil {
		err.(*RangeError).Why = why
		return err
	}
	return nil
}

// Ints checks every value of a list flag (e.g. --n 1,2,4) with Int.
func Ints(name string, vs []int, lo, hi int) error {
	for _, v := range vs {
		if err := Int(name, v, lo, hi); err != nil {
			return err
		}
	}
	return nil
}

// Float checks that v is finite and lo ≤ v ≤ hi.
func Float(name string, v, lo, hi float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		return &RangeError{Name: name, Value: fmtFloat(v), Lo: fmtFloat(lo), Hi: fmtFloat(hi)}
	}
	return nil
}

// Positive checks that v is finite and > 0.
func Positive(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return &RangeError{Name: name, Value: fmtFloat(v), Why: "it must be a finite number > 0"}
	}
	return nil
}

// Finite checks that v is neither NaN nor infinite.
func Finite(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &RangeError{Name: name, Value: fmtFloat(v), Why: "it must be a finite number"}
	}
	return nil
}

// First returns the first non-nil error of errs: a command checks all its
// flags in one statement.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// InputError marks an error in the content of a file the user gave — a
// config.json field out of range or inconsistent with its checkpoint, a
// file of the wrong kind — as opposed to a file that cannot be read or a
// failure of the machine. Commands report it like a bad flag (exit status
// 2). Its message is that of Err.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }

func (e *InputError) Unwrap() error { return e.Err }

// Input marks err as an *InputError; nil stays nil.
func Input(err error) error {
	if err == nil {
		return nil
	}
	return &InputError{Err: err}
}

// IsInput reports whether err is, or wraps, bad input from the user: an
// *InputError or a *RangeError.
func IsInput(err error) bool {
	var ie *InputError
	var re *RangeError
	return errors.As(err, &ie) || errors.As(err, &re)
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
