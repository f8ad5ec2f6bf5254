package branch

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Pair is one preference pair: the same system prompt and question, and two
// answers. The paper's positive sequence is (System, Question, Chosen), the
// negative one (System, Question, Rejected).
type Pair struct {
	System   string `json:"system"`
	Question string `json:"question"`
	Chosen   string `json:"chosen"`
	Rejected string `json:"rejected"`
	// Source is "file:line" of the pair, for messages.
	Source string `json:"-"`
}

// maxLine bounds one JSONL line (a pair with two long answers).
const maxLine = 64 << 20

// LoadPairs reads preference pairs from a JSONL file in either layout of
// Intel/orca_dpo_pairs:
//
//   - flat: {"system": …, "question": …, "chosen": …, "rejected": …};
//   - chat messages: {"input": {"messages": [{"role": "system", …},
//     {"role": "user", …}]}, "preferred_output": [{"role": "assistant", …}],
//     "non_preferred_output": [{"role": "assistant", …}]}.
//
// Blank lines are skipped; a malformed line, or a pair whose question and
// answers are all empty, gives an error naming the file and line. max > 0
// stops after max pairs.
func LoadPairs(path string, max int) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("branch: load pairs: %w", err)
	}
	defer f.Close()
	return ReadPairs(f, path, max)
}

// ReadPairs is LoadPairs over a reader; name is used in error messages.
func ReadPairs(r io.Reader, name string, max int) ([]Pair, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var pairs []Pair
	for line := 1; ; line++ {
		b, err := readLine(br)
		if len(bytes.TrimSpace(b)) > 0 {
			p, perr := parsePair(b)
			if perr == nil && p.Question == "" && p.Chosen == "" && p.Rejected == "" {
				perr = errors.New("question, chosen and rejected are all empty: nothing to measure")
			}
			if perr != nil {
				return nil, fmt.Errorf("branch: %s:%d: %w", name, line, perr)
			}
			p.Source = fmt.Sprintf("%s:%d", name, line)
			pairs = append(pairs, p)
			if max > 0 && len(pairs) >= max {
				return pairs, nil
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("branch: %s:%d: %w", name, line, err)
		}
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("branch: %s: no pairs", name)
	}
	return pairs, nil
}

func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		part, err := br.ReadSlice('\n')
		buf = append(buf, part...)
		if len(buf) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return buf, err
	}
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type rawPair struct {
	System   *string `json:"system"`
	Question *string `json:"question"`
	Chosen   *string `json:"chosen"`
	Rejected *string `json:"rejected"`
	Input    *struct {
		Messages []message `json:"messages"`
	} `json:"input"`
	Preferred    []message `json:"preferred_output"`
	NonPreferred []message `json:"non_preferred_output"`
}

func parsePair(b []byte) (Pair, error) {
	var rp rawPair
	if err := json.Unmarshal(b, &rp); err != nil {
		return Pair{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if rp.Input != nil || rp.Preferred != nil || rp.NonPreferred != nil {
		return messagesPair(rp)
	}
	var p Pair
	for _, f := range []struct {
		name string
		v    *string
		dst  *string
		need bool
	}{
		{"question", rp.Question, &p.Question, true},
		{"chosen", rp.Chosen, &p.Chosen, true},
		{"rejected", rp.Rejected, &p.Rejected, true},
		{"system", rp.System, &p.System, false},
	} {
		if f.v == nil {
			if f.need {
				return Pair{}, fmt.Errorf("missing field %q (want the fields system, question, chosen, rejected, or input.messages, preferred_output, non_preferred_output)", f.name)
			}
			continue
		}
		*f.dst = *f.v
	}
	return p, nil
}

func messagesPair(rp rawPair) (Pair, error) {
	var p Pair
	if rp.Input == nil {
		return Pair{}, errors.New(`missing field "input"`)
	}
	users := 0
	for i, m := range rp.Input.Messages {
		switch m.Role {
		case "system":
			if p.System != "" {
				p.System += "\n"
			}
			p.System += m.Content
		case "user":
			users++
			p.Question = m.Content
		default:
			return Pair{}, fmt.Errorf("input.messages[%d]: role %q (want system or user: one turn only)", i, m.Role)
		}
	}
	if users != 1 {
		return Pair{}, fmt.Errorf("input.messages: %d user messages, want exactly 1", users)
	}
	var err error
	if p.Chosen, err = answer(rp.Preferred, "preferred_output"); err != nil {
		return Pair{}, err
	}
	if p.Rejected, err = answer(rp.NonPreferred, "non_preferred_output"); err != nil {
		return Pair{}, err
	}
	return p, nil
}

func answer(ms []message, field string) (string, error) {
	if len(ms) != 1 {
		return "", fmt.Errorf("%s: %d messages, want exactly 1 assistant message", field, len(ms))
	}
	if ms[0].Role != "assistant" {
		return "", fmt.Errorf("%s[0]: role %q, want assistant", field, ms[0].Role)
	}
	return ms[0].Content, nil
}

//go:embed default_pairs.jsonl
var defaultPairs []byte

// DefaultPairs returns the small pair set shipped with the package (written
// for tokenscale in the flat orca_dpo_pairs layout), so the pipeline and the
// notebooks run without the shared data sample.
func DefaultPairs() []Pair {
	ps, err := ReadPairs(bytes.NewReader(defaultPairs), "default_pairs.jsonl", 0)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return ps
}

// PairSet is a set of pairs and where they came from.
type PairSet struct {
	Pairs  []Pair
	Source string // e.g. "orca_dpo_pairs_sample.jsonl (284 pairs)"
}

// PairsOrDefault loads the pairs of path when the file exists (max > 0
// keeps the first max), and otherwise returns DefaultPairs, so a notebook
// or a command runs with or without the shared data sample.
func PairsOrDefault(path string, max int) (PairSet, error) {
	if _, err := os.Stat(path); err != nil {
		ps := DefaultPairs()
		return PairSet{Pairs: ps, Source: fmt.Sprintf("the %d pairs shipped with tokenscale (%s not found)", len(ps), path)}, nil
	}
	ps, err := LoadPairs(path, max)
	if err != nil {
		return PairSet{}, err
	}
	return PairSet{Pairs: ps, Source: fmt.Sprintf("%s (%d pairs)", path, len(ps))}, nil
}
