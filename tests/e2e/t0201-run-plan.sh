#!/usr/bin/env bash
# tdxbench run --dry-run: matrices expand to the right instances, flags
# override files, and nothing runs or touches a database.
. "$(dirname "$0")/lib.sh"
DB="$TMP/never.db"

cat >"$TMP/m.ini" <<'INI'
[global]
mem=16M
reps=2

[sweep]
workload=boot
strategy=dpamt-v6,sean-v5
vcpus=1,2,4
mem=8M..24M:8M

[churn]
workload=convert-churn
gran=4K,2M
; the default window (64M) is more than mem: the dry run refuses it as a run would
window=8M
INI

run_tdx --db "$DB" run --dry-run "$TMP/m.ini"
expect_rc "dry run of a matrix" 0
check "2 strategies x 3 vcpus x 3 mem + 2 gran = 20 instances" \
	test "$(grep -cE '^ +[0-9]+  ' "$TMP/out")" -eq 20
check "header counts instances and repetitions" grep -q '^# 20 job instances, 40 repetitions' "$TMP/out"
check "first instance" grep -qx '   1  sweep: sim strategy=dpamt-v6 workload=boot mem=8M,vcpus=1 reps=2 seed=1' "$TMP/out"
check "strategy varies fastest" grep -qx '   2  sweep: sim strategy=sean-v5 workload=boot mem=8M,vcpus=1 reps=2 seed=1' "$TMP/out"
check "then the last key (vcpus: [global]'s mem came first)" grep -qx '   3  sweep: sim strategy=dpamt-v6 workload=boot mem=8M,vcpus=2 reps=2 seed=1' "$TMP/out"
check "last sweep instance" grep -qx '  18  sweep: sim strategy=sean-v5 workload=boot mem=24M,vcpus=4 reps=2 seed=1' "$TMP/out"
check "job key overrides [global]" test "$(grep -c 'mem=16M' "$TMP/out")" -eq 8
check "gran list" grep -q '  20  churn: sim workload=convert-churn gran=2M,mem=16M,window=8M reps=2 seed=1' "$TMP/out"
check "no database created" test ! -e "$DB"

run_tdx --db "$DB" run --dry-run "$TMP/m.ini" --strategy static --set vcpus=8,mem=32M --reps 7 --seed 3
expect_rc "flags override the file" 0
check "one strategy, one vcpus, one mem: 1 + 2 instances" test "$(grep -cE '^ +[0-9]+  ' "$TMP/out")" -eq 3
check "overridden values" grep -q '   1  sweep: sim strategy=static workload=boot mem=32M,vcpus=8 reps=7 seed=3' "$TMP/out"

run_tdx --db "$DB" run --dry-run --workload boot,random4k --strategy dpamt-v6,hp-v3 --set mem=1G..4G:1G,vcpus=1..16:*2
expect_rc "a matrix from flags" 0
check "2 workloads x 4 mem x 5 vcpus x 2 strategies = 80" test "$(grep -cE '^ +[0-9]+  ' "$TMP/out")" -eq 80
check "geometric vcpus range" grep -q 'mem=4G,vcpus=16 ' "$TMP/out"

run_tdx --db "$DB" run --dry-run
expect_rc "dry run of the default suite" 0
check "default suite: 6 presets x 5 workloads at 4K + 4 presets x 5 at 2M" \
	test "$(grep -cE '^ +[0-9]+  ' "$TMP/out")" -eq 50
check "default suite has >= 5 reps everywhere" test "$(grep -cE ' reps=([5-9]|[1-9][0-9]+) ' "$TMP/out")" -eq 50
check "the 4K block runs every preset at huge=no, 4K folios" \
	test "$(grep -E '^ +[0-9]+  [a-z0-9-]+-4K: ' "$TMP/out" | grep -c 'huge=no.*gmem_folio=4K\|gmem_folio=4K.*huge=no')" -eq 30
check "the huge block runs huge=yes, 2M folios, without v4 and v6" \
	test "$(grep -E '^ +[0-9]+  [a-z0-9-]+-2M: ' "$TMP/out" | grep -v 'dpamt-v[46]' | grep -c 'huge=yes')" -eq 20
check "default suite comes from bench/default.ini" grep -q 'from .*bench/default.ini' "$TMP/out"

for suite in capacity scale; do
	run_tdx --db "$DB" run --dry-run "$TOP/bench/$suite.ini"
	expect_rc "bench/$suite.ini is a valid plan" 0
done
check "still no database" test ! -e "$DB"

done_testing
