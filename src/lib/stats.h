/*
 * Statistics glue for compare and report: medians with confidence intervals,
 * noise flags, Mann-Whitney U, geometric means. Distribution functions come
 * from GSL; the tests check this file against published reference values.
 * Methods, formulas and references: docs/statistics.md.
 */
#ifndef TDX_STATS_H
#define TDX_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Robust CV (1.4826 * MAD / |median|) above which a sample is called noisy. */
#define STATS_NOISY_RCV 0.05
/* Outlier: |x - median| > STATS_OUTLIER_K scaled MADs (scaled MAD = 1.4826 * MAD). */
#define STATS_OUTLIER_K 3.0
/* ...and never closer to the median than this fraction of it (MAD ~ 0 guard). */
#define STATS_OUTLIER_FLOOR 0.001

struct summary {
	size_t n;
	double median;
	double ci_lo, ci_hi;	/* confidence interval of the median (NAN if n too small) */
	double ci_level;	/* achieved coverage, e.g. 0.961 for order statistics */
	double mad;		/* median absolute deviation (unscaled) */
	double min, max;
	size_t outliers;	/* |x - median| > 3 * 1.4826 * MAD (and > 0.1 % of median) */
	bool noisy;		/* 1.4826 * MAD / |median| > STATS_NOISY_RCV */
};

/* vals is not modified. level e.g. 0.95. NANs are the caller's problem. */
void stats_summarize(const double *vals, size_t n, double level, struct summary *out);
double stats_median(const double *vals, size_t n);
/* Linear interpolation between order statistics (R type 7, numpy default). */
double stats_quantile(const double *vals, size_t n, double q);

/*
 * Order-statistic CI of the median: the largest k such that
 * [x(k), x(n+1-k)] covers the median with probability >= level
 * (1-based ranks). Returns false (k = 0) when even [min, max] falls short,
 * i.e. n is too small for that level (n < 6 at 0.95).
 */
bool stats_median_ci_rank(size_t n, double level, size_t *k, double *coverage);

enum mwu_method {
	MWU_AUTO,	/* exact when na + nb <= MWU_EXACT_MAX_N, normal otherwise */
	MWU_EXACT,	/* permutation distribution of the (mid)rank sum, ties exact */
	MWU_NORMAL,	/* normal approximation, tie + continuity corrected */
};
#define MWU_EXACT_MAX_N 60

struct mwu {
	double u;		/* U statistic of the first sample (pairs a > b, ties 1/2) */
	double p;		/* two-sided p-value (NAN when a side is empty) */
	bool exact;		/* exact distribution (small n) vs normal approx */
	bool ties;		/* some value occurs in both or twice */
	double min_p;		/* smallest p achievable with these n (to warn "n too small") */
};
void stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct mwu *out);
void stats_mann_whitney_method(const double *a, size_t na, const double *b, size_t nb,
			       enum mwu_method method, struct mwu *out);
/* 2 / C(na + nb, na), capped at 1: the p of complete separation without ties. */
double stats_mwu_min_p(size_t na, size_t nb);

/* Geometric mean of positive ratios (e.g. cand/base); others skipped; NAN if none. */
double stats_geomean(const double *ratios, size_t n);

#endif
