#!/usr/bin/env bash
# Guests that triple-fault, hang or make an unexpected exit: the repetition is
# recorded failed with the exit reason, the guest RIP and the phase; the VM is
# torn down and the other instances still run.
. "$(dirname "$0")/lib.sh"
DB="$TMP/f.db"
q() { sqlite3 "$DB" "$1"; }
if ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	skip "kvm failure paths" "kvm: /dev/kvm not accessible"
	done_testing
	exit 0
fi

run_tdx --db "$DB" run --backend kvm --workload test-crash,test-hang,test-bad-exit,boot \
	--set mem=4M,vcpus=2,watchdog_ms=300 --reps 1 --quiet
expect_rc "failed guests make the run exit 1" 1
reason() { q "SELECT p.reason FROM reps p JOIN runs r ON r.id = p.run_id WHERE r.workload='$1'"; }
check "triple fault recorded" sh -c "echo '$(reason test-crash)' | grep -q 'guest triple fault (KVM_EXIT_SHUTDOWN) on vcpu 0 at rip 0x[0-9a-f]* in phase 1 (test-crash)'"
check "watchdog recorded" sh -c "echo '$(reason test-hang)' | grep -q 'guest stopped reporting progress for 300 ms (watchdog) on vcpu 0 at rip 0x[0-9a-f]* in phase 1 (test-hang)'"
check "unexpected exit recorded" sh -c "echo '$(reason test-bad-exit)' | grep -q 'unexpected KVM_EXIT_MMIO .* in phase 1 (test-bad-exit)'"
check "the healthy instance still ran" test "$(q "SELECT status FROM runs WHERE workload='boot'")" = done
check "three runs failed" test "$(q "SELECT count(*) FROM runs WHERE status='failed'")" -eq 3

run_tdx --db "$DB" run --backend kvm --workload boot --set mem=16M,vm_type=sw-protected --reps 1 --quiet
expect_rc "an unsupported VM type fails" 1
check "with one line saying why" grep -q "vm_type=sw-protected: " "$TMP/err"
run_tdx --db "$DB" run --backend kvm --workload boot --set mem=64T,pt=2M --reps 1 --quiet
expect_rc "memory beyond the host fails" 1
check "refused before allocating" grep -q "refusing before allocating" "$TMP/err"
done_testing
