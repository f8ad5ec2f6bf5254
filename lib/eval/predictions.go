package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Prediction is one line of a predictions file (JSONL): the model's answer
// to one benchmark item together with what scoring needs.
//
// Only index, prediction and answer are required, and "answer" may be left
// out when "references" is given (captions). Captions need "references"
// (or an answer holding a Python list of references);
// multiple-choice extraction by option text needs "options"; POPE, OCRBench
// and the per-category splits need "category", the per-split scores
// "split" (e.g. ChartQA's human/augmented); MME needs "image_key" (its
// two questions per image are paired by it); HallusionBench needs
// "l2-category" and takes set/figure/question ids from "set_id",
// "figure_id", "question_id" or else from fields 4–6 of an index like
// VLMEvalKit's ("…_…_…_set_figure_question").
type Prediction struct {
	Index      string            `json:"index"`
	Prediction string            `json:"prediction"`
	Answer     string            `json:"answer"`
	References []string          `json:"references,omitempty"`
	Options    map[string]string `json:"options,omitempty"`
	Category   string            `json:"category,omitempty"`
	L2Category string            `json:"l2-category,omitempty"`
	Split      string            `json:"split,omitempty"`
	ImageKey   string            `json:"image_key,omitempty"`
	SetID      string            `json:"set_id,omitempty"`
	FigureID   string            `json:"figure_id,omitempty"`
	QuestionID string            `json:"question_id,omitempty"`
}

// UnmarshalJSON accepts the index as a JSON string or number.
func (p *Prediction) UnmarshalJSON(b []byte) error {
	type plain Prediction
	var aux struct {
		plain
		Index json.RawMessage `json:"index"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*p = Prediction(aux.plain)
	var s string
	switch {
	case len(aux.Index) == 0 || string(aux.Index) == "null":
		return errors.New(`missing "index"`)
	case json.Unmarshal(aux.Index, &s) == nil:
		p.Index = s
	default:
		var n json.Number
		if err := json.Unmarshal(aux.Index, &n); err != nil {
			return fmt.Errorf(`"index" must be a string or a number, got %s`, aux.Index)
		}
		p.Index = n.String()
	}
	return nil
}

// NewPrediction builds the record of item it answered with prediction.
func NewPrediction(it *Item, prediction string) Prediction {
	p := Prediction{
		Index: it.Index, Prediction: prediction, Answer: it.Answer,
		Category: it.Category, L2Category: it.L2Category, Split: it.Fields["split"], ImageKey: it.ImageKey,
		SetID: it.Fields["set_id"], FigureID: it.Fields["figure_id"], QuestionID: it.Fields["question_id"],
	}
	if len(it.Options) > 0 {
		p.Options = map[string]string{}
		for _, o := range it.Options {
			p.Options[o.Letter] = o.Text
		}
	}
	if refs, ok, err := ParseStringList(it.Answer); ok && err == nil {
		p.References = refs
	}
	return p
}

// ReadPredictions reads a predictions file. Every line must be a JSON object
// with "index", "prediction" and "answer"; blank lines are skipped; an index
// may appear only once. Errors name the file and line.
func ReadPredictions(path string) ([]Prediction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: read predictions: %w", err)
	}
	defer f.Close()
	preds, _, err := decodePredictions(f, filepath.Base(path), false)
	return preds, err
}

// decodePredictions parses JSONL. With tolerateTail, a last line without a
// final newline that does not parse (a write cut short by an interruption)
// is dropped and its byte offset returned so the caller can truncate it.
func decodePredictions(r io.Reader, name string, tolerateTail bool) ([]Prediction, int64, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var preds []Prediction
	seen := map[string]int{}
	var off int64
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && err == io.EOF {
			return preds, off, nil
		}
		if err != nil && err != io.EOF {
			return nil, 0, fmt.Errorf("eval: %s: line %d: %w", name, line, err)
		}
		complete := err == nil
		start := off
		off += int64(len(raw))
		text := bytes.TrimSpace(raw)
		if len(text) == 0 {
			continue
		}
		var p Prediction
		var keys map[string]json.RawMessage
		perr := json.Unmarshal(text, &keys)
		for _, k := range []string{"prediction", "answer"} {
			if _, ok := keys[k]; perr == nil && !ok {
				if _, refs := keys["references"]; k == "answer" && refs {
					continue // a caption line: the references are the answer
				}
				perr = fmt.Errorf("missing %q", k)
			}
		}
		if perr == nil {
			perr = json.Unmarshal(text, &p)
		}
		if perr != nil {
			if tolerateTail && !complete {
				return preds, start, nil
			}
			return nil, 0, fmt.Errorf("eval: %s: line %d: %v", name, line, perr)
		}
		if first, dup := seen[p.Index]; dup {
			return nil, 0, fmt.Errorf("eval: %s: line %d: index %q already on line %d", name, line, p.Index, first)
		}
		seen[p.Index] = line
		preds = append(preds, p)
	}
}

// WritePredictions writes preds as JSONL.
func WritePredictions(w io.Writer, preds []Prediction) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, p := range preds {
		if err := enc.Encode(p); err != nil {
			return err
		}
	}
	return nil
}

// answers returns the accepted answers of p: its references if any, else the
// elements of an answer holding a Python list literal, else the answer.
func (p Prediction) answers() []string {
	if len(p.References) > 0 {
		return p.References
	}
	if list, ok, err := ParseStringList(p.Answer); ok && err == nil && len(list) > 0 {
		return list
	}
	return []string{p.Answer}
}

// hallusionIDs returns the set, figure and question ids of a HallusionBench
// prediction.
func (p Prediction) hallusionIDs() (set, fig, q string, err error) {
	if p.SetID != "" && p.FigureID != "" && p.QuestionID != "" {
		return p.SetID, p.FigureID, p.QuestionID, nil
	}
	parts := strings.Split(p.Index, "_")
	if len(parts) < 6 {
		return "", "", "", fmt.Errorf("index %q: want set_id/figure_id/question_id fields or an index with at least 6 '_'-separated parts", p.Index)
	}
	return parts[3], parts[4], parts[5], nil
}

// itoa is strconv.Itoa, short.
func itoa(i int) string { return strconv.Itoa(i) }
