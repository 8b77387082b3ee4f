#!/bin/bash
# Help is generated from the command and option tables: every command that
# 'help' lists has a --help, 'help CMD' prints the same, and every option a
# --help lists is one the command's parser takes.
. "$(dirname "$0")/lib.sh"

run_tdx help
expect_rc "help" 0
cmds=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' "$TMP/out")
check "help lists commands" test -n "$cmds"
run_tdx --help
check "--help and help print the same list" sh -c '"$0" help | cmp -s - "$1"' "$TDXBENCH" "$TMP/out"

for c in $cmds; do
	run_tdx "$c" --help
	if [ "$RC" -ne 0 ] || ! head -1 "$TMP/out" | grep -q "^usage: tdxbench $c"; then
		not_ok "$c --help: exit $RC"; sed 's/^/# /' "$TMP/out" "$TMP/err" | head; continue
	fi
	cp "$TMP/out" "$TMP/usage"
	check "help $c is $c --help" sh -c '"$0" help "$1" | cmp -s - "$2"' "$TDXBENCH" "$c" "$TMP/usage"
	# every listed option parses: a value-taking one with '=1', then --help stops
	bad=
	# "  -o, --name ARG   help" or "      --flag   help": a placeholder is one space away
	for o in $(sed -En 's/^  (-., |    )--([a-z-]+)( [^ ]+)?( {2,}.*)?$/\2\3/p' "$TMP/usage" | tr ' ' '@'); do
		name=${o%%@*}
		case $o in *@*) arg="--$name=1" ;; *) arg="--$name" ;; esac
		[ "$name" = help ] && continue
		"$TDXBENCH" "$c" "$arg" --help >/dev/null 2>"$TMP/err2"
		if grep -q "unknown option\|doesn't allow\|needs a value" "$TMP/err2"; then
			bad="$bad $arg"; sed 's/^/# /' "$TMP/err2"
		fi
	done
	check "$c: every listed option is taken${bad:+ (not:$bad)}" test -z "$bad"
done

run_tdx run --help
check "run --help names no backend the registry lacks" sh -c '! grep -q "tdxbench backends" "$0"' "$TMP/out"
done_testing
