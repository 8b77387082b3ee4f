#!/usr/bin/env bash
# `tdxbench run --backend sim`: every preset on every workload completes and
# stores (small memory); a knob override reaches the model.
. "$(dirname "$0")/lib.sh"

for w in boot random4k fault2m convert-churn split-storm multi-td teardown; do
	extra=
	[ "$w" = convert-churn ] && extra=,window=4M
	run_tdx run --backend sim --strategy static,dpamt-v4,dpamt-v6,sean-v5,hp-v3,kai-sp \
		--workload "$w" --set "mem=16M,vcpus=2$extra" --reps 1 --db "$TMP/r.db"
	expect_rc "run $w, all presets" 0
	# a workload's summary shows what it is about, even when the rows agree
	case $w in
	teardown) check "teardown's summary shows its PAMT.REMOVEs and lock wait" \
		grep -Eq 'PAMT.REMOVE +teardown lock' "$TMP/out" ;;
	convert-churn) check "convert-churn's summary shows conversion latency and mmu_lock" \
		grep -Eq 'convert p99 +mmu_lock wait' "$TMP/out" ;;
	esac
done
if command -v sqlite3 >/dev/null; then
	check "stored 42 runs" test "$(sqlite3 "$TMP/r.db" "select count(*) from runs where backend='sim'" 2>/dev/null)" -eq 42
	check "every run stored metrics" test "$(sqlite3 "$TMP/r.db" \
		"select count(distinct r.run_id) from metrics m join reps r on r.id = m.rep_id where m.name = 'dpamt_bytes_after_teardown' and m.value = 0" 2>/dev/null)" -eq 42
else
	skip "stored runs" "no sqlite3"
fi

run_tdx run --backend sim --strategy dpamt-v6 --workload boot \
	--set mem=2M,host_layout=sparse,pamt_cache_pairs=1 --reps 1 --db "$TMP/r.db"
check "an undersized cache fails the run" test "$RC" -ne 0
check "and says which invariant" grep -q 'cache underflow' "$TMP/err" "$TMP/out"

run_tdx run --backend sim --strategy dpamt-v6 --workload boot \
	--set mem=16M,spt_cache_capacity=8..16:8 --reps 1 --db "$TMP/r.db"
expect_rc "a knob range from docs/jobfiles.md runs" 0

done_testing
