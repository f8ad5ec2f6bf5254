package branch

import (
	"errors"
	"fmt"
	"io"
)

// RawStatesVisitor receives the hidden states of a states JSON file as they
// are parsed (see ReadRawStates). Side is called when a pair's "chosen" or
// "rejected" array starts, Row for each of its state vectors (the slice is
// reused after Row returns), and EndSide when the array ends.
type RawStatesVisitor interface {
	Side(pair int, key string) error
	Row(values []float64) error
	EndSide() error
}

// ReadRawStates streams a hidden-states JSON file (the layout of
// ReadStates) and hands every state vector to v, in file order, without
// computing anything: memory is bounded by a batch of rows, whatever the
// file size. stfile.ConvertStates uses it to rewrite a JSON file as safetensors.
// Each pair must have both "chosen" and "rejected"; other keys are skipped.
// Errors name the file and the byte offset, as ReadStates does.
func ReadRawStates(r io.Reader, name string, v RawStatesVisitor) error {
	s := &jscan{r: r, buf: make([]byte, 1<<20), name: name}
	p := &statesPair{}
	return s.finish(s.eachPair(func(idx int) error { return p.readRaw(s, idx, v) }))
}

// readRaw reads one pair object, handing its rows to v.
func (p *statesPair) readRaw(s *jscan, idx int, v RawStatesVisitor) error {
	var got [2]bool
	err := s.object(func(k string) error {
		var side int
		switch k {
		case "chosen":
			side = 0
		case "rejected":
			side = 1
		default:
			return s.skip()
		}
		if got[side] {
			return fmt.Errorf("pair %d: duplicate key %q", idx, k)
		}
		got[side] = true
		if err := v.Side(idx, k); err != nil {
			return userErr{err}
		}
		err := p.rows(s, func(jobs []*rowJob) error {
			for _, j := range jobs {
				if err := v.Row(j.dst); err != nil {
					return offsetErr{j.off, err}
				}
			}
			return nil
		})
		if err != nil {
			var ue userErr
			if errors.As(err, &ue) {
				return err
			}
			return fmt.Errorf("pair %d: %s: %w", idx, k, err)
		}
		if err := v.EndSide(); err != nil {
			return userErr{err}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !got[0] || !got[1] {
		return fmt.Errorf(`pair %d: want both "chosen" and "rejected"`, idx)
	}
	return nil
}
