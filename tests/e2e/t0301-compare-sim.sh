#!/usr/bin/env bash
# compare on real runs: `tdxbench run` (sim, tiny) then compare in every format.
. "$(dirname "$0")/lib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

run_tdx run --backend sim --strategy dpamt-v6,sean-v5 --workload boot,fault2m \
	--set mem=64M,vcpus=1,2 --reps 6 --quiet
expect_rc "sim run, 2 strategies x 2 workloads x 2 vcpus" 0

run_tdx compare strategy=dpamt-v6 strategy=sean-v5
expect_rc "compare text" 0
check "text is ASCII" bash -c "! LC_ALL=C grep -q '[^ -~]' '$TMP/out'"
check "text fits 80 columns" awk 'length > 80 { exit 1 }' "$TMP/out"
check "header says model output" grep -q 'MODEL OUTPUT' "$TMP/out"
check "header has one command that reruns the runs" grep -q '^rerun: \$ tdxbench .*run --backend sim --strategy dpamt-v6,sean-v5' "$TMP/out"
check "header has the kernel" grep -q "kernel $(uname -r)" "$TMP/out"
check "one block per workload x vcpus" \
	test "$(grep -cE '^(boot|fault2m) .*vcpus=[12] \(sim\), n=6\+6$' "$TMP/out")" -eq 4
check "no p-value on a row of identical reps" \
	bash -c "! grep -E ' =$' '$TMP/out' | grep -qE '0\\.[0-9]{3}|<\\.001'"
check "a row of identical reps is said so under the table" \
	bash -c "! grep -qE ' =$' '$TMP/out' || grep -q '^= identical in all reps ([0-9]* rows): no test, no p' '$TMP/out'"
check "the metrics not shown are counted on one line per block" \
	grep -qE '^  (\+ )?([0-9]+ more changed, )?[0-9]+ unchanged \(--all lists them\)$' "$TMP/out"
check "nothing unmatched" bash -c "! grep -q unmatched '$TMP/out'"
cp "$TMP/out" "$TMP/text1"
check "unchanged metrics are not listed by default" bash -c "! grep -q '^sept_pages ' '$TMP/out'"
run_tdx compare --all strategy=dpamt-v6 strategy=sean-v5
check "--all lists every metric" grep -qE '^sept_pages +[0-9]' "$TMP/out"
check "metric rows, titled from the glossary" grep -qE '^PAMT.ADD +[0-9]' "$TMP/out"
run_tdx compare strategy=dpamt-v6 strategy=sean-v5
run_tdx compare strategy=dpamt-v6 strategy=sean-v5
check "same database, same output" cmp -s "$TMP/out" "$TMP/text1"

run_tdx compare strategy=dpamt-v6 strategy=sean-v5 --format json
expect_rc "compare json" 0
check "json parses, 4 blocks with metrics" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["comparisons"]) == 4, len(d["comparisons"])
for c in d["comparisons"]:
    assert c["metrics"], c["title"]
    for m in c["metrics"]:
        assert m["base"]["n"] == 6 and m["cand"]["n"] == 6
        assert (m["p"] is None) == m["identical"], m
        assert m["p"] is None or 0 <= m["p"] <= 1
assert d["sides"][0]["model_output"] is True
assert d["unmatched"] == []
' "$TMP/out"
cp "$TMP/out" "$TMP/json"

run_tdx compare strategy=dpamt-v6 strategy=sean-v5 --format csv
expect_rc "compare csv" 0
check "csv: every record has the header's column count" $PY -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len(rows) > 4 and rows[0][0] == "candidate"
assert all(len(r) == len(rows[0]) for r in rows), set(len(r) for r in rows)
' "$TMP/out"

run_tdx compare strategy=dpamt-v6 strategy=sean-v5 --format markdown
expect_rc "compare markdown" 0
check "markdown tables have a header and separator" \
	grep -q '^|---|---:|---|---:|---|---:|---:|---:|$' "$TMP/out"

# --fail-if-worse: the exit status agrees with what the report shows
run_tdx compare strategy=dpamt-v6 strategy=sean-v5 --fail-if-worse 5 --format json
want=$($PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [m for c in d["comparisons"] for m in c["metrics"]
       if m["changed"] and m["worse"] and abs(m["change_pct"] or 1e300) > 5]
print(1 if bad else 0)' "$TMP/out")
expect_rc "--fail-if-worse 5 exits as the json says" "$want"
# (metrics non-zero on both sides: a metric that goes from 0, like sean-v5's
# pamt_lock_softirq, is worse by any percentage)
run_tdx compare strategy=dpamt-v6 strategy=sean-v5 --fail-if-worse 1e9 --metric pamt_add,virt_time_ns
expect_rc "--fail-if-worse huge: no regression" 0
run_tdx compare strategy=sean-v5 strategy=sean-v5 --fail-if-worse 0
expect_rc "the same runs on both sides compare nothing" 1
check "and say so" grep -q "select the same runs: nothing to compare" "$TMP/err"

# more vCPUs on the same strategy: compared across vcpus, not matched on it
run_tdx compare strategy=sean-v5,vcpus=1 strategy=sean-v5,vcpus=2 --metric pamt_add
expect_rc "compare across a named parameter" 0
check "blocks drop the named key" grep -qE '^boot .*mem=64M .*\(sim\), n=6\+6$' "$TMP/out"
check "not confounded: the named key is what is compared" bash -c "! grep -q CONFOUNDED '$TMP/out'"
run_tdx compare strategy=sean-v5,vcpus=1 strategy=sean-v5,vcpus=2
check "geomean per unit, never across units" bash -c "grep -A1 '^geomean of cand/base per unit' '$TMP/out' | grep -qE ' ns [-+x0-9.]+%? \([0-9]+\)'"
check "no vcpus in block titles" bash -c "! grep -qE '^(boot|fault2m) .*vcpus=' '$TMP/out'"

# unmatched runs are listed, not dropped
run_tdx compare strategy=dpamt-v6 strategy=sean-v5,workload=boot
expect_rc "one-sided workload" 0
check "unmatched fault2m runs listed" grep -qE '^  base run [0-9,-]+: fault2m ' "$TMP/out"

run_tdx compare strategy=dpamt-v6 strategy=nosuch
expect_rc "selector matching nothing" 1
check "says which side matched nothing" grep -q "no runs match cand selector 'strategy=nosuch'" "$TMP/err"

run_tdx compare strategy=dpamt-v6 strategy=sean-v5 --metric pamt_ad
expect_rc "misspelt metric" 1
check "misspelt metric suggests" grep -q "did you mean 'pamt_add'" "$TMP/err"

# a condition that differs besides the strategies: huge pages
run_tdx run --label conf --strategy hp-v3 --workload boot --set mem=64M,vcpus=1,huge=no \
	--reps 3 --quiet
expect_rc "hp-v3 without huge pages" 0
run_tdx run --label conf --strategy sean-v5 --workload boot --set mem=64M,vcpus=1,huge=yes \
	--reps 3 --quiet
expect_rc "sean-v5 with huge pages" 0
run_tdx compare label=conf,strategy=hp-v3 label=conf,strategy=sean-v5
expect_rc "compare them" 0
check "huge pages named as a confounder" grep -q '^CONFOUNDED: the sides also differ in huge (no vs yes)' "$TMP/out"
check "no verdict on a confounded comparison" bash -c "! grep -qE ' (better|worse) ' '$TMP/out'"
check "no overall geomean on a confounded comparison" grep -q '^no overall geomean' "$TMP/out"
run_tdx compare --overall label=conf,strategy=hp-v3 label=conf,strategy=sean-v5
check "--overall gives it, marked confounded" bash -c "grep -q '^CONFOUNDED geomean of cand/base per unit' '$TMP/out' || ! grep -q 'per unit' '$TMP/out'"

done_testing
