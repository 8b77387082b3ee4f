/*
 * One workload, one access pattern: the sim model visits exactly the units the
 * guest interpreter visits, in the same per-vCPU order, for every phase kind.
 * The guest side is tdxb_walk_vcpu() from workloads/order.h, the very function
 * guest-images/interp.c runs per repetition, compiled here for the host;
 * the sim side is sim_phase_units(), the model's own stepping (positions,
 * repetitions) over the same walk. Hand-worked sequences pin the orders down
 * so a change to both sides at once does not go unnoticed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sim/sim_int.h"
#include "lib/util.h"
#include "workloads/order.h"

#define NV 3

struct list {
	uint64_t *v;
	size_t n, cap;
	size_t runs;	/* walks the guest took as one run */
};

static void record(void *opaque, uint64_t off)
{
	struct list *l = opaque;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = off;
}

/* A run, unit by unit, as the guest's fault loop touches it. */
static void record_run(void *opaque, const struct tdxb_run *run)
{
	struct list *l = opaque;
	l->runs++;
	for (uint64_t i = 0; i < run->count; i++)
		record(l, run->off + i * run->stride);
}

/*
 * What guest_main does with a phase on vCPU v: run the walk repeat times, a
 * fault/rewrite through tdxb_walk_vcpu_runs() (one run where the walk is one),
 * a convert unit by unit.
 */
static void guest_units(const struct tdxb_phase *ph, uint32_t v, uint32_t nv, struct list *l)
{
	memset(l, 0, sizeof(*l));
	for (uint32_t r = 0; r < tdxb_phase_repeat(ph); r++) {
		if (ph->kind == TDXB_PH_CONVERT)
			tdxb_walk_vcpu(ph, v, nv, record, l);
		else
			tdxb_walk_vcpu_runs(ph, v, nv, record_run, record, l);
	}
}

static uint64_t *sim_units(const struct tdxb_phase *ph, uint32_t v, uint32_t nv, size_t *n)
{
	size_t cnt = sim_phase_units(ph, v, nv, NULL, 0);
	uint64_t *out = xcalloc(cnt ? cnt : 1, sizeof(*out));
	assert_int_equal(sim_phase_units(ph, v, nv, out, cnt), cnt);
	*n = cnt;
	return out;
}

static struct tdxb_phase phase(uint32_t kind, uint64_t len, uint64_t unit)
{
	struct tdxb_phase ph;
	memset(&ph, 0, sizeof(ph));
	ph.kind = kind;
	ph.len = len;
	ph.unit = unit;
	ph.repeat = 1;
	ph.permille = 1000;
	ph.seed = 0x5eed;
	return ph;
}

/* Sim and guest agree on every vCPU of nv; returns all vCPUs' units, for further checks. */
static struct list walk_both(const struct tdxb_phase *ph, uint32_t nv)
{
	struct list all = { 0 };
	for (uint32_t v = 0; v < nv; v++) {
		struct list g;
		size_t n;
		uint64_t *s = sim_units(ph, v, nv, &n);
		guest_units(ph, v, nv, &g);
		assert_int_equal(n, g.n);
		for (size_t i = 0; i < n; i++) {
			if (s[i] != g.v[i])
				fail_msg("vcpu %u unit %zu: sim %#llx guest %#llx", v, i,
					 (unsigned long long)s[i], (unsigned long long)g.v[i]);
			record(&all, s[i]);
		}
		all.runs += g.runs;
		free(s);
		free(g.v);
	}
	printf("# kind %u order %u share %u permille %u per_region %u repeat %u: %zu units over %u vCPUs agree\n",
	       ph->kind, ph->order, ph->share, ph->permille, ph->per_region, ph->repeat, all.n, nv);
	return all;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Units are distinct, aligned and inside [start, start + len). */
static void check_distinct(struct list *l, const struct tdxb_phase *ph)
{
	uint64_t unit = tdxb_phase_unit(ph);
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	for (size_t i = 0; i < l->n; i++) {
		assert_true(l->v[i] >= ph->start && l->v[i] + unit <= ph->start + ph->len);
		assert_int_equal((l->v[i] - ph->start) % unit, 0);
		if (i)
			assert_true(l->v[i] > l->v[i - 1]);
	}
}

static void test_random_permille(void **state)
{
	/* 1000 units at random, 37.3% of them: the first ceil(373) positions of the permutation */
	struct tdxb_phase ph = phase(TDXB_PH_FAULT, 1000 * 4096, 4096);
	struct list all;
	(void)state;
	ph.order = TDXB_ORD_RANDOM;
	ph.permille = 373;
	ph.start = 8 * MiB;
	for (uint32_t share = 0; share < 2; share++) {
		ph.share = share;
		all = walk_both(&ph, NV);
		assert_int_equal(all.n, 373);
		check_distinct(&all, &ph);
		free(all.v);
	}
}

static void test_strided(void **state)
{
	/*
	 * 10 units, stride 3 units: offset 0 first (0 3 6 9), then 1 (1 4 7),
	 * then 2 (2 5 8). Split over 3 vCPUs: positions [0,3) [3,6) [6,10).
	 */
	static const uint64_t want[NV][4] = { { 0, 3, 6 }, { 9, 1, 4 }, { 7, 2, 5, 8 } };
	static const size_t want_n[NV] = { 3, 3, 4 };
	struct tdxb_phase ph = phase(TDXB_PH_REWRITE, 10 * 4096, 4096);
	struct list all;
	(void)state;
	ph.order = TDXB_ORD_STRIDE;
	ph.stride = 3 * 4096;
	for (uint32_t v = 0; v < NV; v++) {
		size_t n;
		uint64_t *s = sim_units(&ph, v, NV, &n);
		assert_int_equal(n, want_n[v]);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(s[i], want[v][i] * 4096);
		free(s);
	}
	all = walk_both(&ph, NV);
	assert_int_equal(all.n, 10);
	free(all.v);

	/* a bigger, uneven one, interleaved and with permille: a prefix of the same order */
	ph = phase(TDXB_PH_FAULT, 4099 * 4096, 4096);
	ph.order = TDXB_ORD_STRIDE;
	ph.stride = 64 * 4096;
	ph.share = TDXB_SHARE_INTERLEAVE;
	ph.permille = 501;
	all = walk_both(&ph, NV);
	assert_int_equal(all.n, (4099 * 501 + 999) / 1000);
	check_distinct(&all, &ph);
	free(all.v);
}

static void test_seq_shares(void **state)
{
	/* 2M units over 20M: interleaved, vCPU 1 of 3 takes units 1, 4, 7 */
	struct tdxb_phase ph = phase(TDXB_PH_FAULT, 20 * MiB, 2 * MiB);
	struct list all;
	size_t n;
	uint64_t *s;
	(void)state;
	ph.share = TDXB_SHARE_INTERLEAVE;
	s = sim_units(&ph, 1, NV, &n);
	assert_int_equal(n, 3);
	assert_int_equal(s[0], 2 * MiB);
	assert_int_equal(s[1], 8 * MiB);
	assert_int_equal(s[2], 14 * MiB);
	free(s);
	all = walk_both(&ph, NV);
	assert_int_equal(all.n, 10);
	free(all.v);
	ph.share = TDXB_SHARE_SPLIT;
	all = walk_both(&ph, NV);
	assert_int_equal(all.n, 10);
	check_distinct(&all, &ph);
	free(all.v);
}

/* Every 2M region of the range holds exactly per chosen units, upr / per apart (mod upr). */
static void check_per_region(struct list *all, const struct tdxb_phase *ph, uint64_t per)
{
	uint64_t regions = ph->len / (2 * MiB), upr = 2 * MiB / 4096, gap = upr / per;
	check_distinct(all, ph);
	assert_int_equal(all->n, regions * per);
	for (uint64_t r = 0; r < regions; r++) {
		const uint64_t *u = &all->v[r * per];	/* sorted: region r's units */
		for (uint64_t j = 0; j < per; j++)
			assert_int_equal((u[j] - ph->start) / (2 * MiB), r);
		for (uint64_t j = 1; j < per; j++) {
			uint64_t d = (u[j] - u[j - 1]) / 4096;
			assert_true(d == gap || d == upr - (per - 1) * gap);	/* across the wrap */
		}
	}
}

static void test_convert_per_region(void **state)
{
	struct tdxb_phase ph = phase(TDXB_PH_CONVERT, 16 * MiB, 4096);
	struct list all;
	(void)state;
	ph.flags = TDXB_CONV_TO_SHARED;
	ph.permille = 10;	/* ignored by converts, on both sides */
	ph.start = 4 * MiB;
	for (uint32_t per = 1; per <= 3; per += 2) {
		ph.per_region = per;
		ph.order = TDXB_ORD_SEQ;
		all = walk_both(&ph, NV);
		check_per_region(&all, &ph, per);
		free(all.v);
		ph.order = TDXB_ORD_RANDOM;
		ph.share = TDXB_SHARE_INTERLEAVE;
		all = walk_both(&ph, NV);
		check_per_region(&all, &ph, per);
		free(all.v);
		ph.share = TDXB_SHARE_SPLIT;
	}
	/* per_region 0 and >= units per region: every unit */
	ph.order = TDXB_ORD_SEQ;
	ph.per_region = 0;
	all = walk_both(&ph, NV);
	assert_int_equal(all.n, 16 * MiB / 4096);
	free(all.v);
	ph.per_region = 512;
	all = walk_both(&ph, NV);
	assert_int_equal(all.n, 16 * MiB / 4096);
	free(all.v);
}

/* linux-boot: vCPU 0 alone takes an early phase; a fault phase picks per_region units too. */
static void test_vcpu0_and_fault_per_region(void **state)
{
	struct tdxb_phase ph = phase(TDXB_PH_FAULT, 8 * MiB, 4096);
	struct list all;
	size_t n;
	uint64_t *s;
	(void)state;
	ph.share = TDXB_SHARE_VCPU0;
	s = sim_units(&ph, 0, NV, &n);
	assert_int_equal(n, 8 * MiB / 4096);
	free(s);
	s = sim_units(&ph, 2, NV, &n);
	assert_int_equal(n, 0);
	free(s);
	all = walk_both(&ph, NV);
	check_distinct(&all, &ph);
	free(all.v);
	ph.share = TDXB_SHARE_INTERLEAVE;
	ph.per_region = 1;
	ph.start = 2 * MiB;
	all = walk_both(&ph, NV);
	check_per_region(&all, &ph, 1);
	free(all.v);
}

static void test_repeat(void **state)
{
	/* repeat=2: each vCPU walks its own units twice over, in the same order */
	struct tdxb_phase ph = phase(TDXB_PH_CONVERT, 6 * MiB, 4096);
	(void)state;
	ph.flags = TDXB_CONV_ROUNDTRIP;
	ph.order = TDXB_ORD_RANDOM;
	ph.share = TDXB_SHARE_INTERLEAVE;
	ph.per_region = 3;
	ph.repeat = 2;
	for (uint32_t v = 0; v < NV; v++) {
		size_t n;
		uint64_t *s = sim_units(&ph, v, NV, &n);
		assert_int_equal(n, 2 * 3);	/* 9 units, 3 each, twice */
		assert_memory_equal(s, s + n / 2, n / 2 * sizeof(*s));
		free(s);
	}
	free(walk_both(&ph, NV).v);
	ph = phase(TDXB_PH_FAULT, 1000 * 4096, 4096);
	ph.order = TDXB_ORD_RANDOM;
	ph.permille = 250;
	ph.repeat = 2;
	free(walk_both(&ph, NV).v);
	ph.repeat = 0;	/* means once, on both sides */
	free(walk_both(&ph, NV).v);
	assert_int_equal(sim_phase_units(&ph, 0, NV, NULL, 0), 250 / NV);
}

/*
 * Sequential fault/rewrite walks take the guest's fast path: one run per vCPU
 * and repetition, no per-unit order arithmetic. The units must still be the
 * sim's, for every share, unit size, permille prefix and uneven split.
 */
static void test_seq_runs(void **state)
{
	static const uint64_t units[] = { 4096, 8192, 2 * MiB };
	struct list all;
	(void)state;
	for (size_t u = 0; u < ARRAY_SIZE(units); u++) {
		for (uint32_t share = 0; share < 2; share++) {
			for (uint32_t kind = TDXB_PH_FAULT; kind <= TDXB_PH_REWRITE; kind += 2) {
				struct tdxb_phase ph = phase(kind, 1001 * units[u], units[u]);
				ph.share = share;
				ph.start = 2 * MiB;
				ph.permille = 777;
				ph.repeat = 2;
				all = walk_both(&ph, NV);
				assert_int_equal(all.n, 2 * ((1001 * 777 + 999) / 1000));
				assert_int_equal(all.runs, 2 * NV);
				free(all.v);
			}
		}
	}
	/* a random walk is not a run: unit by unit */
	{
		struct tdxb_phase ph = phase(TDXB_PH_FAULT, 64 * 4096, 4096);
		ph.order = TDXB_ORD_RANDOM;
		all = walk_both(&ph, NV);
		assert_int_equal(all.runs, 0);
		assert_int_equal(all.n, 64);
		free(all.v);
	}
}

static void test_more_vcpus_than_units(void **state)
{
	struct tdxb_phase ph = phase(TDXB_PH_FAULT, 2 * 4096, 4096);
	struct list all;
	(void)state;
	all = walk_both(&ph, 5);
	assert_int_equal(all.n, 2);
	free(all.v);
	ph.share = TDXB_SHARE_INTERLEAVE;
	ph.order = TDXB_ORD_RANDOM;
	all = walk_both(&ph, 5);
	assert_int_equal(all.n, 2);
	free(all.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_permille),
		cmocka_unit_test(test_strided),
		cmocka_unit_test(test_seq_shares),
		cmocka_unit_test(test_convert_per_region),
		cmocka_unit_test(test_vcpu0_and_fault_per_region),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_seq_runs),
		cmocka_unit_test(test_more_vcpus_than_units),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
