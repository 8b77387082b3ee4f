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
check "email has an ASCII plot" grep -q -- '+-----' "$TMP/out"

run_tdx report --format html -o "$TMP/html"
expect_rc "report --format html" 0
nfig=$(ls "$TMP/html"/*.gp | wc -l)
check "html parses and holds every figure" python3 "$TOP/tests/unit/check_html.py" "$TMP/html/report.html" "$nfig"

done_testing
