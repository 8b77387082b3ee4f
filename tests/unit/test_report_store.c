/*
 * The report loader against a real store: a small database written through
 * the store API (two strategies x a cache-capacity sweep, with samples and
 * histograms) comes back as the right runs, variants and figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/params.h"
#include "lib/result.h"
#include "lib/util.h"
#include "report/report.h"
#include "store/store.h"

static char dir[64];
static char dbpath[128];

static void add_run(struct store *st, int64_t host, int64_t sess, const char *strategy,
		    const char *workload, int cap, int reps)
{
	struct params p = PARAMS_INIT;
	struct run_info ri = {
		.session_id = sess, .host_id = host, .backend = "sim", .strategy = strategy,
		.workload = workload, .seed = 1, .reps = reps, .params = &p, .is_model = true,
	};
	int64_t id;
	char *repro;

	params_set(&p, "mem", "256M");
	params_setf(&p, "spt_cache_capacity", "%d", cap);
	repro = xasprintf("tdxbench run --strategy %s --workload %s --set spt_cache_capacity=%d",
			  strategy, workload, cap);
	ri.reproduce = repro;
	assert_int_equal(store_run_create(st, &ri, &id), 0);
	for (int rep = 0; rep < reps; rep++) {
		struct run_result res;
		int s, h;
		double base = !strcmp(strategy, "sean-v5") ? 4.0 * cap : 0;
		result_init(&res);
		result_metric(&res, "spec_pairs_peak", base + rep, "pairs");
		result_metric(&res, "fault_ns_p99", 3000 + 40000.0 / cap + 17 * rep, "ns");
		s = result_series(&res, "dpamt_bytes", "bytes");
		for (int k = 0; k < 10; k++)
			result_sample(&res, s, k * 1e6, (base + 100) * 8192.0 * k);
		h = result_hist(&res, "fault_ns", "ns");
		for (int b = 0; b < 6; b++)
			result_bucket(&res, h, 500 << b, 1000 << b, (uint64_t)(10 + b * (cap % 7)));
		assert_int_equal(store_rep_commit(st, id, rep, 1 + rep, "ok", NULL, 1000, &res), 0);
		result_free(&res);
	}
	assert_int_equal(store_run_set_status(st, id, "done", NULL), 0);
	params_free(&p);
	free(repro);
}

static int setup(void **state)
{
	struct store *st;
	struct host_info hi = { .hash = "h1", .label = "test", .kernel_release = "6.16.0-test",
				.cpu_model = "test cpu", .json = "{}" };
	struct session_info si = { .cmdline = "tdxbench run --strategy dpamt-v6,sean-v5",
				   .tool_version = "test" };
	int64_t host, sess;
	const char *top = getenv("TDXBENCH_TOP");

	setenv("TDXBENCH_DATA", top ? top : ".", 0);
	snprintf(dir, sizeof(dir), "/tmp/tdxbench-rstore-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	if (store_open(dbpath, STORE_CREATE, &st))
		return -1;
	if (store_host_upsert(st, &hi, &host))
		return -1;
	si.host_id = host;
	if (store_session_begin(st, &si, &sess))
		return -1;
	for (int c = 10; c <= 40; c *= 2) {
		add_run(st, host, sess, "dpamt-v6", "random4k", c, 3);
		add_run(st, host, sess, "sean-v5", "random4k", c, 3);
	}
	store_session_finish(st, sess, "done");
	store_close(st);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (getenv("TDXBENCH_KEEP"))	/* to try the CLI on it */
		fprintf(stderr, "# kept %s\n", dbpath);
	else if (system(cmd))
		fprintf(stderr, "# cannot remove %s\n", dir);
	free(cmd);
	return 0;
}

static void test_load(void **state)
{
	struct store *st;
	struct report r = { 0 };
	size_t kinds[4] = { 0 };
	const struct rpt_metric *m;

	assert_int_equal(store_open(dbpath, STORE_READONLY, &st), 0);
	assert_int_equal(report_load(st, NULL, 0, &r), 0);
	assert_int_equal(r.nruns, 6);
	m = rpt_run_find_metric(&r.runs[0], "fault_ns_p99");
	assert_non_null(m);
	assert_int_equal(m->n, 3);
	assert_int_equal(r.runs[0].nseries, 1);
	assert_int_equal(r.runs[0].series[0].n, 10);
	assert_int_equal(r.runs[0].nhists, 1);
	assert_int_equal(r.runs[0].hists[0].n, 6);
	/* buckets of the three reps are summed */
	assert_int_equal(r.runs[0].hists[0].b[0].count, 30);
	assert_true(r.runs[0].is_model);
	assert_string_equal(params_get(&r.runs[0].params, "spt_cache_capacity"), "10");

	assert_int_equal(report_analyze(&r, NULL, NULL), 0);
	assert_int_equal(r.nvariants, 2);
	assert_string_equal(r.variants[r.base_variant].name, "dpamt-v6");
	assert_string_equal(r.variants[1].selector, "strategy=sean-v5");
	for (size_t i = 0; i < r.nfigs; i++) {
		kinds[r.figs[i].kind]++;
		if (r.figs[i].kind == FIG_SWEEP)
			assert_string_equal(r.figs[i].sweep_key, "spt_cache_capacity");
		if (r.figs[i].kind == FIG_TS)	/* the largest configuration */
			assert_string_equal(params_get(&r.figs[i].match, "spt_cache_capacity"), "40");
	}
	assert_int_equal(kinds[FIG_SWEEP], 1);
	assert_int_equal(kinds[FIG_CMP], 0);
	assert_int_equal(kinds[FIG_TS], 1);
	assert_int_equal(kinds[FIG_CDF], 1);
	report_free(&r);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
