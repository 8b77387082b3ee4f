#!/usr/bin/env bash
# `tdxbench strategies`: the sim presets, their knobs, and the costs with sources.
. "$(dirname "$0")/lib.sh"

run_tdx strategies
expect_rc "strategies" 0
for s in static dpamt-v4 dpamt-v6 sean-v5 hp-v3 kai-sp; do
	check "lists $s" grep -q "^$s " "$TMP/out"
done
check "knob matrix shows sept_pamt per preset" \
	grep -qE '^sept_pamt +link +link +link +topup +link +topup$' "$TMP/out"
check "names the series a preset models" grep -q 'PATCH v6' "$TMP/out"
check "mentions --set overrides" grep -q -- '--set knob=value' "$TMP/out"

run_tdx strategies --costs
expect_rc "strategies --costs" 0
check "PAMT.ADD cost cites its source" grep -A2 '^cost_pamt_add ' "$TMP/out" | grep -q 'aYprxnSHKHUtk7pt'
check "DEMOTE cost is 10 us, cited" grep -qE '^cost_demote +10000 ns +TDH.MEM.PAGE.DEMOTE' "$TMP/out"
check "AUG cost is marked assumed" grep -A1 '^cost_aug ' "$TMP/out" | grep -q '\*assumed\*'
check "cited costs are not marked assumed" sh -c "! grep -A2 '^cost_pamt_add ' '$TMP/out' | grep -q assumed"

run_tdx strategies --json
expect_rc "strategies --json" 0
if command -v python3 >/dev/null; then
	check "--json is valid JSON with 6 presets" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [p["name"] for p in d["presets"]] == ["static", "dpamt-v4", "dpamt-v6", "sean-v5", "hp-v3", "kai-sp"]
assert d["presets"][3]["knobs"]["sept_pamt"] == "topup"
c = {x["name"]: x for x in d["costs"]}
assert c["cost_pamt_add"]["value"] == 4000 and not c["cost_pamt_add"]["assumed"]
assert c["cost_aug"]["assumed"]
' "$TMP/out"
else
	skip "--json is valid JSON" "no python3"
fi

run_tdx strategies --backend sim
expect_rc "strategies --backend sim" 0
check "--backend sim heads the list with the sim" grep -q '^sim strategies (model presets' "$TMP/out"

run_tdx strategies --backend kvm
expect_rc "a backend without presets" 2
check "says it has no strategies" grep -q -- '--backend kvm: has no strategies' "$TMP/err"

run_tdx strategies --backend nosuch
expect_rc "an unknown backend" 2
check "names the unknown backend" grep -q -- '--backend nosuch: no such backend' "$TMP/err"

run_tdx strategies --cots
expect_rc "misspelt option" 2
check "suggests --costs" grep -q "did you mean '--costs'" "$TMP/err"

done_testing
