#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, from its seed
# corpus (fuzz/corpus/<target minus fuzz_>), into a scratch corpus so that
# the checked-in seeds stay small. Fails on any crash, leak or sanitizer
# report. usage: fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
ran=0
for target in "$build"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  seeds="$here/corpus/${name#fuzz_}"
  scratch=$(mktemp -d)
  dict=()
  [ -f "$here/${name#fuzz_}.dict" ] && dict=(-dict="$here/${name#fuzz_}.dict")
  echo "fuzz: $name for ${seconds}s"
  "$target" "$scratch" "$seeds" "${dict[@]}" -max_total_time="$seconds" -max_len=4096 \
    -print_final_stats=1 -close_fd_mask=3 2>"$scratch.log" || {
      tail -n 60 "$scratch.log"; echo "fuzz: $name FAILED"; exit 1; }
  grep -E 'stat::number_of_executed_units' "$scratch.log" || true
  rm -rf "$scratch" "$scratch.log"
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { echo "fuzz: no targets in $build/fuzz"; exit 1; }
