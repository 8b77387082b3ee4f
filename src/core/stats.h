/*
 * Statistics glue for compare and report: medians with confidence intervals,
 * noise flags, Mann-Whitney U, geometric means. Distribution functions come
 * from GSL; the tests check this file against published reference values.
 */
#ifndef TDX_STATS_H
#define TDX_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct summary {
	size_t n;
	double median;
	double ci_lo, ci_hi;	/* confidence interval of the median (NAN if n too small) */
	double ci_level;	/* achieved coverage, e.g. 0.961 for order statistics */
	double mad;		/* median absolute deviation (unscaled) */
	double min, max;
	size_t outliers;	/* |x - median| > 3 * 1.4826 * MAD */
	bool noisy;		/* spread too large for a trustworthy median */
};

/* vals is not modified. level e.g. 0.95. */
void stats_summarize(const double *vals, size_t n, double level, struct summary *out);
double stats_median(const double *vals, size_t n);
double stats_quantile(const double *vals, size_t n, double q);

struct mwu {
	double u;		/* U statistic of the first sample */
	double p;		/* two-sided p-value */
	bool exact;		/* exact distribution (small n, no ties) vs normal approx */
	double min_p;		/* smallest p achievable with these n (to warn "n too small") */
};
void stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct mwu *out);

/* Geometric mean of positive ratios (e.g. cand/base); NAN if none. */
double stats_geomean(const double *ratios, size_t n);

#endif
