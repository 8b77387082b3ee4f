#!/usr/bin/env bash
# bench/fleet/slurm.sh for real: a one-node Slurm (munged, slurmctld, slurmd
# from Debian's slurm-wlm) started here with a generated slurm.conf and munge
# key in the scratch folder, on loopback ports, stopped at the end. Skipped,
# with the reason, when that cannot be done.
. "$(dirname "$0")/lib.sh"
db_ok() { "$TDXBENCH" --db "$1" db check >/dev/null; }

S="$TMP/slurm"
pids=()
stop_slurm() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap stop_slurm EXIT

give_up() {
	skip "Slurm array with a dependent merge" "$1"
	done_testing
	exit 0
}

for t in munged slurmctld slurmd sbatch squeue; do
	command -v $t >/dev/null || PATH=$PATH:/usr/sbin command -v $t >/dev/null ||
		give_up "$t not installed (Debian: slurmctld slurmd slurm-client munge)"
done
PATH=$PATH:/usr/sbin
[ "$(id -u)" = 0 ] || give_up "starting slurmd needs root"

# two free loopback ports
read -r p1 p2 < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
node=$(hostname -s)
mkdir -p "$S/state" "$S/spool" "$S/munge" && chmod 700 "$S/munge"
head -c 1024 /dev/urandom >"$S/munge/munge.key" && chmod 400 "$S/munge/munge.key"
munged -f --socket="$S/munge/sock" --key-file="$S/munge/munge.key" --log-file="$S/munge/log" \
	--pid-file="$S/munge/pid" --seed-file="$S/munge/seed" >/dev/null 2>&1 ||
	give_up "munged would not start: $(tail -1 "$S/munge/log" 2>/dev/null)"
pids+=("$(cat "$S/munge/pid")")
cat >"$S/slurm.conf" <<EOF
ClusterName=tdxbench-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge/sock
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MailProg=/bin/true
MinJobAge=300
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
export SLURM_CONF="$S/slurm.conf"
slurmctld -f "$SLURM_CONF" >/dev/null 2>&1 || give_up "slurmctld would not start: $(tail -1 "$S/slurmctld.log" 2>/dev/null)"
for _ in $(seq 50); do [ -s "$S/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$S/slurmctld.pid" 2>/dev/null)")
slurmd -f "$SLURM_CONF" >/dev/null 2>&1 || give_up "slurmd would not start: $(tail -1 "$S/slurmd.log" 2>/dev/null)"
for _ in $(seq 50); do [ -s "$S/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$S/slurmd.pid" 2>/dev/null)")
up=no
for _ in $(seq 100); do
	sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)' && { up=yes; break; }
	sleep 0.2
done
[ $up = yes ] || give_up "the Slurm node did not come up: $(tail -1 "$S/slurmctld.log" 2>/dev/null)"
ok "a one-node Slurm is up"

cat >"$TMP/job.ini" <<'INI'
[global]
backend=sim
reps=2
mem=128M
vcpus=2
strategy=dpamt-v6,sean-v5
[boot]
workload=boot
[random4k]
workload=random4k
[teardown]
workload=teardown
INI
"$TDXBENCH" --db "$TMP/ref.db" --quiet run "$TMP/job.ini" >/dev/null 2>&1
TDXBENCH="$TDXBENCH" bash "$TOP/bench/fleet/slurm.sh" -n 3 -o "$TMP/fleet.db" -- "$TMP/job.ini" \
	>"$TMP/submit.out" 2>&1
RC=$?
check "submit: an array of 3 and a dependent merge (exit $RC)" test $RC -eq 0
array=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' "$TMP/submit.out")
merge=$(sed -n 's/^merge job \([0-9]*\):.*/\1/p' "$TMP/submit.out")
check "submit names both jobs" test -n "$array" -a -n "$merge"
# the merge job waits for the array (asked right away: the array takes seconds)
dep=$(scontrol show job "$merge" 2>/dev/null | grep -o 'Dependency=[^ ]*')
check "the merge job depends on the array ($dep)" grep -q "afterany:${array}" <<<"$dep"
for _ in $(seq 450); do
	[ -z "$(squeue -h 2>/dev/null)" ] && break
	sleep 0.1
done
check "every job finished within 45 s" test -z "$(squeue -h 2>/dev/null)"
check "the merge job merged 3 shard databases" grep -q "added 1 host, 3 sessions, 6 runs, 12 repetitions from 3 databases" "$TMP/fleet-shards/merge.log"
check "one shard database per task" test "$(ls "$TMP"/fleet-shards/shard-*.db | wc -l)" -eq 3
check "merged database passes db check" db_ok "$TMP/fleet.db"
metrics_of() {
	sqlite3 "$1" "SELECT r.job, r.strategy, p.rep, m.name, printf('%!.17g', m.value)
	              FROM metrics m JOIN reps p ON p.id = m.rep_id JOIN runs r ON r.id = p.run_id" | sort
}
check "the model numbers of one unsharded run" cmp -s <(metrics_of "$TMP/ref.db") <(metrics_of "$TMP/fleet.db")
check "sessions record shards 1/3 2/3 3/3" test "$(sqlite3 "$TMP/fleet.db" "SELECT group_concat(shard, ' ') FROM (SELECT shard FROM sessions ORDER BY shard)")" = "1/3 2/3 3/3"

done_testing
