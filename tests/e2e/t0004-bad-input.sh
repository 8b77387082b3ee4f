#!/usr/bin/env bash
# Damaged input: not a database, someone else's database, a newer schema, a
# read-only location. Each: one line naming the path, exit 1, file untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"

printf 'this is not a database\n' >"$TMP/text.db"
sqlite3 "$TMP/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (42);'
make_fixture_db "$TMP/newer.db"
sqlite3 "$TMP/newer.db" 'PRAGMA user_version = 99;'
head -c 100 "$TMP/newer.db" >"$TMP/short.db"	# a truncated header

one_line_naming() { one_line_err && grep -qF "'$1'" "$TMP/err"; }

# every command that opens the store, reading and writing
cmds=("list" "show 1" "export --format csv" "db check" "db migrate" "host --store")

for f in text other newer short; do
	path="$TMP/$f.db"
	before=$(sha256sum <"$path")
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		run_tdx --db "$path" $c
		expect_rc "$f.db: $c" 1
		check "$f.db: $c: one line naming the path" one_line_naming "$path"
		check "$f.db: $c: prints nothing on stdout" test ! -s "$TMP/out"
	done
	check "$f.db: unchanged after every command" test "$(sha256sum <"$path")" = "$before"
done
run_tdx --db "$TMP/text.db" list
check "text file: says it is not an sqlite database" grep -q "not an sqlite database" "$TMP/err"
run_tdx --db "$TMP/other.db" list
check "other database: says it is not ours" grep -q "not a tdxbench database" "$TMP/err"
run_tdx --db "$TMP/newer.db" list
check "newer schema: says so, with both versions" grep -q "schema version 99 is newer than this tdxbench knows (2)" "$TMP/err"

# reading commands never create a database
for c in "list" "show 1" "export --format json" "db check"; do
	# shellcheck disable=SC2086
	run_tdx --db "$TMP/missing/none.db" $c
	expect_rc "missing database: $c" 1
	check "missing database: $c: one line" one_line_err
done
check "missing database: nothing created" test ! -e "$TMP/missing"

# a folder where the file should be
mkdir "$TMP/adir"
run_tdx --db "$TMP/adir" list
expect_rc "a folder as database" 1
check "a folder: says so" grep -q "is a folder" "$TMP/err"

# Read-only location. We are usually root, for whom chmod means nothing, so
# use a read-only tmpfs in a private mount namespace when we may make one.
ro="$TMP/ro"
mkdir "$ro"
make_fixture_db "$TMP/good.db"
if unshare -m true 2>/dev/null; then
	cat >"$TMP/ro.sh" <<ROEOF
set -u
mount -t tmpfs tmpfs "$ro" && cp "$TMP/good.db" "$ro/t.db" && mount -o remount,ro "$ro" || exit 99
sha256sum <"$ro/t.db" >"$TMP/ro.before"
"$TDXBENCH" --db "$ro/t.db" host --store >"$TMP/ro.o1" 2>"$TMP/ro.e1"; echo \$? >"$TMP/ro.rc1"
"$TDXBENCH" --db "$ro/new/t.db" host --store >"$TMP/ro.o2" 2>"$TMP/ro.e2"; echo \$? >"$TMP/ro.rc2"
"$TDXBENCH" --db "$ro/t.db" db migrate >"$TMP/ro.o3" 2>"$TMP/ro.e3"; echo \$? >"$TMP/ro.rc3"
"$TDXBENCH" --db "$ro/t.db" list >"$TMP/ro.o4" 2>"$TMP/ro.e4"; echo \$? >"$TMP/ro.rc4"
sha256sum <"$ro/t.db" >"$TMP/ro.after"
ls -A "$ro" >"$TMP/ro.ls"
ROEOF
	unshare -m bash "$TMP/ro.sh"
	if [ $? = 99 ]; then
		skip "read-only location" "cannot mount a tmpfs here"
	else
		check "read-only: write refused with exit 1" test "$(cat "$TMP/ro.rc1")" = 1
		check "read-only: one line naming the path" \
			bash -c '[ "$(grep -c . "$1")" = 1 ] && grep -q "cannot write .*t.db.*Read-only file system" "$1"' _ "$TMP/ro.e1"
		check "read-only: nothing printed before the refusal" test ! -s "$TMP/ro.o1"
		check "read-only: creating refused with exit 1" test "$(cat "$TMP/ro.rc2")" = 1
		check "read-only: creating: one line" test "$(grep -c . "$TMP/ro.e2")" = 1
		check "read-only: migrate refused with exit 1" test "$(cat "$TMP/ro.rc3")" = 1
		check "read-only: reading still works" test "$(cat "$TMP/ro.rc4")" = 0
		check "read-only: reading lists the runs" grep -q "sean-v5" "$TMP/ro.o4"
		check "read-only: file unchanged" cmp -s "$TMP/ro.before" "$TMP/ro.after"
		check "read-only: no side files" test "$(cat "$TMP/ro.ls")" = t.db
	fi
else
	# no mount namespace: /proc is read-only to everyone, root included
	run_tdx --db /proc/tdxbench-test.db host --store
	expect_rc "read-only location (/proc): create refused" 1
	check "read-only location (/proc): one line" one_line_err
	skip "read-only location with an existing file" "unshare -m not permitted"
fi

done_testing
