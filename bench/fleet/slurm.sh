#!/usr/bin/env bash
# Run one tdxbench plan as a Slurm job array, one shard per task, and merge
# the shards' databases in a last job that waits for the array. A driver,
# not a scheduler: Slurm places the tasks, tdxbench splits the plan
# (`run --shard K/N`) and merges (`db merge`). See docs/fleet.md.
#
#   bench/fleet/slurm.sh [options] [--] [RUN ARGS...]
#
#   -n N         number of shards: the array is --array=0-(N-1) (default 4)
#   -o OUT.db    merged database (default results/fleet.db, made absolute)
#   -d DIR       a folder every node can write (shared file system) for the
#                shard databases shard-K.db and logs task-(K-1).log
#                (default: OUT without .db, + -shards)
#   -s ARGS      more sbatch options for both jobs (e.g. "-p tdx -t 2:00:00")
#
# RUN ARGS go to every `tdxbench run --shard K/N`: job files (by absolute
# path: nodes must see them) and run options. Without a job file the
# default suite runs. The tasks run $TDXBENCH, else ./tdxbench of this source
# tree (on a shared file system), else the tdxbench on the nodes' PATH.
# Prints the two job ids; the merge job's log names the merged database.
#
# Each task writes its database on node-local disk ($TMPDIR) and copies it
# to DIR when it ends: sqlite's WAL mode wants a local file system.
set -u

here=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
# the tdxbench of this source tree when there is one, else the one on PATH
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${TDXBENCH:-}" ]; then
	if [ -x "$top/tdxbench" ]; then TDXBENCH=$top/tdxbench; else TDXBENCH=tdxbench; fi
fi
die() { echo "fleet-slurm: $*" >&2; exit "${2:-1}"; }

# ---- inside Slurm: one shard, or the merge ----
case "${1:-}" in
--task)
	# --task N DIR RUN ARGS...: array task SLURM_ARRAY_TASK_ID runs shard id+1 of N
	n=$2 dir=$3
	shift 3
	k=$((SLURM_ARRAY_TASK_ID + 1))
	# at the time limit Slurm sends SIGTERM to the job: tdxbench finishes its
	# repetition and stops; this script outlives it to copy what it kept
	trap 'echo "fleet-slurm: shard $k/$n: SIGTERM, keeping what is stored" >&2' TERM
	local_dir=$(mktemp -d "${TMPDIR:-/tmp}/tdxbench-shard.XXXXXX") || exit 1
	"$TDXBENCH" --quiet --db "$local_dir/shard-$k.db" run --shard "$k/$n" "$@"
	rc=$?
	# whatever was stored is worth keeping: an interrupted shard can be resumed
	if [ -f "$local_dir/shard-$k.db" ]; then
		cp "$local_dir/shard-$k.db" "$dir/shard-$k.db.part" && mv "$dir/shard-$k.db.part" "$dir/shard-$k.db"
	fi
	rm -rf "$local_dir"
	exit $rc
	;;
--merge)
	# --merge N DIR OUT: merge every shard database that came back
	n=$2 dir=$3 out=$4
	dbs=() missing=""
	for k in $(seq 1 "$n"); do
		if [ -s "$dir/shard-$k.db" ]; then dbs+=("$dir/shard-$k.db"); else missing+=" $k"; fi
	done
	[ ${#dbs[@]} -gt 0 ] || die "no shard database in $dir"
	"$TDXBENCH" db merge "$out" "${dbs[@]}" || exit 1
	# an empty shard (fewer comparison groups than shards) writes no database
	[ -z "$missing" ] || echo "fleet-slurm: no database from shard(s)$missing (empty, or failed: see their logs)"
	exit 0
	;;
esac

# ---- on the login node: submit ----
n=4 out=results/fleet.db dir="" sb=""
while getopts "n:o:d:s:h" opt; do
	case $opt in
	n) n=$OPTARG ;;
	o) out=$OPTARG ;;
	d) dir=$OPTARG ;;
	s) sb=$OPTARG ;;
	*) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
case $n in ''|*[!0-9]*|0) die "-n '$n': want a positive integer" 2 ;; esac
command -v sbatch >/dev/null || die "sbatch not found: is this a Slurm login node?"
case $TDXBENCH in */*) TDXBENCH=$(cd "$(dirname "$TDXBENCH")" && pwd)/$(basename "$TDXBENCH") ;; esac

mkdir -p "$(dirname "$out")" || die "cannot create the folder of '$out'"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
dir=${dir:-${out%.db}-shards}
mkdir -p "$dir" || die "cannot create '$dir'"
dir=$(cd "$dir" && pwd)
args=()
for a in "$@"; do
	# job files by absolute path: the tasks run elsewhere
	if [ -f "$a" ]; then args+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")"); else args+=("$a"); fi
done

# a plan that does not expand is one error here, not N in the queue
if command -v "$TDXBENCH" >/dev/null; then
	"$TDXBENCH" run --dry-run "${args[@]+"${args[@]}"}" >/dev/null || die "the plan does not expand (see above)" 2
fi

# shellcheck disable=SC2086 # $sb is a list of sbatch options
array=$(sbatch --parsable --array=0-$((n - 1)) --job-name=tdxbench-shard $sb \
	--output="$dir/task-%a.log" --export=ALL,TDXBENCH="$TDXBENCH" \
	"$here" --task "$n" "$dir" "${args[@]+"${args[@]}"}") || die "sbatch of the array failed"
array=${array%%;*}
# afterany: merge what the shards stored even if one failed
# shellcheck disable=SC2086
merge=$(sbatch --parsable --dependency=afterany:"$array" --job-name=tdxbench-merge $sb \
	--output="$dir/merge.log" --export=ALL,TDXBENCH="$TDXBENCH" \
	"$here" --merge "$n" "$dir" "$out") || die "sbatch of the merge failed (array $array is queued)"
merge=${merge%%;*}
echo "array job $array: $n shards, databases and logs in $dir"
echo "merge job $merge: into $out when the array is done (log: $dir/merge.log)"
