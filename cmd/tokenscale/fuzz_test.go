package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzReadTidy feeds arbitrary CSV to the tidy reader of "fit" and parses
// every group it accepts: no panic, one-line errors, and parsed values are
// finite, normal and positive (what the log-space fit needs).
func FuzzReadTidy(f *testing.F) {
	f.Add([]byte("config,N,benchmark,metric,value\na,1,b,m,0.5\na,2,b,m,0.6\na,4,b,m,0.7\n"))
	f.Add([]byte("\ufeffconfig,N,benchmark,metric,value\nours,,MME,Overall,1500\nours,64,MME,Overall,1400\n"))
	f.Add([]byte("config,N,benchmark,metric,value\na,1,b,m,1e-320\na,2,b,m,NaN\n"))
	f.Add([]byte("config,N\n\"unterminated\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		groups, err := readTidy(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, g := range groups {
			if err := g.parse("fuzz.csv"); err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("multi-line error %q", err)
				}
				continue
			}
			for i := range g.n {
				for _, v := range []float64{g.n[i], g.p[i]} {
					if math.IsNaN(v) || math.IsInf(v, 0) || v < smallestNormal {
						t.Fatalf("accepted value %g", v)
					}
				}
			}
		}
	})
}
