#!/usr/bin/env bash
# kvm backend vs the kernel's demand_paging_test: per-vCPU fault throughput of
# a boot-style fault phase (4K guest page tables, anonymous 4K backing, each
# vCPU faulting its own slice of SIZE), the same size per vCPU, the same
# pinning. Measured in interleaved pairs (one run of each program, the order
# alternating from pair to pair, so load from other processes hits both
# alike); each row gives the medians of the pairs' rates and of the pairs'
# ratios tdxbench / demand_paging_test (>= 1.0: no slower than the selftest),
# with the 1-minute load average at every pair.
#
# Rows: 1 vCPU x 384M and 2 vCPUs x 1G each (KVM_BENCH_PAIRS pairs, default
# 5), 2 vCPUs x 512M each (1G in all), then a sweep of the size per vCPU at
# 1 vCPU (KVM_BENCH_SWEEP, default "128M 256M 512M 1G"; these rows take
# KVM_BENCH_SWEEP_PAIRS pairs, default 3). Then where a page's time goes in
# both programs: events per page (see docs/kvm.md).
#
# demand_paging_test is built from Debian's linux-source-6.12 only when asked:
#   make bench KVM_SELFTESTS=1            (or DEMAND_PAGING_TEST=/path/to/binary)
set -u
top=${TDXBENCH_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
fault="$top/build/bench/kvm_fault"
pairs=${KVM_BENCH_PAIRS:-5}
sweep=${KVM_BENCH_SWEEP:-128M 256M 512M 1G}
sweep_pairs=${KVM_BENCH_SWEEP_PAIRS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; else print "failed" }'; }
load1() { cut -d' ' -f1 /proc/loadavg; }
why=$([ -r /dev/kvm ] && [ -w /dev/kvm ] || echo "kvm: /dev/kvm not accessible")
if [ -n "$why" ]; then echo "skipped: $why"; exit 0; fi
[ -x "$fault" ] || { echo "kvm: $fault not built (make bench builds it)"; exit 1; }

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
echo "host KVM module: $(ls -d /sys/module/kvm_intel /sys/module/kvm_amd /sys/module/kvm_pvm 2>/dev/null | xargs -n1 basename | tr '\n' ' ')"
"$top/tdxbench" host 2>/dev/null | sed -n '/^guest code/,/^identity/p' | grep -v '^identity'

ours_once() {	# VCPUS SIZE PINS [k=v,...] -> pages/s/vCPU
	"$fault" "$1" "$2" "pin=$3${4:+,$4}" 2>"$tmp/err" | awk '/^pages_per_sec_per_vcpu/ {print $2}'
}
theirs_once() {	# VCPUS SIZE PINS -> pages/s/vCPU
	"$dpt" -b "$2" -v "$1" -c "$3" 2>&1 |
		awk -F'\t' '/Per-vcpu demand paging rate/ {split($2, a, " "); printf "%.1f", a[1]}'
}

# one row: VCPUS SIZE PAIRS; per-pair lines, then the row's medians into $tmp/rows
row() {
	local v=$1 s=$2 n=$3 pins o t r ours theirs ratio rs="" os="" ts="" loads=""
	pins=$(seq -s, 0 $((v - 1)))
	echo
	echo "$v vCPU$([ "$v" = 1 ] || echo s) x $s each, pin=$pins: $n interleaved pairs"
	printf '  %-5s %-6s %16s %16s %7s %6s\n' pair first "tdxbench pg/s/v" "dpt pg/s/v" ratio load1
	for i in $(seq "$n"); do
		if [ -z "$dpt" ]; then
			o=$(ours_once "$v" "$s" "$pins"); t="-"; first=tdx
		elif [ $((i % 2)) = 1 ]; then
			o=$(ours_once "$v" "$s" "$pins"); t=$(theirs_once "$v" "$s" "$pins"); first=tdx
		else
			t=$(theirs_once "$v" "$s" "$pins"); o=$(ours_once "$v" "$s" "$pins"); first=dpt
		fi
		r="-"
		if [ -n "$o" ] && [ -n "$t" ] && [ "$t" != "-" ]; then
			r=$(awk -v a="$o" -v b="$t" 'BEGIN { printf "%.2f", a / b }')
		fi
		printf '  %-5s %-6s %16s %16s %7s %6s\n' "$i" "$first" "${o:-failed}" "${t:-failed}" "$r" "$(load1)"
		[ -n "$o" ] || sed 's/^/        /' "$tmp/err" | head -2
		os="$os $o" ts="$ts $t" rs="$rs $r" loads="$loads $(load1)"
	done
	ours=$(echo "$os" | median) theirs=$(echo "$ts" | median) ratio=$(echo "$rs" | median)
	[ -n "$dpt" ] || theirs="-" ratio="-"
	[ "$ours" = failed ] || ours=$(printf '%.0f' "$ours")
	[ "$theirs" = failed ] || [ "$theirs" = "-" ] || theirs=$(printf '%.0f' "$theirs")
	[ "$ratio" = failed ] || [ "$ratio" = "-" ] || ratio=$(printf '%.2f' "$ratio")
	printf '%-6s %-8s %6s %16s %16s %7s  %s\n' "$v" "$s" "$n" "$ours" "$theirs" "$ratio" \
		"$(echo "$loads" | tr ' ' '\n' | sort -g | sed -n '2p;$p' | paste -sd- -)" >>"$tmp/rows"
}

: >"$tmp/rows"
row 1 384M "$pairs"
if [ "$ncpu" -ge 2 ]; then
	row 2 1G "$pairs"
	row 2 512M "$sweep_pairs"	# 1G in all
else
	echo "2 vCPUs: skipped, only $ncpu CPU"
fi
for s in $sweep; do
	row 1 "$s" "$sweep_pairs"
done

echo
echo "summary: medians over the pairs (ratio: median of the pairs' ratios)"
printf '%-6s %-8s %6s %16s %16s %7s  %s\n' vcpus mem/vcpu pairs "tdxbench pg/s/v" "dpt pg/s/v" ratio "load1 range"
cat "$tmp/rows"

# ---- where a page's time goes ----
echo
echo "events per 4K page, 1 vCPU x 384M (one run each; 384M = 98304 pages)"
pp_events="kvm:kvm_exit,kvm:kvm_emulate_insn,kvmmmu:kvm_mmu_pagetable_walk,exceptions:page_fault_user,exceptions:page_fault_kernel"
if [ "$(id -u)" != 0 ]; then
	echo "  skipped: counting tracepoints needs root"
	exit 0
fi
out=$("$fault" 1 384M "pin=0,trace=on,trace_events=per-page" 2>&1)
field() { echo "$out" | awk -v k="$1" '$1 == k { print $2 }'; }
printf '  %-44s %8s %9s %9s %9s\n' "" exits "emul.insn" "pt walks" "host #PF"
printf '  %-44s %8s %9s %9s %9s\n' "tdxbench, fault phase (private tracefs)" "$(field exits_per_page)" \
	"$(field emulated_insns_per_page)" "$(field pt_walks_per_page)" "$(field host_faults_per_page)"
# whole processes, both alike: perf counts the tracepoints for the command's threads
perf_row() {	# LABEL CMD...
	local label=$1
	shift
	if ! perf stat -x, -o "$tmp/perf" -e "$pp_events" "$@" >/dev/null 2>&1; then
		printf '  %-44s %s\n' "$label" "perf stat failed"
		return
	fi
	awk -F, -v label="$label" -v pages=98304 '
		{ n[$3] = $1 }
		END { printf "  %-44s %8.3f %9.3f %9.3f %9.3f\n", label, n["kvm:kvm_exit"] / pages,
			n["kvm:kvm_emulate_insn"] / pages, n["kvmmmu:kvm_mmu_pagetable_walk"] / pages,
			(n["exceptions:page_fault_user"] + n["exceptions:page_fault_kernel"]) / pages }' "$tmp/perf"
}
if command -v perf >/dev/null; then
	perf_row "tdxbench, whole process (perf stat)" "$fault" 1 384M pin=0
	[ -n "$dpt" ] && perf_row "demand_paging_test, whole process (perf stat)" "$dpt" -b 384M -v 1 -c 0
else
	echo "  whole-process counts: perf not installed (apt-get install linux-perf)"
fi
echo
echo "tdxbench: time from the release of all vCPUs at the phase-start barrier to the last one's"
echo "  phase-end report (guest boot and page-table building excluded; the sampler thread runs);"
echo "  demand_paging_test: its 'Per-vcpu demand paging rate', vCPU threads' start to join (host-built"
echo "  page tables). Whole-process counts include each program's setup: tdxbench's guest builds its"
echo "  page tables itself, and runs the 4M guest-code probe once; see docs/kvm.md."
