#!/bin/sh
# Times a Llama-2-7B-shaped model (random bf16 weights) on a GPU through
# XLA: prefill of 1024 tokens, then greedy KV-cache decoding at batch 1 and 8
# (program: bench/llama7b; its PyTorch twin and the side-by-side table: bench/gpu).
#
#   bench/llama_gpu.sh [ARGS]        on a machine with Go: go run ./bench/llama7b
#   bench/llama_gpu.sh --build DIR   build DIR/llama7b and copy this script there, to carry
#                                    to a GPU machine without Go; there run DIR/llama_gpu.sh
#
# The XLA backend needs a PJRT CUDA plugin: set GOMLX_BACKEND (default xla:cuda), e.g.
# GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so, or eval "$(tokenscale gpu env)" first.
# ARGS: --config FILE --prefill N --decode N --batches 1,8 --dtype bf16|f32 (--small: a CPU check).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--build" ]; then
  [ $# -eq 2 ] || { echo "usage: $0 --build DIR" >&2; exit 2; }
  mkdir -p "$2"
  (cd "$here/.." && CGO_ENABLED=1 go build -o "$2/llama7b" ./bench/llama7b)
  cp "$here/llama_gpu.sh" "$2/"
  exit 0
fi
export GOMLX_BACKEND="${GOMLX_BACKEND:-xla:cuda}"
if [ -x "$here/llama7b" ]; then
  exec "$here/llama7b" "$@"
fi
cd "$here/.."
exec go run ./bench/llama7b "$@"
