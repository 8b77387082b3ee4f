#!/usr/bin/env bash
# The tdx backend on a host that cannot build TDs (no VM type 5 in
# KVM_CAP_VM_TYPES): one line naming the missing witness, exit 1, nothing
# written (the probe runs before the database is opened),
# no tracefs instance or probe left behind. Skips on a TDX host.
. "$(dirname "$0")/lib.sh"
DB="$TMP/t.db"
q() { sqlite3 "$DB" "$1"; }

run_tdx host --json
if printf '%s' "$OUT" | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["tdx"]["vm_type"]["status"] != "present")'; then
	skip "refusal on a non-TDX host" "this host offers TDs"
	done_testing
	exit 0
fi
ls /sys/kernel/tracing/instances 2>/dev/null | sort >"$TMP/inst.before"

run_tdx --db "$DB" run --backend tdx --workload boot --set mem=16M,trace=auto --reps 1 --quiet
expect_rc "run --backend tdx refuses" 1
check "one line on stderr" one_line_err
check "it names the missing witness" grep -q "no VM type 5 (KVM_X86_TDX_VM) in KVM_CAP_VM_TYPES" "$TMP/err"
check "nothing is written: no database is created" test ! -e "$DB"
# an existing database is left as it was
run_tdx --db "$DB" --quiet run --workload boot --set mem=16M --reps 1
expect_rc "a sim run to have a database" 0
sum_before=$(sqlite3 "$DB" .dump | sha256sum)
run_tdx --db "$DB" run --backend tdx --workload boot --set mem=16M --reps 1 --quiet
expect_rc "run --backend tdx refuses again" 1
check "the database is unchanged" test "$(sqlite3 "$DB" .dump | sha256sum)" = "$sum_before"
ls /sys/kernel/tracing/instances 2>/dev/null | sort >"$TMP/inst.after"
check "no tracefs instance left" cmp -s "$TMP/inst.before" "$TMP/inst.after"
check "no probe events left" sh -c "! grep -qs tdxbench_p /sys/kernel/tracing/dynamic_events"

check "the tool links no uAPI double (tests/doubles/)" sh -c "! nm '$TDXBENCH' | grep -q ' kvmd_'"

run_tdx host
expect_rc "host" 0
check "host reports the TDX module version" grep -q "TDX module version" "$TMP/out"
check "host reports Dynamic PAMT" grep -Eq "Dynamic PAMT +(on|off|unknown)" "$TMP/out"
done_testing
