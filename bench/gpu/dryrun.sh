#!/usr/bin/env bash
# bench/gpu/dryrun.sh — checks, without a GPU, that what bench/gpu/build.sh packed runs on a machine
# without Go: unpacks out/carry/gpu.tar.xz into a temporary folder and runs its run.sh there with
# RUN_SH_BACKEND=go (pure-Go backend, tiny benchmark sizes), PATH=/usr/bin:/bin and an empty HOME, so
# no Go toolchain is reachable. Output lands in out/dryrun/ (what $OUT holds on the GPU machine).
#
#   bench/gpu/build.sh && bench/gpu/dryrun.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$repo/out/carry/gpu.tar.xz" -C "$tmp"
rm -rf "$repo/out/dryrun"
mkdir -p "$repo/out/dryrun" "$tmp/home"
env -i HOME="$tmp/home" PATH=/usr/bin:/bin OUT="$repo/out/dryrun" RUN_SH_BACKEND=go \
  bash -c 'if command -v go >/dev/null; then echo "dryrun.sh: go is on PATH" >&2; exit 1; fi; exec "$0/gpu/run.sh"' "$tmp"
