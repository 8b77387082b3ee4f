#!/usr/bin/env bash
# Progress in a log (not a tty): the line moves during a long repetition, with
# the share the sim reports done and an ETA from it, and is throttled.
. "$(dirname "$0")/lib.sh"

TDXBENCH_PROGRESS_MS=100 run_tdx run --workload random4k --strategy dpamt-v6 \
	--set mem=16G,vcpus=4 --reps 1
expect_rc "one long repetition" 0
check "lines during the repetition say how far it got" \
	grep -qE '^tdxbench: \[1/1\] cli: dpamt-v6 random4k rep 1/1 [0-9]+% \(elapsed' "$TMP/err"
check "and give an ETA before the first repetition ends" \
	grep -qE 'rep 1/1 [0-9]+% \(elapsed [0-9.]+s, ETA [0-9]' "$TMP/err"
check "the share done only grows" bash -c "grep -oE 'rep 1/1 [0-9]+%' '$TMP/err' | grep -oE '[0-9]+%' | tr -d % | sort -nc"

run_tdx run --workload boot --strategy dpamt-v6,sean-v5 --set mem=64M,vcpus=1 --reps 5
check "a short run in a log prints one line, not one per repetition" \
	test "$(grep -c '^tdxbench: \[' "$TMP/err")" -eq 1
done_testing
