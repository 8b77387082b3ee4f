#include "workloads/workload.h"
#include "lib/fmt.h"
#include "lib/util.h"
#include "workloads/registry.h"

#include <stdio.h>
#include <string.h>

const struct opt_desc workload_common_opts[] = {
	/* 64T: beyond any host, and mem x tds x 4K-page counts stay far from wrapping */
	{ .name = "mem", .type = OPT_SIZE, .def = "1G", .min = "2M", .max = "64T", .unit = "bytes",
	  .help = "test memory per TD (a multiple of 2M)" },
	{ .name = "vcpus", .type = OPT_U64, .def = "1", .min = "1", .max = "4096", .help = "vCPUs per TD" },
	{ .name = "tds", .type = OPT_U64, .def = "1", .min = "1", .max = "1024",
	  .help = "TDs (VMs) sharing the host" },
	{ .name = NULL },
};

#define TDX_WL_PTR(n) &wl_##n,
static const struct workload_desc *const all_workloads[] = { TDX_WORKLOADS(TDX_WL_PTR) NULL };
#undef TDX_WL_PTR

const struct workload_desc *const *workload_all(void)
{
	return all_workloads;
}

const struct workload_desc *workload_find(const char *name)
{
	for (size_t i = 0; all_workloads[i]; i++)
		if (!strcmp(all_workloads[i]->name, name))
			return all_workloads[i];
	return NULL;
}

const char *const *workload_names(void)
{
	static const char *names[ARRAY_SIZE(all_workloads)];
	for (size_t i = 0; all_workloads[i]; i++)
		names[i] = all_workloads[i]->name;
	return names;
}

const struct opt_desc *wl_key_table(const struct opt_desc *own, const char *key)
{
	return opt_find(own, key) ? own : workload_common_opts;
}

int wl_read_common(const struct opt_desc *own, const struct params *p, struct wl_common *c,
		   char *err, size_t errlen)
{
	uint64_t v;
	if (opt_get_size(wl_key_table(own, "mem"), p, "mem", &c->mem, err, errlen))
		return -1;
	if (c->mem % (2 * MiB)) {
		snprintf(err, errlen, "mem=%s: must be a multiple of 2M", params_get(p, "mem"));
		return -1;
	}
	if (opt_get_u64(wl_key_table(own, "vcpus"), p, "vcpus", &v, err, errlen))
		return -1;
	c->vcpus = (uint32_t)v;
	if (opt_get_u64(wl_key_table(own, "tds"), p, "tds", &v, err, errlen))
		return -1;
	c->tds = (uint32_t)v;
	if (params_get_u64(p, "seed", 1, &c->seed, err, errlen))
		return -1;
	return 0;
}

void wl_init(struct tdxb_workload *w, const struct wl_common *c)
{
	memset(w, 0, sizeof(*w));
	w->magic = TDXB_WORKLOAD_MAGIC;
	w->version = TDXB_WORKLOAD_VERSION;
	w->vcpus = c->vcpus;
	w->tds = c->tds;
	w->mem_bytes = c->mem;
}

struct tdxb_phase *wl_add_phase(struct tdxb_workload *w, uint32_t kind)
{
	struct tdxb_phase *ph;
	if (w->nphases >= TDXB_MAX_PHASES)
		BUG("too many phases");
	ph = &w->phases[w->nphases++];
	memset(ph, 0, sizeof(*ph));
	ph->kind = kind;
	ph->repeat = 1;
	ph->permille = 1000;
	ph->unit = 4 * KiB;
	return ph;
}

const char *wl_phase_kind_name(uint32_t k)
{
	switch (k) {
	case TDXB_PH_FAULT: return "fault";
	case TDXB_PH_CONVERT: return "convert";
	case TDXB_PH_REWRITE: return "rewrite";
	case TDXB_PH_IDLE: return "idle";
	case TDXB_PH_TEARDOWN: return "teardown";
	case TDXB_PH_TEST_CRASH: return "test-crash";
	case TDXB_PH_TEST_HANG: return "test-hang";
	case TDXB_PH_TEST_BAD_EXIT: return "test-bad-exit";
	}
	return "?";
}

void wl_describe_phase(const struct tdxb_phase *ph, char *buf, size_t len)
{
	static const char *const orders[] = { "seq", "random", "stride" };
	char a[FMT_LEN], b[FMT_LEN], u[FMT_LEN], per[32] = "";
	if (ph->per_region)
		snprintf(per, sizeof(per), ", %u per 2M region", ph->per_region);
	fmt_value((double)ph->start, "bytes", a, sizeof(a));
	fmt_value((double)(ph->start + ph->len), "bytes", b, sizeof(b));
	fmt_value((double)ph->unit, "bytes", u, sizeof(u));
	switch (ph->kind) {
	case TDXB_PH_FAULT:
	case TDXB_PH_REWRITE:
		snprintf(buf, len, "%s [%s,%s) %s %s units%s, %s, %u/1000 touched, x%u",
			 wl_phase_kind_name(ph->kind), a, b, orders[ph->order % 3], u,
			 per,
			 ph->share == TDXB_SHARE_SPLIT ? "split" :
			 ph->share == TDXB_SHARE_VCPU0 ? "vCPU 0 only" : "interleaved",
			 ph->permille, ph->repeat);
		break;
	case TDXB_PH_CONVERT:
		snprintf(buf, len, "convert [%s,%s) %s%s by %s, %u per 2M region, x%u", a, b,
			 ph->flags & TDXB_CONV_ROUNDTRIP ? "private->shared->private" :
			 ph->flags & TDXB_CONV_TO_SHARED ? "private->shared" : "shared->private",
			 "", u, ph->per_region, ph->repeat);
		break;
	case TDXB_PH_IDLE:
		snprintf(buf, len, "idle %llu ns", (unsigned long long)ph->idle_ns);
		break;
	default:
		snprintf(buf, len, "%s", wl_phase_kind_name(ph->kind));
	}
}
