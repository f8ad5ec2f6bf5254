#!/usr/bin/env bash
# bench/gpu/build.sh — build, on a machine with Go, everything the GPU checks and benchmarks need,
# into out/gpu/ (git-ignored: /out/ in .gitignore), to carry to a GPU machine that has no Go toolchain.
#
# The XLA backend dlopens the PJRT plugin, so everything is built for x86-64 with cgo on; binaries
# are stripped (-s -w) to keep the folder small. Layout of out/gpu:
#   run.sh                      runs it all there (see its header)
#   tokenscale                  the CLI (tokenscale gpu env|check)
#   llama7b, fusion             the GoMLX benchmarks (bench/llama7b, bench/fusion)
#   *_torch.py, llama_torch.py  their PyTorch twins; compare.py joins the two outputs
#   llama_7b.json, llama_tiny.json  the Llama shapes (Llama-2-7B; tiny for RUN_SH_BACKEND=go)
#   main/lib/<pkg>/<pkg>.test   test binaries of the packages with golden parity tests: llama, clip, vlm
#   main/go.mod, main/testdata  the golden and tokenizer files, where the tests look (internal/testfiles
#                               walks up from main/lib/<pkg> to the folder with go.mod and takes its testdata/)
#
# out/gpu is about 100 MB, over the 64 MiB the device tool carries, so it is also packed into
# out/carry/gpu.tar.xz (about 15 MB: one xz stream with a 128 MiB dictionary shares the Go runtime and
# GoMLX code common to all binaries; packing takes a minute or two). BUILD_SH_NO_XZ=1 skips that.
#
#   bench/gpu/build.sh
#   carry out/carry; there: tar -xJf out/carry/gpu.tar.xz -C /tmp && /tmp/gpu/run.sh   (bench/README.md)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
dest="$repo/out/gpu"
rm -rf "$dest"
mkdir -p "$dest/main/lib" "$dest/main/testdata"
export CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOFLAGS="${GOFLAGS:--buildvcs=false}"
# GoMLX's AVX kernels for the pure-Go backend (the dry run and RUN_SH_BACKEND=go use it), as the Makefile.
export GOEXPERIMENT="${GOEXPERIMENT-simd}"
ld='-s -w'
go build -ldflags="$ld" -o "$dest/tokenscale" ./cmd/tokenscale
go build -ldflags="$ld" -o "$dest/llama7b" ./bench/llama7b
go build -ldflags="$ld" -o "$dest/fusion" ./bench/fusion
# A package whose tests do not build is reported (run.sh marks it FAILED: not built), not fatal.
# (lib/backend and lib/fusion have no golden tests; tokenscale gpu check covers the plugin itself.)
for pkg in llama clip vlm; do
  [ -d "lib/$pkg" ] || continue
  echo "$pkg" >>"$dest/packages.txt"
  mkdir -p "$dest/main/lib/$pkg"
  go test -c -ldflags="$ld" -o "$dest/main/lib/$pkg/$pkg.test" "./lib/$pkg" ||
    echo "build.sh: WARNING: the tests of lib/$pkg do not build" >&2
done
cp go.mod "$dest/main/"
cp -r testdata/golden testdata/tokenizers "$dest/main/testdata/"
cp bench/gpu/run.sh bench/gpu/compare.py bench/gpu/llama_7b.json bench/gpu/llama_tiny.json \
  bench/llama7b/llama7b_torch.py bench/fusion/fusion_torch.py bench/llama_torch.py "$dest/"
chmod +x "$dest/run.sh"
du -sh "$dest"
rm -rf "$repo/out/carry"
if [ "${BUILD_SH_NO_XZ:-}" != 1 ]; then
  mkdir -p "$repo/out/carry"
  tar -C "$repo/out" -cf - gpu | xz -T1 --lzma2=preset=4,dict=128MiB >"$repo/out/carry/gpu.tar.xz"
  du -sh "$repo/out/carry"
fi
echo "build.sh: carry out/carry to the GPU machine (see bench/README.md); RUN_SH_BACKEND=go out/gpu/run.sh is a dry run here"
