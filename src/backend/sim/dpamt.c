/*
 * The TDX module's Dynamic PAMT as the kernel drives it (DPAMT v6 05/11,
 * 06/11): one refcount per 2 MiB region counting the 4K pages of the region
 * handed to the TDX module; 0->1 installs a pair of pages with
 * TDH.PHYMEM.PAMT.ADD under the global pamt_lock, 1->0 takes it back with
 * PAMT.REMOVE. The v6 fast paths: get is atomic_inc_not_zero() without the
 * lock, put is atomic_dec_and_lock() (pamt_fast_path=no: v6 05/11, every
 * get and put under the lock). The pair is allocated before the lock (from
 * the caller's cache, or the page allocator when there is none). A get that
 * comes while another CPU's PAMT.ADD or REMOVE on its region is in flight
 * (rg->settle) takes the slow path and waits: the races of v6 06/11.
 *
 * With static PAMT (dpamt=no) the refcount is still kept, as bookkeeping for
 * the invariants only: no SEAMCALL, no pair, no lock.
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"

static void install_pair(struct sim *s, uint32_t r, pfn_t p0, pfn_t p1)
{
	s->rg[r].pair[0] = p0;
	s->rg[r].pair[1] = p1;
	s->pamt_pages += SIM_PAIR_PAGES;
	if (++s->pairs_installed > s->pairs_peak)
		s->pairs_peak = s->pairs_installed;
}

static void wait_note(struct pamt_wait *w, vtime_t asked, vtime_t got)
{
	uint64_t d = got - asked;
	w->n++;
	w->sum_ns += d;
	if (d > w->max_ns)
		w->max_ns = d;
}

/* A pamt_lock section without a SEAMCALL: the refcount check and update only. */
static vtime_t lock_short(struct sim *s, vtime_t t, vtime_t earliest, struct pamt_wait *w)
{
	vtime_t start = cal_acquire_after(&s->pamt_lock, s->now, t, earliest, s->cfg.cost[C_PAMT_LOCK],
					  s->cfg.cost[C_LOCK_HANDOFF], &s->pamt_ls);
	wait_note(w, t, start);
	return start + s->cfg.cost[C_PAMT_LOCK];
}

/* The pair is allocated before taking pamt_lock: from src, or the page allocator. */
static int take_pair(struct sim *s, uint32_t cpu, struct page_cache *src, pfn_t *p0, pfn_t *p1,
		     vtime_t *t)
{
	if (src) {
		if (cache_pop(s, src, p0) || cache_pop(s, src, p1))
			return -1;
		s->c.pamt_cache_pages_used += SIM_PAIR_PAGES;
		return 0;
	}
	*p0 = hostmem_alloc_page(s, cpu, t);
	*p1 = *p0 ? hostmem_alloc_page(s, cpu, t) : 0;
	if (!*p1) {
		inv_fail(s, "host out of memory allocating a PAMT pair at t=%llu ns",
			 (unsigned long long)*t);
		return -1;
	}
	s->c.pages_alloc += SIM_PAIR_PAGES;
	return 0;
}

/* The whole get; pamt_get() (sim_int.h) handles the refcount-only case inline. */
void pamt_get_slow(struct sim *s, struct sim_vcpu *v, pfn_t f, struct page_cache *src, bool spec,
		   vtime_t *t)
{
	struct sim_region *rg = &s->rg[pfn_region(f)];
	uint32_t r = pfn_region(f);
	uint32_t cpu = v ? v->cpu : 0;
	int inc = 1;
	pfn_t p0 = 0, p1 = 0;
	vtime_t start;
	uint64_t cost;

	set_tdx4k(s, f, true);
	if (sim_break_now(s, BREAK_REFCOUNT))
		inc = 2;
	if (!s->cfg.dpamt) {
		ref_change(s, r, inc, spec);
		inv_region(s, r);
		return;
	}
	if (rg->ref && *t >= rg->settle) {
		if (s->cfg.pamt_fast) {
			/* atomic_inc_not_zero(): the pair is there, no lock */
			s->c.pamt_get_fast++;
		} else {
			/* v6 05/11: every get checks the refcount under pamt_lock */
			*t = lock_short(s, *t, *t, &s->c.get_wait);
		}
		ref_change(s, r, inc, spec);
		inv_region(s, r);
		return;
	}
	if (take_pair(s, cpu, src, &p0, &p1, t))
		return;
	if (rg->ref) {
		/*
		 * Another CPU's PAMT.ADD for this region is still in flight (the
		 * refcount reads 0 until it completes): this get allocated a
		 * pair, waits for pamt_lock until the ADD is done, finds the
		 * refcount set on the re-check, increments it and frees the
		 * unused pair (v6 06/11; v4 and v5 re-check the same way).
		 */
		*t = lock_short(s, *t, rg->settle + s->cfg.cost[C_LOCK_HANDOFF], &s->c.get_wait);
		s->c.pamt_add_races++;
		ref_change(s, r, inc, spec);
		hostmem_free_page(s, cpu, p0, t);
		hostmem_free_page(s, cpu, p1, t);
		s->c.pages_free_unused += SIM_PAIR_PAGES;
		inv_region(s, r);
		return;
	}
	/* a REMOVE still in flight holds pamt_lock: the ADD waits for it */
	if (*t < rg->settle)
		s->c.pamt_remove_races++;
	cost = sim_draw_ns(&s->cost_rng, s->cfg.cost[C_PAMT_ADD], s->cfg.add_min, s->cfg.add_max);
	s->c.add_ns_sum += cost;
	s->c.add_ns_max = MAX(s->c.add_ns_max, cost);
	start = cal_acquire_after(&s->pamt_lock, s->now, *t, MAX(*t, rg->settle), cost,
				  s->cfg.cost[C_LOCK_HANDOFF], &s->pamt_ls);
	wait_note(&s->c.get_wait, *t, start);
	install_pair(s, r, p0, p1);
	ref_change(s, r, inc, spec);
	s->c.pamt_add++;
	*t = start + cost;
	rg->settle = *t;
	inv_region(s, r);
}

/* The whole put; pamt_put() (sim_int.h) handles the refcount-only case inline. */
void pamt_put_slow(struct sim *s, struct sim_vcpu *v, pfn_t f, bool spec, vtime_t *t)
{
	uint32_t r = pfn_region(f);
	uint32_t cpu = v ? v->cpu : 0;
	vtime_t start;
	uint64_t cost;
	pfn_t p0, p1;

	set_tdx4k(s, f, false);
	if (!s->cfg.dpamt || s->rg[r].ref > 1) {
		if (s->cfg.dpamt && !s->cfg.pamt_fast) {
			/* v6 05/11: the decrement under pamt_lock */
			*t = lock_short(s, *t, *t, &s->c.put_wait);
		} else if (s->cfg.dpamt) {
			/* atomic_dec_and_lock() not reaching zero: no lock */
			s->c.pamt_put_fast++;
		}
		ref_change(s, r, -1, spec);
		inv_region(s, r);
		return;
	}
	/* an ADD still in flight on the region (a get raced it) ends first */
	cost = sim_draw_ns(&s->cost_rng, s->cfg.cost[C_PAMT_REMOVE], s->cfg.remove_min,
			   s->cfg.remove_max);
	s->c.remove_ns_sum += cost;
	s->c.remove_ns_max = MAX(s->c.remove_ns_max, cost);
	start = cal_acquire_after(&s->pamt_lock, s->now, *t, MAX(*t, s->rg[r].settle), cost,
				  s->cfg.cost[C_LOCK_HANDOFF], &s->pamt_ls);
	wait_note(&s->c.put_wait, *t, start);
	ref_change(s, r, -1, spec);
	*t = start + cost;
	s->rg[r].settle = *t;
	if (sim_break_now(s, BREAK_PAIR)) {
		inv_region(s, r);	/* the pair stays installed: must trip */
		return;
	}
	p0 = s->rg[r].pair[0];
	p1 = s->rg[r].pair[1];
	s->rg[r].pair[0] = s->rg[r].pair[1] = 0;
	s->pairs_installed--;
	s->pamt_pages -= SIM_PAIR_PAGES;
	s->c.pamt_remove++;
	/* free_pamt_array(): tdx_quirk_reset_paddr() then __free_page(), after unlock */
	*t += 2 * s->cfg.cost[C_PAMT_RESET];
	hostmem_free_page(s, cpu, p0, t);
	hostmem_free_page(s, cpu, p1, t);
	inv_region(s, r);
}

void pamt_gift(struct sim *s, pfn_t f)
{
	uint32_t r = pfn_region(f);
	bool was = region_spec(s, r);
	s->rg[r].spec--;
	if (was && !region_spec(s, r))
		s->spec_regions--;
}

void pamt_own_2m(struct sim *s, uint32_t r, bool own)
{
	if (own)
		s->tdx2m[r >> 6] |= 1ull << (r & 63);
	else
		s->tdx2m[r >> 6] &= ~(1ull << (r & 63));
}

/*
 * TDH.MEM.PAGE.DEMOTE with the guest range's pair in R12/R13, then
 * atomic_cmpxchg_release(refcount, 0, PTRS_PER_PMD) (HP-v3 22/24, 23/24). With
 * static PAMT there is no pair: only the bookkeeping.
 */
void pamt_demote(struct sim *s, uint32_t r, const pfn_t pair[2])
{
	pfn_t base = (pfn_t)r * SIM_REGION_PAGES;
	if (s->rg[r].ref)
		inv_fail(s, "refcount: region %u has refcount %u at DEMOTE, expected 0", r, s->rg[r].ref);
	pamt_own_2m(s, r, false);
	for (uint32_t i = 0; i < SIM_REGION_PAGES / 64; i++)
		s->tdx4k[(base >> 6) + i] = ~0ull;
	s->tdx4k_count += SIM_REGION_PAGES;
	s->rg[r].uses += SIM_REGION_PAGES;
	if (s->cfg.dpamt) {
		install_pair(s, r, pair[0], pair[1]);
		s->c.pairs_demote++;
	}
	ref_change(s, r, (int)SIM_REGION_PAGES, false);
	s->c.demotes++;
	inv_region(s, r);
}

uint64_t sim_dpamt_bytes(const struct sim *s)
{
	return s->pairs_installed * SIM_PAIR_BYTES;
}
