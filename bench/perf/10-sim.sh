#!/usr/bin/env bash
# The sim model's speed, measured now on this machine:
#  - simulated guest 4K faults per second for `boot` (64G, 16 vCPUs) under
#    each preset, on one core (the model is single-threaded);
#  - wall time and peak RSS of `boot` for a 1 TiB, 256-vCPU TD.
# Wall time counts what the machine gave us; cpu is this process alone, so
# on a busy machine the cpu figures are the ones to compare.
# SIM_BENCH_SKIP_1T=1 skips the 1 TiB run.
set -u
top=${TDXBENCH_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$top/build/bench/sim_bench
[ -x "$bin" ] || { echo "sim: $bin not built (make bench builds it)"; exit 1; }
rc=0

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

echo "sim boot, mem=64G, vcpus=16: simulated 4K faults per second (aim >= 2000000)"
printf '  %-9s %10s %12s %12s %7s %8s\n' preset faults per-wall-s per-cpu-s wall cpu
for s in static dpamt-v4 dpamt-v6 sean-v5 hp-v3 kai-sp; do
	out=$("$bin" -s "$s" -w boot -p mem=64G,vcpus=16) || { echo "  $s: failed"; rc=1; continue; }
	printf '  %-9s %10s %12s %12s %7s %8s\n' "$s" "$(echo "$out" | field faults)" \
		"$(echo "$out" | field faults_per_sec)" "$(echo "$out" | field faults_per_cpu_sec)" \
		"$(echo "$out" | field wall)" "$(echo "$out" | field cpu)"
done

if [ "${SIM_BENCH_SKIP_1T:-0}" = 1 ]; then
	echo "sim boot, mem=1T, vcpus=256: skipped (SIM_BENCH_SKIP_1T=1)"
	exit $rc
fi
echo
echo "sim boot, mem=1T, vcpus=256, dpamt-v6 (aim <= 60 s, <= 2 GiB)"
out=$("$bin" -s dpamt-v6 -w boot -p mem=1T,vcpus=256) || { echo "  failed"; exit 1; }
echo "  faults $(echo "$out" | field faults), wall $(echo "$out" | field wall), cpu $(echo "$out" | field cpu), peak RSS $(echo "$out" | field maxrss)"
exit $rc
