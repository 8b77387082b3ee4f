/*
 * Test-only workloads for the failure paths of real backends: a guest that
 * triple-faults, one that stops reporting progress, one that makes an exit
 * the VMM does not expect. Hidden from listings and suites.
 */
#include "workloads/common.h"
#include "lib/util.h"

static const struct opt_desc no_params[] = {
	{ .name = NULL },
};

static int build_failing(const struct params *p, struct tdxb_workload *w, uint32_t kind,
			 char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	if (wl_read_common(no_params, p, &c, err, errlen))
		return -1;
	wl_init(w, &c);
	/* a short normal phase first, so the failure is reported in phase 2 */
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = MIN(c.mem, 4 * MiB);
	wl_add_phase(w, kind);
	return 0;
}

static int crash_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	return build_failing(p, w, TDXB_PH_TEST_CRASH, err, errlen);
}

static int hang_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	return build_failing(p, w, TDXB_PH_TEST_HANG, err, errlen);
}

static int bad_exit_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	return build_failing(p, w, TDXB_PH_TEST_BAD_EXIT, err, errlen);
}

const struct workload_desc wl_test_crash = {
	.name = "test-crash", .summary = "test only: guest triple-faults",
	.description = "", .params = no_params, .flags = WL_TEST_ONLY, .build = crash_build,
};

const struct workload_desc wl_test_hang = {
	.name = "test-hang", .summary = "test only: guest stops reporting progress",
	.description = "", .params = no_params, .flags = WL_TEST_ONLY, .build = hang_build,
};

const struct workload_desc wl_test_bad_exit = {
	.name = "test-bad-exit", .summary = "test only: guest makes an unexpected exit",
	.description = "", .params = no_params, .flags = WL_TEST_ONLY, .build = bad_exit_build,
};
