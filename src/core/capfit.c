/* Line fits, hold-out error and knees for `tdxbench capacity` (capfit.h). */
#include "core/capfit.h"

#include <gsl/gsl_fit.h>
#include <math.h>

int capfit_line(const double *x, const double *y, size_t n, struct capfit_line *out)
{
	double c00, c01, c11, sumsq;
	out->a = out->b = 0;
	if (n < 2)
		return -1;
	if (n == 2 && x[0] == x[1])
		return -1;
	return gsl_fit_linear(x, 1, y, 1, n, &out->a, &out->b, &c00, &c01, &c11, &sumsq) ? -1 : 0;
}

double capfit_holdout_error(const double *x, const double *y, size_t n)
{
	struct capfit_line l;
	double pred, act;
	if (n < 3 || capfit_line(x, y, n - 1, &l))
		return NAN;
	pred = capfit_at(&l, x[n - 1]);
	act = y[n - 1];
	if (act == 0)
		return fabs(pred) < 1e-9 ? 0 : 1;
	return fabs(pred - act) / fabs(act);
}

/* Residual of the least-squares line through points [i, j]. */
static double seg_sse(const double *x, const double *y, size_t i, size_t j, double *slope)
{
	struct capfit_line l;
	double s = 0;
	if (capfit_line(x + i, y + i, j - i + 1, &l)) {
		*slope = 0;
		return INFINITY;
	}
	for (size_t t = i; t <= j; t++) {
		double r = y[t] - capfit_at(&l, x[t]);
		s += r * r;
	}
	*slope = l.b;
	return s;
}

int capfit_knee(const double *x, const double *y, size_t n, double min_ratio,
		struct capfit_knee *out)
{
	double slope, best = INFINITY, scale = 0;
	out->found = false;
	out->k = 0;
	if (n < 4)
		return -1;
	for (size_t i = 0; i < n; i++)
		scale = fmax(scale, fabs(y[i]));
	out->sse_one = seg_sse(x, y, 0, n - 1, &slope);
	for (size_t k = 1; k + 1 < n; k++) {
		double s1, s2, sse = seg_sse(x, y, 0, k, &s1) + seg_sse(x, y, k, n - 1, &s2);
		if (sse < best) {
			best = sse;
			out->k = k;
			out->slope_before = s1;
			out->slope_after = s2;
		}
	}
	out->sse_two = best;
	out->x = x[out->k];
	out->y = y[out->k];
	{
		double a = fabs(out->slope_before), b = fabs(out->slope_after);
		double lo = fmin(a, b), hi = fmax(a, b);
		/* the one-line residual must matter: rms above 2 % of the largest value */
		bool bent = out->sse_one > 4e-4 * scale * scale * (double)n &&
			    out->sse_two < 0.5 * out->sse_one;
		bool slopes = hi > 0 && (lo == 0 || hi / lo > min_ratio ||
					 (out->slope_before < 0) != (out->slope_after < 0));
		out->found = bent && slopes;
	}
	return 0;
}
