/*
 * linux-boot: the accept pattern of a Linux TD booting with huge pages, as
 * Yan Zhao profiled it (4 GB, 8 vCPUs; 2025-06-26 and 2025-07-02,
 * lore.kernel.org/kvm/aF0Kg8FcHVMvsqSo@yzhao56-desk.sh.intel.com/): ~2710 4K
 * accepts on vCPU 0 (firmware and early kernel) where KVM could have mapped
 * 2M, ~1144 2M mappings by login, and 11 splits of a 2M mapping by a later
 * 4K accept. The counts are the profile's; what the model adds is what each
 * design does on those paths.
 */
#include "workloads/common.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

static const struct opt_desc linux_boot_params[] = {
	/* the profiled TD: overrides the common mem and vcpus */
	{ .name = "mem", .type = OPT_SIZE, .def = "4G", .unit = "bytes", .min = "2M",
	  .help = "test memory per TD (the profiled TD: 4G)" },
	{ .name = "vcpus", .type = OPT_U64, .def = "8", .min = "1", .max = "4096",
	  .help = "vCPUs per TD (the profiled TD: 8)" },
	{ .name = "early_4k", .type = OPT_U64, .def = "2710",
	  .help = "4K accepts on vCPU 0 before the kernel accepts at 2M" },
	{ .name = "maps_2m", .type = OPT_STRING, .def = "auto",
	  .help = "2M ranges accepted at 2M by login, spread over the vCPUs (auto: the "
		  "profile's 1144 of a 4G TD's 2048, scaled to mem)" },
	{ .name = "splits", .type = OPT_U64, .def = "11",
	  .help = "later 4K accepts, each inside a range mapped at 2M" },
	{ .name = NULL },
};

static int linux_boot_build(const struct params *p, struct tdxb_workload *w, char *err, size_t errlen)
{
	struct wl_common c;
	struct tdxb_phase *ph;
	uint64_t early, maps, splits, early_ranges, start2;
	const char *v;

	if (wl_read_common(linux_boot_params, p, &c, err, errlen) ||
	    opt_get_u64(linux_boot_params, p, "early_4k", &early, err, errlen) ||
	    opt_get_u64(linux_boot_params, p, "splits", &splits, err, errlen))
		return -1;
	v = params_get(p, "maps_2m");
	if (!v || !strcmp(v, "auto")) {
		maps = 1144 * (c.mem / (2 * MiB)) / 2048;
	} else if (parse_u64(v, &maps)) {
		snprintf(err, errlen, "maps_2m=%s: must be auto or a count", v);
		return -1;
	}
	early_ranges = (early + 511) / 512;
	if ((early_ranges + maps) * 2 * MiB > c.mem || splits > maps) {
		snprintf(err, errlen, "early_4k=%llu, maps_2m=%llu, splits=%llu: need (early_4k/512 + "
			 "maps_2m) x 2M <= mem and splits <= maps_2m", (unsigned long long)early,
			 (unsigned long long)maps, (unsigned long long)splits);
		return -1;
	}
	start2 = early_ranges * 2 * MiB;
	wl_init(w, &c);
	if (early) {
		ph = wl_add_phase(w, TDXB_PH_FAULT);
		ph->len = early * 4 * KiB;
		ph->unit = 4 * KiB;
		ph->share = TDXB_SHARE_VCPU0;
	}
	if (maps) {
		ph = wl_add_phase(w, TDXB_PH_FAULT);
		ph->start = start2;
		ph->len = maps * 2 * MiB;
		ph->unit = 2 * MiB;
	}
	if (splits) {
		/* one 4K accept at a seeded offset of each of the first `splits` 2M ranges */
		ph = wl_add_phase(w, TDXB_PH_FAULT);
		ph->start = start2;
		ph->len = splits * 2 * MiB;
		ph->unit = 4 * KiB;
		ph->per_region = 1;
		ph->share = TDXB_SHARE_INTERLEAVE;
		ph->seed = mix64(c.seed ^ 0x6c696e78);
	}
	return 0;
}

const struct workload_desc wl_linux_boot = {
	.name = "linux-boot",
	.summary = "a Linux TD's accepts: 4K on vCPU 0, then 2M, then a few 4K in 2M",
	.description = "Yan Zhao's boot profile of a 4 GB, 8-vCPU Linux TD: early_4k= 4K "
		       "accepts on vCPU 0 (firmware, early kernel), maps_2m= ranges accepted "
		       "at 2M across the vCPUs, then splits= 4K accepts inside ranges mapped at "
		       "2M, which a huge-page design splits on the fault path.",
	.params = linux_boot_params,
	.build = linux_boot_build,
};
