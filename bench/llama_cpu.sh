#!/bin/sh
# Runs the same small Llama (bench/llama_small.json, random float32 weights)
# on GoMLX's pure-Go backend (go test -bench in lib/llama) and in Debian's
# PyTorch (bench/llama_torch.py under /usr/bin/python3), in this one command,
# and prints tokens/s for both and the ratio Go/PyTorch.
#
#   THREADS=1     threads for both sides (GOMAXPROCS via -cpu; torch.set_num_threads)
#   BENCHTIME=3x  iterations of each Go benchmark
#   REPEATS=3     iterations of each PyTorch workload
#   GOEXPERIMENT=simd  (the default, as in the Makefile) builds GoMLX's
#                 AVX2/AVX-512 matmul kernels; GOEXPERIMENT= builds without.
#                 lib/backend routes bfloat16/float16 products through float32
#                 (the AVX2 half-precision kernel with a transposed right
#                 operand is wrong; see lib/backend/dot.go).
#
# `make bench` (bench/cpu_bench.py) is the fuller comparison: every workload,
# both thread counts, GFLOP/s.
#
# Needs python3-torch (apt-get install -y python3-torch).
set -eu
cd "$(dirname "$0")/.."
THREADS=${THREADS:-1}
export GOMLX_BACKEND=go GOMLX_NO_AUTO_INSTALL=1
export GOEXPERIMENT="${GOEXPERIMENT-simd}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run='^$' -bench='^Benchmark(Forward|Generate)$' -benchtime="${BENCHTIME:-3x}" -cpu="$THREADS" ./lib/llama/ >"$out"
/usr/bin/python3 bench/llama_torch.py bench/llama_small.json --threads "$THREADS" --repeats "${REPEATS:-3}" >>"$out"
awk -v threads="$THREADS" -v goexp="${GOEXPERIMENT:-}" '
  /^BenchmarkForward/  { for (i = 1; i <= NF; i++) if ($i == "tokens/s") gof = $(i-1) }
  /^BenchmarkGenerate/ { for (i = 1; i <= NF; i++) if ($i == "tokens/s") gog = $(i-1) }
  /^forward /  { tf = $2 }
  /^generate / { tg = $2 }
  /^torch /    { tv = $2 }
  END {
    if (gof == "" || tf == "") { print "benchmark output incomplete" > "/dev/stderr"; exit 1 }
    printf "llama small (bench/llama_small.json), float32, %s thread(s), GOEXPERIMENT=%s; PyTorch %s\n", threads, goexp, tv
    printf "%-34s %12s %12s %10s\n", "workload", "GoMLX go", "PyTorch", "Go/Torch"
    printf "%-34s %12.1f %12.1f %10.3f\n", "forward, 128 tokens (tokens/s)", gof, tf, gof / tf
    printf "%-34s %12.1f %12.1f %10.3f\n", "generate, 16+64 KV cache (tok/s)", gog, tg, gog / tg
  }' "$out"
