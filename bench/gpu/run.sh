#!/usr/bin/env bash
# bench/gpu/run.sh — run on a GPU machine, from the folder bench/gpu/build.sh wrote (out/gpu).
#
# 1. Finds the CUDA PJRT plugin installed by pip (jax-cuda13-plugin + nvidia-* wheels) or by go-xla,
#    without downloading anything, and exports what go-xla needs (tokenscale gpu env).
# 2. Smoke test: a matmul, its gradient and a bf16 dot on xla:cuda (tokenscale gpu check).
# 3. The golden parity tests of lib/llama, lib/clip (and lib/vlm) under xla:cuda, float32 with TF32 off.
# Results go to $OUT (when set) or ./results.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
res="${OUT:-$here/results}"
mkdir -p "$res"
cd "$here"
env_sh="$(./tokenscale gpu env)" || { echo "run.sh: no CUDA PJRT plugin found" >&2; exit 1; }
eval "$env_sh"
echo "$env_sh" | tee "$res/gpu-env.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$res/gpu.txt"
status=0
./tokenscale gpu check --size 4096 2>&1 | tee "$res/gpu-check.txt" || status=1
# Parity in float32: TF32 would round matmul inputs to 10 mantissa bits and miss the 1e-4 tolerance.
export GOMLX_BACKEND="${GOMLX_BACKEND},tf32=false"
for t in main/lib/*/*.test; do
  pkg="$(basename "$(dirname "$t")")"
  (cd "$(dirname "$t")" && "./$(basename "$t")" -test.v -test.run 'Golden|Reference|Matches' 2>&1) \
    | tee "$res/test-$pkg.txt" | grep -E '^(--- |ok|FAIL|PASS)' || true
  grep -q '^FAIL' "$res/test-$pkg.txt" && status=1
done
exit $status
