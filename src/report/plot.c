/*
 * Figures through gnuplot, the way fio's tools/plot does it: this file only
 * writes data files and a parameter block; the drawing lives in the
 * report/NAME.gp templates, which are appended to the parameters so each
 * generated <fig>.gp stands alone next to its <fig>.dat and can be re-run by
 * hand (`gnuplot -c fig.gp [png|svg|dumb] [panel]`).
 *
 * Every string that comes from the store (labels, kernel strings, workload
 * and job names, metric names) reaches gnuplot only as a single-quoted
 * string literal (gp_quote): gnuplot expands neither backquotes nor macros
 * nor escapes inside those, and control characters are flattened so a value
 * can never end the line and start a command.
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/backend.h"
#include "lib/fmt.h"
#include "lib/opts.h"
#include "lib/metrics.h"
#include "lib/stats.h"
#include "lib/outfile.h"
#include "lib/util.h"

char *gp_quote(const char *s)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_addch(&sb, '\'');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '\'')
			sbuf_add(&sb, "''");
		else if (*p < 0x20 || *p == 0x7f)
			sbuf_addch(&sb, ' ');
		else
			sbuf_addch(&sb, (char)*p);
	}
	sbuf_addch(&sb, '\'');
	return sbuf_detach(&sb);
}

/* RPT_* bit order */
static const char *const format_names[] = { "png", "svg", "txt", "html", "email", NULL };

const char *const *rpt_format_names(void)
{
	return format_names;
}

int rpt_parse_formats(const char *list, unsigned *out, char *err, size_t errlen)
{
	const char *const *names = format_names;
	const size_t nnames = ARRAY_SIZE(format_names) - 1;
	char *copy = xstrdup(list), *save = NULL;
	*out = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < nnames; i++)
			if (!strcmp(t, names[i]))
				break;
		if (i == nnames) {
			const char *near = closest_match(t, names, nnames);
			if (near)
				snprintf(err, errlen, "unknown format '%s' (did you mean '%s'?)", t, near);
			else
				snprintf(err, errlen, "unknown format '%s' (valid: png, svg, txt, html, email)", t);
			free(copy);
			return -1;
		}
		*out |= 1u << i;
	}
	free(copy);
	if (!*out) {
		snprintf(err, errlen, "no format given");
		return -1;
	}
	return 0;
}

bool rpt_have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	bool found = false;
	if (!path)
		return false;
	copy = xstrdup(path);
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *f = xasprintf("%s/gnuplot", *d ? d : ".");
		found = access(f, X_OK) == 0;
		free(f);
	}
	free(copy);
	return found;
}

/* ---- units: show 3.2 MiB, not 3355443 bytes (lib/fmt.h's steps) ---- */

struct scale {
	double div;
	const char *unit;
};

static struct scale pick_scale(const char *unit, double maxabs)
{
	struct fmt_scale f = fmt_scale(unit, maxabs);
	/* counts keep their own unit on the axis ("pages", "ops") */
	return (struct scale){ f.div, f.name ? f.name : unit && *unit ? unit : NULL };
}

/* Log scale when positive values span at least `decades` decades. */
static bool wants_log(double lo, double hi, double decades)
{
	return lo > 0 && isfinite(lo) && isfinite(hi) && hi / lo >= pow(10, decades);
}

/* ---- what goes into one figure ---- */

struct fig_ctx {
	const struct report *r;
	const struct rpt_figure *f;
	FILE *dat;
	struct sbuf title, xlab;
	char **ptitle, **pylabel, **pxlabel, **pbar;
	int *plogy, *plogx, *pzero;
	struct sbuf note;
	bool has_key, ci_missing;
	bool logx, xrot;
	double *teardown_at;	/* ts, per variant: where its teardown starts, < 0 none */
	double *xticks;		/* sweep: the swept values, as drawn (tics on them) */
	size_t nxticks;
	bool any_model, all_model;
	/* the runs in the figure, found once: pool() runs per variant x point x metric */
	size_t *members, nmembers;
	const char **member_x;		/* each member's sweep_key value (NULL: none) */
};

static bool in_fig(const struct rpt_figure *f, const struct rpt_run *run)
{
	if (!run->workload || strcmp(run->workload, f->workload))
		return false;
	if (f->job && (!run->job || strcmp(run->job, f->job)))
		return false;
	for (size_t i = 0; i < f->match.n; i++) {
		const char *v = params_get(&run->params, f->match.v[i].key);
		if (!v || strcmp(v, f->match.v[i].value))
			return false;
	}
	return true;
}

/* Pool a metric's values over every run of variant v (and x value if set). */
static double *pool(const struct fig_ctx *c, int v, const char *metric, const char *xval,
		    size_t *n, const char **unit)
{
	double *out = NULL;
	size_t cap = 0;
	*n = 0;
	for (size_t k = 0; k < c->nmembers; k++) {
		const struct rpt_run *run = &c->r->runs[c->members[k]];
		const struct rpt_metric *m;
		if (run->variant != v)
			continue;
		if (xval && (!c->member_x[k] || strcmp(c->member_x[k], xval)))
			continue;
		m = rpt_run_find_metric(run, metric);
		if (!m)
			continue;
		if (unit)
			*unit = m->unit;
		GROW(out, cap, *n + m->n);
		memcpy(out + *n, m->v, m->n * sizeof(*out));
		*n += m->n;
	}
	return out;
}

static const char *better_note(const char *metric)
{
	const struct metric_desc *d = metric_find(metric);
	if (!d)
		return "";
	switch (d->better) {
	case BETTER_LOWER: return " (lower is better)";
	case BETTER_HIGHER: return " (higher is better)";
	default: return " (count, no better direction)";
	}
}

static char *axis_label(const char *name, const struct scale *s)
{
	return s->unit ? xasprintf("%s [%s]", name, s->unit) : xstrdup(name);
}

/* Median and the bars drawn around it; false when the CI is unavailable. */
static bool summary_bars(const double *v, size_t n, double *med, double *lo, double *hi)
{
	struct summary s;
	stats_summarize(v, n, 0.95, &s);
	*med = s.median;
	if (isfinite(s.ci_lo) && isfinite(s.ci_hi)) {
		*lo = s.ci_lo;
		*hi = s.ci_hi;
		return true;
	}
	*lo = s.min;
	*hi = s.max;
	return false;
}

/* Every variant's values of metric: their range, unit and display scale. */
static struct scale panel_range(const struct fig_ctx *c, const char *metric, const char **unit,
				double *lo, double *hi)
{
	double maxabs = 0;
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t v = 0; v < c->r->nvariants; v++) {
		size_t n;
		double *vals = pool(c, (int)v, metric, NULL, &n, unit);
		for (size_t j = 0; j < n; j++) {
			maxabs = MAX(maxabs, fabs(vals[j]));
			*lo = MIN(*lo, vals[j]);
			*hi = MAX(*hi, vals[j]);
		}
		free(vals);
	}
	return pick_scale(*unit, maxabs);
}

static void end_block(FILE *f, bool empty, int cols)
{
	if (empty) {
		for (int i = 0; i < cols; i++)
			fprintf(f, "%sNaN", i ? " " : "");
		fputc('\n', f);
	}
	fputs("\n\n", f);
}

static void write_cmp(struct fig_ctx *c)
{
	const struct report *r = c->r;
	for (size_t p = 0; p < c->f->npanels; p++) {
		const char *metric = c->f->panels[p], *unit = NULL;
		double lo_all, hi_all;
		bool all_ci = true, any_rows = false;
		struct scale s;
		s = panel_range(c, metric, &unit, &lo_all, &hi_all);
		/* Repetitions, jittered a little so equal values stay visible. */
		fprintf(c->dat, "# %s: repetitions (variant value[%s])\n", metric,
			s.unit ? s.unit : "");
		for (size_t v = 0; v < r->nvariants; v++) {
			size_t n;
			double *vals = pool(c, (int)v, metric, NULL, &n, NULL);
			for (size_t j = 0; j < n; j++) {
				double jit = n > 1 ? ((double)j / (n - 1) - 0.5) * 0.24 : 0;
				fprintf(c->dat, "%.4f %.10g\n", v + 1 + jit, vals[j] / s.div);
				any_rows = true;
			}
			free(vals);
		}
		end_block(c->dat, !any_rows, 2);
		any_rows = false;
		fprintf(c->dat, "# %s: median and bars (variant median lo hi)\n", metric);
		for (size_t v = 0; v < r->nvariants; v++) {
			size_t n;
			double *vals = pool(c, (int)v, metric, NULL, &n, NULL);
			double med, lo, hi;
			if (n) {
				all_ci &= summary_bars(vals, n, &med, &lo, &hi);
				fprintf(c->dat, "%zu %.10g %.10g %.10g\n", v + 1, med / s.div,
					lo / s.div, hi / s.div);
				any_rows = true;
			}
			free(vals);
		}
		end_block(c->dat, !any_rows, 4);
		c->ptitle[p] = xasprintf("%s%s", metric, better_note(metric));
		c->pylabel[p] = axis_label(metric, &s);
		c->pxlabel[p] = xstrdup("");
		c->pbar[p] = xstrdup(all_ci ? "median, 95% CI of the median"
					    : "median, bars min-max (too few reps for a 95% CI)");
		c->plogy[p] = wants_log(lo_all, hi_all, 3);
		c->pzero[p] = !c->plogy[p] && lo_all >= 0;
		c->ci_missing |= !all_ci;
	}
	for (size_t v = 0; v < r->nvariants; v++)
		if (MIN(strlen(r->variants[v].name), (size_t)24) > 50 / MAX(r->nvariants, 1))
			c->xrot = true;
}

#define PAGE_BYTES 4096.0

/* Is key a backend knob counted in (4K) pages? */
static bool knob_in_pages(const struct report *r, const char *key)
{
	for (size_t i = 0; i < r->nruns; i++) {
		const struct backend_ops *be = r->runs[i].backend ? backend_find(r->runs[i].backend) :
								   NULL;
		for (const struct opt_desc *o = be ? be->knobs : NULL; o && o->name; o++)
			if (!strcmp(o->name, key))
				return o->unit && !strcmp(o->unit, "pages");
	}
	return false;
}

static void write_sweep(struct fig_ctx *c)
{
	const struct report *r = c->r;
	const char *key = c->f->sweep_key;
	char **xs = NULL;
	double *xv = NULL;
	size_t nx = 0, cap = 0, cap2 = 0;
	bool sized = false;
	struct scale xs_scale;

	/* The x values, numerically sorted; "64G"-style values are bytes. */
	for (size_t i = 0; i < r->nruns; i++) {
		const char *v = params_get(&r->runs[i].params, key);
		double d;
		bool seen = false;
		if (!v || !in_fig(c->f, &r->runs[i]) || !rpt_param_number(v, &d))
			continue;
		for (size_t k = 0; k < nx && !seen; k++)
			seen = !strcmp(xs[k], v);
		if (seen)
			continue;
		if (strpbrk(v, "KkMGTgt"))
			sized = true;
		GROW(xs, cap, nx + 1);
		GROW(xv, cap2, nx + 1);
		xs[nx] = xstrdup(v);
		xv[nx++] = d;
	}
	for (size_t i = 1; i < nx; i++)	/* insertion sort keeps xs with xv */
		for (size_t k = i; k > 0 && xv[k - 1] > xv[k]; k--) {
			double td = xv[k]; char *ts = xs[k];
			xv[k] = xv[k - 1]; xs[k] = xs[k - 1];
			xv[k - 1] = td; xs[k - 1] = ts;
		}
	if (!sized && knob_in_pages(r, key)) {
		/* a cache size in pages reads better as the memory it holds */
		for (size_t k = 0; k < nx; k++)
			xv[k] *= PAGE_BYTES;
		sized = true;
	}
	xs_scale = pick_scale(sized ? "bytes" : NULL, nx ? xv[nx - 1] : 0);
	/* log x only over decades: on a short range it bends a line into a knee */
	c->logx = nx > 2 && wants_log(xv[0], xv[nx - 1], 1.5);
	/* tics on the swept values themselves, when there are few enough to read */
	if (nx && nx <= 10) {
		c->xticks = xcalloc(nx, sizeof(*c->xticks));
		for (size_t k = 0; k < nx; k++)
			c->xticks[k] = xv[k] / xs_scale.div;
		c->nxticks = nx;
	}
	sbuf_add(&c->xlab, key);
	if (sized)
		sbuf_addf(&c->xlab, " [%s]", xs_scale.unit);
	if (c->logx)
		sbuf_add(&c->xlab, " (log scale)");

	for (size_t p = 0; p < c->f->npanels; p++) {
		const char *metric = c->f->panels[p], *unit = NULL;
		double lo_all, hi_all;
		bool all_ci = true;
		struct scale s;
		s = panel_range(c, metric, &unit, &lo_all, &hi_all);
		for (size_t v = 0; v < r->nvariants; v++) {
			bool any = false;
			fprintf(c->dat, "# %s vs %s, variant %zu: x median lo hi\n", metric, key, v + 1);
			for (size_t k = 0; k < nx; k++) {
				size_t n;
				double *vals = pool(c, (int)v, metric, xs[k], &n, NULL);
				double med, lo, hi;
				if (n) {
					all_ci &= summary_bars(vals, n, &med, &lo, &hi);
					fprintf(c->dat, "%.10g %.10g %.10g %.10g\n", xv[k] / xs_scale.div,
						med / s.div, lo / s.div, hi / s.div);
					any = true;
				}
				free(vals);
			}
			end_block(c->dat, !any, 4);
		}
		c->ptitle[p] = xasprintf("%s%s", metric, better_note(metric));
		c->pylabel[p] = axis_label(metric, &s);
		c->pxlabel[p] = xstrdup(c->xlab.buf);
		c->pbar[p] = xstrdup(all_ci ? "median, 95% CI" : "median, min-max");
		c->plogy[p] = wants_log(lo_all, hi_all, 2);
		c->pzero[p] = !c->plogy[p] && lo_all >= 0;
		c->ci_missing |= !all_ci;
	}
	for (size_t k = 0; k < nx; k++)
		free(xs[k]);
	free(xs);
	free(xv);
}

/* The run whose series/hists stand for variant v: the first one (lowest id). */
static const struct rpt_run *variant_run(const struct fig_ctx *c, int v, bool need_series)
{
	for (size_t i = 0; i < c->r->nruns; i++) {
		const struct rpt_run *run = &c->r->runs[i];
		if (run->variant == v && in_fig(c->f, run) &&
		    (need_series ? run->nseries : run->nhists))
			return run;
	}
	return NULL;
}

static void write_ts(struct fig_ctx *c)
{
	const struct report *r = c->r;
	double tmax = 0;
	struct scale ts;
	int rep = -1;

	for (size_t v = 0; v < r->nvariants; v++) {
		const struct rpt_run *run = variant_run(c, (int)v, true);
		for (size_t s = 0; run && s < run->nseries; s++)
			for (size_t j = 0; j < run->series[s].n; j++)
				tmax = MAX(tmax, run->series[s].t[j]);
		if (run && rep < 0)
			rep = run->series_rep;
	}
	ts = pick_scale("ns", tmax);
	/*
	 * The model's series go on through the teardown that follows the
	 * measured phases (virt_time_ns): mark where it starts.
	 */
	c->teardown_at = xcalloc(r->nvariants + 1, sizeof(*c->teardown_at));
	for (size_t v = 0; v < r->nvariants; v++) {
		const struct rpt_run *run = variant_run(c, (int)v, true);
		const struct rpt_metric *m = run ? rpt_run_find_metric(run, "virt_time_ns") : NULL;
		double t = m && m->n && run->is_model ? stats_median(m->v, m->n) : -1;
		c->teardown_at[v] = t > 0 && t < tmax ? t / ts.div : -1;
	}
	/* the x label is complete only after the loop: "one repetition" */
	if (c->all_model)
		sbuf_addf(&c->xlab, "virtual time [%s] (model)", ts.unit);
	else if (c->any_model)
		sbuf_addf(&c->xlab, "time [%s] (virtual for sim, wall otherwise)", ts.unit);
	else
		sbuf_addf(&c->xlab, "wall time [%s]", ts.unit);

	for (size_t p = 0; p < c->f->npanels; p++) {
		const char *name = c->f->panels[p], *unit = NULL;
		double maxabs = 0, lo_all = INFINITY, hi_all = -INFINITY;
		struct scale s;
		for (size_t v = 0; v < r->nvariants; v++) {
			const struct rpt_run *run = variant_run(c, (int)v, true);
			for (size_t k = 0; run && k < run->nseries; k++) {
				const struct rpt_series *se = &run->series[k];
				if (strcmp(se->name, name))
					continue;
				unit = se->unit;
				for (size_t j = 0; j < se->n; j++) {
					maxabs = MAX(maxabs, fabs(se->v[j]));
					lo_all = MIN(lo_all, se->v[j]);
					hi_all = MAX(hi_all, se->v[j]);
				}
			}
		}
		s = pick_scale(unit, maxabs);
		for (size_t v = 0; v < r->nvariants; v++) {
			const struct rpt_run *run = variant_run(c, (int)v, true);
			bool any = false;
			fprintf(c->dat, "# %s, variant %zu (run %lld rep %d): t[%s] value\n", name,
				v + 1, run ? (long long)run->id : 0LL, run ? run->series_rep : -1,
				ts.unit);
			for (size_t k = 0; run && k < run->nseries; k++) {
				const struct rpt_series *se = &run->series[k];
				if (strcmp(se->name, name))
					continue;
				for (size_t j = 0; j < se->n; j++)
					fprintf(c->dat, "%.10g %.10g\n", se->t[j] / ts.div, se->v[j] / s.div);
				any = se->n > 0;
			}
			end_block(c->dat, !any, 2);
		}
		c->ptitle[p] = xstrdup(name);
		c->pylabel[p] = axis_label(name, &s);
		c->pbar[p] = xstrdup("");
		c->plogy[p] = wants_log(lo_all, hi_all, 3);
		c->pzero[p] = !c->plogy[p] && lo_all >= 0;
	}
	if (rep >= 0)
		sbuf_add(&c->xlab, ", one repetition per variant");
}

static int cmp_bucket(const void *a, const void *b)
{
	const struct rpt_bucket *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void write_cdf(struct fig_ctx *c)
{
	const struct report *r = c->r;
	for (size_t p = 0; p < c->f->npanels; p++) {
		const char *name = c->f->panels[p], *unit = NULL;
		double lo_all = INFINITY, hi_all = 0;
		struct scale s;
		for (size_t v = 0; v < r->nvariants; v++) {
			const struct rpt_run *run = variant_run(c, (int)v, false);
			for (size_t k = 0; run && k < run->nhists; k++) {
				const struct rpt_hist *h = &run->hists[k];
				if (strcmp(h->name, name))
					continue;
				unit = h->unit;
				for (size_t j = 0; j < h->n; j++) {
					if (!h->b[j].count)
						continue;
					if (h->b[j].lo > 0)
						lo_all = MIN(lo_all, h->b[j].lo);
					else
						lo_all = MIN(lo_all, h->b[j].hi);
					hi_all = MAX(hi_all, h->b[j].hi);
				}
			}
		}
		s = pick_scale(unit, hi_all);
		for (size_t v = 0; v < r->nvariants; v++) {
			const struct rpt_run *run = variant_run(c, (int)v, false);
			bool any = false;
			fprintf(c->dat, "# %s, variant %zu: x[%s] fraction<=x\n", name, v + 1,
				s.unit ? s.unit : "");
			for (size_t k = 0; run && k < run->nhists; k++) {
				const struct rpt_hist *h = &run->hists[k];
				struct rpt_bucket *b;
				uint64_t total = 0, cum = 0;
				if (strcmp(h->name, name))
					continue;
				b = xmalloc((h->n ? h->n : 1) * sizeof(*b));
				memcpy(b, h->b, h->n * sizeof(*b));
				qsort(b, h->n, sizeof(*b), cmp_bucket);
				for (size_t j = 0; j < h->n; j++)
					total += b[j].count;
				for (size_t j = 0; j < h->n && total; j++) {
					if (!b[j].count)
						continue;
					if (!any)	/* the CDF starts at the first bucket's floor */
						fprintf(c->dat, "%.10g 0\n",
							(b[j].lo > 0 ? b[j].lo : b[j].hi) / s.div);
					cum += b[j].count;
					fprintf(c->dat, "%.10g %.10g\n", b[j].hi / s.div,
						(double)cum / (double)total);
					any = true;
				}
				free(b);
			}
			end_block(c->dat, !any, 2);
		}
		c->ptitle[p] = xstrdup(name);
		c->pylabel[p] = xstrdup("fraction <= x (all repetitions)");
		c->pxlabel[p] = axis_label(name, &s);
		if (wants_log(lo_all, hi_all, 1)) {	/* the tail is what matters */
			char *t = c->pxlabel[p];
			c->pxlabel[p] = xasprintf("%s (log scale)", t);
			free(t);
			c->plogx[p] = 1;
		}
		c->pbar[p] = xstrdup("");
	}
}

/* ---- the generated script ---- */

static void gp_str(FILE *f, const char *var, const char *val)
{
	char *q = gp_quote(val);
	fprintf(f, "%s = %s\n", var, q);
	free(q);
}

static void gp_str_array(FILE *f, const char *var, char *const *v, size_t n)
{
	fprintf(f, "array %s[%zu] = [", var, n);
	for (size_t i = 0; i < n; i++) {
		char *q = gp_quote(v[i]);
		fprintf(f, "%s%s", i ? ", " : "", q);
		free(q);
	}
	fputs("]\n", f);
}

static void gp_int_array(FILE *f, const char *var, const int *v, size_t n)
{
	fprintf(f, "array %s[%zu] = [", var, n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? ", " : "", v[i]);
	fputs("]\n", f);
}

/*
 * Variant names on axes and keys: long labels would squeeze the plot to
 * nothing, so they are cut (UTF-8 safe); the text part lists them in full.
 */
#define SHORT_NAME 24
static char *short_name(const char *name, size_t max)
{
	size_t n = strlen(name), cut = max - 3;
	if (n <= max)
		return xstrdup(name);
	while (cut > 0 && ((unsigned char)name[cut] & 0xc0) == 0x80)
		cut--;
	return xasprintf("%.*s...", (int)cut, name);
}

/*
 * A category label: the variant's name without the "key=" of the
 * parameters that tell variants apart ("dpamt-v4 fragmented"); the key
 * and the full names are elsewhere in the figure.
 */
static char *label_name(const char *name, size_t max)
{
	struct sbuf sb = SBUF_INIT;
	char *out;

	for (const char *p = name; *p;) {
		const char *end = strchr(p, ' '), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		eq = memchr(p, '=', len);
		if (eq && eq > p)
			sbuf_addf(&sb, "%s%.*s", sb.len ? " " : "", (int)(len - (size_t)(eq + 1 - p)), eq + 1);
		else
			sbuf_addf(&sb, "%s%.*s", sb.len ? " " : "", (int)len, p);
		p += len;
		while (*p == ' ')
			p++;
	}
	out = short_name(sb.buf ? sb.buf : "", max);
	sbuf_free(&sb);
	return out;
}

static const char *const template_name[] = { "cmp.gp", "sweep.gp", "ts.gp", "cdf.gp" };

static int append_template(FILE *out, const char *name)
{
	char *rel = xasprintf("report/%s", name), *path = data_path(rel), *text;
	size_t len;
	free(rel);
	text = read_file(path, &len);
	if (!text) {
		int e = errno;
		error("cannot read gnuplot template '%s': %s", path, strerror(e));
		free(path);
		return -1;
	}
	fwrite(text, 1, len, out);
	free(text);
	free(path);
	return 0;
}

static void fig_title(struct fig_ctx *c)
{
	const struct rpt_figure *f = c->f;
	switch (f->kind) {
	case FIG_CMP:
		sbuf_addf(&c->title, "%s: variants compared", f->workload);
		break;
	case FIG_SWEEP:
		sbuf_addf(&c->title, "%s: metrics vs %s", f->workload, f->sweep_key);
		break;
	case FIG_TS:
		sbuf_addf(&c->title, "%s: time series", f->workload);
		break;
	case FIG_CDF:
		sbuf_addf(&c->title, "%s: latency CDF", f->workload);
		break;
	}
	if (f->job)
		sbuf_addf(&c->title, " (job %s)", f->job);
	if (f->context)
		sbuf_addf(&c->title, " [%s]", f->context);
	if (c->all_model)
		sbuf_add(&c->title, " - model output");
	else if (c->any_model)
		sbuf_add(&c->title, " - sim variants are model output");
}

/*
 * The figure's own runs and only the variants they belong to, in the
 * report's order: a figure's key names what it draws, not every variant of
 * the selection (a session's other job sections have variants of their own).
 * Runs are copied shallowly; free view->runs and view->variants only.
 */
static void figure_view(const struct report *r, const struct rpt_figure *f, struct report *view)
{
	int *local = xcalloc(r->nvariants + 1, sizeof(*local));	/* 1 + local index, 0 = absent */

	*view = *r;
	view->runs = xcalloc(r->nruns + 1, sizeof(*view->runs));
	view->variants = xcalloc(r->nvariants + 1, sizeof(*view->variants));
	view->nruns = view->capruns = view->nvariants = 0;
	for (size_t i = 0; i < r->nruns; i++)
		if (in_fig(f, &r->runs[i]) && r->runs[i].variant >= 0)
			local[r->runs[i].variant] = 1;
	for (size_t v = 0; v < r->nvariants; v++)
		if (local[v]) {
			view->variants[view->nvariants] = r->variants[v];
			local[v] = (int)++view->nvariants;
		}
	for (size_t i = 0; i < r->nruns; i++) {
		if (!in_fig(f, &r->runs[i]) || r->runs[i].variant < 0)
			continue;
		view->runs[view->nruns] = r->runs[i];
		view->runs[view->nruns++].variant = local[r->runs[i].variant] - 1;
	}
	view->base_variant = r->base_variant >= 0 && local[r->base_variant] ?
			     local[r->base_variant] - 1 : 0;
	free(local);
}

static int write_figure(const struct report *whole, const struct rpt_figure *f, const char *dir)
{
	struct report view;
	const struct report *r = &view;
	struct fig_ctx c = { .r = r, .f = f };
	char *datp = xasprintf("%s/%s.dat", dir, f->base);
	char *gpp = xasprintf("%s/%s.gp", dir, f->base);
	char **vnames, **vtiny;
	size_t np = f->npanels, cols, rows, panel_px;
	FILE *gp;
	int ret = -1;

	figure_view(whole, f, &view);
	vnames = xcalloc(r->nvariants ? r->nvariants : 1, sizeof(*vnames));
	vtiny = xcalloc(r->nvariants ? r->nvariants : 1, sizeof(*vtiny));
	c.all_model = true;
	c.members = xcalloc(r->nruns ? r->nruns : 1, sizeof(*c.members));
	c.member_x = xcalloc(r->nruns ? r->nruns : 1, sizeof(*c.member_x));
	for (size_t i = 0; i < r->nruns; i++) {
		if (!in_fig(f, &r->runs[i]))
			continue;
		c.member_x[c.nmembers] = f->sweep_key ? params_get(&r->runs[i].params, f->sweep_key) :
							 NULL;
		c.members[c.nmembers++] = i;
		c.any_model |= r->runs[i].is_model;
		c.all_model &= r->runs[i].is_model;
	}
	c.all_model &= c.any_model;
	c.ptitle = xcalloc(np, sizeof(char *));
	c.pylabel = xcalloc(np, sizeof(char *));
	c.pxlabel = xcalloc(np, sizeof(char *));
	c.pbar = xcalloc(np, sizeof(char *));
	c.plogy = xcalloc(np, sizeof(int));
	c.plogx = xcalloc(np, sizeof(int));
	c.pzero = xcalloc(np, sizeof(int));

	c.dat = outfile_create(dir, strrchr(datp, '/') + 1);
	if (!c.dat)
		goto out;
	fprintf(c.dat, "# tdxbench report data for %s.gp; blocks are selected with 'index'\n",
		f->base);
	fig_title(&c);
	switch (f->kind) {
	case FIG_CMP: write_cmp(&c); break;
	case FIG_SWEEP: write_sweep(&c); break;
	case FIG_TS: write_ts(&c); break;
	case FIG_CDF: write_cdf(&c); break;
	}
	switch (f->kind) {
	case FIG_CMP:
		sbuf_add(&c.note, c.ci_missing
			 ? "grey: repetitions; blue: median, bars min..max (under 6 repetitions: no 95% CI)"
			 : "grey: repetitions; blue: median with the 95% CI of the median");
		break;
	case FIG_SWEEP:
		sbuf_add(&c.note, c.ci_missing ? "median, bars min..max (under 6 repetitions: no 95% CI)"
					       : "median with the 95% CI of the median");
		c.has_key = true;
		break;
	case FIG_TS:
		sbuf_add(&c.note, "one repetition per variant (the first that finished)");
		c.has_key = true;
		break;
	case FIG_CDF:
		sbuf_add(&c.note, "all repetitions pooled");
		c.has_key = true;
		break;
	}
	if (fclose(c.dat)) {
		error_errno("cannot write '%s'", datp);
		goto out;
	}

	gp = outfile_create(dir, strrchr(gpp, '/') + 1);
	if (!gp)
		goto out;
	cols = np < 3 ? np : (np == 4 ? 2 : 3);
	/* many categories: wider panels, fewer of them side by side */
	panel_px = f->kind == FIG_CMP ? MAX((size_t)400, 34 * r->nvariants) : 480;
	cols = MAX((size_t)1, MIN(cols, 1500 / panel_px));
	rows = (np + cols - 1) / cols;
	for (size_t v = 0; v < r->nvariants; v++)
		vnames[v] = label_name(r->variants[v].name, SHORT_NAME);
	/* the ASCII category axis has ~66 columns for every name */
	for (size_t v = 0; v < r->nvariants; v++)
		vtiny[v] = label_name(r->variants[v].name, MAX(66 / MAX(r->nvariants, 1), 7) - 2);
	fprintf(gp, "# %s.gp: generated by tdxbench report; data in %s.dat.\n", f->base, f->base);
	fprintf(gp, "# Re-render by hand:  gnuplot -c %s.gp [png|svg|dumb] [panel]\n", f->base);
	fputs("fmt = ARGC >= 1 ? ARG1 : 'png'\n", gp);
	fputs("only = ARGC >= 2 ? int(ARG2) : 0\n", gp);
	gp_str(gp, "base", f->base);
	fprintf(gp, "dat = base.'.dat'\n");
	gp_str(gp, "fig_title", c.title.buf);
	fprintf(gp, "npanels = %zu\ncols = %zu\nrows = %zu\n", np, cols, rows);
	{
		/* the key gives names in full: as many per row as the widest allows */
		size_t w_px = 110 + cols * panel_px, longest = 1, kc;
		for (size_t v = 0; v < r->nvariants; v++)
			longest = MAX(longest, strlen(r->variants[v].name));
		kc = MAX(1, MIN(6, w_px / (7 * (longest + 8))));
		fprintf(gp, "w_px = %zu\nh_px = %zu\n", w_px, 165 + rows * 340 +
			(c.xrot ? rows * 50 : 0) + (r->nvariants + kc - 1) / kc * 22);
		fprintf(gp, "nvar = %zu\nkey_cols_max = %zu\n", r->nvariants, kc);
	}
	gp_str_array(gp, "vname", vnames, r->nvariants);
	{
		char **full = xcalloc(r->nvariants + 1, sizeof(*full));
		for (size_t v = 0; v < r->nvariants; v++)
			full[v] = r->variants[v].name;
		gp_str_array(gp, "vfull", full, r->nvariants);
		free(full);
	}
	gp_str_array(gp, "vtiny", vtiny, r->nvariants);
	gp_str_array(gp, "ptitle", c.ptitle, np);
	gp_str_array(gp, "pylabel", c.pylabel, np);
	gp_str_array(gp, "pxlabel", c.pxlabel, np);
	gp_str_array(gp, "pbar", c.pbar, np);
	gp_int_array(gp, "plogy", c.plogy, np);
	gp_int_array(gp, "pzero", c.pzero, np);
	gp_str(gp, "fig_note", c.note.buf ? c.note.buf : "");
	fprintf(gp, "has_key = %d\n", c.has_key);
	gp_int_array(gp, "plogx", c.plogx, np);
	gp_str(gp, "xlab", c.xlab.buf ? c.xlab.buf : "");
	fprintf(gp, "logx = %d\nxrot = %d\n", c.logx, c.xrot);
	fprintf(gp, "nxt = %zu\narray xt[%zu] = [", c.nxticks, MAX(c.nxticks, 1));
	for (size_t k = 0; k < MAX(c.nxticks, 1); k++)
		fprintf(gp, "%s%.10g", k ? ", " : "", c.nxticks ? c.xticks[k] : 0.0);
	fputs("]\n", gp);
	fprintf(gp, "array teardown_at[%zu] = [", MAX(r->nvariants, 1));
	for (size_t v = 0; v < MAX(r->nvariants, 1); v++)
		fprintf(gp, "%s%.10g", v ? ", " : "", c.teardown_at && v < r->nvariants ?
			c.teardown_at[v] : -1.0);
	fputs("]\n\n", gp);
	ret = append_template(gp, "common.gp");
	if (!ret)
		ret = append_template(gp, template_name[f->kind]);
	if (fclose(gp) && !ret)
		ret = error_errno("cannot write '%s'", gpp);
out:
	for (size_t i = 0; i < np; i++) {
		free(c.ptitle[i]); free(c.pylabel[i]); free(c.pxlabel[i]); free(c.pbar[i]);
	}
	free(c.ptitle); free(c.pylabel); free(c.pxlabel); free(c.pbar);
	free(c.members);
	free(c.member_x);
	free(c.plogy); free(c.plogx); free(c.pzero); free(c.teardown_at);
	free(c.xticks);
	sbuf_free(&c.note);
	sbuf_free(&c.title);
	sbuf_free(&c.xlab);
	for (size_t v = 0; v < r->nvariants; v++) {
		free(vnames[v]);
		free(vtiny[v]);
	}
	free(vnames);
	free(vtiny);
	free(view.runs);
	free(view.variants);
	free(datp);
	free(gpp);
	return ret;
}

/*
 * One rendering: `gnuplot -c <fig>.gp <fmt> [panel]` in dir, its chatter
 * appended to gnuplot.log. Renderings are independent processes, so a few
 * run at once (a default-suite report has dozens).
 */
struct render_job {
	const char *base, *fmt, *panel;
	char *out;		/* dir/<file> it must produce */
	pid_t pid;
};

static pid_t spawn_gnuplot(const char *dir, const struct render_job *j)
{
	char *script = xasprintf("%s.gp", j->base);
	pid_t pid;

	/* claimed by rpt_plot_all(): new, or an earlier report's and removed */
	pid = fork();
	if (pid == 0) {
		int fd;
		if (chdir(dir))
			_exit(126);
		fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			dprintf(fd, "== gnuplot -c %s %s%s%s\n", script, j->fmt, j->panel ? " " : "",
				j->panel ? j->panel : "");
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		execlp("gnuplot", "gnuplot", "-c", script, j->fmt, j->panel, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		error_errno("cannot start gnuplot");
	free(script);
	return pid;
}

static bool job_done_ok(const struct render_job *j, int status)
{
	struct stat sb;
	return WIFEXITED(status) && !WEXITSTATUS(status) && !stat(j->out, &sb) && sb.st_size > 0;
}

static int render_all(const char *dir, struct render_job *jobs, size_t n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t next = 0, running = 0, max = ncpu > 1 ? (size_t)MIN(ncpu, 8) : 1;
	int failed = 0;

	while (next < n || running) {
		pid_t pid;
		int status;
		if (next < n && running < max) {
			jobs[next].pid = spawn_gnuplot(dir, &jobs[next]);
			if (jobs[next].pid < 0)
				failed++;
			else
				running++;
			next++;
			continue;
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < next; i++) {
			if (jobs[i].pid != pid)
				continue;
			jobs[i].pid = 0;
			running--;
			if (!job_done_ok(&jobs[i], status)) {
				error("gnuplot could not render '%s' (see '%s/gnuplot.log')",
				      jobs[i].out, dir);
				failed++;
			}
		}
	}
	return failed;
}

int rpt_plot_all(const struct report *r, const char *dir, unsigned fmts, bool want_ascii,
		 bool have_gnuplot)
{
	struct render_job *jobs = xcalloc(r->nfigs * 3 + 1, sizeof(*jobs));
	size_t n = 0;
	int failed;

	for (size_t i = 0; i < r->nfigs; i++) {
		const struct rpt_figure *f = &r->figs[i];
		if (write_figure(r, f, dir)) {
			free(jobs);
			return -1;
		}
		if (fmts & RPT_PNG)
			jobs[n++] = (struct render_job){ f->base, "png", NULL,
							 xasprintf("%s/%s.png", dir, f->base), 0 };
		if (fmts & RPT_SVG)
			jobs[n++] = (struct render_job){ f->base, "svg", NULL,
							 xasprintf("%s/%s.svg", dir, f->base), 0 };
		if (want_ascii)
			jobs[n++] = (struct render_job){ f->base, "dumb", "1",
							 xasprintf("%s/%s-ascii.txt", dir, f->base), 0 };
	}
	/* what gnuplot writes must be new or ours: it would follow a planted symlink */
	if (have_gnuplot && outfile_claim(dir, "gnuplot.log")) {
		for (size_t i = 0; i < n; i++)
			free(jobs[i].out);
		free(jobs);
		return -1;
	}
	for (size_t i = 0; have_gnuplot && i < n; i++) {
		if (outfile_claim(dir, strrchr(jobs[i].out, '/') + 1)) {
			for (size_t k = 0; k < n; k++)
				free(jobs[k].out);
			free(jobs);
			return -1;
		}
	}
	failed = have_gnuplot ? render_all(dir, jobs, n) : 0;
	for (size_t i = 0; i < n; i++)
		free(jobs[i].out);
	free(jobs);
	return failed;
}

int rpt_render_scripts(const char *dir, const char *const *bases, size_t nb, unsigned fmts,
		       bool want_ascii)
{
	struct render_job *jobs = xcalloc(nb * 3 + 1, sizeof(*jobs));
	size_t n = 0;
	int failed;
	char *log = xasprintf("%s/gnuplot.log", dir);

	for (size_t i = 0; i < nb; i++) {
		if (fmts & RPT_PNG)
			jobs[n++] = (struct render_job){ bases[i], "png", NULL,
							 xasprintf("%s/%s.png", dir, bases[i]), 0 };
		if (fmts & RPT_SVG)
			jobs[n++] = (struct render_job){ bases[i], "svg", NULL,
							 xasprintf("%s/%s.svg", dir, bases[i]), 0 };
		if (want_ascii)
			jobs[n++] = (struct render_job){ bases[i], "dumb", "1",
							 xasprintf("%s/%s-ascii.txt", dir, bases[i]), 0 };
	}
	unlink(log);
	free(log);
	failed = render_all(dir, jobs, n);
	for (size_t i = 0; i < n; i++)
		free(jobs[i].out);
	free(jobs);
	return failed;
}
