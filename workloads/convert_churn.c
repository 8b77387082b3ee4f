/* convert-churn: swiotlb-like bounce buffers converted private<->shared over and over. */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>

static const struct opt_desc convert_churn_params[] = {
	{ .name = "accept", .type = OPT_ENUM, .def = "2M", .choices = wl_accept_choices,
	  .help = "size the guest first accepts memory at" },
	{ .name = "window", .type = OPT_SIZE, .def = "64M", .min = "2M", .unit = "bytes",
	  .help = "bounce-buffer window converted back and forth, a multiple of 2M, at most "
		  "mem (swiotlb's default is 64M)" },
	{ .name = "gran", .type = OPT_SIZE, .def = "4K", .min = "4K", .max = "2M", .unit = "bytes",
	  .help = "conversion granularity, a power of two" },
	{ .name = "rounds", .type = OPT_U64, .def = "4", .min = "1", .max = "1000000",
	  .help = "times the whole window is converted and back" },
	{ .name = NULL },
};

static int convert_churn_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t unit, window, gran, rounds;
	if (wl_read_common(convert_churn_params, p, &c, err, errlen) ||
	    wl_read_accept(convert_churn_params, p, &unit, err, errlen) ||
	    opt_get_size(convert_churn_params, p, "window", &window, err, errlen) ||
	    opt_get_size(convert_churn_params, p, "gran", &gran, err, errlen) ||
	    opt_get_u64(convert_churn_params, p, "rounds", &rounds, err, errlen))
		return -1;
	if (gran & (gran - 1)) {
		snprintf(err, errlen, "gran=%s: must be a power of two from 4K to 2M", params_get(p, "gran"));
		return -1;
	}
	if (window < gran || window % (2 * MiB) || window > c.mem) {
		snprintf(err, errlen, "window=%s: must be a multiple of 2M, at most mem", params_get(p, "window"));
		return -1;
	}
	wl_init(w, &c);
	ph = wl_add_phase(w, TDXB_PH_FAULT);
	ph->len = c.mem;
	ph->unit = unit;
	/* the bounce buffers sit at the top of memory, as swiotlb's usually do */
	ph = wl_add_phase(w, TDXB_PH_CONVERT);
	ph->start = c.mem - window;
	ph->len = window;
	ph->unit = gran;
	ph->flags = TDXB_CONV_TO_SHARED | TDXB_CONV_ROUNDTRIP;
	ph->share = TDXB_SHARE_INTERLEAVE;
	ph->repeat = (uint32_t)rounds;
	return 0;
}

const struct workload_desc wl_convert_churn = {
	.name = "convert-churn",
	.summary = "bounce-buffer conversions private<->shared",
	.description = "Fault in all memory, then convert a swiotlb-sized window at the top "
		       "of memory to shared and back, gran= at a time, rounds= times. The "
		       "first round splits huge leaves; every round trip then zaps and "
		       "re-adds the units (PAGE.REMOVE + put, AUG + get). A region's pair is "
		       "only removed and re-added when a whole region converts (gran=2M).",
	.params = convert_churn_params,
	.build = convert_churn_build,
	.headline = (const char *const[]){ "convert_ns_p99", "mmu_lock_wait_ns", NULL },
};
