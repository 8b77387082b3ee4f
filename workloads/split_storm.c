/* split-storm: one 4K conversion in every 2M region of huge-mapped memory. */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>

static const struct opt_desc split_storm_params[] = {
	{ .name = "per_region", .type = OPT_U64, .def = "1", .min = "1", .max = "512",
	  .help = "4K pages converted to shared in each 2M region" },
	{ .name = NULL },
};

static int split_storm_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t per_region;
	if (wl_read_common(split_storm_params, p, &c, err, errlen) ||
	    opt_get_u64(split_storm_params, p, "per_region", &per_region, err, errlen))
		return -1;
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = 2 * MiB;
	ph = wl_add_phase(w, TDXB_PH_CONVERT);
	ph->len = c.mem;
	ph->unit = 4 * KiB;
	ph->flags = TDXB_CONV_TO_SHARED;
	ph->per_region = (uint32_t)per_region;
	ph->seed = mix64(c.seed ^ 0x73706c74);
	return 0;
}

const struct workload_desc wl_split_storm = {
	.name = "split-storm",
	.summary = "a 4K conversion in every 2M region",
	.description = "Fault in all memory at 2M, then convert per_region= 4K pages of every "
		       "2M region to shared: every huge leaf must be split (DEMOTE, a pair for "
		       "the new S-EPT page and one for the guest range) before the 4K zap.",
	.params = split_storm_params,
	.build = split_storm_build,
};
