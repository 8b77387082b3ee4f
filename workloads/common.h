/* Shared parameter tables for workload builders. */
#ifndef TDX_WORKLOADS_COMMON_H
#define TDX_WORKLOADS_COMMON_H

#include "workloads/workload.h"

extern const char *const wl_accept_choices[];	/* "4K", "2M" */
extern const char *const wl_share_choices[];	/* "split", "interleave" */
/* Read accept= (4K|2M) into bytes. */
int wl_read_accept(const struct params *p, const char *def, uint64_t *unit, char *err, size_t errlen);
int wl_read_share(const struct params *p, int def, uint32_t *share, char *err, size_t errlen);

#endif
