#!/usr/bin/env bash
# One validation path for every knob: what --dry-run refuses a run refuses
# too, before anything is stored, and numbers that would wrap (a cost of
# 2^64-1 ns, a 2^64 KiB trace buffer) are out of range, not stored as done.
. "$(dirname "$0")/lib.sh"

while read -r backend set why; do
	run_tdx --db "$TMP/d.db" run --dry-run --backend "$backend" --workload boot --set "$set"
	expect_rc "--dry-run --set $set ($why)" 2
	check "$set: one line naming the key" sh -c 'test "$(grep -c . "$0")" -eq 1 && grep -q "${1%%=*}" "$0"' "$TMP/err" "$set"
	run_tdx --db "$TMP/r.db" run --backend "$backend" --workload boot --reps 1 --set "$set"
	expect_rc "run --set $set" 2
	check "$set: nothing stored" test ! -e "$TMP/r.db"
done <<'LIST'
sim vcpus=0 below 1
sim mem=4095 below 2M
sim mem=3M not a multiple of 2M
sim tds=1025 above 1024
sim host_occupancy=2 above 0.95
sim host_occupancy=nan not a number
sim cost_pamt_add=18446744073709551615 would wrap virtual time
sim cost_pamt_add=1e18 not an integer
sim spt_cache_capacity=4294967296 wider than the model's counter
kvm trace_buffer_kb=18446744073709551615 would wrap in the kernel
kvm watchdog_ms=0 below 10
LIST

run_tdx run --dry-run --workload multi-td --set tds=1
expect_rc "multi-td narrows tds (at least 2)" 2
check "says the workload's own range" grep -q 'tds=1: must be 2..1024' "$TMP/err"
done_testing
