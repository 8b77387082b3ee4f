/*
 * Statistics for compare/report. GSL supplies the distribution functions
 * (binomial and normal CDFs, log binomial coefficients); the Mann-Whitney
 * permutation distribution is counted here because GSL has none.
 * docs/statistics.md gives the formulas and references.
 */
#include "lib/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "lib/util.h"

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

static double *sorted_copy(const double *vals, size_t n)
{
	double *s = xmalloc((n ? n : 1) * sizeof(*s));
	if (n)
		memcpy(s, vals, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

static double quantile_sorted(const double *s, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (!n)
		return NAN;
	if (q <= 0)
		return s[0];
	if (q >= 1)
		return s[n - 1];
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (h - lo) * (s[i + 1] - s[i]);
}

double stats_quantile(const double *vals, size_t n, double q)
{
	double *s = sorted_copy(vals, n);
	double r = quantile_sorted(s, n, q);
	free(s);
	return r;
}

double stats_median(const double *vals, size_t n)
{
	return stats_quantile(vals, n, 0.5);
}

bool stats_median_ci_rank(size_t n, double level, size_t *k, double *coverage)
{
	size_t best = 0;
	double best_cov = NAN;

	/*
	 * The number of values below the true median is Binomial(n, 1/2), so
	 * P(x(k) <= m <= x(n+1-k)) = 1 - 2 P(B <= k-1). Coverage falls as k
	 * grows; take the narrowest interval that still reaches the level.
	 */
	for (size_t kk = 1; kk <= (n + 1) / 2; kk++) {
		double cov = 1.0 - 2.0 * gsl_cdf_binomial_P((unsigned)(kk - 1), 0.5, (unsigned)n);
		if (cov + 1e-12 < level)
			break;
		best = kk;
		best_cov = cov;
	}
	*k = best;
	if (coverage)
		*coverage = best_cov;
	return best > 0;
}

void stats_summarize(const double *vals, size_t n, double level, struct summary *out)
{
	double *s, *dev, scale, floor_dev;
	size_t k;

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->median = out->ci_lo = out->ci_hi = out->ci_level = NAN;
	out->mad = out->min = out->max = NAN;
	if (!n)
		return;

	s = sorted_copy(vals, n);
	out->min = s[0];
	out->max = s[n - 1];
	out->median = quantile_sorted(s, n, 0.5);
	if (stats_median_ci_rank(n, level, &k, &out->ci_level)) {
		out->ci_lo = s[k - 1];
		out->ci_hi = s[n - k];
	}

	dev = xmalloc(n * sizeof(*dev));
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(s[i] - out->median);
	qsort(dev, n, sizeof(*dev), cmp_double);
	out->mad = quantile_sorted(dev, n, 0.5);

	/*
	 * Modified z-score outliers (Iglewicz & Hoaglin) on the scaled MAD.
	 * With a MAD of (nearly) zero every wobble would be "infinitely" far
	 * out (hyperfine issue 580), so a deviation must also exceed a small
	 * fraction of the median to count.
	 */
	scale = 1.4826 * out->mad;
	floor_dev = STATS_OUTLIER_FLOOR * fabs(out->median);
	for (size_t i = 0; i < n; i++) {
		double d = fabs(s[i] - out->median);
		if (d > STATS_OUTLIER_K * scale && d > floor_dev)
			out->outliers++;
	}
	if (out->median != 0)
		out->noisy = scale / fabs(out->median) > STATS_NOISY_RCV;
	else
		out->noisy = scale > 0;
	free(dev);
	free(s);
}

double stats_mwu_min_p(size_t na, size_t nb)
{
	double p;

	if (!na || !nb)
		return 1.0;
	p = 2.0 * exp(-gsl_sf_lnchoose((unsigned)(na + nb), (unsigned)na));
	return p < 1.0 ? p : 1.0;
}

struct tagged {
	double v;
	int side;	/* 0 = a, 1 = b */
};

static int cmp_tagged(const void *pa, const void *pb)
{
	const struct tagged *a = pa, *b = pb;
	return (a->v > b->v) - (a->v < b->v);
}

/*
 * Exact permutation distribution of the rank sum of k items drawn from N
 * whose doubled midranks are r2[0..N-1] (integers even with ties): count,
 * for every subset size c <= k and doubled sum s, the subsets reaching it.
 * Returns the two-sided p of the observed doubled sum: twice the smaller
 * tail, capped at 1 (R's and scipy's convention; the distribution is
 * symmetric without ties, so this is also P(|U - mean| >= |u - mean|)).
 */
static double exact_p(const long *r2, size_t N, size_t k, long s_obs)
{
	size_t smax = 0, width;
	double *f, total = 0, le = 0, ge = 0, p;

	for (size_t j = 0; j < N; j++)
		smax += (size_t)r2[j];
	width = smax + 1;
	f = xcalloc((k + 1) * width, sizeof(*f));
	f[0] = 1.0;	/* the empty subset, sum 0 */
	size_t reach = 0;	/* largest sum reachable so far */
	for (size_t j = 0; j < N; j++) {
		size_t r = (size_t)r2[j];
		size_t cmax = j + 1 < k ? j + 1 : k;
		for (size_t c = cmax; c >= 1; c--) {
			double *dst = f + c * width, *src = f + (c - 1) * width;
			for (size_t s = reach + r; s >= r; s--) {
				dst[s] += src[s - r];
				if (s == r)
					break;
			}
		}
		reach += r;
	}
	for (size_t s = 0; s < width; s++) {
		double c = f[k * width + s];
		if (!c)
			continue;
		total += c;
		if ((long)s <= s_obs)
			le += c;
		if ((long)s >= s_obs)
			ge += c;
	}
	free(f);
	p = 2.0 * (le < ge ? le : ge) / total;
	return p < 1.0 ? p : 1.0;
}

void stats_mann_whitney_method(const double *a, size_t na, const double *b, size_t nb,
			       enum mwu_method method, struct mwu *out)
{
	size_t N = na + nb;
	struct tagged *t;
	long *r2, ra2 = 0;
	double tie_sum = 0;

	memset(out, 0, sizeof(*out));
	out->u = out->p = NAN;
	out->min_p = stats_mwu_min_p(na, nb);
	if (!na || !nb)
		return;

	t = xmalloc(N * sizeof(*t));
	for (size_t i = 0; i < na; i++)
		t[i] = (struct tagged){ a[i], 0 };
	for (size_t i = 0; i < nb; i++)
		t[na + i] = (struct tagged){ b[i], 1 };
	qsort(t, N, sizeof(*t), cmp_tagged);

	/* Doubled midranks: a tie group at 1-based positions i..j gets i + j. */
	r2 = xmalloc(N * sizeof(*r2));
	for (size_t i = 0; i < N;) {
		size_t j = i;
		while (j + 1 < N && t[j + 1].v == t[i].v)
			j++;
		for (size_t x = i; x <= j; x++)
			r2[x] = (long)(i + 1 + j + 1);
		if (j > i) {
			double len = (double)(j - i + 1);
			out->ties = true;
			tie_sum += len * len * len - len;
		}
		i = j + 1;
	}
	for (size_t i = 0; i < N; i++)
		if (t[i].side == 0)
			ra2 += r2[i];
	out->u = (double)ra2 / 2.0 - (double)na * (double)(na + 1) / 2.0;

	if (method == MWU_AUTO)
		method = N <= MWU_EXACT_MAX_N ? MWU_EXACT : MWU_NORMAL;

	if (method == MWU_EXACT) {
		/* Count over the smaller side; the two-sided p is the same. */
		if (na <= nb) {
			out->p = exact_p(r2, N, na, ra2);
		} else {
			long rb2 = (long)N * (long)(N + 1) - ra2;
			out->p = exact_p(r2, N, nb, rb2);
		}
		out->exact = true;
	} else {
		double m = (double)na, n = (double)nb, nn = (double)N;
		double z = out->u - m * n / 2.0;
		double var = m * n / 12.0 * ((nn + 1.0) - tie_sum / (nn * (nn - 1.0)));
		double corr, pl, pu;

		if (var <= 0) {
			out->p = 1.0;	/* every value equal: no evidence either way */
		} else {
			corr = z > 0 ? 0.5 : z < 0 ? -0.5 : 0.0;
			z = (z - corr) / sqrt(var);
			pl = gsl_cdf_ugaussian_P(z);
			pu = gsl_cdf_ugaussian_Q(z);
			out->p = 2.0 * (pl < pu ? pl : pu);
			if (out->p > 1.0)
				out->p = 1.0;
		}
	}
	free(r2);
	free(t);
}

void stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct mwu *out)
{
	stats_mann_whitney_method(a, na, b, nb, MWU_AUTO, out);
}

double stats_geomean(const double *ratios, size_t n)
{
	double sum = 0;
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(ratios[i] > 0) || !isfinite(ratios[i]))
			continue;
		sum += log(ratios[i]);
		used++;
	}
	return used ? exp(sum / (double)used) : NAN;
}
