package branch

import (
	"encoding/json"
	"fmt"
	"io"
)

// Curve is one model's estimate with the label figures and tables show for
// it: the data of Figures 3, 4, 10 and 14.
type Curve struct {
	Model  string
	Result Result
}

// NamedModel is a model to measure and its label.
type NamedModel struct {
	Label string
	Model SequenceModel
}

// ToyMinPairs is the MinPairs the toy models' estimates use on the default
// pair set (12 pairs).
const ToyMinPairs = 3

// ToyModels returns three variants of the built-in toy model (not an LLM),
// with a short, medium and long memory (ρ = 0.3, 0.6, 0.8), labelled
// "toy ρ=…".
func ToyModels() []NamedModel {
	var ms []NamedModel
	for _, rho := range []float64{0.3, 0.6, 0.8} {
		m := NewToyModel()
		m.Rho = rho
		ms = append(ms, NamedModel{Label: fmt.Sprintf("toy ρ=%g", rho), Model: m})
	}
	return ms
}

// MeasureModels runs Measure for each model over pairs and returns one
// Curve per model, computed with opts.
func MeasureModels(models []NamedModel, pairs []Pair, mo MeasureOptions, opts Options) ([]Curve, error) {
	var out []Curve
	for _, m := range models {
		acc, _, err := Measure(m.Model, pairs, mo)
		if err != nil {
			return nil, fmt.Errorf("branch: measure %s: %w", m.Label, err)
		}
		res := acc.Result(opts)
		if res.Pairs == 0 {
			return nil, fmt.Errorf("branch: measure %s: no pair with non-empty answers", m.Label)
		}
		out = append(out, Curve{Model: m.Label, Result: res})
	}
	return out, nil
}

// ToyCurves measures ToyModels on DefaultPairs with the ψ formulation:
// a real measurement that needs no checkpoint and takes well under a
// second. Its labels say that the models are toys.
func ToyCurves() ([]Curve, error) {
	return MeasureModels(ToyModels(), DefaultPairs(), MeasureOptions{Pair: PairOptions{Psi: true}}, Options{MinPairs: ToyMinPairs})
}

// WriteCurves writes curves as JSON (an array of {"Model", "Result"}), the
// file `tokenscale figures --branch` reads.
func WriteCurves(w io.Writer, cs []Curve) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(cs); err != nil {
		return fmt.Errorf("branch: write curves: %w", err)
	}
	return nil
}

// ReadCurves reads curves written by WriteCurves; name (the file) is named
// in errors.
func ReadCurves(r io.Reader, name string) ([]Curve, error) {
	var cs []Curve
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cs); err != nil {
		return nil, fmt.Errorf("branch: %s: %w (want the JSON array that WriteCurves writes)", name, err)
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("branch: %s: no curves", name)
	}
	for i, c := range cs {
		if c.Model == "" || len(c.Result.Rows) == 0 {
			return nil, fmt.Errorf("branch: %s: curve %d: Model and Result.Rows must be set", name, i)
		}
	}
	return cs, nil
}
