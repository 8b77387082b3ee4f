#!/usr/bin/env bash
# Fail on an #include that points up a layer (docs/architecture.md).
#
# Layers, bottom first; a file may include its own folder and anything
# listed before it, never anything after:
#   0 src/lib                                   leaf helpers
#   1 src/store src/host src/sample workloads   services, in this order
#     guest-images src/backend
#   2 src/core                                  orchestration
#   3 src/report                                output
#   4 src/cli src/main.c                        commands
#
# A header named *_int.h (store_int.h, host_int.h, backend/sim/sim_int.h) is
# the internals of its folder: only files of that same folder include it
# (unit tests and benchmarks, outside src/, may).
#
# usage: check-layers.sh [ROOT]    (ROOT defaults to the repository top)
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

# Folder -> rank; the order is the table above.
ORDER="src/lib src/store src/host src/sample workloads guest-images src/backend src/core src/report src/cli"

rank_of() {
	local path=$1 i=0 d
	case $path in src/main.c) echo 99; return;; esac
	for d in $ORDER; do
		case $path in "$d"/*) echo "$i"; return;; esac
		i=$((i + 1))
	done
	echo -1
}

folder_of() {
	local path=$1 d
	for d in $ORDER; do
		case $path in "$d"/*) echo "$d"; return;; esac
	done
}

bad=0 checked=0
while IFS= read -r file; do
	src_rank=$(rank_of "$file")
	[ "$src_rank" -ge 0 ] || continue
	src_dir=$(folder_of "$file")
	while IFS=: read -r line inc; do
		# Project headers are written from the top: "lib/x.h", "workloads/x.h", ...
		case $inc in
		workloads/*|guest-images/*) target=$inc ;;
		*/*) target=src/$inc ;;
		*) continue ;;	# a sibling header in the same folder
		esac
		checked=$((checked + 1))
		case $inc in
		*_int.h)
			if [ "$(dirname "$target")" != "$(dirname "$file")" ]; then
				echo "$file:$line: includes \"$inc\", the internals of $(dirname "$target")" >&2
				bad=$((bad + 1))
			fi ;;
		esac
		tgt_rank=$(rank_of "$target")
		[ "$tgt_rank" -ge 0 ] || { echo "$file:$line: includes \"$inc\", which is in no layer" >&2; bad=$((bad + 1)); continue; }
		[ "$(folder_of "$target")" = "$src_dir" ] && continue
		if [ "$tgt_rank" -gt "$src_rank" ]; then
			echo "$file:$line: includes \"$inc\" from a higher layer ($(folder_of "$target") is above $src_dir)" >&2
			bad=$((bad + 1))
		fi
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
		 sed -E 's/^([0-9]+):.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1:\2/')
done < <(find src workloads guest-images -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' -o -name '*.lds' \) | sort)

if [ "$bad" -gt 0 ]; then
	echo "check-layers: $bad upward or internal include(s) in $root" >&2
	exit 1
fi
echo "check-layers: $checked includes, none points up a layer"
