package main

import (
	"strings"
	"testing"
)

func TestTrainPlan(t *testing.T) {
	out, errOut, code := runCLI(t, "", "train", "plan", "--size", "paper", "--batch", "5", "--hd", "9")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, s := range []string{"fusion sequence 1738", "LLM sequence 768", "0.704B trained", "6.738B frozen LLM", "activations with checkpointing"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	out, _, code = runCLI(t, "", "train", "plan", "--batch", "1", "--hd", "0", "--checkpointing", "--dtype", "bf16", "--train", "projection")
	if code != 0 || !strings.Contains(out, "bf16 activations, checkpointing true") || !strings.Contains(out, "activations without checkpointing") {
		t.Errorf("bf16 plan: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"--batch", "0"}, {"--batch", "5000"}, {"--hd", "-1"}, {"--hd", "65"}, {"--n", "-2"}, {"--text", "-1"},
		{"--question", "70000"}, {"--dtype", "f16"}, {"--size", "huge"}, {"--train", "llm"}, {"extra"},
	} {
		if _, errOut, code := runCLI(t, "", append([]string{"train", "plan"}, args...)...); code != 2 || !strings.Contains(errOut, "train plan") {
			t.Errorf("%v: exit %d, want 2 with a message naming the command (%s)", args, code, errOut)
		}
	}
}
