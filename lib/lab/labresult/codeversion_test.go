package labresult

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSourceHash(t *testing.T) {
	base := fstest.MapFS{
		"go.mod":            {Data: []byte("module x\n\nrequire github.com/gomlx/gomlx v0.28.0\n")},
		"lib/lab/a.go":      {Data: []byte("package lab\n\n// Steps is the default.\nconst Steps = 600\n\nfunc f(x int) int { return x + 1 }\n")},
		"lib/lab/a_test.go": {Data: []byte("package lab\n")},
	}
	with := func(path, data string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m[path] = &fstest.MapFile{Data: []byte(data)}
		return m
	}
	want, err := sourceHash(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fsys fs.FS
		same bool
	}{
		{"comment edited", with("lib/lab/a.go", "package lab\n\n// Steps: six hundred optimizer steps.\nconst Steps = 600\n\nfunc f(x int) int { return x + 1 }\n"), true},
		{"spacing changed", with("lib/lab/a.go", "package lab\n\n\nconst Steps  =  600\n\n\nfunc f(x int) int { return x+1 }\n"), true},
		{"test file edited", with("lib/lab/a_test.go", "package lab\n\nfunc g() {}\n"), true},
		{"constant changed", with("lib/lab/a.go", "package lab\n\n// Steps is the default.\nconst Steps = 601\n\nfunc f(x int) int { return x + 1 }\n"), false},
		{"operator changed", with("lib/lab/a.go", "package lab\n\n// Steps is the default.\nconst Steps = 600\n\nfunc f(x int) int { return x - 1 }\n"), false},
		{"GoMLX version changed", with("go.mod", "module x\n\nrequire github.com/gomlx/gomlx v0.29.0\n"), false},
		{"file added", with("lib/lab/b.go", "package lab\n"), false},
	} {
		got, err := sourceHash(tc.fsys)
		if err != nil {
			t.Fatal(err)
		}
		if (got == want) != tc.same {
			t.Errorf("%s: hash %s, base %s; want same = %v", tc.name, got, want, tc.same)
		}
	}
	if _, err := sourceHash(fstest.MapFS{"a_test.go": {Data: []byte("package a\n")}}); err == nil {
		t.Error("no source files: want an error")
	}
	if v := CodeVersion(); !strings.HasPrefix(v, "src-") || v != CodeVersion() {
		t.Errorf("CodeVersion() = %q, want a stable src-<hash>", v)
	}
}
