package results

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadWriteRoundTrip(t *testing.T) {
	in := "config,N,benchmark,metric,value\nVision Queries,8,MMStar,Overall,31.5\nLLaVA,,MMStar,Overall,40\nVision Queries,16,COCO VAL,CIDEr,12\n"
	rows, err := ReadAll(strings.NewReader(in), "r.csv")
	if err != nil || len(rows) != 2 || rows[1].ID() != "CIDEr@COCO VAL" || rows[0].Value != 31.5 || rows[1].Line != 4 || rows[1].N != 16 {
		t.Fatalf("ReadAll = %+v, %v", rows, err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, rows, true); err != nil {
		t.Fatal(err)
	}
	want := "config,N,benchmark,metric,value\nVision Queries,8,MMStar,Overall,31.5\nVision Queries,16,COCO VAL,CIDEr,12\n"
	if buf.String() != want {
		t.Errorf("Write = %q, want %q", buf.String(), want)
	}
	// Columns in another order, an extra column.
	rows, err = ReadAll(strings.NewReader("value,metric,extra,N,benchmark,config\n2.5,acc,x,4,POPE,VQQ\n"), "o.csv")
	if err != nil || len(rows) != 1 || rows[0] != (Row{Config: "VQQ", N: 4, Benchmark: "POPE", Metric: "acc", Value: 2.5, Text: "2.5", Line: 2}) {
		t.Errorf("reordered columns: %+v, %v", rows, err)
	}
}

func TestReadErrors(t *testing.T) {
	const head = "config,N,benchmark,metric,value\n"
	for _, tc := range []struct{ in, want string }{
		{"", "r.csv:1: empty file"},
		{"config,N,metric,value\n", `r.csv:1: missing column "benchmark"`},
		{head + "VQ,8,MME\n", "r.csv:2: 3 fields, the header has 5"},
		{head + "VQ,8,\"MME,Overall,1\n", "r.csv:2:"},
		{head + "VQ,x,MME,Overall,1\n", `r.csv:2: N "x" is not a number`},
		{head + "VQ,0,MME,Overall,1\n", "r.csv:2: N = 0 must be > 0"},
		{head + "VQ,Inf,MME,Overall,1\n", `r.csv:2: N "Inf" is not finite`},
		{head + "VQ,1.5,MME,Overall,1\n", "r.csv:2: N = 1.5 is not a whole number"},
		{head + "VQ,8,MME,Overall,high\n", `r.csv:2: value "high" is not a number`},
		{head + "VQ,8,MME,Overall,NaN\n", `r.csv:2: value "NaN" is not finite`},
		{head + "VQ,8,MME,Overall,\n", "r.csv:2: empty value"},
		{head + "VQ,8,,Overall,1\n", "r.csv:2: empty benchmark"},
	} {
		if _, err := ReadAll(strings.NewReader(tc.in), "r.csv"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadAll(%q): %v, want %q", tc.in, err, tc.want)
		}
	}
	// Read keeps a bad row, marked, beside the good ones.
	rows, err := Read(strings.NewReader(head+"VQ,8,MME,Overall,1\nVQ,9,MME,Overall,high\n"), "r.csv")
	if err != nil || len(rows) != 2 || rows[0].Err != nil || rows[1].Err == nil || Check(rows) != rows[1].Err {
		t.Errorf("Read with one bad row: %+v, %v", rows, err)
	}
}
