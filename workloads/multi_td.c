/* multi-td: several TDs booting at once on one host, sharing its 2M regions and pamt_lock. */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>

static const struct opt_desc multi_td_params[] = {
	{ "accept", OPT_ENUM, "4K", "size each guest accepts/touches", wl_accept_choices, NULL, NULL },
	/* overrides the common default of 1: the point of this workload is sharing */
	{ "tds", OPT_U64, "4", "TDs sharing the host", NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static int multi_td_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t unit;
	if (wl_read_common(p, &c, err, errlen) || wl_read_accept(p, "4K", &unit, err, errlen))
		return -1;
	if (!params_has(p, "tds"))
		c.tds = 4;
	if (c.tds < 2) {
		snprintf(err, errlen, "tds=%u: multi-td needs at least 2 TDs", c.tds);
		return -1;
	}
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = unit;
	return 0;
}

const struct workload_desc wl_multi_td = {
	.name = "multi-td",
	.summary = "N TDs booting together on one host",
	.description = "tds= TDs (default 4) each fault in their memory concurrently, so their "
		       "pages, S-EPT pages and PAMT pairs interleave in the host's 2M regions "
		       "and they contend on the global pamt_lock.",
	.params = multi_td_params,
	.build = multi_td_build,
};
