/* Read the selected runs, their per-rep metrics, one rep's time series and
 * the summed histograms from the store into the report model. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "core/select.h"
#include "lib/util.h"
#include "store/store.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int on_sample(void *ctx, int rep, const char *series, const char *unit, double t_ns,
		     double value)
{
	rpt_run_sample(ctx, series, unit, t_ns, value);
	return 0;
}

static int on_bucket(void *ctx, int rep, const char *hist, const char *unit, double lo,
		     double hi, uint64_t count)
{
	rpt_run_bucket(ctx, hist, unit, lo, hi, count);
	return 0;
}

struct metric_load {
	struct rpt_run *run;
	char **names, **units;	/* sorted by name: each metric's unit over all reps */
	size_t n;
};

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_metric_name(const void *a, const void *b)
{
	return strcmp(((const struct rpt_metric *)a)->name, ((const struct rpt_metric *)b)->name);
}

/* Values of ok repetitions, in repetition order, as store_metric_values() gave them. */
static int on_metric(void *ctx, int rep, const char *status, const char *metric, const char *unit,
		     double value)
{
	struct metric_load *ml = ctx;
	char *const *hit;

	if (!status || strcmp(status, "ok"))
		return 0;
	hit = bsearch(&metric, ml->names, ml->n, sizeof(*ml->names), cmp_strp);
	rpt_run_metric(ml->run, metric, hit ? ml->units[hit - ml->names] : unit, value);
	return 0;
}

static int load_run(struct store *st, const struct run_row *row, struct rpt_run *run)
{
	char **names = NULL, **units = NULL;
	size_t n = 0, nreps = 0;
	int *reps = NULL;

	run->id = row->id;
	run->session_id = row->session_id;
	run->host_id = row->host_id;
	run->backend = dup_or_null(row->backend);
	run->strategy = dup_or_null(row->strategy);
	run->workload = dup_or_null(row->workload);
	run->job = dup_or_null(row->job);
	run->label = dup_or_null(row->label);
	run->kernel = dup_or_null(row->kernel);
	run->host_label = dup_or_null(row->host_label);
	run->cmdline = dup_or_null(row->cmdline);
	run->reproduce = dup_or_null(row->reproduce);
	run->created = dup_or_null(row->created);
	run->tool_version = dup_or_null(row->tool_version);
	run->status = dup_or_null(row->status);
	run->is_model = row->is_model;
	run->reps_done = row->reps_done;
	run->reps_failed = row->reps_failed;

	if (store_run_params(st, row->id, &run->params))
		return -1;
	/* two queries per run, not one per metric: 5,000 runs load in seconds */
	if (store_run_metric_names(st, row->id, &names, &units, &n))
		return -1;
	{
		struct metric_load ml = { run, names, units, n };
		int rc = store_run_metrics(st, row->id, on_metric, &ml);
		store_free_strings(names, n);
		store_free_strings(units, n);
		if (rc)
			return -1;
	}
	/* name order, as the per-metric loading gave it */
	qsort(run->metrics, run->nmetrics, sizeof(*run->metrics), cmp_metric_name);

	/* Time series: one rep is a readable line; the first that finished. */
	if (store_run_reps(st, row->id, &reps, &nreps))
		return -1;
	if (nreps) {
		run->series_rep = reps[0];
		if (store_run_samples(st, row->id, reps[0], on_sample, run)) {
			free(reps);
			return -1;
		}
	}
	free(reps);
	if (nreps && store_run_hists(st, row->id, -1, on_bucket, run))
		return -1;
	return 0;
}

static int cmp_run_id(const void *a, const void *b)
{
	const struct rpt_run *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int report_load(struct store *st, const char *const *selectors, size_t nsel, struct report *r)
{
	size_t nvcap = 0;
	r->selectors = selectors;
	r->nselectors = nsel;

	for (size_t s = 0; s < (nsel ? nsel : 1); s++) {
		struct selector sel;
		struct run_filter all = { 0 };
		const struct run_filter *f = &all;
		struct run_row *rows = NULL;
		size_t n = 0;
		char err[256];

		memset(&sel, 0, sizeof(sel));
		if (nsel) {
			if (selector_parse(selectors[s], &sel, err, sizeof(err)))
				return error("%s", err);
			f = &sel.filter;
		}
		if (store_runs(st, f, &rows, &n)) {
			if (nsel)
				selector_free(&sel);
			return -1;
		}
		if (nsel)
			selector_free(&sel);
		if (nsel >= 2) {
			GROW(r->variants, nvcap, r->nvariants + 1);
			r->variants[r->nvariants].name = xstrdup(selectors[s]);
			for (char *c = r->variants[r->nvariants].name; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					*c = ' ';
			r->variants[r->nvariants].selector = xstrdup(selectors[s]);
			r->nvariants++;
		}
		for (size_t i = 0; i < n; i++) {
			struct rpt_run *run;
			bool dup = false;
			if (rows[i].reps_done <= 0)
				continue;	/* nothing measured to show */
			for (size_t k = 0; k < r->nruns && !dup; k++)
				dup = r->runs[k].id == rows[i].id;
			if (dup)
				continue;	/* first selector that picks a run owns it */
			run = report_add_run(r);
			run->variant = (int)s;
			if (load_run(st, &rows[i], run)) {
				store_free_runs(rows, n);
				return -1;
			}
		}
		store_free_runs(rows, n);
	}
	if (r->nruns > 1)
		qsort(r->runs, r->nruns, sizeof(*r->runs), cmp_run_id);
	return 0;
}
