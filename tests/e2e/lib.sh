# Helpers for end-to-end tests: TAP output, a scratch dir, the built binary.
# Each test file sources this, calls the checks, and ends with `done_testing`.
set -u
TOP=${TDXBENCH_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TDXBENCH=${TDXBENCH:-$TOP/tdxbench}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tdxbench-e2e.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
export TDXBENCH_DB="$TMP/default.db"
_n=0

ok()      { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok()  { _n=$((_n + 1)); echo "not ok $_n - $*"; }
skip()    { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }
# check NAME CMD...: CMD must succeed. On failure, show what was actually there
# (as git's test_cmp shows the diff): the command and every file it read.
check() {
	local name="$1"; shift
	if "$@"; then ok "$name"; return 0; fi
	not_ok "$name"
	printf '#   failed: %s\n' "$*"
	local a
	for a in "$@"; do
		[ -f "$a" ] || continue
		printf '#   %s (%s lines):\n' "$a" "$(wc -l <"$a")"
		head -n 25 "$a" | sed 's/^/#   | /'
	done
	return 1
}
# need_cmd TOOL: a tool `make deps` installs; its absence is a failure, not a skip.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	not_ok "$1 is not installed (run 'make deps')"
	return 1
}

# run_tdx NAME: run ./tdxbench with the rest as arguments, keep out/err/rc.
run_tdx() {
	"$TDXBENCH" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
}
# expect_rc NAME RC: assert the last run_tdx exit status, dump output on failure.
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1 (exit $2)"; else
		not_ok "$1: exit $RC, wanted $2"
		sed 's/^/# out: /' "$TMP/out" | head -20; sed 's/^/# err: /' "$TMP/err" | head -20
	fi
}
one_line_err() { [ "$(printf '%s\n' "$ERR" | grep -c .)" -eq 1 ]; }
done_testing() { echo "1..$_n"; }
