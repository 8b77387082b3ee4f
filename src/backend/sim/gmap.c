/*
 * The host frame of each guest 4K page mapped from a 4K folio, kept per
 * guest 2 MiB range as a few runs (guest offset, length, first frame) rather
 * than 4 bytes per page: a vCPU faulting its slice in order gets its frames
 * from its per-CPU list in address order, so a range is a dozen runs (one
 * per per-CPU refill, one per cache top-up in between; kai-sp, which takes a
 * carried pair between guest pages, about twice that). A range whose pages
 * need more runs (random faults, conversions) falls back to one frame per
 * page. Either form gives the same frames: only the memory differs (a 2 TiB
 * boot: ~250 MiB instead of 2 GiB).
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

void gmap_init(struct sim_td *td)
{
	/*
	 * Lazily backed. Every TD's array starts on a huge page and its vCPUs
	 * work at the same offsets into it, so the ranges they touch on every
	 * step would share one cache set across all TDs: each TD's starts
	 * 9 ranges (35 cache lines) further in than the one before.
	 */
	uint64_t skew = (td->id % 64) * 9;
	td->gmap_n = (td->npages + SIM_REGION_PAGES - 1) / SIM_REGION_PAGES;
	td->gmap_mem = xcalloc_huge(td->gmap_n + skew + 1, sizeof(*td->gmap));
	td->gmap = td->gmap_mem + skew;
}

void gmap_free(struct sim_td *td)
{
	for (uint64_t i = 0; td->gmap && i < td->gmap_n; i++)
		if (td->gmap[i].n == GMAP_FULL)
			free(td->gmap[i].full);
	free_huge(td->gmap_mem);
	td->gmap = td->gmap_mem = NULL;
}

/* The range no longer fits in runs: one frame per page from now on. */
static void to_full(struct gmap_range *g)
{
	pfn_t *full = xcalloc(SIM_REGION_PAGES, sizeof(pfn_t));
	for (uint32_t i = 0; i < g->n; i++)
		for (uint32_t k = 0; k < g->run[i].len; k++)
			full[g->run[i].off + k] = g->run[i].pfn + k;
	g->n = GMAP_FULL;
	g->full = full;
}

void gmap_set_slow(struct gmap_range *g, uint32_t off, pfn_t f)
{
	if (g->n == GMAP_FULL) {
		g->full[off] = f;
		return;
	}
	/* off is unmapped, so no run covers it: grow one that ends or starts next to it */
	for (uint32_t i = 0; i < g->n; i++) {
		struct gmap_run *r = &g->run[i];
		if (r->off + r->len == off && r->pfn + r->len == f) {
			r->len++;
			return;
		}
		if (r->off == off + 1 && r->pfn == f + 1) {
			r->off--;
			r->pfn--;
			r->len++;
			return;
		}
	}
	if (g->n < GMAP_RUNS) {
		g->run[g->n++] = (struct gmap_run){ (uint16_t)off, 1, f };
		return;
	}
	to_full(g);
	g->full[off] = f;
}

void gmap_clear(struct sim_td *td, uint64_t gfn)
{
	struct gmap_range *g = &td->gmap[gfn / SIM_REGION_PAGES];
	uint32_t off = (uint32_t)(gfn % SIM_REGION_PAGES);
	if (g->n == GMAP_FULL) {
		g->full[off] = 0;
		return;
	}
	for (uint32_t i = 0; i < g->n; i++) {
		struct gmap_run *r = &g->run[i];
		uint32_t k = off - r->off;
		if (off < r->off || k >= r->len)
			continue;
		if (r->len == 1) {
			*r = g->run[--g->n];
		} else if (k == 0) {
			r->off++;
			r->pfn++;
			r->len--;
		} else if (k == r->len - 1u) {
			r->len--;
		} else if (g->n < GMAP_RUNS) {
			g->run[g->n++] = (struct gmap_run){ (uint16_t)(off + 1), (uint16_t)(r->len - k - 1),
							    r->pfn + k + 1 };
			r->len = (uint16_t)k;
		} else {
			to_full(g);
			g->full[off] = 0;
		}
		return;
	}
}

void gmap_range_frames(const struct gmap_range *g, pfn_t out[SIM_REGION_PAGES])
{
	if (g->n == GMAP_FULL) {
		memcpy(out, g->full, SIM_REGION_PAGES * sizeof(pfn_t));
		return;
	}
	memset(out, 0, SIM_REGION_PAGES * sizeof(pfn_t));
	for (uint32_t i = 0; i < g->n; i++)
		for (uint32_t k = 0; k < g->run[i].len; k++)
			out[g->run[i].off + k] = g->run[i].pfn + k;
}

void gmap_range_reset(struct gmap_range *g)
{
	if (g->n == GMAP_FULL)
		free(g->full);
	memset(g, 0, sizeof(*g));
}
