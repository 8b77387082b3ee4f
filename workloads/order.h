/*
 * The unit sequence of a phase: which unit is visited k-th (sequential, a
 * seeded random permutation, or strided), which k's a vCPU takes (split or
 * interleaved) and, for a convert with per_region, which units of each 2 MiB
 * region are chosen. Freestanding static inlines (stdint only): the guest
 * interpreter (kvm, tdx) and the sim model both walk a phase through
 * tdxb_walk_*(), so a workload visits the same units in the same per-vCPU
 * order on every backend. The random order needs no memory (a keyed Feistel
 * permutation with cycle walking).
 */
#ifndef TDXB_ORDER_H
#define TDXB_ORDER_H

#include <stdint.h>

#include "workloads/phase.h"

/* Per-unit helpers: inlined into the sim's step functions even when gcc would not. */
#define TDXB_ALWAYS_INLINE static inline __attribute__((always_inline))

struct tdxb_seq {
	uint64_t n;		/* units in the range */
	uint64_t touched;	/* the first `touched` positions of the sequence are visited */
	uint32_t order;		/* enum tdxb_order */
	uint32_t half_bits;	/* Feistel: each half has half_bits bits */
	uint64_t stride;	/* in units, TDXB_ORD_STRIDE */
	uint64_t key[4];
};

static inline uint64_t tdxb_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline void tdxb_seq_init(struct tdxb_seq *s, uint64_t n, uint32_t permille,
				 uint32_t order, uint64_t stride_units, uint64_t seed)
{
	uint32_t bits = 0;
	s->n = n;
	s->touched = permille >= 1000 ? n : (n * permille + 999) / 1000;
	s->order = order;
	s->stride = stride_units ? stride_units : 1;
	while ((1ULL << bits) < n)
		bits++;
	s->half_bits = (bits + 1) / 2;
	if (!s->half_bits)
		s->half_bits = 1;
	for (int i = 0; i < 4; i++)
		s->key[i] = tdxb_mix64(seed + (uint64_t)i * 0x5851f42d4c957f2dULL);
}

static inline uint64_t tdxb_feistel(const struct tdxb_seq *s, uint64_t x)
{
	uint64_t mask = (1ULL << s->half_bits) - 1;
	uint64_t l = x >> s->half_bits, r = x & mask;
	for (int i = 0; i < 4; i++) {
		uint64_t t = l ^ (tdxb_mix64(r ^ s->key[i]) & mask);
		l = r;
		r = t;
	}
	return (l << s->half_bits) | r;
}

/* The unit visited at position k (k < s->n). */
TDXB_ALWAYS_INLINE uint64_t tdxb_seq_at(const struct tdxb_seq *s, uint64_t k)
{
	switch (s->order) {
	case TDXB_ORD_RANDOM: {
		uint64_t x = k;
		do	/* cycle walking: the domain is a power of 4 >= n, < 4n */
			x = tdxb_feistel(s, x);
		while (x >= s->n);
		return x;
	}
	case TDXB_ORD_STRIDE: {
		/* offsets 0, stride, 2*stride, ... then 1, 1+stride, ... */
		uint64_t per = s->n / s->stride, rem = s->n % s->stride;
		uint64_t off = 0, first_long = rem;	/* the first rem offsets have per+1 units */
		if (k < first_long * (per + 1)) {
			off = k / (per + 1);
			return off + (k % (per + 1)) * s->stride;
		}
		k -= first_long * (per + 1);
		off = first_long + k / per;
		return off + (k % per) * s->stride;
	}
	default:
		return k;
	}
}

/* Positions [*lo, *hi) with step *step that vCPU v of nv takes. */
static inline void tdxb_seq_share(const struct tdxb_seq *s, uint32_t share, uint32_t v, uint32_t nv,
				  uint64_t *lo, uint64_t *hi, uint64_t *step)
{
	if (share == TDXB_SHARE_INTERLEAVE) {
		*lo = v;
		*hi = s->touched;
		*step = nv;
	} else if (share == TDXB_SHARE_VCPU0) {
		*lo = 0;
		*hi = v ? 0 : s->touched;
		*step = 1;
	} else {
		*lo = s->touched * v / nv;
		*hi = s->touched * (v + 1) / nv;
		*step = 1;
	}
}

/*
 * A phase's walk. Positions k index the sequence of the units a phase visits:
 * every unit of [start, start + len), or for a convert or fault with
 * 0 < per_region < units per 2 MiB region, per_region chosen units of each
 * whole 2 MiB region (position k -> x-th chosen unit, region x / per, j-th of
 * it: per units spread evenly, upr / per apart, from a seeded offset). permille
 * applies to fault/rewrite: the first `touched` positions of the sequence are
 * visited (for the random order a random subset, for the others a prefix).
 */
struct tdxb_walk {
	struct tdxb_seq seq;
	uint64_t start;		/* bytes into the test memory */
	uint64_t unit;		/* bytes, 4K..2M */
	uint64_t upr;		/* units per 2 MiB region (the range, when shorter) */
	uint64_t per;		/* chosen units per region, 0 = every unit */
	uint64_t gap;		/* units between two chosen units of a region */
	uint64_t seed;
};

/* The unit a phase works in: 4K-aligned, 4K..2M. */
static inline uint64_t tdxb_phase_unit(const struct tdxb_phase *ph)
{
	uint64_t unit = ph->unit & ~0xfffULL;
	if (unit < 0x1000)
		unit = 0x1000;
	if (unit > 0x200000)
		unit = 0x200000;
	return unit;
}

/* How often a phase runs (repeat 0 means once). */
static inline uint32_t tdxb_phase_repeat(const struct tdxb_phase *ph)
{
	return ph->repeat ? ph->repeat : 1;
}

static inline void tdxb_walk_init(struct tdxb_walk *w, const struct tdxb_phase *ph)
{
	uint64_t unit = tdxb_phase_unit(ph), n = ph->len / unit;
	uint32_t permille = 1000;

	w->start = ph->start;
	w->unit = unit;
	w->upr = 0x200000 / unit;
	if (w->upr > n)
		w->upr = n ? n : 1;
	w->per = 0;
	w->gap = 1;
	w->seed = ph->seed;
	if (ph->per_region && ph->per_region < w->upr &&
	    (ph->kind == TDXB_PH_CONVERT || ph->kind == TDXB_PH_FAULT)) {
		w->per = ph->per_region;
		w->gap = w->upr / w->per;
		n = n / w->upr * w->per;
	}
	if (ph->kind != TDXB_PH_CONVERT)
		permille = ph->permille;
	tdxb_seq_init(&w->seq, n, permille, ph->order, ph->stride / unit, ph->seed);
}

/* Byte offset into the test memory of the unit at position k. */
TDXB_ALWAYS_INLINE uint64_t tdxb_walk_at(const struct tdxb_walk *w, uint64_t k)
{
	uint64_t u = tdxb_seq_at(&w->seq, k);
	if (w->per) {
		uint64_t r = u / w->per, j = u % w->per;
		uint64_t off = tdxb_mix64(w->seed ^ (r * 0x9e3779b97f4a7c15ULL) ^ 0x636f6e76) % w->upr;
		u = r * w->upr + (off + j * w->gap) % w->upr;
	}
	return w->start + u * w->unit;
}

/* Positions [*lo, *hi) with step *step that vCPU v of nv takes. */
static inline void tdxb_walk_share(const struct tdxb_walk *w, uint32_t share, uint32_t v, uint32_t nv,
				   uint64_t *lo, uint64_t *hi, uint64_t *step)
{
	tdxb_seq_share(&w->seq, share, v, nv, lo, hi, step);
}

/*
 * A vCPU's walk as one arithmetic run, where it is one (sequential order, no
 * per_region choice): count units, the first at off bytes into the test
 * memory, stride bytes apart (split: stride = unit, one contiguous range;
 * interleaved: stride = nv units). Then the guest's loop needs no per-unit
 * order arithmetic at all.
 */
struct tdxb_run {
	uint64_t off;
	uint64_t count;
	uint64_t stride;
};

static inline int tdxb_walk_run(const struct tdxb_walk *w, uint64_t lo, uint64_t hi, uint64_t step,
				struct tdxb_run *r)
{
	if (w->seq.order != TDXB_ORD_SEQ || w->per)
		return 0;
	r->off = w->start + lo * w->unit;
	r->count = hi > lo ? (hi - lo + step - 1) / step : 0;
	r->stride = step * w->unit;
	return 1;
}

typedef void tdxb_visit_fn(void *ctx, uint64_t offset);
typedef void tdxb_run_fn(void *ctx, const struct tdxb_run *run);

/*
 * One repetition of vCPU v's walk (of nv in its TD): run(ctx, &run) once when
 * the walk is a run and run is not NULL, else visit(ctx, offset) for every
 * unit it takes, in order. This is the guest interpreter's loop; host code
 * (tests) runs the very same function. Always inlined: with constant
 * callbacks there is no indirect call per unit.
 */
TDXB_ALWAYS_INLINE void tdxb_walk_vcpu_runs(const struct tdxb_phase *ph, uint32_t v, uint32_t nv,
					    tdxb_run_fn *run, tdxb_visit_fn *visit, void *ctx)
{
	struct tdxb_walk w;
	struct tdxb_run r;
	uint64_t lo, hi, step;
	tdxb_walk_init(&w, ph);
	tdxb_walk_share(&w, ph->share, v, nv, &lo, &hi, &step);
	if (run && tdxb_walk_run(&w, lo, hi, step, &r)) {
		run(ctx, &r);
		return;
	}
	for (uint64_t k = lo; k < hi; k += step)
		visit(ctx, tdxb_walk_at(&w, k));
}

/* The same walk, unit by unit. */
static inline void tdxb_walk_vcpu(const struct tdxb_phase *ph, uint32_t v, uint32_t nv,
				  tdxb_visit_fn *visit, void *ctx)
{
	tdxb_walk_vcpu_runs(ph, v, nv, NULL, visit, ctx);
}

#endif
