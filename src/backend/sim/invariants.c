/*
 * The invariants every sim run checks (not only the tests):
 *
 *   refcount  a region's refcount equals the number of its 4K frames in TDX
 *             use (one bit per frame, counted with popcount), after every
 *             get/put/DEMOTE on the region and in a sweep at every phase end;
 *   pair      a pair is installed iff the refcount is > 0, outside the locked
 *             section (same points; with static PAMT never);
 *   underflow nobody pops an empty cache;
 *   teardown  after every TD is gone: zero DPAMT bytes, zero TDX-owned pages,
 *             zero idle cache pages, and every page back in the allocator.
 *
 * The first violation fails the repetition with the invariant, the region
 * and the virtual time. sim_break_now() is the test hook that breaks the
 * model on purpose so tests can show each check trips.
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"

#include <stdarg.h>
#include <stdio.h>

void inv_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	char msg[200];
	if (s->failed)
		return;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->why, sizeof(s->why), "%s (virtual time %llu ns)", msg,
		 (unsigned long long)s->now);
}

bool sim_break_hit(struct sim *s, enum sim_break b)
{
	if (s->dbg->brk != b || s->brk_done)
		return false;
	s->brk_done = true;
	return true;
}

/* inv_region() (sim_int.h) found region r broken: say how, first broken check first. */
void inv_region_report(struct sim *s, uint32_t r)
{
	unsigned uses = s->rg[r].uses;
	bool installed;

	if (s->failed)
		return;
	if (uses != s->rg[r].ref) {
		inv_fail(s, "refcount invariant broken: region %u has refcount %u but %u 4K TDX uses",
			 r, s->rg[r].ref, uses);
		return;
	}
	installed = s->rg[r].pair[0] != 0;
	if (s->cfg.dpamt ? installed != (s->rg[r].ref > 0) : installed) {
		inv_fail(s, "pair invariant broken: region %u %s a DPAMT pair with refcount %u",
			 r, installed ? "has" : "lacks", s->rg[r].ref);
		return;
	}
	if (s->rg[r].spec > s->rg[r].ref)
		inv_fail(s, "refcount invariant broken: region %u has %u speculative refs of %u",
			 r, s->rg[r].spec, s->rg[r].ref);
}

/* Every region, counting the ownership bitmap itself. */
void inv_sweep(struct sim *s)
{
	for (uint32_t r = 0; r < s->nregions && !s->failed; r++) {
		const uint64_t *w = &s->tdx4k[(uint64_t)r * (SIM_REGION_PAGES / 64)];
		uint64_t any = 0;
		unsigned bits = 0;
		/* most regions of a big host hold no TDX page: count only when one does */
		for (unsigned i = 0; i < SIM_REGION_PAGES / 64; i++)
			any |= w[i];
		for (unsigned i = 0; any && i < SIM_REGION_PAGES / 64; i++)
			bits += (unsigned)__builtin_popcountll(w[i]);
		if (bits != s->rg[r].uses) {
			inv_fail(s, "refcount invariant broken: region %u has %u 4K TDX pages but counts %u uses",
				 r, bits, s->rg[r].uses);
			return;
		}
		inv_region(s, r);
	}
}

void inv_after_teardown(struct sim *s)
{
	uint64_t owned = 0, owned2m = 0, free_now;
	if (s->failed)
		return;
	inv_sweep(s);
	for (uint64_t i = 0; i < (s->nframes + 63) / 64; i++)
		if (s->tdx4k[i])
			owned += (uint64_t)__builtin_popcountll(s->tdx4k[i]);
	for (uint64_t i = 0; i < (s->nregions + 63u) / 64; i++)
		if (s->tdx2m[i])
			owned2m += (uint64_t)__builtin_popcountll(s->tdx2m[i]);
	if (sim_dpamt_bytes(s)) {
		for (uint32_t r = 0; r < s->nregions; r++)
			if (s->rg[r].pair[0]) {
				inv_fail(s, "teardown invariant broken: %llu DPAMT bytes left, first in region %u",
					 (unsigned long long)sim_dpamt_bytes(s), r);
				return;
			}
	}
	if (owned || owned2m || s->tdx4k_count || s->pamt_pages) {
		inv_fail(s, "teardown invariant broken: %llu 4K pages and %llu 2M regions still TDX-owned",
			 (unsigned long long)owned, (unsigned long long)owned2m);
		return;
	}
	if (s->cache_pages_idle) {
		inv_fail(s, "teardown invariant broken: %llu pages left in caches",
			 (unsigned long long)s->cache_pages_idle);
		return;
	}
	free_now = hostmem_free_total(s);
	if (free_now != s->free_initial)
		inv_fail(s, "teardown invariant broken: %lld pages not returned to the host allocator",
			 (long long)(s->free_initial - free_now));
}
