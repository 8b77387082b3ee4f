/* Shared parameter tables for workload builders. */
#ifndef TDX_WORKLOADS_COMMON_H
#define TDX_WORKLOADS_COMMON_H

#include "workloads/workload.h"

extern const char *const wl_accept_choices[];	/* "4K", "2M" */
extern const char *const wl_share_choices[];	/* "split", "interleave" */
/*
 * accept= (4K|2M) in bytes and share= (split|interleave), with the default
 * of the workload's own table own (whose choices must be the lists above).
 */
int wl_read_accept(const struct opt_desc *own, const struct params *p, uint64_t *unit,
		   char *err, size_t errlen);
int wl_read_share(const struct opt_desc *own, const struct params *p, uint32_t *share,
		  char *err, size_t errlen);

#endif
