#!/usr/bin/env bash
# report on a job file with several sections: one sweep per section, never a
# grid crossed over independent sections, no single-point sweep; job= selects.
. "$(dirname "$0")/lib.sh"

cat > "$TMP/two.ini" <<'INI'
[global]
backend=sim
workload=boot
mem=64M
vcpus=1
reps=2
strategy=dpamt-v6

[cap]
spt_cache_capacity=10,40

[pairs]
pamt_cache_pairs=1,8

[single]
spt_cache_min=3
INI
run_tdx run --quiet "$TMP/two.ini"
expect_rc "three sections" 0

run_tdx list job=cap --json
check "job= selects a section's runs" test "$(grep -o '"job":"cap"' "$TMP/out" | wc -l)" -eq 2
run_tdx list job=nosuch --json
check "job= that matches nothing selects nothing" test "$(tr -d ' \n' < "$TMP/out")" = "[]"

run_tdx report -f txt -o "$TMP/rep" session=1
expect_rc "report on the session" 0
check "a sweep for section cap" test -s "$TMP/rep"/sweep-boot-cap-spt_cache_capacity.gp
check "a sweep for section pairs" test -s "$TMP/rep"/sweep-boot-pairs-pamt_cache_pairs.gp
check "no grid across sections" bash -c "! ls '$TMP/rep' | grep -qE 'sweep-boot-(cap|single)-pamt_cache_pairs|sweep-boot-(pairs|single)-spt_cache_capacity'"
check "no single-point sweep" bash -c "! ls '$TMP/rep' | grep -q 'spt_cache_min'"
check "the figure title names the job" grep -q "(job cap)" "$TMP/rep"/sweep-boot-cap-spt_cache_capacity.gp
check "x tics on the swept values (40 and 160 KiB)" \
	grep -q '^array xt\[2\] = \[40, 160\]$' "$TMP/rep"/sweep-boot-cap-spt_cache_capacity.gp
check "a cache size in pages is drawn as memory" \
	grep -q "^xlab = 'spt_cache_capacity \[KiB\]'" "$TMP/rep"/sweep-boot-cap-spt_cache_capacity.gp

run_tdx report -f txt -o "$TMP/rep2" job=pairs
expect_rc "report job=pairs" 0
check "job=pairs: only its sweep" bash -c "ls '$TMP/rep2'/sweep-*.gp | grep -q pamt_cache_pairs && ! ls '$TMP/rep2' | grep -q spt_cache_capacity"

done_testing
