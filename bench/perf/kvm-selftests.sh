#!/usr/bin/env bash
# Build the kernel's KVM selftest demand_paging_test from Debian's
# linux-source-6.12 into build/kvm-selftests/ and print its path.
# Needs: the linux-source-6.12 package (installed here when root), gcc, make.
# Only tools/testing/selftests/kvm and what `make headers_install` needs are
# unpacked (~135 MB); a second call reuses the binary.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/kvm-selftests"
bin="$out/demand_paging_test"
tarball=/usr/src/linux-source-6.12.tar.xz
[ -x "$bin" ] && { echo "$bin"; exit 0; }
if [ ! -f "$tarball" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "kvm-selftests: installing linux-source-6.12" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source-6.12 >&2 ||
			{ echo "kvm-selftests: apt-get install linux-source-6.12 failed" >&2; exit 1; }
	else
		echo "kvm-selftests: $tarball missing; run as root: apt-get install linux-source-6.12" >&2
		exit 1
	fi
fi
src="$out/src"
mkdir -p "$src"
if [ ! -f "$src/linux-source-6.12/Makefile" ]; then
	echo "kvm-selftests: unpacking the parts of $tarball the KVM selftests need" >&2
	ex=""
	for d in drivers sound Documentation fs net tools/perf; do ex="$ex --exclude=linux-source-6.12/$d"; done
	for a in arm arm64 powerpc mips s390 riscv loongarch sparc parisc sh m68k; do
		ex="$ex --exclude=linux-source-6.12/arch/$a"
	done
	# shellcheck disable=SC2086
	tar -C "$src" -xJf "$tarball" $ex linux-source-6.12/Makefile linux-source-6.12/scripts \
		linux-source-6.12/include linux-source-6.12/arch linux-source-6.12/tools
fi
k="$src/linux-source-6.12"
echo "kvm-selftests: installing uapi headers" >&2
make -s -C "$k" headers_install INSTALL_HDR_PATH="$out/hdr" ARCH=x86_64 >&2
echo "kvm-selftests: building demand_paging_test" >&2
make -s -C "$k/tools/testing/selftests/kvm" LINUX_HDR_PATH="$out/hdr/include/" OUTPUT="$out/obj" \
	"$out/obj/demand_paging_test" >/dev/null 2>"$out/build.log" ||
	{ echo "kvm-selftests: build failed, see $out/build.log" >&2; tail -5 "$out/build.log" >&2; exit 1; }
cp "$out/obj/demand_paging_test" "$bin"
echo "$bin"
