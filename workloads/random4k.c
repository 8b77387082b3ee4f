/* random4k: touch 4K pages in a seeded random order, spread over all memory. */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>

static const struct opt_desc random4k_params[] = {
	{ "touch", OPT_U64, "1000", "per mille of the 4K pages touched", NULL, "permille", NULL },
	{ "share", OPT_ENUM, "interleave", "how vCPUs divide the pages", wl_share_choices, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static int random4k_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t touch;
	uint32_t share;
	if (wl_read_common(p, &c, err, errlen) || wl_read_share(p, 1, &share, err, errlen) ||
	    params_get_u64(p, "touch", 1000, &touch, err, errlen))
		return -1;
	if (touch < 1 || touch > 1000) {
		snprintf(err, errlen, "touch=%llu: must be 1..1000", (unsigned long long)touch);
		return -1;
	}
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
