#!/usr/bin/env bash
# The command line as a user meets it: exit codes, messages, determinism.
# usage: cli_run.sh PODSIM SOURCE_DIR
set -uo pipefail
podsim=${1:?podsim binary}
src=${2:?source dir}
# shellcheck source=tests/lib_cli.sh
. "$(dirname "$0")/lib_cli.sh"
cd "$src"

hash_of() { grep -o 'trace_hash=[0-9a-f]\{16\}' "$tmp/out" | tail -n 1; }

# --- help, version, usage errors: exit 0 / 2
run 0 --help;            grep -q 'usage: podsim run FILE' "$tmp/out"; check "help text" $? "$(cat "$tmp/out")"
run 0 --version;         grep -q '^podsim [0-9]' "$tmp/out"; check "version" $? "$(cat "$tmp/out")"
run 2;                   grep -q 'usage:' "$tmp/err"; check "no args prints usage" $? ""
run 2 frobnicate;        grep -q "unknown command 'frobnicate'; expected run, fuzz, shrink, check-history" "$tmp/err"; check "unknown command" $? "$(cat "$tmp/err")"
run 2 run;               grep -q 'expected a scenario file' "$tmp/err"; check "run without file" $? "$(cat "$tmp/err")"
run 2 run scenarios/quickstart.scn --sed 3; grep -q "unknown option '--sed'" "$tmp/err"; check "unknown option" $? "$(cat "$tmp/err")"
run 2 run scenarios/quickstart.scn --seed -3; grep -q -- "--seed: expected an unsigned 64-bit integer, found '-3'" "$tmp/err"; check "bad seed" $? "$(cat "$tmp/err")"
run 2 run scenarios/quickstart.scn --seed 18446744073709551616; grep -q "found '18446744073709551616'" "$tmp/err"; check "seed overflow rejected" $? "$(cat "$tmp/err")"
run 2 run scenarios/quickstart.scn --trace-format=xml; grep -q 'expected text or jsonl' "$tmp/err"; check "bad trace format" $? "$(cat "$tmp/err")"
run 2 run "$tmp/missing.scn"; grep -q "missing.scn: error:" "$tmp/err"; check "missing file" $? "$(cat "$tmp/err")"

# --- a typo in a scenario: file:line:col and exit 2
printf 'cluster nodes=3 type=echo\nrun 1s\nat 1s crsh n1\n' >"$tmp/typo.scn"
run 2 run "$tmp/typo.scn"; grep -q "typo.scn:3:7: error:" "$tmp/err"; check "typo names file:line:col" $? "$(cat "$tmp/err")"
printf 'cluster nodes=3 type=ehco\n' >"$tmp/type.scn"
run 2 run "$tmp/type.scn"; grep -q "type.scn:1:22: error: unknown node type 'ehco'" "$tmp/err"; check "unknown node type" $? "$(cat "$tmp/err")"
printf 'cluster nodes=3 type=echo\nexpect echo.pong > 1\n' >"$tmp/ctr.scn"
run 2 run "$tmp/ctr.scn"; grep -q "ctr.scn:2:8: error: unknown counter 'echo.pong'" "$tmp/err"; check "unknown counter" $? "$(cat "$tmp/err")"
printf 'cluster nodes=3 type=rkv\nrun 5s\nat 1s partition leader | n2,n3\n' >"$tmp/target.scn"
run 2 run "$tmp/target.scn"; grep -q "target.scn:3:26: error: a partition around 'leader'" "$tmp/err"; check "leader target names file:line:col" $? "$(cat "$tmp/err")"
printf 'cluster nodes=3 type=rkv\nrun 5s\nat 4s crash leader\nliveness within=2s\n' >"$tmp/live.scn"
run 2 run "$tmp/live.scn"; grep -q "live.scn:4:1: error: the liveness bound ends after the run" "$tmp/err"; check "liveness bound" $? "$(cat "$tmp/err")"

# --- bad Low-Water Mark parameters of the rkv node: file:line:col and exit 2
printf 'cluster nodes=3 type=rkv\nnode snapshot_entries=100 lwm_policy=oldest\nrun 1s\n' >"$tmp/lwm.scn"
run 2 run "$tmp/lwm.scn"; grep -q "lwm.scn:2:27: error: .*expected lwm_policy=snapshot or lwm_policy=time, found 'oldest'" "$tmp/err"; check "bad lwm_policy" $? "$(cat "$tmp/err")"
printf 'cluster nodes=3 type=rkv\nnode cleaner_ms=0\nrun 1s\n' >"$tmp/lwm2.scn"
run 2 run "$tmp/lwm2.scn"; grep -q "lwm2.scn:2:6: error: .*expected cleaner_ms=N with N in 1..3600000, found '0'" "$tmp/err"; check "bad cleaner_ms" $? "$(cat "$tmp/err")"

# --- a pass prints one summary line with seed, events, sim time, hash
run 0 run scenarios/quickstart.scn --seed 7
tail -n 1 "$tmp/out" | grep -Eq '^podsim: pass .*seed=7 events=[0-9]+ sim_time=10\.000000000s trace_hash=[0-9a-f]{16}$'
check "summary line" $? "$(tail -n 1 "$tmp/out")"
h7=$(hash_of)
run 0 run scenarios/quickstart.scn --seed 7; [ "$(hash_of)" = "$h7" ]; check "same seed, same hash" $? "$h7 vs $(hash_of)"
run 0 run scenarios/quickstart.scn --seed 8; [ "$(hash_of)" != "$h7" ]; check "other seed, other hash" $? "$h7"
run 0 run scenarios/quickstart.scn --seed 7 --trace; [ "$(hash_of)" = "$h7" ]; check "--trace keeps the hash" $? ""
[ "$(wc -l <"$tmp/out")" -gt 100 ]; check "--trace prints events" $? "$(wc -l <"$tmp/out") lines"
grep -q ' n1     node-crash' "$tmp/out"; check "trace shows the crash" $? ""
run 0 run scenarios/quickstart.scn --seed 7 --trace-format=jsonl; [ "$(hash_of)" = "$h7" ]; check "jsonl keeps the hash" $? ""
bad=$(grep -v '^podsim: ' "$tmp/out" | grep -cv '^{"t_ns":[0-9]*,"kind":"[a-zA-Z-]*","node":"[a-z0-9]*".*}$')
[ "$bad" -eq 0 ]; check "every jsonl line is an object" $? "$bad bad lines"

# --- a violated expectation: exit 1, the seed and the replay command
printf 'cluster nodes=2 type=echo\nrun 1s\nexpect echo.pings_sent == 0\n' >"$tmp/fail.scn"
run 1 run "$tmp/fail.scn" --seed 42
grep -q 'INVARIANT VIOLATED expect (line 3): expected echo.pings_sent == 0, found' "$tmp/err"; check "violation message" $? "$(cat "$tmp/err")"
grep -q "^replay: podsim run $tmp/fail.scn --seed 42 --trace$" "$tmp/out"; check "replay line" $? "$(cat "$tmp/out")"
grep -q 'podsim: violation .*seed=42 ' "$tmp/out"; check "violation summary" $? ""

# --- a budget: exit 1 and said clearly
run 1 run scenarios/quickstart.scn --max-events 100
grep -q 'BUDGET EXHAUSTED budget: events budget exhausted: 100 events' "$tmp/err"; check "budget message" $? "$(cat "$tmp/err")"
grep -q '^replay: podsim run scenarios/quickstart.scn --seed 1 --max-events 100 --trace$' "$tmp/out"; check "budget replay keeps --max-events" $? "$(cat "$tmp/out")"

# --- trace filters and the marked first violation
run 0 run scenarios/quickstart.scn --seed 7 --trace-node n3 --trace-from 4s --trace-to 5s --trace-kind send,deliver
others=$(grep -v '^podsim: ' "$tmp/out" | grep -Ecv '^ +4\.[0-9]+ n[0-9] +(send|deliver) ')
[ "$others" -eq 0 ]; check "filters keep only n3 send/deliver in 4s..5s" $? "$others other lines"
grep -q ' n3 ' "$tmp/out"; check "filter shows n3" $? ""
[ "$(hash_of)" = "$h7" ]; check "filters keep the hash" $? ""
run 2 run scenarios/quickstart.scn --trace-kind sned; grep -q "unknown kind 'sned'" "$tmp/err"; check "bad trace kind" $? "$(cat "$tmp/err")"
run 1 run "$tmp/fail.scn" --seed 42 --trace-kind note
grep -q '^>>> .*the first violated invariant' "$tmp/out"; check "violation marked in a filtered trace" $? ""

# --- determinism self-check
run 0 run scenarios/quickstart.scn --seed 3 --check-determinism
grep -q '^podsim: deterministic: two runs of seed 3 gave the same' "$tmp/out"; check "determinism check" $? "$(cat "$tmp/out")"

# --- fuzz: seeds, shards, JSON, exit codes
printf 'cluster nodes=3 type=echo\nrun 2s\n' >"$tmp/plain.scn"
run 0 fuzz "$tmp/plain.scn" --seeds 6 --json "$tmp/all.jsonl"
[ "$(wc -l <"$tmp/all.jsonl")" -eq 6 ]; check "fuzz json has a line per seed" $? "$(cat "$tmp/all.jsonl")"
grep -q '^podsim fuzz: pass .*seeds=6 failed=0' "$tmp/out"; check "fuzz summary" $? "$(cat "$tmp/out")"
run 0 fuzz "$tmp/plain.scn" --seeds 6 --shard 1/2 --json "$tmp/s1.jsonl"
run 0 fuzz "$tmp/plain.scn" --seeds 6 --shard 2/2 -j 2 --json "$tmp/s2.jsonl"
[ "$(sort "$tmp/s1.jsonl" "$tmp/s2.jsonl")" = "$(sort "$tmp/all.jsonl")" ]; check "shards merge to the whole" $? ""
run 2 fuzz scenarios/quickstart.scn; grep -q 'expected exactly one of --seeds N or --time' "$tmp/err"; check "fuzz needs a bound" $? ""
# A fuzz seed replays with the hash the campaign recorded.
fuzz_hash=$(grep '"seed":4,' "$tmp/all.jsonl" | grep -o '"trace_hash":"[0-9a-f]*"' | cut -d'"' -f4)
run 0 run "$tmp/plain.scn" --seed 4 --swarm
[ -n "$fuzz_hash" ] && [ "$(hash_of)" = "trace_hash=$fuzz_hash" ]; check "run --swarm replays the fuzz seed" $? "$fuzz_hash vs $(hash_of)"
run 0 run "$tmp/plain.scn" --seed 4 --swarm --print-scenario
cp "$tmp/out" "$tmp/mixed.scn"
run 0 run "$tmp/mixed.scn" --seed 4
[ "$(hash_of)" = "trace_hash=$fuzz_hash" ]; check "the printed mixed scenario replays it too" $? "$(hash_of)"
run 2 fuzz scenarios/quickstart.scn --seeds 5 --shard 3/2; grep -q -- '--shard: expected K/N' "$tmp/err"; check "bad shard" $? ""
run 1 fuzz "$tmp/fail.scn" --seeds 3 --no-swarm
grep -q "^replay: podsim run $tmp/fail.scn --seed 1 --trace$" "$tmp/out"; check "fuzz failure replay line" $? "$(cat "$tmp/out")"
run 1 run "$tmp/fail.scn" --seed 1; check "the replay fails too" 0 ""
run 2 shrink "$tmp/fail.scn"; grep -q 'expected --seed N' "$tmp/err"; check "shrink needs a seed" $? ""
run 2 shrink scenarios/quickstart.scn --seed 1; grep -q 'does not fail' "$tmp/err"; check "shrink of a passing seed" $? "$(cat "$tmp/err")"
run 0 shrink "$tmp/fail.scn" --seed 5 -o "$tmp/small.scn"
grep -q '^replay: podsim run' "$tmp/out"; check "shrink prints a replay" $? "$(cat "$tmp/out")"
run 1 run "$tmp/small.scn"; grep -q 'expected echo.pings_sent == 0' "$tmp/err"; check "the shrunk scenario fails the same way" $? "$(cat "$tmp/err")"

finish cli_run
