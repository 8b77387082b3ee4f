#!/usr/bin/env bash
# Every job-file mistake is a usage error naming file:line and the key, with
# the valid choices, and nothing runs.
. "$(dirname "$0")/lib.sh"
DB="$TMP/never.db"

# expect_error NAME FILE-CONTENT MESSAGE [extra run args]
expect_error() {
	local name="$1" text="$2" msg="$3"
	shift 3
	printf '%s' "$text" >"$TMP/bad.ini"
	run_tdx --db "$DB" run "$TMP/bad.ini" "$@"
	expect_rc "$name" 2
	if grep -qF -- "$msg" "$TMP/err"; then ok "$name: message"; else
		not_ok "$name: wanted '$msg'"; sed 's/^/# err: /' "$TMP/err"; fi
}

F="$TMP/bad.ini"
expect_error "unknown key" $'[j]\nworkload=boot\nvcpu=2\n' \
	"$F:3: unknown key 'vcpu' in job 'j' (did you mean 'vcpus'?"
check "unknown key: one line" one_line_err
expect_error "unknown key far from any" $'[j]\nworkload=boot\nxyzzy=2\n' \
	"$F:3: unknown key 'xyzzy' in job 'j' (valid keys: backend, strategy, workload, reps, warmup, seed, label, include, mem, vcpus, tds, accept, share"
expect_error "unknown workload" $'[j]\nworkload=bot\n' \
	"$F:2: unknown workload 'bot' (did you mean 'boot'? valid workloads: boot, random4k"
expect_error "unknown strategy" $'[j]\nworkload=boot\nstrategy=dpamt-v7\n' \
	"$F:3: unknown strategy 'dpamt-v7' for backend 'sim' (did you mean"
expect_error "unknown backend" $'[global]\nbackend=simm\n[j]\nworkload=boot\n' \
	"$F:2: unknown backend 'simm' (did you mean 'sim'?"
expect_error "bad enum value" $'[j]\nworkload=boot\naccept=1G\n' \
	"$F:3: accept=1G: must be one of 4K, 2M"
expect_error "bad size" $'[j]\nworkload=boot\n\nmem=lots\n' \
	"$F:4: mem=lots: not a valid size"
expect_error "bad range" $'[j]\nworkload=boot\nvcpus=8..1\n' \
	"$F:3: vcpus='8..1': range goes backwards"
expect_error "bad reps" $'[j]\nworkload=boot\nreps=none\n' \
	"$F:3: reps=none: must be an integer >= 1"
expect_error "no workload" $'[j]\nmem=1G\n' \
	"$F:1: job 'j' has no workload"
expect_error "key set twice" $'[j]\nworkload=boot\nmem=1G\nmem=2G\n' \
	"$F:4: 'mem' set twice in [j] (first at line 3)"
expect_error "syntax error" $'[j]\nworkload=boot\nnot a key value line\n' \
	"$F:3: syntax error"
expect_error "global key nobody takes" $'[global]\nwindow=4M\n[j]\nworkload=boot\n' \
	"$F:2: key 'window' applies to no job"
expect_error "--set key nobody takes" $'[j]\nworkload=boot\n' \
	"--set: key 'vcpsu' applies to no job (did you mean 'vcpus'?)" --set vcpsu=2
expect_error "missing include" $'[j]\nworkload=boot\ninclude=nope.ini\n' \
	"$F:3: cannot include '$TMP/nope.ini'"

printf '[global]\ninclude=b.ini\n[j]\nworkload=boot\n' >"$TMP/a.ini"
printf 'mem=1G\ninclude=a.ini\n' >"$TMP/b.ini"
run_tdx --db "$DB" run "$TMP/a.ini"
expect_rc "include cycle" 2
check "include cycle names file:line and the chain" \
	grep -qF "$TMP/b.ini:2: include cycle: $TMP/a.ini -> $TMP/b.ini -> $TMP/a.ini" "$TMP/err"

# an error inside an included file points into that file
printf 'vcpus=2\nmemm=1G\n' >"$TMP/inc.ini"
printf '[j]\nworkload=boot\ninclude=inc.ini\n' >"$TMP/top.ini"
run_tdx --db "$DB" run "$TMP/top.ini"
expect_rc "error in an included file" 2
check "points at the included file's line" grep -qF "$TMP/inc.ini:2: unknown key 'memm'" "$TMP/err"

# several errors are all reported at once
printf '[j]\nworkload=boot\nvcpu=2\nmemm=1G\n' >"$F"
run_tdx --db "$DB" run "$F"
expect_rc "several errors" 2
check "both reported" test "$(grep -c 'unknown key' "$TMP/err")" -eq 2

run_tdx --db "$DB" run "$TMP/does-not-exist.ini"
expect_rc "missing job file" 2
check "missing job file: one line naming it" grep -qF "cannot read job file '$TMP/does-not-exist.ini'" "$TMP/err"

run_tdx --db "$DB" run --workload boot --set 'mem'
expect_rc "--set without =" 2
run_tdx --db "$DB" run --workload boot --reps 0
expect_rc "--reps 0" 2
run_tdx --db "$DB" run --resume 1 --workload boot
expect_rc "--resume with other options" 2

check "no database was created" test ! -e "$DB"
done_testing
