#!/usr/bin/env bash
# `tdxbench workloads`: every non-test workload with its parameters and phases.
. "$(dirname "$0")/lib.sh"

run_tdx workloads
expect_rc "workloads" 0
for w in boot random4k fault2m convert-churn split-storm multi-td teardown; do
	check "lists $w" grep -q "^$w " "$TMP/out"
done
check "hides test-only workloads" sh -c "! grep -q '^test-' '$TMP/out'"
for k in mem vcpus tds; do
	check "common parameter $k" grep -qE "^    $k +" "$TMP/out"
done
check "workload parameter with its default" sh -c "grep -A1 -E '^    window ' '$TMP/out' | grep -q '\[64M[];]'"
check "shows the phases" grep -q 'convert \[960 MiB,1 GiB) private->shared->private' "$TMP/out"

run_tdx workloads --json
expect_rc "workloads --json" 0
if command -v python3 >/dev/null; then
	check "--json lists 8 workloads with common parameters" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = [w["name"] for w in d]
assert names == ["boot", "random4k", "fault2m", "convert-churn", "split-storm", "multi-td", "teardown", "linux-boot"], names
for w in d:
    p = [x["name"] for x in w["parameters"]]
    assert p[:3] == ["mem", "vcpus", "tds"], p
    assert w["description"] and w["phases"]
' "$TMP/out"
else
	skip "--json is valid JSON" "no python3"
fi

run_tdx workloads extra
expect_rc "unexpected argument" 2

done_testing
