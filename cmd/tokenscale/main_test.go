package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs one command line in-process and returns stdout, stderr and the exit status.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(&cmdEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return out.String(), errb.String(), code
}

func TestTopLevel(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"help"}, 0},
		{[]string{"no-such-command"}, 2},
	} {
		_, _, code := runCLI(t, "", tc.args...)
		if code != tc.code {
			t.Errorf("tokenscale %v: exit %d, want %d", tc.args, code, tc.code)
		}
	}
}
