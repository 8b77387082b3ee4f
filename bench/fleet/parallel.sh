#!/usr/bin/env bash
# Run one tdxbench plan as N shards with GNU parallel, on the cores of this
# machine or on hosts over ssh, and merge the shards' databases into one.
# A driver, not a scheduler: parallel runs the jobs, tdxbench splits the
# plan (`run --shard K/N`) and merges (`db merge`). See docs/fleet.md.
#
#   bench/fleet/parallel.sh [options] [--] [RUN ARGS...]
#
#   -o OUT.db        merged database (default results/fleet.db)
#   -n N             number of shards (default: -j, or the number of hosts)
#   -j N             jobs at once per host (default: nproc locally, 1 per host)
#   -S FILE          GNU parallel --sshloginfile: run on these hosts (one
#                    [user@]host per line, ':' is this machine); each needs
#                    tdxbench on its PATH (or $TDXBENCH_REMOTE) and rsync
#   -k DIR           keep the shard databases in DIR (default: a temp dir,
#                    removed after a successful merge)
#
# RUN ARGS are given to every `tdxbench run --shard K/N`: job files (copied
# to each host) and run options. Without a job file the default suite runs.
# Here, tdxbench is $TDXBENCH, else ./tdxbench of this source tree, else
# the one on PATH.
# Exit status: 0 every shard ran and merged; 1 a shard failed (what came
# back is merged anyway: resume that shard, merge again); 2 usage.
set -u

# the tdxbench of this source tree when there is one, else the one on PATH
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${TDXBENCH:-}" ]; then
	if [ -x "$top/tdxbench" ]; then TDXBENCH=$top/tdxbench; else TDXBENCH=tdxbench; fi
fi
REMOTE=${TDXBENCH_REMOTE:-tdxbench}
out=results/fleet.db shards="" jobs="" hosts="" keep=""
usage() { sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "fleet: $*" >&2; exit "${2:-1}"; }

while getopts "o:n:j:S:k:h" opt; do
	case $opt in
	o) out=$OPTARG ;;
	n) shards=$OPTARG ;;
	j) jobs=$OPTARG ;;
	S) hosts=$OPTARG ;;
	k) keep=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift

# parallel runs each job with $SHELL; a cron job or CI runner may have none
export SHELL=${SHELL:-/bin/sh}
command -v parallel >/dev/null || die "GNU parallel is not installed (make deps, or apt-get install parallel)"
command -v "$TDXBENCH" >/dev/null || die "no tdxbench at '$TDXBENCH' (set \$TDXBENCH)"
case $TDXBENCH in */*) TDXBENCH=$(cd "$(dirname "$TDXBENCH")" && pwd)/$(basename "$TDXBENCH") ;; esac
for v in "$shards" "$jobs"; do
	case $v in ''|*[!0-9]*) [ -z "$v" ] || die "-n/-j '$v': want a positive integer" 2 ;;
	0) die "-n/-j: want a positive integer" 2 ;; esac
done
if [ -n "$hosts" ]; then
	[ -r "$hosts" ] || die "-S '$hosts': cannot read the host file"
	nhosts=$(grep -cvE '^[[:space:]]*(#|$)' "$hosts")
	[ "$nhosts" -gt 0 ] || die "-S '$hosts': no hosts in it"
	hosts=$(cd "$(dirname "$hosts")" && pwd)/$(basename "$hosts")
	jobs=${jobs:-1}
	shards=${shards:-$((nhosts * jobs))}
else
	jobs=${jobs:-$(nproc)}
	shards=${shards:-$jobs}
fi

# a plan that does not expand is one error here, not N on the hosts
"$TDXBENCH" run --dry-run "$@" >/dev/null || die "the plan does not expand (see above)" 2

work=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/tdxbench-fleet.XXXXXX")}
mkdir -p "$work" || die "cannot create '$work'"
work=$(cd "$work" && pwd)

# Files among the run arguments go to every host under a unique name in its
# home folder (parallel --basefile, relative to the remote home); the run
# sees that name. Locally the absolute path is used as it is.
tag=tdxbench-fleet-$$-$(date +%s)
args=() base=()
for a in "$@"; do
	if [ -n "$hosts" ] && [ -f "$a" ]; then
		cp "$a" "$work/$tag-$(basename "$a")" || die "cannot copy '$a'"
		base+=(--basefile "$tag-$(basename "$a")")
		args+=("$tag-$(basename "$a")")
	elif [ -f "$a" ]; then
		args+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
	else
		args+=("$a")
	fi
done
printf -v qargs ' %q' "${args[@]+"${args[@]}"}"
[ ${#args[@]} -eq 0 ] && qargs=""

cd "$work" || exit 1
echo "fleet: $shards shards, $jobs at a time${hosts:+ per host of $hosts}; shard databases and logs in $work" >&2
# each shard's output goes to shard-K.log (its summary table, its errors);
# the job log gives each shard's host, run time and exit status
if [ -n "$hosts" ]; then
	# each shard writes tag-shard-K.{db,log} in the remote home; --return
	# fetches them, --cleanup removes them and the job files there
	parallel --sshloginfile "$hosts" -j "$jobs" --joblog joblog \
		"${base[@]}" --return "$tag-shard-{}.db" --return "$tag-shard-{}.log" --cleanup \
		"$REMOTE --quiet --db $tag-shard-{}.db run --shard {}/$shards$qargs >$tag-shard-{}.log 2>&1" \
		::: $(seq 1 "$shards")
	rc=$?
	for k in $(seq 1 "$shards"); do
		for x in db log; do
			[ -f "$tag-shard-$k.$x" ] && mv "$tag-shard-$k.$x" "shard-$k.$x"
		done
	done
else
	parallel -j "$jobs" --joblog joblog \
		"$(printf '%q' "$TDXBENCH") --quiet --db shard-{}.db run --shard {}/$shards$qargs >shard-{}.log 2>&1" \
		::: $(seq 1 "$shards")
	rc=$?
fi
# one line per shard: where it ran, how long, how it ended
awk -F'\t' -v n="$shards" 'NR > 1 {
	split($9, w, "--shard "); split(w[2], k, "/")
	printf "fleet: shard %s/%s on %s: %.1f s, exit %s\n", k[1], n, $2 == ":" ? "this host" : $2, $4, $7
}' joblog | sort -t' ' -k3,3n >&2
for k in $(seq 1 "$shards"); do
	if ! awk -F'\t' -v k="$k/$shards" 'NR > 1 && index($9, "--shard " k " ") && $7 != 0 { bad = 1 } END { exit bad }' joblog; then
		echo "fleet: shard $k/$shards failed; its last lines ($work/shard-$k.log):" >&2
		tail -n 3 "shard-$k.log" 2>/dev/null | sed 's/^/  /' >&2
	fi
done

# every shard writes its log, even an empty one: no log back means the
# command never ran there (parallel may still record exit 0 for it)
for k in $(seq 1 "$shards"); do
	if [ ! -f "shard-$k.log" ]; then
		echo "fleet: shard $k/$shards: nothing came back (no log); did the command run on its host?" >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
done

dbs=()
for k in $(seq 1 "$shards"); do
	[ -s "shard-$k.db" ] && dbs+=("$work/shard-$k.db")
done
cd - >/dev/null || exit 1
if [ ${#dbs[@]} -eq 0 ]; then
	# empty shards write nothing; every shard empty means an empty plan
	if [ "$rc" -eq 0 ]; then die "no shard stored anything"; fi
	die "every shard failed (see above)"
fi
"$TDXBENCH" db merge "$out" "${dbs[@]}" || die "merge failed; the shard databases are in $work"
if [ "$rc" -ne 0 ]; then
	echo "fleet: $rc shard(s) failed; what they stored is merged. Shard databases: $work" >&2
	exit 1
fi
[ -z "$keep" ] && rm -rf "$work"
exit 0
