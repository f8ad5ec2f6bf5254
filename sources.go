// Package tokenscale is the root of the module. It holds no API for users,
// only LabSources: the files whose content decides the results of the
// scaling lab's cached runs, embedded so that lib/lab can key its cache by
// them. The library is under lib/, the command line under cmd/tokenscale,
// and README.md maps each package to the part of the paper it implements.
package tokenscale

import "embed"

// LabSources holds go.mod (which pins GoMLX and its backends) and the Go
// files of every package of this module that a lab run executes: lib/lab
// and what it imports (lib/lab/labtask, lib/lab/labresult,
// lib/tokenizer/wordtok, lib/fusion, lib/llama, lib/backend,
// lib/safetensors, lib/check, lib/outfile).
// lib/scaling is left out: it fits finished runs, which are not cached.
// lib/lab's TestCodeVersionCoversDependencies fails when lib/lab comes to
// depend on a package of this module that is not listed here.
//
//go:embed go.mod lib/lab/*.go lib/lab/labtask/*.go lib/lab/labresult/*.go lib/tokenizer/wordtok/*.go lib/fusion/*.go lib/llama/*.go lib/backend/*.go lib/safetensors/*.go lib/check/*.go lib/outfile/*.go
var LabSources embed.FS
