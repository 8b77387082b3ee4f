/*
 * Host /proc/vmstat snapshots and deltas (page faults, THP allocations and
 * splits, ...) around a run: what the host's mm did for the guest's faults.
 */
#ifndef TDX_SAMPLE_VMSTAT_H
#define TDX_SAMPLE_VMSTAT_H

#include <stdint.h>

/* The counters tdxbench records, in this order; metric name = "vmstat_" + name. */
extern const char *const vmstat_keys[];
#define VMSTAT_NKEYS 8

struct vmstat_snap {
	uint64_t v[VMSTAT_NKEYS];
	uint32_t present;	/* bit i: key i exists on this kernel */
};

/* 0 ok, -1 when /proc/vmstat cannot be read (errno set). */
int vmstat_read(struct vmstat_snap *s);

#endif
