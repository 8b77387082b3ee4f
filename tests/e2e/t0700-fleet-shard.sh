#!/usr/bin/env bash
# run --shard K/N and bench/fleet/parallel.sh: the default suite in 3 shards
# through GNU parallel, merged, is the unsharded run: the same runs, the same
# model numbers to the last bit, and compare/report say the same of it.
. "$(dirname "$0")/lib.sh"
db_ok() { "$TDXBENCH" --db "$1" db check >/dev/null; }

# ---- the pieces (no database) ----
"$TDXBENCH" run --dry-run >"$TMP/whole.out"
grep -v '^#' "$TMP/whole.out" | sed 's/^ *[0-9]* *//' | sort >"$TMP/whole"
# the suite's size, as it is today: instances and repetitions
NI=$(wc -l <"$TMP/whole")
NR=$(sed -n 's/^# [0-9]* job instances, \([0-9]*\) repetitions.*/\1/p' "$TMP/whole.out")
: >"$TMP/pieces"
for k in 1 2 3; do
	run_tdx run --dry-run --shard $k/3
	expect_rc "dry-run shard $k/3" 0
	check "dry-run shard $k/3 names the piece" grep -qE "^# shard $k/3: [0-9]+ of [0-9]+ comparison groups, [0-9]+ of $NI job instances" "$TMP/out"
	grep -v '^#' "$TMP/out" | sed 's/^ *[0-9]* *//' >>"$TMP/pieces"
	"$TDXBENCH" run --dry-run --shard $k/3 >"$TMP/again"
	check "dry-run shard $k/3 is the same twice" cmp -s "$TMP/out" "$TMP/again"
done
check "the 3 pieces are the whole plan, each instance once" cmp -s "$TMP/whole" <(sort "$TMP/pieces")
check "the default suite has instances and repetitions ($NI, $NR)" test "$NI" -gt 10 -a "${NR:-0}" -gt "$NI"
check "no database was touched" test ! -e "$TDXBENCH_DB"
for bad in 0/3 4/3 3 x/2 1/0; do
	run_tdx run --dry-run --shard "$bad"
	expect_rc "--shard $bad refused" 2
	check "--shard $bad: one line" one_line_err
done
run_tdx run --shard 1/2 --resume 1
expect_rc "--shard with --resume refused" 2
cat >"$TMP/one.ini" <<'INI'
[global]
backend=sim
mem=64M
vcpus=1
reps=1
[boot]
workload=boot
strategy=dpamt-v6,sean-v5
INI
run_tdx --db "$TMP/empty.db" run --shard 2/2 "$TMP/one.ini"
expect_rc "an empty shard succeeds" 0
check "an empty shard says why" grep -q "Shard 2/2 is empty: the plan has 1 comparison group" "$TMP/out"
check "an empty shard stores nothing" test ! -e "$TMP/empty.db"

# ---- the default suite, unsharded and in 3 shards through GNU parallel ----
if ! command -v parallel >/dev/null; then
	skip "sharded suite through GNU parallel" "GNU parallel is not installed (make deps)"
	done_testing
	exit 0
fi
run_tdx --db "$TMP/ref.db" --quiet run
expect_rc "the default suite, one process" 0
TDXBENCH="$TDXBENCH" bash "$TOP/bench/fleet/parallel.sh" -o "$TMP/fleet.db" -n 3 -j 2 \
	-k "$TMP/shards" >"$TMP/fleet.out" 2>"$TMP/fleet.err"
RC=$?
check "the default suite in 3 shards through parallel -j 2, merged (exit $RC)" test $RC -eq 0
check "the driver reports each shard" test "$(grep -cE '^fleet: shard [123]/3 on this host: [0-9.]+ s, exit 0$' "$TMP/fleet.err")" -eq 3
check "each shard's output is in its log" grep -q '^Database: shard-2.db' "$TMP/shards/shard-2.log"
check "the driver reports the merge" grep -q "added 1 host, 3 sessions, $NI runs, $NR repetitions from 3 databases" "$TMP/fleet.out"
check "merged database passes db check" db_ok "$TMP/fleet.db"
check "each session records its shard" test "$(sqlite3 "$TMP/fleet.db" "SELECT group_concat(shard, ' ') FROM (SELECT shard FROM sessions ORDER BY shard)")" = "1/3 2/3 3/3"
check "one host row: the shards' hosts deduplicated" test "$(sqlite3 "$TMP/fleet.db" 'SELECT count(*) FROM hosts')" -eq 1

runs_of() {
	sqlite3 "$1" "SELECT backend, strategy, workload, job, params, seed, reps, warmup, status,
	              reps_done, reps_failed, is_model FROM runs" | sort
}
# 17 significant digits: a double printed so that it reads back bit for bit
metrics_of() {
	sqlite3 "$1" "SELECT r.job, r.strategy, r.params, p.rep, p.seed, p.status, m.name,
	              printf('%!.17g', m.value), m.unit
	              FROM metrics m JOIN reps p ON p.id = m.rep_id JOIN runs r ON r.id = p.run_id" | sort
}
hists_of() {
	sqlite3 "$1" "SELECT r.job, r.strategy, p.rep, h.name, h.lo, h.hi, h.count
	              FROM histograms h JOIN reps p ON p.id = h.rep_id JOIN runs r ON r.id = p.run_id" | sort
}
samples_of() {
	sqlite3 "$1" "SELECT r.job, r.strategy, p.rep, s.series, printf('%!.17g', s.t_ns), printf('%!.17g', s.value)
	              FROM samples s JOIN reps p ON p.id = s.rep_id JOIN runs r ON r.id = p.run_id" | sort
}
check "the same $NI runs" cmp -s <(runs_of "$TMP/ref.db") <(runs_of "$TMP/fleet.db")
check "$NI runs indeed" test "$(runs_of "$TMP/fleet.db" | wc -l)" -eq "$NI"
check "byte-identical model metrics" cmp -s <(metrics_of "$TMP/ref.db") <(metrics_of "$TMP/fleet.db")
check "metrics are there to compare" test "$(metrics_of "$TMP/fleet.db" | wc -l)" -gt 1000
check "byte-identical histograms" cmp -s <(hists_of "$TMP/ref.db") <(hists_of "$TMP/fleet.db")
check "byte-identical time series" cmp -s <(samples_of "$TMP/ref.db") <(samples_of "$TMP/fleet.db")

# compare and report read the merged file as one written locally: the same
# tables, only run ids and the command lines that made them differ
cmp_tables() {
	"$TDXBENCH" --db "$1" compare strategy=dpamt-v6 strategy=sean-v5 2>&1 |
		awk '/^(base|cand|rerun): \$ tdxbench/ || /^ +\.\.\. and [0-9]+ more command/ { cont = /\\$/; next }
		     cont { cont = /\\$/; next } { print }' |
		sed -E 's/ runs [0-9,]+/ runs/; s/ runs [0-9]+ vs [0-9]+/ runs/'
}
cmp_tables "$TMP/ref.db" >"$TMP/cmp.ref"
cmp_tables "$TMP/fleet.db" >"$TMP/cmp.fleet"
check "compare on the merged database: the same tables" cmp -s "$TMP/cmp.ref" "$TMP/cmp.fleet"
check "compare found runs to compare" grep -q 'boot' "$TMP/cmp.fleet"
run_tdx --db "$TMP/fleet.db" --quiet report --format txt -o "$TMP/rep" strategy=dpamt-v6 strategy=sean-v5
expect_rc "report on the merged database" 0
check "report wrote its text" test -s "$TMP/rep/report.txt"

# merging the shards again adds nothing
TDXBENCH_DB="$TMP/fleet.db" "$TDXBENCH" db merge "$TMP/fleet.db" "$TMP"/shards/shard-*.db >"$TMP/again.out" 2>&1
check "merging the shards again: nothing new" grep -q "nothing new in 3 databases" "$TMP/again.out"

TDXBENCH="$TDXBENCH" bash "$TOP/bench/fleet/parallel.sh" -o "$TMP/never.db" -- --set nonsense=1 \
	>"$TMP/bad.out" 2>"$TMP/bad.err"
RC=$?
check "a plan that does not expand: usage error before any shard (exit $RC)" test $RC -eq 2 -a ! -e "$TMP/never.db"
check "a plan that does not expand: says what" grep -q "key 'nonsense' applies to no job" "$TMP/bad.err"

# ---- hosts over "ssh": a stand-in that runs each host in its own folder ----
cat >"$TMP/fake-ssh" <<'SH'
#!/usr/bin/env bash
# ssh stand-in: host H is the folder $FAKE_HOSTS/H, its home
echo "$*" >>"$FAKE_HOSTS.log"
while [ $# -gt 0 ]; do
	case $1 in
	-[BbcDEeFIiJLlmOoPpQRSWw]) shift 2 ;;
	-*) shift ;;
	*) break ;;
	esac
done
host=${1#*@}; shift
[ "${1:-}" = "--" ] && shift
mkdir -p "$FAKE_HOSTS/$host" && cd "$FAKE_HOSTS/$host" || exit 255
# sshd gives a login its HOME and SHELL; parallel's remote wrapper runs the
# command with $SHELL, so without it nothing runs (CI starts with no SHELL)
export HOME="$FAKE_HOSTS/$host" SHELL=/bin/bash
exec bash -c "$*"
SH
chmod +x "$TMP/fake-ssh"
printf 'hosta\nhostb\n' >"$TMP/hosts"
if command -v rsync >/dev/null; then
	mkdir -p "$TMP/cwd" && cd "$TMP/cwd" || exit 1
	cp "$TMP/one.ini" two.ini && printf '[random4k]\nworkload=random4k\nstrategy=dpamt-v6,sean-v5\n' >>two.ini
	FAKE_HOSTS="$TMP/fh" PARALLEL_SSH="$TMP/fake-ssh" PATH="$(dirname "$TDXBENCH"):$PATH" \
		TDXBENCH_REMOTE="$TDXBENCH" TDXBENCH="$TDXBENCH" \
		bash "$TOP/bench/fleet/parallel.sh" -o "$TMP/ssh.db" -S "$TMP/hosts" two.ini \
		>"$TMP/ssh.out" 2>"$TMP/ssh.err"
	RC=$?
	cd - >/dev/null || exit 1
	check "two hosts over ssh, one shard each, merged (exit $RC)" test $RC -eq 0 ||
		sed 's/^/#   | /' "$TMP/ssh.err"
	# parallel sends the command packed for perl: count the workers per host
	check "both hosts ran a shard" test "$(grep -E '^host[ab] .*GNU_Parallel_worker' "$TMP/fh.log" | cut -d' ' -f1 | sort -u | wc -l)" -eq 2
	check "the job file went to each host" test "$(grep -c 'rsync --server' "$TMP/fh.log")" -ge 4
	check "the merged database has both hosts' runs" \
		test "$(sqlite3 "$TMP/ssh.db" 'SELECT count(*) FROM runs')" -eq 4
	check "the hosts' folders were cleaned up" test -z "$(find "$TMP/fh" -name '*.db' 2>/dev/null)"
else
	skip "two hosts over ssh" "rsync is not installed (GNU parallel needs it to copy files; make deps)"
fi

done_testing
