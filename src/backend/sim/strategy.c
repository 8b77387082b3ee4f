/*
 * Strategies are presets over knobs. Every knob has a default (the dpamt-v6
 * design, the newest posted), each preset lists only where it differs, and
 * any knob can be overridden with --set knob=value. Costs are knobs too: the
 * cited ones name their source, the rest say "assumed".
 */
#include "backend/sim/sim_int.h"
#include "lib/opts.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

/*
 * The rows are positional with .min/.max (and .one_value) designated at the
 * end; costs are bounded at 1 s so no sum of them can wrap virtual time.
 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const char *const sept_pamt_choices[] = { "link", "topup", NULL };
static const char *const pamt_cache_choices[] = { "separate", "combined", "none", NULL };
static const char *const leaf_pair_choices[] = { "cache", "sp", NULL };
static const char *const fill_choices[] = { "capacity", "exact", NULL };
static const char *const folio_choices[] = { "auto", "4K", "2M", NULL };
static const char *const split_choices[] = { "none", "spinlock", "mutex", "sp", NULL };
static const char *const levels_choices[] = { "4", "5", NULL };
static const char *const layout_choices[] = { "fresh", "fragmented", "sparse", NULL };
static const char *const sept_free_choices[] = { "immediate", "rcu", NULL };

#define SRC_YAN_PAMT "Yan Zhao, 2026-02-09, 4 TDs launched/destroyed x3: " \
	"lore.kernel.org/kvm/aYprxnSHKHUtk7pt@google.com/"
#define ASSUMED "assumed"
/* at most 1 s per operation: a sum of them over any run cannot wrap virtual time */
#define COST_RANGE .min = "0", .max = "1000000000"

const struct opt_desc sim_knobs[] = {
	/* where DPAMT comes from */
	{ "dpamt", OPT_BOOL, "yes", "Dynamic PAMT (no: static PAMT, 1/256 of TDX memory reserved at boot)", NULL, NULL, NULL },
	{ "pamt_fast_path", OPT_BOOL, "yes", "lockless refcount-only get/put (atomic_inc_not_zero, atomic_dec_and_lock: DPAMT v6 06/11); no = every get and put takes pamt_lock (v6 05/11)", NULL, NULL, NULL },
	{ "max_pfn", OPT_STRING, "auto", "span of the PAMT refcount array, 4 bytes per 2M below it (v6 04/11): auto = the host's memory, maxpa = the 52-bit address space, or a size", NULL, "bytes", NULL },
	{ "sept_pamt", OPT_ENUM, "link", "when an S-EPT page gets its PAMT ref: link = as KVM links it, from the pamt cache under mmu_lock; topup = as KVM's cache allocates it (page_get = tdx_alloc_control_page)", sept_pamt_choices, NULL, NULL },
	{ "pamt_cache", OPT_ENUM, "separate", "per-vCPU pair source: separate tdx_pamt_cache; combined = one list for S-EPT pages and pairs (v4); none", pamt_cache_choices, NULL, NULL },
	{ "leaf_pair", OPT_ENUM, "cache", "pair for a guest 4K page's region: cache = per-vCPU pamt cache; sp = the pair carried by the last-level S-EPT page (kai-sp)", leaf_pair_choices, NULL, NULL },
	/* KVM caches */
	{ "spt_cache_capacity", OPT_U64, "40", "capacity of mmu_external_spt_cache (KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE)", NULL, "pages", NULL, .min = "1", .max = "4096" },
	{ "spt_cache_min", OPT_U64, "5", "refill when below this (PT64_ROOT_MAX_LEVEL)", NULL, "pages", NULL, .min = "0", .max = "4096" },
	{ "spt_cache_fill", OPT_ENUM, "capacity", "refill to capacity (kvm_mmu_memory_cache) or exactly to min", fill_choices, NULL, NULL },
	{ "mirror_cache", OPT_BOOL, "yes", "model KVM's mirror page-table cache too (never TDX-owned, shares the per-CPU lists)", NULL, NULL, NULL },
	{ "pamt_cache_pairs", OPT_U64, "5", "tdx_pamt_cache top-up target (v6: PT64_ROOT_MAX_LEVEL pairs)", NULL, "pairs", NULL, .min = "0", .max = "4096" },
	{ "pamt_cache_capacity", OPT_U64, "0", "pamt cache capacity when pamt_cache_fill=capacity (0 = pamt_cache_pairs)", NULL, "pairs", NULL, .min = "0", .max = "4096" },
	{ "pamt_cache_fill", OPT_ENUM, "exact", "fill the pamt cache exactly to the target (tdx_topup_pamt_cache) or to capacity", fill_choices, NULL, NULL },
	{ "combined_fill", OPT_U64, "15", "pamt_cache=combined: pages the one list is filled to (v4: 5 S-EPT + 2*5 PAMT)", NULL, "pages", NULL, .min = "0", .max = "8192" },
	/* huge pages and splits */
	{ "huge", OPT_BOOL, "no", "2M private leaves (TDX huge pages): no pair for a 2M leaf, DEMOTE on split", NULL, NULL, NULL },
	{ "gmem_folio", OPT_ENUM, "auto", "guest_memfd folio size (auto: 2M with huge=yes, else 4K)", folio_choices, NULL, NULL },
	{ "split_cache", OPT_ENUM, "none", "where a split gets its pairs: spinlock = per-VM cache, mmu_lock dropped to top up (hp-v3); mutex = per-VM cache under a mutex taken before mmu_lock (sean-v5); sp = pair carried by the split's new S-EPT page (kai-sp)", split_choices, NULL, NULL },
	{ "split_cache_pages", OPT_U64, "4", "per-VM split cache top-up target (hp-v3: 2 pairs; sean-v5: 1 pair)", NULL, "pages", NULL, .min = "0", .max = "4096" },
	{ "sept_free", OPT_ENUM, "immediate", "when a reclaimed S-EPT page drops its PAMT reference and is freed: immediate (v6 tdx_sept_free_private_spt()) or rcu = from the RCU callback a grace period later, taking pamt_lock in softirq (sean-v5 tdp_mmu_free_sp -> free_external_sp)", sept_free_choices, NULL, NULL },
	{ "ept_levels", OPT_ENUM, "4", "S-EPT levels (the root is a TDCS page)", levels_choices, NULL, NULL },
	/* host */
	{ "host_mem", OPT_STRING, "auto", "host memory (auto: what the TDs need, plus room for the layout)", NULL, "bytes", NULL },
	{ "host_cpus", OPT_STRING, "auto", "host CPUs (auto: one per vCPU)", NULL, NULL, NULL },
	{ "host_layout", OPT_ENUM, "fresh", "fresh (cold host), fragmented (host_occupancy of the 4K frames taken at random, within 2 x host_occupancy of the regions), sparse (one free frame per region: every page alone in its region)", layout_choices, NULL, NULL },
	{ "host_occupancy", OPT_DOUBLE, "0.5", "share of frames used by others when host_layout=fragmented", NULL, NULL, NULL, .min = "0", .max = "0.95" },
	{ "pcp_batch", OPT_U64, "63", "per-CPU list refill/drain batch", NULL, "pages", ASSUMED, .min = "1", .max = "1024" },
	{ "pcp_high", OPT_U64, "378", "per-CPU list high mark", NULL, "pages", ASSUMED, .min = "1", .max = "1048576" },
	{ "tdcs_pages", OPT_U64, "4", "TDCS pages per TD (read from the TDX module on hardware)", NULL, "pages", ASSUMED, .min = "1", .max = "64" },
	{ "tdvps_pages", OPT_U64, "6", "TDVPR + TDCX pages per vCPU (read from the TDX module on hardware)", NULL, "pages", ASSUMED, .min = "1", .max = "64" },
	{ "samples_max", OPT_U64, "500", "most points per time series", NULL, NULL, NULL, .min = "1", .max = "100000" },
	{ "td_start_spread", OPT_NS, "1000000", "each TD starts each phase at a seeded random offset below this (TDs launched together do not start in the same ns)", NULL, "ns", ASSUMED, COST_RANGE },
	{ "vcpu_start_spread", OPT_NS, "20000", "each vCPU starts each phase at a further seeded random offset below this", NULL, "ns", ASSUMED, COST_RANGE },
	/* costs: C_* order */
	{ "cost_pamt_add", OPT_NS, "4000", "TDH.PHYMEM.PAMT.ADD (avg 4 us, 2..18)", NULL, "ns", SRC_YAN_PAMT, COST_RANGE },
	{ "cost_pamt_remove", OPT_NS, "2000", "TDH.PHYMEM.PAMT.REMOVE (avg 2 us, 1..11)", NULL, "ns", SRC_YAN_PAMT, COST_RANGE },
	{ "cost_pamt_add_min", OPT_NS, "2000", "shortest PAMT.ADD: each ADD takes min + an exponential with mean cost_pamt_add, cut at max (min = max: fixed)", NULL, "ns", SRC_YAN_PAMT, COST_RANGE },
	{ "cost_pamt_add_max", OPT_NS, "18000", "longest PAMT.ADD", NULL, "ns", SRC_YAN_PAMT, COST_RANGE },
	{ "cost_pamt_remove_min", OPT_NS, "1000", "shortest PAMT.REMOVE (drawn as ADD)", NULL, "ns", SRC_YAN_PAMT, COST_RANGE },
	{ "cost_pamt_remove_max", OPT_NS, "11000", "longest PAMT.REMOVE", NULL, "ns", SRC_YAN_PAMT, COST_RANGE },
	{ "cost_demote", OPT_NS, "10000", "TDH.MEM.PAGE.DEMOTE (~10 us, 142 calls, SPR)", NULL, "ns",
	  "Yan Zhao, quoted by Rick Edgecombe 2025-07-01: lore.kernel.org/kvm/99f5585d759328db973403be0713f68e492b492a.camel@intel.com/", COST_RANGE },
	{ "cost_aug", OPT_NS, "2000", "TDH.MEM.PAGE.AUG", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_sept_add", OPT_NS, "2000", "TDH.MEM.SEPT.ADD", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_block", OPT_NS, "1000", "TDH.MEM.RANGE.BLOCK", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_track", OPT_NS, "2000", "TDH.MEM.TRACK and kicking the vCPUs", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_page_remove", OPT_NS, "1000", "TDH.MEM.PAGE.REMOVE", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_reclaim", OPT_NS, "1000", "TDH.PHYMEM.PAGE.RECLAIM + flush, per page at teardown", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_page_alloc", OPT_NS, "150", "order-0 page from the per-CPU list", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_pcp_refill", OPT_NS, "60", "per page moved from the buddy lists to a per-CPU list", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_page_free", OPT_NS, "80", "freeing a page to the per-CPU list", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_pamt_reset", OPT_NS, "300", "tdx_quirk_reset_paddr() per freed PAMT page", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_gmem_4k", OPT_NS, "500", "guest_memfd: allocate and zero a 4K folio", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_gmem_2m", OPT_NS, "80000", "guest_memfd: allocate and zero a 2M folio", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_exit", OPT_NS, "2500", "TD exit on an EPT violation and re-entry", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_fault_sw", OPT_NS, "700", "KVM fault path software, without SEAMCALLs and allocations", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_accept_4k", OPT_NS, "600", "guest TDG.MEM.PAGE.ACCEPT of 4K and first touch", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_accept_2m", OPT_NS, "60000", "guest TDG.MEM.PAGE.ACCEPT of 2M and first touch", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_shared_fault", OPT_NS, "3000", "EPT violation on shared memory (no TDX work)", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_convert", OPT_NS, "5000", "one conversion: MapGPA exit, attribute update, re-entry", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_lock_handoff", OPT_NS, "100", "extra time of a contended lock acquisition", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_spin", OPT_NS, "50", "per-VM split-cache spinlock section (enqueue/dequeue)", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_td_create", OPT_NS, "100000", "TD creation without its PAMT work (not in virt_time_ns)", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_vcpu_create", OPT_NS, "20000", "vCPU creation without its PAMT work (not in virt_time_ns)", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_rcu_grace", OPT_NS, "5000000", "RCU grace period before a deferred S-EPT page free runs (sept_free=rcu)", NULL, "ns", ASSUMED, COST_RANGE },
	{ "cost_pamt_lock", OPT_NS, "50", "pamt_lock section without a SEAMCALL: the refcount re-check or update", NULL, "ns", ASSUMED, COST_RANGE },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static const char *const cost_names[SIM_NR_COSTS] = {
	[C_PAMT_ADD] = "cost_pamt_add", [C_PAMT_REMOVE] = "cost_pamt_remove",
	[C_DEMOTE] = "cost_demote", [C_AUG] = "cost_aug", [C_SEPT_ADD] = "cost_sept_add",
	[C_BLOCK] = "cost_block", [C_TRACK] = "cost_track", [C_PAGE_REMOVE] = "cost_page_remove",
	[C_RECLAIM] = "cost_reclaim", [C_PAGE_ALLOC] = "cost_page_alloc",
	[C_PCP_REFILL] = "cost_pcp_refill", [C_PAGE_FREE] = "cost_page_free",
	[C_PAMT_RESET] = "cost_pamt_reset", [C_GMEM_4K] = "cost_gmem_4k",
	[C_GMEM_2M] = "cost_gmem_2m", [C_EXIT] = "cost_exit", [C_FAULT_SW] = "cost_fault_sw",
	[C_ACCEPT_4K] = "cost_accept_4k", [C_ACCEPT_2M] = "cost_accept_2m",
	[C_SHARED_FAULT] = "cost_shared_fault", [C_CONVERT] = "cost_convert",
	[C_LOCK_HANDOFF] = "cost_lock_handoff", [C_SPIN] = "cost_spin",
	[C_TD_CREATE] = "cost_td_create", [C_VCPU_CREATE] = "cost_vcpu_create",
	[C_PAMT_LOCK] = "cost_pamt_lock", [C_RCU_GRACE] = "cost_rcu_grace",
};

const char *sim_cost_name(enum sim_cost c)
{
	return cost_names[c];
}

/* The costs are the knobs named cost_*: the C_* table above. */
bool sim_knob_is_cost(const struct opt_desc *d)
{
	return !strncmp(d->name, "cost_", 5);
}

/*
 * Presets set the allocation design only: where pairs come from, when S-EPT
 * pages get their PAMT, the split cache. Huge pages and the folio size are
 * another axis (huge=, gmem_folio=), set the same for every preset compared
 * (bench/default.ini: a 4K block and a huge-page block).
 */
const struct backend_preset sim_presets[] = {
	{ "static", "no DPAMT: static PAMT reserved at boot, KVM caches only",
	  "TDX without Dynamic PAMT (upstream since 6.16; PAMT ~0.4% of memory, DPAMT-RFC cover); "
	  "with huge=yes it splits as HP-v3 does, without pairs",
	  "dpamt=no,pamt_cache=none,pamt_cache_pairs=0,split_cache=none,split_cache_pages=0" },
	{ "dpamt-v4", "PAMT at link time; one per-vCPU list of 15 pages, exact fill",
	  "[PATCH v4 00/16] TDX: Enable Dynamic PAMT, 2025-11-20, 12/16 and 13/16, "
	  "lore.kernel.org/kvm/20251121005125.417831-1-rick.p.edgecombe@intel.com/",
	  "pamt_cache=combined,combined_fill=15" },
	{ "dpamt-v6", "PAMT at link time; spt cache (40, plain) + pamt cache of 5 pairs, exact fill",
	  "[PATCH v6 nn/11] Dynamic PAMT, 2026-05-25, 05/11, 06/11, 08/11, 09/11, "
	  "github.com/intel-staging/tdx/tree/dpamt_v6",
	  "" },
	{ "sean-v5", "PAMT at top-up: every cached S-EPT page PAMT-backed; per-VM split cache under a mutex",
	  "[RFC PATCH v5 00/45] TDX: Dynamic PAMT + S-EPT Hugepage, 2026-01-28, 19/45, 20/45, 44/45, "
	  "lore.kernel.org/kvm/20260129011517.3545883-1-seanjc@google.com/",
	  "sept_pamt=topup,split_cache=mutex,split_cache_pages=2,sept_free=rcu" },
	{ "hp-v3", "v4's fault path (one list of 15 pages) + per-VM split cache (spinlock, 4 pages), mmu_lock dropped to top up",
	  "[PATCH v3 00/24] KVM: TDX huge page support for private memory, 2026-01-06, 01/24 "
	  "(based on DPAMT v4: topup_external_fault_cache / tdx_prealloc), 17/24..23/24, "
	  "lore.kernel.org/kvm/20260106101646.24809-1-yan.y.zhao@intel.com/",
	  "pamt_cache=combined,combined_fill=15,split_cache=spinlock,split_cache_pages=4" },
	{ "kai-sp", "pair carried in the last-level S-EPT page; S-EPT pages PAMT-backed at allocation; pair cache a kvm_mmu_memory_cache (refill to 40 pages); no per-VM cache",
	  "Kai Huang's proposal as relayed in Re: [PATCH v3 19/24], ~2026-01-21, "
	  "lore.kernel.org/kvm/aXENNKjAKTM9UJNH@google.com/ (struct tdx_dmapt_metadata in kvm_mmu_page)",
	  "sept_pamt=topup,leaf_pair=sp,split_cache=sp,split_cache_pages=0,"
	  "pamt_cache_fill=capacity,pamt_cache_capacity=20" },
	{ NULL, NULL, NULL, NULL },
};

const char *const sim_strategy_names[] = {
	"static", "dpamt-v4", "dpamt-v6", "sean-v5", "hp-v3", "kai-sp", NULL,
};

#define SIM_DEFAULT_PRESET "dpamt-v6"

const struct backend_preset *sim_preset_find(const char *name)
{
	for (const struct backend_preset *p = sim_presets; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

int sim_resolve(const char *strategy, struct params *p, char *err, size_t errlen)
{
	const struct backend_preset *pre = sim_preset_find(strategy ? strategy : SIM_DEFAULT_PRESET);
	struct params preset = PARAMS_INIT;

	if (!pre) {
		const char *close = closest_match(strategy, sim_strategy_names,
						  ARRAY_SIZE(sim_strategy_names) - 1);
		if (close)
			snprintf(err, errlen, "sim: unknown strategy '%s' (did you mean '%s'?)", strategy, close);
		else
			snprintf(err, errlen, "sim: unknown strategy '%s' (see 'tdxbench strategies')", strategy);
		return -1;
	}
	if (*pre->sets && params_parse_assignments(&preset, pre->sets, err, errlen))
		BUG("preset %s: %s", pre->name, err);
	/* overrides already in p win over the preset, the preset over the defaults */
	for (size_t i = 0; i < preset.n; i++)
		if (!params_has(p, preset.v[i].key))
			params_set(p, preset.v[i].key, preset.v[i].value);
	params_free(&preset);
	opt_fill_defaults(sim_knobs, p);
	for (const struct opt_desc *d = sim_knobs; d->name; d++)
		if (opt_validate(d, params_get(p, d->name), err, errlen))
			return -1;
	return 0;
}

static int get_u32(const struct params *p, const char *key, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	if (params_get_u64(p, key, 0, &v, err, errlen))
		return -1;
	if (v > 1u << 24) {
		snprintf(err, errlen, "%s=%llu: too large", key, (unsigned long long)v);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * Share of the regions a fragmented host dirties (others' frames sit only
 * there): 2 x occupancy, so the rest stay whole 2M blocks. With 2M guest
 * folios, which only the whole blocks can give, at most (1 + occupancy) / 2
 * (from occupancy 1/3 on): a quarter of the host stays whole at occupancy
 * 0.5, so TDs of 2 TiB need an 8 TiB model host, not 20 TiB.
 */
double sim_dirty_share(const struct sim_cfg *cfg)
{
	if (cfg->folio == FOLIO_2M)
		return MIN(2 * cfg->occupancy, (1 + cfg->occupancy) / 2);
	return MIN(1.0, 2 * cfg->occupancy);
}

/* Guest 2M regions that sparse keeps whole for 2M guest folios (0 with 4K folios). */
static uint64_t sparse_whole_regions(const struct sim_cfg *cfg, const struct tdxb_workload *w)
{
	if (cfg->folio != FOLIO_2M)
		return 0;
	return w->tds * ((w->mem_bytes + (2 * MiB - 1)) / (2 * MiB)) + 2;
}

/*
 * The host the TDs need when host_mem=auto, for each layout:
 * - fresh: guest memory, S-EPT and PAMT pages (+3 %), per-CPU lists and
 *   caches (+4M per CPU), +64M;
 * - fragmented: the same over the free share; 2M folios only come from the
 *   clean regions, the kernel's 4K pages from the dirty ones;
 * - sparse: every order-0 page (a 4K guest folio, an S-EPT or cache page, a
 *   PAMT pair page) costs a whole region, and a 4K use needs a pair of its
 *   own, so each one counts 3 pages; 2M guest folios come from whole
 *   regions kept apart (sparse_whole_regions).
 */
static uint64_t auto_host_mem(const struct sim_cfg *cfg, const struct tdxb_workload *w)
{
	double guest = (double)w->mem_bytes * w->tds;
	double percpu = 4.0 * MiB * cfg->host_cpus;
	double need = guest * 1.03 + 64.0 * MiB + percpu;
	uint64_t bytes;
	if (cfg->layout == LAYOUT_FRAGMENTED && cfg->folio == FOLIO_2M) {
		need /= 1.0 - sim_dirty_share(cfg);
	} else if (cfg->layout == LAYOUT_FRAGMENTED) {
		need /= 1.0 - cfg->occupancy;
	} else if (cfg->layout == LAYOUT_SPARSE) {
		/* 4K pages TDX may own, each with its pair: S-EPT (1/512 of the
		 * guest), per-vCPU caches and control pages, slack; and the per-CPU
		 * lists' free pages, which need no pair */
		double percpu_tdx = cfg->spt_cap + 2.0 * cfg->pamt_cap + cfg->combined_fill +
				    cfg->tdvps_pages + 64.0;
		double pages = guest / 4096.0 / 512.0 * 1.05 + percpu_tdx * cfg->host_cpus + 16384.0;
		double singles;
		if (cfg->folio == FOLIO_2M)
			pages += (double)sparse_whole_regions(cfg, w);	/* a pair per 4K-mapped folio */
		else
			pages += guest / 4096.0;
		/* a per-CPU list holds at most one unused batch: frees refill it with
		 * pages already counted */
		singles = 3.0 * pages + (double)cfg->pcp_batch * cfg->host_cpus;
		need = (singles + (double)sparse_whole_regions(cfg, w)) * 2.0 * MiB;
	}
	bytes = (uint64_t)MIN(need, 1e18);
	return (bytes + 4 * MiB - 1) & ~(4 * MiB - 1);
}

int sim_cfg_parse(const struct params *p, const struct tdxb_workload *w, struct sim_cfg *cfg,
		  char *err, size_t errlen)
{
	int e;
	const char *v;
	memset(cfg, 0, sizeof(*cfg));

	if (params_get_bool(p, "dpamt", true, &cfg->dpamt, err, errlen) ||
	    params_get_bool(p, "pamt_fast_path", true, &cfg->pamt_fast, err, errlen) ||
	    params_get_enum(p, "sept_pamt", sept_pamt_choices, 0, &e, err, errlen))
		return -1;
	cfg->sept_pamt = (enum sept_pamt)e;
	if (params_get_enum(p, "pamt_cache", pamt_cache_choices, 0, &e, err, errlen))
		return -1;
	cfg->pamt_cache = (enum pamt_cache_kind)e;
	if (params_get_enum(p, "leaf_pair", leaf_pair_choices, 0, &e, err, errlen))
		return -1;
	cfg->leaf_pair = (enum leaf_pair)e;
	if (get_u32(p, "spt_cache_capacity", &cfg->spt_cap, err, errlen) ||
	    get_u32(p, "spt_cache_min", &cfg->spt_min, err, errlen) ||
	    params_get_enum(p, "spt_cache_fill", fill_choices, 0, &e, err, errlen))
		return -1;
	cfg->spt_exact = e == 1;
	if (params_get_bool(p, "mirror_cache", true, &cfg->mirror_cache, err, errlen) ||
	    get_u32(p, "pamt_cache_pairs", &cfg->pamt_pairs, err, errlen) ||
	    get_u32(p, "pamt_cache_capacity", &cfg->pamt_cap, err, errlen) ||
	    params_get_enum(p, "pamt_cache_fill", fill_choices, 1, &e, err, errlen))
		return -1;
	cfg->pamt_exact = e == 1;
	if (!cfg->pamt_cap)
		cfg->pamt_cap = cfg->pamt_pairs;
	if (get_u32(p, "combined_fill", &cfg->combined_fill, err, errlen) ||
	    params_get_bool(p, "huge", false, &cfg->huge, err, errlen) ||
	    params_get_enum(p, "gmem_folio", folio_choices, 0, &e, err, errlen))
		return -1;
	cfg->folio = (enum gmem_folio)e;
	if (cfg->folio == FOLIO_AUTO)
		cfg->folio = cfg->huge ? FOLIO_2M : FOLIO_4K;
	if (params_get_enum(p, "split_cache", split_choices, 0, &e, err, errlen))
		return -1;
	cfg->split = (enum split_kind)e;
	if (params_get_enum(p, "sept_free", sept_free_choices, 0, &e, err, errlen))
		return -1;
	cfg->sept_free_rcu = e == 1;
	if (get_u32(p, "split_cache_pages", &cfg->split_pages, err, errlen) ||
	    params_get_enum(p, "ept_levels", levels_choices, 0, &e, err, errlen))
		return -1;
	cfg->ept_levels = 4 + e;
	if (params_get_enum(p, "host_layout", layout_choices, 0, &e, err, errlen) ||
	    params_get_double(p, "host_occupancy", 0.5, &cfg->occupancy, err, errlen) ||
	    get_u32(p, "pcp_batch", &cfg->pcp_batch, err, errlen) ||
	    get_u32(p, "pcp_high", &cfg->pcp_high, err, errlen) ||
	    get_u32(p, "tdcs_pages", &cfg->tdcs_pages, err, errlen) ||
	    get_u32(p, "tdvps_pages", &cfg->tdvps_pages, err, errlen) ||
	    get_u32(p, "samples_max", &cfg->samples_max, err, errlen))
		return -1;
	cfg->layout = (enum hostmem_layout)e;
	for (int c = 0; c < SIM_NR_COSTS; c++)
		if (params_get_u64(p, cost_names[c], 0, &cfg->cost[c], err, errlen))
			return -1;
	if (params_get_u64(p, "cost_pamt_add_min", 0, &cfg->add_min, err, errlen) ||
	    params_get_u64(p, "cost_pamt_add_max", 0, &cfg->add_max, err, errlen) ||
	    params_get_u64(p, "cost_pamt_remove_min", 0, &cfg->remove_min, err, errlen) ||
	    params_get_u64(p, "cost_pamt_remove_max", 0, &cfg->remove_max, err, errlen) ||
	    params_get_u64(p, "td_start_spread", 0, &cfg->td_spread, err, errlen) ||
	    params_get_u64(p, "vcpu_start_spread", 0, &cfg->vcpu_spread, err, errlen))
		return -1;
	if (cfg->add_min > cfg->cost[C_PAMT_ADD] || cfg->add_max < cfg->cost[C_PAMT_ADD] ||
	    cfg->remove_min > cfg->cost[C_PAMT_REMOVE] || cfg->remove_max < cfg->cost[C_PAMT_REMOVE]) {
		snprintf(err, errlen, "cost_pamt_add/remove must lie within their _min.._max "
			 "(add %llu in %llu..%llu, remove %llu in %llu..%llu)",
			 (unsigned long long)cfg->cost[C_PAMT_ADD], (unsigned long long)cfg->add_min,
			 (unsigned long long)cfg->add_max, (unsigned long long)cfg->cost[C_PAMT_REMOVE],
			 (unsigned long long)cfg->remove_min, (unsigned long long)cfg->remove_max);
		return -1;
	}

	/* sanity of the combination */
	if (cfg->spt_min > cfg->spt_cap || !cfg->spt_cap) {
		snprintf(err, errlen, "spt_cache_min=%u must be at most spt_cache_capacity=%u (and cap > 0)",
			 cfg->spt_min, cfg->spt_cap);
		return -1;
	}
	if (cfg->occupancy < 0 || cfg->occupancy > 0.95) {
		snprintf(err, errlen, "host_occupancy=%g: must be 0..0.95", cfg->occupancy);
		return -1;
	}
	if (!cfg->pcp_batch || cfg->pcp_batch > 1024 || cfg->pcp_high < cfg->pcp_batch) {
		snprintf(err, errlen, "pcp_batch=%u, pcp_high=%u: need 1 <= batch <= 1024 and high >= batch",
			 cfg->pcp_batch, cfg->pcp_high);
		return -1;
	}
	if (cfg->tdcs_pages < 1) {
		snprintf(err, errlen, "tdcs_pages=0: the S-EPT root is a TDCS page, need at least 1");
		return -1;
	}
	if (cfg->dpamt && cfg->huge && cfg->split == SPLIT_NONE) {
		snprintf(err, errlen, "huge=yes with dpamt=yes needs split_cache=spinlock, mutex or sp "
			 "(a DEMOTE takes a pair)");
		return -1;
	}
	if (cfg->dpamt && cfg->pamt_cache == PCACHE_COMBINED && cfg->sept_pamt == SEPT_PAMT_TOPUP) {
		snprintf(err, errlen, "pamt_cache=combined takes S-EPT pages from its own list: "
			 "use it with sept_pamt=link");
		return -1;
	}
	if (cfg->dpamt && cfg->pamt_cache == PCACHE_NONE &&
	    (cfg->sept_pamt == SEPT_PAMT_LINK || cfg->leaf_pair == LEAF_PAIR_CACHE)) {
		snprintf(err, errlen, "pamt_cache=none with dpamt=yes leaves the fault path without pairs "
			 "(needs sept_pamt=topup and leaf_pair=sp)");
		return -1;
	}

	/* host */
	v = params_get(p, "host_cpus");
	if (!v || !strcmp(v, "auto")) {
		cfg->host_cpus = w->vcpus * w->tds;
	} else {
		uint64_t n;
		if (parse_u64(v, &n) || !n || n > 65536) {
			snprintf(err, errlen, "host_cpus=%s: must be auto or 1..65536", v);
			return -1;
		}
		cfg->host_cpus = (uint32_t)n;
	}
	v = params_get(p, "host_mem");
	if (!v || !strcmp(v, "auto")) {
		cfg->host_mem = auto_host_mem(cfg, w);
	} else if (parse_size(v, &cfg->host_mem) || cfg->host_mem < 8 * MiB) {
		snprintf(err, errlen, "host_mem=%s: must be auto or a size of at least 8M", v);
		return -1;
	}
	v = params_get(p, "max_pfn");
	if (!v || !strcmp(v, "auto")) {
		cfg->max_pfn_bytes = cfg->host_mem;
	} else if (!strcmp(v, "maxpa")) {
		cfg->max_pfn_bytes = 1ull << 52;
	} else if (parse_size(v, &cfg->max_pfn_bytes) || cfg->max_pfn_bytes < cfg->host_mem ||
		   cfg->max_pfn_bytes > 1ull << 52) {
		snprintf(err, errlen, "max_pfn=%s: must be auto, maxpa or a size between host_mem and 4P", v);
		return -1;
	}
	if (cfg->host_mem > 16 * TiB) {
		if (!v || !strcmp(v, "auto"))
			snprintf(err, errlen, "host_mem=auto: host_layout=%s needs %.0fT of host for "
				 "these TDs, the model handles at most 16T (`tdxbench capacity` "
				 "extrapolates from smaller TDs)", layout_choices[cfg->layout],
				 (double)cfg->host_mem / (double)TiB);
		else
			snprintf(err, errlen, "host_mem=%s: the model handles at most 16T of host memory", v);
		return -1;
	}
	cfg->sparse_whole = cfg->layout == LAYOUT_SPARSE ? sparse_whole_regions(cfg, w) : 0;
	return 0;
}
