package nb

import (
	"fmt"
	"math"

	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/vision"
)

// budgetQuestions are the question counts k TokenBudget tabulates.
var budgetQuestions = []int{1, 2, 3, 5, 10}

// TokenBudget builds the table notebook 20 shows beside its figures: for a
// picture of Param("size", W, H) (800×600) under HD-Param("hd") (9), the
// local grid, the views K and the vision tokens 145·K (paper App. C;
// docs/model.md#hd-9-views), and for each Param("N") (1, 8, 64, 256, 768) the fused tokens
// N + (k−1)M the LLM reads for k questions, Param("M") (8; M = N when
// N < M, docs/model.md#the-nm-rule). It reads the options the vision-* figures read, so it
// can stand beside them in an Explore panel.
func TokenBudget(opts ...plots.Option) (*Table, error) {
	o := plots.NewOptions(opts...)
	size := o.ParamOr("size", 800, 600)
	if len(size) != 2 || size[0] < 1 || size[1] < 1 || size[0] > 8000 || size[1] > 8000 ||
		size[0] != math.Trunc(size[0]) || size[1] != math.Trunc(size[1]) {
		return nil, fmt.Errorf("nb: TokenBudget: Param(\"size\") = %v, want two integers in [1, 8000] (width, height)", size)
	}
	hd := o.ParamOr("hd", float64(vision.DefaultHD))[0]
	if hd < 1 || hd > 64 || hd != math.Trunc(hd) {
		return nil, fmt.Errorf("nb: TokenBudget: Param(\"hd\") = %g, want an integer in [1, 64]", hd)
	}
	mDef := o.ParamOr("M", 8)[0]
	if mDef < 1 || mDef != math.Trunc(mDef) || mDef > 1e6 {
		return nil, fmt.Errorf("nb: TokenBudget: Param(\"M\") = %g, want an integer in [1, 1000000]", mDef)
	}
	w, h := int(size[0]), int(size[1])
	l, err := vision.HDLayout(w, h, int(hd))
	if err != nil {
		return nil, fmt.Errorf("nb: TokenBudget: %w", err)
	}
	t := &Table{
		Caption: fmt.Sprintf("%d×%d picture, HD-%d: %d×%d local crops + 1 global view = %d views, %d vision tokens",
			w, h, int(hd), l.Rows, l.Cols, l.Views(), l.Tokens()),
		Header: []string{"N", "M"},
		Notes: fmt.Sprintf("The LLM reads N + (k−1)M fused tokens for k questions (M = N when N < %d) instead of %d vision tokens per image.",
			int(mDef), l.Tokens()),
	}
	for _, k := range budgetQuestions {
		t.Header = append(t.Header, fmt.Sprintf("k=%d", k))
	}
	for _, nf := range o.ParamOr("N", 1, 8, 64, 256, 768) {
		if nf < 1 || nf != math.Trunc(nf) || nf > 1e6 {
			return nil, fmt.Errorf("nb: TokenBudget: Param(\"N\") value %g, want an integer in [1, 1000000]", nf)
		}
		n, m := int(nf), int(mDef)
		if n < m {
			m = n
		}
		row := []string{fmt.Sprint(n), fmt.Sprint(m)}
		for _, k := range budgetQuestions {
			row = append(row, fmt.Sprint(n+(k-1)*m))
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
