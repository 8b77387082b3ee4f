/*
 * TEMPORARY: weak stand-ins for interfaces other branches implement (the
 * sqlite store, selectors, statistics, compare). Real definitions override
 * these at link time; this file goes away once they are merged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/compare.h"
#include "core/select.h"
#include "core/stats.h"
#include "core/util.h"
#include "store/store.h"

#define WEAK __attribute__((weak))

WEAK const char *store_path(const struct store *st) { return "?"; }
WEAK int store_runs(struct store *st, const struct run_filter *f, struct run_row **rows, size_t *n)
{ *rows = NULL; *n = 0; return error("store not implemented yet"); }
WEAK void store_free_runs(struct run_row *rows, size_t n) { free(rows); }
WEAK int store_run_params(struct store *st, int64_t run_id, struct params *out) { return -1; }
WEAK int store_run_reps(struct store *st, int64_t run_id, int **reps, size_t *n) { return -1; }
WEAK int store_metric_values(struct store *st, int64_t run_id, const char *metric,
			     double **vals, size_t *n) { return -1; }
WEAK int store_run_metric_names(struct store *st, int64_t run_id, char ***names, char ***units,
				size_t *n) { return -1; }
WEAK void store_free_strings(char **v, size_t n) { }
WEAK int store_run_samples(struct store *st, int64_t run_id, int rep, store_sample_cb cb,
			   void *ctx) { return -1; }
WEAK int store_run_hists(struct store *st, int64_t run_id, int rep, store_hist_cb cb, void *ctx)
{ return -1; }

WEAK int selector_parse(const char *text, struct selector *sel, char *err, size_t errlen)
{ snprintf(err, errlen, "selectors not implemented yet"); return -1; }
WEAK void selector_free(struct selector *sel) { }

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

WEAK double stats_quantile(const double *vals, size_t n, double q)
{
	double *s, pos, r;
	size_t i;
	if (!n)
		return NAN;
	s = xmalloc(n * sizeof(*s));
	memcpy(s, vals, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_d);
	pos = q * (double)(n - 1);
	i = (size_t)pos;
	r = i + 1 < n ? s[i] + (pos - (double)i) * (s[i + 1] - s[i]) : s[i];
	free(s);
	return r;
}

WEAK double stats_median(const double *vals, size_t n) { return stats_quantile(vals, n, 0.5); }

WEAK void stats_summarize(const double *vals, size_t n, double level, struct summary *out)
{
	memset(out, 0, sizeof(*out));
	out->n = n;
	out->median = stats_median(vals, n);
	out->ci_lo = out->ci_hi = NAN;
	out->min = n ? vals[0] : NAN;
	out->max = n ? vals[0] : NAN;
	for (size_t i = 0; i < n; i++) {
		out->min = MIN(out->min, vals[i]);
		out->max = MAX(out->max, vals[i]);
	}
	if (n >= 6) {	/* rough order-statistic interval until stats.c lands */
		out->ci_lo = stats_quantile(vals, n, 0.1);
		out->ci_hi = stats_quantile(vals, n, 0.9);
		out->ci_level = level;
	}
}

WEAK int compare_render(struct store *st, const struct compare_req *req, enum compare_format fmt,
			FILE *out)
{ return error("compare not implemented yet"); }
WEAK int store_host_json(struct store *st, int64_t host_id, char **json)
{ *json = NULL; return -1; }
