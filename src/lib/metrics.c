#include "lib/metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Unranked entries leave rank and title out: they are 0 and NULL. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/*
 * Keep in the order docs/metrics.md lists them: sim first, then real backends.
 * rank and title: the figures people ask for on the list first (rank 1 is
 * the first column of every table), with the short title a summary column
 * carries; unranked metrics follow in this table's order.
 */
const struct metric_desc metric_table[] = {
	/* DPAMT work (sim, tdx) */
	{ "pamt_add", "ops", BETTER_LOWER, "TDH.PHYMEM.PAMT.ADD calls (region refcount 0->1)", 3, "PAMT.ADD" },
	{ "pamt_remove", "ops", BETTER_LOWER, "TDH.PHYMEM.PAMT.REMOVE calls (refcount 1->0)", 0, "PAMT.REMOVE" },
	{ "pamt_get_fast", "ops", BETTER_NONE, "tdx_pamt_get() satisfied by a refcount bump" },
	{ "pamt_get", "ops", BETTER_NONE, "tdx_pamt_get() calls, fast path included (tdx: kprobe)" },
	{ "pamt_put", "ops", BETTER_NONE, "tdx_pamt_put() calls, fast path included (tdx: kprobe)" },
	{ "dpamt_bytes_peak", "bytes", BETTER_LOWER, "peak memory held as DPAMT pairs", 2, "DPAMT peak" },
	{ "dpamt_bytes_end", "bytes", BETTER_LOWER, "DPAMT memory held at the end of the workload, before teardown" },
	{ "dpamt_bytes_delta", "bytes", BETTER_LOWER, "DPAMT memory gained over the phases (tdx: the dpamt_source note names the witness)" },
	{ "dpamt_bytes_after_teardown", "bytes", BETTER_LOWER, "DPAMT memory left after every TD is torn down (must be 0)" },
	{ "static_pamt_bytes", "bytes", BETTER_LOWER, "PAMT memory reserved up front: the 1G and 2M levels, plus the 4K level when static or the 4K bitmap with DPAMT" },
	{ "pamt_refcount_bytes", "bytes", BETTER_LOWER, "DPAMT refcount array: 4 bytes per 2M up to max_pfn (v6 04/11)" },
	{ "total_pamt_bytes", "bytes", BETTER_LOWER, "all PAMT memory: static levels + refcounts + peak DPAMT pairs (speculative ones included)", 1, "PAMT total", true },
	{ "spec_pairs_peak", "pairs", BETTER_LOWER, "peak pairs whose only users are cached, never-gifted pages", 4, "spec pairs" },
	{ "cache_pages_idle_peak", "pages", BETTER_LOWER, "peak pages sitting in KVM/TDX caches", 10, "idle cache pg" },
	{ "pages_alloc", "pages", BETTER_LOWER, "pages taken from the host page allocator for caches and PAMT" },
	{ "pages_free_unused", "pages", BETTER_LOWER, "cached pages freed without ever being used" },
	{ "topups", "ops", BETTER_LOWER, "cache top-ups that allocated at least one page" },
	{ "splits", "ops", BETTER_NONE, "2M private leaves split (DEMOTE)", 11, "splits" },
	{ "split_retries", "ops", BETTER_LOWER, "split attempts retried after a cache top-up" },
	{ "mmu_lock_wait_ns", "ns", BETTER_LOWER, "total time vCPUs waited for mmu_lock", 12, "mmu_lock wait" },
	{ "pamt_lock_wait_ns", "ns", BETTER_LOWER, "total time waited for the global pamt_lock", 13, "pamt_lock wt", true },
	{ "pamt_lock_contended", "ops", BETTER_LOWER, "pamt_lock acquisitions that had to wait" },
	{ "pamt_add_races", "ops", BETTER_LOWER, "gets that found another CPU's PAMT.ADD on their region in flight: pair allocated, lock waited for, pair freed" },
	{ "pamt_remove_races", "ops", BETTER_LOWER, "gets that found a PAMT.REMOVE on their region in flight and added the pair back after it" },
	{ "pamt_get_wait_avg_ns", "ns", BETTER_LOWER, "mean pamt_lock wait of the gets that took the lock (Yan's get T1)" },
	{ "pamt_get_wait_max_ns", "ns", BETTER_LOWER, "longest pamt_lock wait of a get" },
	{ "pamt_put_wait_avg_ns", "ns", BETTER_LOWER, "mean pamt_lock wait of the puts that took the lock (Yan's put T1)" },
	{ "pamt_put_wait_max_ns", "ns", BETTER_LOWER, "longest pamt_lock wait of a put" },
	{ "fault_ns_p50", "ns", BETTER_LOWER, "median EPT-violation handling latency" },
	{ "fault_ns_p99", "ns", BETTER_LOWER, "99th percentile EPT-violation handling latency", 5, "fault p99" },
	{ "fault_ns_max", "ns", BETTER_LOWER, "worst EPT-violation handling latency" },
	{ "faults", "ops", BETTER_NONE, "EPT violations handled", 14, "faults" },
	{ "virt_time_ns", "ns", BETTER_LOWER, "virtual time to finish the workload (model)", 15, "virt time" },
	/* sim extras */
	{ "pamt_put_fast", "ops", BETTER_NONE, "tdx_pamt_put() that only dropped a reference (sim)" },
	{ "split_cache_pages", "pages", BETTER_LOWER, "pages taken from per-VM split caches by splits (sim)" },
	{ "split_lock_wait_ns", "ns", BETTER_LOWER, "time waited for the per-VM split-cache lock or mutex (sim)" },
	{ "sept_pages", "pages", BETTER_NONE, "S-EPT pages linked (sim)" },
	{ "faults_2m", "ops", BETTER_NONE, "faults mapped by a 2M private leaf (sim)" },
	{ "shared_faults", "ops", BETTER_NONE, "EPT violations on shared memory (sim)" },
	{ "pamt_add_ns_avg", "ns", BETTER_NONE, "mean time of the PAMT.ADDs (drawn from cost_pamt_add_min..max) (sim)" },
	{ "pamt_add_ns_max", "ns", BETTER_NONE, "longest PAMT.ADD drawn (sim)" },
	{ "pamt_remove_ns_avg", "ns", BETTER_NONE, "mean time of the PAMT.REMOVEs (sim)" },
	{ "pamt_remove_ns_max", "ns", BETTER_NONE, "longest PAMT.REMOVE drawn (sim)" },
	{ "fault_splits", "ops", BETTER_NONE, "2M leaves split on the fault path by a 4K accept (HP v3) (sim)" },
	{ "mmu_lock_writes", "ops", BETTER_LOWER, "write mmu_lock acquisitions (splits, conversions) (sim)" },
	{ "pamt_lock_softirq", "ops", BETTER_LOWER, "pamt_lock acquisitions from softirq: RCU callbacks freeing S-EPT pages (sean-v5), lockdep's IN-SOFTIRQ-W (sim)" },
	{ "rcu_deferred_peak", "pages", BETTER_LOWER, "most reclaimed S-EPT pages of one TD waiting for their RCU callback, each holding its PAMT reference (sim)" },
	{ "pairs_demote", "pairs", BETTER_NONE, "DPAMT pairs installed by DEMOTE, without a PAMT.ADD (sim)" },
	{ "pamt_cache_fill_max", "pages", BETTER_LOWER, "most pages one per-vCPU tdx_pamt_cache (v4: the combined list) held after a top-up (sim)" },
	{ "teardown_pamt_lock_wait_ns", "ns", BETTER_LOWER, "pamt_lock wait inside the measured teardown phase (sim)", 0, "teardown lock" },
	{ "teardown_pamt_lock_contended", "ops", BETTER_LOWER, "pamt_lock acquisitions that waited inside the measured teardown phase (sim)" },
	{ "teardown_pamt_put_wait_max_ns", "ns", BETTER_LOWER, "longest pamt_lock wait of a put inside the measured teardown phase (sim)" },
	/* real VMs (kvm, tdx) */
	{ "pf_taken", "ops", BETTER_NONE, "KVM stat: page faults taken" },
	{ "pf_fixed", "ops", BETTER_NONE, "KVM stat: page faults fixed by installing a mapping" },
	{ "pages_4k", "pages", BETTER_NONE, "KVM stat: 4K mappings at the end" },
	{ "pages_2m", "pages", BETTER_NONE, "KVM stat: 2M mappings at the end" },
	{ "wall_ns", "ns", BETTER_LOWER, "wall-clock time of the measured phases", 16, "wall" },
	{ "pages_per_sec_per_vcpu", "pages/s", BETTER_HIGHER, "pages faulted in per second per vCPU (as demand_paging_test quotes)", 6, "pages/s/vCPU" },
	{ "conversions", "ops", BETTER_NONE, "private<->shared conversions done" },
	{ "conversions_per_sec", "ops/s", BETTER_HIGHER, "conversions per second", 7, "conv/s" },
	{ "convert_ns_p50", "ns", BETTER_LOWER, "median conversion latency", 8, "convert p50" },
	{ "convert_ns_p99", "ns", BETTER_LOWER, "99th percentile conversion latency", 9, "convert p99" },
	{ "exits", "ops", BETTER_NONE, "KVM stat: VM exits" },
	{ "pages_1g", "pages", BETTER_NONE, "KVM stat: 1G mappings at the end" },
	{ "pages_touched", "pages", BETTER_NONE, "4K pages the guest touched in fault phases" },
	{ "convert_ns_max", "ns", BETTER_LOWER, "worst conversion latency" },
	{ "io_exits", "ops", BETTER_NONE, "KVM stat: port I/O exits" },
	{ "mmio_exits", "ops", BETTER_NONE, "KVM stat: MMIO exits" },
	{ "halt_exits", "ops", BETTER_NONE, "KVM stat: HLT exits" },
	{ "hypercalls", "ops", BETTER_NONE, "KVM stat: hypercalls" },
	{ "tlb_flush", "ops", BETTER_NONE, "KVM stat: guest TLB flushes" },
	{ "pf_emulate", "ops", BETTER_LOWER, "KVM stat: page faults that needed instruction emulation" },
	{ "pf_spurious", "ops", BETTER_NONE, "KVM stat: page faults that found the mapping already there" },
	{ "pf_fast", "ops", BETTER_NONE, "KVM stat: page faults fixed on the lockless fast path" },
	{ "pf_guest", "ops", BETTER_NONE, "KVM stat: page faults reflected into the guest" },
	{ "remote_tlb_flush", "ops", BETTER_LOWER, "KVM stat: TLB flushes of all vCPUs" },
	{ "mmu_shadow_zapped", "ops", BETTER_NONE, "KVM stat: shadow/TDP pages zapped" },
	{ "nx_lpage_splits", "pages", BETTER_NONE, "KVM stat: huge pages split for the NX workaround" },
	{ "user_exits", "ops", BETTER_LOWER, "exits to the VMM (user_exits_<reason> per KVM_EXIT_ reason)" },
	{ "accept_2m_requests", "ops", BETTER_NONE, "tdx: TDG.MEM.PAGE.ACCEPT asked at 2M (a request: upstream S-EPT maps private memory at 4K)" },
	{ "accept_2m_ok", "ops", BETTER_NONE, "tdx: 2M accept requests the TDX module granted" },
	{ "accept_4k", "ops", BETTER_NONE, "tdx: TDG.MEM.PAGE.ACCEPT calls at 4K (the fallback, and re-accepts after shared->private)" },
	{ "implicit_conversions", "ops", BETTER_LOWER, "tdx: KVM_EXIT_MEMORY_FAULT exits handled as conversions the guest did not ask for" },
	{ "teardown_ns", "ns", BETTER_LOWER, "time to destroy the VM and free its memory" },
	{ "vmstat_pgfault", "ops", BETTER_NONE, "host /proc/vmstat pgfault delta over the measured phases (system-wide)" },
	{ "vmstat_thp_fault_alloc", "ops", BETTER_NONE, "host THPs allocated on fault during the measured phases" },
	{ "vmstat_thp_split_pmd", "ops", BETTER_NONE, "host THP PMD splits during the measured phases" },
	/* tracepoints counted in a private tracefs instance (kvm trace=auto|on) */
	{ "trace_kvm_page_fault", "ops", BETTER_NONE, "tracepoint kvm:kvm_page_fault: EPT/NPT violations taken (VMX/SVM)" },
	{ "trace_kvm_exit", "ops", BETTER_NONE, "tracepoint kvm:kvm_exit: VM exits (VMX/SVM)" },
	{ "trace_kvm_mmu_split_huge_page", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_mmu_split_huge_page: huge SPTEs split" },
	{ "trace_kvm_mmu_spte_requested", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_mmu_spte_requested: faults asking for a mapping" },
	{ "trace_fast_page_fault", "ops", BETTER_NONE, "tracepoint kvmmmu:fast_page_fault: faults tried on the lockless path" },
	{ "trace_kvm_mmu_set_spte", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_mmu_set_spte: shadow-MMU leaf SPTEs installed" },
	{ "trace_kvm_tdp_mmu_spte_changed", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_tdp_mmu_spte_changed: TDP MMU SPTE writes" },
	{ "trace_kvm_mmu_get_page", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_mmu_get_page: shadow/TDP page-table pages found or made" },
	{ "trace_kvm_mmu_prepare_zap_page", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_mmu_prepare_zap_page: page-table pages zapped" },
	{ "trace_kvm_mmu_set_dirty_bit", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_mmu_set_dirty_bit: guest PTE dirty bits set by KVM's walker (one per page first written, shadow paging)" },
	{ "trace_kvm_mmu_set_accessed_bit", "ops", BETTER_NONE, "tracepoint kvmmmu:kvm_mmu_set_accessed_bit: guest PTE accessed bits set by KVM's walker" },
	{ "trace_lost", "ops", BETTER_LOWER, "tracepoint records the ring buffer dropped (counts are low by this much)" },
	/* per-page accounting (kvm trace_events=per-page): events per 4K page of the fault phases */
	{ "exits_per_page", "ops/page", BETTER_LOWER, "kvm:kvm_exit per page touched (VM exits; 0 where the host has no VMX/SVM exits)" },
	{ "emulated_insns_per_page", "ops/page", BETTER_LOWER, "kvm:kvm_emulate_insn per page touched (guest instructions KVM's emulator ran)" },
	{ "pt_walks_per_page", "ops/page", BETTER_LOWER, "kvmmmu:kvm_mmu_pagetable_walk per page touched (guest page-table walks by KVM)" },
	{ "host_faults_per_page", "ops/page", BETTER_LOWER, "exceptions:page_fault_user + page_fault_kernel per page touched (#PF the host took in the VMM's threads)" },
};

const size_t metric_table_len = sizeof(metric_table) / sizeof(metric_table[0]);

static const struct metric_desc *exact(const char *name)
{
	for (size_t i = 0; i < metric_table_len; i++)
		if (!strcmp(metric_table[i].name, name))
			return &metric_table[i];
	return NULL;
}

/*
 * Families the real backends emit per phase or per exit reason
 * ("phase1_wall_ns", "user_exits_IO") take the meaning of their base metric,
 * so compare and report know their unit and direction too.
 */
static const struct metric_desc phase_pages = {
	"phase*_pages", "pages", BETTER_NONE, "pages a phase touched"
};
static const struct metric_desc trace_event = {
	"trace_*", "ops", BETTER_NONE, "records of one tracepoint (trace_events knob)"
};
static const struct metric_desc user_exit_reason = {
	"user_exits_*", "ops", BETTER_NONE, "exits to the VMM for one KVM_EXIT_* reason"
};
static const struct metric_desc probe_mean = {
	"*_ns_mean", "ns", BETTER_LOWER, "mean time from a probed function's entry to its return (tdx: SEAMCALL wrappers)"
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && !strcmp(s + n - k, suffix);
}

const struct metric_desc *metric_find(const char *name)
{
	const struct metric_desc *d = exact(name);
	unsigned phase;
	int used = 0;

	if (d)
		return d;
	if (sscanf(name, "phase%u_%n", &phase, &used) == 1 && used > 0) {
		if (!strcmp(name + used, "pages"))
			return &phase_pages;
		name += used;
		d = exact(name);
		if (d)
			return d;
		if (ends_with(name, "_ns_mean"))
			return &probe_mean;
		if (strncmp(name, "trace_", 6) || !name[6])
			return NULL;
		return &trace_event;
	}
	if (!strncmp(name, "trace_", 6) && name[6])
		return &trace_event;
	if (!strncmp(name, "user_exits_", 11) && name[11])
		return &user_exit_reason;
	if (ends_with(name, "_ns_mean"))
		return &probe_mean;
	return NULL;
}

const char *better_name(enum better b)
{
	switch (b) {
	case BETTER_LOWER: return "lower";
	case BETTER_HIGHER: return "higher";
	default: return "none";
	}
}

#define UNRANKED 1000

static int table_order(const struct metric_desc *d)
{
	for (size_t i = 0; i < metric_table_len; i++)
		if (&metric_table[i] == d)
			return d->rank ? d->rank : UNRANKED + (int)i;
	return UNRANKED + (int)metric_table_len;	/* a family: phase*_pages, trace_* */
}

int metric_order(const char *name)
{
	const struct metric_desc *d = metric_find(name);
	size_t len = strlen(name);

	if (d)
		return table_order(d);
	for (size_t i = 0; i < metric_table_len; i++)
		if (metric_table[i].rank && !strncmp(metric_table[i].name, name, len) &&
		    metric_table[i].name[len] == '_')
			return metric_table[i].rank;
	return UNRANKED + (int)metric_table_len + 1;
}

int metric_cmp(const char *a, const char *b)
{
	int oa = metric_order(a), ob = metric_order(b);
	return oa != ob ? (oa < ob ? -1 : 1) : strcmp(a, b);
}

const char *metric_title(const char *name)
{
	const struct metric_desc *d = exact(name);	/* phase1_wall_ns is not "wall" */
	return d && d->title ? d->title : name;
}
