/*
 * `--set K=V,...` and the value lists and ranges it may carry: the bytes as
 * one --set for a sim boot job, as `tdxbench run --dry-run --workload boot
 * --set ...` parses it, and every value through plan_expand_value().
 */
#include "tests/fuzz/fuzz.h"
#include "core/plan.h"
#include "lib/params.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum opt_type types[] = { OPT_U64, OPT_SIZE, OPT_DOUBLE, OPT_NS, OPT_STRING };
	char *s = fuzz_cstr(data, size);
	struct params p = PARAMS_INIT;
	struct plan_overrides ov = PLAN_OVERRIDES_INIT;
	struct plan pl = { 0 };
	char err[256];

	if (params_parse_assignments(&p, s, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < p.n; i++) {
			FUZZ_CHECK(*p.v[i].key, "empty key accepted in '%s'", s);
			for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
				char **v;
				size_t n;
				if (plan_expand_value(p.v[i].value, types[t], &v, &n, err, sizeof(err)))
					continue;
				FUZZ_CHECK(n >= 1 && n <= PLAN_MAX_VALUES, "%zu values", n);
				plan_free_values(v, n);
			}
		}
	}
	params_free(&p);

	ov.workload = "boot";
	ov.set = s;
	if (plan_build(&pl, NULL, 0, &ov) == 0) {
		(void)plan_validate(&pl, NULL);
		FUZZ_CHECK(pl.n >= 1 && pl.n <= PLAN_MAX_INSTANCES, "%zu instances", pl.n);
		plan_free(&pl);
	}
	free(s);
	return 0;
}
