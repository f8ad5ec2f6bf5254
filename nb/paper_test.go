package nb

import (
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// TestTable1MatchesPrinted checks the refitted α against every printed α of
// Table 1 (the paper's own fit of the same numbers) to the printed 4 decimals.
func TestTable1MatchesPrinted(t *testing.T) {
	tb, err := Table1Data()
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != len(paperdata.Table1Metrics()) {
		t.Fatalf("%d rows, want %d", len(tb.Rows), len(paperdata.Table1Metrics()))
	}
	compared := 0
	for _, r := range tb.Rows {
		for _, col := range []int{2, 6} { // α, then printed α two columns on
			if r[col+2] == "—" {
				continue
			}
			compared++
			if r[col] != r[col+2] {
				t.Errorf("%s: α %s, printed %s", r[0], r[col], r[col+2])
			}
		}
	}
	if compared < 30 {
		t.Errorf("only %d printed α compared", compared)
	}
	if !strings.Contains(tb.Notes, "RealWorldQA") {
		t.Errorf("notes do not explain RealWorldQA: %q", tb.Notes)
	}
}

func TestTable1Options(t *testing.T) {
	all, _ := Table1Data(plots.Metrics("MME"))
	drop, err := Table1Data(plots.Metrics("MME"), plots.Param("drop", 1))
	if err != nil || len(drop.Rows) != 1 {
		t.Fatalf("Table1Data(MME, drop 1): %v, %v", err, drop)
	}
	if all.Rows[0][2] == drop.Rows[0][2] {
		t.Errorf("leaving N = 1 out did not change MME's α (%s)", all.Rows[0][2])
	}
	if _, err := Table1Data(plots.Metrics("nope")); err == nil {
		t.Error("unknown metric accepted")
	}
}
