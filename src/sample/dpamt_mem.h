/*
 * The DPAMT memory figure, from the best witness this host has
 * (reference/tdx-uapi.md §5.3): the "TDX:" line of /proc/meminfo (only the
 * out-of-tree NOT-FOR-UPSTREAM patch prints it; matched case-insensitively),
 * else the "kernel" bytes of this process's memory cgroup (DPAMT pairs,
 * S-EPT and TD control pages are GFP_KERNEL_ACCOUNT: an inference, and
 * more than DPAMT alone). The third witness, PAMT.ADD minus PAMT.REMOVE
 * counted by probes, is the caller's (it has the counts).
 */
#ifndef TDX_SAMPLE_DPAMT_MEM_H
#define TDX_SAMPLE_DPAMT_MEM_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes of DPAMT backing per 2 MiB range: a pair of 4 KiB pages (TDX_DPAMT_ENTRY_PAGE_CNT, dpamt-facts.md). */
#define DPAMT_PAIR_BYTES 8192ULL

struct dpamt_mem {
	bool meminfo;			/* /proc/meminfo has a TDX: line */
	uint64_t meminfo_bytes;
	bool memcg;			/* memory.stat of our cgroup readable */
	uint64_t memcg_kernel_bytes;
};

void dpamt_mem_read(struct dpamt_mem *m);

#endif
