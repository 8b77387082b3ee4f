#!/usr/bin/env bash
# A failing job instance is recorded failed with its reason; the others run;
# the exit status says something failed.
. "$(dirname "$0")/lib.sh"
DB="$TMP/f.db"
q() { sqlite3 "$DB" "$1"; }

cat >"$TMP/f.ini" <<'INI'
[global]
backend=sim
mem=16M
reps=2
[good]
workload=boot
strategy=dpamt-v6,sean-v5
[bad]
workload=boot
strategy=static
; passes the type check (a size) but the workload cannot be built
mem=3M
INI

run_tdx --db "$DB" run "$TMP/f.ini"
expect_rc "a failing instance makes the run exit 1" 1
check "the failure is reported on stderr" grep -q "run 3 (bad: static boot) failed: workload 'boot': mem=3M: must be a multiple of 2M" "$TMP/err"
check "and listed under the summary" grep -q '^Failed: run 3 (bad): ' "$TMP/out"
check "the other instances ran" test "$(q "SELECT count(*) FROM runs WHERE status = 'done' AND reps_done = 2")" -eq 2
check "the failed run is stored with its reason" \
	test "$(q "SELECT status || ': ' || reason FROM runs WHERE id = 3")" = "failed: workload 'boot': mem=3M: must be a multiple of 2M"
check "session marked failed" test "$(q 'SELECT status FROM sessions')" = failed
check "integrity_check ok" test "$(q 'PRAGMA integrity_check')" = ok

# compare leaves the failed run out, saying why, instead of matching it
run_tdx --db "$DB" compare job=good job=bad
expect_rc "compare against a side whose only run failed" 0
check "the failed run is named with its reason, once" \
	test "$(grep -c "^cand run 3, no successful repetition, left out: workload 'boot': mem=3M" "$TMP/out")" -eq 1
check "and not matched as a block" bash -c "! grep -q 'no metric recorded on both sides' '$TMP/out'"
run_tdx --db "$DB" --json compare job=good job=bad
check "json lists it under failed_runs" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [(r["side"], r["id"]) for r in d["failed_runs"]] == [(1, 3)], d["failed_runs"]
' "$TMP/out"

# nothing ran at all: no suggestions to compare, report or show nothing
run_tdx --db "$TMP/g.db" run --workload boot --set mem=3M --reps 2
expect_rc "every instance fails" 1
check "says no repetition finished" grep -q '^No repetition finished: nothing to compare or report' "$TMP/out"
check "and suggests nothing" bash -c "! grep -qE '^Next:|tdxbench (compare|report|show)' '$TMP/out'"

run_tdx --db "$DB" run --resume 3
expect_rc "resume skips failed runs" 0
check "nothing to resume" grep -q 'Nothing to resume' "$TMP/out"
done_testing
