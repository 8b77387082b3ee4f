/*
 * What a TD run records besides the run loop's metrics: the TD's identity
 * (attributes, shared bit, measured pages), the probes, and the DPAMT memory
 * figure from the best witness the host has (sample/dpamt_mem.h).
 */
#include "backend/tdx/td.h"
#include "lib/util.h"

#include <stdio.h>

void td_sample(struct vmm_guest *g, bool end)
{
	struct td_state *st = g->priv;
	dpamt_mem_read(&st->mem[end]);
	st->mem_sampled[end] = true;
}

static double metric_or(const struct run_result *res, const char *name, double def)
{
	const struct result_metric *m = result_find_metric(res, name);
	return m ? m->value : def;
}

/*
 * The DPAMT figure from the best witness (sample/dpamt_mem.h), under the
 * model's names where the meaning is the same (pamt_add, pamt_remove,
 * dpamt_bytes_end), with the witness recorded as dpamt_source.
 */
static void td_dpamt(struct td_state *st, struct run_result *res)
{
	const struct dpamt_mem *a = &st->mem[0], *b = &st->mem[1];
	double add = metric_or(res, "trace_tdh_phymem_pamt_add", -1), rem = metric_or(res, "trace_tdh_phymem_pamt_remove", -1);
	double get = metric_or(res, "trace_tdx_pamt_get", -1), put = metric_or(res, "trace_tdx_pamt_put", -1);
	struct host_tdx_module mod;

	if (add >= 0)
		result_metric(res, "pamt_add", add, "ops");
	if (rem >= 0)
		result_metric(res, "pamt_remove", rem, "ops");
	if (get >= 0)
		result_metric(res, "pamt_get", get, "ops");
	if (put >= 0)
		result_metric(res, "pamt_put", put, "ops");
	if (st->mem_sampled[0] && st->mem_sampled[1] && a->meminfo && b->meminfo) {
		result_metric(res, "dpamt_bytes_end", (double)b->meminfo_bytes, "bytes");
		result_metric(res, "dpamt_bytes_delta", (double)b->meminfo_bytes - (double)a->meminfo_bytes, "bytes");
		result_note(res, "dpamt_source", "/proc/meminfo 'TDX:' line (host-wide; the out-of-tree accounting "
			    "patch), read before the first phase and after the last");
	} else if (st->mem_sampled[0] && st->mem_sampled[1] && a->memcg && b->memcg) {
		result_metric(res, "dpamt_bytes_delta", (double)b->memcg_kernel_bytes - (double)a->memcg_kernel_bytes,
			      "bytes");
		result_note(res, "dpamt_source", "this process's memory cgroup, memory.stat 'kernel' delta over the "
			    "phases: an upper bound (S-EPT and TD control pages are charged there too); no 'TDX:' line "
			    "in /proc/meminfo");
	} else if (add >= 0 && rem >= 0) {
		result_metric(res, "dpamt_bytes_delta", (add - rem) * (double)DPAMT_PAIR_BYTES, "bytes");
		result_note(res, "dpamt_source", "counted: (PAMT.ADD - PAMT.REMOVE probes) x 8 KiB per pair; "
			    "no 'TDX:' line in /proc/meminfo, no memory cgroup");
	} else {
		result_note(res, "dpamt_source", "none: no 'TDX:' line in /proc/meminfo, no readable memory cgroup, "
			    "no PAMT.ADD/REMOVE probes");
	}
	host_tdx_module(&mod);
	result_note(res, "tdx_module", "version %s%s%s; Dynamic PAMT %s (%s)", mod.version[0] ? mod.version : "unknown",
		    mod.version[0] ? " from " : "", mod.version[0] ? mod.version_source : "",
		    mod.dpamt == 1 ? "on" : mod.dpamt == 0 ? "off" : "unknown", mod.dpamt_why);
}

void td_notes(struct vmm_guest *g, const struct kvm_settings *ks, struct run_result *res)
{
	struct td_state *st = g->priv;
	const struct tdx_settings *s = (const struct tdx_settings *)ks;
	result_note(res, "vm_type", "KVM_X86_TDX_VM");
	result_note(res, "td_attributes", "%#llx%s (supported %#llx)", (unsigned long long)st->attributes,
		    st->attributes & TDXB_TD_ATTR_SEPT_VE_DISABLE ? " SEPT_VE_DISABLE" : "",
		    (unsigned long long)st->supported_attrs);
	result_note(res, "shared_bit", "GPA bit %u (GPAW %u from KVM_TDX_GET_CPUID)", st->gpaw - 1, st->gpaw);
	result_note(res, "td_measured", "%llu pages added with KVM_TDX_INIT_MEM_REGION(MEASURE); "
		    "KVM_TDX_INIT_VM retried %llu times on EAGAIN, FINALIZE %llu times on EBUSY",
		    (unsigned long long)st->pages_added, (unsigned long long)st->init_vm_retries,
		    (unsigned long long)st->finalize_retries);
	result_note(res, "accept", "the guest asks TDG.MEM.PAGE.ACCEPT for 2M first and falls back to 4K, as Linux; "
		    "a 2M *request*: upstream S-EPT maps private memory at 4K only");
	result_metric(res, "implicit_conversions", (double)st->implicit_conversions, "ops");
	if (st->tdx_exits_refused)
		result_note(res, "tdx_exits", "%llu KVM_EXIT_TDX leaves answered SUBFUNC_UNSUPPORTED",
			    (unsigned long long)st->tdx_exits_refused);
	if (s->probe_note[0])
		result_note(res, "seamcall_probes", "%s", s->probe_note);
	td_dpamt(st, res);
}
