#!/usr/bin/env bash
# bench/gpu/build.sh — build, on a machine with Go, everything the GPU checks need, into out/gpu/.
#
# The GPU machines this project borrows have no Go toolchain and no network, so the test binaries are
# built here (x86-64, cgo on: the XLA backend dlopens the PJRT plugin) and carried there, with the
# golden files laid out as the tests expect them (<root>/main/lib/<pkg>/ → <root>/shared/golden).
#
#   bench/gpu/build.sh            then carry out/gpu and run:   out/gpu/run.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
dest="$repo/out/gpu"
rm -rf "$dest"
mkdir -p "$dest/main/lib" "$dest/shared"
export CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOFLAGS="${GOFLAGS:--buildvcs=false}"
go build -o "$dest/tokenscale" ./cmd/tokenscale
for pkg in backend llama clip vlm; do
  [ -d "lib/$pkg" ] || continue
  mkdir -p "$dest/main/lib/$pkg"
  go test -c -o "$dest/main/lib/$pkg/$pkg.test" "./lib/$pkg"
done
if [ -d ../shared/golden ]; then
  cp -r ../shared/golden "$dest/shared/"
else
  echo "build.sh: ../shared/golden is absent: the parity tests will skip on the GPU machine" >&2
fi
cp bench/gpu/run.sh "$dest/"
cp bench/llama_torch.py bench/llama_small.json "$dest/" 2>/dev/null || true
[ -f bench/gpu/llama_7b.json ] && cp bench/gpu/llama_7b.json "$dest/"
du -sh "$dest"
echo "build.sh: carry out/gpu to the GPU machine and run out/gpu/run.sh there"
