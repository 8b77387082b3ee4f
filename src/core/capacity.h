/*
 * The capacity study behind `tdxbench capacity`: how much memory each
 * strategy needs for PAMT and caches on a host of a given shape (host
 * memory, TDs x memory x vCPUs), typically and at worst, how long its boot
 * waits on locks, where it stops scaling (knees) and how much each answer
 * rests on the model's *assumed* costs (sensitivity).
 *
 * Everything here is model output (the sim backend). The full-size shape is
 * run directly when it is small; otherwise the model runs a ladder of the
 * same host shape (all TDs, all vCPUs) with less memory per TD, and each
 * metric is extrapolated from it (docs/capacity.md says how, and how well).
 * Rendering lives in src/report/capacity.c.
 */
#ifndef TDX_CAPACITY_H
#define TDX_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/capfit.h"

/* What each model run reports that the study uses (sim metric names). */
enum cap_metric {
	CM_STATIC,		/* static_pamt_bytes (scaled to the asked host) */
	CM_REFCOUNT,		/* pamt_refcount_bytes (likewise, when it follows the host) */
	CM_DPAMT,		/* dpamt_bytes_peak */
	CM_SPEC,		/* spec_pairs_peak (pairs) */
	CM_CACHE,		/* cache_pages_idle_peak (pages) */
	CM_PAMT_ADD,		/* pamt_add */
	CM_PLW,			/* pamt_lock_wait_ns */
	CM_PLC,			/* pamt_lock_contended */
	CM_MLW,			/* mmu_lock_wait_ns */
	CM_SLW,			/* split_lock_wait_ns */
	CM_VT,			/* virt_time_ns: the boot */
	CM_P99,			/* fault_ns_p99 */
	CM_N
};

struct cap_metric_desc {
	const char *name;	/* the sim's metric */
	const char *label;	/* short column label */
	const char *unit;	/* bytes, pairs, pages, ns, count */
	bool timing;		/* a time: rests on the costs, assumed ones included */
};
extern const struct cap_metric_desc cap_metrics[CM_N];

enum cap_layout { CAP_FRESH, CAP_FRAGMENTED, CAP_SPARSE, CAP_NLAYOUTS };
extern const char *const cap_layout_names[CAP_NLAYOUTS];

#define CAP_MAX_RUNGS 4
#define CAP_RUNGS 4			/* rungs of a ladder */
#define CAP_MAX_STRATEGIES 16
#define CAP_MAX_SWEEP 12

struct cap_req {
	uint64_t host_mem;		/* the asked host, bytes */
	uint32_t tds, vcpus;		/* TDs on it, vCPUs per TD */
	uint64_t mem;			/* memory per TD, bytes */
	const char *const *strategies;	/* NULL = every sim preset */
	size_t nstrategies;
	const char *huge;		/* NULL: each preset's own; "yes"/"no" for all */
	double occupancy;		/* fragmented layout: share of frames others use */
	const char *set;		/* more "k=v,..." knob overrides, or NULL */
	uint64_t seed;
	bool full;			/* also run the full size and measure the fit against it */
	bool sensitivity, knees;
	unsigned jobs;			/* model runs at once (0 = one per CPU, at most 4) */
	bool progress;			/* dots on stderr */
};

/* One strategy on one layout: ladder, fit, value at full size. */
struct cap_cell {
	bool ok;
	char err[256];
	size_t nrungs;
	double rung_mem[CAP_MAX_RUNGS];
	double rung[CAP_MAX_RUNGS][CM_N];
	double rung_host[CAP_MAX_RUNGS];	/* the model's host (auto) per rung */
	bool linear[CM_N];		/* fitted a + b*mem; else saturated (largest rung) */
	struct capfit_line fit[CM_N];
	double holdout[CM_N];		/* fit of the smaller rungs vs the largest, relative */
	double full[CM_N];		/* at full size: extrapolated or run */
	bool extrapolated;
	double dpamt_bound;		/* 8 KiB per 2M region of the model's host at full size */
	bool dpamt_capped;		/* the fit went past it */
	bool ran_full;			/* --full: the model at full size too */
	double measured[CM_N];		/* ... its values */
};

/* One cost varied over its range at the smallest rung (fresh host). */
struct cap_sens {
	const char *cost;		/* knob name */
	bool assumed;			/* no published figure */
	const char *range_src;		/* where the range comes from */
	uint64_t def, lo, hi;		/* ns */
	double ratio_lo[CM_N], ratio_hi[CM_N];	/* metric at lo / hi over the base */
	bool ok;
	bool lo_ran;			/* else the high end moved nothing: taken as 1 */
};

/* An analytical bound (where one exists) for idle cache pages and speculative pairs. */
struct cap_bound {
	bool cache, spec;
	double cache_pages_per_vcpu, cache_pages_per_td;
	double spec_pairs_per_vcpu;
	bool carried;			/* kai-sp: a carried pair per 2M range, idle until used */
	const char *why;		/* the formula, in words */
};

struct cap_strategy {
	char *name;
	struct cap_cell cell[CAP_NLAYOUTS];
	struct cap_sens *sens;
	size_t nsens;
	/*
	 * per metric at full size (fresh): the range over one-cost-at-a-time
	 * variation, widened by the fit's hold-out error where extrapolated
	 */
	double range_lo[CM_N], range_hi[CM_N];
	const char *range_cost_lo[CM_N], *range_cost_hi[CM_N];	/* which cost gave each end */
	double total_lo, total_hi;	/* cap_total_bytes (fresh) over the same variation */
	/*
	 * Idle pages the ladder cannot see: kai-sp's carried pairs grow with
	 * memory once the TDs are large (2 pages per guest 2M range at most);
	 * every idle-cache range reaches up by this many pages.
	 */
	double cache_unseen_pages;
	struct cap_bound bound;
};

/* A sweep of one shape parameter or knob, per strategy, and its knees. */
enum { CAP_KNEE_METRICS = 3 };
struct cap_sweep {
	const char *key;		/* tds, vcpus, spt_cache_capacity, mem */
	const char *what;		/* "TDs per host", ... */
	size_t n;
	double x[CAP_MAX_SWEEP];
	enum cap_metric metric[CAP_KNEE_METRICS];
	/* per strategy: values per point per metric; ok when every point ran */
	struct {
		bool ok;
		double y[CAP_KNEE_METRICS][CAP_MAX_SWEEP];
		double mlw[CAP_MAX_SWEEP], slw[CAP_MAX_SWEEP];	/* to name a time knee's cause */
		struct capfit_knee knee[CAP_KNEE_METRICS];
		const char *cause[CAP_KNEE_METRICS];
	} s[CAP_MAX_STRATEGIES];
	char *context;			/* the fixed part of the shape, for titles */
};

struct cap_study {
	struct cap_req req;
	struct cap_strategy *st;
	size_t nst;
	double m0;			/* smallest rung, bytes per TD */
	bool extrapolated;
	double dpamt_bound;		/* 8 KiB per 2M region of the model's host at full size */
	bool dpamt_capped;		/* the fit went past it */		/* some value at full size comes from a fit */
	double worst_holdout;		/* over strategies, typical layouts, non-timing metrics */
	double worst_holdout_timing;
	const char *worst_what, *worst_what_timing;	/* "dpamt-v6 spec. pairs" */
	struct cap_sweep *sweeps;
	size_t nsweeps;
	size_t runs;			/* model runs made */
	double wall_s;
	char *costs_skipped;		/* costs not varied, and why */
	char *left_out;			/* strategies that cannot run as asked (--huge), and why */
};

/* A varied knob's name for tables: "cost_pamt_add" -> "pamt_add", "td_spread". */
static inline const char *cap_short_name(const char *knob)
{
	if (!strcmp(knob, "td_start_spread"))
		return "td_spread";
	if (!strcmp(knob, "vcpu_start_spread"))
		return "vcpu_spread";
	return !strncmp(knob, "cost_", 5) ? knob + 5 : knob;
}

/* Run the study. Returns 0, or -1 with a one-line reason in err. */
int cap_study_run(const struct cap_req *req, struct cap_study *out, char *err, size_t errlen);
void cap_study_free(struct cap_study *s);

/* A metric at full size of strategy i on layout l (NAN when that layout failed). */
double cap_value(const struct cap_study *s, size_t i, enum cap_layout l, enum cap_metric m);
/* Memory the strategy needs for PAMT and caches at full size, bytes (sum of peaks). */
double cap_total_bytes(const struct cap_study *s, size_t i, enum cap_layout l);
/* ... and how far off it may be: the fit's hold-out error on its DPAMT and cache parts. */
void cap_layout_range(const struct cap_study *s, size_t i, enum cap_layout l, double *lo, double *hi);

#endif
