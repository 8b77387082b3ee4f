#!/usr/bin/env bash
# Runs libFuzzer harnesses (build/fuzz/bin/fuzz_*) for a while each, TAP out:
#   tests/fuzz/run.sh [--seconds N] [--keep DIR] HARNESS...
# Seeds come from tests/fuzz/corpus/<harness>/ (never written to); new
# inputs go to DIR/<harness>/ with --keep (a campaign to build on), else to
# a scratch folder. A crash, a sanitizer report, a leak, a timeout or a
# failed FUZZ_CHECK is "not ok", with the input saved in build/fuzz/artifacts/.
set -u
seconds=5 keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds="$2"; shift 2 ;;
	--keep) keep="$2"; shift 2 ;;
	--) shift; break ;;
	-*) echo "tests/fuzz/run.sh: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
top=$(cd "$(dirname "$0")/../.." && pwd)
art="$top/build/fuzz/artifacts"
mkdir -p "$art"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tdxbench-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

n=0
if [ $# -eq 0 ]; then
	echo "ok 1 - fuzz harnesses # SKIP not built (no clang: see scripts/deps.sh)"
	echo "1..1"
	exit 0
fi
for bin in "$@"; do
	name=$(basename "$bin")
	n=$((n + 1))
	work="$scratch/$name"
	[ -n "$keep" ] && work="$keep/$name"
	mkdir -p "$work"
	seeds="$top/tests/fuzz/corpus/$name"
	log="$scratch/$name.log"
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/$name-" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	if [ $rc -eq 0 ]; then
		echo "ok $n - $name: ${execs:-?} executions in ${seconds}s, coverage ${cov:-?} edges, ${ft:-?} features, no finding"
	else
		echo "not ok $n - $name: exit $rc after ${execs:-?} executions (input in $art/)"
		grep -E 'ERROR|SUMMARY|FUZZ_CHECK|==[0-9]+==' "$log" | head -10 | sed 's/^/# /'
	fi
done
echo "1..$n"
