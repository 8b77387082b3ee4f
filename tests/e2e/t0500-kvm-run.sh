#!/usr/bin/env bash
# The kvm backend through `tdxbench run`: boot, random4k, fault2m and
# convert-churn in real VMs with 1 and 2 vCPUs, stored like sim runs and
# shown by show/compare. Skips (with the probe's reason) without /dev/kvm.
. "$(dirname "$0")/lib.sh"
DB="$TMP/k.db"
q() { sqlite3 "$DB" "$1"; }
if ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	skip "kvm runs" "kvm: /dev/kvm not accessible"
	done_testing
	exit 0
fi

run_tdx --db "$DB" run --backend kvm --workload boot --set mem=16M,vcpus=1,2 --reps 2 --quiet
expect_rc "boot with 1 and 2 vCPUs" 0
check "two runs done, 2 reps each" test "$(q "SELECT count(*) FROM runs WHERE backend='kvm' AND status='done' AND reps_done=2")" -eq 2
check "runs are not model output" test "$(q "SELECT sum(is_model) FROM runs")" -eq 0
check "pages_per_sec_per_vcpu stored for every rep" \
	test "$(q "SELECT count(*) FROM run_metrics WHERE metric='pages_per_sec_per_vcpu' AND value > 0")" -eq 4
check "every page was touched" \
	test "$(q "SELECT count(*) FROM run_metrics WHERE metric='pages_touched' AND value = 4096")" -eq 4
check "stats time series stored" test "$(q "SELECT count(*) FROM samples WHERE series='pf_fixed'")" -gt 0
check "the summary shows pages/s/vCPU" grep -q 'pages/s/vCPU' "$TMP/out"
check "every run says whether KVM emulates the guest's code" \
	test "$(q "SELECT count(*) FROM notes WHERE key='guest_code' AND (value LIKE 'emulated:%' OR value LIKE 'native:%' OR value LIKE 'unknown:%')")" -ge 2

run_tdx --db "$DB" run --backend kvm --workload random4k,fault2m --set mem=8M,vcpus=2 --reps 1 --quiet
expect_rc "random4k and fault2m with 2 vCPUs" 0

run_tdx --db "$DB" run --backend kvm --workload convert-churn --set mem=8M,vcpus=1,2,window=2M,rounds=1 --reps 1 --quiet
expect_rc "convert-churn with 1 and 2 vCPUs" 0
check "1024 conversions each" \
	test "$(q "SELECT count(*) FROM run_metrics WHERE workload='convert-churn' AND metric='conversions' AND value=1024")" -eq 2
check "conversion latency percentiles stored" \
	test "$(q "SELECT count(*) FROM run_metrics WHERE metric='convert_ns_p99' AND value > 0")" -eq 2
check "the run says what a conversion was" \
	test "$(q "SELECT count(*) FROM notes WHERE key='conversion_method' AND value LIKE 'zap + refault%'")" -ge 2

run_tdx --db "$DB" show 1
expect_rc "show a kvm run" 0
check "show lists the backend and the headline metric" grep -q 'pages_per_sec_per_vcpu' "$TMP/out"
run_tdx --db "$DB" compare workload=boot,vcpus=1 workload=boot,vcpus=2 --metric pages_per_sec_per_vcpu
expect_rc "compare 1 vs 2 vCPUs" 0
check "compare prints the metric asked for, by its glossary title" grep -q '^pages/s/vCPU ' "$TMP/out"
done_testing
