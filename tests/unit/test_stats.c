/*
 * Unit tests for src/core/stats.c against reference values: the published
 * Mann-Whitney critical-value table, the order-statistic median CI table,
 * results of scipy.stats.mannwhitneyu (scipy 1.10.1) and R's wilcox.test
 * documentation examples, and brute-force enumeration of the permutation
 * distribution (written independently of the DP in stats.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/stats.h"

#define assert_close(a, b, rel)							\
	do {									\
		double _a = (a), _b = (b);					\
		if (!(fabs(_a - _b) <= (rel) * fabs(_b) + 1e-300)) {		\
			print_error("%s = %.17g, want %.17g\n", #a, _a, _b);	\
			fail();							\
		}								\
	} while (0)

static void test_median_quantile(void **state)
{
	const double odd[] = { 5, 1, 3 };
	const double even[] = { 4, 1, 3, 2 };
	const double one[] = { 7 };

	assert_close(stats_median(odd, 3), 3, 0);
	assert_close(stats_median(even, 4), 2.5, 0);
	assert_close(stats_median(one, 1), 7, 0);
	assert_true(isnan(stats_median(NULL, 0)));
	/* R: quantile(1:4, c(.25, .9)) (type 7) = 1.75 3.70 */
	assert_close(stats_quantile(even, 4, 0.25), 1.75, 1e-15);
	assert_close(stats_quantile(even, 4, 0.9), 3.7, 1e-15);
	assert_close(stats_quantile(even, 4, 0), 1, 0);
	assert_close(stats_quantile(even, 4, 1), 4, 0);
	/* input untouched */
	assert_close(even[0], 4, 0);
}

/*
 * Ranks k of the 95 % order-statistic CI [x(k), x(n+1-k)] of the median and
 * their coverage, as tabulated by Nair (1940) / Conover, Practical
 * Nonparametric Statistics, Table A3 (checked with scipy.stats.binom).
 * 0 = no interval reaches 95 % (n < 6, benchstat's "need >= 6 samples").
 */
static const struct { size_t n, k; double cov; } ci_table[] = {
	{ 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 0, 0 }, { 5, 0, 0 },
	{ 6, 1, 0.96875 }, { 7, 1, 0.984375 }, { 8, 1, 0.9921875 },
	{ 9, 2, 0.9609375 }, { 10, 2, 0.978515625 }, { 11, 2, 0.98828125 },
	{ 12, 3, 0.96142578125 }, { 13, 3, 0.9775390625 }, { 14, 3, 0.987060546875 },
	{ 15, 4, 0.96484375 }, { 16, 4, 0.978729248046875 }, { 17, 5, 0.950958251953125 },
	{ 18, 5, 0.9691162109375 }, { 19, 5, 0.9807891845703125 },
	{ 20, 6, 0.9586105346679688 }, { 21, 6, 0.9733963012695312 },
	{ 22, 6, 0.9830994606018066 }, { 23, 7, 0.9653103351593018 },
	{ 24, 7, 0.9773441553115845 }, { 25, 8, 0.9567147493362427 },
	{ 26, 8, 0.9710407257080078 }, { 27, 8, 0.9808427095413208 },
	{ 28, 9, 0.9643018618226051 }, { 29, 9, 0.9758804552257061 },
	{ 30, 10, 0.9572260547429323 },
};

static void test_median_ci_table(void **state)
{
	for (size_t i = 0; i < sizeof(ci_table) / sizeof(ci_table[0]); i++) {
		size_t k;
		double cov;
		bool ok = stats_median_ci_rank(ci_table[i].n, 0.95, &k, &cov);
		assert_int_equal(k, ci_table[i].k);
		assert_int_equal(ok, ci_table[i].k > 0);
		if (ok)
			assert_close(cov, ci_table[i].cov, 1e-12);
	}
}

static void test_summary(void **state)
{
	/* 1..10 shuffled: median 5.5, CI [x(2), x(9)] = [2, 9] at 0.9785 */
	const double v[] = { 7, 3, 10, 1, 5, 9, 2, 8, 6, 4 };
	const double same[] = { 42, 42, 42, 42, 42, 42, 42 };
	const double spike[] = { 100, 101, 99, 100, 100, 250, 100, 101 };
	const double tiny[] = { 1000, 1000, 1000, 1000, 1000.2, 1000.5 };
	struct summary s;

	stats_summarize(v, 10, 0.95, &s);
	assert_int_equal(s.n, 10);
	assert_close(s.median, 5.5, 0);
	assert_close(s.ci_lo, 2, 0);
	assert_close(s.ci_hi, 9, 0);
	assert_close(s.ci_level, 0.978515625, 1e-12);
	assert_close(s.mad, 2.5, 0);	/* R: mad(1:10, constant = 1) */
	assert_close(s.min, 1, 0);
	assert_close(s.max, 10, 0);
	assert_int_equal(s.outliers, 0);
	assert_true(s.noisy);		/* 1.4826 * 2.5 / 5.5 = 67 % */

	stats_summarize(same, 7, 0.95, &s);
	assert_close(s.median, 42, 0);
	assert_close(s.ci_lo, 42, 0);
	assert_close(s.ci_hi, 42, 0);
	assert_close(s.mad, 0, 0);
	assert_int_equal(s.outliers, 0);
	assert_false(s.noisy);

	stats_summarize(spike, 8, 0.95, &s);
	assert_close(s.median, 100, 0);
	assert_int_equal(s.outliers, 1);	/* 250; 99 and 101 are within 3 MADs */
	assert_false(s.noisy);

	/* MAD 0 would make every wobble an outlier: the 0.1 % floor stops that */
	stats_summarize(tiny, 6, 0.95, &s);
	assert_int_equal(s.outliers, 0);

	stats_summarize(v, 3, 0.95, &s);	/* n too small for a 95 % CI */
	assert_true(isnan(s.ci_lo) && isnan(s.ci_hi));
	assert_close(s.median, 7, 0);	/* of 7, 3, 10 */

	stats_summarize(NULL, 0, 0.95, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median));
}

/* scipy docs (mannwhitneyu): males vs females, U1 = 17 */
static void test_mwu_scipy_example(void **state)
{
	const double males[] = { 19, 22, 16, 29, 24 }, females[] = { 20, 11, 17, 12 };
	struct mwu r;

	stats_mann_whitney(males, 5, females, 4, &r);
	assert_close(r.u, 17, 0);
	assert_true(r.exact);
	assert_false(r.ties);
	assert_close(r.p, 0.1111111111111111, 1e-12);
	stats_mann_whitney_method(males, 5, females, 4, MWU_NORMAL, &r);
	assert_false(r.exact);
	assert_close(r.p, 0.11134688653314041, 1e-9);
	/* swapping the samples gives the other U and the same p */
	stats_mann_whitney(females, 4, males, 5, &r);
	assert_close(r.u, 3, 0);
	assert_close(r.p, 0.1111111111111111, 1e-12);
}

/* R ?wilcox.test, Hollander & Wolfe depression data: W = 35, p(greater) = 0.1272 */
static void test_mwu_r_example(void **state)
{
	const double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
	const double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
	struct mwu r;

	stats_mann_whitney(x, 10, y, 5, &r);
	assert_close(r.u, 35, 0);
	assert_close(r.p, 0.2544122544122544, 1e-12);	/* 2 * 0.1272..., scipy exact */
}

/* Make samples (no ties) whose U for a is exactly u: a[i] sits just above c[i] b's. */
static void make_u(size_t m, size_t n, size_t u, double *a, double *b)
{
	for (size_t j = 0; j < n; j++)
		b[j] = (double)j;
	for (size_t i = 0; i < m; i++) {
		size_t c = u > n ? n : u;
		u -= c;
		a[i] = (double)c - 0.5 + 0.001 * (double)(i + 1);
	}
}

/*
 * Two-tailed alpha = 0.05 critical values of U (reject when U <= crit) from
 * the standard Mann-Whitney table (e.g. Zar, Biostatistical Analysis, Table
 * B.11; identical to scipy's exact distribution).
 */
static const struct { size_t m, n, crit; } crit_table[] = {
	{ 3, 5, 0 }, { 3, 6, 1 }, { 3, 8, 2 }, { 3, 10, 3 }, { 4, 4, 0 }, { 4, 5, 1 },
	{ 4, 8, 4 }, { 4, 10, 5 }, { 5, 5, 2 }, { 5, 6, 3 }, { 5, 7, 5 }, { 5, 8, 6 },
	{ 5, 10, 8 }, { 6, 6, 5 }, { 6, 10, 11 }, { 7, 7, 8 }, { 8, 8, 13 }, { 9, 9, 17 },
	{ 10, 10, 23 }, { 11, 11, 30 }, { 12, 12, 37 }, { 13, 13, 45 }, { 14, 14, 55 },
	{ 15, 15, 64 }, { 16, 16, 75 }, { 17, 17, 87 }, { 18, 18, 99 }, { 19, 19, 113 },
	{ 20, 20, 127 }, { 5, 20, 20 }, { 10, 20, 55 },
};

static void test_mwu_critical_values(void **state)
{
	double a[32], b[32];
	struct mwu r;

	for (size_t i = 0; i < sizeof(crit_table) / sizeof(crit_table[0]); i++) {
		size_t m = crit_table[i].m, n = crit_table[i].n, c = crit_table[i].crit;

		make_u(m, n, c, a, b);
		stats_mann_whitney(a, m, b, n, &r);
		assert_close(r.u, (double)c, 0);
		assert_true(r.exact);
		if (!(r.p <= 0.05)) {
			print_error("m=%zu n=%zu U=%zu p=%g\n", m, n, c, r.p);
			fail();
		}
		make_u(m, n, c + 1, a, b);
		stats_mann_whitney(a, m, b, n, &r);
		if (!(r.p > 0.05)) {
			print_error("m=%zu n=%zu U=%zu p=%g\n", m, n, c + 1, r.p);
			fail();
		}
	}
}

/* Independent check: enumerate every split of the pooled values (N <= 16). */
static double brute_p(const double *a, size_t m, const double *b, size_t n, double *u_obs)
{
	double pool[16], uobs = 0;
	size_t N = m + n;
	double le = 0, ge = 0, total = 0;

	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++)
			uobs += a[i] > b[j] ? 1.0 : a[i] == b[j] ? 0.5 : 0.0;
	memcpy(pool, a, m * sizeof(double));
	memcpy(pool + m, b, n * sizeof(double));
	for (uint32_t mask = 0; mask < (1u << N); mask++) {
		double u = 0;
		if ((size_t)__builtin_popcount(mask) != m)
			continue;
		for (size_t i = 0; i < N; i++) {
			if (!(mask & (1u << i)))
				continue;
			for (size_t j = 0; j < N; j++) {
				if (mask & (1u << j))
					continue;
				u += pool[i] > pool[j] ? 1.0 : pool[i] == pool[j] ? 0.5 : 0.0;
			}
		}
		total++;
		if (u <= uobs + 1e-9)
			le++;
		if (u >= uobs - 1e-9)
			ge++;
	}
	*u_obs = uobs;
	return fmin(1.0, 2.0 * fmin(le, ge) / total);
}

static void test_mwu_brute_force(void **state)
{
	/* ties within and across samples, all-equal, separated with ties */
	static const struct { size_t m, n; double v[16]; } cases[] = {
		{ 4, 4, { 1, 2, 2, 3,  2, 3, 4, 5 } },
		{ 3, 3, { 5, 5, 5,  6, 6, 6 } },
		{ 5, 5, { 7, 7, 7, 7, 7,  7, 7, 7, 7, 7 } },
		{ 6, 7, { 1, 1, 2, 3, 3, 3,  2, 3, 4, 4, 5, 6, 6 } },
		{ 7, 8, { 10, 11, 11, 12, 13, 13, 13,  12, 13, 14, 14, 15, 15, 16, 17 } },
		{ 2, 9, { 3, 9,  1, 2, 3, 4, 5, 6, 7, 8, 9 } },
		{ 1, 1, { 1, 2 } },
		{ 8, 8, { 0.3, 1.7, 2.2, 0.9, 4.1, 3.3, 2.8, 1.1,
			  2.5, 3.9, 4.4, 5.0, 3.1, 4.8, 2.9, 6.2 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const double *a = cases[i].v, *b = cases[i].v + cases[i].m;
		struct mwu r;
		double u, p = brute_p(a, cases[i].m, b, cases[i].n, &u);

		stats_mann_whitney(a, cases[i].m, b, cases[i].n, &r);
		assert_true(r.exact);
		assert_close(r.u, u, 0);
		assert_close(r.p, p, 1e-12);
	}
}

static void test_mwu_all_equal(void **state)
{
	double a[30], b[30];
	struct mwu r;

	for (size_t i = 0; i < 30; i++)
		a[i] = b[i] = 3.25;
	for (size_t n = 1; n <= 30; n++) {
		stats_mann_whitney(a, n, b, n, &r);
		assert_close(r.p, 1.0, 0);
		assert_true(r.ties);
		assert_close(r.u, (double)(n * n) / 2.0, 0);
		stats_mann_whitney_method(a, n, b, n, MWU_NORMAL, &r);
		assert_close(r.p, 1.0, 0);
	}
}

/* n = 1..30 per side, complete separation: p is the smallest achievable. */
static void test_mwu_sizes_and_min_p(void **state)
{
	double a[30], b[30];
	struct mwu r;

	for (size_t i = 0; i < 30; i++) {
		a[i] = (double)i;
		b[i] = 1000.0 + (double)i;
	}
	for (size_t n = 1; n <= 30; n++) {
		/* 2 / C(2n, n) computed without GSL */
		double c = 1.0;
		for (size_t k = 1; k <= n; k++)
			c = c * (double)(n + k) / (double)k;
		stats_mann_whitney(a, n, b, n, &r);
		assert_true(r.exact);
		assert_close(r.u, 0, 0);
		assert_close(r.min_p, fmin(1.0, 2.0 / c), 1e-10);
		assert_close(r.p, r.min_p, 1e-9);
		stats_mann_whitney(b, n, a, n, &r);
		assert_close(r.u, (double)(n * n), 0);
		assert_close(r.p, r.min_p, 1e-9);
	}
	/* benchstat: "need >= 4 samples to detect a difference at alpha level 0.05" */
	assert_true(stats_mwu_min_p(3, 3) > 0.05);
	assert_true(stats_mwu_min_p(4, 4) < 0.05);
	assert_close(stats_mwu_min_p(3, 3), 0.1, 1e-12);
	assert_close(stats_mwu_min_p(0, 3), 1.0, 0);
}

/* scipy.stats.mannwhitneyu(..., method='asymptotic') (tie + continuity corrected) */
static void test_mwu_normal_scipy(void **state)
{
	double a[50], b[50];
	struct mwu r;

	for (size_t i = 0; i < 35; i++)
		a[i] = (double)(i % 7);
	for (size_t i = 0; i < 40; i++)
		b[i] = (double)((i * 3) % 9);
	stats_mann_whitney(a, 35, b, 40, &r);	/* N = 75: normal by default */
	assert_false(r.exact);
	assert_true(r.ties);
	assert_close(r.u, 715.0, 0);
	assert_close(r.p, 0.8747971309412281, 1e-9);

	{
		const double x[] = { 1, 2, 2, 3, 3, 3, 4 }, y[] = { 3, 4, 4, 5, 5, 6, 7, 7 };
		stats_mann_whitney_method(x, 7, y, 8, MWU_NORMAL, &r);
		assert_close(r.u, 3.5, 0);
		assert_close(r.p, 0.004793348746185457, 1e-9);
	}
	{
		/* R/scipy call this significant (0.047); the exact test cannot (min 0.1) */
		const double x[] = { 5, 5, 5 }, y[] = { 6, 6, 6 };
		stats_mann_whitney_method(x, 3, y, 3, MWU_NORMAL, &r);
		assert_close(r.p, 0.04685417760387376, 1e-9);
		stats_mann_whitney(x, 3, y, 3, &r);
		assert_close(r.p, 0.1, 1e-12);
	}

	for (size_t i = 0; i < 40; i++) {
		a[i] = (double)(i * 37 % 101) + 0.5;
		b[i] = (double)(i * 53 % 103) + 10.25;
	}
	stats_mann_whitney(a, 40, b, 40, &r);
	assert_false(r.exact);
	assert_close(r.u, 699.0, 0);
	assert_close(r.p, 0.3335131899573651, 1e-9);
}

static void test_mwu_huge_difference(void **state)
{
	double a[50], b[50];
	struct mwu r;

	for (size_t i = 0; i < 50; i++) {
		a[i] = (double)(i + 1);
		b[i] = 1e12 + (double)i;
	}
	stats_mann_whitney(a, 10, b, 10, &r);
	assert_close(r.p, 1.082508822446903e-05, 1e-9);	/* scipy exact */
	stats_mann_whitney(a, 50, b, 50, &r);
	assert_false(r.exact);
	assert_close(r.p, 7.066071930388932e-18, 1e-6);	/* scipy asymptotic */
	stats_mann_whitney(a, 0, b, 5, &r);
	assert_true(isnan(r.p));
}

static void test_geomean(void **state)
{
	const double r[] = { 2, 8 }, s[] = { 0.5, 2, 1 }, bad[] = { 0, -1, NAN, INFINITY };
	const double mixed[] = { 4, 0, 1 };

	assert_close(stats_geomean(r, 2), 4, 1e-15);
	assert_close(stats_geomean(s, 3), 1, 1e-15);
	assert_true(isnan(stats_geomean(bad, 4)));
	assert_true(isnan(stats_geomean(NULL, 0)));
	assert_close(stats_geomean(mixed, 3), 2, 1e-15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median_quantile),
		cmocka_unit_test(test_median_ci_table),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_mwu_scipy_example),
		cmocka_unit_test(test_mwu_r_example),
		cmocka_unit_test(test_mwu_critical_values),
		cmocka_unit_test(test_mwu_brute_force),
		cmocka_unit_test(test_mwu_all_equal),
		cmocka_unit_test(test_mwu_sizes_and_min_p),
		cmocka_unit_test(test_mwu_normal_scipy),
		cmocka_unit_test(test_mwu_huge_difference),
		cmocka_unit_test(test_geomean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
