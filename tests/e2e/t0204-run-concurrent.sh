#!/usr/bin/env bash
# Two `tdxbench run` processes writing one database at the same time both
# finish with all their data.
. "$(dirname "$0")/lib.sh"
DB="$TMP/shared.db"

cat >"$TMP/c.ini" <<'INI'
[global]
backend=sim
mem=16M
reps=10
[boot]
workload=boot,random4k
strategy=static,dpamt-v6,sean-v5
INI

"$TDXBENCH" --db "$DB" run --quiet "$TMP/c.ini" >"$TMP/out1" 2>"$TMP/err1" &
p1=$!
"$TDXBENCH" --db "$DB" run --quiet "$TMP/c.ini" --seed 2 >"$TMP/out2" 2>"$TMP/err2" &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
check "first writer finished ok" test $rc1 -eq 0
check "second writer finished ok" test $rc2 -eq 0
check "no errors from either" test ! -s "$TMP/err1" -a ! -s "$TMP/err2"
check "integrity_check ok" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
check "two sessions, both done" test "$(sqlite3 "$DB" "SELECT count(*) FROM sessions WHERE status = 'done'")" -eq 2
for s in 1 2; do
	check "session $s: 6 runs done" \
		test "$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE session_id = $s AND status = 'done' AND reps_done = 10")" -eq 6
	check "session $s: 60 reps with metrics" \
		test "$(sqlite3 "$DB" "SELECT count(DISTINCT p.id) FROM reps p JOIN runs r ON r.id = p.run_id JOIN metrics m ON m.rep_id = p.id WHERE r.session_id = $s")" -eq 60
done
done_testing
