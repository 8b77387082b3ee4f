/*
 * What one repetition produced, collected in memory by the backend and then
 * written by the store in one transaction: scalar metrics, time series,
 * histograms and notes (e.g. "conversion_method" = "zap+refault").
 */
#ifndef TDX_RESULT_H
#define TDX_RESULT_H

#include <stddef.h>
#include <stdint.h>

struct result_metric {
	char *name;
	char *unit;
	double value;
};

struct result_series {
	char *name;
	char *unit;	/* of the value; t is always ns (virtual for sim, wall otherwise) */
};

struct result_sample {
	uint32_t series;
	double t_ns;
	double value;
};

struct result_hist {
	char *name;
	char *unit;	/* of the bucket bounds */
};

struct result_bucket {
	uint32_t hist;
	double lo, hi;
	uint64_t count;
};

struct result_note {
	char *key;
	char *value;
};

struct run_result {
	struct result_metric *metrics;
	size_t n_metrics, cap_metrics;
	struct result_series *series;
	size_t n_series, cap_series;
	struct result_sample *samples;
	size_t n_samples, cap_samples;
	struct result_hist *hists;
	size_t n_hists, cap_hists;
	struct result_bucket *buckets;
	size_t n_buckets, cap_buckets;
	struct result_note *notes;
	size_t n_notes, cap_notes;
};

void result_init(struct run_result *r);
void result_free(struct run_result *r);
/* Set (or replace) a scalar metric. */
void result_metric(struct run_result *r, const char *name, double value, const char *unit);
const struct result_metric *result_find_metric(const struct run_result *r, const char *name);
/* Returns the series id (same name -> same id). */
int result_series(struct run_result *r, const char *name, const char *unit);
void result_sample(struct run_result *r, int series, double t_ns, double value);
int result_hist(struct run_result *r, const char *name, const char *unit);
void result_bucket(struct run_result *r, int hist, double lo, double hi, uint64_t count);
void result_note(struct run_result *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
