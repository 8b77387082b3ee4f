#!/usr/bin/env bash
# db merge: idempotent, all or nothing (a conflict or a kill -9 leaves OUT as
# it was), old files merge after their migration, and an interrupted session
# merged into another database can be --resume'd there.
. "$(dirname "$0")/lib.sh"
db_ok() { "$TDXBENCH" --db "$1" db check >/dev/null; }

small() {	# small DB [tdxbench run args...]
	local db=$1; shift
	"$TDXBENCH" --db "$db" --quiet run --reps 2 --set mem=64M,vcpus=1 "$@" >/dev/null 2>&1
}
small "$TMP/a.db" --workload boot --strategy dpamt-v6,sean-v5
small "$TMP/b.db" --workload random4k --strategy dpamt-v6
check "two inputs made" test -s "$TMP/a.db" -a -s "$TMP/b.db"

# ---- usage ----
run_tdx db merge "$TMP/out.db"
expect_rc "merge without inputs" 2
check "merge without inputs: one line" one_line_err
run_tdx db merge "$TMP/out.db" "$TMP/none.db"
expect_rc "a missing input" 1
check "a missing input: one line naming it" grep -q "none.db" "$TMP/err"
check "a missing input: no OUT made" test ! -e "$TMP/out.db"

# ---- merge, then again ----
run_tdx db merge "$TMP/out.db" "$TMP/a.db" "$TMP/b.db"
expect_rc "merge two databases into a new one" 0
check "merge says what it added" grep -q "added 1 host, 2 sessions, 3 runs, 6 repetitions from 2 databases" "$TMP/out"
check "the inputs are unchanged by a merge" test "$(sqlite3 "$TMP/a.db" 'SELECT count(*) FROM runs')" -eq 2
dump() { sqlite3 "$1" .dump | sha256sum; }
before=$(dump "$TMP/out.db") bytes=$(sha256sum <"$TMP/out.db")
run_tdx db merge "$TMP/out.db" "$TMP/b.db" "$TMP/a.db" "$TMP/a.db"
expect_rc "merging them again" 0
check "merging again: nothing new" grep -q "nothing new in 3 databases" "$TMP/out"
check "merging again: the same content" test "$(dump "$TMP/out.db")" = "$before"
check "merging again: not a byte changed" test "$(sha256sum <"$TMP/out.db")" = "$bytes"
run_tdx --json db merge "$TMP/out.db" "$TMP/a.db"
check "--json: counts" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["runs"] == 0 and d["reps"] == 0, d' <"$TMP/out"
run_tdx --db "$TMP/out.db" compare strategy=dpamt-v6 strategy=sean-v5
expect_rc "compare on the merged file" 0
check "compare on the merged file: both inputs' runs" grep -qE "'strategy=dpamt-v6' runs 1,3[, ]" "$TMP/out"

# ---- a conflict: same run id, other content ----
cp "$TMP/a.db" "$TMP/bad.db"
sqlite3 "$TMP/bad.db" "UPDATE metrics SET value = value + 1 WHERE rowid = (SELECT min(rowid) FROM metrics)"
uuid=$(sqlite3 "$TMP/bad.db" "SELECT r.uuid FROM metrics m JOIN reps p ON p.id = m.rep_id JOIN runs r ON r.id = p.run_id WHERE m.rowid = (SELECT min(rowid) FROM metrics)")
ls "$TMP"/out.db* >"$TMP/files.before"
run_tdx db merge "$TMP/out.db" "$TMP/bad.db"
expect_rc "a conflicting input is refused" 1
check "conflict: one line" one_line_err
check "conflict: the line names the run" grep -q "run $uuid rep 0 differs in metrics" "$TMP/err"
run_tdx --db "$TMP/out.db" list "uuid=${uuid:0:8}"
check "the run the conflict names: list uuid=PREFIX finds it in OUT" test "$(grep -c '^ *[0-9]' "$TMP/out")" -eq 1
check "conflict: OUT untouched, byte for byte" test "$(sha256sum <"$TMP/out.db")" = "$bytes"
check "conflict: no file left beside OUT" cmp -s "$TMP/files.before" <(ls "$TMP"/out.db*)
run_tdx db merge "$TMP/new.db" "$TMP/a.db" "$TMP/bad.db"
expect_rc "a conflict between two inputs" 1
check "a conflict between two inputs: no OUT made" test ! -e "$TMP/new.db"

# ---- a version-1 file: migrated, it merges like any other ----
cp "$TMP/a.db" "$TMP/v1.db"
sqlite3 "$TMP/v1.db" "DROP TRIGGER sessions_uuid; DROP TRIGGER runs_uuid; DROP INDEX sessions_uuid;
	DROP INDEX runs_uuid; ALTER TABLE sessions DROP COLUMN uuid; ALTER TABLE sessions DROP COLUMN shard;
	ALTER TABLE runs DROP COLUMN uuid; UPDATE meta SET value = '1' WHERE key = 'schema_version';
	PRAGMA user_version = 1;"
cp "$TMP/v1.db" "$TMP/v1copy.db"
run_tdx db merge "$TMP/out.db" "$TMP/v1.db"
expect_rc "a version-1 input is refused until migrated" 1
check "version 1: the line says how to migrate" grep -q "db migrate" "$TMP/err"
"$TDXBENCH" --db "$TMP/v1.db" --quiet db migrate && "$TDXBENCH" --db "$TMP/v1copy.db" --quiet db migrate
run_tdx db merge "$TMP/old.db" "$TMP/v1.db" "$TMP/v1copy.db"
expect_rc "two copies of one old file, migrated apart, merge" 0
check "two migrated copies are one: 2 runs" grep -q "added 1 host, 1 session, 2 runs, 4 repetitions from 2" "$TMP/out"

# ---- kill -9 in the middle of a merge ----
small "$TMP/big.db" --workload boot --strategy dpamt-v6
sqlite3 "$TMP/big.db" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 600000)
	INSERT INTO samples(rep_id, series, unit, t_ns, value) SELECT 1, 'bulk', 'count', i, i FROM c"
before=$(dump "$TMP/out.db") bytes=$(sha256sum <"$TMP/out.db")
"$TDXBENCH" db merge "$TMP/out.db" "$TMP/big.db" >/dev/null 2>&1 &
pid=$!
# the transaction is under way once OUT's write-ahead log grows
killed=no
for _ in $(seq 1000); do
	kill -0 $pid 2>/dev/null || break
	if [ "$(stat -c %s "$TMP/out.db-wal" 2>/dev/null || echo 0)" -gt 2000000 ]; then
		kill -9 $pid 2>/dev/null && killed=yes
		break
	fi
	sleep 0.01
done
wait $pid 2>/dev/null
check "kill -9 landed while the merge was writing" test $killed = yes
check "kill -9: OUT's file not touched" test "$(sha256sum <"$TMP/out.db")" = "$bytes"
check "kill -9: OUT's content as it was" test "$(dump "$TMP/out.db")" = "$before"
check "kill -9: OUT passes db check" db_ok "$TMP/out.db"
run_tdx db merge "$TMP/out.db" "$TMP/big.db"
expect_rc "the merge, run again, completes" 0
check "the merge, run again: the bulk rows are in" test "$(sqlite3 "$TMP/out.db" "SELECT count(*) FROM samples WHERE series = 'bulk'")" -eq 600000

# ---- an interrupted session, merged, resumed in the merged file ----
cat >"$TMP/slow.ini" <<'INI'
[global]
backend=sim
reps=6
mem=1G
vcpus=2
[boot]
workload=boot
strategy=dpamt-v6,sean-v5
INI
"$TDXBENCH" --db "$TMP/ref.db" --quiet run "$TMP/slow.ini" >/dev/null 2>&1
"$TDXBENCH" --db "$TMP/int.db" run "$TMP/slow.ini" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 500); do
	[ "$(sqlite3 "$TMP/int.db" 'SELECT count(*) FROM reps' 2>/dev/null || echo 0)" -ge 3 ] && break
	sleep 0.02
done
kill -INT $pid
wait $pid
check "the session was interrupted" test "$(sqlite3 "$TMP/int.db" 'SELECT status FROM sessions')" = interrupted
run_tdx db merge "$TMP/out.db" "$TMP/int.db"
expect_rc "merge the interrupted session" 0
run_id=$(sqlite3 "$TMP/out.db" "SELECT min(r.id) FROM runs r JOIN sessions s ON s.id = r.session_id WHERE s.status = 'interrupted'")
check "the merged session is interrupted" test -n "$run_id"
run_tdx --db "$TMP/out.db" run --quiet --resume "$run_id"
expect_rc "--resume it in the merged database" 0
check "resumed: every run done" test "$(sqlite3 "$TMP/out.db" "SELECT count(*) FROM runs r JOIN sessions s ON s.id = r.session_id WHERE s.uuid = (SELECT uuid FROM sessions WHERE id = (SELECT session_id FROM runs WHERE id = $run_id)) AND r.status = 'done' AND r.reps_done = 6")" -eq 2
metrics_of() {
	sqlite3 "$1" "SELECT r.strategy, p.rep, m.name, printf('%!.17g', m.value) FROM metrics m
	              JOIN reps p ON p.id = m.rep_id JOIN runs r ON r.id = p.run_id
	              WHERE r.job = 'boot' AND r.reps = 6" | sort
}
check "resumed: the numbers of an uninterrupted run" cmp -s <(metrics_of "$TMP/ref.db") <(metrics_of "$TMP/out.db")
run_tdx db merge "$TMP/out.db" "$TMP/int.db"
check "merging the interrupted copy again adds nothing" grep -q "nothing new" "$TMP/out"

# ---- merging a database while a run is still writing it ----
"$TDXBENCH" --db "$TMP/live.db" --quiet run "$TMP/slow.ini" >/dev/null 2>&1 &
pid=$!
merges=0 bad=0
while kill -0 $pid 2>/dev/null; do
	if [ -s "$TMP/live.db" ]; then
		"$TDXBENCH" --quiet db merge "$TMP/live-out.db" "$TMP/live.db" 2>>"$TMP/live.err" || bad=$((bad + 1))
		merges=$((merges + 1))
	fi
	sleep 0.1
done
wait $pid
"$TDXBENCH" --quiet db merge "$TMP/live-out.db" "$TMP/live.db" || bad=$((bad + 1))
check "merged $merges times during a run, then once after: no failure" test $bad -eq 0
check "each merge took a consistent snapshot: every rep with its samples" test \
	"$(sqlite3 "$TMP/live-out.db" 'SELECT count(*) FROM reps p WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.rep_id = p.id)')" -eq 0
check "after the last merge: the run's numbers, all of them" \
	cmp -s <(metrics_of "$TMP/live.db") <(metrics_of "$TMP/live-out.db")
check "after the last merge: statuses and counts as in the run's own file" test \
	"$(sqlite3 "$TMP/live-out.db" 'SELECT group_concat(status || reps_done, ",") FROM runs')" = \
	"$(sqlite3 "$TMP/live.db" 'SELECT group_concat(status || reps_done, ",") FROM runs')"

done_testing
