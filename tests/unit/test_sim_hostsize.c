/*
 * host_mem=auto sizes the host so that every layout runs (issue 11, defect
 * 8): each preset, each layout, 4K and 2M guest folios, several TDs sharing
 * the host. And the host it picks is no larger than the layout needs.
 */
#include "sim_helpers.h"

static const char *const presets[] = { "static", "dpamt-v4", "dpamt-v6", "sean-v5", "hp-v3", "kai-sp" };

static void run_layout(const char *layout, const char *extra)
{
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
		struct tcase tc;
		char *args = xasprintf("tds=3,mem=16M,vcpus=2,host_layout=%s%s", layout, extra);
		tcase_init(&tc, presets[i], "multi-td", args);
		if (tcase_run(&tc, NULL) != BACKEND_OK)
			fail_msg("%s %s: %s", presets[i], args, tc.err);
		assert_int_equal(M(&tc, "faults") + 511 * M(&tc, "faults_2m"), 3 * 4096);
		tcase_free(&tc);
		free(args);
	}
}

static void test_fresh(void **state)
{
	run_layout("fresh", "");
}

static void test_fragmented(void **state)
{
	run_layout("fragmented", "");
	/* above the old limit of 0.45 for 2M folios */
	run_layout("fragmented", ",host_occupancy=0.8");
}

static void test_sparse(void **state)
{
	run_layout("sparse", "");
}

/* Sparse really is sparse: each 4K guest page costs a pair (2 pages) of its own. */
static void test_sparse_is_worst(void **state)
{
	struct tcase tc;
	tcase_init(&tc, "dpamt-v6", "multi-td", "tds=2,mem=8M,vcpus=2,host_layout=sparse");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_true(M(&tc, "dpamt_bytes_peak") >= 2.0 * 8 * 1048576 * 2);
	tcase_free(&tc);
}

/* A host auto cannot give is refused up front with one line that says why. */
static void test_too_big(void **state)
{
	struct tcase tc;
	struct sim_cfg cfg;
	tcase_init(&tc, "dpamt-v6", "multi-td", "tds=64,mem=32G,vcpus=8,host_layout=sparse");
	assert_int_equal(sim_cfg_parse(&tc.p, &tc.spec.work, &cfg, tc.err, sizeof(tc.err)), -1);
	assert_non_null(strstr(tc.err, "host_layout=sparse needs"));
	tcase_free(&tc);
	/* the full-size shape on a fresh or fragmented host is within reach, 4K or 2M folios */
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
		tcase_init(&tc, presets[i], "multi-td", "tds=64,mem=32G,vcpus=8,host_layout=fragmented");
		if (sim_cfg_parse(&tc.p, &tc.spec.work, &cfg, tc.err, sizeof(tc.err)))
			fail_msg("%s: %s", presets[i], tc.err);
		tcase_free(&tc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_fragmented),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_sparse_is_worst),
		cmocka_unit_test(test_too_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
