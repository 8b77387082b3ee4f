/*
 * Which actor (vCPU, or a TD's teardown) goes next: a loser tree over the
 * clocks (sim.c's run_actors()).
 *
 * Every vCPU advances by about the same step, so the one just run usually
 * becomes the latest: a binary heap would sift it to the bottom with two
 * compares per level. A loser tree replays one root path with one compare per
 * level. Each node holds its entry by value, clock and actor index in one
 * number (clock high, index low), so a match is one compare with the
 * tie-break built in (equal clocks: lower index = vCPU order), no load
 * through an index, and no branch (lt_replay() in sim_int.h).
 *
 * The number is 64 bits while it can be: the clock relative to a base above
 * the index's bits. Every clock is within one step of the smallest, so when
 * a clock outgrows those bits the base moves up and the tree is rebuilt;
 * only a single step longer than them (2^42 ns with the most actors) makes
 * the tree fall back to 128-bit numbers (the whole clock high, index low).
 * Either form orders the actors the same way.
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

/* Fill the tree from every leaf's clock (UINT64_MAX: finished, or no actor). */
static void lt_fill(struct ltree *lt, const vtime_t *clock)
{
	vtime_t lo = UINT64_MAX, hi = 0;

	for (uint32_t i = 0; i < lt->m; i++) {
		if (clock[i] == UINT64_MAX)
			continue;
		lo = MIN(lo, clock[i]);
		hi = MAX(hi, clock[i]);
	}
	lt->base = lo == UINT64_MAX ? 0 : lo;
	lt->wide = lo != UINT64_MAX && hi - lo >= lt->done_rel;
	if (lt->wide) {
		lt_wide *win = xcalloc(2 * (size_t)lt->m, sizeof(*win));
		if (!lt->wloser)
			lt->wloser = xcalloc(lt->m, sizeof(*lt->wloser));
		for (uint32_t i = 0; i < lt->m; i++)
			win[lt->m + i] = (lt_wide)clock[i] << 32 | i;
		for (uint32_t node = lt->m - 1; node >= 1; node--) {
			lt_wide a = win[2 * node], b = win[2 * node + 1];
			win[node] = a < b ? a : b;
			lt->wloser[node] = a < b ? b : a;
		}
		lt->wwinner = win[1];
		free(win);
	} else {
		uint64_t *win = xcalloc(2 * (size_t)lt->m, sizeof(*win));
		for (uint32_t i = 0; i < lt->m; i++) {
			uint64_t rel = clock[i] == UINT64_MAX ? lt->done_rel : clock[i] - lt->base;
			win[lt->m + i] = rel << lt->shift | i;
		}
		for (uint32_t node = lt->m - 1; node >= 1; node--) {
			uint64_t a = win[2 * node], b = win[2 * node + 1];
			win[node] = a < b ? a : b;
			lt->loser[node] = a < b ? b : a;
		}
		lt->winner = win[1];
		free(win);
	}
}

void lt_init(struct ltree *lt, const vtime_t *clock, uint32_t n, unsigned clock_bits)
{
	vtime_t *leaf;

	memset(lt, 0, sizeof(*lt));
	lt->m = 1;
	while (lt->m < n) {
		lt->m <<= 1;
		lt->shift++;
	}
	lt->done_rel = UINT64_MAX >> lt->shift;
	if (clock_bits && clock_bits < 64 - lt->shift)
		lt->done_rel = (1ull << clock_bits) - 1;
	lt->loser = xcalloc(lt->m, sizeof(*lt->loser));
	leaf = xcalloc(lt->m, sizeof(*leaf));
	for (uint32_t i = 0; i < lt->m; i++)
		leaf[i] = i < n ? clock[i] : UINT64_MAX;
	lt_fill(lt, leaf);
	free(leaf);
}

void lt_free(struct ltree *lt)
{
	free(lt->loser);
	free(lt->wloser);
	memset(lt, 0, sizeof(*lt));
}

/*
 * The narrow winner idx's clock t no longer fits: rebuild from every leaf's
 * clock (the losers hold all leaves but the winner's) on a new base, or wide.
 */
void lt_rebase(struct ltree *lt, uint32_t idx, vtime_t t)
{
	vtime_t *clock = xcalloc(lt->m, sizeof(*clock));

	for (uint32_t node = 1; node < lt->m; node++) {
		uint64_t k = lt->loser[node], rel = k >> lt->shift;
		clock[k & (lt->m - 1)] = rel == lt->done_rel ? UINT64_MAX : lt->base + rel;
	}
	clock[idx] = t;
	lt_fill(lt, clock);
	free(clock);
}
