package vlm

// The chat-record JSONL files the model trains on (Appendix C's data):
// Record and Message, ReadRecords (errors name file and line), Subset (the
// stage-3 share) and EncodeFile (records to Examples).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Message is one chat turn.
type Message struct {
	Role    string `json:"role"` // "user" or "assistant" ("system" is accepted and ignored by the toy format)
	Content string `json:"content"`
}

// Record is one line of a chat-record JSONL file:
// {"image": path, "messages": [{"role", "content"}, …]}.
type Record struct {
	Image    string    `json:"image"`
	Messages []Message `json:"messages"`
}

// QA returns the record's question–answer pairs (user then assistant turns).
func (r Record) QA() (questions, answers []string, err error) {
	var turns []Message
	for _, m := range r.Messages {
		if m.Role != "system" {
			turns = append(turns, m)
		}
	}
	if len(turns) == 0 || len(turns)%2 != 0 {
		return nil, nil, fmt.Errorf("want alternating user/assistant turns, got %d turns", len(turns))
	}
	for i := 0; i < len(turns); i += 2 {
		if turns[i].Role != "user" || turns[i+1].Role != "assistant" {
			return nil, nil, fmt.Errorf("turn %d: want user then assistant, got %s then %s", i, turns[i].Role, turns[i+1].Role)
		}
		questions = append(questions, turns[i].Content)
		answers = append(answers, turns[i+1].Content)
	}
	return questions, answers, nil
}

// ReadRecords reads a chat-record JSONL file; relative image paths resolve
// against the file's folder. Errors name the file and line.
func ReadRecords(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vlm: %w", err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		var r Record
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			return nil, fmt.Errorf("vlm: %s:%d: %w", path, line, err)
		}
		if r.Image == "" {
			return nil, fmt.Errorf("vlm: %s:%d: missing \"image\"", path, line)
		}
		if _, _, err := r.QA(); err != nil {
			return nil, fmt.Errorf("vlm: %s:%d: %w", path, line, err)
		}
		if !filepath.IsAbs(r.Image) {
			r.Image = filepath.Join(filepath.Dir(path), r.Image)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("vlm: %s:%d: %w", path, line, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("vlm: %s: no records", path)
	}
	return out, nil
}

// EncodeFile reads a chat-record JSONL file and tokenises every record with
// the model's tokenizer.
func EncodeFile(c Config, path string) ([]Example, error) {
	recs, err := ReadRecords(path)
	if err != nil {
		return nil, err
	}
	out := make([]Example, 0, len(recs))
	for _, r := range recs {
		e, err := c.Encode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Subset returns a deterministic random share of the records (at least one),
// in their original order: the paper's stage 3 fine-tunes on a random 10%.
func Subset(recs []Record, fraction float64, seed uint64) []Record {
	if fraction >= 1 || len(recs) == 0 {
		return recs
	}
	k := max(1, int(math.Round(fraction*float64(len(recs)))))
	perm := rand.New(rand.NewPCG(seed, 0x5b5e7)).Perm(len(recs))[:k]
	slices.Sort(perm)
	out := make([]Record, k)
	for i, j := range perm {
		out[i] = recs[j]
	}
	return out
}
