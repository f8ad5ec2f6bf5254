package sentencepiece

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// PieceType is the type of a vocabulary piece, with the numbering of
// sentencepiece_model.proto.
type PieceType int

// Piece types.
const (
	Normal      PieceType = 1
	Unknown     PieceType = 2
	Control     PieceType = 3
	UserDefined PieceType = 4
	Unused      PieceType = 5
	Byte        PieceType = 6
)

// String returns the proto name of the type.
func (t PieceType) String() string {
	switch t {
	case Normal:
		return "NORMAL"
	case Unknown:
		return "UNKNOWN"
	case Control:
		return "CONTROL"
	case UserDefined:
		return "USER_DEFINED"
	case Unused:
		return "UNUSED"
	case Byte:
		return "BYTE"
	}
	return fmt.Sprintf("PieceType(%d)", int(t))
}

// Model types of TrainerSpec.model_type.
const (
	modelUnigram = 1
	modelBPE     = 2
	modelWord    = 3
	modelChar    = 4
)

// spaceSymbol is the piece spelling of a space (U+2581 LOWER ONE EIGHTH BLOCK).
const spaceSymbol = "\u2581"

// defaultUnkSurface is what an unknown id decodes to (SentencePiece's default).
const defaultUnkSurface = " \u2047 "

type piece struct {
	text  string
	score float32
	typ   PieceType
}

// Model is a loaded SentencePiece BPE model. It is safe for concurrent use.
type Model struct {
	pieces []piece
	// vocab maps NORMAL, USER_DEFINED and UNUSED pieces to ids: the pieces
	// that BPE merges may produce.
	vocab map[string]int
	// reserved maps CONTROL, UNKNOWN and BYTE pieces to ids.
	reserved map[string]int
	byteID   [256]int

	userDefined   map[string]bool
	maxUserDefLen int
	maxPieceLen   int
	hasUnused     bool
	// wordsIndependent: no piece holds ▁ after another character, so merges
	// never cross the start of a word.
	wordsIndependent bool

	unkID, bosID, eosID, padID int
	byteFallback               bool
	addDummyPrefix             bool
	removeExtraWhitespaces     bool
	escapeWhitespaces          bool
	unkSurface                 string

	cacheMu sync.Mutex
	cache   map[string][]int // ids of recently encoded words
}

// Load reads a SentencePiece model file (e.g. Llama-2's tokenizer.model).
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sentencepiece: load %s: %w", path, err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("sentencepiece: load %s: %w", path, err)
	}
	return m, nil
}

// Parse builds a Model from the bytes of a serialised ModelProto.
func Parse(data []byte) (*Model, error) {
	m, spec, err := readModelProto(data)
	if err != nil {
		return nil, fmt.Errorf("not a SentencePiece model: %w", err)
	}
	if err := spec.supported(len(m.pieces)); err != nil {
		return nil, err
	}
	if err := m.indexPieces(); err != nil {
		return nil, err
	}
	if err := m.checkSpecialIDs(); err != nil {
		return nil, err
	}
	m.wordsIndependent = m.escapeWhitespaces && !m.hasInnerSpace()
	if err := m.indexBytes(); err != nil {
		return nil, err
	}
	return m, nil
}

// protoSpec holds the settings of a ModelProto that Parse checks but the
// Model does not keep.
type protoSpec struct {
	modelType       int
	treatWSAsSuffix bool
	normName        string
	charsmapLen     int
	sawTrainer      bool
}

// readModelProto reads the pieces (field 1), the trainer spec (2) and the
// normalizer spec (3) of a ModelProto, starting from the proto2 defaults.
func readModelProto(data []byte) (*Model, protoSpec, error) {
	m := &Model{
		vocab:    map[string]int{},
		reserved: map[string]int{},
		// proto2 defaults of TrainerSpec / NormalizerSpec.
		unkID: 0, bosID: 1, eosID: 2, padID: -1,
		addDummyPrefix:         true,
		removeExtraWhitespaces: true,
		escapeWhitespaces:      true,
		unkSurface:             defaultUnkSurface,
		cache:                  map[string][]int{},
	}
	spec := protoSpec{modelType: modelUnigram}
	err := eachField(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1: // repeated SentencePiece pieces
			if typ != protowire.BytesType {
				return fmt.Errorf("piece %d: wrong wire type", len(m.pieces))
			}
			p, err := parsePiece(v)
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			m.pieces = append(m.pieces, p)
		case 2: // TrainerSpec
			if typ != protowire.BytesType {
				return errors.New("trainer_spec: wrong wire type")
			}
			spec.sawTrainer = true
			return m.readTrainerSpec(v, &spec)
		case 3: // NormalizerSpec
			if typ != protowire.BytesType {
				return errors.New("normalizer_spec: wrong wire type")
			}
			return m.readNormalizerSpec(v, &spec)
		}
		return nil
	})
	return m, spec, err
}

// readTrainerSpec reads the model type, treat_whitespace_as_suffix,
// byte_fallback and the special ids of a TrainerSpec.
func (m *Model) readTrainerSpec(v []byte, spec *protoSpec) error {
	return eachField(v, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) error {
		if typ != protowire.VarintType {
			return nil
		}
		switch num {
		case 3:
			spec.modelType = int(x)
		case 24:
			spec.treatWSAsSuffix = x != 0
		case 35:
			m.byteFallback = x != 0
		case 40:
			m.unkID = int(int32(x))
		case 41:
			m.bosID = int(int32(x))
		case 42:
			m.eosID = int(int32(x))
		case 43:
			m.padID = int(int32(x))
		}
		return nil
	})
}

// readNormalizerSpec reads the name, the size of the precompiled character
// map and the whitespace settings of a NormalizerSpec.
func (m *Model) readNormalizerSpec(v []byte, spec *protoSpec) error {
	return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			spec.normName = string(v)
		case num == 2 && typ == protowire.BytesType:
			spec.charsmapLen = len(v)
		case num == 3 && typ == protowire.VarintType:
			m.addDummyPrefix = x != 0
		case num == 4 && typ == protowire.VarintType:
			m.removeExtraWhitespaces = x != 0
		case num == 5 && typ == protowire.VarintType:
			m.escapeWhitespaces = x != 0
		}
		return nil
	})
}

// supported refuses what this package does not implement: models other
// than BPE, whitespace as suffix and non-identity normalizers (and a proto
// without pieces or trainer spec, which is no model).
func (spec protoSpec) supported(pieces int) error {
	if pieces == 0 {
		return errors.New("not a SentencePiece model: no pieces")
	}
	if !spec.sawTrainer {
		return errors.New("not a SentencePiece model: no trainer_spec")
	}
	if spec.modelType != modelBPE {
		name := map[int]string{modelUnigram: "UNIGRAM", modelWord: "WORD", modelChar: "CHAR"}[spec.modelType]
		if name == "" {
			name = fmt.Sprint(spec.modelType)
		}
		return fmt.Errorf("model type %s is not supported (only BPE, as in Llama-2)", name)
	}
	if spec.treatWSAsSuffix {
		return errors.New("treat_whitespace_as_suffix is not supported")
	}
	if spec.charsmapLen > 0 {
		return fmt.Errorf("normalizer %q with a precompiled character map is not supported (only identity)", spec.normName)
	}
	return nil
}

// indexPieces fills vocab (normal, user-defined and unused pieces) and
// reserved (control, unknown and byte pieces), refusing a text listed twice
// in either and unknown piece types.
func (m *Model) indexPieces() error {
	for i, p := range m.pieces {
		switch p.typ {
		case Normal, UserDefined, Unused:
			if _, dup := m.vocab[p.text]; dup {
				return fmt.Errorf("piece %d %q appears twice", i, p.text)
			}
			m.vocab[p.text] = i
			if len(p.text) > m.maxPieceLen {
				m.maxPieceLen = len(p.text)
			}
			if p.typ == UserDefined {
				if m.userDefined == nil {
					m.userDefined = map[string]bool{}
				}
				m.userDefined[p.text] = true
				if len(p.text) > m.maxUserDefLen {
					m.maxUserDefLen = len(p.text)
				}
			}
			if p.typ == Unused {
				m.hasUnused = true
			}
		case Control, Unknown, Byte:
			if _, dup := m.reserved[p.text]; dup {
				return fmt.Errorf("piece %d %q appears twice", i, p.text)
			}
			m.reserved[p.text] = i
		default:
			return fmt.Errorf("piece %d %q has unknown type %d", i, p.text, int(p.typ))
		}
	}
	return nil
}

// checkSpecialIDs checks that unk_id names an UNKNOWN piece and that
// bos_id, eos_id and pad_id lie inside the vocabulary (a negative one
// becomes −1: absent).
func (m *Model) checkSpecialIDs() error {
	n := len(m.pieces)
	if m.unkID < 0 || m.unkID >= n || m.pieces[m.unkID].typ != Unknown {
		return fmt.Errorf("unk_id %d is not an UNKNOWN piece", m.unkID)
	}
	for _, sp := range []struct {
		name string
		id   *int
	}{{"bos_id", &m.bosID}, {"eos_id", &m.eosID}, {"pad_id", &m.padID}} {
		if *sp.id >= n {
			return fmt.Errorf("%s %d is outside the vocabulary of %d pieces", sp.name, *sp.id, n)
		}
		if *sp.id < 0 {
			*sp.id = -1
		}
	}
	return nil
}

// hasInnerSpace says whether a piece of the vocabulary holds the space
// symbol after its leading ones (then words cannot be encoded one by one).
func (m *Model) hasInnerSpace() bool {
	for p := range m.vocab {
		if strings.Contains(strings.TrimLeft(p, spaceSymbol), spaceSymbol) {
			return true
		}
	}
	return false
}

// indexBytes maps each byte to its <0xXX> piece (−1 when absent), which
// byte_fallback needs for all 256.
func (m *Model) indexBytes() error {
	for b := range 256 {
		m.byteID[b] = -1
		if id, ok := m.reserved[fmt.Sprintf("<0x%02X>", b)]; ok && m.pieces[id].typ == Byte {
			m.byteID[b] = id
		}
	}
	if m.byteFallback {
		for b := range 256 {
			if m.byteID[b] < 0 {
				return fmt.Errorf("byte_fallback is set but piece <0x%02X> is missing", b)
			}
		}
	}
	return nil
}

func parsePiece(data []byte) (piece, error) {
	p := piece{typ: Normal}
	sawText := false
	err := eachField(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			if !utf8.Valid(v) {
				return errors.New("piece is not valid UTF-8")
			}
			p.text = string(v)
			sawText = true
		case num == 2 && typ == protowire.Fixed32Type:
			p.score = math.Float32frombits(uint32(x))
		case num == 3 && typ == protowire.VarintType:
			p.typ = PieceType(x)
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	if !sawText {
		return p, errors.New("piece has no text")
	}
	return p, nil
}

// eachField walks the fields of one protobuf message. For bytes fields v holds
// the payload; for varint and fixed fields x holds the value.
func eachField(data []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return fmt.Errorf("bad tag: %w", protowire.ParseError(n))
		}
		data = data[n:]
		var (
			v []byte
			x uint64
		)
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(data)
		case protowire.Fixed32Type:
			var x32 uint32
			x32, n = protowire.ConsumeFixed32(data)
			x = uint64(x32)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(data)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(data)
		default:
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		data = data[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// VocabSize is the number of pieces (32000 for Llama-2).
func (m *Model) VocabSize() int { return len(m.pieces) }

// BOS is the id of the beginning-of-sentence piece <s> (-1 if none).
func (m *Model) BOS() int { return m.bosID }

// EOS is the id of the end-of-sentence piece </s> (-1 if none).
func (m *Model) EOS() int { return m.eosID }

// UNK is the id of the unknown piece <unk>.
func (m *Model) UNK() int { return m.unkID }

// PAD is the id of the padding piece, or -1 when the model has none (Llama-2
// has none; Hugging Face then pads with EOS or UNK).
func (m *Model) PAD() int { return m.padID }

// ByteFallback reports whether unknown characters are written as byte pieces.
func (m *Model) ByteFallback() bool { return m.byteFallback }

// IDToPiece returns the spelling of id ("▁the", "<0x0A>", "<s>"), or "" when
// id is out of range.
func (m *Model) IDToPiece(id int) string {
	if id < 0 || id >= len(m.pieces) {
		return ""
	}
	return m.pieces[id].text
}

// PieceToID returns the id of a piece spelling; unknown spellings give UNK.
func (m *Model) PieceToID(p string) int {
	if id, ok := m.vocab[p]; ok {
		return id
	}
	if id, ok := m.reserved[p]; ok {
		return id
	}
	return m.unkID
}

// Score returns the score of id (the merge priority for BPE pieces).
func (m *Model) Score(id int) float32 {
	if id < 0 || id >= len(m.pieces) {
		return 0
	}
	return m.pieces[id].score
}

// Type returns the piece type of id (0 when out of range).
func (m *Model) Type(id int) PieceType {
	if id < 0 || id >= len(m.pieces) {
		return 0
	}
	return m.pieces[id].typ
}
