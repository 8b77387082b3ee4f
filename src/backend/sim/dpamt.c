/*
 * The TDX module's Dynamic PAMT as the kernel drives it (DPAMT v6 05/11,
 * 06/11): one refcount per 2 MiB region counting the 4K pages of the region
 * handed to the TDX module; 0->1 installs a pair of pages with
 * TDH.PHYMEM.PAMT.ADD under the global pamt_lock, 1->0 takes it back with
 * PAMT.REMOVE. The v6 fast paths: get is atomic_inc_not_zero() without the
 * lock, put is atomic_dec_and_lock(). The pair is allocated before the lock
 * (from the caller's cache, or the page allocator when there is none).
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

/* The whole get; pamt_get() (sim_int.h) handles the refcount-only case inline. */
void pamt_get_slow(struct sim *s, struct sim_vcpu *v, pfn_t f, struct page_cache *src, bool spec,
		   vtime_t *t)
{
	uint32_t r = pfn_region(f);
	uint32_t cpu = v ? v->cpu : 0;
	int inc = 1;
	pfn_t p0 = 0, p1 = 0;
	vtime_t start;

	set_tdx4k(s, f, true);
	if (sim_break_now(s, BREAK_REFCOUNT))
		inc = 2;
	if (!s->cfg.dpamt) {
		ref_change(s, r, inc, spec);
		inv_region(s, r);
		return;
	}
	if (s->rg[r].ref) {
		/* atomic_inc_not_zero(): the pair is there, no lock */
		ref_change(s, r, inc, spec);
		s->c.pamt_get_fast++;
		inv_region(s, r);
		return;
	}
	/* the pair is allocated before taking pamt_lock */
	if (src) {
		if (cache_pop(s, src, &p0) || cache_pop(s, src, &p1))
			return;
		s->c.pamt_cache_pages_used += SIM_PAIR_PAGES;
	} else {
		p0 = hostmem_alloc_page(s, cpu, t);
		p1 = p0 ? hostmem_alloc_page(s, cpu, t) : 0;
		if (!p1) {
			inv_fail(s, "host out of memory allocating a PAMT pair at t=%llu ns",
				 (unsigned long long)*t);
			return;
		}
		s->c.pages_alloc += SIM_PAIR_PAGES;
	}
	start = cal_acquire(&s->pamt_lock, s->now, *t, s->cfg.cost[C_PAMT_ADD],
			    s->cfg.cost[C_LOCK_HANDOFF], &s->pamt_ls);
	/* re-check under the lock: steps run whole, so nobody got there first */
	install_pair(s, r, p0, p1);
	ref_change(s, r, inc, spec);
	s->c.pamt_add++;
	*t = start + s->cfg.cost[C_PAMT_ADD];
	inv_region(s, r);
}

/* The whole put; pamt_put() (sim_int.h) handles the refcount-only case inline. */
void pamt_put_slow(struct sim *s, struct sim_vcpu *v, pfn_t f, bool spec, vtime_t *t)
{
	uint32_t r = pfn_region(f);
	uint32_t cpu = v ? v->cpu : 0;
	vtime_t start;
	pfn_t p0, p1;

	set_tdx4k(s, f, false);
	if (!s->cfg.dpamt || s->rg[r].ref > 1) {
		/* atomic_dec_and_lock() not reaching zero: no lock */
		ref_change(s, r, -1, spec);
		if (s->cfg.dpamt)
			s->c.pamt_put_fast++;
		inv_region(s, r);
		return;
	}
	start = cal_acquire(&s->pamt_lock, s->now, *t, s->cfg.cost[C_PAMT_REMOVE],
			    s->cfg.cost[C_LOCK_HANDOFF], &s->pamt_ls);
	ref_change(s, r, -1, spec);
	*t = start + s->cfg.cost[C_PAMT_REMOVE];
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
	if (s->cfg.dpamt)
		install_pair(s, r, pair[0], pair[1]);
	ref_change(s, r, (int)SIM_REGION_PAGES, false);
	s->c.demotes++;
	inv_region(s, r);
}

uint64_t sim_dpamt_bytes(const struct sim *s)
{
	return s->pairs_installed * SIM_PAIR_BYTES;
}
