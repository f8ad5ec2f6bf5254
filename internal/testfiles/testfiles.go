// Package testfiles finds the repository's testdata/ folder (the golden
// checkpoints, the real tokenizer files, the preference-pair sample and the
// paper's printed tables) from the tests of any package, whatever its depth
// in the tree, by walking up from the working directory to go.mod.
//
// The files live in the repository itself, so a missing one is a broken
// checkout: Path fails the test instead of skipping it. testdata/README.md
// says what each file is and where it comes from.
package testfiles

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once    sync.Once
	dir     string
	findErr error
)

// find walks up from start to the first folder holding go.mod and returns its
// testdata/ folder.
func find(start string) (string, error) {
	d := start
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			td := filepath.Join(d, "testdata")
			if st, err := os.Stat(td); err != nil || !st.IsDir() {
				return "", fmt.Errorf("module root %s has no testdata/ folder", d)
			}
			return td, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or any folder above it", start)
		}
		d = parent
	}
}

// Dir returns the absolute path of the repository's testdata/ folder. Tests
// and examples always run inside the module, so it panics, naming the
// folder it started from, when none is found.
func Dir() string {
	once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			findErr = fmt.Errorf("testfiles: working directory: %w", err)
			return
		}
		dir, findErr = find(wd)
		if findErr != nil {
			findErr = fmt.Errorf("testfiles: %w", findErr)
		}
	})
	if findErr != nil {
		panic(findErr)
	}
	return dir
}

// Path returns testdata/<parts...> and fails the test when that file or
// folder does not exist.
func Path(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir()}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test file missing from the checkout: %v", err)
	}
	return p
}
