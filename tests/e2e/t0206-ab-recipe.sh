#!/usr/bin/env bash
# The kernel A/B recipe of the README, as written, with two labels on this
# host: the label attaches the runs to the host record `host --kernel-tree`
# stored, `run --kernel-tree` records one itself, and compare label=A label=B
# --fail-if-worse 5 gives an exit status to act on.
. "$(dirname "$0")/lib.sh"
command -v git >/dev/null || { skip "A/B recipe" "no git"; done_testing; exit 0; }

tree="$TMP/linux"
git init -q "$tree" && git -C "$tree" -c user.email=t@t -c user.name=t \
	commit -q --allow-empty -m a && git -C "$tree" tag v6.19-a
export TDXBENCH_DB="$TMP/ab.db"

# kernel A: describe the tree once, then run under its label
run_tdx host --label A --kernel-tree "$tree" --store
expect_rc "host --label A --kernel-tree DIR --store" 0
run_tdx run --label A
expect_rc "run --label A (the default suite)" 0
q() { sqlite3 "$TMP/ab.db" "$1"; }
check "run --label A attaches to the stored host (no second host row)" \
	test "$(q "SELECT count(*) FROM hosts WHERE label = 'A'")" -eq 1
check "and that host carries the git describe" \
	test "$(q "SELECT DISTINCT h.kernel_describe FROM runs r JOIN hosts h ON h.id = r.host_id WHERE r.label = 'A'")" = v6.19-a

# kernel B: the tree moved on; run --kernel-tree records it directly
git -C "$tree" -c user.email=t@t -c user.name=t commit -q --allow-empty -m b && git -C "$tree" tag v6.19-b
run_tdx run --label B --kernel-tree "$tree"
expect_rc "run --label B --kernel-tree DIR (the default suite)" 0
check "run --kernel-tree records git describe" \
	test "$(q "SELECT DISTINCT h.kernel_describe FROM runs r JOIN hosts h ON h.id = r.host_id WHERE r.label = 'B'")" = v6.19-b
run_tdx run --label C --kernel-tree "$TMP/nosuch" --workload boot --quiet
expect_rc "run --kernel-tree on a missing folder" 1
check "says which tree" grep -q "cannot describe kernel tree '$TMP/nosuch'" "$TMP/err"

run_tdx compare label=A label=B --fail-if-worse 5
expect_rc "compare label=A label=B --fail-if-worse 5 (same model, no regression)" 0
check "the header names each kernel by its describe" \
	bash -c "grep -q 'kernel v6.19-a' '$TMP/out' && grep -q 'kernel v6.19-b' '$TMP/out'"
check "labels name the kernels: no cross-host warning" bash -c "! grep -q 'comparing across hosts' '$TMP/out'"
check "not confounded" bash -c "! grep -q CONFOUNDED '$TMP/out'"

# identical distributions (the same model on both kernels) get no CDF: they coincide
run_tdx report -f txt -o "$TMP/rep" label=A label=B
expect_rc "report label=A label=B" 0
check "no CDF of identical distributions" bash -c "! ls '$TMP/rep' | grep -q '^cdf-'"

# a host difference nobody asked for is a warning that says what differs
run_tdx compare 1 "$(q "SELECT min(id) FROM runs WHERE label = 'B'")"
check "cross-host warning says what differs" \
	bash -c "grep -A2 'warning: comparing across hosts' '$TMP/out' | tr '\n' ' ' | grep -q 'differ in .*label'"
done_testing
