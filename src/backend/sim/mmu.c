/*
 * KVM's side: per-vCPU caches topped up before mmu_lock, the mirror S-EPT
 * (root = a TDCS page; non-root pages linked on demand), the fault path, the
 * conversion path (splits of 2M leaves, precise 4K zaps), and TD teardown.
 *
 * Fault (4K), after arch/x86/kvm/mmu/mmu.c and DPAMT v6 09/11:
 *   exit -> mmu_topup_memory_caches() [mirror cache, external spt cache
 *   (sean-v5: each new page PAMT-backed at allocation), pamt cache exact fill]
 *   -> kvm_faultin_pfn() (guest_memfd folio) -> read mmu_lock -> for each
 *   missing non-root level: pop a page, tdx_pamt_get() (link time) + SEPT.ADD
 *   -> tdx_pamt_get(guest page) + AUG -> unlock -> re-entry, guest ACCEPT.
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANGE_PAGES SIM_REGION_PAGES

void cache_init(struct page_cache *c, const char *name, uint32_t cap, bool idle)
{
	c->obj = xcalloc(cap ? cap : 1, sizeof(pfn_t));
	c->cap = cap;
	c->n = 0;
	c->idle = idle;
	c->name = xstrdup(name);
}

void cache_free(struct page_cache *c)
{
	free(c->obj);
	free(c->name);
	c->obj = NULL;
	c->name = NULL;
	c->n = c->cap = 0;
}

void cache_underflow(struct sim *s, struct page_cache *c)
{
	inv_fail(s, "cache underflow: %s is empty", c->name);
}

void cache_overflow(struct page_cache *c)
{
	BUG("cache %s over capacity %u", c->name, c->cap);
}

static inline bool bit_test(const uint64_t *b, uint64_t i)
{
	return b[i >> 6] >> (i & 63) & 1;
}

static inline void bit_set(uint64_t *b, uint64_t i)
{
	b[i >> 6] |= 1ull << (i & 63);
}

static inline void bit_clear(uint64_t *b, uint64_t i)
{
	b[i >> 6] &= ~(1ull << (i & 63));
}

/*
 * Guest-page bitmaps (priv, shared). The vCPUs of a TD fault slices a power
 * of two apart, and every TD's bitmap starts on a page, so with hundreds of
 * vCPUs the words they test on every step would share a few cache sets and
 * evict each other. A cache line of padding after every 4 KiB of words and
 * a per-TD skew of the start spread them over the sets.
 */
#define GBM_BLOCK_WORDS 512u
#define GBM_PAD_WORDS 8u

static inline uint64_t gbm_word(uint64_t w)
{
	return w + w / GBM_BLOCK_WORDS * GBM_PAD_WORDS;
}

/* Word w of a guest-page bitmap (words of one 2M range are contiguous). */
static inline uint64_t *gbm_at(uint64_t *b, uint64_t w)
{
	return &b[gbm_word(w)];
}

static inline bool gbit_test(const uint64_t *b, uint64_t i)
{
	return b[gbm_word(i >> 6)] >> (i & 63) & 1;
}

static inline void gbit_set(uint64_t *b, uint64_t i)
{
	b[gbm_word(i >> 6)] |= 1ull << (i & 63);
}

static inline void gbit_clear(uint64_t *b, uint64_t i)
{
	b[gbm_word(i >> 6)] &= ~(1ull << (i & 63));
}

/* A zeroed bitmap of nbits guest pages for TD id; *mem is what to free. */
static uint64_t *gbm_alloc(uint64_t nbits, uint32_t id, uint64_t **mem)
{
	uint64_t skew = (id % 64) * GBM_PAD_WORDS;
	*mem = xcalloc_huge(gbm_word((nbits + 63) / 64) + GBM_PAD_WORDS + skew, sizeof(uint64_t));
	return *mem + skew;
}

static inline pfn_t alloc_or_fail(struct sim *s, uint32_t cpu, vtime_t *t, const char *what)
{
	pfn_t f = hostmem_alloc_page(s, cpu, t);
	if (!f)
		inv_fail(s, "host out of memory allocating %s (raise host_mem)", what);
	return f;
}

/* ---- mmu_lock: a queued rwlock ------------------------------------------------ */

SIM_HOT vtime_t mmu_read_lock(struct sim *s, struct sim_td *td, vtime_t t)
{
	struct lock_cal *c = &td->mmu_w;
	vtime_t start = t;
	while (c->n && c->e[c->head] <= s->now) {
		c->head++;
		c->n--;
	}
	if (!c->n)
		c->head = 0;
	/* readers queue behind a writer holding or waiting at t */
	for (uint32_t i = 0; i < c->n; i++) {
		if (c->e[c->head + i] <= start)
			continue;
		if (c->s[c->head + i] > start)
			break;
		start = c->e[c->head + i] + s->cfg.cost[C_LOCK_HANDOFF];
	}
	s->mmu_ls.acquired++;
	if (start > t) {
		s->mmu_ls.contended++;
		s->mmu_ls.wait_ns += start - t;
	}
	return start;
}

SIM_HOT void mmu_read_unlock(struct sim_td *td, vtime_t t)
{
	if (t > td->read_busy_until)
		td->read_busy_until = t;
}

static vtime_t mmu_write_lock(struct sim *s, struct sim_td *td, vtime_t t)
{
	vtime_t start = MAX(t, MAX(td->read_busy_until, td->mmu_w.busy_until));
	s->mmu_ls.acquired++;
	s->c.mmu_writes++;
	if (start > t) {
		start += s->cfg.cost[C_LOCK_HANDOFF];
		s->mmu_ls.contended++;
		s->mmu_ls.wait_ns += start - t;
	}
	td->w_start = start;
	return start;
}

static void mmu_write_unlock(struct sim *s, struct sim_td *td, vtime_t t)
{
	struct lock_cal *c = &td->mmu_w;
	while (c->n && c->e[c->head] <= s->now) {
		c->head++;
		c->n--;
	}
	if (!c->n)
		c->head = 0;
	if (c->head + c->n >= c->cap) {
		if (c->head) {
			memmove(c->s, c->s + c->head, c->n * sizeof(*c->s));
			memmove(c->e, c->e + c->head, c->n * sizeof(*c->e));
			c->head = 0;
		}
		if (c->n >= c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->s = xrealloc(c->s, c->cap * sizeof(*c->s));
			c->e = xrealloc(c->e, c->cap * sizeof(*c->e));
		}
	}
	c->s[c->head + c->n] = td->w_start;
	c->e[c->head + c->n] = t;
	c->n++;
	c->busy_until = t;
}

/* ---- caches ------------------------------------------------------------------- */

/* __kvm_mmu_topup_memory_cache(): below min, refill to capacity (or to min). */
static __attribute__((noinline)) void refill_kvm_cache(struct sim *s, struct sim_vcpu *v,
						       struct page_cache *c, bool tdx, vtime_t *t)
{
	uint32_t target, got = 0;
	target = s->cfg.spt_exact ? s->cfg.spt_min : s->cfg.spt_cap;
	while (c->n < target) {
		pfn_t f = alloc_or_fail(s, v->cpu, t, c->name);
		if (!f)
			return;
		got++;
		if (tdx) {
			s->c.pages_alloc++;
			/* sean-v5 page_get = tdx_alloc_control_page(): PAMT now, outside mmu_lock */
			if (s->cfg.sept_pamt == SEPT_PAMT_TOPUP && s->cfg.dpamt)
				pamt_get(s, v, f, NULL, true, t);
		}
		cache_push(s, c, f);
	}
	if (tdx && got)
		s->c.topups++;
}

/* Most faults find the cache above min: the test inline, the refill not. */
static inline void topup_kvm_cache(struct sim *s, struct sim_vcpu *v, struct page_cache *c,
				   bool tdx, vtime_t *t)
{
	if (c->n < s->cfg.spt_min)
		refill_kvm_cache(s, v, c, tdx, t);
}

/* tdx_topup_pamt_cache(): while (cnt < npages) alloc_page() -- exact fill. */
static __attribute__((noinline)) void refill_pages(struct sim *s, struct sim_vcpu *v,
						   struct page_cache *c, uint32_t fill, vtime_t *t)
{
	uint32_t got = 0;
	while (c->n < fill) {
		pfn_t f = alloc_or_fail(s, v->cpu, t, c->name);
		if (!f)
			return;
		s->c.pages_alloc++;
		got++;
		cache_push(s, c, f);
	}
	if (got)
		s->c.topups++;
	if (c->n > s->c.pamt_cache_fill_max)
		s->c.pamt_cache_fill_max = c->n;
}

static inline void topup_pages(struct sim *s, struct sim_vcpu *v, struct page_cache *c,
			       uint32_t need, uint32_t fill, vtime_t *t)
{
	if (c->n < need)
		refill_pages(s, v, c, fill, t);
}

SIM_HOT void topup(struct sim *s, struct sim_vcpu *v, vtime_t *t)
{
	const struct sim_cfg *cfg = &s->cfg;
	if (cfg->mirror_cache)
		topup_kvm_cache(s, v, &v->mirror, false, t);
	if (cfg->pamt_cache == PCACHE_COMBINED) {
		/* v4 tdx_topup_external_fault_cache(): S-EPT pages and pairs in one list */
		if (cfg->dpamt)
			topup_pages(s, v, &v->pamt, cfg->combined_fill, cfg->combined_fill, t);
		else
			topup_kvm_cache(s, v, &v->spt, true, t);
		return;
	}
	topup_kvm_cache(s, v, &v->spt, true, t);
	if (cfg->dpamt && cfg->pamt_cache == PCACHE_SEPARATE) {
		uint32_t need = cfg->pamt_pairs * SIM_PAIR_PAGES;
		uint32_t fill = cfg->pamt_exact ? need : cfg->pamt_cap * SIM_PAIR_PAGES;
		if (sim_break_now(s, BREAK_UNDERFLOW))
			return;
		topup_pages(s, v, &v->pamt, need, MAX(need, fill), t);
	}
}

void mmu_topup(struct sim *s, struct sim_vcpu *v, vtime_t *t)
{
	topup(s, v, t);
}

static struct page_cache *sept_source(struct sim *s, struct sim_vcpu *v)
{
	return s->cfg.dpamt && s->cfg.pamt_cache == PCACHE_COMBINED ? &v->pamt : &v->spt;
}

/* ---- the mirror S-EPT ------------------------------------------------------- */

static inline uint64_t level_index(uint64_t gfn, int level)
{
	return gfn >> (9 * level);
}

/* Link every missing non-root table from the top down to `bottom` (1: a 4K leaf, 2: 2M). */
static void link_tables(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t gfn,
			int bottom, vtime_t *t)
{
	/*
	 * Tables are linked top down and unlinked only at teardown, so a present
	 * table at `bottom` means the whole path is there: the usual case, one
	 * load instead of a walk.
	 */
	if (td->ext[bottom][level_index(gfn, bottom)])
		return;
	for (int lv = s->cfg.ept_levels - 1; lv >= bottom; lv--) {
		uint64_t idx = level_index(gfn, lv);
		pfn_t ext, mir = 0;
		if (td->ext[lv][idx])
			continue;
		if (cache_pop(s, sept_source(s, v), &ext))
			return;
		if (s->cfg.mirror_cache && cache_pop(s, &v->mirror, &mir))
			return;
		if (s->cfg.dpamt && s->cfg.sept_pamt == SEPT_PAMT_TOPUP)
			pamt_gift(s, ext);	/* its PAMT ref was taken at top-up */
		else
			pamt_get(s, v, ext, &v->pamt, false, t);
		*t += s->cfg.cost[C_SEPT_ADD];
		td->ext[lv][idx] = ext;
		td->mir[lv][idx] = mir;
		s->c.sept_pages++;
		if (lv == 1 && s->cfg.dpamt && s->cfg.leaf_pair == LEAF_PAIR_SP) {
			/* kai-sp: the last-level SP carries a pair for its 2M guest range */
			pfn_t p0, p1;
			if (cache_pop(s, &v->pamt, &p0) || cache_pop(s, &v->pamt, &p1))
				return;
			td->carried[idx][0] = p0;
			td->carried[idx][1] = p1;
			cache_idle_add(s, SIM_PAIR_PAGES);
		}
	}
}

static inline pfn_t frame_of(const struct sim_td *td, uint64_t gfn)
{
	pfn_t folio = td->folio[gfn / RANGE_PAGES];
	return folio ? folio + (pfn_t)(gfn % RANGE_PAGES) : gmap_get(td, gfn);
}

static pfn_t gmem_folio_2m(struct sim *s, struct sim_td *td, uint64_t range, vtime_t *t)
{
	if (!td->folio[range]) {
		pfn_t f = hostmem_alloc_block(s, SIM_REGION_ORDER);
		if (!f) {
			inv_fail(s, "host out of memory allocating a 2M guest folio (raise host_mem)");
			return 0;
		}
		*t += s->cfg.cost[C_GMEM_2M];
		td->folio[range] = f;
	}
	return td->folio[range];
}

/* kvm_gmem_get_pfn(): the host frame behind a guest 4K page. */
static pfn_t gmem_pfn(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t gfn, vtime_t *t)
{
	pfn_t f;
	if (s->cfg.folio == FOLIO_2M) {
		f = gmem_folio_2m(s, td, gfn / RANGE_PAGES, t);
		return f ? f + (pfn_t)(gfn % RANGE_PAGES) : 0;
	}
	f = alloc_or_fail(s, v->cpu, t, "a 4K guest folio");
	*t += s->cfg.cost[C_GMEM_4K];
	if (f)
		gmap_set(td, gfn, f);
	return f;
}

/* Where the pair for a guest 4K page comes from when its region has none. */
static struct page_cache *leaf_pair_source(struct sim *s, struct sim_vcpu *v, struct sim_td *td,
					   uint64_t gfn, pfn_t frame)
{
	uint64_t range = gfn / RANGE_PAGES;
	if (s->cfg.leaf_pair == LEAF_PAIR_SP && s->cfg.dpamt && !s->rg[pfn_region(frame)].ref &&
	    td->carried[range][0]) {
		cache_idle_add(s, -SIM_PAIR_PAGES);
		cache_push(s, &s->scratch, td->carried[range][0]);
		cache_push(s, &s->scratch, td->carried[range][1]);
		td->carried[range][0] = td->carried[range][1] = 0;
		return &s->scratch;
	}
	return &v->pamt;
}

static void record_fault(struct sim *s, vtime_t lat)
{
	hist_add(s->fault_hist, lat);
	s->c.faults++;
}

static void fault_4k(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t gfn)
{
	vtime_t t0 = v->t, t = t0 + s->cfg.cost[C_EXIT] + s->cfg.cost[C_FAULT_SW];
	pfn_t frame;

	topup(s, v, &t);
	frame = gmem_pfn(s, v, td, gfn, &t);
	if (s->failed)
		return;
	t = mmu_read_lock(s, td, t);
	/*
	 * Tables are only unlinked at teardown, so a range this vCPU saw linked
	 * stays linked: its next 511 faults skip even the one-load check (the
	 * ext[1] entries of hundreds of vCPUs' slices alias in the caches).
	 */
	if (v->linked_range != gfn / RANGE_PAGES + 1) {
		link_tables(s, v, td, gfn, 1, &t);
		if (s->failed)
			return;
		v->linked_range = gfn / RANGE_PAGES + 1;
	}
	pamt_get(s, v, frame, leaf_pair_source(s, v, td, gfn, frame), false, &t);
	t += s->cfg.cost[C_AUG];
	gbit_set(td->priv, gfn);
	mmu_read_unlock(td, t);
	record_fault(s, t - t0);
	v->t = t + s->cfg.cost[C_ACCEPT_4K];
}

static bool can_map_2m(const struct sim *s, const struct sim_td *td, uint64_t range)
{
	uint64_t w = range * (RANGE_PAGES / 64);
	if (!s->cfg.huge || s->cfg.folio != FOLIO_2M || bit_test(td->leaf2m, range) || td->ext[1][range])
		return false;
	for (unsigned i = 0; i < RANGE_PAGES / 64; i++)
		if (*gbm_at(td->priv, w + i) || *gbm_at(td->shared, w + i))
			return false;
	return true;
}

static void fault_2m(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t range)
{
	vtime_t t0 = v->t, t = t0 + s->cfg.cost[C_EXIT] + s->cfg.cost[C_FAULT_SW];
	pfn_t folio;

	topup(s, v, &t);
	folio = gmem_folio_2m(s, td, range, &t);
	if (!folio)
		return;
	t = mmu_read_lock(s, td, t);
	link_tables(s, v, td, range * RANGE_PAGES, 2, &t);
	if (s->failed)
		return;
	/* a 2M leaf uses the static PAMT_2M entry: no pair, no refcount */
	t += s->cfg.cost[C_AUG];
	pamt_own_2m(s, pfn_region(folio), true);
	bit_set(td->leaf2m, range);
	td->ever_leaf2m = true;
	mmu_read_unlock(td, t);
	record_fault(s, t - t0);
	s->c.faults_2m++;
	v->t = t + s->cfg.cost[C_ACCEPT_2M];
}

static void fault_split(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t range);

/*
 * accept: the guest accepts the unit (a fault phase); else it only touches
 * memory it accepted before (a rewrite), which faults only where a page was
 * zapped and never splits.
 */
static void fault_range(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit, bool accept)
{
	struct sim_td *td = v->td;
	uint64_t gfn = gpa >> SIM_PAGE_SHIFT, n = unit >> SIM_PAGE_SHIFT;

	if (n == RANGE_PAGES && !(gfn % RANGE_PAGES)) {
		uint64_t range = gfn / RANGE_PAGES;
		if (bit_test(td->leaf2m, range))
			return;
		if (can_map_2m(s, td, range)) {
			fault_2m(s, v, td, range);
			return;
		}
		/* the 2M accept fails with a size mismatch; the guest accepts 4K by 4K */
	}
	for (uint64_t i = 0; i < n && !s->failed; i++) {
		uint64_t g = gfn + i;
		if (td->ever_leaf2m && bit_test(td->leaf2m, g / RANGE_PAGES)) {
			/*
			 * A 4K accept inside a 2M leaf: the TDX module reports the
			 * size mismatch and KVM splits the leaf on the fault path
			 * (HP v3); the split maps all 512 pages at 4K.
			 */
			if (accept && s->cfg.huge)
				fault_split(s, v, td, g / RANGE_PAGES);
			continue;
		}
		if (gbit_test(td->priv, g) || (td->ever_shared && gbit_test(td->shared, g)))
			continue;
		fault_4k(s, v, td, g);
	}
}

void mmu_fault(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit)
{
	fault_range(s, v, gpa, unit, true);
}

void mmu_rewrite(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit)
{
	fault_range(s, v, gpa, unit, false);
}

void mmu_shared_touch(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit)
{
	uint64_t n = unit >> SIM_PAGE_SHIFT;
	v->t += n * s->cfg.cost[C_SHARED_FAULT];
	s->c.shared_faults += n;
}

/* ---- conversions: split and zap ------------------------------------------- */

static uint32_t split_cache_take(struct sim *s, struct sim_td *td, vtime_t *t)
{
	/* prealloc_split_cache_lock around the dequeue */
	vtime_t start = cal_acquire(&td->split_lock, s->now, *t, s->cfg.cost[C_SPIN],
				    s->cfg.cost[C_LOCK_HANDOFF], &s->split_ls);
	*t = start + s->cfg.cost[C_SPIN];
	return td->split_cache.n;
}

/* hp-v3 topup_external_per_vm_split_cache(): allocate, then enqueue under the spinlock. */
static void split_cache_topup(struct sim *s, struct sim_vcpu *v, struct sim_td *td, vtime_t *t)
{
	uint32_t want = s->cfg.split_pages, got = 0;
	pfn_t tmp[64];
	want = MIN(want, (uint32_t)ARRAY_SIZE(tmp));
	while (td->split_cache.n + got < want) {
		pfn_t f = alloc_or_fail(s, v->cpu, t, "the per-VM split cache");
		if (!f)
			return;
		tmp[got++] = f;
	}
	if (!got)
		return;
	split_cache_take(s, td, t);
	for (uint32_t i = 0; i < got; i++)
		cache_push(s, &td->split_cache, tmp[i]);
	s->c.pages_alloc += got;
	s->c.topups++;
}

/*
 * kvm_split_cross_boundary_leafs() for one 2M private leaf, write mmu_lock
 * held on entry and exit (HP-v3 cover call stack; SEAN-v5 44/45).
 */
static void split_2m(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t range, vtime_t *t)
{
	const struct sim_cfg *cfg = &s->cfg;
	pfn_t ext, mir = 0, pair[2] = { 0, 0 }, folio = td->folio[range];
	uint32_t before;
	bool pamt_at_alloc = cfg->dpamt && (cfg->split == SPLIT_MUTEX || cfg->split == SPLIT_SP);

	/* 1) tdp_mmu_alloc_sp_for_split(): mmu_lock dropped for GFP_KERNEL */
	mmu_write_unlock(s, td, *t);
	ext = alloc_or_fail(s, v->cpu, t, "an S-EPT page for a split");
	if (cfg->mirror_cache && ext)
		mir = alloc_or_fail(s, v->cpu, t, "a mirror page for a split");
	if (s->failed)
		return;
	s->c.pages_alloc++;
	if (pamt_at_alloc)
		pamt_get(s, v, ext, NULL, true, t);	/* tdx_alloc_control_page() */
	if (cfg->dpamt && cfg->split == SPLIT_SP) {
		/* kai-sp: the new last-level SP comes with the pair for its guest range */
		pair[0] = alloc_or_fail(s, v->cpu, t, "a carried pair");
		pair[1] = pair[0] ? alloc_or_fail(s, v->cpu, t, "a carried pair") : 0;
		if (s->failed)
			return;
		s->c.pages_alloc += SIM_PAIR_PAGES;
		cache_idle_add(s, SIM_PAIR_PAGES);
	}
	*t = mmu_write_lock(s, td, *t);

	/* 2) hp-v3: need_topup -> drop mmu_lock, top up, retake, re-check */
	if (cfg->dpamt && cfg->split == SPLIT_SPINLOCK) {
		while (td->split_cache.n < cfg->split_pages && !s->failed) {
			mmu_write_unlock(s, td, *t);
			split_cache_topup(s, v, td, t);
			*t = mmu_write_lock(s, td, *t);
			s->c.split_retries++;
		}
	}
	if (s->failed)
		return;

	/* 3) BLOCK, TRACK, PAMT for the new S-EPT page, DEMOTE with the guest pair */
	*t += cfg->cost[C_BLOCK] + cfg->cost[C_TRACK];
	td->ext[1][range] = ext;
	td->mir[1][range] = mir;
	s->c.sept_pages++;
	switch (cfg->dpamt ? cfg->split : SPLIT_NONE) {
	case SPLIT_SPINLOCK:
		split_cache_take(s, td, t);
		before = td->split_cache.n;
		pamt_get(s, v, ext, &td->split_cache, false, t);
		if (!cache_pop(s, &td->split_cache, &pair[0]))
			cache_pop(s, &td->split_cache, &pair[1]);
		s->c.split_cache_pages += before - td->split_cache.n;
		break;
	case SPLIT_MUTEX:
		pamt_gift(s, ext);
		before = td->split_cache.n;
		if (!cache_pop(s, &td->split_cache, &pair[0]))
			cache_pop(s, &td->split_cache, &pair[1]);
		s->c.split_cache_pages += before - td->split_cache.n;
		break;
	case SPLIT_SP:
		pamt_gift(s, ext);
		cache_idle_add(s, -SIM_PAIR_PAGES);
		break;
	case SPLIT_NONE:
		pamt_get(s, v, ext, NULL, false, t);	/* static PAMT: bookkeeping only */
		break;
	}
	if (s->failed)
		return;
	pamt_demote(s, pfn_region(folio), pair);
	*t += cfg->cost[C_DEMOTE];
	bit_clear(td->leaf2m, range);
	for (unsigned i = 0; i < RANGE_PAGES / 64; i++)
		*gbm_at(td->priv, range * (RANGE_PAGES / 64) + i) = ~0ull;
	s->c.splits++;
}

/* tdx_sept_remove_private_spte(): BLOCK, TRACK, PAGE.REMOVE, then the put. */
static void zap_4k(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t gfn, vtime_t *t)
{
	pfn_t frame = frame_of(td, gfn);
	*t += s->cfg.cost[C_BLOCK] + s->cfg.cost[C_TRACK] + s->cfg.cost[C_PAGE_REMOVE];
	pamt_put(s, v, frame, false, t);
	gbit_clear(td->priv, gfn);
	s->c.zaps++;
	if (!td->folio[gfn / RANGE_PAGES]) {
		/* a 4K folio is punched out of guest_memfd; a 2M folio stays (in-place) */
		hostmem_free_page(s, v->cpu, frame, t);
		gmap_clear(td, gfn);
	}
}

/*
 * sean-v5: tdp_mmu_external_cache_lock is taken before mmu_lock and the
 * per-VM cache topped up (1 pair) under it. *mutex: taken (release it with
 * td->split_lock.busy_until after mmu_lock). -1 when the host ran out.
 */
static int split_mutex_prepare(struct sim *s, struct sim_vcpu *v, struct sim_td *td, vtime_t *t,
			       bool *mutex)
{
	vtime_t start;
	uint32_t got = 0;

	if (!s->cfg.dpamt || s->cfg.split != SPLIT_MUTEX)
		return 0;
	start = MAX(*t, td->split_lock.busy_until);
	s->split_ls.acquired++;
	if (start > *t) {
		start += s->cfg.cost[C_LOCK_HANDOFF];
		s->split_ls.contended++;
		s->split_ls.wait_ns += start - *t;
	}
	*t = start;
	*mutex = true;
	while (td->split_cache.n < s->cfg.split_pages) {
		pfn_t f = alloc_or_fail(s, v->cpu, t, "the per-VM PAMT cache");
		if (!f)
			return -1;
		cache_push(s, &td->split_cache, f);
		got++;
	}
	if (got) {
		s->c.pages_alloc += got;
		s->c.topups++;
	}
	return 0;
}

/*
 * A 4K accept in a 2M leaf: split it on the fault path (HP v3). A fault has
 * its vCPU, so the split takes the new S-EPT page and the pairs from the
 * vCPU's caches, topped up before write mmu_lock like any fault's (a split
 * needs at most 1 S-EPT page and 2 pairs, within every preset's top-up):
 * no dropping of mmu_lock and no per-VM cache, which exist for the vCPU-less
 * conversion path. Interpretation: the posted series split on conversion;
 * how a fault-path split sources its pages is not spelled out.
 */
static void fault_split(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t range)
{
	const struct sim_cfg *cfg = &s->cfg;
	vtime_t t0 = v->t, t = t0 + cfg->cost[C_EXIT] + cfg->cost[C_FAULT_SW];
	pfn_t ext, mir = 0, pair[2] = { 0, 0 };

	topup(s, v, &t);
	t = mmu_write_lock(s, td, t);
	if (cache_pop(s, sept_source(s, v), &ext) ||
	    (cfg->mirror_cache && cache_pop(s, &v->mirror, &mir)))
		return;
	t += cfg->cost[C_BLOCK] + cfg->cost[C_TRACK];
	td->ext[1][range] = ext;
	td->mir[1][range] = mir;
	s->c.sept_pages++;
	if (!cfg->dpamt) {
		pamt_get(s, v, ext, NULL, false, &t);	/* static PAMT: bookkeeping only */
	} else {
		if (cfg->sept_pamt == SEPT_PAMT_TOPUP)
			pamt_gift(s, ext);		/* its PAMT ref was taken at top-up */
		else
			pamt_get(s, v, ext, &v->pamt, false, &t);
		if (!cache_pop(s, &v->pamt, &pair[0]))
			cache_pop(s, &v->pamt, &pair[1]);
	}
	if (s->failed)
		return;
	pamt_demote(s, pfn_region(td->folio[range]), pair);
	t += cfg->cost[C_DEMOTE];
	bit_clear(td->leaf2m, range);
	for (unsigned i = 0; i < RANGE_PAGES / 64; i++)
		*gbm_at(td->priv, range * (RANGE_PAGES / 64) + i) = ~0ull;
	s->c.splits++;
	s->c.fault_splits++;
	mmu_write_unlock(s, td, t);
	record_fault(s, t - t0);
	v->t = t + cfg->cost[C_ACCEPT_4K];
}

static void convert_one(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit,
			bool to_shared);

void mmu_convert(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit, bool to_shared)
{
	vtime_t t0 = v->t;
	convert_one(s, v, gpa, unit, to_shared);
	if (!s->failed)
		hist_add(s->convert_hist, v->t - t0);
}

static void convert_one(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit,
			bool to_shared)
{
	struct sim_td *td = v->td;
	uint64_t gfn = gpa >> SIM_PAGE_SHIFT, n = unit >> SIM_PAGE_SHIFT;
	uint64_t range = gfn / RANGE_PAGES;
	vtime_t t = v->t + s->cfg.cost[C_CONVERT];
	bool split = false, mutex = false;

	s->c.conversions++;
	if (!to_shared) {
		/* shared->private: attributes only; the guest's accept re-faults at 4K (no PROMOTE) */
		for (uint64_t i = 0; i < n; i++)
			gbit_clear(td->shared, gfn + i);
		v->t = t;
		return;
	}
	split = bit_test(td->leaf2m, range) && n < RANGE_PAGES;
	if (split && split_mutex_prepare(s, v, td, &t, &mutex))
		return;
	t = mmu_write_lock(s, td, t);
	if (split)
		split_2m(s, v, td, range, &t);
	if (!s->failed) {
		if (bit_test(td->leaf2m, range) && n == RANGE_PAGES && !(gfn % RANGE_PAGES)) {
			/* the whole 2M leaf goes: no pair involved */
			t += s->cfg.cost[C_BLOCK] + s->cfg.cost[C_TRACK] + s->cfg.cost[C_PAGE_REMOVE];
			pamt_own_2m(s, pfn_region(td->folio[range]), false);
			bit_clear(td->leaf2m, range);
			s->c.zaps++;
		} else {
			for (uint64_t i = 0; i < n && !s->failed; i++)
				if (gbit_test(td->priv, gfn + i))
					zap_4k(s, v, td, gfn + i, &t);
		}
		for (uint64_t i = 0; i < n; i++)
			gbit_set(td->shared, gfn + i);
		td->ever_shared = true;
	}
	mmu_write_unlock(s, td, t);
	if (mutex)
		td->split_lock.busy_until = t;
	v->t = t;
}

/* ---- TD lifetime ------------------------------------------------------------ */

static pfn_t control_page(struct sim *s, struct sim_vcpu *v, uint32_t cpu, vtime_t *t)
{
	/* tdx_alloc_control_page(): alloc_page() + tdx_pamt_get(page, NULL) */
	pfn_t f = alloc_or_fail(s, cpu, t, "a TDX control page");
	if (f)
		pamt_get(s, v, f, NULL, false, t);
	return f;
}

static void control_page_free(struct sim *s, struct sim_vcpu *v, uint32_t cpu, pfn_t f, vtime_t *t)
{
	*t += s->cfg.cost[C_RECLAIM];
	pamt_put(s, v, f, false, t);
	hostmem_free_page(s, cpu, f, t);
}

int td_create(struct sim *s, struct sim_td *td, uint32_t id, uint64_t mem, uint32_t nvcpus,
	      uint32_t cpu_base, vtime_t *t)
{
	const struct sim_cfg *cfg = &s->cfg;
	char name[40];

	memset(td, 0, sizeof(*td));
	td->id = id;
	td->mem = mem;
	td->npages = mem >> SIM_PAGE_SHIFT;
	td->nranges = td->npages / RANGE_PAGES;
	td->nvcpus = nvcpus;
	gmap_init(td);
	td->priv = gbm_alloc(td->npages, id, &td->priv_mem);
	td->shared = gbm_alloc(td->npages, id, &td->shared_mem);
	td->leaf2m = xcalloc((td->nranges + 63) / 64, sizeof(uint64_t));
	td->folio = xcalloc(td->nranges, sizeof(pfn_t));
	td->carried = xcalloc(td->nranges, sizeof(*td->carried));
	for (int lv = 1; lv < cfg->ept_levels; lv++) {
		td->nidx[lv] = (td->npages >> (9 * lv)) + 1;
		td->ext[lv] = xcalloc(td->nidx[lv], sizeof(pfn_t));
		td->mir[lv] = xcalloc(td->nidx[lv], sizeof(pfn_t));
	}
	snprintf(name, sizeof(name), "split cache of TD %u", id);
	cache_init(&td->split_cache, name, MAX(cfg->split_pages, 2u) + 2, true);
	td->vcpus = xcalloc(nvcpus, sizeof(*td->vcpus));

	/* KVM_TDX_INIT_VM: TDR and TDCS (one of which is the S-EPT root) */
	*t += cfg->cost[C_TD_CREATE];
	td->tdr = control_page(s, NULL, cpu_base % s->ncpus, t);
	td->tdcs = xcalloc(cfg->tdcs_pages, sizeof(pfn_t));
	for (uint32_t i = 0; i < cfg->tdcs_pages && !s->failed; i++)
		td->tdcs[i] = control_page(s, NULL, cpu_base % s->ncpus, t);

	for (uint32_t i = 0; i < nvcpus && !s->failed; i++) {
		struct sim_vcpu *v = &td->vcpus[i];
		uint32_t pcap = cfg->pamt_cache == PCACHE_COMBINED ? cfg->combined_fill
				: MAX(cfg->pamt_pairs, cfg->pamt_cap) * SIM_PAIR_PAGES;
		v->td = td;
		v->idx = i;
		v->cpu = (cpu_base + i) % s->ncpus;
		snprintf(name, sizeof(name), "mirror cache of TD %u vCPU %u", id, i);
		cache_init(&v->mirror, name, MAX(cfg->spt_cap, cfg->spt_min), false);
		snprintf(name, sizeof(name), "spt cache of TD %u vCPU %u", id, i);
		cache_init(&v->spt, name, MAX(cfg->spt_cap, cfg->spt_min), true);
		snprintf(name, sizeof(name), "%s of TD %u vCPU %u",
			 cfg->pamt_cache == PCACHE_COMBINED ? "prealloc list" : "pamt cache", id, i);
		cache_init(&v->pamt, name, pcap, true);
		/* KVM_CREATE_VCPU + KVM_TDX_INIT_VCPU: TDVPR + TDCX */
		*t += cfg->cost[C_VCPU_CREATE];
		v->ctrl = xcalloc(cfg->tdvps_pages, sizeof(pfn_t));
		for (uint32_t k = 0; k < cfg->tdvps_pages && !s->failed; k++)
			v->ctrl[k] = control_page(s, v, v->cpu, t);
	}
	return s->failed ? -1 : 0;
}

uint64_t td_teardown_units(const struct sim_td *td)
{
	return td->nvcpus + td->nranges + 1;
}

/* kvm_mmu_free_memory_cache(): leftovers; sean-v5's page_free puts their PAMT. */
static void free_cache(struct sim *s, struct sim_vcpu *v, struct page_cache *c, bool spec_refs,
		       bool unused, uint32_t cpu, vtime_t *t)
{
	pfn_t f;
	while (c->n) {
		cache_pop(s, c, &f);
		if (spec_refs)
			pamt_put(s, v, f, true, t);
		hostmem_free_page(s, cpu, f, t);
		if (unused)
			s->c.pages_free_unused++;
	}
}

static void teardown_vcpu(struct sim *s, struct sim_vcpu *v, vtime_t *t)
{
	const struct sim_cfg *cfg = &s->cfg;
	bool spec = cfg->dpamt && cfg->sept_pamt == SEPT_PAMT_TOPUP;
	v->linked_range = 0;	/* the tables go next */
	free_cache(s, v, &v->mirror, false, false, v->cpu, t);
	free_cache(s, v, &v->spt, spec, true, v->cpu, t);
	free_cache(s, v, &v->pamt, false, true, v->cpu, t);
	for (uint32_t k = 0; k < cfg->tdvps_pages; k++)
		if (v->ctrl[k])
			control_page_free(s, v, v->cpu, v->ctrl[k], t);
	memset(v->ctrl, 0, cfg->tdvps_pages * sizeof(pfn_t));
}

static void teardown_sept_page(struct sim *s, struct sim_vcpu *v, pfn_t ext, pfn_t mir, vtime_t *t)
{
	struct sim_td *td = v->td;
	if (ext && s->cfg.sept_free_rcu && s->cfg.dpamt) {
		/* sean-v5: reclaimed now; the put and the free wait for the RCU callback */
		*t += s->cfg.cost[C_RECLAIM];
		if (td->nrcu == td->rcu_cap) {
			td->rcu_cap = td->rcu_cap ? 2 * td->rcu_cap : 64;
			td->rcu = xrealloc(td->rcu, td->rcu_cap * sizeof(*td->rcu));
		}
		td->rcu[td->nrcu++] = ext;
		if (td->nrcu > s->c.rcu_deferred_peak)
			s->c.rcu_deferred_peak = td->nrcu;
	} else if (ext) {
		*t += s->cfg.cost[C_RECLAIM];
		pamt_put(s, v, ext, false, t);
		hostmem_free_page(s, v->cpu, ext, t);
	}
	if (mir)
		hostmem_free_page(s, v->cpu, mir, t);
}

static void teardown_range(struct sim *s, struct sim_vcpu *v, struct sim_td *td, uint64_t range,
			   vtime_t *t)
{
	const struct sim_cfg *cfg = &s->cfg;
	uint64_t w0 = range * (RANGE_PAGES / 64);
	pfn_t folio = td->folio[range], frames[RANGE_PAGES];
	bool kept = false;

	if (bit_test(td->leaf2m, range)) {
		*t += cfg->cost[C_RECLAIM];
		pamt_own_2m(s, pfn_region(folio), false);
		bit_clear(td->leaf2m, range);
	}
	/* the range's frames at once: a run lookup and a run split per page cost more */
	if (!folio)
		gmap_range_frames(&td->gmap[range], frames);
	for (unsigned wi = 0; wi < RANGE_PAGES / 64; wi++) {
		uint64_t bits = *gbm_at(td->priv, w0 + wi);
		while (bits) {
			uint32_t off = wi * 64 + (uint32_t)__builtin_ctzll(bits);
			pfn_t frame = folio ? folio + off : frames[off];
			bits &= bits - 1;
			if (sim_break_now(s, BREAK_TEARDOWN)) {
				kept = true;
				continue;	/* forget this page: must trip the teardown check */
			}
			*t += cfg->cost[C_RECLAIM];
			pamt_put(s, v, frame, false, t);
			gbit_clear(td->priv, range * RANGE_PAGES + off);
			if (!folio)
				hostmem_free_page(s, v->cpu, frame, t);
		}
	}
	if (!folio) {
		/* every mapped page was private and is gone, but for a forgotten one */
		gmap_range_reset(&td->gmap[range]);
		for (uint32_t off = 0; kept && off < RANGE_PAGES; off++)
			if (gbit_test(td->priv, range * RANGE_PAGES + off))
				gmap_set(td, range * RANGE_PAGES + off, frames[off]);
	}
	if (folio && !s->failed) {
		hostmem_free_block(s, folio, SIM_REGION_ORDER);
		*t += cfg->cost[C_PAGE_FREE];
		td->folio[range] = 0;
	}
	if (td->carried[range][0]) {
		for (int k = 0; k < SIM_PAIR_PAGES; k++)
			hostmem_free_page(s, v->cpu, td->carried[range][k], t);
		cache_idle_add(s, -SIM_PAIR_PAGES);
		s->c.pages_free_unused += SIM_PAIR_PAGES;
		td->carried[range][0] = td->carried[range][1] = 0;
	}
	if (td->nidx[1] > range) {
		teardown_sept_page(s, v, td->ext[1][range], td->mir[1][range], t);
		td->ext[1][range] = td->mir[1][range] = 0;
	}
}

/*
 * The RCU callbacks of the TD's deferred S-EPT frees, a grace period after
 * its last S-EPT page was reclaimed, in softirq: each drops the page's PAMT
 * reference, and a 1->0 takes pamt_lock there -- the {SOFTIRQ-ON-W} ->
 * {IN-SOFTIRQ-W} lockdep report (Yan Zhao, 2026-02-06, aYW5CbUvZrLogsWF).
 * Asynchronous: the destroying thread does not wait for them. Processed
 * here, at the TD's last teardown step: the pairs they hold stay installed
 * until then, which is the peak the deferral adds.
 */
static void rcu_callbacks(struct sim *s, struct sim_vcpu *v, struct sim_td *td, vtime_t t)
{
	vtime_t tc = t + s->cfg.cost[C_RCU_GRACE];
	for (uint64_t i = 0; i < td->nrcu; i++) {
		uint64_t before = s->pamt_ls.acquired;
		pamt_put(s, v, td->rcu[i], false, &tc);
		s->c.pamt_lock_softirq += s->pamt_ls.acquired - before;
		hostmem_free_page(s, v->cpu, td->rcu[i], &tc);
	}
	td->nrcu = 0;
}

void td_teardown_unit(struct sim *s, struct sim_td *td, uint64_t unit, vtime_t *t)
{
	const struct sim_cfg *cfg = &s->cfg;
	struct sim_vcpu *v0 = &td->vcpus[0];

	if (unit < td->nvcpus) {
		teardown_vcpu(s, &td->vcpus[unit], t);
		return;
	}
	unit -= td->nvcpus;
	if (unit < td->nranges) {
		teardown_range(s, v0, td, unit, t);
		return;
	}
	/* the last level-1 table (past the test memory) and the upper levels */
	for (int lv = 1; lv < cfg->ept_levels; lv++) {
		for (uint64_t i = 0; i < td->nidx[lv]; i++) {
			teardown_sept_page(s, v0, td->ext[lv][i], td->mir[lv][i], t);
			td->ext[lv][i] = td->mir[lv][i] = 0;
		}
	}
	free_cache(s, v0, &td->split_cache, false, true, v0->cpu, t);
	for (uint32_t i = 0; i < cfg->tdcs_pages; i++)
		if (td->tdcs[i])
			control_page_free(s, v0, v0->cpu, td->tdcs[i], t);
	memset(td->tdcs, 0, cfg->tdcs_pages * sizeof(pfn_t));
	if (td->tdr)
		control_page_free(s, v0, v0->cpu, td->tdr, t);
	td->tdr = 0;
	/* a grace period is longer than the rest of the destroy: the callbacks come last */
	rcu_callbacks(s, v0, td, *t);
	td->torn_down = true;
}

void td_free_state(struct sim_td *td)
{
	for (uint32_t i = 0; td->vcpus && i < td->nvcpus; i++) {
		cache_free(&td->vcpus[i].mirror);
		cache_free(&td->vcpus[i].spt);
		cache_free(&td->vcpus[i].pamt);
		free(td->vcpus[i].ctrl);
	}
	free(td->vcpus);
	gmap_free(td);
	free_huge(td->priv_mem);
	free_huge(td->shared_mem);
	free(td->leaf2m);
	free(td->folio);
	free(td->carried);
	free(td->tdcs);
	for (int lv = 0; lv < 5; lv++) {
		free(td->ext[lv]);
		free(td->mir[lv]);
	}
	cache_free(&td->split_cache);
	free(td->rcu);
	cal_free(&td->mmu_w);
	cal_free(&td->split_lock);
	memset(td, 0, sizeof(*td));
}
