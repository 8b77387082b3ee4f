#include "lib/result.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void result_init(struct run_result *r)
{
	memset(r, 0, sizeof(*r));
}

void result_free(struct run_result *r)
{
	for (size_t i = 0; i < r->n_metrics; i++) {
		free(r->metrics[i].name);
		free(r->metrics[i].unit);
	}
	for (size_t i = 0; i < r->n_series; i++) {
		free(r->series[i].name);
		free(r->series[i].unit);
	}
	for (size_t i = 0; i < r->n_hists; i++) {
		free(r->hists[i].name);
		free(r->hists[i].unit);
	}
	for (size_t i = 0; i < r->n_notes; i++) {
		free(r->notes[i].key);
		free(r->notes[i].value);
	}
	free(r->metrics);
	free(r->series);
	free(r->samples);
	free(r->hists);
	free(r->buckets);
	free(r->notes);
	result_init(r);
}

const struct result_metric *result_find_metric(const struct run_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_metrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

void result_metric(struct run_result *r, const char *name, double value, const char *unit)
{
	struct result_metric *m = (struct result_metric *)result_find_metric(r, name);
	if (!m) {
		GROW(r->metrics, r->cap_metrics, r->n_metrics + 1);
		m = &r->metrics[r->n_metrics++];
		m->name = xstrdup(name);
		m->unit = xstrdup(unit ? unit : "");
	}
	m->value = value;
}

int result_series(struct run_result *r, const char *name, const char *unit)
{
	for (size_t i = 0; i < r->n_series; i++)
		if (!strcmp(r->series[i].name, name))
			return (int)i;
	GROW(r->series, r->cap_series, r->n_series + 1);
	r->series[r->n_series].name = xstrdup(name);
	r->series[r->n_series].unit = xstrdup(unit ? unit : "");
	return (int)r->n_series++;
}

void result_sample(struct run_result *r, int series, double t_ns, double value)
{
	GROW(r->samples, r->cap_samples, r->n_samples + 1);
	r->samples[r->n_samples++] = (struct result_sample){ (uint32_t)series, t_ns, value };
}

int result_hist(struct run_result *r, const char *name, const char *unit)
{
	for (size_t i = 0; i < r->n_hists; i++)
		if (!strcmp(r->hists[i].name, name))
			return (int)i;
	GROW(r->hists, r->cap_hists, r->n_hists + 1);
	r->hists[r->n_hists].name = xstrdup(name);
	r->hists[r->n_hists].unit = xstrdup(unit ? unit : "");
	return (int)r->n_hists++;
}

void result_bucket(struct run_result *r, int hist, double lo, double hi, uint64_t count)
{
	GROW(r->buckets, r->cap_buckets, r->n_buckets + 1);
	r->buckets[r->n_buckets++] = (struct result_bucket){ (uint32_t)hist, lo, hi, count };
}

void result_note(struct run_result *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;
	struct result_note *n = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	for (size_t i = 0; i < r->n_notes; i++)
		if (!strcmp(r->notes[i].key, key))
			n = &r->notes[i];
	if (n) {
		free(n->value);
		n->value = s;
		return;
	}
	GROW(r->notes, r->cap_notes, r->n_notes + 1);
	r->notes[r->n_notes].key = xstrdup(key);
	r->notes[r->n_notes].value = s;
	r->n_notes++;
}
