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
; valid input, but the modelled host runs out of frames during the run
host_mem=16M
host_layout=fragmented
host_occupancy=0.4
INI

run_tdx --db "$DB" run "$TMP/f.ini"
expect_rc "a failing instance makes the run exit 1" 1
check "the failure is reported on stderr" grep -q "run 3 (bad: static boot) failed: rep 0: sim: host out of memory" "$TMP/err"
check "and listed under the summary" grep -q '^Failed: run 3 (bad): ' "$TMP/out"
check "the other instances ran" test "$(q "SELECT count(*) FROM runs WHERE status = 'done' AND reps_done = 2")" -eq 2
check "the failed run is stored with its reason" \
	sh -c 'case "$1" in "failed: rep 0: sim: host out of memory"*) ;; *) echo "# $1"; exit 1 ;; esac' _ "$(q "SELECT status || ': ' || reason FROM runs WHERE id = 3")"
check "session marked failed" test "$(q 'SELECT status FROM sessions')" = failed
check "integrity_check ok" test "$(q 'PRAGMA integrity_check')" = ok

# compare leaves the failed run out, saying why, instead of matching it
run_tdx --db "$DB" compare job=good job=bad
expect_rc "compare against a side whose only run failed" 0
check "the failed run is named with its reason, once" \
	test "$(grep -c "^cand run 3, no successful repetition, left out: rep 0: sim: host out of memory" "$TMP/out")" -eq 1
check "and not matched as a block" bash -c "! grep -q 'no metric recorded on both sides' '$TMP/out'"
run_tdx --db "$DB" --json compare job=good job=bad
check "json lists it under failed_runs" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [(r["side"], r["id"]) for r in d["failed_runs"]] == [(1, 3)], d["failed_runs"]
' "$TMP/out"

# nothing ran at all: no suggestions to compare, report or show nothing
run_tdx --db "$TMP/h.db" run --workload boot --strategy static --reps 2 \
	--set mem=16M,host_mem=16M,host_layout=fragmented,host_occupancy=0.4
expect_rc "every instance fails" 1
check "says no repetition finished" grep -q '^No repetition finished: nothing to compare or report' "$TMP/out"
check "and suggests nothing" bash -c "! grep -qE '^Next:|tdxbench (compare|report|show)' '$TMP/out'"

# input the workload cannot be built from is refused before anything is stored
sed -e 's/^host_mem=16M/mem=3M/' -e '/^host_layout/d' -e '/^host_occupancy/d' "$TMP/f.ini" >"$TMP/g.ini"
run_tdx --db "$TMP/g.db" run "$TMP/g.ini"
expect_rc "an instance that cannot be built is a usage error" 2
check "named with its job and reason" grep -q "instance 3 (bad: sim strategy=static workload=boot mem=3M .*): workload 'boot': mem=3M: must be a multiple of 2M" "$TMP/err"
check "and nothing was stored" test ! -e "$TMP/g.db"
run_tdx --db "$TMP/g.db" run --dry-run "$TMP/g.ini"
expect_rc "--dry-run applies the same checks" 2

run_tdx --db "$DB" run --resume 3
expect_rc "resume skips failed runs" 0
check "nothing to resume" grep -q 'Nothing to resume' "$TMP/out"
done_testing
