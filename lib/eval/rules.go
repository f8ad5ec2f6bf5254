package eval

import (
	"fmt"
	"strings"
)

// Rules is one version of VLMEvalKit's exact-matching scoring rules.
// VLMEvalKit (github.com/open-compass/VLMEvalKit) changed some rules over
// time, so the same predictions score differently under different versions;
// a result is only comparable with the paper's when it is scored by the
// rules the paper was scored with. The zero value is not valid: use
// [DefaultRules] or [ParseRules].
//
// The versions and the rules in which they differ (read in VLMEvalKit's
// source at the commits named):
//
//   - "2024-12" ([DefaultRules]): VLMEvalKit at commit ae10ca4d
//     (2024-12-31), the rules in force when the paper was evaluated (arXiv
//     2412.18387, December 2024).
//   - "2026-08": VLMEvalKit at commit e8e78f05 (2026-08-18), the newest
//     snapshot read. It adds, in order of date:
//     VQA punctuation (928a95b, 2025-05-13): a period is removed only when
//     neither neighbour is a digit, so "3." keeps its period (before: a
//     period not followed by a digit was removed, "3." → "3"); this applies to
//     TextVQA and to yes/no extraction;
//     multiple choice (c3371551, 2025-08-04): an option letter found as a
//     word counts only if it is among the last four words of the answer, and
//     option texts are not matched when the lower-cased answer is longer than
//     twice the options' total length;
//     ChartQA relaxed accuracy (677e30a, 2025-09-01): the 5% tolerance is
//     relative to the gold answer (before: relative to the prediction, the
//     arguments being swapped);
//     multiple choice (a67ace50, 2026-06-17): when letter matching fails, an
//     "answer is X" / "correct answer is **X**" phrase picks X (A–D, any case).
//
// Everything else (POPE, MME, HallusionBench, COCO captions, OCRVQA, OCRBench,
// the per-category and per-split reports) is the same in both versions.
type Rules struct {
	// Version is the name used on the command line ("2024-12", "2026-08").
	Version string
	// Commit and Date identify the VLMEvalKit source the rules follow.
	Commit, Date string

	periodNeedsNonDigitBefore bool // 928a95b
	letterInLastFourWords     bool // c3371551
	textLengthCap             bool // c3371551
	relaxedToleranceOfGold    bool // 677e30a
	answerIsPhrase            bool // a67ace50
}

var rulesVersions = []Rules{
	{Version: "2024-12", Commit: "ae10ca4d872216c47ea47767b69d0e1e480e5612", Date: "2024-12-31"},
	{Version: "2026-08", Commit: "e8e78f05f3080fe28154f2130321f17951c3be94", Date: "2026-08-18",
		periodNeedsNonDigitBefore: true, letterInLastFourWords: true, textLengthCap: true,
		relaxedToleranceOfGold: true, answerIsPhrase: true},
}

// DefaultRulesVersion is the version [DefaultRules] returns: the rules in
// force when the paper was evaluated.
const DefaultRulesVersion = "2024-12"

// DefaultRules returns the "2024-12" rules, those the paper's Appendix D
// scores were computed with.
func DefaultRules() Rules { return rulesVersions[0] }

// RulesVersions returns the names of the known versions, oldest first.
func RulesVersions() []string {
	v := make([]string, len(rulesVersions))
	for i, r := range rulesVersions {
		v[i] = r.Version
	}
	return v
}

// ParseRules returns the rules of a version name ("2024-12", "2026-08");
// the empty string gives [DefaultRules].
func ParseRules(version string) (Rules, error) {
	v := strings.TrimSpace(version)
	if v == "" {
		return DefaultRules(), nil
	}
	for _, r := range rulesVersions {
		if r.Version == v {
			return r, nil
		}
	}
	return Rules{}, fmt.Errorf("eval: unknown VLMEvalKit rules version %q (want %s)", version, strings.Join(RulesVersions(), " or "))
}

// String returns the version and the VLMEvalKit commit it follows.
func (r Rules) String() string {
	return fmt.Sprintf("VLMEvalKit %s (commit %.8s, %s)", r.Version, r.Commit, r.Date)
}

// valid returns r, or the default rules for the zero value.
func (r Rules) valid() Rules {
	if r.Version == "" {
		return DefaultRules()
	}
	return r
}
