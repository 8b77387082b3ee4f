#!/usr/bin/env bash
# Without gnuplot: one warning, text outputs still written, exit 1 only
# when a plot format was asked for. Also the usage errors.
. "$(dirname "$0")/lib.sh"

run_tdx report --format pnj
expect_rc "unknown format" 2
check "suggests the closest format" grep -q "did you mean 'png'" "$TMP/err"

run_tdx report -o "$TMP/empty"
expect_rc "empty database" 1

run_tdx run --quiet --strategy dpamt-v6,sean-v5 --workload boot --reps 2 --set mem=128M,vcpus=1
expect_rc "run" 0

nogp() { PATH=/nonexistent "$TDXBENCH" "$@" >"$TMP/out" 2>"$TMP/err"; RC=$?; }
nogp report -o "$TMP/a"
expect_rc "png requested without gnuplot" 1
check "says so once" test "$(grep -c gnuplot "$TMP/err")" -eq 1
check "text still written" test -s "$TMP/a/report.txt"
check "scripts still written" ls "$TMP/a/cmp-boot.gp"
check "no png" test ! -e "$TMP/a/cmp-boot.png"

nogp report --format txt,email -o "$TMP/b"
expect_rc "text-only formats without gnuplot" 0
check "email says no plots" grep -q "no plots: gnuplot not found" "$TMP/out"
done_testing
