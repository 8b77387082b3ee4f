/* Unit tests: util parsing, params, opts, workload builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lib/metrics.h"
#include "lib/opts.h"
#include "lib/params.h"
#include "lib/util.h"
#include "workloads/workload.h"

static void test_parse_size(void **state)
{
	uint64_t v;
	assert_int_equal(parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64G", &v), 0);
	assert_int_equal(v, 64ULL << 30);
	assert_int_equal(parse_size("2MiB", &v), 0);
	assert_int_equal(v, 2ULL << 20);
	assert_int_equal(parse_size("1T", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(parse_size("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(parse_size("-1", &v), -1);
	assert_int_equal(parse_size("4X", &v), -1);
	assert_int_equal(parse_size("", &v), -1);
	assert_int_equal(parse_size("99999999999999999999", &v), -1);
	assert_int_equal(parse_size("20000000T", &v), -1);	/* overflow */
}

static void test_params_matrix_tokens(void **state)
{
	struct params p = PARAMS_INIT;
	char err[128];
	char *canon;
	assert_int_equal(params_parse_assignments(&p, "mem=64G,vcpus=1,2,4,seed=3", err, sizeof(err)), 0);
	assert_string_equal(params_get(&p, "vcpus"), "1,2,4");
	assert_string_equal(params_get(&p, "mem"), "64G");
	canon = params_canonical(&p);
	assert_string_equal(canon, "mem=64G,seed=3,vcpus=1,2,4");
	free(canon);
	assert_int_equal(params_parse_assignments(&p, "oops", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "oops"));
	assert_int_equal(params_parse_assignments(&p, "k=", err, sizeof(err)), -1);
	params_free(&p);
}

static void test_params_typed(void **state)
{
	struct params p = PARAMS_INIT;
	char err[128];
	uint64_t v;
	int e;
	static const char *const ch[] = { "a", "b", NULL };
	params_set(&p, "n", "12x");
	assert_int_equal(params_get_u64(&p, "n", 0, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "n=12x"));
	assert_int_equal(params_get_u64(&p, "missing", 7, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 7);
	params_set(&p, "e", "c");
	assert_int_equal(params_get_enum(&p, "e", ch, 0, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a, b"));
	params_free(&p);
}

static void test_closest(void **state)
{
	static const char *const c[] = { "strategies", "workloads", "run", "report" };
	assert_string_equal(closest_match("strat", c, 4), "strategies");
	assert_string_equal(closest_match("reprot", c, 4), "report");
	assert_null(closest_match("zzzzzz", c, 4));
}

static void test_every_workload_builds(void **state)
{
	const struct workload_desc *const *wl = workload_all();
	struct params p = PARAMS_INIT;
	char err[256];
	params_set(&p, "mem", "256M");
	params_set(&p, "vcpus", "2");
	for (; *wl; wl++) {
		struct tdxb_workload w;
		err[0] = 0;
		if ((*wl)->build(&p, &w, err, sizeof(err)))
			fail_msg("workload %s: %s", (*wl)->name, err);
		assert_int_equal(w.magic, TDXB_WORKLOAD_MAGIC);
		assert_true(w.nphases >= 1);
		assert_int_equal(w.mem_bytes, 256ULL << 20);
		for (uint32_t i = 0; i < w.nphases; i++)
			assert_true(w.phases[i].start + w.phases[i].len <= w.mem_bytes);
	}
	params_free(&p);
}

static void test_workload_bad_params(void **state)
{
	struct params p = PARAMS_INIT;
	struct tdxb_workload w;
	char err[256];
	params_set(&p, "mem", "3M");
	assert_int_equal(workload_find("boot")->build(&p, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mem=3M"));
	params_set(&p, "mem", "64M");
	params_set(&p, "window", "128M");
	assert_int_equal(workload_find("convert-churn")->build(&p, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "window"));
	params_free(&p);
}

static void test_metric_families(void **state)
{
	const struct metric_desc *d = metric_find("phase1_wall_ns");
	assert_non_null(d);
	assert_int_equal(d->better, BETTER_LOWER);
	assert_string_equal(d->unit, "ns");
	d = metric_find("phase0_pages_per_sec_per_vcpu");
	assert_non_null(d);
	assert_int_equal(d->better, BETTER_HIGHER);
	assert_non_null(metric_find("phase2_pages"));
	assert_non_null(metric_find("user_exits_IO"));
	assert_null(metric_find("phase1_no_such_metric"));
	assert_null(metric_find("phasex_wall_ns"));
	assert_null(metric_find("user_exits_"));
	assert_int_equal(metric_find("phase0_trace_kvm_page_fault")->better, BETTER_NONE);
	assert_string_equal(metric_find("trace_kvmmmu_other_event")->name, "trace_*");
	assert_string_equal(metric_find("phase1_trace_x")->name, "trace_*");
	/* probe pairs (tdx): per run and per phase */
	assert_string_equal(metric_find("tdh_mem_page_aug_ns_mean")->name, "*_ns_mean");
	assert_string_equal(metric_find("phase0_tdh_mem_page_aug_ns_mean")->unit, "ns");
	assert_null(metric_find("trace_"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_params_matrix_tokens),
		cmocka_unit_test(test_params_typed),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_every_workload_builds),
		cmocka_unit_test(test_workload_bad_params),
		cmocka_unit_test(test_metric_families),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
