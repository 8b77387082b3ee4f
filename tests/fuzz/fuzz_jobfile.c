/*
 * Job files: the bytes as a job file (with includes relative to it), read
 * and expanded into a plan as `tdxbench run --dry-run FILE` does. Whatever
 * the input, reading ends, stays bounded, and an accepted plan is sane.
 */
#include "tests/fuzz/fuzz.h"
#include "core/jobfile.h"
#include "core/plan.h"

#include <unistd.h>

static char dir[] = "/tmp/tdxbench-fuzz-XXXXXX";
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/job.ini", dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan_overrides ov = PLAN_OVERRIDES_INIT;
	struct jobfile jf;
	struct plan pl = { 0 };
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	if (jobfile_load(&jf, path) == 0 && plan_build(&pl, &jf, 1, &ov) == 0) {
		/*
		 * The dry run's checks: resolve, every key's range, the builders,
		 * the sim. They take ~0.1 ms an instance (1.3 s for a valid 11,520-
		 * instance plan, 17 s under the sanitizers): linear, not a finding,
		 * so large plans are only expanded here.
		 */
		if (pl.n <= 1000)
			(void)plan_validate(&pl, NULL);
		FUZZ_CHECK(pl.n > 0 && pl.n <= PLAN_MAX_INSTANCES, "%zu instances", pl.n);
		for (size_t i = 0; i < pl.n; i++) {
			char *d = plan_item_describe(&pl.items[i]);
			FUZZ_CHECK(pl.items[i].reps >= 1 && pl.items[i].reps <= PLAN_MAX_REPS, "reps %d",
				   pl.items[i].reps);
			free(d);
		}
		plan_free(&pl);
	}
	jobfile_free(&jf);
	return 0;
}
