package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ErrInterrupted is returned by Run when Trainer.Interrupt fired: the step
// in progress was finished and, when Run has a checkpoint folder, saved.
var ErrInterrupted = errors.New("train: interrupted")

// interrupted reports whether t.Interrupt has fired (never when it is nil).
func (t *Trainer) interrupted() bool {
	if t.Interrupt == nil {
		return false
	}
	select {
	case <-t.Interrupt:
		return true
	default:
		return false
	}
}

// trimLog rewrites the JSONL log at path (atomically) without the entries
// of steps after step: a run resumed from the checkpoint of step logs
// those steps again, and a log must hold each step once. A missing log is
// fine; a line that is not a step entry is an error naming the line.
func trimLog(path string, step int) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("train: log: %w", err)
	}
	var keep bytes.Buffer
	dropped := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l StepLog
		if err := json.Unmarshal(line, &l); err != nil {
			return fmt.Errorf("train: log %s:%d: not a step entry: %w", path, n, err)
		}
		if l.Step > step {
			dropped = true
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("train: log %s: %w", path, err)
	}
	if !dropped {
		return nil
	}
	return writeAtomic(path, keep.Bytes())
}
