#!/usr/bin/env bash
# The #include graph follows the layers of docs/architecture.md, and the
# check that says so fails on an upward include.
. "$(dirname "$0")/lib.sh"

layers="$TOP/scripts/check-layers.sh"
"$layers" "$TOP" >"$TMP/out" 2>"$TMP/err"; RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect_rc "the tree has no upward include" 0

# A copy of the tree with one upward include in a leaf helper.
copy="$TMP/tree"
mkdir -p "$copy"
(cd "$TOP" && cp -r --parents src workloads guest-images "$copy"/)
sed -i '0,/#include "lib\/util.h"/s//#include "lib\/util.h"\n#include "core\/plan.h"/' "$copy/src/lib/params.c"
"$layers" "$copy" >"$TMP/out" 2>"$TMP/err"; RC=$?
OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect_rc "lib including core is refused" 1
check "the message names file, line and layers" \
	grep -q 'src/lib/params.c:[0-9]*: includes "core/plan.h" from a higher layer (src/core is above src/lib)' "$TMP/err"

# A backend reaching up into the CLI.
cp "$TOP/src/backend/sim/sim.c" "$copy/src/backend/sim/sim.c"
cp "$TOP/src/lib/params.c" "$copy/src/lib/params.c"
sed -i '1i #include "cli/cli.h"' "$copy/src/backend/sim/sim.c"
"$layers" "$copy" >"$TMP/out" 2>"$TMP/err"; RC=$?
expect_rc "a backend including the CLI is refused" 1
check "it names the backend file" grep -q '^src/backend/sim/sim.c:1: includes "cli/cli.h"' "$TMP/err"

# The CLI reaching into the sim's internals (it goes through backend_ops).
cp "$TOP/src/backend/sim/sim.c" "$copy/src/backend/sim/sim.c"
sed -i '1i #include "backend/sim/sim_int.h"' "$copy/src/cli/cmd_strategies.c"
"$layers" "$copy" >"$TMP/out" 2>"$TMP/err"; RC=$?
expect_rc "the CLI including the sim's internal header is refused" 1
check "it names the internal header" \
	grep -q '^src/cli/cmd_strategies.c:1: includes "backend/sim/sim_int.h", the internals of src/backend/sim' "$TMP/err"

# docs/architecture.md is the map of this tree: every folder is on it.
arch="$TOP/docs/architecture.md"
missing=
for d in $(cd "$TOP" && find src -mindepth 1 -maxdepth 1 -type d | sort) workloads guest-images; do
	grep -q "\`$d/\`" "$arch" || missing="$missing $d"
done
for d in $(cd "$TOP/src/backend" && find . -mindepth 1 -maxdepth 1 -type d | sed 's|^\./||' | sort); do
	grep -q "\`$d/\`" "$arch" || missing="$missing src/backend/$d"
done
check "docs/architecture.md names every folder${missing:+ (missing:$missing)}" test -z "$missing"
check "docs/architecture.md names the layering check" grep -q 'scripts/check-layers.sh' "$arch"

done_testing
