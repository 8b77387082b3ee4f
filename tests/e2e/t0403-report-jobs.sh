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

[layout]
strategy=dpamt-v6,sean-v5
host_layout=fresh,fragmented
INI
run_tdx run --quiet "$TMP/two.ini"
expect_rc "four sections" 0

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

cap_gp="$TMP/rep"/sweep-boot-cap-spt_cache_capacity.gp
check "a section's key names its own variants only, not the session's" \
	grep -q "^array vname\[1\] = \['dpamt-v6'\]\$" "$cap_gp"
lay_gp=$(ls "$TMP/rep"/cmp-boot-layout*.gp 2>/dev/null | head -1)
check "the layout section compares its four variants" test -n "$lay_gp"
check "its categories are labelled by value ('sean-v5 fragmented')" \
	grep -q "^array vname\[4\] = .*'sean-v5 fragmented'" "${lay_gp:-/dev/null}"
check "its full names keep the key" grep -q "host_layout=fragmented" "${lay_gp:-/dev/null}"
check "a key swept in one section leaves another's names alone" \
	bash -c "! grep -q host_layout '$cap_gp'"

run_tdx report -f txt -o "$TMP/rep2" job=pairs
expect_rc "report job=pairs" 0
check "job=pairs: only its sweep" bash -c "ls '$TMP/rep2'/sweep-*.gp | grep -q pamt_cache_pairs && ! ls '$TMP/rep2' | grep -q spt_cache_capacity"

done_testing
