/*
 * The report model: runs with their values, grouped into variants (what is
 * compared) and figures (what is drawn). Nothing here touches the store, so
 * tests can build a report by hand.
 */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/metrics.h"
#include "lib/stats.h"
#include "lib/util.h"

#define PANELS_PER_FIG 9
#define CONTEXTS_PER_SWEEP 4

struct rpt_run *report_add_run(struct report *r)
{
	struct rpt_run *run;
	GROW(r->runs, r->capruns, r->nruns + 1);
	run = &r->runs[r->nruns++];
	memset(run, 0, sizeof(*run));
	params_init(&run->params);
	run->series_rep = -1;
	return run;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void rpt_run_metric(struct rpt_run *run, const char *name, const char *unit, double v)
{
	struct rpt_metric *m = (struct rpt_metric *)rpt_run_find_metric(run, name);
	if (!m) {
		GROW(run->metrics, run->capmetrics, run->nmetrics + 1);
		m = &run->metrics[run->nmetrics++];
		memset(m, 0, sizeof(*m));
		m->name = xstrdup(name);
		m->unit = xstrdup(unit ? unit : "");
	}
	GROW(m->v, m->cap, m->n + 1);
	m->v[m->n++] = v;
}

const struct rpt_metric *rpt_run_find_metric(const struct rpt_run *run, const char *name)
{
	for (size_t i = 0; i < run->nmetrics; i++)
		if (!strcmp(run->metrics[i].name, name))
			return &run->metrics[i];
	return NULL;
}

void rpt_run_sample(struct rpt_run *run, const char *series, const char *unit,
		    double t_ns, double v)
{
	struct rpt_series *s = NULL;
	for (size_t i = 0; i < run->nseries; i++)
		if (!strcmp(run->series[i].name, series))
			s = &run->series[i];
	if (!s) {
		GROW(run->series, run->capseries, run->nseries + 1);
		s = &run->series[run->nseries++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(series);
		s->unit = xstrdup(unit ? unit : "");
	}
	if (s->n + 1 > s->cap) {
		size_t cap = s->cap;
		GROW(s->t, cap, s->n + 1);
		GROW(s->v, s->cap, s->n + 1);
	}
	s->t[s->n] = t_ns;
	s->v[s->n++] = v;
}

void rpt_run_bucket(struct rpt_run *run, const char *hist, const char *unit,
		    double lo, double hi, uint64_t count)
{
	struct rpt_hist *h = NULL;
	for (size_t i = 0; i < run->nhists; i++)
		if (!strcmp(run->hists[i].name, hist))
			h = &run->hists[i];
	if (!h) {
		GROW(run->hists, run->caphists, run->nhists + 1);
		h = &run->hists[run->nhists++];
		memset(h, 0, sizeof(*h));
		h->name = xstrdup(hist);
		h->unit = xstrdup(unit ? unit : "");
	}
	/* Same bucket in another rep: add up. */
	for (size_t i = 0; i < h->n; i++) {
		if (h->b[i].lo == lo && h->b[i].hi == hi) {
			h->b[i].count += count;
			return;
		}
	}
	GROW(h->b, h->cap, h->n + 1);
	h->b[h->n++] = (struct rpt_bucket){ lo, hi, count };
}

static int cmp_rank(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return metric_cmp(x, y);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

bool rpt_param_number(const char *v, double *out)
{
	uint64_t u;
	if (!v)
		return false;
	if (!parse_double(v, out))
		return true;
	if (!parse_size(v, &u)) {
		*out = (double)u;
		return true;
	}
	return false;
}

/* Parameters that identify a repetition stream, not a configuration. */
static bool ignored_key(const char *k)
{
	return !strcmp(k, "seed");
}

static void strv_add_unique(char ***v, size_t *n, const char *s)
{
	size_t cap = *n;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	GROW(*v, cap, *n + 1);
	(*v)[(*n)++] = xstrdup(s);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- variants ---- */

enum { F_BACKEND, F_STRATEGY, F_LABEL, F_KERNEL, NFIELDS };
static const char *const field_key[NFIELDS] = { "backend", "strategy", "label", "kernel" };

static const char *run_field(const struct rpt_run *run, int f)
{
	switch (f) {
	case F_BACKEND: return run->backend;
	case F_STRATEGY: return run->strategy;
	case F_LABEL: return run->label;
	default: return run->kernel;
	}
}

/* Every key of a's params or b's whose values differ (one missing counts). */
static void collect_param_keys(const struct rpt_run *run, char ***keys, size_t *n)
{
	for (size_t i = 0; i < run->params.n; i++)
		if (!ignored_key(run->params.v[i].key))
			strv_add_unique(keys, n, run->params.v[i].key);
}

static bool key_varies(const struct report *r, const char *key, const bool *in)
{
	const char *first = NULL;
	bool seen = false;
	for (size_t i = 0; i < r->nruns; i++) {
		const char *v;
		if (!in[i])
			continue;
		v = params_get(&r->runs[i].params, key);
		if (!seen) {
			first = v;
			seen = true;
		} else if (!str_eq(first, v)) {
			return true;
		}
	}
	return false;
}

static bool key_numeric(const struct report *r, const char *key, const bool *in)
{
	double d;
	for (size_t i = 0; i < r->nruns; i++) {
		const char *v;
		if (!in[i])
			continue;
		v = params_get(&r->runs[i].params, key);
		if (v && !rpt_param_number(v, &d))
			return false;
	}
	return true;
}

static int cmp_str_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Order runs by job section, workload, then the variant fields: equal = one group. */
static int cmp_group(const void *pa, const void *pb, void *ctx)
{
	const struct report *r = ctx;
	const struct rpt_run *x = &r->runs[*(const size_t *)pa], *y = &r->runs[*(const size_t *)pb];
	int c = cmp_str_null(x->job, y->job);
	if (!c)
		c = cmp_str_null(x->workload, y->workload);
	for (int f = 0; f < NFIELDS && !c; f++)
		c = cmp_str_null(run_field(x, f), run_field(y, f));
	return c;
}

/* Does key take different values in the group, not all of them numbers? */
static bool group_key_extra(const struct report *r, const char *key, const size_t *idx, size_t n)
{
	const char *first = params_get(&r->runs[idx[0]].params, key);
	bool varies = false, numeric = true;
	double d;

	for (size_t i = 0; i < n; i++) {
		const char *v = params_get(&r->runs[idx[i]].params, key);
		varies |= !str_eq(first, v);
		if (v && !rpt_param_number(v, &d))
			numeric = false;
	}
	return varies && !numeric;
}

/* "a,b" or "a=b" would change the meaning of a selector term. */
static bool selector_safe(const char *v)
{
	return v && *v && !strpbrk(v, ",=\n");
}

/* The non-numeric keys that tell variants apart in one job section. */
struct job_extra {
	const char *job;
	char **keys;
	size_t n;
};

static void auto_variants(struct report *r)
{
	bool vary[NFIELDS] = { false };
	char **keys = NULL;
	size_t nkeys = 0, nvcap = 0, njobs = 0, jcap = 0;
	struct job_extra *jobs = NULL;
	size_t *order;

	for (size_t i = 1; i < r->nruns; i++)
		for (int f = 0; f < NFIELDS; f++)
			if (!str_eq(run_field(&r->runs[0], f), run_field(&r->runs[i], f)))
				vary[f] = true;
	/*
	 * A non-numeric parameter that changes between runs of the same
	 * strategy/label on the same workload in one job section (backing=thp
	 * vs anon) is one more thing being compared, not a sweep axis. It names
	 * the variants of that section only: host_layout swept in one section
	 * says nothing about the curves of another. Runs are sorted into those
	 * groups once, so this is O(keys x runs), not O(keys x runs^2).
	 */
	for (size_t i = 0; i < r->nruns; i++)
		collect_param_keys(&r->runs[i], &keys, &nkeys);
	order = xcalloc(r->nruns ? r->nruns : 1, sizeof(*order));
	for (size_t i = 0; i < r->nruns; i++)
		order[i] = i;
	qsort_r(order, r->nruns, sizeof(*order), cmp_group, r);
	for (size_t a = 0; a < r->nruns;) {
		size_t b = a + 1;
		const char *job = r->runs[order[a]].job;
		struct job_extra *je = NULL;
		while (b < r->nruns && !cmp_group(&order[a], &order[b], r))
			b++;
		for (size_t j = 0; j < njobs; j++)
			if (str_eq(jobs[j].job, job))
				je = &jobs[j];
		if (!je) {
			GROW(jobs, jcap, njobs + 1);
			je = &jobs[njobs++];
			memset(je, 0, sizeof(*je));
			je->job = job;
		}
		for (size_t k = 0; k < nkeys; k++)
			if (group_key_extra(r, keys[k], order + a, b - a))
				strv_add_unique(&je->keys, &je->n, keys[k]);
		a = b;
	}
	free(order);

	for (size_t i = 0; i < r->nruns; i++) {
		struct rpt_run *run = &r->runs[i];
		struct sbuf name = SBUF_INIT, sel = SBUF_INIT;
		const struct job_extra *je = NULL;
		bool sel_ok = true;
		size_t v;
		for (size_t j = 0; j < njobs && !je; j++)
			if (str_eq(jobs[j].job, run->job))
				je = &jobs[j];
		for (size_t s = 0; s < r->nselectors; s++)
			sbuf_addf(&sel, "%s%s", sel.len ? "," : "", r->selectors[s]);
		for (int f = 0; f < NFIELDS; f++) {
			const char *val = run_field(run, f);
			if (!vary[f])
				continue;
			if (val)	/* "dpamt-v6" next to "sean-v5/mylabel" */
				sbuf_addf(&name, "%s%s", name.len ? "/" : "", val);
			if (selector_safe(val))
				sbuf_addf(&sel, "%s%s=%s", sel.len ? "," : "", field_key[f], val);
			else
				sel_ok = false;
		}
		for (size_t k = 0; je && k < je->n; k++) {
			const char *val = params_get(&run->params, je->keys[k]);
			sbuf_addf(&name, "%s%s=%s", name.len ? " " : "", je->keys[k], val ? val : "-");
			if (selector_safe(val) && selector_safe(je->keys[k]))
				sbuf_addf(&sel, "%s%s=%s", sel.len ? "," : "", je->keys[k], val);
			else
				sel_ok = false;
		}
		if (!name.len)
			sbuf_add(&name, run->strategy ? run->strategy :
				 run->label ? run->label : run->backend ? run->backend : "all");
		/* a name is for display: one line, whatever the label holds */
		for (char *c = name.buf; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = ' ';
		for (v = 0; v < r->nvariants; v++)
			if (!strcmp(r->variants[v].name, name.buf))
				break;
		if (v == r->nvariants) {
			GROW(r->variants, nvcap, r->nvariants + 1);
			r->variants[v].name = sbuf_detach(&name);
			r->variants[v].selector = sel_ok ? sbuf_detach(&sel) : NULL;
			r->nvariants++;
		}
		run->variant = (int)v;
		sbuf_free(&name);
		sbuf_free(&sel);
	}
	strv_free(keys, nkeys);
	for (size_t j = 0; j < njobs; j++)
		strv_free(jobs[j].keys, jobs[j].n);
	free(jobs);
}

/* ---- figures ---- */

static bool metric_wanted(const struct report *r, const char *name)
{
	if (!r->metric_filter)
		return true;
	for (size_t i = 0; i < r->nmetric_filter; i++)
		if (!strcmp(r->metric_filter[i], name))
			return true;
	return false;
}

/* In the job section being analysed (every job when there is none)? */
static bool in_section(const struct report *r, const struct rpt_run *run, const char *workload)
{
	return str_eq(run->workload, workload) && (!r->section || str_eq(run->job, r->section));
}

static bool run_matches(const struct report *r, const struct rpt_run *run, const char *workload,
			const struct params *m)
{
	if (!in_section(r, run, workload))
		return false;
	for (size_t i = 0; m && i < m->n; i++)
		if (!str_eq(params_get(&run->params, m->v[i].key), m->v[i].value))
			return false;
	return true;
}

/* Metrics worth a panel: recorded, wanted, and not the same value everywhere. */
/* How much metric changes over the runs that match: the spread of the run medians
 * relative to the largest, 0..1 (0 flat). */
static double change_of(const struct report *r, const char *workload, const struct params *m,
			const char *metric)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < r->nruns; i++) {
		const struct rpt_metric *mt;
		double med;
		if (!run_matches(r, &r->runs[i], workload, m))
			continue;
		mt = rpt_run_find_metric(&r->runs[i], metric);
		if (!mt || !mt->n)
			continue;
		med = stats_median(mt->v, mt->n);
		lo = MIN(lo, med);
		hi = MAX(hi, med);
	}
	if (!(hi > lo))
		return 0;
	return (hi - lo) / MAX(fabs(hi), fabs(lo));
}

/*
 * Panels: the metrics that change most first (the first figure shows what
 * moves; the flat ones go to the overflow figures), glossary order on ties.
 */
static void order_by_change(const struct report *r, const char *workload,
			    const struct params *m, char **names, size_t n)
{
	double *chg = xcalloc(n, sizeof(*chg));
	for (size_t i = 0; i < n; i++)
		chg[i] = change_of(r, workload, m, names[i]);
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0; b--) {
			/* changes within 1 % of each other count as a tie */
			bool before = chg[b] > chg[b - 1] + 0.01 ||
				      (fabs(chg[b] - chg[b - 1]) <= 0.01 &&
				       metric_cmp(names[b], names[b - 1]) < 0);
			double t;
			char *ts;
			if (!before)
				break;
			t = chg[b]; chg[b] = chg[b - 1]; chg[b - 1] = t;
			ts = names[b]; names[b] = names[b - 1]; names[b - 1] = ts;
		}
	free(chg);
}

static void varying_metrics(const struct report *r, const char *workload,
			    const struct params *m, char ***out, size_t *nout)
{
	char **names = NULL;
	size_t n = 0;
	for (size_t i = 0; i < r->nruns; i++) {
		if (!run_matches(r, &r->runs[i], workload, m))
			continue;
		for (size_t k = 0; k < r->runs[i].nmetrics; k++)
			if (metric_wanted(r, r->runs[i].metrics[k].name))
				strv_add_unique(&names, &n, r->runs[i].metrics[k].name);
	}
	*out = NULL;
	*nout = 0;
	for (size_t k = 0; k < n; k++) {
		bool seen = false, varies = false;
		double first = 0;
		for (size_t i = 0; i < r->nruns && !varies; i++) {
			const struct rpt_metric *mt;
			if (!run_matches(r, &r->runs[i], workload, m))
				continue;
			mt = rpt_run_find_metric(&r->runs[i], names[k]);
			for (size_t j = 0; mt && j < mt->n; j++) {
				if (!seen) {
					first = mt->v[j];
					seen = true;
				} else if (mt->v[j] != first) {
					varies = true;
				}
			}
		}
		if (varies)
			strv_add_unique(out, nout, names[k]);
	}
	strv_free(names, n);
	if (*nout)
		order_by_change(r, workload, m, *out, *nout);
}

static char *safe_stem(const char *s)
{
	char *o = xstrdup(s && *s ? s : "none");
	for (char *p = o; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			*p = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : '_';
	}
	if (o[0] == '.')
		o[0] = '_';
	return o;
}

static void add_fig(struct report *r, enum fig_kind kind, const char *stem, const char *workload,
		    const char *sweep_key, const struct params *match, char **panels, size_t np)
{
	static const char *const kind_name[] = { "cmp", "sweep", "ts", "cdf" };
	for (size_t off = 0; off < np; off += PANELS_PER_FIG) {
		struct rpt_figure *f;
		struct sbuf base = SBUF_INIT;
		char *w = safe_stem(workload);
		sbuf_addf(&base, "%s-%s", kind_name[kind], w);
		free(w);
		if (r->section) {
			char *j = safe_stem(r->section);
			sbuf_addf(&base, "-%s", j);
			free(j);
		}
		if (stem) {
			char *s = safe_stem(stem);
			sbuf_addf(&base, "-%s", s);
			free(s);
		}
		if (off)
			sbuf_addf(&base, "-%zu", off / PANELS_PER_FIG + 1);
		/* Different workloads may sanitize to the same stem. */
		for (size_t i = 0, again = 1; again; ) {
			again = 0;
			for (i = 0; i < r->nfigs; i++) {
				if (!strcmp(r->figs[i].base, base.buf)) {
					sbuf_add(&base, "_");
					again = 1;
					break;
				}
			}
		}
		GROW(r->figs, r->capfigs, r->nfigs + 1);
		f = &r->figs[r->nfigs++];
		memset(f, 0, sizeof(*f));
		f->kind = kind;
		f->base = sbuf_detach(&base);
		f->workload = dup_or_null(workload);
		f->job = dup_or_null(r->section);
		f->sweep_key = dup_or_null(sweep_key);
		params_init(&f->match);
		if (match && match->n) {
			params_copy(&f->match, match);
			f->context = params_canonical(match);
		}
		f->part = (int)(off / PANELS_PER_FIG);
		f->npanels = MIN(PANELS_PER_FIG, np - off);
		f->panels = xcalloc(f->npanels, sizeof(*f->panels));
		for (size_t i = 0; i < f->npanels; i++)
			f->panels[i] = xstrdup(panels[off + i]);
	}
}

/* Numeric order of a parameter's values; strings compare as numbers. */
static int cmp_num_str(const void *a, const void *b)
{
	double x = 0, y = 0;
	rpt_param_number(*(const char *const *)a, &x);
	rpt_param_number(*(const char *const *)b, &y);
	return x < y ? -1 : x > y;
}

/* Distinct values of key among the runs of w (in the section) that match m. */
static size_t sweep_points(const struct report *r, const char *w, const char *key,
			   const struct params *m)
{
	char **vals = NULL;
	size_t n = 0;
	for (size_t i = 0; i < r->nruns; i++) {
		const char *v = params_get(&r->runs[i].params, key);
		if (v && run_matches(r, &r->runs[i], w, m))
			strv_add_unique(&vals, &n, v);
	}
	strv_free(vals, n);
	return n;
}

static const struct rpt_hist *find_hist(const struct rpt_run *run, const char *name)
{
	for (size_t h = 0; h < run->nhists; h++)
		if (!strcmp(run->hists[h].name, name))
			return &run->hists[h];
	return NULL;
}

static bool hist_equal(const struct rpt_hist *a, const struct rpt_hist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t k = 0; k < a->n; k++)
		if (a->b[k].lo != b->b[k].lo || a->b[k].hi != b->b[k].hi ||
		    a->b[k].count != b->b[k].count)
			return false;
	return true;
}

/*
 * A CDF only where the variants' distributions differ: identical ones
 * coincide. Runs are compared with their counterpart in another variant
 * (same strategy and parameters); with none to compare, it is drawn.
 */
/* A run that has the histogram, with the key of the runs it is compared with. */
struct hist_cand {
	const struct rpt_run *run;
	const struct rpt_hist *h;
	char *key;		/* strategy + canonical parameters */
};

static int cmp_hist_cand(const void *a, const void *b)
{
	return strcmp(((const struct hist_cand *)a)->key, ((const struct hist_cand *)b)->key);
}

static bool hist_differs(const struct report *r, const char *w, const struct params *m,
			 const char *name)
{
	struct hist_cand *c = xcalloc(r->nruns + 1, sizeof(*c));
	bool compared = false, differs = false;
	size_t n = 0;

	/*
	 * Counterparts share strategy and parameters: sorted on those, each
	 * run is compared only within its group (linear in the runs for a
	 * report of many copies, not quadratic).
	 */
	for (size_t i = 0; i < r->nruns; i++) {
		const struct rpt_run *a = &r->runs[i];
		const struct rpt_hist *h;
		char *canon;
		if (!run_matches(r, a, w, m) || !(h = find_hist(a, name)))
			continue;
		canon = params_canonical(&a->params);
		c[n].run = a;
		c[n].h = h;
		c[n].key = xasprintf("%s\n%s", a->strategy ? a->strategy : "", canon);
		free(canon);
		n++;
	}
	qsort(c, n, sizeof(*c), cmp_hist_cand);
	for (size_t g = 0; g < n && !differs;) {
		size_t e = g + 1;
		while (e < n && !strcmp(c[e].key, c[g].key))
			e++;
		for (size_t i = g; i < e && !differs; i++)
			for (size_t k = i + 1; k < e && !differs; k++) {
				if (c[k].run->variant == c[i].run->variant)
					continue;
				differs = !hist_equal(c[i].h, c[k].h);
				compared = true;
			}
		g = e;
	}
	for (size_t i = 0; i < n; i++)
		free(c[i].key);
	free(c);
	return differs || !compared;
}

/* One figure per sweep key and context (the values of the other sweep keys). */
static void sweep_figures(struct report *r, const char *w, char **sweep, size_t nsweep)
{
	char **names = NULL;
	size_t nnames = 0;

	for (size_t k = 0; k < nsweep; k++) {
		/* Contexts: the values of the other sweep keys, in order seen. */
		char **ctx = NULL;
		size_t nctx = 0;
		for (size_t i = 0; i < r->nruns; i++) {
			struct params m = PARAMS_INIT;
			char *c;
			if (!in_section(r, &r->runs[i], w))
				continue;
			for (size_t o = 0; o < nsweep; o++) {
				const char *v = params_get(&r->runs[i].params, sweep[o]);
				if (o != k && v)
					params_set(&m, sweep[o], v);
			}
			c = params_canonical(&m);
			strv_add_unique(&ctx, &nctx, c);
			free(c);
			params_free(&m);
		}
		for (size_t c = 0; c < nctx && c < CONTEXTS_PER_SWEEP; c++) {
			struct params m = PARAMS_INIT;
			char err[128], *stem;
			if (*ctx[c] && params_parse_assignments(&m, ctx[c], err, sizeof(err)))
				continue;
			/* a sweep of one point is not a curve */
			if (sweep_points(r, w, sweep[k], &m) < 2) {
				params_free(&m);
				continue;
			}
			varying_metrics(r, w, &m, &names, &nnames);
			stem = nctx > 1 ? xasprintf("%s-%zu", sweep[k], c + 1) : xstrdup(sweep[k]);
			if (nnames)
				add_fig(r, FIG_SWEEP, stem, w, sweep[k], &m, names, nnames);
			free(stem);
			strv_free(names, nnames);
			names = NULL;
			nnames = 0;
			params_free(&m);
		}
		strv_free(ctx, nctx);
	}

}

/* Time series and CDFs of the representative configuration rep. */
static void ts_cdf_figures(struct report *r, const char *w, const struct params *rep)
{
	char **names = NULL;
	size_t nnames = 0;

	for (int kind = FIG_TS; kind <= FIG_CDF; kind++) {
		for (size_t i = 0; i < r->nruns; i++) {
			const struct rpt_run *run = &r->runs[i];
			if (!run_matches(r, run, w, rep))
				continue;
			if (kind == FIG_TS)
				for (size_t s = 0; s < run->nseries; s++)
					strv_add_unique(&names, &nnames, run->series[s].name);
			else
				for (size_t h = 0; h < run->nhists; h++)
					if (hist_differs(r, w, rep, run->hists[h].name))
						strv_add_unique(&names, &nnames,
								run->hists[h].name);
		}
		if (nnames) {
			qsort(names, nnames, sizeof(*names), cmp_rank);
			add_fig(r, (enum fig_kind)kind, NULL, w, NULL, rep, names, nnames);
		}
		strv_free(names, nnames);
		names = NULL;
		nnames = 0;
	}
}

static void workload_figures(struct report *r, const char *w)
{
	bool *in = xcalloc(r->nruns, sizeof(*in));
	char **keys = NULL, **sweep = NULL, **names = NULL;
	size_t nkeys = 0, nsweep = 0, nnames = 0;
	struct params rep = PARAMS_INIT;

	for (size_t i = 0; i < r->nruns; i++)
		if (in_section(r, &r->runs[i], w))
			collect_param_keys(&r->runs[i], &keys, &nkeys);
	/* A sweep axis: a numeric parameter that changes within one variant. */
	for (size_t k = 0; k < nkeys; k++) {
		for (size_t v = 0; v < r->nvariants; v++) {
			for (size_t i = 0; i < r->nruns; i++)
				in[i] = in_section(r, &r->runs[i], w) && r->runs[i].variant == (int)v;
			if (key_varies(r, keys[k], in) && key_numeric(r, keys[k], in)) {
				strv_add_unique(&sweep, &nsweep, keys[k]);
				break;
			}
		}
	}

	if (!nsweep) {
		varying_metrics(r, w, NULL, &names, &nnames);
		if (nnames)
			add_fig(r, FIG_CMP, NULL, w, NULL, NULL, names, nnames);
		strv_free(names, nnames);
		names = NULL;
		nnames = 0;
	}

	sweep_figures(r, w, sweep, nsweep);

	/* Time series and CDFs: with sweeps, the largest configuration. */
	for (size_t k = 0; k < nsweep; k++) {
		char **vals = NULL;
		size_t nvals = 0;
		for (size_t i = 0; i < r->nruns; i++) {
			const char *v = params_get(&r->runs[i].params, sweep[k]);
			if (in_section(r, &r->runs[i], w) && v)
				strv_add_unique(&vals, &nvals, v);
		}
		if (nvals) {
			qsort(vals, nvals, sizeof(*vals), cmp_num_str);
			params_set(&rep, sweep[k], vals[nvals - 1]);
		}
		strv_free(vals, nvals);
	}
	ts_cdf_figures(r, w, &rep);
	params_free(&rep);
	strv_free(keys, nkeys);
	strv_free(sweep, nsweep);
	free(in);
}

int report_analyze(struct report *r, const char *base_name, const char *metrics)
{
	if (metrics && *metrics) {
		char *copy = xstrdup(metrics), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			strv_add_unique(&r->metric_filter, &r->nmetric_filter, t);
		free(copy);
		/* a name no selected run records is a typo or the wrong runs: say so */
		for (size_t f = 0; f < r->nmetric_filter; f++) {
			const char *want = r->metric_filter[f];
			bool found = false;
			for (size_t i = 0; i < r->nruns && !found; i++)
				found = rpt_run_find_metric(&r->runs[i], want) != NULL;
			if (found)
				continue;
			if (metric_find(want))
				return error("--metrics: the selected runs do not record '%s'", want);
			{
				const char **names = xcalloc(metric_table_len + 1, sizeof(*names));
				const char *near;
				for (size_t m = 0; m < metric_table_len; m++)
					names[m] = metric_table[m].name;
				near = closest_match(want, names, metric_table_len);
				if (near)
					error("--metrics: unknown metric '%s' (did you mean '%s'?)", want,
					      near);
				else
					error("--metrics: unknown metric '%s'", want);
				free(names);
				return -1;
			}
		}
	}
	if (r->nselectors < 2)
		auto_variants(r);
	/* else the loader put each run in the variant of its selector */

	r->base_variant = 0;
	if (r->nruns) {
		int64_t lowest = r->runs[0].id;
		for (size_t i = 0; i < r->nruns; i++) {
			if (r->runs[i].id <= lowest) {
				lowest = r->runs[i].id;
				r->base_variant = r->runs[i].variant;
			}
		}
	}
	if (base_name) {
		size_t v;
		const char **names = xcalloc(r->nvariants + 1, sizeof(*names));
		for (v = 0; v < r->nvariants; v++) {
			names[v] = r->variants[v].name;
			if (!strcmp(r->variants[v].name, base_name))
				break;
		}
		if (v == r->nvariants) {
			const char *near = closest_match(base_name, names, r->nvariants);
			free(names);
			if (near)
				return error("no variant '%s' to use as baseline (did you mean '%s'?)",
					     base_name, near);
			return error("no variant '%s' to use as baseline", base_name);
		}
		free(names);
		r->base_variant = (int)v;
	}

	for (size_t i = 0; i < r->nruns; i++)
		if (r->runs[i].workload)
			strv_add_unique(&r->workloads, &r->nworkloads, r->runs[i].workload);
	for (size_t w = 0; w < r->nworkloads; w++) {
		/* independent job sections are not one grid: one set of figures each */
		char **jobs = NULL;
		size_t njobs = 0;
		for (size_t i = 0; i < r->nruns; i++)
			if (str_eq(r->runs[i].workload, r->workloads[w]) && r->runs[i].job)
				strv_add_unique(&jobs, &njobs, r->runs[i].job);
		for (size_t j = 0; j < (njobs > 1 ? njobs : 1); j++) {
			r->section = njobs > 1 ? jobs[j] : NULL;
			workload_figures(r, r->workloads[w]);
		}
		r->section = NULL;
		strv_free(jobs, njobs);
	}
	return 0;
}

static void run_free(struct rpt_run *run)
{
	free(run->backend); free(run->strategy); free(run->workload); free(run->label);
	free(run->job);
	free(run->kernel); free(run->host_label); free(run->cmdline); free(run->reproduce);
	free(run->created); free(run->tool_version); free(run->status);
	params_free(&run->params);
	for (size_t i = 0; i < run->nmetrics; i++) {
		free(run->metrics[i].name); free(run->metrics[i].unit); free(run->metrics[i].v);
	}
	free(run->metrics);
	for (size_t i = 0; i < run->nseries; i++) {
		free(run->series[i].name); free(run->series[i].unit);
		free(run->series[i].t); free(run->series[i].v);
	}
	free(run->series);
	for (size_t i = 0; i < run->nhists; i++) {
		free(run->hists[i].name); free(run->hists[i].unit); free(run->hists[i].b);
	}
	free(run->hists);
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->nruns; i++)
		run_free(&r->runs[i]);
	free(r->runs);
	for (size_t i = 0; i < r->nvariants; i++) {
		free(r->variants[i].name);
		free(r->variants[i].selector);
	}
	free(r->variants);
	strv_free(r->workloads, r->nworkloads);
	for (size_t i = 0; i < r->nfigs; i++) {
		struct rpt_figure *f = &r->figs[i];
		free(f->base); free(f->workload); free(f->sweep_key); free(f->context);
		free(f->job);
		params_free(&f->match);
		strv_free(f->panels, f->npanels);
	}
	free(r->figs);
	strv_free(r->metric_filter, r->nmetric_filter);
	memset(r, 0, sizeof(*r));
}
