#!/usr/bin/env bash
# Sharding a model sweep over the cores of this machine, measured now:
# bench/capacity.ini (102 instances) as one process, then as N shards through
# bench/fleet/parallel.sh (GNU parallel -j N) including the merge, in this
# one run. Prints both wall times, the merge alone and the ratio; the load
# average says how much of the machine others were using meanwhile.
# Then the same with 4G TDs (FLEET_BENCH_SKIP_4G=1 skips it): each instance
# does 4x the work and writes as many rows, so the merge weighs less.
# FLEET_BENCH_SHARDS=N (default: nproc), FLEET_BENCH_JOB=FILE (default capacity.ini).
set -u
top=${TDXBENCH_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$top/tdxbench
job=${FLEET_BENCH_JOB:-$top/bench/capacity.ini}
n=${FLEET_BENCH_SHARDS:-$(nproc)}
[ -x "$bin" ] || { echo "fleet: $bin not built"; exit 1; }
command -v parallel >/dev/null || { echo "fleet: GNU parallel not installed (make deps): skipped"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tdxbench-bench-fleet.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# timed NAME CMD...: wall, user and sys seconds of CMD and its children into $tmp/NAME
TIMEFORMAT='%R %U %S'
timed() { local name=$1; shift; { time "$@" >/dev/null 2>"$tmp/$name.err"; } 2>"$tmp/$name.t"; }
wall() { cut -d' ' -f1 "$tmp/$1.t"; }
cpu() { awk '{ printf "%.1f", $2 + $3 }' "$tmp/$1.t"; }

# measure ARGS...: one pass of the comparison for `run ARGS`
measure() {
	rm -rf "$tmp"/*.db "$tmp/shards"
	echo "fleet: $(basename "$job") $* ($("$bin" run --dry-run "$job" "$@" | head -1 | sed 's/^# //'))"
	echo "  one process vs $n shards through GNU parallel -j $n + db merge; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	timed one "$bin" --db "$tmp/one.db" --quiet run "$job" "$@" || { echo "  one process: failed"; return 1; }
	TDXBENCH=$bin timed sharded bash "$top/bench/fleet/parallel.sh" -o "$tmp/fleet.db" -n "$n" -j "$n" \
		-k "$tmp/shards" "$job" "$@" || { echo "  sharded: failed: $(tail -1 "$tmp/sharded.err")"; return 1; }
	timed merge "$bin" db merge "$tmp/again.db" "$tmp"/shards/shard-*.db
	runs1=$(sqlite3 "$tmp/one.db" 'SELECT count(*) FROM runs')
	runs2=$(sqlite3 "$tmp/fleet.db" 'SELECT count(*) FROM runs')
	printf '  %-36s %7s %7s\n' "" "wall s" "cpu s"
	printf '  %-36s %7s %7s  (%s runs)\n' "one process" "$(wall one)" "$(cpu one)" "$runs1"
	printf '  %-36s %7s %7s  (%s runs, merge included)\n' "$n shards, parallel -j $n" "$(wall sharded)" \
		"$(cpu sharded)" "$runs2"
	printf '  %-36s %7s %7s\n' "db merge of the $n shards, alone" "$(wall merge)" "$(cpu merge)"
	printf '  %-36s %7s          (one process / sharded, wall; ideal %s)\n' "speed-up" \
		"$(awk '{ w[NR] = $1 } END { printf "%.2fx", w[1] / w[2] }' "$tmp/one.t" "$tmp/sharded.t")" "$n"
	echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg) (others' work on these cores lowers the speed-up)"
	[ "$runs1" = "$runs2" ]
}

rc=0
# as shipped: 1G TDs, short instances, so the merge weighs in
measure || rc=1
# the same sweep with 4G TDs: 4x the work per instance, the same rows to merge
[ -n "${FLEET_BENCH_SKIP_4G:-}" ] || { echo; measure --set mem=4G || rc=1; }
exit $rc
