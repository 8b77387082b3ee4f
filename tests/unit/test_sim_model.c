/*
 * The sim model on small scenarios whose counts are worked out by hand,
 * determinism, every invariant tripped by a broken model, and zero DPAMT
 * after teardown for every preset and workload.
 */
#include "sim_helpers.h"

struct expect {
	const char *strategy;
	double pamt_add, pamt_remove, pages_alloc, topups, idle_peak, free_unused;
	double splits, split_retries, split_cache_pages, dpamt_end;
	const char *extra;	/* more assignments for this row: huge=yes */
};

static void check_expect(const struct expect *e, const char *wl, const char *assign)
{
	struct tcase tc;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s%s%s", assign, e->extra ? "," : "", e->extra ? e->extra : "");
	tcase_init(&tc, e->strategy, wl, buf);
	if (tcase_run(&tc, NULL) != BACKEND_OK)
		fail_msg("%s: %s", e->strategy, tc.err);
	printf("# %s %s: add %.0f remove %.0f alloc %.0f topups %.0f idle %.0f unused %.0f "
	       "splits %.0f retries %.0f splitcache %.0f end %.0f\n", e->strategy, wl,
	       M(&tc, "pamt_add"), M(&tc, "pamt_remove"), M(&tc, "pages_alloc"), M(&tc, "topups"),
	       M(&tc, "cache_pages_idle_peak"), M(&tc, "pages_free_unused"), M(&tc, "splits"),
	       M(&tc, "split_retries"), M(&tc, "split_cache_pages"), M(&tc, "dpamt_bytes_end"));
	assert_int_equal(M(&tc, "pamt_add"), e->pamt_add);
	assert_int_equal(M(&tc, "pamt_remove"), e->pamt_remove);
	assert_int_equal(M(&tc, "pages_alloc"), e->pages_alloc);
	assert_int_equal(M(&tc, "topups"), e->topups);
	assert_int_equal(M(&tc, "cache_pages_idle_peak"), e->idle_peak);
	assert_int_equal(M(&tc, "pages_free_unused"), e->free_unused);
	assert_int_equal(M(&tc, "splits"), e->splits);
	assert_int_equal(M(&tc, "split_retries"), e->split_retries);
	assert_int_equal(M(&tc, "split_cache_pages"), e->split_cache_pages);
	assert_int_equal(M(&tc, "dpamt_bytes_end"), e->dpamt_end);
	assert_int_equal(M(&tc, "dpamt_bytes_after_teardown"), 0);
	tcase_free(&tc);
}

/*
 * boot, mem=2M, 1 vCPU, fresh 72M host: 512 4K faults.
 *
 * CPU 0's per-CPU list hands out frames 1, 2, 3, ... of region 0 (frame 0 is
 * reserved). TD creation: TDR = 1 and its pair 2,3 (PAMT.ADD #1 for region 0),
 * TDCS 4..7, TDVPR+TDCX 8..13, all refcount bumps. Fault 1 tops up the mirror
 * cache (40) and the spt cache (40) from region 0, then (v6) the pamt cache
 * with 10 pages; the 3 S-EPT pages linked are in region 0: bumps.
 *
 *  - 4K folios (v4, v6): guest pages follow on the same list; once region 0 is
 *    used up the next guest page opens region 1: PAMT.ADD #2 with a pair from
 *    the pamt cache, refilled by 2 on the next fault.
 *    v6: alloc = 2 (TDR pair) + 40 + 10 + 2 = 54, top-ups 3, idle peak 40+10,
 *    unused at vCPU destroy 37 + 10.
 *    v4: one list of 15: fault 1 takes 15, fault 2 refills the 3 S-EPT pages,
 *    region 1 refills 2: alloc 2 + 15 + 3 + 2 = 22, top-ups 3, peak 15.
 *  - 2M folios (huge=yes: static, sean-v5, hp-v3, kai-sp): the guest folio is
 *    region 1 (a fresh order-9 block): its first 4K use is PAMT.ADD #2, same
 *    counts as v6. static: only the spt cache counts: 40, nothing else.
 *    kai-sp's pair cache is a kvm_mmu_memory_cache filled to its capacity of
 *    40 pages: alloc 2 + 40 + 40 = 82, top-ups 2 (the cache never drops
 *    below 10 again), peak 80; the folio's pair is the one the last-level SP
 *    carries (taken from that cache): unused 37 + 38.
 *    hp-v3 is on v4's list (HP-v3 01/24): fault 1 takes 3 S-EPT pages and the
 *    folio's pair from it, fault 2 refills those 5: alloc 2 + 15 + 5 = 22,
 *    top-ups 2, peak 15.
 */
static void test_hand_boot_2m(void **state)
{
	static const struct expect e[] = {
		{ "static", 0, 0, 40, 1, 40, 37, 0, 0, 0, 0, "huge=yes" },
		{ "dpamt-v4", 2, 2, 22, 3, 15, 15, 0, 0, 0, 16384, NULL },
		{ "dpamt-v6", 2, 2, 54, 3, 50, 47, 0, 0, 0, 16384, NULL },
		{ "sean-v5", 2, 2, 54, 3, 50, 47, 0, 0, 0, 16384, "huge=yes" },
		{ "hp-v3", 2, 2, 22, 2, 15, 15, 0, 0, 0, 16384, "huge=yes" },
		{ "kai-sp", 2, 2, 82, 2, 80, 75, 0, 0, 0, 16384, "huge=yes" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(e); i++)
		check_expect(&e[i], "boot", "mem=2M,vcpus=1");
}

/*
 * split-storm, mem=4M, 1 vCPU: two 2M faults (folios = regions 1 and 2, no
 * pairs; levels 3 and 2 linked from region 0), then one 4K page of each range
 * to shared: two splits. The new S-EPT pages come from CPU 0's list, region 0,
 * which is backed, so they take no pair.
 *  - hp-v3 (v4's list of 15 for faults, HP-v3 01/24): the 2M faults link 2
 *    tables from the list, refilled by 2; cache of 4 empty -> drop mmu_lock,
 *    top up 4 (retry 1); the split takes only the DEMOTE pair (2), 2 stay;
 *    split 2 tops up 2 (retry 2) and takes 2. alloc = 2 + 15 + 2 + (1 + 4) +
 *    (1 + 2) = 27, top-ups 4, split-cache pages 4, unused 15 + 2. Idle peak:
 *    15 in the list + 4 in the split cache = 19. DPAMT at the end: regions
 *    0, 1, 2.
 *  - sean-v5: per-VM cache topped up with 1 pair under the mutex per split:
 *    alloc 52 + (2 + 1) * 2 = 58, top-ups 4, split-cache pages 4, unused 48,
 *    idle peak max(40 + 10, 38 + 10 + 2) = 50.
 *  - kai-sp: each split's new SP comes with its own pair; the pair cache
 *    fills to its capacity (40): 2 + 40 + 40 + (1 + 2) * 2 = 88, top-ups 2,
 *    split-cache pages 0 (no per-VM cache), unused 38 + 40, idle peak 80.
 *  - static: 40 + 1 + 1 = 42, no pairs.
 */
static void test_hand_split_storm(void **state)
{
	static const struct expect e[] = {
		{ "static", 0, 0, 42, 1, 40, 38, 2, 0, 0, 0, NULL },
		{ "hp-v3", 1, 3, 27, 4, 19, 17, 2, 2, 4, 3 * 8192, NULL },
		{ "sean-v5", 1, 3, 58, 4, 50, 48, 2, 0, 4, 3 * 8192, NULL },
		{ "kai-sp", 1, 3, 88, 2, 80, 78, 2, 0, 0, 3 * 8192, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(e); i++)
		check_expect(&e[i], "split-storm", "mem=4M,vcpus=1,huge=yes");
}

/* v6 on a sparse host: every page alone in its region, every get a PAMT.ADD. */
static void test_hand_sparse_v6(void **state)
{
	struct tcase tc;
	struct sim *s;
	uint64_t adds;
	tcase_init(&tc, "dpamt-v6", "boot", "mem=2M,vcpus=1,host_layout=sparse");
	s = tcase_sim(&tc, NULL);
	/* TDR, 4 TDCS, 6 TDVPS pages: 11 control pages, 11 regions */
	assert_int_equal(s->c.pamt_add, 11);
	adds = s->c.pamt_add;
	step_fault(s, vcpu(s, 0, 0), 0, 4096);
	/* 3 S-EPT pages + the guest page */
	assert_int_equal(s->c.pamt_add - adds, 4);
	step_fault(s, vcpu(s, 0, 0), 4096, 4096);
	assert_int_equal(s->c.pamt_add - adds, 5);
	assert_int_equal(sim_dpamt_bytes(s), 16 * 8192);
	step_finish(s);
	tcase_free(&tc);
}

static bool same_result(const struct run_result *a, const struct run_result *b)
{
	if (a->n_metrics != b->n_metrics || a->n_samples != b->n_samples || a->n_buckets != b->n_buckets)
		return false;
	for (size_t i = 0; i < a->n_metrics; i++)
		if (strcmp(a->metrics[i].name, b->metrics[i].name) ||
		    memcmp(&a->metrics[i].value, &b->metrics[i].value, sizeof(double)))
			return false;
	/* field by field: the structs have padding */
	for (size_t i = 0; i < a->n_samples; i++)
		if (a->samples[i].series != b->samples[i].series ||
		    memcmp(&a->samples[i].t_ns, &b->samples[i].t_ns, sizeof(double)) ||
		    memcmp(&a->samples[i].value, &b->samples[i].value, sizeof(double)))
			return false;
	for (size_t i = 0; i < a->n_buckets; i++)
		if (a->buckets[i].hist != b->buckets[i].hist || a->buckets[i].count != b->buckets[i].count ||
		    memcmp(&a->buckets[i].lo, &b->buckets[i].lo, sizeof(double)) ||
		    memcmp(&a->buckets[i].hi, &b->buckets[i].hi, sizeof(double)))
			return false;
	return true;
}

static void test_determinism(void **state)
{
	static const char *const strategies[] = { "dpamt-v6", "sean-v5", "hp-v3" };
	for (size_t i = 0; i < ARRAY_SIZE(strategies); i++) {
		struct tcase a, b, c;
		const char *args = "mem=64M,vcpus=4,touch=600,host_layout=fragmented,host_occupancy=0.3";
		tcase_init(&a, strategies[i], "random4k", args);
		tcase_init(&b, strategies[i], "random4k", args);
		assert_int_equal(tcase_run(&a, NULL), BACKEND_OK);
		assert_int_equal(tcase_run(&b, NULL), BACKEND_OK);
		assert_true(same_result(&a.res, &b.res));
		/*
		 * another seed: another permutation, so another subset of the same
		 * size (touch=600 keeps the first ceil(16384 * 0.6) = 9831 positions of
		 * the order.h permutation, whatever the seed), another host
		 */
		tcase_init(&c, strategies[i], "random4k",
			   "mem=64M,vcpus=4,touch=600,host_layout=fragmented,host_occupancy=0.3,seed=2");
		assert_true(c.spec.work.phases[0].seed != a.spec.work.phases[0].seed);
		if (tcase_run(&c, NULL) != BACKEND_OK)
			fail_msg("%s", c.err);
		assert_false(same_result(&a.res, &c.res));
		assert_int_equal(M(&a, "faults"), 9831);
		assert_int_equal(M(&c, "faults"), 9831);
		tcase_free(&a);
		tcase_free(&b);
		tcase_free(&c);
	}
}

static void expect_trip(const char *strategy, const char *wl, const char *assign, enum sim_break brk,
			const char *what)
{
	struct tcase tc;
	struct sim_debug dbg = { .brk = brk };
	tcase_init(&tc, strategy, wl, assign);
	/* the same run is fine without the break */
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	result_free(&tc.res);
	assert_int_equal(tcase_run(&tc, &dbg), BACKEND_FAILED);
	printf("# %s\n", tc.err);
	assert_non_null(strstr(tc.err, what));
	assert_non_null(strstr(tc.err, "virtual time"));
	tcase_free(&tc);
}

static void test_invariant_refcount(void **state)
{
	expect_trip("dpamt-v6", "boot", "mem=8M", BREAK_REFCOUNT, "refcount invariant broken: region");
	expect_trip("static", "boot", "mem=8M", BREAK_REFCOUNT, "refcount invariant broken: region");
}

static void test_invariant_pair(void **state)
{
	expect_trip("dpamt-v6", "boot", "mem=8M", BREAK_PAIR, "pair invariant broken: region");
	expect_trip("hp-v3", "split-storm", "mem=8M", BREAK_PAIR, "pair invariant broken: region");
}

static void test_invariant_underflow(void **state)
{
	expect_trip("dpamt-v6", "boot", "mem=2M,host_layout=sparse", BREAK_UNDERFLOW,
		    "cache underflow: pamt cache of TD 0 vCPU 0 is empty");
	/* a strategy that sizes its cache too small trips it with no break at all */
	{
		struct tcase tc;
		tcase_init(&tc, "dpamt-v6", "boot", "mem=2M,host_layout=sparse,pamt_cache_pairs=3");
		assert_int_equal(tcase_run(&tc, NULL), BACKEND_FAILED);
		assert_non_null(strstr(tc.err, "cache underflow"));
		tcase_free(&tc);
	}
}

static void test_invariant_teardown(void **state)
{
	expect_trip("dpamt-v6", "boot", "mem=8M", BREAK_TEARDOWN, "teardown invariant broken");
	expect_trip("hp-v3", "teardown", "mem=8M", BREAK_TEARDOWN, "DPAMT bytes left, first in region");
}

/* The vtable describes the strategies it accepts, in the same order. */
static void test_presets_in_vtable(void **state)
{
	const struct backend_ops *b = backend_find("sim");
	size_t i = 0;
	assert_non_null(b);
	assert_non_null(b->presets);
	for (; b->strategies[i]; i++) {
		struct params p = PARAMS_INIT;
		char err[256];
		assert_non_null(b->presets[i].name);
		assert_string_equal(b->presets[i].name, b->strategies[i]);
		assert_int_equal(b->resolve(b->presets[i].name, &p, err, sizeof(err)), 0);
		params_free(&p);
	}
	assert_null(b->presets[i].name);
	assert_true(b->knob_is_cost(opt_find(b->knobs, "cost_pamt_add")));
	assert_false(b->knob_is_cost(opt_find(b->knobs, "pcp_batch")));
}

/* Every preset x every workload: runs, and leaves no DPAMT and no TDX page. */
static void test_teardown_zero_matrix(void **state)
{
	const struct workload_desc *const *all = workload_all();
	for (const char *const *st = sim_strategy_names; *st; st++) {
		for (size_t i = 0; all[i]; i++) {
			struct tcase tc;
			if (all[i]->flags & WL_TEST_ONLY)
				continue;
			/* linux-boot's defaults are a 4G TD's counts: scaled to 16M */
			tcase_init(&tc, *st, all[i]->name,
				   strcmp(all[i]->name, "linux-boot") ?
				   "mem=16M,vcpus=2,window=4M,tds=2" :
				   "mem=16M,vcpus=2,tds=2,early_4k=600,maps_2m=4,splits=2");
			if (!strcmp(all[i]->name, "multi-td"))
				params_set(&tc.p, "tds", "3");
			if (tcase_run(&tc, NULL) != BACKEND_OK)
				fail_msg("%s x %s: %s", *st, all[i]->name, tc.err);
			assert_int_equal(M(&tc, "dpamt_bytes_after_teardown"), 0);
			assert_true(M(&tc, "faults") > 0);
			assert_true(M(&tc, "virt_time_ns") > 0);
			tcase_free(&tc);
		}
	}
}

/* Faults on several vCPUs and TDs contend on pamt_lock; one vCPU never waits. */
static void test_lock_contention(void **state)
{
	struct tcase tc;
	tcase_init(&tc, "dpamt-v6", "boot", "mem=64M,vcpus=1");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_int_equal(M(&tc, "pamt_lock_contended"), 0);
	assert_int_equal(M(&tc, "pamt_lock_wait_ns"), 0);
	tcase_free(&tc);
	tcase_init(&tc, "dpamt-v6", "multi-td", "mem=256M,vcpus=4,tds=4");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_true(M(&tc, "pamt_lock_contended") > 0);
	assert_true(M(&tc, "pamt_lock_wait_ns") > 0);
	tcase_free(&tc);
	/* conversions take mmu_lock for write while other vCPUs fault */
	tcase_init(&tc, "hp-v3", "convert-churn", "mem=64M,vcpus=4,window=16M,accept=4K,rounds=1");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_true(M(&tc, "mmu_lock_wait_ns") > 0);
	tcase_free(&tc);
}

/* Time series stay bounded and the histogram holds every fault. */
static void test_outputs(void **state)
{
	struct tcase tc;
	uint64_t total = 0;
	size_t per_series[3] = { 0, 0, 0 };
	tcase_init(&tc, "dpamt-v6", "boot", "mem=256M,vcpus=2,samples_max=50");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_int_equal(tc.res.n_series, 3);
	for (size_t i = 0; i < tc.res.n_samples; i++)
		per_series[tc.res.samples[i].series]++;
	for (int k = 0; k < 3; k++) {
		assert_true(per_series[k] >= 10);
		assert_true(per_series[k] <= 50);
	}
	for (size_t i = 0; i < tc.res.n_buckets; i++)
		total += tc.res.buckets[i].count;
	assert_int_equal(total, M(&tc, "faults"));
	assert_true(M(&tc, "fault_ns_p50") <= M(&tc, "fault_ns_p99"));
	assert_true(M(&tc, "fault_ns_p99") <= M(&tc, "fault_ns_max"));
	assert_non_null(note(&tc, "assumed_costs"));
	assert_non_null(strstr(note(&tc, "assumed_costs"), "cost_aug=2000ns"));
	assert_null(strstr(note(&tc, "assumed_costs"), "cost_pamt_add"));
	tcase_free(&tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_boot_2m),
		cmocka_unit_test(test_hand_split_storm),
		cmocka_unit_test(test_hand_sparse_v6),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_invariant_refcount),
		cmocka_unit_test(test_invariant_pair),
		cmocka_unit_test(test_invariant_underflow),
		cmocka_unit_test(test_invariant_teardown),
		cmocka_unit_test(test_presets_in_vtable),
		cmocka_unit_test(test_teardown_zero_matrix),
		cmocka_unit_test(test_lock_contention),
		cmocka_unit_test(test_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
