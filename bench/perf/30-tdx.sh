#!/usr/bin/env bash
# tdx backend on a TDX host: per-vCPU accept+touch throughput of a boot-style
# fault phase and the conversion round trip in a TD, next to the same
# workloads in a plain VM (kvm backend) on the same host, medians of
# TDX_BENCH_REPS (default 3) repetitions, sizes TDX_BENCH_MEM (default 256M).
# On a host that cannot build TDs it prints the backend's one-line refusal.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$top/tdxbench"
reps=${TDX_BENCH_REPS:-3}
mem=${TDX_BENCH_MEM:-256M}
db=$(mktemp -d "${TMPDIR:-/tmp}/tdxbench-bench.XXXXXX")
trap 'rm -rf "$db"' EXIT

why=$("$bin" --db "$db/p.db" run --backend tdx --workload boot --set mem=16M --reps 1 --quiet 2>&1 >/dev/null)
if [ $? -ne 0 ]; then
	echo "skipped: ${why#tdxbench: run 1 (cli: boot) failed: }"
	exit 0
fi
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) printf "%.0f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; else print "-" }'; }
m() { sqlite3 "$db/b.db" "SELECT value FROM run_metrics WHERE backend = '$1' AND workload = '$2' AND metric = '$3'" | median; }
printf '%-8s %-14s %18s %18s\n' backend workload pages/s/vCPU "convert p50 ns"
for be in kvm tdx; do
	"$bin" --db "$db/b.db" run --backend "$be" --workload boot,convert-churn \
		--set "mem=$mem,vcpus=1,window=16M,rounds=1" --reps "$reps" --quiet >/dev/null 2>&1
	for wl in boot convert-churn; do
		printf '%-8s %-14s %18s %18s\n' "$be" "$wl" "$(m "$be" "$wl" pages_per_sec_per_vcpu)" \
			"$(m "$be" "$wl" convert_ns_p50)"
	done
done
echo "medians of $reps repetitions; TD pages/s include TDG.MEM.PAGE.ACCEPT of every page (docs/tdx.md)"
