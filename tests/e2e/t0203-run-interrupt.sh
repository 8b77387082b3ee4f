#!/usr/bin/env bash
# Ctrl-C safety: SIGINT once (finish the repetition) or twice (drop it) at
# several points leaves a consistent database that --resume completes, with
# the same numbers an uninterrupted run gives.
. "$(dirname "$0")/lib.sh"

# Two instances x 8 reps, each rep long enough (tens of ms) to be caught mid-way.
cat >"$TMP/slow.ini" <<'INI'
[global]
backend=sim
reps=8
mem=1G
vcpus=2
[boot]
workload=boot
strategy=dpamt-v6,sean-v5
INI
REPS_TOTAL=16

# The reference: the same plan, never interrupted.
"$TDXBENCH" --db "$TMP/ref.db" run --quiet "$TMP/slow.ini" >/dev/null 2>&1
check "reference run" test "$(sqlite3 "$TMP/ref.db" 'SELECT count(*) FROM reps')" -eq $REPS_TOTAL

count() { [ -s "$1" ] && sqlite3 "$1" "$2" 2>/dev/null || echo 0; }
# wait_for DB SQL N: until the query returns >= N (10 s at most)
wait_for() {
	local i
	for i in $(seq 500); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.02
	done
	return 1
}

# consistent NAME DB: what an interrupted session must look like
consistent() {
	local name="$1" db="$2"
	check "$name: integrity_check ok" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
	check "$name: session interrupted" test "$(sqlite3 "$db" 'SELECT status FROM sessions')" = interrupted
	check "$name: unfinished runs marked interrupted" \
		test "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE reps_done < reps AND status != 'interrupted'")" -eq 0
	check "$name: stored reps = reps_done (nothing half-written)" \
		test "$(sqlite3 "$db" 'SELECT count(*) FROM reps')" -eq "$(sqlite3 "$db" 'SELECT sum(reps_done) FROM runs')"
	check "$name: every stored rep is ok and has its metrics" \
		test "$(sqlite3 "$db" "SELECT count(*) FROM reps WHERE status != 'ok' OR id NOT IN (SELECT rep_id FROM metrics)")" -eq 0
	check "$name: each run kept a prefix of its reps" \
		test "$(sqlite3 "$db" 'SELECT count(*) FROM (SELECT run_id FROM reps GROUP BY run_id HAVING max(rep) + 1 != count(*))')" -eq 0
}

# resumed NAME DB: --resume finishes it, with the reference's numbers
resumed() {
	local name="$1" db="$2"
	run_tdx --db "$db" run --resume 1
	expect_rc "$name: --resume" 0
	check "$name: resume ran only what was missing" \
		grep -q "^tdxbench: \[1/$((REPS_TOTAL - $3))\] " "$TMP/err"
	check "$name: all runs done after resume" \
		test "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE status = 'done' AND reps_done = 8")" -eq 2
	check "$name: session done after resume" test "$(sqlite3 "$db" 'SELECT status FROM sessions')" = done
	check "$name: every rep once" test "$(sqlite3 "$db" 'SELECT count(DISTINCT run_id || ":" || rep) FROM reps')" -eq $REPS_TOTAL
	sqlite3 "$db" "ATTACH '$TMP/ref.db' AS ref;
		SELECT count(*) FROM (
		SELECT r.strategy, p.rep, p.seed, m.name, m.value FROM runs r JOIN reps p ON p.run_id = r.id JOIN metrics m ON m.rep_id = p.id
		EXCEPT
		SELECT r.strategy, p.rep, p.seed, m.name, m.value FROM ref.runs r JOIN ref.reps p ON p.run_id = r.id JOIN ref.metrics m ON m.rep_id = p.id)" >"$TMP/diff"
	check "$name: interrupted + resumed = uninterrupted, metric for metric" test "$(cat "$TMP/diff")" -eq 0
}

# 1. once, as soon as the session exists (during the first repetition)
DB="$TMP/a.db"
"$TDXBENCH" --db "$DB" run "$TMP/slow.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait_for "$DB" 'SELECT count(*) FROM sessions' 1
kill -INT $pid
wait $pid
RC=$?
expect_rc "SIGINT at the start" 130
check "says it finishes the current repetition" grep -q 'finishing the current repetition' "$TMP/err"
check "summary says what was kept" grep -q '^Interrupted: kept [0-9]* finished repetitions' "$TMP/out"
check "summary gives the resume command" grep -q 'tdxbench run --resume 1' "$TMP/out"
if [ "$(sqlite3 "$DB" 'SELECT count(*) FROM reps')" -eq 0 ]; then
	check "no rep kept: no compare/report/show suggestions" \
		bash -c "! grep -qE '^Next:|tdxbench (compare|report|show)' '$TMP/out'"
else
	check "reps kept: the usual suggestions" grep -q '^Next:' "$TMP/out"
fi
consistent "at start" "$DB"
kept=$(sqlite3 "$DB" 'SELECT count(*) FROM reps')
check "at start: the run was cut short" test "$kept" -lt $REPS_TOTAL
resumed "at start" "$DB" "$kept"

# 2. once, in the middle
DB="$TMP/b.db"
"$TDXBENCH" --db "$DB" run "$TMP/slow.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait_for "$DB" 'SELECT count(*) FROM reps' 5
kill -INT $pid
wait $pid
RC=$?
expect_rc "SIGINT in the middle" 130
consistent "middle" "$DB"
kept=$(sqlite3 "$DB" 'SELECT count(*) FROM reps')
check "middle: the finished repetitions are kept" test "$kept" -ge 5 -a "$kept" -lt $REPS_TOTAL
check "middle: the current repetition was finished, not lost" \
	grep -q "Interrupted: kept $kept finished" "$TMP/out"
check "middle: the summary counts the reps kept, not the 8 planned" \
	bash -c "grep -E 'median \+-MAD%, ' '$TMP/out' | grep -qE ', [1-7](-[1-7])? reps?$'"
resumed "middle" "$DB" "$kept"

# 3. twice: stop now, only the unfinished repetition is dropped
DB="$TMP/c.db"
"$TDXBENCH" --db "$DB" run "$TMP/slow.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait_for "$DB" 'SELECT count(*) FROM reps' 3
kill -INT $pid
sleep 0.002
kill -INT $pid
wait $pid
RC=$?
expect_rc "SIGINT twice" 130
# the second signal can land after the first has already ended the run
check "says it stops (now, or after the repetition)" grep -qE 'stopping now|finishing the current' "$TMP/err"
consistent "twice" "$DB"
kept=$(sqlite3 "$DB" 'SELECT count(*) FROM reps')
check "twice: the finished repetitions are kept" test "$kept" -ge 3
# 4. ... and a Ctrl-C during the resume itself, then a second resume
"$TDXBENCH" --db "$DB" run --resume 2 >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait_for "$DB" 'SELECT count(*) FROM reps' $((kept + 2))
kill -INT $pid
wait $pid
RC=$?
if [ "$(sqlite3 "$DB" 'SELECT count(*) FROM reps')" -lt $REPS_TOTAL ]; then
	expect_rc "SIGINT during --resume" 130
	consistent "during resume" "$DB"
else
	skip "SIGINT during --resume" "the resume finished first"
fi
kept=$(sqlite3 "$DB" 'SELECT count(*) FROM reps')
resumed "twice" "$DB" "$kept"

# 5. twice, surely mid-repetition: long repetitions (16G, ~0.7 s each here)
cat >"$TMP/big.ini" <<'INI'
[global]
backend=sim
reps=3
mem=16G
vcpus=2
[boot]
workload=boot
strategy=dpamt-v6,sean-v5
INI
DB="$TMP/e.db"
"$TDXBENCH" --db "$DB" run "$TMP/big.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait_for "$DB" 'SELECT count(*) FROM reps' 2
before=$(sqlite3 "$DB" 'SELECT count(*) FROM reps')
kill -INT $pid
sleep 0.05
kill -INT $pid
wait $pid
RC=$?
expect_rc "SIGINT twice mid-repetition" 130
check "twice mid-rep: says it stops now" grep -q 'stopping now' "$TMP/err"
consistent "twice mid-rep" "$DB"
check "twice mid-rep: the unfinished repetition was dropped, the finished kept" \
	test "$(sqlite3 "$DB" 'SELECT count(*) FROM reps')" -eq "$before"
check "twice mid-rep: the run says why" \
	test "$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE reason LIKE '%unfinished repetition dropped%'")" -eq 2
run_tdx --db "$DB" run --resume 1 --quiet
expect_rc "twice mid-rep: --resume" 0
check "twice mid-rep: complete after resume" \
	test "$(sqlite3 "$DB" "SELECT count(*) FROM reps WHERE status = 'ok'")" -eq 6

run_tdx --db "$DB" run --resume 1
expect_rc "resuming a finished session" 0
check "says there is nothing to resume" grep -q 'Nothing to resume' "$TMP/out"

done_testing
