#!/usr/bin/env bash
# Input is read whole or refused with where and why: job files (indented
# keys, NUL bytes, odd section headers, includes that are not small regular
# files), --set (empty items, keys given twice), lists naming a value twice,
# selectors (read whole, however long), one-value keys (a CPU list), and a
# plan too big to expand is refused before it is expanded.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

refused() {	# NAME WANT-IN-ERR FILE-CONTENT (printf format)
	printf "$3" >j.ini
	run_tdx run --dry-run j.ini
	if [ "$RC" -eq 2 ] && grep -q "$2" "$TMP/err" && one_line_err; then ok "$1"; else
		not_ok "$1: exit $RC"; sed 's/^/# /' "$TMP/err" | head -5
	fi
}
refused "indented key after a header" "j.ini:2: indented line with no key" '[a]\n  workload=boot\n'
refused "NUL byte in a line" "j.ini:2: NUL byte" '[a]\nworkload=boot\0x\n'
refused "control character" "j.ini:2: control character 0x1b" '[a]\nlabel=\033[2J\nworkload=boot\n'
refused "invalid UTF-8" "j.ini:2: invalid UTF-8" '[a]\nlabel=\377\nworkload=boot\n'
refused "empty section name" "j.ini:1: empty section name" '[]\nworkload=boot\n'
refused "text after ']'" "j.ini:1: text after the section" '[x]]\nworkload=boot\n'
printf '[x]\nmem=64M\n' >k.ini
refused "continuation of include=" "continues 'include'" '[a]\ninclude=k.ini\n  more.ini\nworkload=boot\n'
refused "include of /dev/zero" "cannot include '/dev/zero': not a regular file" '[a]\ninclude=/dev/zero\nworkload=boot\n'
truncate -s 2G big.ini
refused "include of a 2 GB sparse file" "cannot include 'big.ini': larger than" '[a]\ninclude=big.ini\nworkload=boot\n'
run_tdx run --dry-run /dev/zero
expect_rc "/dev/zero as the job file" 2

run_tdx run --dry-run --workload boot --set 'vcpus=1,,mem=1G'
expect_rc "--set with an empty item" 2
run_tdx run --dry-run --workload boot --set vcpus=1 --set vcpus=2
expect_rc "--set with a key given twice" 2
check "names it" grep -q "'vcpus' given twice" "$TMP/err"
run_tdx run --dry-run --workload boot --set 'vcpus=1,1'
expect_rc "a list naming a value twice" 2
run_tdx run --dry-run --workload boot --set 'mem=1G,1024M'
expect_rc "the same size written two ways" 2

run_tdx run --dry-run --backend kvm --workload boot --set 'pin=0,2-3'
expect_rc "pin=0,2-3 (a CPU list)" 0
check "is one instance" grep -q '^# 1 job instance' "$TMP/out"

start=$(date +%s)
run_tdx run --dry-run --workload boot --set 'vcpus=1..4000,tds=1..1000,mem=2M..8000M:2M'
expect_rc "a 16e9-instance matrix" 2
check "refused before expanding it (under 5 s)" test $(( $(date +%s) - start )) -lt 5
check "with its size" grep -q 'expands the plan to 16000000000 job instances' "$TMP/err"

"$TDXBENCH" --db s.db --quiet run --workload boot --set mem=64M --reps 1 >/dev/null 2>&1
long="1-$(printf '0%.0s' $(seq 70))3GARBAGE"
run_tdx --db s.db list "$long"
expect_rc "a long id range with garbage is refused whole" 2
run_tdx --db s.db list '1,,2'
expect_rc "a selector with an empty term" 2
done_testing
