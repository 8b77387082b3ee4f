#!/usr/bin/env bash
# Install (as root) or name (otherwise) the Debian packages tdxbench needs.
# --if-needed: do nothing when every pkg-config module and tool is already there.
set -u
DEB_PKGS="build-essential pkg-config libsqlite3-dev sqlite3 libhwloc-dev libcpuid-dev \
libtracefs-dev libtraceevent-dev libinih-dev libjson-c-dev libgsl-dev libcmocka-dev nettle-dev \
gnuplot-nox python3 clang libclang-rt-dev"
PC_MODULES="sqlite3 hwloc libcpuid libtracefs libtraceevent inih json-c gsl cmocka nettle"
# clang (with libclang-rt-dev's libFuzzer) builds the fuzz harnesses of tests/fuzz/
TOOLS="gcc make pkg-config sqlite3 gnuplot python3 clang"

missing_pkgs() {
	local p out=""
	for p in $DEB_PKGS; do
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

miss=$(missing_pkgs)
if [ -z "$miss" ]; then
	satisfied && exit 0
	echo "deps: packages are installed but pkg-config cannot find: $PC_MODULES" >&2
	exit 1
fi
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$miss" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || { echo "deps: apt-get update failed" >&2; exit 1; }
	apt-get install -y -qq $miss >&2 || { echo "deps: apt-get install failed" >&2; exit 1; }
	exit 0
fi
echo "deps: missing Debian packages; run as root:" >&2
echo "  apt-get install -y$miss" >&2
exit 1
