# lib_cli.sh — what the shell-level CLI tests (tests/cli_*.sh) share: a
# scratch directory, pass/fail counting, and running podsim with its exit
# status checked. Sourced after the script has set $podsim.

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
pass=0

check() { # check NAME CONDITION-RESULT(0/1) DETAIL
  if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1: $3"; failures=$((failures + 1)); fi
}

run() { # run EXPECTED_RC ARGS... ; output in $tmp/out, $tmp/err
  local want=$1; shift
  "$podsim" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq "$want" ]; check "podsim $* exits $want" $? "got $rc; stdout: $(head -c 300 "$tmp/out"); stderr: $(head -c 400 "$tmp/err")"
}

finish() { # finish SCRIPT-NAME: prints the counts; the script's exit status
  echo "$1: $pass passed, $failures failed"
  [ "$failures" -eq 0 ]
}
