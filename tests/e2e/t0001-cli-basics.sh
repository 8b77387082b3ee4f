#!/usr/bin/env bash
# The command table: help, version, unknown commands and options.
. "$(dirname "$0")/lib.sh"

run_tdx --version
expect_rc "--version" 0
check "--version prints a version" grep -q '^tdxbench ' "$TMP/out"

run_tdx help
expect_rc "help" 0
check "help lists commands" grep -q 'version' "$TMP/out"

run_tdx hepl
expect_rc "unknown command" 2
check "unknown command suggests the closest" grep -q "did you mean 'help'" "$TMP/err"
check "unknown command is one line" one_line_err

run_tdx version --jsno
expect_rc "unknown option" 2
check "unknown option suggests --json" grep -q "did you mean '--json'" "$TMP/err"

run_tdx
expect_rc "no command" 2

done_testing
