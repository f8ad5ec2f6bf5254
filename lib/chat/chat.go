package chat

import (
	"errors"
	"fmt"
	"strings"
)

// TokenType is a set of token-type bit flags (the authors' EnumTokenType); masks are built with
// bitwise AND.
type TokenType uint16

// Token types.
const (
	PAD  TokenType = 1 << iota // padding
	INST                       // chat-template text: [INST], [/INST], <s>[INST]
	SYS                        // the system block
	IMG                        // image tokens
	QUE                        // question text
	ANS                        // answer text with its trailing " </s>"
	BOS                        // the first <s>
	EOS                        // end of a group (query side)
	QED                        // slots for fused vision-question tokens
	TXT                        // plain text
)

var typeNames = []string{"PAD", "INST", "SYS", "IMG", "QUE", "ANS", "BOS", "EOS", "QED", "TXT"}

// String returns the flag names joined by "|" ("ANS", "QED|EOS").
func (t TokenType) String() string {
	if t == 0 {
		return "0"
	}
	var parts []string
	for i, name := range typeNames {
		if t&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	if rest := t &^ (1<<len(typeNames) - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint16(rest)))
	}
	return strings.Join(parts, "|")
}

// Has reports whether t has any of the flags of mask.
func (t TokenType) Has(mask TokenType) bool { return t&mask != 0 }

// DefaultVisionSystem is the system prompt of the paper's vision model (the
// authors' llama-2-vision template).
const DefaultVisionSystem = "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions."

// Template text of the Llama-2 chat format.
const (
	instOpen  = "[INST]"
	instClose = "[/INST]"
	sysOpen   = "<<SYS>>\n"
	sysClose  = "\n<</SYS>>\n\n"
)

// Tokenizer is what the chat format needs from a tokenizer;
// *sentencepiece.Model satisfies it.
type Tokenizer interface {
	// Encode tokenises text with the dummy-prefix space and no BOS/EOS.
	Encode(text string) []int
	BOS() int
	EOS() int
	// PAD is the padding id, or -1 when there is none.
	PAD() int
	// IDToPiece is the spelling of an id, for rendering.
	IDToPiece(id int) string
}

// Turn is one question and its answer. An empty Assistant in the last turn
// asks for a reply.
type Turn struct {
	User      string
	Assistant string
}

// Conversation is an optional system prompt and one or more turns.
type Conversation struct {
	System string
	Turns  []Turn
}

// Message is one role-tagged message, as in chat JSON records.
type Message struct {
	Role    string `json:"role"` // "system", "user" or "assistant"
	Content string `json:"content"`
}

// FromMessages builds a Conversation from an optional leading system message
// and alternating user/assistant messages (a final user message, or a final
// empty assistant message, asks for a reply).
func FromMessages(msgs []Message) (Conversation, error) {
	var c Conversation
	i := 0
	if len(msgs) > 0 && msgs[0].Role == "system" {
		c.System = msgs[0].Content
		i = 1
	}
	expectUser := true
	for ; i < len(msgs); i++ {
		switch m := msgs[i]; {
		case m.Role == "user" && expectUser:
			c.Turns = append(c.Turns, Turn{User: m.Content})
			expectUser = false
		case m.Role == "assistant" && !expectUser:
			c.Turns[len(c.Turns)-1].Assistant = m.Content
			expectUser = true
		default:
			return Conversation{}, fmt.Errorf("chat: message %d: role %q out of place (want an optional system message, then user and assistant alternating)", i+1, m.Role)
		}
	}
	if len(c.Turns) == 0 {
		return Conversation{}, errors.New("chat: no user message")
	}
	return c, nil
}

// Options choose the variant of the format.
type Options struct {
	// DefaultSystem is the system prompt used when the conversation has
	// none. When both are empty the <<SYS>> block is left out (the
	// choice for the Section-3 measurements, docs/theory.md#defaults).
	DefaultSystem string
	// QEDFirst (N) is the number of fused-token slots before the first
	// question, QEDLater (M) before each later one; 0 leaves none.
	QEDFirst, QEDLater int
}

// VisionOptions are the options of the paper's vision model with N query
// tokens for the first question and M for later ones (the llama-2-vision
// placement, §4.3 and Figure 6): the default system prompt and QED slots.
func VisionOptions(n, m int) Options {
	return Options{DefaultSystem: DefaultVisionSystem, QEDFirst: n, QEDLater: m}
}

// Segment is one separately tokenised part of a sequence.
type Segment struct {
	Type       TokenType
	Turn       int    // 0-based index of the turn it belongs to
	Start, End int    // token positions [Start, End)
	Text       string // the template text it was tokenised from ("" for QED slots)
}

// Sequence is a tokenised conversation.
type Sequence struct {
	IDs      []int
	Types    []TokenType
	Segments []Segment
}

// Len is the number of tokens.
func (s *Sequence) Len() int { return len(s.IDs) }

// Build tokenises a conversation segment by segment.
func Build(tok Tokenizer, conv Conversation, opt Options) (*Sequence, error) {
	if len(conv.Turns) == 0 {
		return nil, errors.New("chat: conversation has no turns")
	}
	if opt.QEDFirst < 0 || opt.QEDLater < 0 {
		return nil, fmt.Errorf("chat: negative QED slot count (N=%d, M=%d)", opt.QEDFirst, opt.QEDLater)
	}
	if tok.BOS() < 0 || tok.EOS() < 0 {
		return nil, errors.New("chat: the tokenizer has no BOS or EOS id")
	}
	fill := tok.PAD()
	if fill < 0 {
		fill = tok.EOS()
	}
	system := conv.System
	if system == "" {
		system = opt.DefaultSystem
	}
	s := &Sequence{}
	add := func(typ TokenType, turn int, text string, ids []int) {
		start := len(s.IDs)
		s.IDs = append(s.IDs, ids...)
		for range ids {
			s.Types = append(s.Types, typ)
		}
		s.Segments = append(s.Segments, Segment{Type: typ, Turn: turn, Start: start, End: len(s.IDs), Text: text})
	}
	slots := func(n int) []int {
		ids := make([]int, n)
		for i := range ids {
			ids[i] = fill
		}
		return ids
	}
	last := len(conv.Turns) - 1
	for k, turn := range conv.Turns {
		user := strings.TrimSpace(turn.User)
		answer := strings.TrimSpace(turn.Assistant)
		if answer == "" && k != last {
			return nil, fmt.Errorf("chat: turn %d has no answer (only the last turn may be left open)", k+1)
		}
		nQED := opt.QEDLater
		if k == 0 {
			add(BOS, k, "<s>", []int{tok.BOS()})
			if system != "" {
				text := instOpen + " " + sysOpen + system + sysClose
				add(SYS, k, text, tok.Encode(text))
			} else {
				add(INST, k, instOpen, tok.Encode(instOpen))
			}
			nQED = opt.QEDFirst
		} else {
			add(INST, k, "<s>"+instOpen, append([]int{tok.BOS()}, tok.Encode(instOpen)...))
		}
		if nQED > 0 {
			add(QED, k, "", slots(nQED))
		}
		add(QUE, k, user, tok.Encode(user))
		add(INST, k, instClose, tok.Encode(instClose))
		if answer != "" {
			add(ANS, k, answer+" </s>", append(tok.Encode(answer+" "), tok.EOS()))
		}
	}
	return s, nil
}

// Positions returns the positions whose type has any flag of mask.
func (s *Sequence) Positions(mask TokenType) []int {
	var out []int
	for i, t := range s.Types {
		if t&mask != 0 {
			out = append(out, i)
		}
	}
	return out
}

// Mask returns, per position, whether its type has any flag of mask.
func (s *Sequence) Mask(mask TokenType) []bool {
	out := make([]bool, len(s.Types))
	for i, t := range s.Types {
		out[i] = t&mask != 0
	}
	return out
}

// AnswerPositions are the positions of all answer tokens (type ANS), the
// positions whose hidden states Section 3 compares.
func (s *Sequence) AnswerPositions() []int { return s.Positions(ANS) }

// AnswerSpans returns [start, end) of each answer segment, in turn order.
func (s *Sequence) AnswerSpans() [][2]int { return s.spans(ANS) }

// QEDPositions are the positions of all fused-token slots, in order; the
// projected fusion outputs are written there in the same order.
func (s *Sequence) QEDPositions() []int { return s.Positions(QED) }

// QEDSpans returns [start, end) of each group of QED slots (one per question
// that has slots).
func (s *Sequence) QEDSpans() [][2]int { return s.spans(QED) }

func (s *Sequence) spans(t TokenType) [][2]int {
	var out [][2]int
	for _, g := range s.Segments {
		if g.Type == t && g.End > g.Start {
			out = append(out, [2]int{g.Start, g.End})
		}
	}
	return out
}

// Batch pads sequences on the right to the longest one with padID (type PAD)
// and returns the ids, the types and the attention mask (true for real
// tokens).
func Batch(seqs []*Sequence, padID int) (ids [][]int, types [][]TokenType, mask [][]bool) {
	longest := 0
	for _, s := range seqs {
		longest = max(longest, s.Len())
	}
	for _, s := range seqs {
		row := make([]int, longest)
		tr := make([]TokenType, longest)
		mr := make([]bool, longest)
		copy(row, s.IDs)
		copy(tr, s.Types)
		for i := range longest {
			if i >= s.Len() {
				row[i] = padID
				tr[i] = PAD
			} else {
				mr[i] = true
			}
		}
		ids, types, mask = append(ids, row), append(types, tr), append(mask, mr)
	}
	return ids, types, mask
}
