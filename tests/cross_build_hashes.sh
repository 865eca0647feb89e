#!/usr/bin/env bash
# The determinism promise across builds: the same scenario and seed give
# the same trace_hash from every binary given (Release gcc, sanitizer gcc
# -O0, clang -O2 ...). usage: cross_build_hashes.sh PODSIM...
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 PODSIM PODSIM..." >&2; exit 2; }
fail=0
for scn in scenarios/*.scn; do
  for seed in 1 2 77 123456789; do
    first=""
    for bin in "$@"; do
      # The summary line's verdict (pass/violation/budget) stands for the
      # exit code; comparing it with the hash compares both.
      out=$("$bin" run "$scn" --seed "$seed" 2>/dev/null | grep '^podsim: ') || true
      hash=$(printf '%s\n' "$out" | grep -o 'trace_hash=[0-9a-f]\{16\}' || true)
      verdict=$(printf '%s\n' "$out" | awk '{print $2}')
      if [ -z "$hash" ]; then
        echo "FAIL $scn seed=$seed: $bin printed no summary line"; fail=1; continue
      fi
      if [ -z "$first" ]; then first="$hash $verdict"
      elif [ "$hash $verdict" != "$first" ]; then
        echo "FAIL $scn seed=$seed: $bin gave $hash $verdict, $1 gave $first"; fail=1
        # Show the first event where the two builds' traces differ.
        a=$(mktemp); b=$(mktemp)
        "$1" run "$scn" --seed "$seed" --trace-format=jsonl >"$a" 2>/dev/null || true
        "$bin" run "$scn" --seed "$seed" --trace-format=jsonl >"$b" 2>/dev/null || true
        line=$(cmp "$a" "$b" 2>/dev/null | grep -o 'line [0-9]*' | cut -d' ' -f2 || true)
        if [ -n "$line" ]; then
          echo "  first differing event (trace line $line):"
          echo "    $1: $(sed -n "${line}p" "$a")"
          echo "    $bin: $(sed -n "${line}p" "$b")"
        fi
        rm -f "$a" "$b"
      fi
    done
  done
done
[ $fail -eq 0 ] && echo "cross-build hashes: $(ls scenarios/*.scn | wc -l) scenarios x 4 seeds identical across $# builds"
exit $fail
