#!/usr/bin/env bash
# Runs every unit-test program (plain and ASan/UBSan) and every end-to-end
# script, all speaking TAP, and ends with one line: "N passed, N failed, N skipped".
# A program that dies without reporting counts as one failure.
set -u
units="" asan_units="" e2e="" fuzz="" fuzz_given=""
while [ $# -gt 0 ]; do
	case "$1" in
	--units) units="$2"; shift 2 ;;
	--asan-units) asan_units="$2"; shift 2 ;;
	--e2e) e2e="$2"; shift 2 ;;
	--fuzz) fuzz="$2"; fuzz_given=y; shift 2 ;;
	*) echo "tests/run.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
export TDXBENCH_TOP="$top"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logdir="$top/build/test-logs"
mkdir -p "$logdir"

pass=0 fail=0 skip=0
failed_names=()

run_one() {   # $1 = label, rest = command
	local label="$1"; shift
	local log="$logdir/$(echo "$label" | tr '/ ' '__').log"
	local start=$SECONDS
	"$@" >"$log" 2>&1
	local rc=$?
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -ciE '^ok [0-9]+.*# *skip' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $label exited with status $rc without reporting a failure" >>"$log"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	local status=ok
	[ "$f" -gt 0 ] && status=FAIL && failed_names+=("$label")
	printf '%-44s %4s  %3d ok %3d failed %3d skipped  %3ds\n' "$label" "$status" "$p" "$f" "$s" $((SECONDS - start))
	if [ "$f" -gt 0 ]; then
		grep -E '^not ok|^# ' "$log" | head -40 | sed 's/^/    /'
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
	grep -iE '^ok [0-9]+.*# *skip' "$log" | sed 's/^/    /' | head -5
}

for t in $units; do run_one "unit $(basename "$t")" "$t"; done
for t in $asan_units; do run_one "asan $(basename "$t")" "$t"; done
for t in $e2e; do run_one "e2e $(basename "$t" .sh)" bash "$t"; done
# a short fuzz run of every harness (about 5 s each; 'make fuzz' runs longer)
if [ -n "$fuzz_given" ]; then
	run_one "fuzz (${FUZZ_CHECK_SECONDS:-5}s each)" "$top/tests/fuzz/run.sh" \
		--seconds "${FUZZ_CHECK_SECONDS:-5}" $fuzz
fi

echo
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]} (logs in build/test-logs/)"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
