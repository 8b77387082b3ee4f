/* boot: fault in all of the TD's memory once, in order, as a booting guest does. */
#include "workloads/common.h"

static const struct opt_desc boot_params[] = {
	{ .name = "accept", .type = OPT_ENUM, .def = "4K", .choices = wl_accept_choices,
	  .help = "size the guest accepts/touches" },
	{ .name = "share", .type = OPT_ENUM, .def = "split", .choices = wl_share_choices,
	  .help = "how vCPUs divide the range" },
	{ .name = NULL },
};

static int boot_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t unit;
	uint32_t share;
	if (wl_read_common(boot_params, p, &c, err, errlen) ||
	    wl_read_accept(boot_params, p, &unit, err, errlen) ||
	    wl_read_share(boot_params, p, &share, err, errlen))
		return -1;
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = unit;
	ph->share = share;
	return 0;
}

const struct workload_desc wl_boot = {
	.name = "boot",
	.summary = "sequential fault-in of all memory",
	.description = "Every vCPU touches its slice of the TD's memory once, in address order, "
		       "at the accepted size (accept=): the pattern of a guest booting "
		       "and zeroing its memory.",
	.params = boot_params,
	.build = boot_build,
};
