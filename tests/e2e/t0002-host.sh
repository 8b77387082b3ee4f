#!/usr/bin/env bash
# tdxbench host: the human summary, --json, labels, kernel trees, --store.
. "$(dirname "$0")/lib.sh"

run_tdx host
expect_rc "host" 0
for head in cpu numa kernel kvm tdx identity; do
	check "host prints a '$head' line" grep -q "^$head " "$TMP/out"
done
model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')
check "host names the CPU model from /proc/cpuinfo" grep -qF "$model" "$TMP/out"
check "host prints the NUMA nodes" grep -qE '^ +node [0-9]+: .* memory, cpus ' "$TMP/out"
check "host prints uname -r" grep -qF "$(uname -r)" "$TMP/out"
check "host reports each TDX witness" \
	grep -qE '^ +tdx_host_platform flag +(present|absent|unreadable)' "$TMP/out"
check "host reports the kernel log witness" \
	grep -qE "^ +kernel log 'virt/tdx:' +(present|absent|unreadable)" "$TMP/out"
if [ -e /dev/kvm ]; then
	check "host reports /dev/kvm" grep -qE '^kvm +(/dev/kvm accessible|/dev/kvm)' "$TMP/out"
else
	check "host says why /dev/kvm is missing" grep -q "/dev/kvm does not exist" "$TMP/out"
fi
check "host does not touch the database" test ! -e "$TDXBENCH_DB"
check "host says whether KVM emulates the guest's code" grep -qE '^guest code +(emulated|native|unknown): ' "$TMP/out"
run_tdx host --no-probe
expect_rc "host --no-probe" 0
check "host --no-probe starts no VM" sh -c "! grep -q '^guest code' '$TMP/out'"

run_tdx host --json --label 'lab "one"'
expect_rc "host --json" 0
check "host --json is JSON with every section" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("cpu", "topology", "kernel", "kvm", "tdx", "hostname", "collected_at"):
    assert k in d, k
assert d["label"] == "lab \"one\""
assert d["kernel"]["release"]
for w in ("cpuinfo_flag", "vm_type", "kernel_log"):
    assert d["tdx"][w]["status"] in ("present", "absent", "unreadable"), w
assert isinstance(d["topology"]["nodes"], list) and d["topology"]["nodes"]
assert d["probes"]["kvm_guest_code"]["status"] in ("emulated", "native", "unknown")
' "$TMP/out"

if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	run_tdx host --kernel-tree "$TOP"
	expect_rc "host --kernel-tree (a git tree)" 0
	check "host records git describe" grep -qF "$(git -C "$TOP" describe --tags --always --dirty --abbrev=12)" "$TMP/out"
else
	skip "host --kernel-tree (a git tree)" "not a git checkout"
	skip "host records git describe" "not a git checkout"
fi
run_tdx host --kernel-tree "$TMP/nope"
expect_rc "host --kernel-tree missing folder" 1
check "missing kernel tree: one line naming it" one_line_err
check "missing kernel tree: names the folder" grep -q "'$TMP/nope'" "$TMP/err"
mkdir "$TMP/plain"
run_tdx host --kernel-tree "$TMP/plain"
expect_rc "host --kernel-tree not a git tree" 1
check "not a git tree: says so" grep -q "not a git work tree" "$TMP/err"

run_tdx host extra
expect_rc "host with an operand" 2
run_tdx host --lable x
expect_rc "host unknown option" 2
check "host unknown option suggests --label" grep -q "did you mean '--label'" "$TMP/err"
check "unknown option is one line" one_line_err

# --store: created on demand (with its folder), one host row however often
db="$TMP/sub/dir/t.db"
run_tdx --db "$db" host --store --label a
expect_rc "host --store creates the database" 0
run_tdx host --store --label a --db "$db"
expect_rc "host --store again" 0
run_tdx --db "$db" host --store --label b
check "one host row per distinct label" test "$(sqlite3 "$db" 'SELECT count(*) FROM hosts')" = 2
check "host row keeps the fingerprint JSON" \
	test "$(sqlite3 "$db" "SELECT json_extract(fingerprint, '\$.label') FROM hosts WHERE label = 'b'")" = b
schema=$(sqlite3 "$db" .schema)
for t in meta hosts sessions runs run_params reps metrics samples histograms notes; do
	check "sqlite3 .schema shows table $t" grep -q "CREATE TABLE $t " <<<"$schema"
done
check "schema version is recorded" test "$(sqlite3 "$db" 'PRAGMA user_version')" = 2
check "database is in WAL mode" test "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal

# default location: results/tdxbench.db under the working directory
unset TDXBENCH_DB
mkdir "$TMP/cwd"
(cd "$TMP/cwd" && "$TDXBENCH" --quiet host --store >/dev/null 2>&1)
check "default database is results/tdxbench.db" test -s "$TMP/cwd/results/tdxbench.db"
check "default database has the schema" grep -q "CREATE TABLE runs" <<<"$(sqlite3 "$TMP/cwd/results/tdxbench.db" .schema)"

done_testing
