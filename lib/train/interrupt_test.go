package train

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestInterruptSavesAndResumes: an interrupt stops Run after the step in
// progress, with a checkpoint of that step that Resume continues from.
func TestInterruptSavesAndResumes(t *testing.T) {
	dir := t.TempDir()
	m, ex := toySetup(t, dir, 2)
	tr, err := NewTrainer(m, ex, toyOptions(5))
	if err != nil {
		t.Fatal(err)
	}
	intr := make(chan struct{})
	close(intr) // fired before the first step ends
	tr.Interrupt = intr
	ck, logPath := filepath.Join(dir, "ck"), filepath.Join(dir, "log.jsonl")
	err = tr.Run(nil, logPath, ck, 0)
	if !errors.Is(err, ErrInterrupted) || tr.Step != 1 {
		t.Fatalf("Run: %v at step %d, want ErrInterrupted at step 1", err, tr.Step)
	}
	tr.Model.Close()
	r, err := Resume(ck, ex)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Model.Close()
	if r.Step != 1 {
		t.Fatalf("resumed at step %d, want 1", r.Step)
	}
	if err := r.Run(nil, logPath, ck, 0); err != nil {
		t.Fatal(err)
	}
	logs, err := ReadLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range logs {
		if l.Step != i+1 {
			t.Fatalf("log entry %d has step %d: steps must appear once, in order", i, l.Step)
		}
	}
	if len(logs) != 5 {
		t.Errorf("%d log entries, want 5", len(logs))
	}
}

func TestTrimLog(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log.jsonl")
	if err := trimLog(p, 3); err != nil {
		t.Fatalf("missing log: %v", err)
	}
	os.WriteFile(p, []byte(`{"step":1}`+"\n"+`{"step":2}`+"\n"+`{"step":3}`+"\n"+`{"step":2}`+"\n"), 0o644)
	if err := trimLog(p, 1); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"step":1}`+"\n" {
		t.Errorf("trimmed log %q", b)
	}
	os.WriteFile(p, []byte("not json\n"), 0o644)
	if err := trimLog(p, 1); err == nil {
		t.Error("no error for a line that is not a step entry")
	}
}
