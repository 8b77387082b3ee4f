/*
 * The seed facts (dpamt-facts.md, the mails in seeds/), each a test the
 * model must reproduce: cache fills of v6 and v4, the hp-v3 split cache
 * draw, sean-v5's speculative pairs, static PAMT.
 */
#include "sim_helpers.h"

/* v6 09/11: tdx_topup_pamt_cache(cache, PT64_ROOT_MAX_LEVEL) fills to exactly 5 pairs. */
static void test_v6_pamt_cache_exact_10(void **state)
{
	struct tcase tc;
	struct sim *s;
	struct sim_vcpu *v;
	tcase_init(&tc, "dpamt-v6", "boot", "mem=8M,vcpus=1,host_layout=sparse");
	s = tcase_sim(&tc, NULL);
	v = vcpu(s, 0, 0);
	step_topup(s, v);
	assert_int_equal(v->pamt.n, 10);
	assert_int_equal(v->spt.n, 40);		/* kvm_mmu_memory_cache: to capacity */
	/* sparse host: 3 S-EPT pages and the guest page each need a pair: 8 pages drawn */
	step_fault(s, v, 0, 4096);
	assert_int_equal(v->pamt.n, 2);
	/* the next top-up fills back to exactly 10, not to a capacity */
	step_topup(s, v);
	assert_int_equal(v->pamt.n, 10);
	step_topup(s, v);
	assert_int_equal(v->pamt.n, 10);
	step_finish(s);
	tcase_free(&tc);
}

/* v4 12/16: one per-vCPU list, min = 5 S-EPT + 2*5 DPAMT = 15 pages, exact fill. */
static void test_v4_combined_list_15(void **state)
{
	struct tcase tc;
	struct sim *s;
	struct sim_vcpu *v;
	tcase_init(&tc, "dpamt-v4", "boot", "mem=8M,vcpus=1");
	s = tcase_sim(&tc, NULL);
	v = vcpu(s, 0, 0);
	step_topup(s, v);
	assert_int_equal(v->pamt.n, 15);
	assert_int_equal(v->spt.n, 0);		/* S-EPT pages come from the list, not KVM's cache */
	step_fault(s, v, 0, 4096);		/* 3 S-EPT pages popped, all in backed region 0 */
	assert_int_equal(v->pamt.n, 12);
	step_topup(s, v);
	assert_int_equal(v->pamt.n, 15);
	step_finish(s);
	tcase_free(&tc);
}

/*
 * HP-v3 20/24, 21/24: a split draws a pair for the new S-EPT page only if its
 * region has refcount 0, and always the DEMOTE pair: 4 pages unbacked, 2 backed.
 */
static void split_draw(bool unbacked, uint64_t want_pages, uint64_t want_adds)
{
	struct tcase tc;
	struct sim *s;
	struct sim_vcpu *v;
	uint64_t pages0, adds0;
	pfn_t fresh = 0;

	tcase_init(&tc, "hp-v3", "split-storm", "mem=2M,vcpus=1,huge=yes");
	s = tcase_sim(&tc, NULL);
	v = vcpu(s, 0, 0);
	step_fault(s, v, 0, 2 * MiB);
	assert_int_equal(s->c.faults_2m, 1);
	if (unbacked) {
		/* craft: the next page of this CPU comes from an untouched region */
		fresh = hostmem_alloc_block(s, SIM_REGION_ORDER);
		assert_true(fresh != 0);
		assert_int_equal(s->rg[pfn_region(fresh)].ref, 0);
		for (pfn_t f = fresh + 1; f < fresh + SIM_REGION_PAGES; f++)
			hostmem_free_block(s, f, 0);
		s->pcp[v->cpu].v[s->pcp[v->cpu].n++] = fresh;
	}
	pages0 = s->c.split_cache_pages;
	adds0 = s->c.pamt_add;
	step_to_shared(s, v, 4096, 4096);
	assert_int_equal(s->c.splits, 1);
	assert_int_equal(s->c.split_cache_pages - pages0, want_pages);
	assert_int_equal(s->c.pamt_add - adds0, want_adds);
	assert_int_equal(s->c.demotes, 1);
	if (unbacked)
		assert_int_equal(s->tds[0].ext[1][0], fresh);
	/* the guest range's refcount went 0 -> 512 at DEMOTE, then one 4K zap */
	assert_int_equal(s->rg[pfn_region(s->tds[0].folio[0])].ref, 511);
	step_finish(s);
	tcase_free(&tc);
}

static void test_hpv3_split_unbacked_4(void **state)
{
	split_draw(true, 4, 1);
}

static void test_hpv3_split_backed_2(void **state)
{
	split_draw(false, 2, 0);
}

/*
 * v6 06/11: the refcount reads 0 until another CPU's PAMT.ADD is done, so a
 * get inside that window fails atomic_inc_not_zero(), takes a pair from its
 * cache, waits for pamt_lock until the ADD ends, finds the refcount set and
 * frees the pair. After the ADD a get is a lockless bump; with
 * pamt_fast_path=no (05/11) it takes the lock.
 */
static void race_case(bool fast)
{
	struct tcase tc;
	struct sim *s;
	struct sim_vcpu *v0, *v1;
	uint64_t adds, freed, acquired;
	vtime_t t0, ta, tb, tc2;
	pfn_t f;
	uint32_t r, cache1;

	tcase_init(&tc, "dpamt-v6", "boot", fast ?
		   "mem=8M,vcpus=2,cost_pamt_add_min=4000,cost_pamt_add_max=4000" :
		   "mem=8M,vcpus=2,cost_pamt_add_min=4000,cost_pamt_add_max=4000,pamt_fast_path=no");
	s = tcase_sim(&tc, NULL);
	v0 = vcpu(s, 0, 0);
	v1 = vcpu(s, 0, 1);
	step_topup(s, v0);
	step_topup(s, v1);
	f = hostmem_alloc_block(s, SIM_REGION_ORDER);	/* a region nobody uses */
	r = pfn_region(f);
	assert_int_equal(s->rg[r].ref, 0);
	adds = s->c.pamt_add;
	freed = s->c.pages_free_unused;
	t0 = MAX(v0->t, v1->t) + 1000000;
	s->now = t0;
	ta = t0;
	pamt_get(s, v0, f, &v0->pamt, false, &ta);
	assert_int_equal(s->c.pamt_add - adds, 1);
	assert_true(ta >= t0 + 4000);
	/* v1, 1 us later, inside the ADD */
	cache1 = v1->pamt.n;
	tb = t0 + 1000;
	pamt_get(s, v1, f + 1, &v1->pamt, false, &tb);
	assert_int_equal(s->c.pamt_add - adds, 1);
	assert_int_equal(s->c.pamt_add_races, 1);
	assert_int_equal(cache1 - v1->pamt.n, SIM_PAIR_PAGES);
	assert_int_equal(s->c.pages_free_unused - freed, SIM_PAIR_PAGES);
	assert_true(tb >= ta);		/* it waited for the ADD */
	assert_int_equal(s->rg[r].ref, 2);
	/* after the ADD: a refcount bump, with or without the lock */
	acquired = s->pamt_ls.acquired;
	tc2 = ta + 10000;
	pamt_get(s, v1, f + 2, &v1->pamt, false, &tc2);
	assert_int_equal(s->c.pamt_add_races, 1);
	assert_int_equal(s->pamt_ls.acquired - acquired, fast ? 0 : 1);
	assert_int_equal(s->c.pamt_get_fast > 0, fast);
	/* give it all back before the teardown checks */
	s->now = tc2;
	for (pfn_t g = f; g < f + 3; g++)
		pamt_put(s, v1, g, false, &tc2);
	assert_int_equal(s->rg[r].ref, 0);
	hostmem_free_block(s, f, SIM_REGION_ORDER);
	step_finish(s);
	tcase_free(&tc);
}

static void test_v6_race_in_flight_add(void **state)
{
	race_case(true);
	race_case(false);
}

/*
 * HP v3: a 4K accept inside a 2M leaf splits it on the fault path: one write
 * mmu_lock, one DEMOTE with a pair from the vCPU's cache, then all 512 pages
 * mapped at 4K (the accepts after it fault no more).
 */
static void test_fault_path_split(void **state)
{
	static const char *const presets[] = { "static", "hp-v3", "sean-v5", "kai-sp" };
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
		struct tcase tc;
		struct sim *s;
		struct sim_vcpu *v;
		uint64_t writes, faults;
		tcase_init(&tc, presets[i], "fault2m", "mem=4M,vcpus=1,huge=yes");
		s = tcase_sim(&tc, NULL);
		v = vcpu(s, 0, 0);
		step_fault(s, v, 0, 2 * MiB);
		assert_int_equal(s->c.faults_2m, 1);
		writes = s->c.mmu_writes;
		faults = s->c.faults;
		step_fault(s, v, 8192, 4096);
		assert_int_equal(s->c.fault_splits, 1);
		assert_int_equal(s->c.splits, 1);
		assert_int_equal(s->c.mmu_writes - writes, 1);
		assert_int_equal(s->c.faults - faults, 1);
		assert_int_equal(s->c.demotes, 1);
		assert_int_equal(s->rg[pfn_region(s->tds[0].folio[0])].ref, 512);
		/* the rest of the range is mapped: no more faults */
		step_fault(s, v, 4096, 4096);
		assert_int_equal(s->c.faults - faults, 1);
		step_finish(s);
		tcase_free(&tc);
	}
}

/*
 * sean-v5 frees S-EPT pages from the RCU callback: their PAMT puts take
 * pamt_lock in softirq (Yan's lockdep report, aYW5CbUvZrLogsWF); v6 frees
 * them in process context. Either way nothing is left after teardown.
 */
static void test_seanv5_rcu_free_softirq(void **state)
{
	struct tcase tc;
	tcase_init(&tc, "sean-v5", "teardown", "mem=16M,vcpus=2");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_true(M(&tc, "pamt_lock_softirq") > 0);
	assert_true(M(&tc, "rcu_deferred_peak") >= 3);	/* at least the upper levels */
	assert_int_equal(M(&tc, "dpamt_bytes_after_teardown"), 0);
	assert_non_null(strstr(note(&tc, "pamt_lock_contexts"), "softirq"));
	tcase_free(&tc);
	tcase_init(&tc, "dpamt-v6", "teardown", "mem=16M,vcpus=2");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_int_equal(M(&tc, "pamt_lock_softirq"), 0);
	assert_int_equal(M(&tc, "rcu_deferred_peak"), 0);
	assert_string_equal(note(&tc, "pamt_lock_contexts"), "process");
	tcase_free(&tc);
}

/*
 * Sean (aXENNKjAKTM9UJNH): "Absolute worst case scenario, KVM allocates 40 (KVM's
 * SP cache capacity) PAMT entries per-vCPU" -- reached when every cached page
 * sits alone in its region; on a fresh host the pages share regions.
 */
static void test_seanv5_speculative_worst_case(void **state)
{
	struct tcase tc;
	struct sim *s;
	tcase_init(&tc, "sean-v5", "boot", "mem=4M,vcpus=3,host_layout=sparse,gmem_folio=4K");
	s = tcase_sim(&tc, NULL);
	for (uint32_t i = 0; i < 3; i++) {
		step_topup(s, vcpu(s, 0, i));
		assert_int_equal(s->spec_regions, 40 * (i + 1));
	}
	assert_int_equal(s->spec_peak, 120);
	/* linking gifts 3 of them to the TDX module: no longer speculative */
	step_fault(s, vcpu(s, 0, 0), 0, 4096);
	assert_int_equal(s->spec_regions, 117);
	step_finish(s);
	tcase_free(&tc);

	/* the whole run reports it too */
	tcase_init(&tc, "sean-v5", "boot", "mem=4M,vcpus=2,host_layout=sparse,gmem_folio=4K");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_true(M(&tc, "spec_pairs_peak") >= 40);
	tcase_free(&tc);
}

static void test_seanv5_speculative_fresh_host(void **state)
{
	struct tcase tc;
	struct sim *s;
	tcase_init(&tc, "sean-v5", "boot", "mem=4M,vcpus=3,gmem_folio=4K");
	s = tcase_sim(&tc, NULL);
	for (uint32_t i = 0; i < 3; i++)
		step_topup(s, vcpu(s, 0, i));
	/* per-CPU batches put a vCPU's 40 pages into one or two regions */
	assert_true(s->spec_peak <= 2 * 3);
	assert_true(s->spec_peak * 10 <= 40 * 3);
	step_finish(s);
	tcase_free(&tc);

	tcase_init(&tc, "sean-v5", "boot", "mem=256M,vcpus=4");
	assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
	assert_true(M(&tc, "spec_pairs_peak") * 10 <= 40 * 4);
	tcase_free(&tc);
}

/*
 * Static PAMT: no PAMT.ADD ever; 16 bytes per 4K of TDX memory = 1/256, plus
 * the 2M and 1G levels (16 bytes per entry: DPAMT v6 01/11).
 */
static void test_static_no_add_and_1_256(void **state)
{
	static const char *const wls[] = { "boot", "split-storm", "convert-churn" };
	for (size_t i = 0; i < ARRAY_SIZE(wls); i++) {
		struct tcase tc;
		uint64_t host;
		tcase_init(&tc, "static", wls[i], "mem=32M,vcpus=2,window=4M");
		assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
		assert_int_equal(M(&tc, "pamt_add"), 0);
		assert_int_equal(M(&tc, "pamt_remove"), 0);
		assert_int_equal(M(&tc, "dpamt_bytes_peak"), 0);
		assert_non_null(note(&tc, "host_mem"));
		assert_int_equal(parse_u64(note(&tc, "host_mem"), &host), 0);
		assert_int_equal(M(&tc, "static_pamt_bytes"),
				 host / 256 + (host + 2 * MiB - 1) / (2 * MiB) * 16 + (host + GiB - 1) / GiB * 16);
		assert_int_equal(M(&tc, "total_pamt_bytes"), M(&tc, "static_pamt_bytes"));
		tcase_free(&tc);
	}
	/* with DPAMT the reservation is far smaller (bitmap + 2M/1G levels) */
	{
		struct tcase tc;
		uint64_t host;
		tcase_init(&tc, "dpamt-v6", "boot", "mem=32M,host_mem=1G");
		assert_int_equal(tcase_run(&tc, NULL), BACKEND_OK);
		parse_u64(note(&tc, "host_mem"), &host);
		assert_int_equal(M(&tc, "static_pamt_bytes"), host / 4096 / 8 + host / (2 * MiB) * 16 + 16);
		tcase_free(&tc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v6_pamt_cache_exact_10),
		cmocka_unit_test(test_v4_combined_list_15),
		cmocka_unit_test(test_hpv3_split_unbacked_4),
		cmocka_unit_test(test_hpv3_split_backed_2),
		cmocka_unit_test(test_v6_race_in_flight_add),
		cmocka_unit_test(test_fault_path_split),
		cmocka_unit_test(test_seanv5_rcu_free_softirq),
		cmocka_unit_test(test_seanv5_speculative_worst_case),
		cmocka_unit_test(test_seanv5_speculative_fresh_host),
		cmocka_unit_test(test_static_no_add_and_1_256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
