/* multi-td: several TDs booting at once on one host, sharing its 2M regions and pamt_lock. */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>

static const struct opt_desc multi_td_params[] = {
	{ .name = "accept", .type = OPT_ENUM, .def = "4K", .choices = wl_accept_choices,
	  .help = "size each guest accepts/touches" },
	/* overrides the common tds: the point of this workload is sharing */
	{ .name = "tds", .type = OPT_U64, .def = "4", .min = "2", .max = "1024",
	  .help = "TDs sharing the host" },
	{ .name = NULL },
};

static int multi_td_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t unit;
	if (wl_read_common(multi_td_params, p, &c, err, errlen) ||
	    wl_read_accept(multi_td_params, p, &unit, err, errlen))
		return -1;
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = unit;
	return 0;
}

const struct workload_desc wl_multi_td = {
	.name = "multi-td",
	.summary = "N TDs booting together on one host",
	.description = "tds= TDs each fault in their memory concurrently, so their "
		       "pages, S-EPT pages and PAMT pairs interleave in the host's 2M regions "
		       "and they contend on the global pamt_lock.",
	.params = multi_td_params,
	.build = multi_td_build,
};
