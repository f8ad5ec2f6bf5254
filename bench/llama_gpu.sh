#!/bin/sh
# Times a Llama-2-7B-shaped model (random bf16 weights) on a GPU through
# XLA: prefill of 1024 tokens, then greedy KV-cache decoding of 128 tokens.
# Needs a PJRT CUDA plugin (see lib/backend and notes/platform.md), e.g.
#   GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so bench/llama_gpu.sh
# Extra arguments go to the program (--prefill N --decode N --dtype bf16|f32;
# --small checks it on a CPU).
set -eu
cd "$(dirname "$0")/.."
export GOMLX_BACKEND="${GOMLX_BACKEND:-xla:cuda}"
exec go run ./bench/llama7b "$@"
