/*
 * The host page allocator, shaped like Linux's where it matters for DPAMT:
 * buddy free lists (orders 0..10) and per-CPU lists for order-0 pages that
 * refill `pcp_batch` pages at once, so consecutive kernel allocations on one
 * CPU come from the same 2 MiB region, and hand back the most recently freed
 * page first. Free blocks of each order live in a hierarchical bitmap and the
 * lowest address is taken first (Linux takes the list head; both give the
 * same locality on a cold host).
 *
 * Layouts: fresh (everything free: a cold host), fragmented (a share of the
 * 4K frames taken at random by other users, in 2 x that share of the regions:
 * a long-running host), sparse (one
 * free frame per region: the crafted worst case in which every 4K page the
 * model allocates sits alone in its region; with 2M guest folios, the whole
 * regions they need are kept free at the top, as a hugepage pool would be).
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hbm_init(struct hbm *b, uint64_t nbits)
{
	uint64_t words;
	memset(b, 0, sizeof(*b));
	b->nbits = nbits;
	do {
		words = (nbits + 63) / 64;
		if (b->nlv == HBM_MAXLV)
			BUG("bitmap too large");
		b->w[b->nlv++] = xcalloc_huge(words ? words : 1, sizeof(uint64_t));
		nbits = words;
	} while (words > 1);
}

void hbm_free(struct hbm *b)
{
	for (uint32_t i = 0; i < b->nlv; i++)
		free_huge(b->w[i]);
	memset(b, 0, sizeof(*b));
}

void hbm_set(struct hbm *b, uint64_t i)
{
	for (uint32_t lv = 0; lv < b->nlv; lv++, i >>= 6) {
		uint64_t *w = &b->w[lv][i >> 6];
		bool was_empty = !*w;
		*w |= 1ull << (i & 63);
		if (!was_empty)
			break;
	}
}

void hbm_clear(struct hbm *b, uint64_t i)
{
	for (uint32_t lv = 0; lv < b->nlv; lv++, i >>= 6) {
		uint64_t *w = &b->w[lv][i >> 6];
		*w &= ~(1ull << (i & 63));
		if (*w)
			break;
	}
}

bool hbm_test(const struct hbm *b, uint64_t i)
{
	return b->w[0][i >> 6] >> (i & 63) & 1;
}

int64_t hbm_first(const struct hbm *b)
{
	uint64_t i = 0;
	if (!b->w[b->nlv - 1][0])
		return -1;
	for (int lv = (int)b->nlv - 1; lv >= 0; lv--)
		i = (i << 6) | (uint64_t)__builtin_ctzll(b->w[lv][i]);
	return (int64_t)i;
}

pfn_t hostmem_alloc_block(struct sim *s, int order)
{
	for (int j = order; j <= SIM_MAX_ORDER; j++) {
		int64_t idx;
		pfn_t f;
		if (!s->nfree_blocks[j])
			continue;
		idx = hbm_first(&s->freeb[j]);
		hbm_clear(&s->freeb[j], (uint64_t)idx);
		s->nfree_blocks[j]--;
		f = (pfn_t)((uint64_t)idx << j);
		/* expand(): the upper halves go back to the free lists */
		while (j > order) {
			j--;
			hbm_set(&s->freeb[j], ((uint64_t)f >> j) + 1);
			s->nfree_blocks[j]++;
		}
		s->free_pages -= 1ull << order;
		return f;
	}
	return 0;
}

void hostmem_free_block(struct sim *s, pfn_t f, int order)
{
	uint64_t idx = (uint64_t)f >> order;
	s->free_pages += 1ull << order;
	while (order < SIM_MAX_ORDER) {
		uint64_t buddy = idx ^ 1;
		if (!hbm_test(&s->freeb[order], buddy))
			break;
		hbm_clear(&s->freeb[order], buddy);
		s->nfree_blocks[order]--;
		idx >>= 1;
		order++;
	}
	hbm_set(&s->freeb[order], idx);
	s->nfree_blocks[order]++;
}

/*
 * `want` order-0 pages into out[], exactly as `want` calls of
 * hostmem_alloc_block(s, 0) would hand them out, but one block at a time: the
 * smallest order j with a free block has nothing free below it, so splitting
 * its lowest block b leaves the pieces of b alone in orders 0..j-1, and the
 * next order-0 allocations walk b, b+1, b+2, ... until b is used up. Taking m
 * pages of b at once and returning the aligned pieces of [b+m, b+2^j) gives
 * the same pages in the same order and the same free blocks, with O(j)
 * bitmap updates instead of O(m).
 */
static uint32_t alloc_run(struct sim *s, pfn_t *out, uint32_t want)
{
	uint32_t got = 0;
	while (got < want) {
		int j = 0;
		uint64_t b, m, end, f;
		while (j <= SIM_MAX_ORDER && !s->nfree_blocks[j])
			j++;
		if (j > SIM_MAX_ORDER)
			break;
		b = (uint64_t)hbm_first(&s->freeb[j]);
		hbm_clear(&s->freeb[j], b);
		s->nfree_blocks[j]--;
		b <<= j;
		m = MIN((uint64_t)(want - got), 1ull << j);
		for (uint64_t i = 0; i < m; i++)
			out[got++] = (pfn_t)(b + i);
		s->free_pages -= m;
		/* the rest of b, as the aligned blocks expand() and the walk leave free */
		end = b + (1ull << j);
		for (f = b + m; f < end;) {
			int k = __builtin_ctzll(f);
			while (f + (1ull << k) > end)
				k--;
			hbm_set(&s->freeb[k], f >> k);
			s->nfree_blocks[k]++;
			f += 1ull << k;
		}
	}
	return got;
}

/* hostmem_alloc_page() found the per-CPU list empty. */
pfn_t hostmem_pcp_refill(struct sim *s, struct pcp *p, vtime_t *t)
{
	/* rmqueue_bulk(): a batch in address order, handed out lowest first */
	pfn_t tmp[1024];
	uint32_t got = alloc_run(s, tmp, MIN(s->cfg.pcp_batch, (uint32_t)ARRAY_SIZE(tmp)));
	for (uint32_t i = got; i > 0; i--)
		p->v[p->n++] = tmp[i - 1];
	*t += s->cfg.cost[C_PCP_REFILL] * got;
	if (!p->n)
		return 0;
	*t += s->cfg.cost[C_PAGE_ALLOC];
	return p->v[--p->n];
}

/*
 * Give the n order-0 pages f[] back to the buddy lists, as n calls of
 * hostmem_free_block(s, f[i], 0) would. Merging leaves every fully free aligned
 * block whole (up to SIM_MAX_ORDER), whatever the order of the frees, so the
 * result depends only on the set of pages: sorted, a run of consecutive
 * frames goes back as its aligned blocks, one merge walk each instead of one
 * per page. (Teardown frees mostly such runs: pages that were handed out in
 * address order from the same per-CPU batch.)
 */
static void free_pages_bulk(struct sim *s, pfn_t *f, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		pfn_t x = f[i];
		uint32_t j = i;
		for (; j > 0 && f[j - 1] > x; j--)
			f[j] = f[j - 1];
		f[j] = x;
	}
	for (uint32_t i = 0; i < n;) {
		uint64_t a = f[i], end;
		uint32_t j = i + 1;
		while (j < n && f[j] == f[j - 1] + 1)
			j++;
		end = (uint64_t)f[j - 1] + 1;
		while (a < end) {
			int k = a ? MIN(__builtin_ctzll(a), SIM_MAX_ORDER) : SIM_MAX_ORDER;
			while (a + (1ull << k) > end)
				k--;
			hostmem_free_block(s, (pfn_t)a, k);
			a += 1ull << k;
		}
		i = j;
	}
}

/* hostmem_free_page() took the per-CPU list above pcp_high. */
void hostmem_pcp_drain(struct sim *s, struct pcp *p)
{
	/* free_pcppages_bulk(): the coldest pages (bottom of the stack) go back */
	uint32_t k = MIN(s->cfg.pcp_batch, p->n);
	pfn_t tmp[1024];
	if (k > ARRAY_SIZE(tmp))
		k = ARRAY_SIZE(tmp);
	memcpy(tmp, p->v, k * sizeof(*tmp));
	free_pages_bulk(s, tmp, k);
	memmove(p->v, p->v + k, (p->n - k) * sizeof(*p->v));
	p->n -= k;
}

uint64_t hostmem_free_total(const struct sim *s)
{
	uint64_t n = s->free_pages;
	for (uint32_t i = 0; i < s->ncpus; i++)
		n += s->pcp[i].n;
	return n;
}

/*
 * The free frames of a dirty region, from frame `first` on: frame f is free
 * when its draw is >= thresh (one draw per frame, in frame order). Freed as
 * the aligned blocks of each run of free frames: buddy merging leaves the
 * same free lists as freeing them one by one, in far fewer bitmap walks.
 */
static void free_region_frames(struct sim *s, pfn_t base, pfn_t first, uint64_t *rng,
			       uint64_t thresh)
{
	uint64_t mask[SIM_REGION_PAGES / 64] = { 0 };
	uint64_t st = *rng;
	/* sim_rand() and mix64() inline: one draw per frame is most of a big host's setup */
	for (pfn_t f = first; f < SIM_REGION_PAGES; f++) {
		uint64_t x = (st += 0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
		if ((x ^ (x >> 31)) >= thresh)
			mask[f >> 6] |= 1ull << (f & 63);
	}
	*rng = st;
	for (uint32_t f = 0; f < SIM_REGION_PAGES;) {
		uint32_t end;
		if (!(mask[f >> 6] >> (f & 63) & 1)) {
			f++;
			continue;
		}
		for (end = f + 1; end < SIM_REGION_PAGES && (mask[end >> 6] >> (end & 63) & 1); end++)
			;
		while (f < end) {
			int k = f ? MIN(__builtin_ctz(f), SIM_REGION_ORDER) : SIM_REGION_ORDER;
			while (f + (1u << k) > end)
				k--;
			hostmem_free_block(s, base + f, k);
			f += 1u << k;
		}
	}
}

int hostmem_init(struct sim *s, char *err, size_t errlen)
{
	const struct sim_cfg *cfg = &s->cfg;
	uint64_t rng = mix64(s->seed ^ 0x686f7374);
	uint64_t frames = (cfg->host_mem >> SIM_PAGE_SHIFT), whole_from;

	frames = (frames + 1023) & ~1023ull;
	if (frames > (1ull << 32)) {
		snprintf(err, errlen, "host_mem=%llu: the model handles at most 16T of host memory",
			 (unsigned long long)cfg->host_mem);
		return -1;
	}
	s->nframes = frames;
	s->nregions = (uint32_t)(frames / SIM_REGION_PAGES);
	for (int k = 0; k < SIM_NR_ORDERS; k++)
		hbm_init(&s->freeb[k], frames >> k);
	s->tdx4k = xcalloc_huge((frames + 63) / 64, sizeof(uint64_t));
	s->tdx2m = xcalloc((s->nregions + 63) / 64, sizeof(uint64_t));
	s->rg = xcalloc_huge(s->nregions, sizeof(*s->rg));
	s->ncpus = cfg->host_cpus;
	s->pcp = xcalloc(s->ncpus, sizeof(*s->pcp));
	for (uint32_t i = 0; i < s->ncpus; i++)
		s->pcp[i].v = xcalloc(cfg->pcp_high + cfg->pcp_batch + 2, sizeof(pfn_t));

	/* sparse: at most half the regions whole, so the layout stays what it says */
	whole_from = s->nregions - MIN(cfg->sparse_whole, s->nregions / 2);
	for (uint64_t r = 0; r < s->nregions; r++) {
		pfn_t base = (pfn_t)(r * SIM_REGION_PAGES);
		switch (cfg->layout) {
		case LAYOUT_FRESH:
			if (r == 0) {
				/* frame 0 stays reserved (firmware), so 0 can mean "none" */
				for (pfn_t f = 1; f < SIM_REGION_PAGES; f++)
					hostmem_free_block(s, f, 0);
			} else {
				hostmem_free_block(s, base, SIM_REGION_ORDER);
			}
			break;
		case LAYOUT_FRAGMENTED: {
			/*
			 * Others' pages sit in "dirty" regions (a share 2 x occupancy of
			 * them, half full each), so the rest stay whole 2M blocks, as on
			 * a long-running host where compaction still finds some.
			 */
			double dirty = sim_dirty_share(cfg);
			double per_frame = dirty > 0 ? cfg->occupancy / dirty : 0;
			uint64_t thresh = (uint64_t)(per_frame * 18446744073709551615.0);
			bool is_dirty = (double)(sim_rand(&rng) >> 11) / 9007199254740992.0 < dirty;
			if (!is_dirty && r) {
				hostmem_free_block(s, base, SIM_REGION_ORDER);
				break;
			}
			free_region_frames(s, base, r ? 0 : 1, &rng, thresh);
			break;
		}
		case LAYOUT_SPARSE: {
			pfn_t off = (pfn_t)(sim_rand(&rng) % SIM_REGION_PAGES);
			if (r >= whole_from) {
				/* the whole regions 2M guest folios come from (a hugepage pool) */
				hostmem_free_block(s, base, SIM_REGION_ORDER);
				break;
			}
			if (r == 0 && off == 0)
				off = 1;
			hostmem_free_block(s, base + off, 0);
			break;
		}
		}
	}
	return 0;
}

void hostmem_free(struct sim *s)
{
	for (int k = 0; k < SIM_NR_ORDERS; k++)
		hbm_free(&s->freeb[k]);
	for (uint32_t i = 0; s->pcp && i < s->ncpus; i++)
		free(s->pcp[i].v);
	free(s->pcp);
	free_huge(s->tdx4k);
	free(s->tdx2m);
	free_huge(s->rg);
	s->pcp = NULL;
	s->tdx4k = s->tdx2m = NULL;
	s->rg = NULL;
}
