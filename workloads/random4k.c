/* random4k: touch 4K pages in a seeded random order, spread over all memory. */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>

static const struct opt_desc random4k_params[] = {
	{ .name = "touch", .type = OPT_U64, .def = "1000", .min = "1", .max = "1000", .unit = "permille",
	  .help = "per mille of the 4K pages touched" },
	{ .name = "share", .type = OPT_ENUM, .def = "interleave", .choices = wl_share_choices,
	  .help = "how vCPUs divide the pages" },
	{ .name = NULL },
};

static int random4k_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t touch;
	uint32_t share;
	if (wl_read_common(random4k_params, p, &c, err, errlen) ||
	    wl_read_share(random4k_params, p, &share, err, errlen) ||
	    opt_get_u64(random4k_params, p, "touch", &touch, err, errlen))
		return -1;
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = 4 * KiB;
	ph->order = TDXB_ORD_RANDOM;
	ph->share = share;
	ph->permille = (uint32_t)touch;
	ph->seed = mix64(c.seed ^ 0x72616e64);
	return 0;
}

const struct workload_desc wl_random4k = {
	.name = "random4k",
	.summary = "4K faults in random order over all memory",
	.description = "vCPUs touch a seeded random permutation of the TD's 4K pages "
		       "(touch= per mille of them), so consecutive faults land in different "
		       "2M regions: the worst case for PAMT pair locality.",
	.params = random4k_params,
	.build = random4k_build,
};
