/*
 * The phase list: the one description of a workload that the sim model and
 * the guest-side interpreter (kvm, tdx) both execute, so a workload name means
 * the same access pattern on every backend.
 *
 * Freestanding on purpose (only <stdint.h>): the guest payload includes it and
 * finds the list in its parameter page. Fixed-width fields, no pointers; bump
 * TDXB_WORKLOAD_VERSION on any layout change.
 */
#ifndef TDXB_PHASE_H
#define TDXB_PHASE_H

#include <stdint.h>

#define TDXB_WORKLOAD_MAGIC 0x54445842u	/* "TDXB" */
#define TDXB_WORKLOAD_VERSION 1u
#define TDXB_MAX_PHASES 16

enum tdxb_phase_kind {
	TDXB_PH_FAULT = 1,	/* first touch of the range: EPT violations (+ accept in a TD) */
	TDXB_PH_CONVERT = 2,	/* private<->shared conversions of units in the range */
	TDXB_PH_REWRITE = 3,	/* touch the range again (faults only where it was zapped) */
	TDXB_PH_IDLE = 4,	/* do nothing for idle_ns */
	TDXB_PH_TEARDOWN = 5,	/* destroy the TD/VM; measured on the host side */
	/* test-only phases for the failure paths of real backends */
	TDXB_PH_TEST_CRASH = 100,	/* guest triple-faults */
	TDXB_PH_TEST_HANG = 101,	/* guest stops reporting progress */
	TDXB_PH_TEST_BAD_EXIT = 102,	/* guest causes an exit the VMM does not expect */
};

enum tdxb_order {
	TDXB_ORD_SEQ = 0,
	TDXB_ORD_RANDOM = 1,	/* a seeded permutation of the units */
	TDXB_ORD_STRIDE = 2,	/* every `stride` bytes, wrapping with an offset */
};

enum tdxb_share {
	TDXB_SHARE_SPLIT = 0,		/* vCPU i owns the i-th contiguous slice */
	TDXB_SHARE_INTERLEAVE = 1,	/* vCPU i takes units i, i+n, i+2n, ... */
	TDXB_SHARE_VCPU0 = 2,		/* vCPU 0 takes every unit (firmware, early boot) */
};

/* convert flags */
#define TDXB_CONV_TO_SHARED	(1u << 0)	/* private -> shared (else shared -> private) */
#define TDXB_CONV_ROUNDTRIP	(1u << 1)	/* each unit: to shared, touch, back to private, touch */

struct tdxb_phase {
	uint32_t kind;		/* enum tdxb_phase_kind */
	uint32_t order;		/* enum tdxb_order */
	uint32_t share;		/* enum tdxb_share */
	uint32_t flags;		/* TDXB_CONV_* */
	uint64_t start;		/* byte offset into the TD's test memory */
	uint64_t len;		/* bytes */
	uint64_t unit;		/* fault: the size the guest accepts/touches (4K or 2M);
				   convert: the conversion granularity (4K..2M) */
	uint64_t stride;	/* TDXB_ORD_STRIDE step, bytes */
	uint32_t per_region;	/* convert, fault: units per 2 MiB region, 0 = all */
	uint32_t repeat;	/* run the phase this many times (>= 1) */
	uint32_t permille;	/* fault/rewrite: touch this share of the units (1000 = all) */
	uint32_t pad;
	uint64_t idle_ns;	/* TDXB_PH_IDLE */
	uint64_t seed;		/* TDXB_ORD_RANDOM permutation and per_region choice */
};

struct tdxb_workload {
	uint32_t magic;		/* TDXB_WORKLOAD_MAGIC */
	uint32_t version;	/* TDXB_WORKLOAD_VERSION */
	uint32_t nphases;
	uint32_t vcpus;		/* per TD */
	uint32_t tds;		/* TDs sharing the host (sim: multi-td) */
	uint32_t pad;
	uint64_t mem_bytes;	/* test memory per TD */
	struct tdxb_phase phases[TDXB_MAX_PHASES];
};

#endif
