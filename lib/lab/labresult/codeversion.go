package labresult

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/scanner"
	"go/token"
	"hash"
	"io/fs"
	"strings"
	"sync"

	"github.com/tokenscale/tokenscale"
)

// CodeVersion identifies the code that produces the lab's runs: a hash of
// go.mod and of the Go tokens (comments, blank lines and spacing left out)
// of the non-test files embedded in tokenscale.LabSources — lib/lab and the
// packages it runs. It is part of every cache key, so any change to that
// code, or to the GoMLX version, makes the lab train again, while a change
// to comments or spacing alone keeps the cache. It is the same in `go test`,
// a GoNB cell and the CLI, since it depends on no build or VCS information.
func CodeVersion() string { return codeVersion() }

var codeVersion = sync.OnceValue(func() string {
	v, err := sourceHash(tokenscale.LabSources)
	if err != nil {
		// Embedded files are part of the binary; reading them cannot fail.
		panic(fmt.Sprintf("lab: hashing the embedded sources: %v", err))
	}
	return v
})

// sourceHash hashes every file of fsys but *_test.go, in lexical order of
// path: Go files by their token stream, other files byte for byte.
func sourceHash(fsys fs.FS) (string, error) {
	h := sha256.New()
	files := 0
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		files++
		fmt.Fprintf(h, "file %s\n", path)
		if strings.HasSuffix(path, ".go") {
			hashTokens(h, src)
		} else {
			h.Write(src)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if files == 0 {
		return "", fmt.Errorf("no source files")
	}
	return "src-" + hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// hashTokens writes the tokens of one Go file to h, one per line. The
// scanner drops comments; a newline that ends a statement counts as the
// semicolon it stands for.
func hashTokens(h hash.Hash, src []byte) {
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("", fset.Base(), len(src)), src, nil, 0)
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return
		}
		if tok == token.SEMICOLON {
			lit = ";"
		}
		fmt.Fprintf(h, "%d %s\n", tok, lit)
	}
}
