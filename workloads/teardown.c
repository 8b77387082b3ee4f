/* teardown: boot, then destroy the TD as a measured phase. */
#include "workloads/common.h"

static const struct opt_desc teardown_params[] = {
	{ .name = "accept", .type = OPT_ENUM, .def = "4K", .choices = wl_accept_choices,
	  .help = "size the guest accepts/touches" },
	{ .name = NULL },
};

static int teardown_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t unit;
	if (wl_read_common(teardown_params, p, &c, err, errlen) ||
	    wl_read_accept(teardown_params, p, &unit, err, errlen))
		return -1;
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = unit;
	wl_add_phase(w, TDXB_PH_TEARDOWN);
	return 0;
}

const struct workload_desc wl_teardown = {
	.name = "teardown",
	.summary = "boot, then TD destruction as a measured phase",
	.description = "Fault in all memory at 4K, then tear the TD down: PAGE.REMOVE and "
		       "PAMT.REMOVE for every region, cache leftovers freed at vCPU destroy.",
	.params = teardown_params,
	.build = teardown_build,
	.headline = (const char *const[]){ "pamt_remove", "teardown_pamt_lock_wait_ns", NULL },
};
