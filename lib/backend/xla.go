//go:build ((linux && (amd64 || arm64)) || (darwin && arm64)) && !noxla

package backend

// The XLA/PJRT backend ("xla:cuda", "xla:cpu", "xla:/path/plugin.so") is
// compiled in on platforms that go-xla supports; build with -tags noxla to
// leave it out.
import _ "github.com/gomlx/go-xla/compute/xla"
