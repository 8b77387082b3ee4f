#!/usr/bin/env bash
# tdxbench run: a small job file is stored completely (session, runs, reps,
# metrics, params), with what is needed to reproduce it.
. "$(dirname "$0")/lib.sh"
DB="$TMP/r.db"
q() { sqlite3 "$DB" "$1"; }

cat >"$TMP/small.ini" <<'INI'
; two strategies x two workloads, tiny memory
[global]
backend=sim
mem=16M
vcpus=2
reps=3
seed=11

[boot]
workload=boot
strategy=dpamt-v6,sean-v5

[churn]
workload=convert-churn
strategy=dpamt-v6,sean-v5
window=4M
INI

run_tdx --db "$DB" run "$TMP/small.ini"
expect_rc "run a small job file" 0
check "summary names the database" grep -q "Database: $DB" "$TMP/out"
check "summary labels model output" grep -q "model output" "$TMP/out"
check "summary has a table per job and workload" \
	test "$(grep -cE '^(boot|convert-churn \[churn\]): sim \(model output\)' "$TMP/out")" -eq 2
check "summary gives a compare command" grep -q 'tdxbench compare session=1,strategy=dpamt-v6 session=1,strategy=sean-v5' "$TMP/out"
check "summary gives a report command" grep -q 'tdxbench report session=1' "$TMP/out"
check "summary stays within 80 columns" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$TMP/out")" -le 80
check "progress in a log: a line every few seconds, not one per repetition" \
	test "$(grep -c '^tdxbench: \[[0-9]*/12\] ' "$TMP/err")" -le 2

check "integrity_check ok" test "$(q 'PRAGMA integrity_check')" = ok
check "one session, done" test "$(q "SELECT count(*) || status FROM sessions")" = 1done
check "session records the exact command line" \
	test "$(q 'SELECT cmdline FROM sessions')" = "tdxbench --db $DB run $TMP/small.ini"
check "session records the job file hash" \
	test "$(q 'SELECT jobfile_hash FROM sessions')" = "$(sha256sum <"$TMP/small.ini" | cut -d' ' -f1)"
check "session records the tool version" \
	test "$(q 'SELECT tool_version FROM sessions')" = "$("$TDXBENCH" --version | cut -d' ' -f2)"
check "four runs, all done" test "$(q "SELECT count(*) FROM runs WHERE status = 'done' AND reps_done = 3")" -eq 4
check "runs keep job, workload, strategy" \
	test "$(q "SELECT group_concat(job || '/' || workload || '/' || strategy, ' ') FROM (SELECT * FROM runs ORDER BY id)")" = \
	"boot/boot/dpamt-v6 boot/boot/sean-v5 churn/convert-churn/dpamt-v6 churn/convert-churn/sean-v5"
check "runs are model output" test "$(q 'SELECT min(is_model) FROM runs')" -eq 1
check "twelve ok reps" test "$(q "SELECT count(*) FROM reps WHERE status = 'ok'")" -eq 12
check "every rep has metrics" test "$(q 'SELECT count(*) FROM reps WHERE id NOT IN (SELECT rep_id FROM metrics)')" -eq 0
check "rep r has the same seed in every run" test "$(q 'SELECT count(DISTINCT seed) FROM reps')" -eq 3
check "resolved params stored (workload and knobs)" \
	test "$(q "SELECT count(*) FROM run_params WHERE run_id = 3 AND key IN ('mem','vcpus','window','gran')")" -eq 4
check "window= only reached convert-churn" \
	test "$(q "SELECT count(*) FROM run_params WHERE key = 'window' AND value = '4M'")" -eq 2
check "reproduce command recorded" \
	test "$(q 'SELECT reproduce FROM runs WHERE id = 1')" = \
	"tdxbench run --backend sim --strategy dpamt-v6 --workload boot --set mem=16M,vcpus=2 --reps 3 --warmup 0 --seed 11"

# the reproduce command re-creates the same numbers (the model is deterministic)
repro=$(q 'SELECT reproduce FROM runs WHERE id = 2' | sed 's/^tdxbench //')
# shellcheck disable=SC2086
run_tdx --db "$DB" $repro --quiet
expect_rc "the reproduce command runs" 0
check "and stores the same metrics" test "$(q "SELECT count(*) FROM (
	SELECT p.rep, m.name, m.value FROM reps p JOIN metrics m ON m.rep_id = p.id WHERE p.run_id = 2
	EXCEPT
	SELECT p.rep, m.name, m.value FROM reps p JOIN metrics m ON m.rep_id = p.id WHERE p.run_id = 5)")" -eq 0
check "and nothing on stderr with --quiet" test ! -s "$TMP/err"

# flags alone make one job; the default backend is sim
run_tdx --db "$DB" run --workload boot --strategy static --set mem=8M --reps 2 --label my-kernel --quiet
expect_rc "run from flags" 0
check "flags-only run stored with its label" \
	test "$(q "SELECT job || '/' || label || '/' || reps_done FROM runs WHERE id = 6")" = cli/my-kernel/2

done_testing
