/* convert-churn: swiotlb-like bounce buffers converted private<->shared over and over. */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>

static const struct opt_desc convert_churn_params[] = {
	{ "accept", OPT_ENUM, "2M", "size the guest first accepts memory at", wl_accept_choices, NULL, NULL },
	{ "window", OPT_SIZE, "64M", "bounce-buffer window converted back and forth (swiotlb default 64M)", NULL, "bytes", NULL },
	{ "gran", OPT_SIZE, "4K", "conversion granularity (4K..2M)", NULL, "bytes", NULL },
	{ "rounds", OPT_U64, "4", "times the whole window is converted and back", NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static int convert_churn_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t unit, window, gran, rounds;
	if (wl_read_common(p, &c, err, errlen) || wl_read_accept(p, "2M", &unit, err, errlen) ||
	    params_get_size(p, "window", 64 * MiB, &window, err, errlen) ||
	    params_get_size(p, "gran", 4 * KiB, &gran, err, errlen) ||
	    params_get_u64(p, "rounds", 4, &rounds, err, errlen))
		return -1;
	if (gran < 4 * KiB || gran > 2 * MiB || (gran & (gran - 1))) {
		snprintf(err, errlen, "gran=%s: must be a power of two from 4K to 2M", params_get(p, "gran"));
		return -1;
	}
	if (window < gran || window % (2 * MiB) || window > c.mem) {
		snprintf(err, errlen, "window=%s: must be a multiple of 2M, at most mem", params_get(p, "window"));
		return -1;
	}
	if (rounds < 1 || rounds > 1000000) {
		snprintf(err, errlen, "rounds=%llu: must be 1..1000000", (unsigned long long)rounds);
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
};
