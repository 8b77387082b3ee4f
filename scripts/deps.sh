#!/usr/bin/env bash
# Install (as root) or name (otherwise) the Debian packages tdxbench needs.
# --if-needed: do nothing when every pkg-config module and tool is already there.
set -u
DEB_PKGS="build-essential pkg-config libsqlite3-dev sqlite3 libhwloc-dev libcpuid-dev \
libtracefs-dev libtraceevent-dev libinih-dev libjson-c-dev libgsl-dev libcmocka-dev nettle-dev \
gnuplot-nox python3 clang libclang-rt-dev parallel rsync"
# Only for tests/e2e/t0702-fleet-slurm.sh (a one-node Slurm): without their
# recommends, which are dozens of plugins and -dev packages.
SLURM_PKGS="slurmctld slurmd slurm-client munge"
PC_MODULES="sqlite3 hwloc libcpuid libtracefs libtraceevent inih json-c gsl cmocka nettle"
# clang (with libclang-rt-dev's libFuzzer) builds the fuzz harnesses of tests/fuzz/;
# parallel and rsync run fleets (bench/fleet/), sbatch stands for the Slurm packages
TOOLS="gcc make pkg-config sqlite3 gnuplot python3 clang parallel rsync sbatch"

missing_pkgs() {	# $1: the list
	local p out=""
	for p in $1; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out="$out $p"
	done
	echo "$out"
}

satisfied() {
	local t
	for t in $TOOLS; do command -v "$t" >/dev/null 2>&1 || return 1; done
	pkg-config --exists $PC_MODULES 2>/dev/null
}

if [ "${1:-}" = "--if-needed" ] && satisfied; then
	exit 0
fi

miss=$(missing_pkgs "$DEB_PKGS")
slurm_miss=$(missing_pkgs "$SLURM_PKGS")
if [ -z "$miss$slurm_miss" ]; then
	satisfied && exit 0
	echo "deps: packages are installed but pkg-config cannot find: $PC_MODULES" >&2
	exit 1
fi
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$miss$slurm_miss" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || { echo "deps: apt-get update failed" >&2; exit 1; }
	if [ -n "$miss" ]; then
		apt-get install -y -qq $miss >&2 || { echo "deps: apt-get install failed" >&2; exit 1; }
	fi
	if [ -n "$slurm_miss" ]; then
		apt-get install -y -qq --no-install-recommends $slurm_miss >&2 ||
			{ echo "deps: apt-get install failed" >&2; exit 1; }
	fi
	exit 0
fi
echo "deps: missing Debian packages; run as root:" >&2
[ -z "$miss" ] || echo "  apt-get install -y$miss" >&2
[ -z "$slurm_miss" ] || echo "  apt-get install -y --no-install-recommends$slurm_miss" >&2
exit 1
