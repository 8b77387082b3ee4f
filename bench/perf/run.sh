#!/usr/bin/env bash
# `make bench`: run every bench/perf/*.sh piece in order and print its figures.
# Each piece prints its own labelled lines; figures are ratios or rates measured
# in this run on this machine, never constants.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export TDXBENCH_TOP="$top"
echo "tdxbench bench — $(uname -n), $(nproc) CPUs, kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
rc=0
for piece in "$here"/[0-9]*.sh; do
	[ -e "$piece" ] || continue
	echo
	echo "== $(basename "$piece" .sh)"
	bash "$piece" || rc=1
done
exit $rc
