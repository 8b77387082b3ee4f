#!/usr/bin/env bash
# tdxbench report after real sim runs: every figure kind, email, html.
. "$(dirname "$0")/lib.sh"

# gnuplot is a build dependency (make deps installs it): its absence is a failure.
need_cmd gnuplot || { done_testing; exit 0; }

# Two strategies on one workload, and a sweep over the cache capacity.
run_tdx run --quiet --strategy dpamt-v6,sean-v5 --workload boot --reps 3 --set mem=256M,vcpus=2
expect_rc "run two strategies" 0
run_tdx run --quiet --strategy dpamt-v6,sean-v5 --workload random4k --reps 3 \
	--set mem=256M,vcpus=2,spt_cache_capacity=10,20,40
expect_rc "run a capacity sweep" 0

run_tdx report -o "$TMP/rep"
expect_rc "report (default formats)" 0
check "one line on stderr" one_line_err
check "report.txt written" test -s "$TMP/rep/report.txt"
check "comparison figure for boot" test -s "$TMP/rep/cmp-boot.png"
check "sweep figure for random4k" ls "$TMP/rep"/sweep-random4k-*.png
check "time-series figure" ls "$TMP/rep"/ts-*.png
valid_png() { for f in "$TMP/rep"/*.png; do
	head -c 8 "$f" | od -An -c | grep -q 'P   N   G' || return 1
	[ "$(stat -c %s "$f")" -gt 10000 ] || return 1; done; }
valid_svg() { for f in "$TMP/rep"/*.svg; do
	grep -q '</svg>' "$f" || return 1; [ "$(stat -c %s "$f")" -gt 5000 ] || return 1; done; }
check "every png is a PNG of sensible size" valid_png
check "every svg is complete and of sensible size" valid_svg
check "every figure has its script and data" \
	bash -c 'for f in "$1"/*.png; do b=${f%.png}; [ -s "$b.gp" ] && [ -s "$b.dat" ] || exit 1; done' _ "$TMP/rep"
check "scripts re-render by hand" \
	bash -c 'cd "$1" && f=$(ls cmp-*.gp | head -1) && rm -f "${f%.gp}.png" && gnuplot "$f" && test -s "${f%.gp}.png"' _ "$TMP/rep"

run_tdx report --format email -o "$TMP/mail"
expect_rc "report --format email" 0
check "email on stdout starts with the report header" \
	bash -c 'head -1 "$1" | grep -q "^tdxbench report: [0-9]* runs (ids "' _ "$TMP/out"
check "stdout is the email.txt written" cmp "$TMP/out" "$TMP/mail/email.txt"
check "email is ASCII" bash -c '! LC_ALL=C grep -q "[^ -~]" "$1"' _ "$TMP/out"
check "email within 80 columns" bash -c '[ "$(awk "{ if (length > m) m = length } END { print m+0 }" "$1")" -le 80 ]' _ "$TMP/out"
check "email says model output" grep -q "MODEL OUTPUT" "$TMP/out"
check "email has the run command" grep -q '\$ tdxbench run' "$TMP/out"
check "email has the compare table" grep -q "dpamt-v6" "$TMP/out"
check "email fits one screen (<= 70 lines)" test "$(wc -l < "$TMP/out")" -le 70
check "email points to the figures" grep -qE '^[0-9]+ figures in ' "$TMP/out"
check "email has the table's column header" grep -qE '^metric +base +\+- +cand +\+- +change +p$' "$TMP/out"

check "time series mark where the teardown starts" \
	grep -qE '^array teardown_at\[2\] = \[[0-9.e+-]+, [0-9.e+-]+\]$' "$TMP/rep/ts-boot.gp"
check "and never at a negative time" bash -c "! grep -q '^array teardown_at.*\[-1' '$TMP/rep/ts-boot.gp'"
check "coinciding curves stay visible: a dash and a point per variant" \
	bash -c "grep -q 'pt vpt(v) ps 0.8 dt vdt(v)' \"\$(ls '$TMP'/rep/sweep-*.gp | head -1)\""
check "sweep panels: the metric that changes most first" python3 -c '
import sys, re
dat = open(sys.argv[1]).read()
nvar = int(re.search(r"^nvar = (\d+)", open(sys.argv[2]).read(), re.M).group(1))
blocks = [b for b in re.split(r"\n\s*\n\s*\n", dat)]
rows = [[list(map(float, l.split()[:2])) for l in b.splitlines() if l.strip() and not l.startswith("#")]
        for b in blocks]
rows = [r for r in rows if r]
spread = []
for p in range(len(rows) // nvar):
    meds = [y for v in range(nvar) for x, y in rows[p * nvar + v] if y == y]
    hi, lo = max(meds), min(meds)
    spread.append((hi - lo) / max(abs(hi), abs(lo)) if hi > lo else 0)
assert all(a >= b - 0.011 for a, b in zip(spread, spread[1:])), spread
' "$(ls "$TMP"/rep/sweep-random4k-*.dat | head -1)" "$(ls "$TMP"/rep/sweep-random4k-*.gp | head -1)"

run_tdx report --format html -o "$TMP/html"
expect_rc "report --format html" 0
check "the html page leads with its figures" python3 -c '
import sys
h = open(sys.argv[1]).read()
assert h.index("<figure") < h.index("id=\"run\"") < h.index("id=\"summaries\""), "order"
' "$TMP/html/report.html"
nfig=$(ls "$TMP/html"/*.gp | wc -l)
check "html parses and holds every figure" python3 "$TOP/tests/unit/check_html.py" "$TMP/html/report.html" "$nfig"

done_testing
