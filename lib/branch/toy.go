package branch

import (
	"fmt"
	"hash/fnv"
	"math"
	"unicode"
)

// ToyModel is a small deterministic sequence model in pure Go, so the
// pipeline, the CLI and the notebooks run without any checkpoint. It is not
// a language model and makes no claim about LLMs; it only has the two
// ingredients that shape ĝ(n) in the paper's account: a short memory of the
// last tokens (whose differences decorrelate within a few steps) and a
// summary of the whole answer so far (whose differences keep a direction),
// read out after a shared context.
//
// Tokens are words and punctuation marks, hashed into Vocab ids. Each token
// has a fixed pseudo-random embedding e ∈ R^Hidden (from its id). At
// position t the state is
//
//	s_t = c + Fast·f_t + Slow·m_t,  f_t = ρ f_{t−1} + (1−ρ) e_t,  m_t = mean of e over the answer so far,
//
// with c the mean embedding of the prompt (system + question), and the
// output is RMSNorm(s_t). Identical tokens give identical states, so answers
// that share their first words give exactly zero differences, as with an LLM.
type ToyModel struct {
	Hidden int     // D
	Vocab  int     // hashed vocabulary size
	Rho    float64 // decay of the short memory
	Fast   float64 // weight of the short memory
	Slow   float64 // weight of the answer summary
	Seed   uint64

	emb [][]float64
}

// Special token ids of the toy chat format.
const (
	toyBOS = iota
	toySys
	toyUser
	toyAnswer
	toyEOS
	toySpecials
)

// NewToyModel returns the default toy model (D = 64).
func NewToyModel() *ToyModel {
	return &ToyModel{Hidden: 64, Vocab: 4096, Rho: 0.6, Fast: 1.0, Slow: 2.5, Seed: 1}
}

// Name identifies the model and its parameters.
func (m *ToyModel) Name() string {
	return fmt.Sprintf("toy(D=%d,V=%d,rho=%g,fast=%g,slow=%g,seed=%d)", m.Hidden, m.Vocab, m.Rho, m.Fast, m.Slow, m.Seed)
}

// ToyTokens splits text into words (runs of letters and digits) and single
// punctuation marks; white space separates tokens and is dropped.
func ToyTokens(text string) []string {
	var out []string
	word := []rune{}
	flush := func() {
		if len(word) > 0 {
			out = append(out, string(word))
			word = word[:0]
		}
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, r)
		case unicode.IsSpace(r):
			flush()
		default:
			flush()
			out = append(out, string(r))
		}
	}
	flush()
	return out
}

func (m *ToyModel) ids(text string) []int32 {
	var ids []int32
	for _, w := range ToyTokens(text) {
		h := fnv.New64a()
		h.Write([]byte(w))
		ids = append(ids, int32(toySpecials+h.Sum64()%uint64(m.Vocab)))
	}
	return ids
}

// Encode builds "<s> [<sys> system] <user> question <answer> answer </s>";
// the answer segment is the answer's tokens and the closing </s> (as the
// Llama-2 chat format's answer segment ends with " </s>").
func (m *ToyModel) Encode(system, question, answer string) (Sequence, error) {
	ids := []int32{toyBOS}
	if system != "" {
		ids = append(ids, toySys)
		ids = append(ids, m.ids(system)...)
	}
	ids = append(ids, toyUser)
	ids = append(ids, m.ids(question)...)
	ids = append(ids, toyAnswer)
	start := len(ids)
	a := m.ids(answer)
	if len(a) == 0 {
		return Sequence{IDs: ids, AnswerStart: start, AnswerEnd: start}, nil
	}
	ids = append(ids, a...)
	ids = append(ids, toyEOS)
	return Sequence{IDs: ids, AnswerStart: start, AnswerEnd: len(ids)}, nil
}

// splitmix64 is a small, well-mixed PRNG step.
func splitmix64(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (m *ToyModel) embedding(id int32) []float64 {
	if m.emb == nil {
		m.emb = make([][]float64, toySpecials+m.Vocab)
	}
	if e := m.emb[id]; e != nil {
		return e
	}
	e := make([]float64, m.Hidden)
	st := m.Seed*0x100000001b3 + uint64(id)
	for i := 0; i < m.Hidden; i += 2 {
		// Box–Muller from two uniforms in (0, 1].
		u1 := (float64(splitmix64(&st)>>11) + 1) / (1 << 53)
		u2 := float64(splitmix64(&st)>>11) / (1 << 53)
		r := math.Sqrt(-2 * math.Log(u1))
		e[i] = r * math.Cos(2*math.Pi*u2)
		if i+1 < m.Hidden {
			e[i+1] = r * math.Sin(2*math.Pi*u2)
		}
	}
	m.emb[id] = e
	return e
}

// HiddenStates runs the toy model over ids. The answer starts after the
// first toyAnswer id; before it, m_t is 0.
func (m *ToyModel) HiddenStates(ids []int32) ([][]float32, error) {
	if m.Hidden < 1 || m.Vocab < 1 {
		return nil, fmt.Errorf("toy model: bad sizes D=%d V=%d", m.Hidden, m.Vocab)
	}
	d := m.Hidden
	ctx, fast, sum, s := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	nctx, nans := 0, 0
	inAnswer := false
	out := make([][]float32, len(ids))
	for t, id := range ids {
		if id < 0 || int(id) >= toySpecials+m.Vocab {
			return nil, fmt.Errorf("toy model: token id %d at position %d outside [0,%d)", id, t, toySpecials+m.Vocab)
		}
		e := m.embedding(id)
		if inAnswer {
			nans++
		} else {
			nctx++
		}
		for i := range fast {
			fast[i] = m.Rho*fast[i] + (1-m.Rho)*e[i]
			if inAnswer {
				sum[i] += e[i]
			} else {
				ctx[i] += e[i]
			}
		}
		var ss float64
		for i := range s {
			v := ctx[i]/float64(nctx) + m.Fast*fast[i]
			if nans > 0 {
				v += m.Slow * sum[i] / float64(nans)
			}
			s[i] = v
			ss += v * v
		}
		inv := 1 / math.Sqrt(ss/float64(d)+1e-6)
		o := make([]float32, d)
		for i, v := range s {
			o[i] = float32(v * inv)
		}
		out[t] = o
		if id == toyAnswer {
			inAnswer = true
		}
	}
	return out, nil
}
