#!/usr/bin/env bash
# Output never overwrites what tdxbench did not write and never follows a
# symlink; each report call gets its own folder; text from the database
# reaches JSON valid and a terminal without control characters; empty or
# pointless requests fail instead of exiting 0.
. "$(dirname "$0")/lib.sh"
DB="$TMP/o.db"
cd "$TMP" || exit 1
"$TDXBENCH" --db "$DB" --quiet run --workload boot --set mem=64M --reps 2 --strategy dpamt-v6,sean-v5 \
	>/dev/null 2>&1

# two reports in the same second: two folders
"$TDXBENCH" --db "$DB" --quiet report --format txt & "$TDXBENCH" --db "$DB" --quiet report --format txt
wait
check "two report calls write two folders" test "$(ls -d results/report-* | wc -l)" -eq 2

mkdir mine && echo "my notes" >mine/report.txt
run_tdx --db "$DB" report --format txt -o mine
expect_rc "report -o into a folder holding the user's report.txt" 1
check "says it will not replace it" grep -q "exists and tdxbench did not write it" "$TMP/err"
check "the user's file is intact" test "$(cat mine/report.txt)" = "my notes"

mkdir trap && echo secret >victim && ln -s ../victim trap/report.txt
run_tdx --db "$DB" report --format txt -o trap
expect_rc "report -o into a folder with a planted symlink" 1
check "the symlink's target is untouched" test "$(cat victim)" = secret

run_tdx --db "$DB" report --format txt -o again
run_tdx --db "$DB" report --format txt -o again
expect_rc "a report may replace its own earlier files" 0

run_tdx --db "$DB" export --format csv -o x.csv
expect_rc "export -o a new file" 0
run_tdx --db "$DB" export --format csv -o x.csv
expect_rc "export -o an existing file" 1
ln -s victim link.csv
run_tdx --db "$DB" export --format csv -o link.csv
expect_rc "export -o a symlink" 1
check "the symlink's target is untouched" test "$(cat victim)" = secret
run_tdx --db "$DB" export --format csv -o none.csv workload=nothing
expect_rc "export of no runs" 1
check "and no file" test ! -e none.csv

run_tdx --db "$DB" compare 1 1
expect_rc "compare of a side with itself" 1
run_tdx --db "$DB" report --metrics nonexistent --format txt -o m
expect_rc "report --metrics of an unknown metric" 1
run_tdx --db "$DB" compare 1 2 --metric pamt_add,wall_ns
expect_rc "compare --metric of a metric these runs lack" 1
check "says so, without a 'did you mean' of itself" sh -c '! grep -q "did you mean .wall_ns" "$0" && grep -q "do not record metric .wall_ns" "$0"' "$TMP/err"

# what another tool (or an older tdxbench) left in the database
sqlite3 "$DB" "UPDATE runs SET label = CAST(X'6c61620a1b5b33316d78ff' AS TEXT) WHERE id = 1"
run_tdx --db "$DB" list
check "list shows no ESC or invalid UTF-8" sh -c '! grep -q "$(printf "\033")" "$0" && ! LC_ALL=C grep -q "$(printf "\377")" "$0"' "$TMP/out"
check "and no extra line" test "$(grep -c . "$TMP/out")" -eq 3
run_tdx --db "$DB" show 1
check "show neither" sh -c '! grep -q "$(printf "\033")" "$0"' "$TMP/out"
run_tdx --db "$DB" list --json
check "list --json is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$TMP/out"
run_tdx --db "$DB" export --format json
check "export --format json is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$TMP/out"
run_tdx --db "$DB" report --format html -o h
check "report.html carries no raw ESC" sh -c '! grep -q "$(printf "\033")" "$0"' h/report.html

# someone else's WAL-mode database: refused, and left as it was found
sqlite3 other.db 'PRAGMA journal_mode=WAL; CREATE TABLE t(x);' >/dev/null
run_tdx --db other.db list
expect_rc "list of another program's database" 1
check "leaves no -wal or -shm behind" test ! -e other.db-wal -a ! -e other.db-shm

# a read-only database in a folder nobody may write: still readable
mkdir ro && cp "$DB" ro/r.db && sqlite3 ro/r.db 'PRAGMA journal_mode=WAL' >/dev/null
chmod 444 ro/r.db && chmod 555 ro && chmod 755 "$TMP"
if [ "$(id -u)" -ne 0 ]; then
	as_user() { "$@"; }
elif command -v runuser >/dev/null; then
	as_user() { runuser -u nobody -- "$@"; }
else
	as_user() { return 125; }
fi
as_user "$TDXBENCH" --db ro/r.db list >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 125 ]; then skip "list of a read-only database in a read-only folder" "no other user"; else
	check "list of a read-only database in a read-only folder (exit $rc)" test $rc -eq 0
	check "shows its runs" grep -q ' boot ' "$TMP/out"
fi
chmod 755 ro

run_tdx run --dry-run --workload boot --label "$(printf 'a\033[2Jb')"
expect_rc "a label with a control character" 2
done_testing
