#!/usr/bin/env bash
# Report speed on a large database: 100 sim runs (boot, 2 strategies x 50
# sizes, 1 repetition each) copied 50 times into 5,000 runs, then
# `report --format email` and `report --format txt,email` over all of them.
# (Issue 15: the email report of 5,000 runs once took 658 s.)
set -u
top=${TDXBENCH_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$top/tdxbench
[ -x "$bin" ] || { echo "report: $bin not built"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tdxbench-bench-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
db=$tmp/big.db

"$bin" --db "$db" --quiet run --workload boot --strategy dpamt-v6,sean-v5 \
	--set mem=2M..100M:2M --reps 1 >/dev/null 2>&1 || { echo "report: seed runs failed"; exit 1; }
python3 - "$db" <<'PY' || { echo "report: copying runs failed"; exit 1; }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = lambda t: [r[1] for r in db.execute(f"pragma table_info({t})")]
runs, reps = cols('runs'), cols('reps')
nrun = db.execute("select max(id) from runs").fetchone()[0]
nrep = db.execute("select max(id) from reps").fetchone()[0]
for k in range(1, 50):
    ro, po = k * nrun, k * nrep
    # a copy is a new run: NULL lets the store's trigger give it its own uuid
    sel = [f"id+{ro}" if c == 'id' else "NULL" if c == 'uuid' else c for c in runs]
    db.execute(f"insert into runs ({','.join(runs)}) select {','.join(sel)} from runs where id<={nrun}")
    db.execute(f"insert into run_params select run_id+{ro},key,value from run_params where run_id<={nrun}")
    sel = [f"id+{po}" if c == 'id' else f"run_id+{ro}" if c == 'run_id' else c for c in reps]
    db.execute(f"insert into reps ({','.join(reps)}) select {','.join(sel)} from reps where id<={nrep}")
    for t in ('metrics', 'samples', 'histograms', 'notes'):
        c = cols(t)
        sel = [f"rep_id+{po}" if x == 'rep_id' else x for x in c]
        db.execute(f"insert into {t} ({','.join(c)}) select {','.join(sel)} from {t} where rep_id<={nrep}")
db.commit()
PY
n=$(sqlite3 "$db" 'SELECT count(*) FROM runs')
echo "report over $n runs (aim: seconds, not minutes)"
TIMEFORMAT='%R %U %S'
for fmt in email txt,email; do
	t=$( { time "$bin" --db "$db" --quiet report --format "$fmt" -o "$tmp/out-$fmt" \
		>/dev/null 2>&1; } 2>&1 ) || { echo "  --format $fmt: failed"; continue; }
	echo "$t" | awk -v f="$fmt" '{ printf "  --format %-10s wall %6.2f s   cpu %6.2f s\n", f, $1, $2 + $3 }'
done
