/*
 * Internals of the sim backend: a deterministic discrete-event model of TDX
 * Dynamic PAMT and KVM's page caches (docs/model.md). Shared by the files of
 * src/backend/sim/, the unit tests and bench/perf; the rest of the tree sees
 * the sim only as `sim_backend` through struct backend_ops (its presets,
 * knobs, costs and resolve included), and scripts/check-layers.sh fails on
 * an include of this header from another folder.
 *
 * Layout of the model:
 *   engine.c     virtual time: lock calendars, samples, histogram
 *   ltree.c      which actor goes next: a loser tree over the clocks
 *   hostmem.c    host page allocator: buddy bitmaps + per-CPU lists, layouts
 *   dpamt.c      per-2M-region refcount and pair, pamt_lock, get/put, DEMOTE
 *   mmu.c        KVM: caches, mirror S-EPT, fault/convert/split/teardown paths
 *   strategy.c   knobs, presets, costs (cited or assumed), resolve
 *   invariants.c the checks every run makes, and the test hook that breaks them
 *   sim.c        the run: TDs, phases, metrics; the backend_ops
 *
 * Sizes: one bit per host frame for TDX 4K ownership, ~2 bits per frame of
 * buddy bitmaps, 16 bytes per 2 MiB region; per guest 2 MiB range, 248 bytes
 * of frame runs (4 bytes per page where a range does not fit in them).
 */
#ifndef TDX_SIM_INT_H
#define TDX_SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "lib/params.h"
#include "lib/result.h"
#include "workloads/order.h"
#include "workloads/phase.h"

/* The fault path's helpers: inlined even where gcc's size heuristics would not. */
#define SIM_HOT static inline __attribute__((always_inline))

typedef uint32_t pfn_t;		/* host frame number; 0 = none (frame 0 is reserved) */
typedef uint64_t vtime_t;	/* virtual nanoseconds */

#define SIM_PAGE_SHIFT	12
#define SIM_REGION_ORDER 9		/* 2 MiB = 512 frames */
#define SIM_REGION_PAGES 512u
#define SIM_MAX_ORDER	10		/* buddy orders 0..10 as in Linux (4 MiB) */
#define SIM_NR_ORDERS	(SIM_MAX_ORDER + 1)
#define SIM_PAIR_PAGES	2		/* TDX_DPAMT_ENTRY_PAGE_CNT */
#define SIM_PAIR_BYTES	(SIM_PAIR_PAGES * 4096ull)

/* ---- knobs (strategy.c) ---------------------------------------------------- */

enum sept_pamt { SEPT_PAMT_LINK, SEPT_PAMT_TOPUP };
enum pamt_cache_kind { PCACHE_SEPARATE, PCACHE_COMBINED, PCACHE_NONE };
enum leaf_pair { LEAF_PAIR_CACHE, LEAF_PAIR_SP };
enum split_kind { SPLIT_NONE, SPLIT_SPINLOCK, SPLIT_MUTEX, SPLIT_SP };
enum gmem_folio { FOLIO_AUTO, FOLIO_4K, FOLIO_2M };
enum hostmem_layout { LAYOUT_FRESH, LAYOUT_FRAGMENTED, LAYOUT_SPARSE };

enum sim_cost {
	C_PAMT_ADD, C_PAMT_REMOVE, C_DEMOTE,
	C_AUG, C_SEPT_ADD, C_BLOCK, C_TRACK, C_PAGE_REMOVE, C_RECLAIM,
	C_PAGE_ALLOC, C_PCP_REFILL, C_PAGE_FREE, C_PAMT_RESET,
	C_GMEM_4K, C_GMEM_2M, C_EXIT, C_FAULT_SW, C_ACCEPT_4K, C_ACCEPT_2M,
	C_SHARED_FAULT, C_CONVERT, C_LOCK_HANDOFF, C_SPIN,
	C_TD_CREATE, C_VCPU_CREATE, C_PAMT_LOCK, C_RCU_GRACE,
	SIM_NR_COSTS
};

struct sim_cfg {
	bool dpamt;
	bool pamt_fast;			/* v6 06/11's lockless get/put fast paths */
	uint64_t max_pfn_bytes;		/* resolved: the span of v6 04/11's refcount array */
	enum sept_pamt sept_pamt;
	enum pamt_cache_kind pamt_cache;
	enum leaf_pair leaf_pair;
	uint32_t spt_cap, spt_min;
	bool spt_exact;			/* fill to min only (else to capacity) */
	uint32_t pamt_pairs;		/* top-up target, pairs */
	uint32_t pamt_cap;		/* capacity, pairs (fill=capacity) */
	bool pamt_exact;
	uint32_t combined_fill;		/* v4: one list, pages */
	bool mirror_cache;
	bool huge;
	enum gmem_folio folio;		/* resolved: never AUTO */
	enum split_kind split;
	bool sept_free_rcu;		/* S-EPT pages freed from an RCU callback (sean-v5) */
	uint32_t split_pages;		/* per-VM split cache target, pages */
	int ept_levels;
	/* host */
	uint64_t host_mem;		/* resolved bytes */
	uint32_t host_cpus;		/* resolved */
	enum hostmem_layout layout;
	double occupancy;
	uint64_t sparse_whole;		/* sparse: regions kept whole at the top for 2M folios */
	uint32_t pcp_batch, pcp_high;
	uint32_t tdcs_pages, tdvps_pages;
	uint32_t samples_max;
	uint64_t cost[SIM_NR_COSTS];
	/* PAMT.ADD / REMOVE drawn from [min, max] with the cost as mean (min == max: fixed) */
	uint64_t add_min, add_max, remove_min, remove_max;
	uint64_t td_spread, vcpu_spread;	/* start offsets at each phase, ns */
};

/* Knob table and presets (backend_ops.knobs/.presets: `strategies`, docs). */
extern const struct opt_desc sim_knobs[];
extern const char *const sim_strategy_names[];
extern const struct backend_preset sim_presets[];
const struct backend_preset *sim_preset_find(const char *name);
int sim_resolve(const char *strategy, struct params *p, char *err, size_t errlen);
bool sim_knob_is_cost(const struct opt_desc *d);
/* Parse a resolved params set into cfg (mem/vcpus/tds decide auto host values). */
int sim_cfg_parse(const struct params *p, const struct tdxb_workload *w, struct sim_cfg *cfg,
		  char *err, size_t errlen);
/* Share of the regions a fragmented host dirties. */
double sim_dirty_share(const struct sim_cfg *cfg);
/* Cost knob index -> knob name ("cost_pamt_add"). */
const char *sim_cost_name(enum sim_cost c);

/* ---- test hooks (invariants.c) -------------------------------------------- */

enum sim_break {
	BREAK_NONE,
	BREAK_REFCOUNT,		/* one PAMT get counts twice */
	BREAK_PAIR,		/* one 1->0 put keeps its pair */
	BREAK_UNDERFLOW,	/* the pamt cache top-up stops one pair short */
	BREAK_TEARDOWN,		/* teardown forgets one guest page */
};

struct sim_debug {
	enum sim_break brk;
};

/* ---- engine (engine.c) ------------------------------------------------------- */

/* An exclusive lock as a calendar of busy intervals (sorted, disjoint). */
struct lock_cal {
	vtime_t *s, *e;
	uint32_t head, n, cap;
	vtime_t busy_until;		/* FIFO mode: end of the last holder */
	uint64_t *loose;		/* cal_acquire*(): gaps a hold can fit in (engine.c) */
	uint64_t handoff;		/* ... wider than this */
};

struct lock_stats {
	uint64_t wait_ns, contended, acquired;
};

/* Earliest start >= t of a hold of length `hold` that overlaps no busy interval. */
vtime_t cal_acquire(struct lock_cal *c, vtime_t now, vtime_t t, vtime_t hold,
		    uint64_t handoff, struct lock_stats *st);
/* The same, but the hold cannot start before `earliest` either; the wait counts from t. */
vtime_t cal_acquire_after(struct lock_cal *c, vtime_t now, vtime_t t, vtime_t earliest,
			  vtime_t hold, uint64_t handoff, struct lock_stats *st);
void cal_free(struct lock_cal *c);

/* Which actor goes next: a loser tree over the clocks (ltree.c). */
typedef unsigned __int128 lt_wide;
struct ltree {
	uint32_t m, shift;	/* leaves: m = 2^shift >= actors */
	bool wide;		/* 128-bit keys (a step outgrew the narrow clock) */
	vtime_t base;		/* narrow: clocks are kept relative to it */
	uint64_t done_rel;	/* narrow: the relative clock of a finished actor */
	uint64_t *loser, winner;	/* narrow: internal nodes 1..m-1, the winner */
	lt_wide *wloser, wwinner;	/* wide: the same */
};

/*
 * n actors' clocks (UINT64_MAX: finished). clock_bits: the narrow relative
 * clock's bits, 0 for as many as the index leaves (tests pass a few, to
 * rebase and widen often).
 */
void lt_init(struct ltree *lt, const vtime_t *clock, uint32_t n, unsigned clock_bits);
void lt_free(struct ltree *lt);
void lt_rebase(struct ltree *lt, uint32_t idx, vtime_t t);

/* Is any actor not through? */
static inline bool lt_active(const struct ltree *lt)
{
	return lt->wide ? lt->wwinner < ((lt_wide)UINT64_MAX << 32)
			: lt->winner >> lt->shift != lt->done_rel;
}

/* The actor that goes next: the smallest clock, the lower index on a tie. */
static inline uint32_t lt_index(const struct ltree *lt)
{
	return lt->wide ? (uint32_t)lt->wwinner : (uint32_t)(lt->winner & (lt->m - 1));
}

/* The winner's clock is now t (UINT64_MAX: it is through): replay its path to the root. */
SIM_HOT void lt_replay(struct ltree *lt, vtime_t t)
{
	uint32_t idx = lt_index(lt);

	/* branch-free: which side wins a match is a coin toss the predictor loses */
	if (__builtin_expect(!lt->wide, 1)) {
		uint64_t rel = t == UINT64_MAX ? lt->done_rel : t - lt->base, cur;
		if (__builtin_expect(rel >= lt->done_rel && t != UINT64_MAX, 0)) {
			lt_rebase(lt, idx, t);
			return;
		}
		cur = rel << lt->shift | idx;
		for (uint32_t node = (idx + lt->m) >> 1; node >= 1; node >>= 1) {
			uint64_t l = lt->loser[node];
			bool cur_loses = l < cur;
			lt->loser[node] = cur_loses ? cur : l;
			cur = cur_loses ? l : cur;
		}
		lt->winner = cur;
	} else {
		lt_wide cur = (lt_wide)t << 32 | idx;
		for (uint32_t node = (idx + lt->m) >> 1; node >= 1; node >>= 1) {
			lt_wide l = lt->wloser[node];
			bool cur_loses = l < cur;
			lt->wloser[node] = cur_loses ? cur : l;
			cur = cur_loses ? l : cur;
		}
		lt->wwinner = cur;
	}
}

/* Log-linear latency histogram: exact below 128 ns, 1/64 relative above. */
#define HIST_SUB 64
#define HIST_OCT 40
struct lat_hist {
	uint64_t n;
	/* a bucket's count and observed min/max together: one cache line per add */
	struct {
		uint64_t cnt, lo, hi;
	} b[HIST_OCT * HIST_SUB];
	uint64_t max;
};
SIM_HOT void hist_add(struct lat_hist *h, uint64_t v);
uint64_t hist_percentile(const struct lat_hist *h, double p);

/* Time series with a bounded number of points: the interval doubles when full. */
#define SIM_NR_SERIES 3
struct series_buf {
	uint32_t max, n;
	vtime_t interval, next;
	vtime_t *t;
	double *v[SIM_NR_SERIES];
};

/* ---- state ------------------------------------------------------------------- */

/* Hierarchical bitmap: find-first in O(levels). */
#define HBM_MAXLV 6
struct hbm {
	uint64_t *w[HBM_MAXLV];
	uint32_t nlv;
	uint64_t nbits;
};

struct pcp {
	pfn_t *v;
	uint32_t n;
};

/* A stack of pages: kvm_mmu_memory_cache / tdx_pamt_cache / a per-VM split cache. */
struct page_cache {
	pfn_t *obj;
	uint32_t n, cap;
	bool idle;		/* counts towards cache_pages_idle */
	char *name;		/* for the underflow message */
};

struct sim_td;

/* gmap.c: guest 4K page -> host frame, per 2M range as runs or one frame per page */
#define GMAP_RUNS 30
#define GMAP_FULL 0xff
struct gmap_run {
	uint16_t off, len;		/* guest pages off..off+len-1 of the range */
	pfn_t pfn;			/* frame of page off; the rest follow */
};
struct gmap_range {
	uint8_t n;			/* runs in use, or GMAP_FULL */
	union {
		struct gmap_run run[GMAP_RUNS];
		pfn_t *full;		/* GMAP_FULL: SIM_REGION_PAGES frames */
	};
};

struct sim_vcpu {
	/* hot: touched on every step, the first cache line */
	vtime_t t;			/* its clock */
	struct sim_td *td;
	uint64_t pos, end, step;	/* positions in the phase's unit sequence */
	uint64_t linked_range;		/* 1 + a guest 2M range whose tables it saw linked, 0 = none */
	uint32_t cpu;			/* host CPU it runs on */
	bool done;
	/* the rest */
	uint32_t rep;
	uint64_t pos0;
	uint32_t idx;			/* within its TD */
	uint32_t gidx;			/* across TDs: the tie-break of equal clocks */
	struct page_cache mirror;	/* mmu_shadow_page_cache (KVM's mirror pages, never TDX) */
	struct page_cache spt;		/* mmu_external_spt_cache */
	struct page_cache pamt;		/* tdx_pamt_cache (pages) or v4's combined list */
	pfn_t *ctrl;			/* TDVPR + TDCX: tdvps_pages frames */
};

struct sim_td {
	/*
	 * What a 4K fault reads, together at the start: with hundreds of
	 * vCPUs every step misses the caches on it.
	 */
	struct gmap_range *gmap;	/* per guest 2M range: host frames of 4K-folio pages (gmap.c) */
	uint64_t *priv;			/* bit per guest page: private-mapped at 4K (padded: mmu.c) */
	uint64_t *shared;		/* bit per guest page: currently shared (likewise) */
	uint64_t *leaf2m;		/* bit per 2M range: mapped by a 2M private leaf */
	/*
	 * Set once a page was ever shared / a range ever mapped at 2M (never
	 * cleared): until then the fault path need not look at those bitmaps,
	 * whose words for hundreds of vCPUs' slices sit a power of two apart
	 * and evict each other from the caches.
	 */
	bool ever_shared, ever_leaf2m;
	vtime_t read_busy_until;	/* mmu_lock: readers' end */
	/* mmu_lock: queued rwlock; writers FIFO, readers wait for covering writers */
	struct lock_cal mmu_w;
	/* the rest */
	uint32_t id;
	uint64_t mem;			/* bytes */
	uint64_t npages;		/* guest 4K pages */
	uint64_t nranges;		/* guest 2M ranges */
	uint32_t nvcpus;
	struct sim_vcpu *vcpus;
	uint64_t gmap_n;
	struct gmap_range *gmap_mem;	/* its allocation (gmap.c skews the start) */
	uint64_t *priv_mem, *shared_mem;	/* the bitmaps' allocations */
	pfn_t *folio;			/* per 2M range: 2M guest_memfd folio, 0 = none */
	/* mirror S-EPT: ext[L][i] = TDX page at level L (1..levels-1), mir[L][i] KVM's copy */
	pfn_t *ext[5], *mir[5];
	uint64_t nidx[5];
	pfn_t (*carried)[2];		/* kai-sp: pair carried by the last-level SP, per 2M range */
	/* control pages: TDR + TDCS (the S-EPT root is a TDCS page) */
	pfn_t *tdcs;
	pfn_t tdr;
	struct lock_cal split_lock;	/* hp-v3 spinlock / sean-v5 mutex */
	struct page_cache split_cache;	/* per-VM (hp-v3 split cache / sean-v5 PAMT cache) */
	pfn_t *rcu;			/* S-EPT pages reclaimed, waiting for their RCU callback */
	uint64_t nrcu, rcu_cap;
	vtime_t w_start;		/* start of the current write hold */
	bool torn_down;
};

/*
 * DPAMT state of one 2 MiB host region. One 16-byte record rather than four
 * arrays: every PAMT get/put reads and writes all of it (the refcount, the
 * use count the invariant compares it with, the pair), so it is one cache
 * line instead of four.
 */
struct sim_region {
	pfn_t pair[2];			/* installed DPAMT pair, {0,0} = none */
	uint16_t ref;			/* kernel refcount */
	uint16_t uses;			/* 4K TDX uses, counted apart from ref (the invariant) */
	uint16_t spec;			/* refs held by cached, never-gifted pages */
	uint16_t pad;
	/*
	 * End of the last PAMT.ADD or PAMT.REMOVE on the region in virtual
	 * time. The refcount changes when the step runs, but on a real host it
	 * reads 0 until the ADD is done (atomic_set(1) after the SEAMCALL): a
	 * get before this time fails atomic_inc_not_zero() and takes the slow
	 * path (DPAMT v6 06/11), a race the model counts.
	 */
	vtime_t settle;
};

/* Waits on pamt_lock of the gets (or puts) that took it: Yan's T1. */
struct pamt_wait {
	uint64_t n, sum_ns, max_ns;
};

struct sim_counters {
	uint64_t pamt_add, pamt_remove, pamt_get_fast, pamt_put_fast;
	uint64_t pamt_add_races;	/* gets that found the region's PAMT.ADD in flight */
	uint64_t pamt_remove_races;	/* gets that found the region's PAMT.REMOVE in flight */
	uint64_t pairs_demote;		/* pairs installed by DEMOTE (no PAMT.ADD) */
	uint64_t pamt_cache_fill_max;	/* most pages a per-vCPU pamt cache / v4 list held */
	uint64_t fault_splits;		/* 2M leaves split on the fault path (a 4K accept) */
	uint64_t pamt_lock_softirq;	/* pamt_lock taken from an RCU callback (softirq) */
	uint64_t rcu_deferred_peak;	/* most S-EPT pages waiting for their RCU callback */
	uint64_t mmu_writes;		/* write mmu_lock acquisitions */
	struct pamt_wait get_wait, put_wait;
	uint64_t add_ns_sum, add_ns_max, remove_ns_sum, remove_ns_max;	/* drawn SEAMCALL times */
	uint64_t pages_alloc, pages_free_unused, topups;
	uint64_t splits, split_retries, split_cache_pages;
	uint64_t faults, faults_2m, shared_faults, conversions, zaps;
	uint64_t sept_pages, demotes;
	uint64_t pamt_cache_pages_used;
};

struct sim {
	struct sim_cfg cfg;
	const struct sim_debug *dbg;
	/* the runner's live ETA: phase `phase` of `nphases` (teardown counts) */
	void (*progress)(void *ctx, double frac);
	void *progress_ctx;
	uint32_t phase, nphases;
	bool brk_done;
	uint64_t seed;
	uint64_t cost_rng;		/* SEAMCALL time draws */
	/* host */
	uint64_t nframes;
	uint32_t nregions;
	struct hbm freeb[SIM_NR_ORDERS];
	uint64_t nfree_blocks[SIM_NR_ORDERS];
	uint64_t free_pages;		/* in the buddy */
	uint64_t free_initial;		/* buddy + pcp right after setup */
	struct pcp *pcp;
	uint32_t ncpus;
	/* TDX ownership and DPAMT, per frame / per region */
	uint64_t *tdx4k;		/* bit per frame: a 4K TDX use (refcounted) */
	uint64_t *tdx2m;		/* bit per region: a 2M private leaf owns it */
	struct sim_region *rg;		/* per 2M region */
	uint64_t pairs_installed, spec_regions, pairs_peak, spec_peak;
	uint64_t tdx4k_count, pamt_pages;
	struct lock_cal pamt_lock;
	struct lock_stats pamt_ls, mmu_ls, split_ls;
	/* TDs */
	uint32_t ntds;
	struct sim_td *tds;
	uint32_t nvcpus_total;
	struct sim_vcpu **all;		/* every vCPU of every TD */
	/* time */
	vtime_t now;			/* start of the step being processed */
	struct sim_counters c;
	uint64_t cache_pages_idle, cache_idle_peak;
	struct lat_hist *fault_hist;
	struct lat_hist *convert_hist;	/* private<->shared, attribute change to done */
	struct page_cache scratch;	/* hands a carried pair to pamt_get() */
	struct series_buf ser;
	/* first invariant violation */
	bool failed;
	char why[256];
};

/* engine.c */
SIM_HOT void sim_sample(struct sim *s, vtime_t t, bool force);
void sim_sample_now(struct sim *s, vtime_t t);
void series_init(struct series_buf *b, uint32_t max);
void series_free(struct series_buf *b);
uint64_t sim_rand(uint64_t *state);
/* A time with mean `mean` in [lo, hi]: lo + an exponential, cut at hi (lo == hi: lo). */
uint64_t sim_draw_ns(uint64_t *state, uint64_t mean, uint64_t lo, uint64_t hi);

/* hostmem.c */
void hbm_init(struct hbm *b, uint64_t nbits);
void hbm_free(struct hbm *b);
void hbm_set(struct hbm *b, uint64_t i);
void hbm_clear(struct hbm *b, uint64_t i);
bool hbm_test(const struct hbm *b, uint64_t i);
int64_t hbm_first(const struct hbm *b);
int hostmem_init(struct sim *s, char *err, size_t errlen);
void hostmem_free(struct sim *s);
/* Order-0 page on cpu's per-CPU list; 0 when the host is out of memory. */
SIM_HOT pfn_t hostmem_alloc_page(struct sim *s, uint32_t cpu, vtime_t *t);
SIM_HOT void hostmem_free_page(struct sim *s, uint32_t cpu, pfn_t f, vtime_t *t);
/* The per-CPU list is empty / above pcp_high: the buddy side of the two above. */
pfn_t hostmem_pcp_refill(struct sim *s, struct pcp *p, vtime_t *t);
void hostmem_pcp_drain(struct sim *s, struct pcp *p);
/* Buddy block of 2^order pages (order > 0 bypasses the per-CPU lists). */
pfn_t hostmem_alloc_block(struct sim *s, int order);
void hostmem_free_block(struct sim *s, pfn_t f, int order);
uint64_t hostmem_free_total(const struct sim *s);

/* dpamt.c — a 4K TDX use of frame f. src: the cache the pair comes from
 * (NULL = the page allocator, as tdx_pamt_get(pfn, NULL)). spec: the user is a
 * cached page that was not handed to the TDX module yet (sean-v5 page_get). */
SIM_HOT void pamt_get(struct sim *s, struct sim_vcpu *v, pfn_t f, struct page_cache *src,
			    bool spec, vtime_t *t);
SIM_HOT void pamt_put(struct sim *s, struct sim_vcpu *v, pfn_t f, bool spec, vtime_t *t);
void pamt_get_slow(struct sim *s, struct sim_vcpu *v, pfn_t f, struct page_cache *src, bool spec,
		   vtime_t *t);
void pamt_put_slow(struct sim *s, struct sim_vcpu *v, pfn_t f, bool spec, vtime_t *t);
/* A cached page with a speculative reference is handed to the TDX module. */
void pamt_gift(struct sim *s, pfn_t f);
/* DEMOTE of the 2M leaf on region r with a pair taken from src (or pair[] given). */
void pamt_demote(struct sim *s, uint32_t r, const pfn_t pair[2]);
void pamt_own_2m(struct sim *s, uint32_t r, bool own);
static inline uint32_t pfn_region(pfn_t f)
{
	return f >> SIM_REGION_ORDER;
}

/* gmap.c */
void gmap_init(struct sim_td *td);
void gmap_free(struct sim_td *td);
void gmap_set_slow(struct gmap_range *g, uint32_t off, pfn_t f);
void gmap_clear(struct sim_td *td, uint64_t gfn);
/* Every page's frame of one range (0 where none), as gmap_get() gives them. */
void gmap_range_frames(const struct gmap_range *g, pfn_t out[SIM_REGION_PAGES]);
/* Forget every page of one range. */
void gmap_range_reset(struct gmap_range *g);
/* Frame of a mapped guest page (0 when none). */
static inline pfn_t gmap_get(const struct sim_td *td, uint64_t gfn)
{
	const struct gmap_range *g = &td->gmap[gfn / SIM_REGION_PAGES];
	uint32_t off = (uint32_t)(gfn % SIM_REGION_PAGES);
	if (g->n == GMAP_FULL)
		return g->full[off];
	for (uint32_t i = 0; i < g->n; i++)
		if (off - g->run[i].off < g->run[i].len)
			return g->run[i].pfn + (off - g->run[i].off);
	return 0;
}
/* Page gfn (unmapped) now maps frame f: most often the next frame of a run. */
static inline void gmap_set(struct sim_td *td, uint64_t gfn, pfn_t f)
{
	struct gmap_range *g = &td->gmap[gfn / SIM_REGION_PAGES];
	uint32_t off = (uint32_t)(gfn % SIM_REGION_PAGES);
	if (g->n && g->n != GMAP_FULL) {
		struct gmap_run *r = &g->run[g->n - 1];
		if (r->off + r->len == off && r->pfn + r->len == f) {
			r->len++;
			return;
		}
	}
	gmap_set_slow(g, off, f);
}

/* mmu.c */
SIM_HOT int cache_pop(struct sim *s, struct page_cache *c, pfn_t *f);
SIM_HOT void cache_push(struct sim *s, struct page_cache *c, pfn_t f);
void cache_init(struct page_cache *c, const char *name, uint32_t cap, bool idle);
void cache_free(struct page_cache *c);
int td_create(struct sim *s, struct sim_td *td, uint32_t id, uint64_t mem, uint32_t nvcpus,
	      uint32_t cpu_base, vtime_t *t);
/* Teardown in steps (so TDs tearing down together interleave on pamt_lock):
 * units 0..nvcpus-1 destroy a vCPU, then one per guest 2M range, then the rest. */
uint64_t td_teardown_units(const struct sim_td *td);
void td_teardown_unit(struct sim *s, struct sim_td *td, uint64_t unit, vtime_t *t);
void td_free_state(struct sim_td *td);
/* mmu_topup_memory_caches() + the TDX top-up hook, as a fault does before mmu_lock. */
void mmu_topup(struct sim *s, struct sim_vcpu *v, vtime_t *t);
/* One guest access unit at gpa (bytes): 4K or 2M. */
void mmu_fault(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit);
void mmu_shared_touch(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit);
void mmu_convert(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit, bool to_shared);
void mmu_rewrite(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit);
SIM_HOT void cache_idle_add(struct sim *s, int64_t d);

/* invariants.c */
void inv_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
SIM_HOT void inv_region(struct sim *s, uint32_t r);
void inv_region_report(struct sim *s, uint32_t r);
void inv_sweep(struct sim *s);
void inv_after_teardown(struct sim *s);
SIM_HOT bool sim_break_now(struct sim *s, enum sim_break b);
bool sim_break_hit(struct sim *s, enum sim_break b);

/* sim.c: the whole run; dbg may be NULL. */
int sim_run(const struct run_spec *spec, struct run_result *res, const struct sim_debug *dbg,
	    char *err, size_t errlen);
/* Step-wise API for tests: set up TDs from a workload, then drive faults by hand. */
struct sim *sim_new(const struct params *resolved, const struct tdxb_workload *w, uint64_t seed,
		    const struct sim_debug *dbg, char *err, size_t errlen);
void sim_delete(struct sim *s);
/* Destroy every TD and run the after-teardown checks. */
void sim_teardown_all(struct sim *s);
uint64_t sim_dpamt_bytes(const struct sim *s);
/*
 * The units (byte offsets into the TD's memory) vCPU vcpu of nvcpus visits in
 * a fault/rewrite/convert phase, across its repetitions, in the order the
 * model runs them; the first max go to out. Returns how many there are.
 */
size_t sim_phase_units(const struct tdxb_phase *ph, uint32_t vcpu, uint32_t nvcpus, uint64_t *out,
		       size_t max);

/* ---- hot paths, inline: every fault runs them, most runs never leave them ---- */

SIM_HOT bool sim_break_now(struct sim *s, enum sim_break b)
{
	return s->dbg && sim_break_hit(s, b);
}

SIM_HOT void cache_idle_add(struct sim *s, int64_t d)
{
	s->cache_pages_idle = (uint64_t)((int64_t)s->cache_pages_idle + d);
	if (s->cache_pages_idle > s->cache_idle_peak)
		s->cache_idle_peak = s->cache_pages_idle;
}

void cache_underflow(struct sim *s, struct page_cache *c);
void cache_overflow(struct page_cache *c) __attribute__((noreturn));

SIM_HOT int cache_pop(struct sim *s, struct page_cache *c, pfn_t *f)
{
	if (__builtin_expect(!c->n, 0)) {
		cache_underflow(s, c);
		*f = 0;
		return -1;
	}
	*f = c->obj[--c->n];
	if (c->idle)
		cache_idle_add(s, -1);
	return 0;
}

SIM_HOT void cache_push(struct sim *s, struct page_cache *c, pfn_t f)
{
	if (__builtin_expect(c->n >= c->cap, 0))
		cache_overflow(c);
	c->obj[c->n++] = f;
	if (c->idle)
		cache_idle_add(s, 1);
}

SIM_HOT pfn_t hostmem_alloc_page(struct sim *s, uint32_t cpu, vtime_t *t)
{
	struct pcp *p = &s->pcp[cpu];
	if (__builtin_expect(!p->n, 0))
		return hostmem_pcp_refill(s, p, t);
	*t += s->cfg.cost[C_PAGE_ALLOC];
	return p->v[--p->n];
}

SIM_HOT void hostmem_free_page(struct sim *s, uint32_t cpu, pfn_t f, vtime_t *t)
{
	struct pcp *p = &s->pcp[cpu];
	p->v[p->n++] = f;
	*t += s->cfg.cost[C_PAGE_FREE];
	if (__builtin_expect(p->n > s->cfg.pcp_high, 0))
		hostmem_pcp_drain(s, p);
}

/*
 * The refcount and pair invariants of region r, after every get, put and
 * DEMOTE on it: three compares inline, the message out of line.
 */
SIM_HOT void inv_region(struct sim *s, uint32_t r)
{
	bool installed = s->rg[r].pair[0] != 0;
	if (__builtin_expect(s->rg[r].uses != s->rg[r].ref || s->rg[r].spec > s->rg[r].ref ||
			     (s->cfg.dpamt ? installed != (s->rg[r].ref > 0) : installed), 0))
		inv_region_report(s, r);
}

/* Record the state at t when t reached the next grid point (or force). */
SIM_HOT void sim_sample(struct sim *s, vtime_t t, bool force)
{
	if (force || t >= s->ser.next)
		sim_sample_now(s, t);
}

static inline unsigned hist_index(uint64_t v)
{
	int msb;
	unsigned idx;
	if (v < HIST_SUB)
		return (unsigned)v;
	msb = 63 - __builtin_clzll(v);
	idx = (unsigned)(msb - 5) * HIST_SUB + (unsigned)((v >> (msb - 6)) & (HIST_SUB - 1));
	return idx < HIST_OCT * HIST_SUB - 1 ? idx : HIST_OCT * HIST_SUB - 1;
}

SIM_HOT void hist_add(struct lat_hist *h, uint64_t v)
{
	unsigned i = hist_index(v);
	if (!h->b[i].cnt++) {
		h->b[i].lo = h->b[i].hi = v;
	} else {
		if (v < h->b[i].lo)
			h->b[i].lo = v;
		if (v > h->b[i].hi)
			h->b[i].hi = v;
	}
	h->n++;
	if (v > h->max)
		h->max = v;
}

/* A region whose every reference is speculative (held by cached pages). */
static inline bool region_spec(const struct sim *s, uint32_t r)
{
	return s->rg[r].ref && s->rg[r].ref == s->rg[r].spec;
}

SIM_HOT void ref_change(struct sim *s, uint32_t r, int d, bool spec)
{
	bool was = region_spec(s, r);
	s->rg[r].ref = (uint16_t)(s->rg[r].ref + d);
	if (spec)
		s->rg[r].spec = (uint16_t)(s->rg[r].spec + d);
	if (region_spec(s, r) != was) {
		if (was) {
			s->spec_regions--;
		} else if (++s->spec_regions > s->spec_peak) {
			s->spec_peak = s->spec_regions;
		}
	}
}

SIM_HOT void set_tdx4k(struct sim *s, pfn_t f, bool on)
{
	if (on) {
		s->tdx4k[f >> 6] |= 1ull << (f & 63);
		s->rg[pfn_region(f)].uses++;
		s->tdx4k_count++;
	} else {
		s->tdx4k[f >> 6] &= ~(1ull << (f & 63));
		s->rg[pfn_region(f)].uses--;
		s->tdx4k_count--;
	}
}

/*
 * Nearly every get finds the pair installed (atomic_inc_not_zero()) and
 * nearly every put leaves the refcount above zero: those are a few loads
 * and stores on one region record, done here inline; the rest (PAMT.ADD or
 * REMOVE, static PAMT, the test hooks) in pamt_get_slow()/pamt_put_slow().
 */
SIM_HOT void pamt_get(struct sim *s, struct sim_vcpu *v, pfn_t f, struct page_cache *src,
			    bool spec, vtime_t *t)
{
	uint32_t r = pfn_region(f);
	if (__builtin_expect(!s->cfg.dpamt || !s->rg[r].ref || s->dbg || *t < s->rg[r].settle ||
			     !s->cfg.pamt_fast, 0)) {
		pamt_get_slow(s, v, f, src, spec, t);
		return;
	}
	set_tdx4k(s, f, true);
	ref_change(s, r, 1, spec);
	s->c.pamt_get_fast++;
	inv_region(s, r);
}

SIM_HOT void pamt_put(struct sim *s, struct sim_vcpu *v, pfn_t f, bool spec, vtime_t *t)
{
	uint32_t r = pfn_region(f);
	if (__builtin_expect(!s->cfg.dpamt || s->rg[r].ref <= 1 || !s->cfg.pamt_fast, 0)) {
		pamt_put_slow(s, v, f, spec, t);
		return;
	}
	set_tdx4k(s, f, false);
	ref_change(s, r, -1, spec);
	s->c.pamt_put_fast++;
	inv_region(s, r);
}

#endif
