package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tokenscale/tokenscale/lib/check"
)

// checkFlags returns the first failed check of a command's flags as a usage
// error (exit status 2) prefixed with the command's name, e.g. "views:
// --cell 100000 is out of range [8, 1024]".
func checkFlags(cmd string, errs ...error) error {
	if err := check.First(errs...); err != nil {
		return usagef("%s: %v", cmd, err)
	}
	return nil
}

// samePath reports whether output path out names the same file as input
// path in (the same path, or two names of one existing file): writing it
// would destroy the input.
func samePath(in, out string) bool {
	if in == "-" || out == "-" {
		return false
	}
	a, errA := filepath.Abs(in)
	b, errB := filepath.Abs(out)
	if errA == nil && errB == nil && a == b {
		return true
	}
	si, errA := os.Stat(in)
	so, errB := os.Stat(out)
	return errA == nil && errB == nil && os.SameFile(si, so)
}

// maxTokenizeLine is the longest line "tokenize" reads (1 MiB, about
// 250 000 Llama-2 tokens, 60 times Llama-2's context): the tokenizers' work
// memory grows with a line (about a hundred bytes per input byte), so a
// longer line is refused rather than read.
const maxTokenizeLine = 1 << 20

// errLineTooLong is returned by readLine for a line over its limit.
var errLineTooLong = errors.New("line too long")

// readLine reads one line (without its end) of at most limit bytes, never
// holding more than limit bytes of it; a longer line gives errLineTooLong
// (the rest of the line is not read). At the end of the input it returns the
// last line, if any, with io.EOF.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > limit+1 { // +1: the '\n'
			return nil, fmt.Errorf("%w: more than %d bytes", errLineTooLong, limit)
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return line, io.EOF
		default:
			return nil, err
		}
	}
}
