/*
 * Virtual time. Every vCPU has its own clock; the run processes the vCPU with
 * the smallest clock next (sim.c), one step (a fault, a conversion) at a time.
 * A step runs whole at its start time; the locks it takes inside are
 * calendars of busy intervals, so a later-processed step that asks for a lock
 * earlier in virtual time still fits into a free gap before a reservation
 * (spinlocks), and waits only when its hold would overlap one.
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Loose gaps: bit a of c->loose says that interval a starts more than one
 * handoff after interval a-1 ends, so a hold can fit between them. In a
 * convoy (every waiter starts one handoff after the one before) no bit is
 * set, and a request finds its place from the bitmap instead of walking
 * the whole queue. Bits at or below the head, and at or past its end, mean
 * nothing. Kept by cal_acquire_after() only (mmu_lock's writers append).
 */
static inline bool gap_loose(const struct lock_cal *c, uint32_t a)
{
	return c->s[a] - c->e[a - 1] > c->handoff;
}

static void loose_set(struct lock_cal *c, uint32_t a, bool on)
{
	if (on)
		c->loose[a >> 6] |= 1ull << (a & 63);
	else
		c->loose[a >> 6] &= ~(1ull << (a & 63));
}

/* Bits [a, end) move up by one, to [a + 1, end + 1). */
static void loose_shift_up(struct lock_cal *c, uint32_t a, uint32_t end)
{
	uint32_t wa = a >> 6, we = end >> 6;
	uint64_t low = (1ull << (a & 63)) - 1;
	for (uint32_t k = we; k > wa; k--)
		c->loose[k] = c->loose[k] << 1 | c->loose[k - 1] >> 63;
	c->loose[wa] = (c->loose[wa] & low) | (c->loose[wa] & ~low) << 1;
}

/* First loose bit in [a, end), or end. */
static uint32_t loose_next(const struct lock_cal *c, uint32_t a, uint32_t end)
{
	while (a < end) {
		uint64_t w = c->loose[a >> 6] >> (a & 63);
		if (w)
			return MIN(a + (uint32_t)__builtin_ctzll(w), end);
		a = (a | 63) + 1;
	}
	return end;
}

static void cal_grow(struct lock_cal *c)
{
	if (c->head) {
		memmove(c->s, c->s + c->head, c->n * sizeof(*c->s));
		memmove(c->e, c->e + c->head, c->n * sizeof(*c->e));
		c->head = 0;
		for (uint32_t a = 1; a < c->n; a++)
			loose_set(c, a, gap_loose(c, a));
		if (c->n < c->cap)
			return;
	}
	c->cap = c->cap ? c->cap * 2 : 64;
	c->s = xrealloc(c->s, c->cap * sizeof(*c->s));
	c->e = xrealloc(c->e, c->cap * sizeof(*c->e));
	/* one word more: a shift up writes the bit past the end */
	c->loose = xrealloc(c->loose, (c->cap / 64 + 1) * sizeof(*c->loose));
	memset(c->loose + c->cap / 128, 0, (c->cap / 64 + 1 - c->cap / 128) * sizeof(*c->loose));
}

vtime_t cal_acquire(struct lock_cal *c, vtime_t now, vtime_t t, vtime_t hold,
		    uint64_t handoff, struct lock_stats *st)
{
	return cal_acquire_after(c, now, t, t, hold, handoff, st);
}

vtime_t cal_acquire_after(struct lock_cal *c, vtime_t now, vtime_t t, vtime_t earliest,
			  vtime_t hold, uint64_t handoff, struct lock_stats *st)
{
	uint32_t lo, hi, i, a;
	/* a hold never starts before it is asked for, whatever else it waits on */
	vtime_t start = MAX(earliest, t);

	if (!c->cap) {
		c->handoff = handoff;
		cal_grow(c);
	}
	/* nothing later asks for the lock before `now`: forget what ended */
	while (c->n && c->e[c->head] <= now) {
		c->head++;
		c->n--;
	}
	if (!c->n)
		c->head = 0;
	/* first interval ending after t (intervals are disjoint, so sorted by both ends) */
	lo = 0;
	hi = c->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (c->e[c->head + mid] <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * The hold goes before the first interval it does not overlap, starting
	 * a handoff after the one before. Past the first, only a loose gap can
	 * take a hold longer than nothing; a hold of nothing, or another
	 * handoff than the calendar's, walks every gap.
	 */
	i = lo;
	if (i < c->n && c->s[c->head + i] < start + hold) {
		start = c->e[c->head + i] + handoff;
		i++;
		if (hold && handoff == c->handoff) {
			uint32_t end = c->head + c->n;
			for (a = loose_next(c, c->head + i, end); a < end; a = loose_next(c, a + 1, end))
				if (c->s[a] >= c->e[a - 1] + handoff + hold)
					break;
			i = a - c->head;
			if (i > lo + 1)
				start = c->e[c->head + i - 1] + handoff;
		} else {
			for (; i < c->n; i++) {
				if (c->s[c->head + i] >= start + hold)
					break;
				start = c->e[c->head + i] + handoff;
			}
		}
	}
	if (c->head + c->n >= c->cap)
		cal_grow(c);
	a = c->head + i;
	memmove(&c->s[a + 1], &c->s[a], (c->n - i) * sizeof(*c->s));
	memmove(&c->e[a + 1], &c->e[a], (c->n - i) * sizeof(*c->e));
	loose_shift_up(c, a, c->head + c->n);
	c->s[a] = start;
	c->e[a] = start + hold;
	c->n++;
	if (a > c->head)
		loose_set(c, a, gap_loose(c, a));
	if (a + 1 < c->head + c->n)
		loose_set(c, a + 1, gap_loose(c, a + 1));
	st->acquired++;
	if (start > t) {
		st->contended++;
		st->wait_ns += start - t;
	}
	return start;
}

void cal_free(struct lock_cal *c)
{
	free(c->s);
	free(c->e);
	free(c->loose);
	memset(c, 0, sizeof(*c));
}

/*
 * Smallest observed value v with at least p of the samples <= v, up to the
 * bucket: exact when the bucket saw one distinct value (the usual case, as
 * latencies are sums of fixed costs), else the bucket's largest value.
 */
uint64_t hist_percentile(const struct lat_hist *h, double p)
{
	uint64_t rank, cum = 0;
	if (!h->n)
		return 0;
	rank = (uint64_t)(p * (double)h->n);
	if ((double)rank < p * (double)h->n)
		rank++;
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_OCT * HIST_SUB; i++) {
		cum += h->b[i].cnt;
		if (cum >= rank)
			return h->b[i].hi;
	}
	return h->max;
}

void series_init(struct series_buf *b, uint32_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max < 4 ? 4 : max;
	b->interval = 1000;
	b->t = xcalloc(b->max, sizeof(*b->t));
	for (int i = 0; i < SIM_NR_SERIES; i++)
		b->v[i] = xcalloc(b->max, sizeof(double));
}

void series_free(struct series_buf *b)
{
	free(b->t);
	for (int i = 0; i < SIM_NR_SERIES; i++)
		free(b->v[i]);
	memset(b, 0, sizeof(*b));
}

/* Record the state at t (sim_sample() in sim_int.h: when t reached the next grid point). */
void sim_sample_now(struct sim *s, vtime_t t)
{
	struct series_buf *b = &s->ser;
	if (b->n && b->t[b->n - 1] == t) {
		b->n--;		/* same instant: keep the newest state */
	} else if (b->n == b->max) {
		uint32_t k = 0;
		for (uint32_t i = 0; i < b->n; i += 2, k++) {
			b->t[k] = b->t[i];
			for (int j = 0; j < SIM_NR_SERIES; j++)
				b->v[j][k] = b->v[j][i];
		}
		b->n = k;
		b->interval *= 2;
	}
	b->t[b->n] = t;
	b->v[0][b->n] = (double)sim_dpamt_bytes(s);
	b->v[1][b->n] = (double)s->cache_pages_idle;
	b->v[2][b->n] = (double)s->c.pamt_add;
	b->n++;
	b->next = (t / b->interval + 1) * b->interval;
}

uint64_t sim_rand(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return mix64(*state);
}

/*
 * Yan's SEAMCALL times give an average, a minimum and a maximum and nothing
 * else (PAMT.ADD 4 us, 2..18): a shifted exponential is the least-assuming
 * shape with that mean and floor, cut at the maximum (which lowers the mean
 * by (mean - lo) * e^-((hi - lo) / (mean - lo)): 0.03 % for ADD).
 */
uint64_t sim_draw_ns(uint64_t *state, uint64_t mean, uint64_t lo, uint64_t hi)
{
	double u, x;
	if (lo >= hi || mean <= lo)
		return mean < lo ? lo : mean > hi && hi > lo ? hi : mean;
	u = (double)(sim_rand(state) >> 11) / 9007199254740992.0;
	x = (double)lo - (double)(mean - lo) * log1p(-u);
	return x > (double)hi ? hi : (uint64_t)x;
}
