#!/usr/bin/env bash
# Every way a run can end leaves statuses that tell the truth: SIGHUP and
# SIGTERM take the Ctrl-C path, a closed stdout (SIGPIPE) does not kill the
# session, a process killed outright (kill -9, the OOM killer) leaves a
# session 'db check' reports and 'db repair' marks interrupted, a session
# being run is locked against a second --resume, and a damaged database is
# never written into.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/slow.ini" <<'INI'
[global]
backend=sim
reps=40
mem=1G
vcpus=2
[boot]
workload=boot
strategy=dpamt-v6,sean-v5
INI

count() { [ -s "$1" ] && sqlite3 "$1" "$2" 2>/dev/null || echo 0; }
wait_for() {	# DB SQL N: until the query returns >= N (10 s at most)
	local i
	for i in $(seq 500); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.02
	done
	return 1
}
no_running() { test "$(sqlite3 "$1" "SELECT count(*) FROM runs WHERE status = 'running'") \
$(sqlite3 "$1" "SELECT count(*) FROM sessions WHERE status = 'running'")" = "0 0"; }

for sig in HUP TERM; do
	DB="$TMP/$sig.db"
	"$TDXBENCH" --db "$DB" run --quiet "$TMP/slow.ini" >/dev/null 2>&1 &
	pid=$!
	wait_for "$DB" 'SELECT count(*) FROM reps' 2
	kill -$sig $pid
	wait $pid
	rc=$?
	check "SIG$sig: exit 130 (got $rc)" test $rc -eq 130
	check "SIG$sig: session interrupted" test "$(sqlite3 "$DB" 'SELECT status FROM sessions')" = interrupted
	check "SIG$sig: nothing left running" no_running "$DB"
done

DB="$TMP/pipe.db"
"$TDXBENCH" --db "$DB" run --workload boot --set mem=64M --reps 2 | head -c 1 >/dev/null
check "stdout closed early (SIGPIPE): the session still ends done" \
	test "$(sqlite3 "$DB" 'SELECT status FROM sessions')" = done
check "SIGPIPE: nothing left running" no_running "$DB"

DB="$TMP/kill.db"
"$TDXBENCH" --db "$DB" run --quiet "$TMP/slow.ini" >/dev/null 2>&1 &
pid=$!
wait_for "$DB" 'SELECT count(*) FROM reps' 2
kill -9 $pid
wait $pid 2>/dev/null
run_tdx --db "$DB" db check
expect_rc "db check after kill -9 finds the stale session" 1
check "and names it" grep -q '^stale sessions *1 ' "$TMP/out"
run_tdx --db "$DB" db repair
expect_rc "db repair" 0
check "marks it interrupted" test "$(sqlite3 "$DB" 'SELECT status FROM sessions')" = interrupted
check "with no run left running" no_running "$DB"
check "the runs say why" test "$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE reason LIKE '%ended without recording%'")" -ge 1
run_tdx --db "$DB" db check
expect_rc "db check is clean after the repair" 0

# a resume in progress holds the session: a second one refuses
"$TDXBENCH" --db "$DB" run --quiet --resume 1 >/dev/null 2>&1 &
pid=$!
wait_for "$DB" "SELECT count(*) FROM runs WHERE status = 'running'" 1
run_tdx --db "$DB" run --resume 1
expect_rc "a second --resume of a running session" 1
check "says another process runs it" grep -q 'session 1 is being run by another tdxbench process' "$TMP/err"
run_tdx --db "$DB" db check
check "db check does not call a held session stale" sh -c '! grep -q "^stale" "$0"' "$TMP/out"
kill -INT $pid; kill -INT $pid 2>/dev/null
wait $pid

# Ctrl-C twice while a 20,000-instance plan is being prepared stops it there
DB="$TMP/prep.db"
"$TDXBENCH" --db "$DB" --quiet run --workload boot --set vcpus=1..20,tds=1..1000,mem=2M --reps 1 \
	>/dev/null 2>&1 &
pid=$!
wait_for "$DB" 'SELECT count(*) FROM runs' 100
kill -INT $pid; sleep 0.2; kill -INT $pid
wait $pid
rc=$?
check "two Ctrl-C during preparation: exit 130 (got $rc)" test $rc -eq 130
check "before every instance got its row" test "$(sqlite3 "$DB" 'SELECT count(*) FROM runs')" -lt 20000
check "the rows made are interrupted, the session too" \
	test "$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE status != 'interrupted'") $(sqlite3 "$DB" 'SELECT status FROM sessions')" = "0 interrupted"

# a damaged file: refused before anything is written
DB="$TMP/bad.db"
"$TDXBENCH" --db "$DB" run --quiet --workload boot --set mem=64M --reps 2 >/dev/null 2>&1
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
pages=$(sqlite3 "$DB" 'PRAGMA page_count')
size=$(stat -c %s "$DB")
dd if=/dev/urandom of="$DB" bs=4096 seek=$((pages / 2)) count=1 conv=notrunc status=none
before=$(sha256sum <"$DB")
run_tdx --db "$DB" run --workload boot --set mem=64M --reps 1
expect_rc "run into a damaged database" 1
check "says it is damaged" grep -q "is damaged: not writing into it" "$TMP/err"
check "and left it as it was" test "$(sha256sum <"$DB")" = "$before"
done_testing
