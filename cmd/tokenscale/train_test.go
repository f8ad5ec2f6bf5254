package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/train"
)

func TestTrainToyAndResume(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "", "train", "toy", "--out", dir, "--steps", "6", "--examples", "32", "--batch", "8", "--save-every", "3", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "steps 0→6") || !strings.Contains(errOut, "trainable") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
	logs, err := train.ReadLog(filepath.Join(dir, "log.jsonl"))
	if err != nil || len(logs) != 6 {
		t.Fatalf("log: %d lines, %v", len(logs), err)
	}
	// Resuming finds the finished run at its last checkpoint (step 6).
	_, errOut, code = runCLI(t, "", "train", "toy", "--out", dir, "--resume", "--quiet")
	if code != 0 || !strings.Contains(errOut, "at step 6") {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "ck", "step-000006", "model.safetensors")); err != nil {
		t.Error(err)
	}
	// A run killed after its last checkpoint logged steps past it: resuming
	// drops them, so every step is logged once.
	logPath := filepath.Join(dir, "log.jsonl")
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"step": 7, "loss": 1}` + "\n")
	f.Close()
	if _, errOut, code = runCLI(t, "", "train", "toy", "--out", dir, "--resume", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	if logs, err := train.ReadLog(logPath); err != nil || len(logs) != 6 || logs[5].Step != 6 {
		t.Errorf("log after resume: %d lines (%v), want steps 1…6 once", len(logs), err)
	}
	// A new run in the same folder is refused without --resume or --overwrite.
	_, errOut, code = runCLI(t, "", "train", "toy", "--out", dir, "--steps", "2", "--examples", "32", "--batch", "8", "--quiet")
	if code != 2 || !strings.Contains(errOut, "already holds a run") {
		t.Errorf("rerun without --resume: exit %d, %q; want exit 2 naming the existing run", code, errOut)
	}
	if _, errOut, code = runCLI(t, "", "train", "toy", "--out", dir, "--steps", "2", "--examples", "32", "--batch", "8", "--quiet", "--overwrite"); code != 0 {
		t.Fatalf("--overwrite: exit %d: %s", code, errOut)
	}
	if logs, err := train.ReadLog(logPath); err != nil || len(logs) != 2 {
		t.Errorf("log after --overwrite: %d lines (%v), want 2", len(logs), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ck", "step-000006")); !os.IsNotExist(err) {
		t.Errorf("--overwrite left the old checkpoint step-000006 (%v)", err)
	}
}

func TestTrainBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"train"},
		{"train", "toy"},
		{"train", "toy", "--out", t.TempDir(), "--n", "0"},
		{"train", "toy", "--out", t.TempDir(), "--steps", "0"},
		{"train", "toy", "--out", t.TempDir(), "--mode", "sideways"},
		{"train", "run", "--out", t.TempDir()},
		{"train", "toy", "--out", t.TempDir(), "--stage", "1", "--train", "projection"},
		{"train", "toy", "--out", t.TempDir(), "--stage", "4"},
		{"train", "toy", "--out", t.TempDir(), "--identity", "both"},
	} {
		if _, errOut, code := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	// A data file with a malformed line names the file and line.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"image\": \"a.png\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}\nnot json\n"), 0o644)
	_, errOut, code := runCLI(t, "", "train", "run", "--model", dir, "--data", bad, "--out", dir)
	if code != 1 || !strings.Contains(errOut, "bad.jsonl:2") {
		t.Errorf("malformed data: exit %d, %s", code, errOut)
	}
}

func TestModelCommands(t *testing.T) {
	out, errOut, code := runCLI(t, "", "model", "params")
	if code != 0 || !strings.Contains(out, `"llm (frozen)",6738415616`) || !strings.Contains(errOut, "264 fused tokens") {
		t.Errorf("model params: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = runCLI(t, "", "model", "params", "--n", "768", "--questions", "3")
	if code != 0 || !strings.Contains(out, "fusion") {
		t.Errorf("model params --n 768: exit %d", code)
	}
	out, _, code = runCLI(t, "", "model", "layout", "--n", "4", "--mode", "vq", "--qa", "where is the square?=top left")
	if code != 0 || !strings.Contains(out, "[IMG ×5] [QED ×3] [EOS]") || !strings.Contains(out, "[FUSED ×4]") {
		t.Errorf("model layout: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"model", "params", "--size", "huge"}, {"model", "layout", "--qa", "no answer"}, {"model", "layout", "--mode", "x"}} {
		if _, _, code := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// Stage 3 from a stage-2 checkpoint: another N, the question dropped
// (vq-ft), a random half of the data.
func TestTrainRunStage3(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := runCLI(t, "", "train", "toy", "--out", dir, "--steps", "2", "--examples", "16", "--batch", "4", "--quiet"); code != 0 {
		t.Fatalf("toy: %s", errOut)
	}
	ck, err := train.Latest(filepath.Join(dir, "ck"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "stage3")
	stdout, errOut, code := runCLI(t, "", "train", "run", "--model", ck, "--data", filepath.Join(dir, "data", "train.jsonl"),
		"--out", out, "--stage", "3", "--mode", "vq-ft", "--n", "8", "--fraction", "0.5", "--steps", "2", "--batch", "4", "--lr", "1e-3", "--quiet")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "steps 0→2") {
		t.Errorf("stdout %q", stdout)
	}
	last, err := train.Latest(filepath.Join(out, "ck"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(last, "config.json"))
	if !strings.Contains(string(raw), `"mode": "vq-ft"`) || !strings.Contains(string(raw), `"n": 8`) {
		t.Errorf("stage-3 config: %s", raw)
	}
	if _, _, code := runCLI(t, "", "train", "run", "--model", ck, "--data", filepath.Join(dir, "data", "train.jsonl"), "--out", out, "--fraction", "2"); code != 2 {
		t.Errorf("--fraction 2: exit %d, want 2", code)
	}
}
