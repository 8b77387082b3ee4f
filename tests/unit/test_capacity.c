/*
 * The capacity study's extrapolation against the model run at full size:
 * 4 TDs x 512M x 2 vCPUs from a ladder of 16M, 32M and 64M per TD (8x
 * extrapolation). Memory and counts must come within a few percent (the
 * fragmented host's DPAMT thanks to the bound of a pair per region); lock
 * waits do not extrapolate as well, and the study must say how far off
 * they were (docs/capacity.md gives the figures).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/capacity.h"
#include "lib/util.h"

static double err_pct(const struct cap_cell *c, enum cap_metric m)
{
	if (c->measured[m] == 0)
		return c->full[m] == 0 ? 0 : 100;
	return fabs(c->full[m] - c->measured[m]) / c->measured[m] * 100;
}

static void test_extrapolation_vs_full(void **state)
{
	static const char *const strategies[] = { "dpamt-v6", "sean-v5", "static" };
	struct cap_req req = { .host_mem = 4 * GiB, .tds = 4, .mem = 512 * MiB, .vcpus = 2,
			       .strategies = strategies, .nstrategies = 3, .occupancy = 0.5,
			       .seed = 1, .full = true, .jobs = 2 };
	struct cap_study s;
	char err[256];

	assert_int_equal(cap_study_run(&req, &s, err, sizeof(err)), 0);
	assert_true(s.extrapolated);
	for (size_t i = 0; i < s.nst; i++) {
		const struct cap_cell *fresh = &s.st[i].cell[CAP_FRESH];
		const struct cap_cell *frag = &s.st[i].cell[CAP_FRAGMENTED];
		assert_true(fresh->ok && fresh->ran_full && fresh->extrapolated);
		assert_true(frag->ok && frag->ran_full);
		print_message("%-9s fresh: DPAMT %.1f %%, cache %.1f %%, ADD %.1f %%, lock wait %.1f %%, "
			      "boot %.2f %%; fragmented: DPAMT %.1f %%\n", s.st[i].name,
			      err_pct(fresh, CM_DPAMT), err_pct(fresh, CM_CACHE),
			      err_pct(fresh, CM_PAMT_ADD), err_pct(fresh, CM_PLW), err_pct(fresh, CM_VT),
			      err_pct(frag, CM_DPAMT));
		/* memory and counts: within 3 % on a fresh host, 5 % on a fragmented one */
		assert_true(err_pct(fresh, CM_DPAMT) < 3);
		assert_true(err_pct(fresh, CM_CACHE) < 5);
		assert_true(err_pct(fresh, CM_PAMT_ADD) < 3);
		assert_true(err_pct(frag, CM_DPAMT) < 5);
		/* the boot's virtual time is linear in memory */
		assert_true(err_pct(fresh, CM_VT) < 1);
		/* static PAMT is the host's 1/256 (and the 2M/1G levels) for static, far less with DPAMT */
		if (!strcmp(s.st[i].name, "static"))
			assert_int_equal((long long)(fresh->full[CM_STATIC] / (4 * GiB / 256) * 100), 100);
		else
			assert_true(fresh->full[CM_STATIC] < 4.0 * GiB / 256 / 10);
	}
	cap_study_free(&s);
}

/* A knob that breaks the model fails the study up front, with the reason. */
static void test_bad_knob(void **state)
{
	struct cap_req req = { .host_mem = GiB, .tds = 2, .mem = 64 * MiB, .vcpus = 2,
			       .occupancy = 0.5, .seed = 1, .set = "spt_cache_min=99" };
	struct cap_study s;
	char err[256];
	assert_int_equal(cap_study_run(&req, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "spt_cache_min"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extrapolation_vs_full),
		cmocka_unit_test(test_bad_knob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
