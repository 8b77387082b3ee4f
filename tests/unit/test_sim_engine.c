/*
 * The sim's scheduling machinery against plain reference code:
 *  - the loser tree (src/backend/sim/ltree.c) against a scan: the smallest
 *    clock goes next, the lower index on a tie, through every form the tree
 *    takes (narrow keys, a rebase when a clock outgrows them, 128-bit keys
 *    when one step is longer than the narrow clock can hold);
 *  - lock calendars (engine.c) against a first-fit walk over every gap: the
 *    loose-gap bitmap must find the same place for every request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/sim/sim_int.h"

/* The actor a scan of the clocks picks, or -1 when all are through. */
static int scan_min(const vtime_t *clock, uint32_t n)
{
	int best = -1;
	for (uint32_t i = 0; i < n; i++)
		if (clock[i] != UINT64_MAX && (best < 0 || clock[i] < clock[best]))
			best = (int)i;
	return best;
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * n actors step `steps` times in tree order by random amounts up to max_step
 * (with ties), some finishing early; every pick must be the scan's.
 * Returns whether the tree went wide.
 */
static bool drive(uint32_t n, unsigned clock_bits, uint64_t max_step, uint64_t steps, uint64_t seed)
{
	vtime_t *clock = calloc(n, sizeof(*clock));
	struct ltree lt;
	uint64_t x = seed | 1;
	bool wide = false;

	for (uint32_t i = 0; i < n; i++)
		clock[i] = rng_next(&x) % 4 * max_step / 4;	/* equal start clocks are common */
	lt_init(&lt, clock, n, clock_bits);
	for (uint64_t k = 0; k < steps; k++) {
		int want = scan_min(clock, n);
		if (want < 0) {
			assert_false(lt_active(&lt));
			break;
		}
		assert_true(lt_active(&lt));
		assert_int_equal(lt_index(&lt), want);
		if (rng_next(&x) % 97 == 0)
			clock[want] = UINT64_MAX;			/* through */
		else if (rng_next(&x) % 5 == 0)
			clock[want] += 0;				/* a step that costs nothing */
		else
			clock[want] += 1 + rng_next(&x) % max_step;
		lt_replay(&lt, clock[want]);
		wide |= lt.wide;
	}
	lt_free(&lt);
	free(clock);
	return wide;
}

/* The sizes the sim uses: narrow keys all along. */
static void test_narrow(void **state)
{
	assert_false(drive(1, 0, 5000, 2000, 1));
	assert_false(drive(3, 0, 5000, 20000, 2));
	assert_false(drive(512, 0, 5000, 200000, 3));
	assert_false(drive(1000, 0, 1, 200000, 4));	/* nearly every match a tie */
}

/* An 8-bit clock: the base moves up every few hundred ns, the order holds. */
static void test_rebase(void **state)
{
	assert_false(drive(7, 8, 40, 50000, 5));
	assert_false(drive(64, 8, 60, 50000, 6));
}

/* Steps longer than the narrow clock: 128-bit keys from then on, the order holds. */
static void test_wide(void **state)
{
	assert_true(drive(7, 8, 5000, 50000, 7));
	assert_true(drive(300, 10, 1ull << 40, 50000, 8));
}

/* The calendar as it was first written: sorted intervals, a walk over every gap. */
struct ref_cal {
	vtime_t s[4096], e[4096];
	uint32_t n;
};

static vtime_t ref_acquire(struct ref_cal *c, vtime_t now, vtime_t t, vtime_t earliest, vtime_t hold,
			   uint64_t handoff, struct lock_stats *st)
{
	uint32_t lo = 0, i, drop = 0;
	vtime_t start = earliest;

	while (drop < c->n && c->e[drop] <= now)
		drop++;
	memmove(c->s, c->s + drop, (c->n - drop) * sizeof(*c->s));
	memmove(c->e, c->e + drop, (c->n - drop) * sizeof(*c->e));
	c->n -= drop;
	while (lo < c->n && c->e[lo] <= start)
		lo++;
	for (i = lo; i < c->n; i++) {
		if (c->s[i] >= start + hold)
			break;
		start = c->e[i] + handoff;
	}
	memmove(&c->s[i + 1], &c->s[i], (c->n - i) * sizeof(*c->s));
	memmove(&c->e[i + 1], &c->e[i], (c->n - i) * sizeof(*c->e));
	c->s[i] = start;
	c->e[i] = start + hold;
	c->n++;
	st->acquired++;
	if (start > t) {
		st->contended++;
		st->wait_ns += start - t;
	}
	return start;
}

/*
 * Requests from `actors` clocks in time order, each a hold at some offset
 * into its step: mostly a convoy (holds longer than the steps between them),
 * with idle stretches, holds of nothing and the odd foreign handoff.
 */
static void drive_cal(uint32_t actors, uint64_t step, uint64_t max_hold, uint64_t n, uint64_t seed)
{
	static struct ref_cal ref;
	struct lock_cal cal = { 0 };
	struct lock_stats st_ref = { 0 }, st = { 0 };
	vtime_t clock[64] = { 0 };
	uint64_t x = seed | 1;

	memset(&ref, 0, sizeof(ref));
	for (uint64_t k = 0; k < n; k++) {
		uint32_t a = 0;
		vtime_t now, t, earliest, hold, got, want;
		uint64_t handoff = rng_next(&x) % 50 ? 100 : 7;
		for (uint32_t i = 1; i < actors; i++)
			if (clock[i] < clock[a])
				a = i;
		now = clock[a];
		t = now + rng_next(&x) % step;
		earliest = rng_next(&x) % 4 ? t : t + rng_next(&x) % max_hold;
		/* PAMT.ADDs, short lock sections that fit the gaps between them, nothing */
		hold = rng_next(&x) % 20 ? 1 + rng_next(&x) % (rng_next(&x) % 2 ? max_hold : 200) : 0;
		want = ref_acquire(&ref, now, t, earliest, hold, handoff, &st_ref);
		got = cal_acquire_after(&cal, now, t, earliest, hold, handoff, &st);
		if (got != want)
			fail_msg("request %llu (t %llu, hold %llu, handoff %llu): calendar %llu, reference %llu",
				 (unsigned long long)k, (unsigned long long)t, (unsigned long long)hold,
				 (unsigned long long)handoff, (unsigned long long)got,
				 (unsigned long long)want);
		clock[a] = (rng_next(&x) % 100 ? got + hold : got + 50 * max_hold) + rng_next(&x) % step;
	}
	assert_int_equal(st.wait_ns, st_ref.wait_ns);
	assert_int_equal(st.contended, st_ref.contended);
	cal_free(&cal);
}

static void test_calendar(void **state)
{
	drive_cal(2, 1000, 300, 20000, 11);		/* hardly any waiting */
	drive_cal(16, 1000, 4000, 50000, 12);		/* a convoy of 16 */
	drive_cal(64, 200, 18000, 100000, 13);		/* saturated: PAMT.ADDs from 64 CPUs */
	drive_cal(64, 5000, 2000, 100000, 14);		/* mixed */
}

/*
 * A get that raced a PAMT.ADD asks for pamt_lock from the ADD's end, which
 * may be before the get itself (it allocated its pair meanwhile): the hold
 * still starts no earlier than asked, so no clock goes back and no wait is
 * negative (once 1.8e19 ns in the default suite's multi-td).
 */
static void test_calendar_never_before_asked(void **state)
{
	struct lock_cal cal = { 0 };
	struct lock_stats st = { 0 };

	assert_int_equal(cal_acquire_after(&cal, 0, 1000, 200, 50, 100, &st), 1000);
	assert_int_equal(cal_acquire_after(&cal, 0, 1020, 900, 50, 100, &st), 1150);
	assert_int_equal(st.wait_ns, 130);
	assert_int_equal(st.contended, 1);
	cal_free(&cal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_narrow),
		cmocka_unit_test(test_rebase),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_calendar_never_before_asked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
