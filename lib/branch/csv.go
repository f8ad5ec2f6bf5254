package branch

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// CSVHeader is the header of WriteCSV.
const CSVHeader = "n,pairs,E,E_std,g,r,dg"

// PsiCSVHeader is the header of WritePsiCSV.
const PsiCSVHeader = "n,pairs,psi_equal,psi_aa,psi_bb,psi_aabb,psi_ab,upsilon,dist,dist_std,bound,rho"

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func fmtOpt(v float64, ok bool) string {
	if !ok {
		return ""
	}
	return fmtF(v)
}

// WriteCSV writes one row per n ≥ 1 with the header CSVHeader; g, r and dg
// are empty where undefined.
func WriteCSV(w io.Writer, res Result) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, CSVHeader)
	for _, r := range res.Rows {
		fmt.Fprintf(bw, "%d,%d,%s,%s,%s,%s,%s\n", r.N, r.Pairs, fmtF(r.E), fmtF(r.EStd),
			fmtOpt(r.G, r.HasG), fmtOpt(r.R, r.HasR), fmtOpt(r.DG, r.HasDG))
	}
	return bw.Flush()
}

// WritePsiCSV writes the JMLR estimate, one row per n ≥ 1, with the header
// PsiCSVHeader; cross terms and rho are empty where undefined.
func WritePsiCSV(w io.Writer, p *PsiResult) error {
	if p == nil {
		return fmt.Errorf("branch: no ψ estimate (the pair curves were computed without it)")
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, PsiCSVHeader)
	for _, r := range p.Rows {
		fmt.Fprintf(bw, "%d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", r.N, r.Pairs, fmtF(r.Equal),
			fmtOpt(r.AA, r.HasCross), fmtOpt(r.BB, r.HasCross), fmtOpt(r.AABB, r.HasCross), fmtOpt(r.AB, r.HasCross),
			fmtF(r.Upsilon), fmtF(r.Dist), fmtF(r.DistStd), fmtF(r.Bound), fmtOpt(r.Rho, r.HasRho))
	}
	return bw.Flush()
}

// Summary returns a few lines that describe the result: sizes, zero
// differences, λ and both thresholds.
func (r Result) Summary() string {
	s := fmt.Sprintf("pairs=%d (empty=%d) D=%d nmax=%d\n", r.Pairs, r.EmptyPairs, r.D, len(r.Rows))
	s += fmt.Sprintf("zero differences: %d steps in %d pairs (their cosines count as 0)\n", r.ZeroSteps, r.PairsWithZero)
	s += fmt.Sprintf("lambda(%s)=%s\n", r.LambdaMode, fmtF(r.Lambda))
	s += fmt.Sprintf("ratio threshold: eps=%s n*=%s\n", fmtF(r.Epsilon), nstar(r.NRatio))
	robust := ""
	if r.RobustDelta {
		robust = ", robust"
	}
	s += fmt.Sprintf("difference threshold (%s%s): delta=%s n*=%s\n", r.Difference, robust, fmtF(r.Delta), nstar(r.NDiff))
	if r.Psi != nil {
		s += fmt.Sprintf("psi: lambda=%s balance n=%s\n", fmtF(r.Psi.Lambda), nstar(r.Psi.Balance))
	}
	return s
}

func nstar(n int) string {
	if n == 0 {
		return "none"
	}
	return strconv.Itoa(n)
}
