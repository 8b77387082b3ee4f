#!/usr/bin/env bash
# Labels are data: quotes, backquotes and system() in a label run nothing,
# and the HTML holds no raw markup from it.
. "$(dirname "$0")/lib.sh"

need_cmd gnuplot || { done_testing; exit 0; }

mark="$TMP/pwned"
evil="a'b\"c \`touch $mark\` system(\"touch $mark\") \$(touch $mark) <script>x</script>"
run_tdx run --quiet --strategy dpamt-v6 --workload boot --reps 2 --set mem=128M,vcpus=1 --label "$evil"
expect_rc "run with a hostile label" 0
run_tdx run --quiet --strategy dpamt-v6 --workload boot --reps 2 --set mem=128M,vcpus=1 --label plain
expect_rc "run with a plain label" 0

run_tdx report --format png,svg,txt,html,email -o "$TMP/rep"
expect_rc "report renders" 0
check "no file was created by the label" test ! -e "$mark"
check "html has no raw <script>" bash -c '! grep -q "<script" "$1"' _ "$TMP/rep/report.html"
check "html shows the label escaped" grep -q '&lt;script&gt;' "$TMP/rep/report.html"
check "the label reached a plot" grep -q 'touch' "$TMP/rep/ts-boot.gp"
check "the key names the long label in full (ticks may shorten it)" \
	grep -q '^array vfull.*<script>x</script>' "$TMP/rep/ts-boot.gp"
done_testing
