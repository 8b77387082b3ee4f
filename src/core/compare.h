/*
 * The comparison model behind `tdxbench compare` (and the tables inside
 * `tdxbench report`): match runs of a base selection and candidate
 * selections on workload + parameters, summarize each metric and test the
 * difference. The renderers (text, markdown, csv, json) are in
 * src/report/compare_*.c, behind report/compare_render.h.
 */
#ifndef TDX_COMPARE_H
#define TDX_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/select.h"
#include "lib/metrics.h"
#include "lib/params.h"
#include "lib/stats.h"
#include "store/store.h"

#define CMP_LEVEL 0.95		/* confidence of every interval */

struct compare_req {
	const char *base;		/* selector text */
	const char *const *cands;	/* selector texts */
	size_t ncands;
	const char *metrics;		/* "a,b" filter or NULL for all shared */
	double alpha;			/* default 0.05 */
	double fail_if_worse_pct;	/* <0: off */
	bool header;			/* print the fingerprint/reproduce header */
	bool all;			/* every metric and block geomean, not only changes */
	bool overall;			/* the overall geomeans even when confounded */
};

struct cside {
	const char *text;
	struct selector sel;
	bool sel_ok;
	struct run_row *rows;
	size_t nrows;
	struct params *rparams;		/* per row */
	char ***mnames, ***munits;	/* per row: metric names recorded */
	size_t *nm;
};

struct cgroup {
	char *workload, *backend;	/* NULL when the selectors set it apart */
	struct params kp;		/* the workload parameters matched on */
	char *title;			/* "boot mem=1G tds=1 vcpus=2" */
	size_t **idx;			/* per side: indexes into that side's rows */
	size_t *nidx;
};

struct crow {
	const char *name, *unit;
	enum better better;
	struct summary b, c;
	struct mwu t;
	double change;			/* % of the base median; NAN if base is 0 */
	double ratio;			/* cand/base median, NAN if undefined */
	/*
	 * identical: every rep of each side gave the same value (a deterministic
	 * model): no test, no p-value, no verdict word; a difference is exact.
	 * significant: the test says so (never for identical rows).
	 * changed: significant, or identical with different values.
	 * worse/improved: the direction of a change (for --fail-if-worse).
	 */
	bool identical, significant, changed, few, worse, improved;
};

/* The geometric mean of cost ratios of one unit's metrics (< 1 better). */
struct cgeo {
	const char *unit;
	double geo;
	size_t n;
};

struct cblock {
	size_t cand;			/* side index, >= 1 */
	struct cgroup *g;
	struct crow *rows;
	size_t nrows;
	size_t nb, nc;			/* the most values any metric has on each side */
	struct cgeo *geos;		/* per unit: geomeans never mix units */
	size_t ngeos;
	struct params differs;		/* key -> "base vs cand" */
	struct params confound;		/* the differs not explained by what is compared */
	char *only_base, *only_cand;	/* metrics recorded on one side only */
};

struct cmp {
	const struct compare_req *req;
	struct cside *sides;		/* [0] base, [1..] candidates */
	size_t nsides;
	struct params named;		/* keys the selectors set apart */
	struct params mentioned;	/* keys any selector gives */
	struct cgroup *groups;
	size_t ngroups;
	struct cblock *blocks;
	size_t nblocks, capblocks;
	char **warnings;
	size_t nwarnings, capwarnings;
	char **metric_filter;
	size_t nfilter;
	bool regression;
	bool confounded;		/* some block differs in more than what is compared */
};

/* Build the model; on error it printed why and c still needs cmp_free(). */
int cmp_build(struct store *st, const struct compare_req *req, struct cmp *c);
void cmp_free(struct cmp *c);

/* "base" or "cand" for side index s. */
const char *side_name(size_t s);
/*
 * Geomean of one candidate's cost ratios over every block for one unit
 * (< 1 better); *n rows. NAN when none.
 */
double overall_geo(const struct cmp *c, size_t cand, const char *unit, size_t *n);
/* The units that have a geomean in some block of cand, in first-seen order. */
size_t geo_units(const struct cmp *c, size_t cand, const char **units, size_t max);

#endif
