#!/usr/bin/env bash
# The default suite, two strategies, as the email a reply on the list quotes:
# one screen (<= 80 columns, <= 70 lines), no p-value on identical reps, no
# geomean across units, no verdict on a confounded comparison.
. "$(dirname "$0")/lib.sh"

run_tdx run --quiet --strategy dpamt-v6,sean-v5
# a preset a job's conditions do not allow (v6 has no split cache for the
# huge-page block) is left out of that job, saying so; the rest runs
expect_rc "default suite, two strategies" 0
check "says which jobs ran without dpamt-v6, and why" \
	test "$(grep -c "leaving out job '[a-z0-9-]*-2M' with strategy dpamt-v6 (1 instance): huge=yes with dpamt=yes needs split_cache" "$TMP/err")" -eq 5
check "every other instance ran" \
	test "$(sqlite3 "$TDXBENCH_DB" "SELECT count(*) FROM runs WHERE status = 'done'")" -eq 15
check "the left-out pairs are not in the store" \
	test "$(sqlite3 "$TDXBENCH_DB" "SELECT count(*) FROM runs WHERE strategy = 'dpamt-v6' AND job LIKE '%-2M'")" -eq 0

# a job where no given strategy fits is still refused, whole
run_tdx run --dry-run --strategy dpamt-v6 "$TOP/bench/default.ini"
expect_rc "--strategy that fits no instance of a job" 2
check "names the job that cannot run" grep -q "instance [0-9]* (fault2m-2M: sim strategy=dpamt-v6 .*needs split_cache" "$TMP/err"

run_tdx report --format email -o "$TMP/rep" strategy=dpamt-v6 strategy=sean-v5
expect_rc "report --format email" 0
cp "$TMP/out" "$TMP/mail"
check "email within 80 columns" awk 'length > 80 { exit 1 }' "$TMP/mail"
check "email within 70 lines" test "$(wc -l < "$TMP/mail")" -le 70
run_tdx --json compare strategy=dpamt-v6 strategy=sean-v5
blocks=$(python3 -c 'import json, sys; print(sum(1 for c in json.load(open(sys.argv[1]))["comparisons"] if c["metrics"]))' "$TMP/out")
check "every block of the comparison is in the email ($blocks)" \
	test "$(grep -cE '(sim\),|^ ) n=[0-9]+\+[0-9]+$' "$TMP/mail")" -eq "$blocks"
check "at least the 4K workloads of the suite" test "$blocks" -ge 5
check "no p-value on a row of identical reps" \
	bash -c "! grep -E ' =$' '$TMP/mail' | grep -qE '0\\.[0-9]{3}|<\\.001'"
check "a confounded comparison names what else differs and gives no verdict" \
	bash -c "! grep -q '^CONFOUNDED' '$TMP/mail' || { grep -qE '^CONFOUNDED: the sides also differ in [a-z_]+ \(' '$TMP/mail' && ! grep -qwE 'better|worse' '$TMP/mail'; }"
check "no overall geomean across units" bash -c "! grep -q '^overall geomean' '$TMP/mail'"
check "the host in one line, without its kernel command line" \
	bash -c "grep -q '^host [0-9]*: kernel ' '$TMP/mail' && ! grep -q 'cmdline' '$TMP/mail'"
check "one command reruns exactly these runs" \
	grep -q '^rerun: \$ tdxbench run --quiet --strategy dpamt-v6,sean-v5' "$TMP/mail"

# per-unit geomeans where the comparison is not confounded (same strategy, huge named)
run_tdx run --quiet --strategy sean-v5,hp-v3 --workload boot --set mem=64M,vcpus=1 --reps 3
expect_rc "two huge-page designs" 0
run_tdx compare --no-header strategy=sean-v5,mem=64M strategy=hp-v3,mem=64M
expect_rc "compare them" 0
check "not confounded: both run huge pages" bash -c "! grep -q CONFOUNDED '$TMP/out'"
check "geomeans per unit only" \
	bash -c "! grep -qE '^geomean of cand/base per unit' '$TMP/out' || grep -A1 '^geomean of cand/base per unit' '$TMP/out' | grep -qE '(bytes|ns|ops|pages) [-+x0-9.]+%? \\([0-9]+\\)'"

done_testing
