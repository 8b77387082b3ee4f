#!/usr/bin/env bash
# KVM tracepoints through a private tracefs instance (kvm trace=on): a fault
# event counts at least every page the guest touched, the run note names the
# events and the losses, and the instance is gone afterwards: after a good
# run, a failing guest (test-crash) and Ctrl-C. Skips without /dev/kvm or
# without a usable tracefs (not root, no kvm events).
. "$(dirname "$0")/lib.sh"
DB="$TMP/t.db"
q() { sqlite3 "$DB" "$1"; }
INST=/sys/kernel/tracing/instances
if ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	skip "kvm tracepoints" "kvm: /dev/kvm not accessible"
	done_testing
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || [ ! -d /sys/kernel/tracing/events/kvm ]; then
	run_tdx --db "$DB" run --backend kvm --workload boot --set mem=4M,trace=on --quiet
	expect_rc "trace=on refused without tracefs" 1
	check "one-line reason" one_line_err
	skip "kvm tracepoints" "tracefs not usable here (not root or no events/kvm)"
	done_testing
	exit 0
fi
# our instances only: other tdxbench processes may be tracing right now
left() { ls "$INST" 2>/dev/null | grep -c "^tdxbench-$1-"; }
bg_run() { "$TDXBENCH" "$@" >"$TMP/out" 2>"$TMP/err" & PID=$!; }

bg_run --db "$DB" run --backend kvm --workload boot --set mem=64M,vcpus=1,trace=on --reps 1 --quiet
wait $PID; RC=$?
expect_rc "boot 64M with trace=on" 0
touched=$(q "SELECT value FROM run_metrics WHERE metric='pages_touched'")
check "16384 pages touched" test "${touched%.*}" -eq 16384
# VMX/SVM count EPT/NPT violations in kvm_page_fault; shadow paging (kvm_pvm)
# sets the dirty bit of each guest PTE on first write instead
fault=$(q "SELECT max(value) FROM run_metrics WHERE metric IN ('trace_kvm_page_fault',
	'trace_kvm_mmu_set_dirty_bit', 'trace_kvm_mmu_spte_requested')")
echo "# pages touched $touched, fault tracepoint count $fault"
check "a fault tracepoint counted every page touched" test "${fault%.*}" -ge 16384
check "per-phase counts stored" test "$(q "SELECT count(*) FROM run_metrics WHERE metric LIKE 'phase0_trace_%'")" -gt 0
check "the run note names the events and the losses" \
	test "$(q "SELECT count(*) FROM notes WHERE key='trace' AND value LIKE 'kvm:%private tracefs instance tdxbench-$PID-%events lost%'")" -eq 1
check "lost count stored" test "$(q "SELECT count(*) FROM run_metrics WHERE metric='trace_lost'")" -eq 1
check "no instance left after the run" test "$(left $PID)" -eq 0

# per-page accounting: every page of a sequential 2-vCPU boot written once,
# the four per-page metrics per phase and over the fault phases
bg_run --db "$DB" run --backend kvm --workload boot --set mem=16M,vcpus=2,trace=on,trace_events=per-page --reps 1 --quiet
wait $PID; RC=$?
expect_rc "boot 16M with trace_events=per-page" 0
pp() { q "SELECT value FROM run_metrics WHERE run_id=(SELECT max(id) FROM runs) AND metric='$1'"; }
for m in exits_per_page emulated_insns_per_page pt_walks_per_page host_faults_per_page; do
	check "$m stored for the run and phase 0" test -n "$(pp "$m")" -a -n "$(pp "phase0_$m")"
done
emu=$(pp emulated_insns_per_page); hf=$(pp host_faults_per_page)
echo "# per page: emulated insns $emu, host faults $hf, exits $(pp exits_per_page), walks $(pp pt_walks_per_page)"
# a guest page costs at most one host #PF (fresh anonymous 4K memory), and
# where KVM emulates the guest, the store that faults it in is emulated too
check "at most one host fault per page" awk -v v="$hf" 'BEGIN { exit !(v <= 1.01) }'
if [ "$(q "SELECT count(*) FROM notes WHERE key='guest_code' AND value LIKE 'emulated:%'")" -gt 0 ]; then
	check "emulating host: every page's store emulated" awk -v v="$emu" 'BEGIN { exit !(v >= 1) }'
	check "emulating host: the fault loop's few instructions per page" awk -v v="$emu" 'BEGIN { exit !(v < 8) }'
else
	skip "emulating host: every page's store emulated" "KVM runs the guest natively here"
	skip "emulating host: the fault loop's few instructions per page" "KVM runs the guest natively here"
fi

bg_run --db "$DB" run --backend kvm --workload test-crash --set mem=4M,vcpus=1,trace=on --reps 1 --quiet
wait $PID; RC=$?
expect_rc "a crashing guest with trace=on fails" 1
check "no instance left after the failed run" test "$(left $PID)" -eq 0

bg_run --db "$DB" run --backend kvm --workload boot --set mem=512M,vcpus=1,trace=on --reps 3 --quiet
for _ in $(seq 50); do [ "$(left $PID)" -gt 0 ] && break; sleep 0.1; done
check "the instance exists while running" test "$(left $PID)" -gt 0
kill -INT $PID
wait $PID; RC=$?
check "Ctrl-C stops the run (exit $RC)" test "$RC" -ne 0
check "no instance left after Ctrl-C" test "$(left $PID)" -eq 0

run_tdx --db "$DB" run --backend kvm --workload boot --set mem=4M,trace=auto,trace_events=kvm:no_such_event --quiet
expect_rc "an unknown event is refused (trace=auto)" 1
check "the error names it" grep -q "no tracepoint 'kvm:no_such_event'" "$TMP/err"
done_testing
