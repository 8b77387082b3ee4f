#!/usr/bin/env bash
# compare: usage errors, exit codes and help, without any runs.
. "$(dirname "$0")/lib.sh"

run_tdx compare --help
expect_rc "--help" 0
check "--help shows the usage" grep -q '^usage: tdxbench compare BASE CAND' "$TMP/out"

run_tdx help
check "help lists compare" grep -q '^  compare ' "$TMP/out"

run_tdx compare
expect_rc "no selectors" 2
check "no selectors: one line" one_line_err

run_tdx compare strategy=a
expect_rc "only a base" 2

run_tdx compare strategy=a strategy=b --format xml
expect_rc "unknown format" 2
check "unknown format names the valid ones" grep -q "valid: text, markdown, csv, json" "$TMP/err"

run_tdx compare strategy=a strategy=b --alpha 1.5
expect_rc "alpha out of range" 2

run_tdx compare strategy=a strategy=b --fail-if-worse -3
expect_rc "negative --fail-if-worse" 2

run_tdx compare --formt json strategy=a strategy=b
expect_rc "misspelt option" 2
check "misspelt option suggests --format" grep -q "did you mean '--format'" "$TMP/err"

run_tdx compare '=x' strategy=b
if [ "$RC" -eq 2 ]; then ok "bad selector is a usage error (exit 2)"; else
	not_ok "bad selector: exit $RC, wanted 2"; fi
check "bad selector: one line" one_line_err

run_tdx --db "$TMP/missing.db" compare strategy=a strategy=b
expect_rc "missing database" 1
check "missing database: one line naming it" grep -q "missing.db" "$TMP/err"

done_testing
