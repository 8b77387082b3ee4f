/*
 * The unit sequence of a phase: which unit is visited k-th (sequential, a
 * seeded random permutation, or strided) and which k's a vCPU takes (split or
 * interleaved). Freestanding static inlines (stdint only) so the guest
 * interpreter and host-side code walk exactly the same sequence; the random
 * order needs no memory (a keyed Feistel permutation with cycle walking).
 */
#ifndef TDXB_ORDER_H
#define TDXB_ORDER_H

#include <stdint.h>

#include "workloads/phase.h"

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
static inline uint64_t tdxb_seq_at(const struct tdxb_seq *s, uint64_t k)
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
	} else {
		*lo = s->touched * v / nv;
		*hi = s->touched * (v + 1) / nv;
		*step = 1;
	}
}

#endif
