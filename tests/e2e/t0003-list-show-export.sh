#!/usr/bin/env bash
# list, show and export over a database populated with the sqlite3 shell
# through the documented schema (tests/e2e/fixture.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"

db="$TMP/fx.db"
check "fixture database builds from the documented schema" make_fixture_db "$db"
export TDXBENCH_DB="$db"

run_tdx list
expect_rc "list" 0
check "list has a header" grep -qE '^ +ID +DATE \(UTC\) +BACKEND +STRATEGY/LABEL +WORKLOAD +STATUS +REPS' "$TMP/out"
check "list shows three runs" test "$(grep -cE '^ +[0-9]+ ' "$TMP/out")" = 3
check "list shows run 1" grep -qE '^ +1 +2025-01-02 03:04 +sim +sean-v5 +boot +done +3/3' "$TMP/out"
check "list shows failed reps" grep -qE '^ +2 .*2/3 \(1 failed\)' "$TMP/out"
check "list shows a failed run" grep -qE '^ +3 .*kvm .*random4k +failed' "$TMP/out"

count_runs() { grep -cE '^ +[0-9]+ ' "$TMP/out"; }
sel() { local want="$1"; shift; run_tdx list "$@"; [ "$RC" = 0 ] && [ "$(count_runs)" = "$want" ]; }
check "select by id" sel 1 2
check "select by id range" sel 2 2-3
check "select by open id range" sel 2 id=2-
check "select by backend" sel 2 backend=sim
check "select by strategy wildcard" sel 2 'strategy=*-v*'
check "select by two terms (AND)" sel 1 backend=sim strategy=dpamt-v4
check "select by comma-joined terms" sel 1 backend=sim,strategy=dpamt-v4
check "select by parameter" sel 2 mem=64G
check "select by two parameters" sel 1 mem=64G,vcpus=16
check "select by status" sel 1 status=failed
check "select by host label" sel 3 host=fixture-host
check "select by kernel" sel 3 "kernel=$(uname -r)"
check "select by session" sel 3 session=1
run_tdx list strategy=nosuch
expect_rc "list selecting nothing" 0
check "empty selection says so on stderr" grep -q "no runs match" "$TMP/err"
check "empty selection prints nothing" test ! -s "$TMP/out"

run_tdx list stratgy=x
expect_rc "selector typo" 2
check "selector typo suggests the key" grep -q "did you mean 'strategy'" "$TMP/err"
check "selector typo is one line" one_line_err
run_tdx list 3-1
expect_rc "backwards id range" 2

run_tdx list --json backend=sim
expect_rc "list --json" 0
check "list --json parses, with run fields" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["id"] for r in d] == [1, 2], d
assert d[0]["strategy"] == "sean-v5" and d[0]["is_model"] is True
assert d[0]["seed"] == "18364758544493064720"
assert d[1]["label"] == "try \"2\", commas" and d[1]["reps_failed"] == 1
' "$TMP/out"

run_tdx show 1
expect_rc "show" 0
check "show labels model output" grep -q "model output, not a measurement" "$TMP/out"
check "show prints the host summary" grep -qE '^  host +.*fixture-host' "$TMP/out"
check "show prints parameters" grep -qE '^  vcpus +16$' "$TMP/out"
check "show prints the median with n" grep -qE '^  pamt_add +110 +3 +100 +120' "$TMP/out"
check "show prints an even-n median" bash -c "$(printf '%q ' "$TDXBENCH") show 2 | grep -qE '^  pamt_add +60 +2 '"
check "show prints notes" grep -q "conversion_method = zap+refault" "$TMP/out"
check "show prints the reproduce command" grep -q "tdxbench run --backend sim --strategy sean-v5" "$TMP/out"
run_tdx show 3
check "show prints why a run failed" grep -qE '^  reason +no usable /dev/kvm' "$TMP/out"
run_tdx show --json 1
expect_rc "show --json" 0
check "show --json parses, with per-rep values" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["metrics"]["pamt_add"]
assert m["median"] == 110 and m["n"] == 3 and m["values"] == [100, 120, 110], m
assert d["params"] == {"mem": "64G", "vcpus": "16"}
assert d["host"]["label"] == "fixture-host"
' "$TMP/out"
run_tdx show 99
expect_rc "show of a missing run" 1
check "missing run: one line" one_line_err
run_tdx show abc
expect_rc "show of a non-id" 2
run_tdx show
expect_rc "show without a run" 2

run_tdx export --format csv
expect_rc "export csv" 0
check "csv header" test "$(head -1 "$TMP/out")" = "run_id,backend,strategy,workload,label,kernel,host_label,params,rep,rep_status,metric,value,unit"
check "csv has one row per run x rep x metric" test "$(wc -l <"$TMP/out")" = 9
check "csv parses, quoting intact" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 8
r = [x for x in rows if x["run_id"] == "2"][0]
assert r["label"] == "try \"2\", commas" and r["params"] == "mem=64G,vcpus=4", r
assert {(x["rep"], x["metric"], x["value"]) for x in rows if x["run_id"] == "1"} >= {("1", "pamt_add", "120")}
' "$TMP/out"
run_tdx export --format csv strategy=sean-v5
check "export honours selectors" test "$(wc -l <"$TMP/out")" = 7
run_tdx export --format json -o "$TMP/x.json" mem=64G
expect_rc "export json to a file" 0
check "export json parses" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["id"] for r in d] == [1, 2]
assert d[0]["params"]["vcpus"] == "16"
assert [r["rep"] for r in d[1]["reps"]] == [0, 2]
assert d[0]["reps"][1]["metrics"]["pamt_add"] == {"value": 120, "unit": "count"}
' "$TMP/x.json"
run_tdx export --format wide
expect_rc "export wide" 0
check "wide: one column per parameter, no params cell" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 8, len(rows)
assert "params" not in rows[0] and "mem" in rows[0] and "vcpus" in rows[0], list(rows[0])
r = [x for x in rows if x["run_id"] == "2"][0]
assert r["mem"] == "64G" and r["vcpus"] == "4" and r["label"] == "try \"2\", commas", r
' "$TMP/out"
run_tdx export
expect_rc "export without --format" 2
run_tdx export --format xml
expect_rc "export with an unknown format" 2
check "unknown format is named" grep -q "'xml'" "$TMP/err"

run_tdx export --fromat csv
expect_rc "export unknown option" 2
check "export unknown option suggests --format" grep -q "did you mean '--format'" "$TMP/err"
run_tdx list --jsn
expect_rc "list unknown option" 2
check "list unknown option suggests --json" grep -q "did you mean '--json'" "$TMP/err"
check "unknown option is one line" one_line_err
run_tdx lst
expect_rc "misspelt command" 2
check "misspelt command suggests list" grep -q "did you mean 'list'" "$TMP/err"

done_testing
