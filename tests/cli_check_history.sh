#!/usr/bin/env bash
# `podsim check-history FILE` as a user meets it: exit codes (0 linearizable,
# 1 not, 2 usage or bad input, 3 undecided), the explanation, file:line:col.
# usage: cli_check_history.sh PODSIM SOURCE_DIR
set -uo pipefail
podsim=${1:?podsim binary}
src=${2:?source dir}
data="$src/tests/data/histories"
# shellcheck source=tests/lib_cli.sh
. "$(dirname "$0")/lib_cli.sh"

# --- usage: exit 0 for help, 2 for mistakes
run 0 check-history --help;  grep -q 'usage: podsim check-history FILE' "$tmp/out"; check "help" $? "$(cat "$tmp/out")"
run 2 check-history;         grep -q 'expected a history file' "$tmp/err"; check "no file" $? "$(cat "$tmp/err")"
run 2 check-history "$data/sequential.jsonl" --frob; grep -q "unknown option '--frob'" "$tmp/err"; check "unknown option" $? "$(cat "$tmp/err")"
run 2 check-history "$data/sequential.jsonl" --max-steps 0; grep -q -- "--max-steps: expected a positive integer, found '0'" "$tmp/err"; check "bad limit" $? "$(cat "$tmp/err")"
run 2 check-history "$data/sequential.jsonl" "$data/stale-read.jsonl"; grep -q 'one history file only' "$tmp/err"; check "two files" $? "$(cat "$tmp/err")"
run 2 check-history "$tmp/missing.jsonl"; grep -q "missing.jsonl: error: cannot open the history" "$tmp/err"; check "missing file" $? "$(cat "$tmp/err")"

# --- linearizable: exit 0 and one summary line
for f in sequential concurrent timeout-seen every-field; do
  run 0 check-history "$data/$f.jsonl"
  tail -n 1 "$tmp/out" | grep -Eq "^podsim: linearizable history=.*$f.jsonl ops=[0-9]+ checked=[0-9]+ no_answer=[0-9]+ keys=[0-9]+ components=[0-9]+ states=[0-9]+ steps=[0-9]+$"
  check "$f summary" $? "$(cat "$tmp/out")"
done

# --- not linearizable: exit 1, the culprits with client, times, op, answer
run 1 check-history "$data/stale-read.jsonl"
grep -q '^not linearizable: keys x ' "$tmp/out"; check "stale read: keys" $? "$(cat "$tmp/out")"
grep -q '^  c1 r2 \[0.000003000s, 0.000004000s\] put x "2" -> ok$' "$tmp/out"; check "stale read: the overwrite" $? "$(cat "$tmp/out")"
grep -q '^  c2 r1 \[0.000005000s, 0.000006000s\] get x -> "1"$' "$tmp/out"; check "stale read: the read" $? "$(cat "$tmp/out")"
grep -q '^note: c2 r1 saw "1" in x, written by c1 r1 ' "$tmp/out"; check "stale read: the note" $? "$(cat "$tmp/out")"
grep -q '^podsim: not linearizable history=' "$tmp/out"; check "stale read: summary" $? "$(cat "$tmp/out")"
grep -q '^podsim: culprits=2 (minimal)' "$tmp/out"; check "stale read: culprits" $? "$(cat "$tmp/out")"
run 1 check-history "$data/txn-half.jsonl"
grep -q 'txn {put a "new"; put b "new"} -> ok' "$tmp/out"; check "half a txn" $? "$(cat "$tmp/out")"

# --- bad input: exit 2, file:line:col and what was expected
run 2 check-history "$data/bad-unknown-field.jsonl"
grep -q "bad-unknown-field.jsonl:2:61: error: unknown field 'vaule'; expected type, client, id" "$tmp/err"; check "unknown field" $? "$(cat "$tmp/err")"
run 2 check-history "$data/bad-time-order.jsonl"
grep -q "bad-time-order.jsonl:2:42: error: time 999 is before the previous line's 1000" "$tmp/err"; check "time order" $? "$(cat "$tmp/err")"
printf '{"type":"invoke","client":1,"id":1,"t":1,"op":"get","key":"k"}\n{"type":"complete","client":1,"id":1,"t":2,"status":"ok"}\n' >"$tmp/noval.jsonl"
run 2 check-history "$tmp/noval.jsonl"
grep -q "noval.jsonl:2:53: error: a get answered ok needs the 'value' it read" "$tmp/err"; check "get without value" $? "$(cat "$tmp/err")"
printf 'not json\n' >"$tmp/junk.jsonl"
run 2 check-history "$tmp/junk.jsonl"
grep -q "junk.jsonl:1:1: error: expected '{', found 'n'" "$tmp/err"; check "junk" $? "$(cat "$tmp/err")"

# --- undecided: a limit reached is exit 3, never a pass
run 3 check-history "$data/concurrent.jsonl" --max-steps 1
grep -q 'unknown (steps limit)' "$tmp/err"; check "steps limit" $? "$(cat "$tmp/err")"
grep -q '^podsim: unknown history=' "$tmp/out"; check "unknown summary" $? "$(cat "$tmp/out")"
run 3 check-history "$data/sequential.jsonl" --max-ops 2
grep -q 'unknown (operations limit)' "$tmp/err"; check "ops limit" $? "$(cat "$tmp/err")"

# --- an empty history is linearizable
: >"$tmp/empty.jsonl"
run 0 check-history "$tmp/empty.jsonl"
grep -q 'ops=0 ' "$tmp/out"; check "empty" $? "$(cat "$tmp/out")"

# --- podsim run --history FILE writes what check-history reads
run 0 run "$src/scenarios/rkv-leader-crash.scn" --seed 2 --history "$tmp/run.jsonl"
[ -s "$tmp/run.jsonl" ]; check "history written" $? "$(ls -l "$tmp/run.jsonl" 2>&1)"
run 0 check-history "$tmp/run.jsonl"
grep -Eq '^podsim: linearizable history=.* ops=[1-9][0-9]+ ' "$tmp/out"; check "the run's history is linearizable" $? "$(cat "$tmp/out")"
run 0 run "$src/scenarios/rkv-leader-crash.scn" --seed 2 --history "$tmp/run2.jsonl"
cmp -s "$tmp/run.jsonl" "$tmp/run2.jsonl"; check "the same seed writes the same history" $? "differs"
run 2 run "$src/scenarios/rkv-leader-crash.scn" --history
grep -q -- "--history: expected a file" "$tmp/err"; check "history without a file" $? "$(cat "$tmp/err")"
run 2 run "$src/scenarios/rkv-leader-crash.scn" --history "$tmp/no/such/dir/h.jsonl"
grep -q -- "--history: cannot write '.*h.jsonl'" "$tmp/err"; check "history to a missing directory" $? "$(cat "$tmp/err")"

finish cli_check_history
