/*
 * The arithmetic of `tdxbench capacity`: a straight-line fit for the ladder
 * extrapolation, its leave-last-out check, and knee detection on a sweep.
 * Pure functions on arrays, no model and no output (tests/unit/test_capfit.c).
 */
#ifndef TDX_CAPFIT_H
#define TDX_CAPFIT_H

#include <stdbool.h>
#include <stddef.h>

/* y = a + b x by least squares (gsl_fit_linear); n >= 2. */
struct capfit_line {
	double a, b;
};
int capfit_line(const double *x, const double *y, size_t n, struct capfit_line *out);
static inline double capfit_at(const struct capfit_line *l, double x)
{
	return l->a + l->b * x;
}

/*
 * How well the fit extrapolates: fit the first n-1 points, predict the last,
 * return |predicted - actual| / |actual| (0 when both are 0, 1 when only the
 * prediction is non-zero). n >= 3.
 */
double capfit_holdout_error(const double *x, const double *y, size_t n);

/*
 * A knee: the x at which a metric stops growing linearly. Two straight
 * segments meeting at one of the points (x[k], 1 <= k <= n-2) are fitted by
 * least squares; the best k is a knee when the two segments explain the
 * points clearly better than one line (residual below half of it, and the
 * one line off by more than 2 % of the largest value, rms) and their slopes differ by more than `min_ratio` (e.g.
 * 1.5: 50 % steeper or flatter). n >= 4, x ascending.
 */
struct capfit_knee {
	bool found;
	size_t k;			/* index of the knee point */
	double x, y;
	double slope_before, slope_after;
	double sse_one, sse_two;	/* residuals: one line, two segments */
};
int capfit_knee(const double *x, const double *y, size_t n, double min_ratio,
		struct capfit_knee *out);

#endif
