#!/usr/bin/env bash
# db check / db migrate, a damaged file, and concurrent writers creating one file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"

db="$TMP/fx.db"
make_fixture_db "$db"
export TDXBENCH_DB="$db"

run_tdx db check
expect_rc "db check on a good database" 0
check "db check: integrity ok" grep -qE '^integrity +ok' "$TMP/out"
check "db check: schema version" grep -qE '^schema version +2' "$TMP/out"
check "db check: row counts" grep -qE '^rows +hosts 1, sessions 1, runs 3, reps 6' "$TMP/out"
run_tdx db check --json
expect_rc "db check --json" 0
check "db check --json parses" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["schema_version"] == 2 and d["rows"]["metrics"] == 8, d
' "$TMP/out"

# a database whose header is fine but a page in the middle is garbage
cp "$db" "$TMP/bad.db"
printf '\xde\xad\xbe\xef%.0s' $(seq 1 256) | dd of="$TMP/bad.db" bs=4096 seek=8 conv=notrunc 2>/dev/null
before=$(sha256sum <"$TMP/bad.db")
run_tdx --db "$TMP/bad.db" db check
expect_rc "db check on a damaged database" 1
check "damaged: says so, naming the file" grep -q "'$TMP/bad.db' is damaged" "$TMP/err"
every_line_names() { ! grep -vF "'$1'" "$TMP/err"; }
check "damaged: every finding is one line naming the file" every_line_names "$TMP/bad.db"
check "damaged: file unchanged by db check" test "$(sha256sum <"$TMP/bad.db")" = "$before"

run_tdx db migrate
expect_rc "db migrate on a current database" 0
check "db migrate reports the version" grep -q "schema version 2" "$TMP/out"
run_tdx --db "$TMP/none.db" db migrate
expect_rc "db migrate never creates" 1
check "db migrate never creates: no file" test ! -e "$TMP/none.db"
: >"$TMP/empty.db"
run_tdx --db "$TMP/empty.db" db migrate
expect_rc "db migrate brings an empty file to the schema" 0
check "empty file migrated to version 2" test "$(sqlite3 "$TMP/empty.db" 'PRAGMA user_version')" = 2

run_tdx db
expect_rc "db without a subcommand" 2
run_tdx db chek
expect_rc "db with an unknown subcommand" 2
check "unknown subcommand suggests check" grep -q "did you mean 'check'" "$TMP/err"
check "unknown subcommand is one line" one_line_err

# four writers create and fill the same new file at once
new="$TMP/race/r.db"
pids=()
for i in 1 2 3 4; do
	"$TDXBENCH" --db "$new" --quiet host --store --label "w$i" >/dev/null 2>"$TMP/race$i.err" &
	pids+=($!)
done
all_ok=0
for p in "${pids[@]}"; do wait "$p" || all_ok=1; done
check "concurrent writers all succeed" test "$all_ok" = 0
check "concurrent writers: four host rows" test "$(sqlite3 "$new" 'SELECT count(*) FROM hosts')" = 4
check "concurrent writers: schema created once, intact" bash -c '"$1" --db "$2" db check >/dev/null' _ "$TDXBENCH" "$new"

done_testing
