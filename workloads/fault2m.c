/* fault2m: fault in all memory with 2M accepts (huge private mappings where supported). */
#include "workloads/common.h"
#include "lib/util.h"

static const struct opt_desc fault2m_params[] = {
	{ .name = "share", .type = OPT_ENUM, .def = "split", .choices = wl_share_choices,
	  .help = "how vCPUs divide the range" },
	{ .name = NULL },
};

static int fault2m_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint32_t share;
	if (wl_read_common(fault2m_params, p, &c, err, errlen) ||
	    wl_read_share(fault2m_params, p, &share, err, errlen))
		return -1;
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = 2 * MiB;
	ph->share = share;
	return 0;
}

const struct workload_desc wl_fault2m = {
	.name = "fault2m",
	.summary = "sequential fault-in at 2M",
	.description = "Like boot, but the guest accepts and touches 2M at a time, so a "
		       "backend with huge private mappings maps 2M leaves (no PAMT pair for "
		       "guest memory) and one without maps 512 4K leaves.",
	.params = fault2m_params,
	.build = fault2m_build,
};
