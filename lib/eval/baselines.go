package eval

import "context"

// Oracle is a reference "model" that answers every item with its ground
// truth: the option letter, "Yes"/"No", the first reference caption, the
// first accepted answer. Scoring its answers must give each benchmark's
// maximum (100, 2800 for MME, the item count for OCRBench, CIDEr well above
// 100), which checks a benchmark file and the scorers end to end. It is not
// a model of anything.
type Oracle struct{}

// Answer returns the item's ground truth.
func (Oracle) Answer(_ context.Context, req Request) (string, error) {
	p := NewPrediction(req.Item, "")
	return p.answers()[0], nil
}

// Constant answers every item with the same text, e.g. "Yes" (the
// always-yes baseline of POPE) or "A".
type Constant string

// Answer returns the constant text.
func (c Constant) Answer(context.Context, Request) (string, error) { return string(c), nil }
