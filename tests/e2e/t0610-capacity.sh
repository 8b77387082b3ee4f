#!/usr/bin/env bash
# `tdxbench capacity`: the sizing answer per strategy on a small shape, in
# text (<= 80 columns), markdown, JSON and figures; bad input gets one line.
. "$(dirname "$0")/lib.sh"

shape="--host-mem 1G --tds 4 --mem 160M --vcpus 2"

run_tdx capacity $shape --strategy static,dpamt-v6,sean-v5 --no-knees
expect_rc "capacity, text" 0
check "says it is model output" grep -q 'model output (sim), not a measurement' "$TMP/out"
check "a row per strategy in the memory table" \
	test "$(sed -n '/^Memory for PAMT/,/^static+rc:/p' "$TMP/out" | grep -cE '^(static|dpamt-v6|sean-v5) ')" -eq 3
check "static PAMT is in the answer (1/256 of the host)" \
	grep -qE '^static +4(\.0[0-9])? MiB ' "$TMP/out"
check "extrapolated, with its hold-out error" grep -q 'Worst hold-out error' "$TMP/out"
check "times are marked as resting on assumed costs" grep -q 'assumed' "$TMP/out"
check "a cost that moves pamt_lock wait > 10 % gives a range" \
	grep -qE '^sean-v5 +[0-9.]+-[0-9.]+ [mun]?s ' "$TMP/out"
check "lines fit 80 columns" test "$(awk 'length($0) > 80' "$TMP/out" | wc -l)" -eq 0
check "nothing stored" test ! -e "$TDXBENCH_DB"

run_tdx capacity $shape --strategy dpamt-v6 --no-sensitivity --format json
expect_rc "capacity, json" 0
if command -v python3 >/dev/null; then
	check "json parses, with the fresh DPAMT peak and the knees" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["strategies"][0]
assert d["model_output"] is True
assert s["strategy"] == "dpamt-v6"
assert s["layouts"]["fresh"]["metrics"]["dpamt_bytes_peak"]["value"] > 0
assert "knees" in d
' "$TMP/out"
else
	skip "json parses" "no python3"
fi

run_tdx capacity $shape --strategy dpamt-v6 --no-sensitivity --no-knees --format markdown
expect_rc "capacity, markdown" 0
check "markdown tables" grep -q '^| strategy |' "$TMP/out"

run_tdx capacity $shape --strategy dpamt-v6,sean-v5 --figures "$TMP/fig"
expect_rc "capacity, figures" 0
check "figure data and scripts written" test -s "$TMP/fig/capacity-memory.dat" -a \
	-s "$TMP/fig/capacity-tornado-lock.gp" -a -s "$TMP/fig/capacity-knee-tds.dat"
if command -v gnuplot >/dev/null; then
	check "figures rendered" test -s "$TMP/fig/capacity-memory.png" -a \
		-s "$TMP/fig/capacity-knee-vcpus-ascii.txt"
else
	skip "figures rendered" "no gnuplot"
fi

run_tdx capacity $shape --strategy static,dpamt-v6 --huge yes --no-knees --no-sensitivity
expect_rc "huge pages for all: a preset that cannot is left out" 0
check "and says why" grep -q 'dpamt-v6: huge=yes with dpamt=yes needs' "$TMP/out"
check "the others answer" grep -qE '^static +4(\.0[0-9])? MiB ' "$TMP/out"

run_tdx capacity --mem 3M
expect_rc "memory not a multiple of 2M" 2
check "one line" one_line_err
run_tdx capacity $shape --strategy dpamt-v7
expect_rc "unknown strategy" 1
check "one line naming it" sh -c 'one_line() { [ "$(grep -c . "$1")" -eq 1 ]; }; one_line "$1" && grep -q "dpamt-v7" "$1"' _ "$TMP/err"
run_tdx capacity $shape --set spt_cache_capacity=banana
expect_rc "bad knob" 1
check "one line naming it" grep -q 'spt_cache_capacity' "$TMP/err"

done_testing
