package eval

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the answer format of a benchmark, which decides its prompt and how
// answers are extracted and scored.
type Kind int

// The four benchmark kinds of the paper's evaluation.
const (
	// YesNo benchmarks (POPE, MME, HallusionBench) expect "Yes" or "No".
	YesNo Kind = iota + 1
	// MultipleChoice benchmarks give options A, B, … and expect a letter.
	MultipleChoice
	// Caption benchmarks (COCO_VAL) score free text against references.
	Caption
	// OpenVQA benchmarks expect a short free-text answer.
	OpenVQA
)

func (k Kind) String() string {
	switch k {
	case YesNo:
		return "yes/no"
	case MultipleChoice:
		return "multiple choice"
	case Caption:
		return "caption"
	case OpenVQA:
		return "open VQA"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Benchmark describes one of the paper's 15 benchmarks as VLMEvalKit runs it.
type Benchmark struct {
	// Name is VLMEvalKit's dataset name, e.g. "SEEDBench_IMG".
	Name string
	// Paper is the name as Appendix D and Table 1 print it (the "benchmark"
	// column of the tidy layout), e.g. "SEEDBench IMG".
	Paper string
	Kind  Kind
	// MaxNewTokens is the greedy-decoding budget of the paper's model wrapper
	// for this benchmark (docs/evaluation.md#decoding-budgets).
	MaxNewTokens int
	// Primary is the metric Table 1 fits, e.g. "Overall", "Final Score".
	Primary string
}

// benchmarks is the table of Appendix D's benchmarks. Max-new-token budget
// (imgque.py adjust_kwargs): MCQ and Y/N 32; a caption set named COCO 32;
// OCRVQA, ChartQA (and DocVQA) 100; TextVQA 10; any other VQA (OCRBench) 512.
var benchmarks = []Benchmark{
	{"POPE", "POPE", YesNo, 32, "Overall"},
	{"MME", "MME", YesNo, 32, "Overall"},
	{"HallusionBench", "HallusionBench", YesNo, 32, "Overall"},
	{"MMStar", "MMStar", MultipleChoice, 32, "Overall"},
	{"SEEDBench_IMG", "SEEDBench IMG", MultipleChoice, 32, "Overall"},
	{"SEEDBench2", "SEEDBench2", MultipleChoice, 32, "Overall"},
	{"SEEDBench2_Plus", "SEEDBench2 Plus", MultipleChoice, 32, "Overall"},
	{"AI2D_TEST", "AI2D TEST", MultipleChoice, 32, "Overall"},
	{"ScienceQA_TEST", "ScienceQA TEST", MultipleChoice, 32, "Overall"},
	{"RealWorldQA", "RealWorldQA", MultipleChoice, 32, "Overall"},
	{"COCO_VAL", "COCO VAL", Caption, 32, "CIDEr"},
	{"TextVQA_VAL", "TextVQA VAL", OpenVQA, 10, "Overall"},
	{"ChartQA_TEST", "ChartQA TEST", OpenVQA, 100, "Overall"},
	{"OCRVQA_TESTCORE", "OCRVQA TESTCORE", OpenVQA, 100, "Overall"},
	{"OCRBench", "OCRBench", OpenVQA, 512, "Final Score"},
}

// Benchmarks returns the 15 benchmarks of the paper in a fixed order.
func Benchmarks() []Benchmark { return append([]Benchmark(nil), benchmarks...) }

// squash lower-cases s and drops spaces, underscores and hyphens, so that
// "SEEDBench IMG", "seedbench_img" and "SEEDBench-IMG" compare equal.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// shortNames are accepted abbreviations (squashed) of benchmark names.
var shortNames = map[string]string{
	"seedbench": "SEEDBench_IMG", "seedbenchimg": "SEEDBench_IMG", "seedbench2plus": "SEEDBench2_Plus",
	"ai2d": "AI2D_TEST", "scienceqa": "ScienceQA_TEST", "scienceqaimg": "ScienceQA_TEST",
	"coco": "COCO_VAL", "cococaption": "COCO_VAL", "textvqa": "TextVQA_VAL", "chartqa": "ChartQA_TEST",
	"ocrvqa": "OCRVQA_TESTCORE", "hallusion": "HallusionBench",
}

// Lookup finds a benchmark by its VLMEvalKit name, its paper name or a short
// form ("SEEDBench IMG", "seedbench_img", "textvqa"), case-insensitively.
func Lookup(name string) (Benchmark, error) {
	s := squash(name)
	if full, ok := shortNames[s]; ok {
		s = squash(full)
	}
	for _, b := range benchmarks {
		if s == squash(b.Name) || s == squash(b.Paper) {
			return b, nil
		}
	}
	names := make([]string, len(benchmarks))
	for i, b := range benchmarks {
		names[i] = b.Name
	}
	sort.Strings(names)
	return Benchmark{}, fmt.Errorf("eval: unknown benchmark %q (want one of %s)", name, strings.Join(names, ", "))
}

// Config is the input configuration of the fusion module (Appendix D's
// "Fused Model Inputs"), spelled as the tidy layout spells it.
type Config string

// The three configurations of Appendix D.
const (
	// VQQ: vision tokens, the question and N queries (the paper's model).
	VQQ Config = "Vision Question Queries"
	// VQFT: no question, with a checkpoint fine-tuned that way.
	VQFT Config = "Vision Queries (ft)"
	// VQ: no question, the VQQ checkpoint unchanged.
	VQ Config = "Vision Queries"
)

// ParseConfig accepts "vqq", "vq", "vq-ft" (or "vqft", "ft") or a full name.
func ParseConfig(s string) (Config, error) {
	switch squash(s) {
	case "vqq", squash(string(VQQ)):
		return VQQ, nil
	case "vq", squash(string(VQ)):
		return VQ, nil
	case "vqft", "ft", "vq(ft)", squash(string(VQFT)):
		return VQFT, nil
	}
	return "", fmt.Errorf("eval: unknown configuration %q (want vqq, vq or vq-ft)", s)
}

// UsesQuestion reports whether the fusion module sees the question (only VQQ).
func (c Config) UsesQuestion() bool { return c == VQQ }
