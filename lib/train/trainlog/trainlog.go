// Package trainlog holds the training log of lib/train: one StepLog per
// optimiser step, written as JSON lines, and its reader. It is apart from
// lib/train (which links GoMLX) so that figures of a run's loss and
// gradient norm (Figure 15 of the paper, App. C) can read logs without
// linking the model code.
package trainlog

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// StepLog is one line of the training log (the data of a Figure-15-style plot).
type StepLog struct {
	Step     int     `json:"step"`
	Loss     float64 `json:"loss"`
	GradNorm float64 `json:"grad_norm"`
	LR       float64 `json:"lr"`
	Tokens   int     `json:"tokens"`
	Seconds  float64 `json:"seconds"`
}

// Read reads a JSONL training log; an error names the file and line.
func Read(path string) ([]StepLog, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var out []StepLog
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if line == "" {
			continue
		}
		var l StepLog
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			return nil, fmt.Errorf("train: %s:%d: %w", path, i+1, err)
		}
		out = append(out, l)
	}
	return out, nil
}
