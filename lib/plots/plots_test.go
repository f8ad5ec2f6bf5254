package plots

import (
	"math"
	"strings"
	"testing"
)

func TestOptions(t *testing.T) {
	o := NewOptions()
	if o.Slug() != "" || o.LogXOr(true) != true || o.LogYOr(false) != false {
		t.Errorf("empty options: slug %q", o.Slug())
	}
	a := NewOptions(Param("g", 0.1), LogX(false))
	b := NewOptions(Param("g", 0.1), LogX(false))
	c := NewOptions(Param("g", 0.2), LogX(false))
	if a.Slug() == "" || a.Slug() != b.Slug() || a.Slug() == c.Slug() {
		t.Errorf("slugs: %q %q %q; want equal for equal options, different otherwise", a.Slug(), b.Slug(), c.Slug())
	}
	if a.LogXOr(true) || got(a.ParamOr("g", 1)) != 0.1 || got(a.ParamOr("h", 5)) != 5 {
		t.Error("option accessors")
	}
	if _, err := Select("metric", []string{"A", "B"}, []string{"B", "C"}); err == nil || !strings.Contains(err.Error(), "A, B") {
		t.Errorf("Select unknown name: %v", err)
	}
	if s, _ := Select("metric", []string{"A", "B"}, nil); len(s) != 2 {
		t.Errorf("Select(nil) = %v", s)
	}
}

func TestData(t *testing.T) {
	type runs []int
	o := NewOptions(Data(runs{1}), Param("g", 1), Data("label"), Data(runs{2, 3}))
	if r, ok := DataOf[runs](o); !ok || len(r) != 2 || r[1] != 3 {
		t.Errorf("DataOf[runs] = %v, %v; want the last runs handed, [2 3]", r, ok)
	}
	if s, ok := DataOf[string](o); !ok || s != "label" {
		t.Errorf("DataOf[string] = %q, %v", s, ok)
	}
	if _, ok := DataOf[float64](o); ok {
		t.Error("DataOf[float64] found data never handed")
	}
	if o.Slug() != NewOptions(Param("g", 1)).Slug() {
		t.Error("Data changed the slug")
	}
}

func got(v []float64) float64 { return v[0] }

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		min, max float64
		want     []string
	}{
		{0, 17, []string{"0", "5", "10", "15"}},
		{0, 1, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{-20, 280, []string{"0", "50", "100", "150", "200", "250"}},
		{-8, 17, []string{"-5", "0", "5", "10", "15"}},
		{0.34375, math.Nextafter(0.34375, 1), []string{"0.344"}}, // gonum pads a flat range by one ulp
		{0, 0, []string{"0"}},
	} {
		var labels []string
		for _, tk := range (NiceTicks{}).Ticks(tc.min, tc.max) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if strings.Join(labels, ",") != strings.Join(tc.want, ",") {
			t.Errorf("NiceTicks(%g, %g) labels %v, want %v", tc.min, tc.max, labels, tc.want)
		}
	}
}
