#!/usr/bin/env bash
# kvm backend vs the kernel's demand_paging_test: per-vCPU fault throughput of
# a boot-style fault phase (4K guest page tables, anonymous 4K backing, each
# vCPU faulting its own slice), 1 and 2 vCPUs, the same sizes, same pinning,
# measured back to back in this run. Ratio = tdxbench / demand_paging_test
# (>= 1.0: the VMM adds no cost).
#
# demand_paging_test is built from Debian's linux-source-6.12 only when asked:
#   make bench KVM_SELFTESTS=1            (or DEMAND_PAGING_TEST=/path/to/binary)
# Sizes per vCPU: KVM_BENCH_SIZES="256M 1G" (default). Each figure is the median
# of KVM_BENCH_REPS (default 3) runs, the two programs alternating, so load from
# other processes hits both alike.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fault="$top/build/bench/kvm_fault"
sizes=${KVM_BENCH_SIZES:-256M 1G}
reps=${KVM_BENCH_REPS:-3}
median() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; else print "failed" }'; }
why=$([ -r /dev/kvm ] && [ -w /dev/kvm ] || echo "kvm: /dev/kvm not accessible")
if [ -n "$why" ]; then echo "skipped: $why"; exit 0; fi

dpt=${DEMAND_PAGING_TEST:-}
if [ -z "$dpt" ] && [ "${KVM_SELFTESTS:-0}" = 1 ]; then
	dpt=$("$top/bench/perf/kvm-selftests.sh") || dpt=""
	[ -z "$dpt" ] && echo "demand_paging_test: could not be built (see the lines above)"
fi
if [ -z "$dpt" ]; then
	echo "demand_paging_test: not run; enable with 'make bench KVM_SELFTESTS=1' (builds it from"
	echo "  Debian's linux-source-6.12 into build/kvm-selftests/) or DEMAND_PAGING_TEST=/path"
fi
ncpu=$(nproc)
printf '%-6s %-8s %16s %16s %7s\n' vcpus mem/vcpu "tdxbench pg/s/v" "dpt pg/s/v" ratio
for v in 1 2; do
	[ "$v" -le "$ncpu" ] || { echo "$v vCPUs: skipped, only $ncpu CPUs"; continue; }
	pins=$(seq -s, 0 $((v - 1)))
	for s in $sizes; do
		o="" t=""
		for _ in $(seq "$reps"); do
			o="$o $("$fault" "$v" "$s" "pin=$pins" 2>&1 | awk '/^pages_per_sec_per_vcpu/ {print $2}')"
			[ -n "$dpt" ] && t="$t $("$dpt" -b "$s" -v "$v" -c "$pins" 2>&1 |
				awk -F'\t' '/Per-vcpu demand paging rate/ {split($2, a, " "); printf "%.1f", a[1]}')"
		done
		ours=$(echo "$o" | median)
		theirs="-" ratio="-"
		if [ -n "$dpt" ]; then
			theirs=$(echo "$t" | median)
			if [ "$ours" != failed ] && [ "$theirs" != failed ]; then
				ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
			fi
		fi
		printf '%-6s %-8s %16s %16s %7s\n' "$v" "$s" "$ours" "$theirs" "$ratio"
	done
done
echo "medians of $reps alternating runs each; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tdxbench: time between the phase-start and phase-end barriers (all vCPUs); demand_paging_test:"
echo "  its 'Per-vcpu demand paging rate' (thread start to join). Host KVM module: $(ls -d /sys/module/kvm_intel /sys/module/kvm_amd /sys/module/kvm_pvm 2>/dev/null | xargs -n1 basename | tr '\n' ' ')"
