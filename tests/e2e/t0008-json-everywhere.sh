#!/usr/bin/env bash
# --json from every command: stdout is one JSON document a script can parse.
. "$(dirname "$0")/lib.sh"
parses() { python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/out"; }

run_tdx --json run --strategy dpamt-v6,sean-v5 --workload boot --set mem=64M,vcpus=1 --reps 2
expect_rc "run --json" 0
check "run --json: the session and each run's stored reps" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["session"] == 1 and d["model_output"] is True and not d["interrupted"], d
assert [r["reps_stored"] for r in d["runs"]] == [2, 2], d["runs"]
assert {r["strategy"] for r in d["runs"]} == {"dpamt-v6", "sean-v5"}
' "$TMP/out"

for cmd in "version" "help" "help run" "strategies" "workloads" "host" "list" "show 1" \
	   "export" "compare strategy=dpamt-v6 strategy=sean-v5" "db check" \
	   "run --dry-run --workload boot" "report -f txt -o $TMP/rep"; do
	# shellcheck disable=SC2086
	run_tdx --json $cmd
	check "$cmd --json parses" parses
done
check "report --json lists its figures" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["runs"] == 2 and d["files"] == ["report.txt"] and d["figures"], d
' "$TMP/out"
done_testing
