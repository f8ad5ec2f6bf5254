#!/usr/bin/env bash
# bench/gpu/run.sh — run on a GPU machine, from the folder bench/gpu/build.sh wrote (out/gpu).
# It needs no Go toolchain; the PyTorch sides need a python3 with torch (transformers if present).
#
# Steps, in this order (RUN_SH_STEPS picks; the plugin lookup always runs):
#   (setup) find the CUDA PJRT plugin installed by pip (jax-cuda13-plugin + nvidia-* wheels) or by
#           go-xla, without downloading anything, and export what go-xla needs (tokenscale gpu env)
#   check   a matmul, its gradient and a bf16 dot on xla:cuda (tokenscale gpu check)
#   tests   the golden parity tests (-test.run $RUN_SH_TESTS, default 'Golden|Reference|Matches') of
#           lib/llama, lib/clip and lib/vlm under xla:cuda, float32 with TF32 off
#   fusion  the paper-size fusion module on 1450 vision tokens + a 12-token question + N = 768
#           queries, bf16 and float32 (TF32 off on both sides), GoMLX (./fusion) then PyTorch
#   llama   Llama-2-7B shape, bf16, random weights: prefill 1024 tokens and decode at batch 1 and 8,
#           GoMLX (./llama7b) then PyTorch (llama7b_torch.py), joined by compare.py
#
# Environment:
#   RUN_SH_BACKEND=go  dry run without a GPU: the pure-Go backend, tiny benchmark sizes, no nvidia-smi
#   RUN_SH_STEPS       which steps to run, e.g. "llama" (default "check tests fusion llama")
#   RUN_SH_TESTS       the -test.run pattern of the tests step
#   RUN_SH_DEADLINE    seconds after which no command is started or left running (default 570)
#   HBM_BW             memory bandwidth in bytes/s for the decode bound (default: 4.8e12 on an H200,
#                      else 3.35e12, the H100 SXM)
#   PYTHON             the python with torch (default: the first of python3, /opt/torch/.venv/bin/python3,
#                      /usr/bin/python3 that imports torch)
#
# Output (at most 8 files, for the device tool): in $OUT when set, else ./results —
#   summary.txt                          what ran, pass/fail of every step, the result tables
#   <date>_<gpu>_llama7b.md, <date>_<gpu>_fusion.md   the side-by-side results (copy to bench/results/)
#   logs.tar.gz                          every log (plugin env, nvidia-smi, test output, raw benchmark lines)
# Exit status 0 only when every step passed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
res="${OUT:-$here/results}"
logs="$here/logs"
rm -rf "$logs"
mkdir -p "$res" "$logs"
summary="$res/summary.txt"
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }
deadline="${RUN_SH_DEADLINE:-570}"
steps=" ${RUN_SH_STEPS:-check tests fusion llama} "
want() { [[ "$steps" == *" $1 "* ]]; }
status=0
fail() { say "FAILED: $*"; status=1; }
finish() {
  tar czf "$res/logs.tar.gz" -C "$here" logs
  say "run.sh: done ($(date -u +%H:%M:%S) UTC), status $status; results in $res"
  exit $status
}
trap 'fail "interrupted"; finish' TERM INT

py=""
for p in ${PYTHON:-} python3 /opt/torch/.venv/bin/python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' 2>/dev/null; then py="$p"; break; fi
done

say "run.sh: $(date -u '+%Y-%m-%d %H:%M:%S') UTC on $(hostname), steps:$steps"
if [ "${RUN_SH_BACKEND:-}" = go ]; then
  dry=1
  export GOMLX_BACKEND=go GOMLX_NO_AUTO_INSTALL=1
  gpu_name="none"
  gpu_slug="cpu-go"
  say "dry run: RUN_SH_BACKEND=go, pure-Go backend, tiny sizes, $(nproc) CPUs"
else
  dry=0
  if ! env_sh="$(./tokenscale gpu env 2>"$logs/gpu-env.err")"; then
    cat "$logs/gpu-env.err" | tee -a "$summary"
    fail "no CUDA PJRT plugin found (tokenscale gpu env)"
    finish
  fi
  eval "$env_sh"
  { cat "$logs/gpu-env.err"; echo "$env_sh"; } >"$logs/gpu-env.txt"
  head -2 "$logs/gpu-env.err" | tee -a "$summary"
  nvidia-smi >"$logs/nvidia-smi.txt" 2>&1
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$summary"
  gpu_name="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
  gpu_slug="$(echo "$gpu_name" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-+//; s/-+$//')"
fi
base="$GOMLX_BACKEND"
f32="$base"
[ $dry = 0 ] && f32="$base,tf32=false" # float32 means float32: TF32 rounds matmul inputs to 10 bits
case "${HBM_BW:-}:$gpu_name" in
  :*H200*) bw=4.8e12 ;;
  :*) bw=3.35e12 ;;
  *) bw="$HBM_BW" ;;
esac
day="$(date -u +%Y-%m-%d)"
say "python: ${py:-none with torch} $([ -n "$py" ] && "$py" -c 'import torch, sys; print("torch", torch.__version__, "python", sys.version.split()[0])')"

# timed NAME CMD...: runs CMD with its output in logs/NAME.txt, prints the wall time. Every command
# ends by the deadline (RUN_SH_DEADLINE seconds after the start, default 570: the device tool stops a
# command at 600 s), so that the logs are still packed and returned.
timed() {
  local name="$1" t0=$SECONDS rc left=$((deadline - SECONDS))
  shift
  if [ $left -lt 15 ]; then
    say "  $name: not run, the ${deadline} s deadline is reached"
    return 124
  fi
  timeout "$left" "$@" >"$logs/$name.txt" 2>&1
  rc=$?
  [ $rc = 124 ] && echo "run.sh: stopped at the ${deadline} s deadline" >>"$logs/$name.txt"
  say "  $name: exit $rc after $((SECONDS - t0)) s"
  [ $rc = 0 ] || { tail -5 "$logs/$name.txt" | tee -a "$summary"; }
  return $rc
}

if want check; then
  size=4096
  [ $dry = 1 ] && size=128
  timed gpu-check ./tokenscale gpu check --size $size || fail "gpu check"
  grep -E '^(backend|Float32|BFloat16)' "$logs/gpu-check.txt" | tee -a "$summary"
fi

if want tests; then
  for pkg in $(cat packages.txt); do
    t="main/lib/$pkg/$pkg.test"
    if [ ! -x "$t" ]; then
      fail "lib/$pkg: the test binary was not built (see build.sh's warnings)"
      continue
    fi
    (cd "main/lib/$pkg" && GOMLX_BACKEND="$f32" timed "test-$pkg" "./$pkg.test" -test.v \
      -test.run "${RUN_SH_TESTS:-Golden|Reference|Matches}")
    lg="$logs/test-$pkg.txt"
    say "  lib/$pkg: $(grep -c -E '^ *--- PASS' "$lg") passed, $(grep -c -E '^ *--- SKIP' "$lg") skipped," \
      "$(grep -c -E '^ *--- FAIL' "$lg") failed"
    grep -E '^ *--- (FAIL|SKIP)' "$lg" | sed 's/^ */    /' | tee -a "$summary"
    grep -q -E '^ *--- PASS' "$lg" || say "  lib/$pkg: no parity test ran"
    grep -q -E '^(FAIL|panic)' "$lg" && fail "lib/$pkg parity tests"
  done
fi

# pair NAME GO_ARGS -- TORCH_ARGS: GoMLX then PyTorch with the same shape, then compare.py.
pair() {
  local name="$1" backend="$2" ok=1
  shift 2
  local goargs=() pyargs=()
  while [ "$1" != -- ]; do goargs+=("$1"); shift; done
  shift
  pyargs=("$@")
  GOMLX_BACKEND="$backend" timed "$name-gomlx" "${goargs[@]}" || { fail "$name (GoMLX)"; ok=0; }
  if [ -z "$py" ]; then
    fail "$name (PyTorch): no python3 with torch"
    return
  fi
  timed "$name-torch" "$py" "${pyargs[@]}" || { fail "$name (PyTorch)"; ok=0; }
  [ $ok = 1 ] || return
  "$py" compare.py "${cmp[@]}" "$logs/$name-gomlx.txt" "$logs/$name-torch.txt" --gpu "$gpu_name" >"$logs/$name.md" ||
    fail "$name: compare.py"
}

if want fusion; then
  fa=()
  [ $dry = 1 ] && fa=(--small --reps 3)
  out="$res/${day}_${gpu_slug}_fusion.md"
  : >"$out"
  for dt in bf16 f32; do
    be="$base"
    [ $dt = f32 ] && be="$f32"
    cmp=(fusion)
    pair "fusion-$dt" "$be" ./fusion --dtype $dt "${fa[@]}" -- fusion_torch.py --dtype $dt "${fa[@]}"
    [ -s "$logs/fusion-$dt.md" ] && { cat "$logs/fusion-$dt.md"; echo; } >>"$out"
  done
  if [ -s "$out" ]; then cat "$out" | tee -a "$summary"; else rm -f "$out"; fi
fi
if want llama; then
  if [ $dry = 1 ]; then
    la=(--config llama_tiny.json --dtype f32 --prefill 32 --decode 4 --batches 1,2 --reps 1)
  else
    la=(--config llama_7b.json --dtype bf16 --prefill 1024 --decode 63 --batches 1,8 --reps 3)
  fi
  cmp=(llama7b --config "${la[1]}" --bandwidth "$bw")
  pair llama7b "$base" ./llama7b "${la[@]}" -- llama7b_torch.py "${la[@]}"
  out="$res/${day}_${gpu_slug}_llama7b.md"
  [ -s "$logs/llama7b.md" ] && cp "$logs/llama7b.md" "$out" && cat "$out" | tee -a "$summary"
fi

finish
