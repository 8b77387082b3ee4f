/*
 * The comparison engine: select the runs of each side, group them on
 * workload + backend + workload parameters (less whatever the selectors
 * themselves set apart), summarise every shared metric and test the
 * difference, then render. The model (struct cmp) is built once and the
 * four renderers only read it, so every format says the same thing.
 * Statistics: src/core/stats.c, docs/statistics.md.
 */
#include "core/compare.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/metrics.h"
#include "core/select.h"
#include "lib/stats.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "workloads/workload.h"
#include "store/store.h"

#define CMP_LEVEL 0.95
#define TEXT_WIDTH 80

/* ---- the model ---- */

struct cside {
	const char *text;
	struct selector sel;
	bool sel_ok;
	struct run_row *rows;
	size_t nrows;
	struct params *rparams;		/* per row */
	char ***mnames, ***munits;	/* per row: metric names recorded */
	size_t *nm;
};

struct cgroup {
	char *workload, *backend;	/* NULL when the selectors set it apart */
	struct params kp;		/* the workload parameters matched on */
	char *title;			/* "boot mem=1G tds=1 vcpus=2" */
	size_t **idx;			/* per side: indexes into that side's rows */
	size_t *nidx;
};

struct crow {
	const char *name, *unit;
	enum better better;
	struct summary b, c;
	struct mwu t;
	double change;			/* % of the base median; NAN if base is 0 */
	double ratio;			/* cand/base median, NAN if undefined */
	bool significant, few, worse, improved;
};

struct cblock {
	size_t cand;			/* side index, >= 1 */
	struct cgroup *g;
	struct crow *rows;
	size_t nrows;
	size_t nb, nc;			/* the most values any metric has on each side */
	double geo;			/* geomean of cost ratios (< 1 better) */
	size_t ngeo;
	struct params differs;		/* key -> "base vs cand" */
	char *only_base, *only_cand;	/* metrics recorded on one side only */
};

struct cmp {
	const struct compare_req *req;
	struct cside *sides;		/* [0] base, [1..] candidates */
	size_t nsides;
	struct params named;		/* keys the selectors set apart */
	struct params mentioned;	/* keys any selector gives */
	struct cgroup *groups;
	size_t ngroups;
	struct cblock *blocks;
	size_t nblocks, capblocks;
	char **warnings;
	size_t nwarnings, capwarnings;
	char **metric_filter;
	size_t nfilter;
	bool regression;
};

static void add_warning(struct cmp *c, char *msg)
{
	for (size_t i = 0; i < c->nwarnings; i++) {
		if (!strcmp(c->warnings[i], msg)) {
			free(msg);
			return;
		}
	}
	GROW(c->warnings, c->capwarnings, c->nwarnings + 1);
	c->warnings[c->nwarnings++] = msg;
}

static const char *side_name(size_t s)
{
	return s ? "cand" : "base";
}

/* The value a selector gives a key ("" when it says nothing about it). */
static const char *sel_value(const struct selector *s, const char *key)
{
	const struct run_filter *f = &s->filter;
	const char *v = NULL;

	if (!strcmp(key, "backend"))
		v = f->backend;
	else if (!strcmp(key, "strategy"))
		v = f->strategy;
	else if (!strcmp(key, "workload"))
		v = f->workload;
	else if (!strcmp(key, "label"))
		v = f->label;
	else if (!strcmp(key, "status"))
		v = f->status;
	else if (!strcmp(key, "kernel"))
		v = f->kernel;
	else if (!strcmp(key, "host"))
		v = f->host;
	else
		v = params_get(&s->param_terms, key);
	return v ? v : "";
}

/*
 * A key is "named" (set apart by the selectors) when two sides ask for
 * different values of it: `vcpus=4` vs `vcpus=8` must not be matched on
 * vcpus. A key only one side gives is just a filter (`strategy=b,workload=boot`
 * vs `strategy=a` still matches on workload), and so is one both give alike.
 * c->mentioned gets every key any side gives.
 */
static void find_named_keys(struct cmp *c)
{
	static const char *const fields[] = { "backend", "strategy", "workload", "label",
					      "status", "kernel", "host" };
	struct params all = PARAMS_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		params_set(&all, fields[i], "");
	for (size_t s = 0; s < c->nsides; s++)
		for (size_t i = 0; i < c->sides[s].sel.param_terms.n; i++)
			params_set(&all, c->sides[s].sel.param_terms.v[i].key, "");
	for (size_t i = 0; i < all.n; i++) {
		const char *k = all.v[i].key, *first = NULL;
		for (size_t s = 0; s < c->nsides; s++) {
			const char *v = sel_value(&c->sides[s].sel, k);
			if (!*v)
				continue;
			params_set(&c->mentioned, k, "");
			if (!first)
				first = v;
			else if (strcmp(first, v))
				params_set(&c->named, k, "");
		}
	}
	params_free(&all);
}

static bool is_workload_key(const char *workload, const char *key)
{
	const struct workload_desc *wd = workload ? workload_find(workload) : NULL;

	if (opt_find(workload_common_opts, key))
		return true;
	return wd && wd->params && opt_find(wd->params, key);
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct cgroup *a = pa, *b = pb;
	return strverscmp(a->title, b->title);
}

static void build_groups(struct cmp *c)
{
	for (size_t s = 0; s < c->nsides; s++) {
		struct cside *sd = &c->sides[s];
		for (size_t r = 0; r < sd->nrows; r++) {
			const struct run_row *row = &sd->rows[r];
			struct params kp = PARAMS_INIT;
			struct sbuf title = SBUF_INIT;
			const char *wl = params_has(&c->named, "workload") ? NULL : row->workload;
			const char *be = params_has(&c->named, "backend") ? NULL : row->backend;
			struct cgroup *g = NULL;

			for (size_t i = 0; i < sd->rparams[r].n; i++) {
				const struct param *p = &sd->rparams[r].v[i];
				if (is_workload_key(row->workload, p->key) &&
				    !params_has(&c->named, p->key))
					params_set(&kp, p->key, p->value);
			}
			params_sort(&kp);
			sbuf_add(&title, wl ? wl : "*");
			for (size_t i = 0; i < kp.n; i++)
				sbuf_addf(&title, " %s=%s", kp.v[i].key, kp.v[i].value);
			if (be)
				sbuf_addf(&title, " (%s)", be);

			for (size_t i = 0; i < c->ngroups; i++) {
				if (!strcmp(c->groups[i].title, title.buf)) {
					g = &c->groups[i];
					break;
				}
			}
			if (g) {
				params_free(&kp);
				sbuf_free(&title);
			} else {
				c->groups = xrealloc(c->groups, (c->ngroups + 1) * sizeof(*c->groups));
				g = &c->groups[c->ngroups++];
				memset(g, 0, sizeof(*g));
				g->workload = wl ? xstrdup(wl) : NULL;
				g->backend = be ? xstrdup(be) : NULL;
				g->kp = kp;
				g->title = sbuf_detach(&title);
				g->idx = xcalloc(c->nsides, sizeof(*g->idx));
				g->nidx = xcalloc(c->nsides, sizeof(*g->nidx));
			}
			g->idx[s] = xrealloc(g->idx[s], (g->nidx[s] + 1) * sizeof(**g->idx));
			g->idx[s][g->nidx[s]++] = r;
		}
	}
	qsort(c->groups, c->ngroups, sizeof(*c->groups), group_cmp);
}

/* ---- metrics of a block ---- */

static bool side_has_metric(const struct cside *sd, const struct cgroup *g, size_t s,
			    const char *name, const char **unit)
{
	for (size_t i = 0; i < g->nidx[s]; i++) {
		size_t r = g->idx[s][i];
		for (size_t m = 0; m < sd->nm[r]; m++) {
			if (!strcmp(sd->mnames[r][m], name)) {
				if (unit)
					*unit = sd->munits[r][m];
				return true;
			}
		}
	}
	return false;
}

static bool metric_wanted(const struct cmp *c, const char *name)
{
	if (!c->nfilter)
		return true;
	for (size_t i = 0; i < c->nfilter; i++)
		if (!strcmp(c->metric_filter[i], name))
			return true;
	return false;
}

/* Glossary order first (what docs/metrics.md lists), then unknown names sorted. */
static long metric_rank(const char *name)
{
	const struct metric_desc *d = metric_find(name);
	return d ? (long)(d - metric_table) : (long)metric_table_len;
}

static int name_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	long ra = metric_rank(a), rb = metric_rank(b);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(a, b);
}

/* Every metric name recorded by some run of side s in group g, sorted, unique. */
static char **side_metric_names(const struct cside *sd, const struct cgroup *g, size_t s,
				size_t *n)
{
	char **names = NULL;
	size_t cnt = 0, cap = 0;

	for (size_t i = 0; i < g->nidx[s]; i++) {
		size_t r = g->idx[s][i];
		for (size_t m = 0; m < sd->nm[r]; m++) {
			bool seen = false;
			for (size_t k = 0; k < cnt && !seen; k++)
				seen = !strcmp(names[k], sd->mnames[r][m]);
			if (seen)
				continue;
			GROW(names, cap, cnt + 1);
			names[cnt++] = sd->mnames[r][m];
		}
	}
	if (cnt)
		qsort(names, cnt, sizeof(*names), name_cmp);
	*n = cnt;
	return names;
}

static int side_values(struct store *st, const struct cside *sd, const struct cgroup *g,
		       size_t s, const char *metric, double **out, size_t *nout)
{
	double *all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < g->nidx[s]; i++) {
		const struct run_row *row = &sd->rows[g->idx[s][i]];
		double *v = NULL;
		size_t nv = 0;
		if (store_metric_values(st, row->id, metric, &v, &nv) < 0) {
			free(all);
			return -1;
		}
		all = xrealloc(all, (n + nv + 1) * sizeof(*all));
		for (size_t k = 0; k < nv; k++)
			if (!isnan(v[k]))
				all[n++] = v[k];
		free(v);
	}
	*out = all;
	*nout = n;
	return 0;
}

static void join_names(struct sbuf *sb, char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sbuf_addf(sb, "%s%s", i ? ", " : "", names[i]);
}

/* Parameter values of one side of a block, "a" or "a|b" when runs disagree. */
static char *side_param_value(const struct cside *sd, const struct cgroup *g, size_t s,
			      const char *key)
{
	struct sbuf sb = SBUF_INIT;
	for (size_t i = 0; i < g->nidx[s]; i++) {
		const char *v = params_get(&sd->rparams[g->idx[s][i]], key);
		char *dup;
		bool seen = false;
		if (!v)
			v = "(unset)";
		dup = xasprintf("|%s|", sb.buf ? sb.buf : "");
		{
			char *needle = xasprintf("|%s|", v);
			seen = strstr(dup, needle) != NULL;
			free(needle);
		}
		free(dup);
		if (!seen)
			sbuf_addf(&sb, "%s%s", sb.len ? "|" : "", v);
	}
	return sbuf_detach(&sb);
}

static void find_differs(struct cmp *c, struct cblock *bl)
{
	struct params keys = PARAMS_INIT;
	const size_t sides[2] = { 0, bl->cand };

	for (size_t k = 0; k < 2; k++) {
		const struct cside *sd = &c->sides[sides[k]];
		for (size_t i = 0; i < bl->g->nidx[sides[k]]; i++) {
			const struct params *rp = &sd->rparams[bl->g->idx[sides[k]][i]];
			for (size_t j = 0; j < rp->n; j++)
				if (!params_has(&bl->g->kp, rp->v[j].key))
					params_set(&keys, rp->v[j].key, "");
		}
	}
	params_sort(&keys);
	for (size_t i = 0; i < keys.n; i++) {
		char *bv = side_param_value(&c->sides[0], bl->g, 0, keys.v[i].key);
		char *cv = side_param_value(&c->sides[bl->cand], bl->g, bl->cand, keys.v[i].key);
		if (strcmp(bv, cv))
			params_setf(&bl->differs, keys.v[i].key, "%s vs %s", bv, cv);
		free(bv);
		free(cv);
	}
	params_free(&keys);
}

static int build_block(struct store *st, struct cmp *c, struct cgroup *g, size_t cand)
{
	const struct cside *bs = &c->sides[0], *cs = &c->sides[cand];
	struct cblock *bl;
	char **bn, **cn;
	size_t nbn, ncn;
	double logsum = 0;
	struct sbuf ob = SBUF_INIT, oc = SBUF_INIT;

	GROW(c->blocks, c->capblocks, c->nblocks + 1);
	bl = &c->blocks[c->nblocks++];
	memset(bl, 0, sizeof(*bl));
	bl->cand = cand;
	bl->g = g;
	bl->geo = NAN;
	find_differs(c, bl);

	bn = side_metric_names(bs, g, 0, &nbn);
	cn = side_metric_names(cs, g, cand, &ncn);
	for (size_t i = 0; i < nbn; i++) {
		const char *unit = "";
		struct crow *row;
		double *bv = NULL, *cv = NULL;
		size_t nb = 0, nc = 0;
		const struct metric_desc *d;

		if (!metric_wanted(c, bn[i]))
			continue;
		if (!side_has_metric(cs, g, cand, bn[i], NULL)) {
			sbuf_addf(&ob, "%s%s", ob.len ? ", " : "", bn[i]);
			continue;
		}
		side_has_metric(bs, g, 0, bn[i], &unit);
		if (side_values(st, bs, g, 0, bn[i], &bv, &nb) < 0 ||
		    side_values(st, cs, g, cand, bn[i], &cv, &nc) < 0) {
			free(bv);
			free(bn);
			free(cn);
			sbuf_free(&ob);
			sbuf_free(&oc);
			return -1;
		}
		bl->rows = xrealloc(bl->rows, (bl->nrows + 1) * sizeof(*bl->rows));
		row = &bl->rows[bl->nrows++];
		memset(row, 0, sizeof(*row));
		d = metric_find(bn[i]);
		row->name = bn[i];
		row->unit = unit && *unit ? unit : d ? d->unit : "";
		row->better = d ? d->better : BETTER_NONE;
		stats_summarize(bv, nb, CMP_LEVEL, &row->b);
		stats_summarize(cv, nc, CMP_LEVEL, &row->c);
		stats_mann_whitney(bv, nb, cv, nc, &row->t);
		bl->nb = MAX(bl->nb, nb);
		bl->nc = MAX(bl->nc, nc);
		free(bv);
		free(cv);

		row->change = row->ratio = NAN;
		if (row->b.n && row->c.n) {
			if (row->b.median != 0) {
				row->change = (row->c.median - row->b.median) / fabs(row->b.median) * 100.0;
				row->ratio = row->c.median / row->b.median;
			} else if (row->c.median == 0) {
				row->change = 0;
				row->ratio = 1;
			} else {
				row->change = row->c.median > 0 ? INFINITY : -INFINITY;
			}
		}
		row->few = row->t.min_p >= c->req->alpha;
		row->significant = !isnan(row->t.p) && row->t.p < c->req->alpha;
		if (row->significant && row->change != 0 && !isnan(row->change)) {
			bool up = row->change > 0;
			if (row->better == BETTER_LOWER) {
				row->worse = up;
				row->improved = !up;
			} else if (row->better == BETTER_HIGHER) {
				row->worse = !up;
				row->improved = up;
			}
		}
		if (row->worse && c->req->fail_if_worse_pct >= 0 &&
		    fabs(row->change) > c->req->fail_if_worse_pct)
			c->regression = true;

		/* geomean over metrics with a direction, as cost ratios (< 1 = better) */
		if (row->better != BETTER_NONE && row->b.median > 0 && row->c.median > 0) {
			double r = row->c.median / row->b.median;
			logsum += log(row->better == BETTER_HIGHER ? 1.0 / r : r);
			bl->ngeo++;
		}
	}
	for (size_t i = 0; i < ncn; i++)
		if (metric_wanted(c, cn[i]) && !side_has_metric(bs, g, 0, cn[i], NULL))
			sbuf_addf(&oc, "%s%s", oc.len ? ", " : "", cn[i]);
	if (bl->ngeo)
		bl->geo = exp(logsum / (double)bl->ngeo);
	bl->only_base = ob.len ? sbuf_detach(&ob) : NULL;
	bl->only_cand = oc.len ? sbuf_detach(&oc) : NULL;
	sbuf_free(&ob);
	sbuf_free(&oc);
	free(bn);
	free(cn);
	(void)join_names;
	return 0;
}

/* Overall geomean for one candidate across every block's metric rows. */
static double overall_geo(const struct cmp *c, size_t cand, size_t *n)
{
	double logsum = 0;
	*n = 0;
	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		if (bl->cand != cand)
			continue;
		for (size_t i = 0; i < bl->nrows; i++) {
			const struct crow *r = &bl->rows[i];
			double x;
			if (r->better == BETTER_NONE || !(r->b.median > 0) || !(r->c.median > 0))
				continue;
			x = r->c.median / r->b.median;
			logsum += log(r->better == BETTER_HIGHER ? 1.0 / x : x);
			(*n)++;
		}
	}
	return *n ? exp(logsum / (double)*n) : NAN;
}

static int load_side(struct store *st, struct cside *sd)
{
	if (store_runs(st, &sd->sel.filter, &sd->rows, &sd->nrows) < 0)
		return -1;
	sd->rparams = xcalloc(sd->nrows ? sd->nrows : 1, sizeof(*sd->rparams));
	sd->mnames = xcalloc(sd->nrows ? sd->nrows : 1, sizeof(*sd->mnames));
	sd->munits = xcalloc(sd->nrows ? sd->nrows : 1, sizeof(*sd->munits));
	sd->nm = xcalloc(sd->nrows ? sd->nrows : 1, sizeof(*sd->nm));
	for (size_t r = 0; r < sd->nrows; r++) {
		if (store_run_params(st, sd->rows[r].id, &sd->rparams[r]) < 0)
			return -1;
		if (store_run_metric_names(st, sd->rows[r].id, &sd->mnames[r], &sd->munits[r],
					   &sd->nm[r]) < 0)
			return -1;
	}
	return 0;
}

static void split_metric_filter(struct cmp *c, const char *list)
{
	char *dup, *tok, *save = NULL;
	size_t cap = 0;

	if (!list || !*list)
		return;
	dup = xstrdup(list);
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		GROW(c->metric_filter, cap, c->nfilter + 1);
		c->metric_filter[c->nfilter++] = xstrdup(tok);
	}
	free(dup);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* `compare 1 1`: a candidate selecting exactly the base's runs compares nothing. */
static int check_sides_differ(const struct cmp *c)
{
	const struct cside *b = &c->sides[0];
	int64_t *bid = xcalloc(b->nrows, sizeof(*bid));
	int ret = 0;

	for (size_t i = 0; i < b->nrows; i++)
		bid[i] = b->rows[i].id;
	qsort(bid, b->nrows, sizeof(*bid), cmp_id);
	for (size_t s = 1; s < c->nsides && !ret; s++) {
		const struct cside *sd = &c->sides[s];
		size_t same = 0;
		for (size_t i = 0; i < sd->nrows; i++)
			same += bsearch(&sd->rows[i].id, bid, b->nrows, sizeof(*bid), cmp_id) != NULL;
		if (same == sd->nrows && sd->nrows == b->nrows)
			ret = error("'%s' and '%s' select the same runs: nothing to compare", b->text,
				    sd->text);
	}
	free(bid);
	return ret;
}

/* Every --metric name must be recorded somewhere, else it is a typo. */
static int check_metric_filter(const struct cmp *c)
{
	for (size_t i = 0; i < c->nfilter; i++) {
		const char *want = c->metric_filter[i];
		bool found = false;
		const char **all = NULL;
		size_t nall = 0, cap = 0;

		for (size_t s = 0; s < c->nsides && !found; s++) {
			const struct cside *sd = &c->sides[s];
			for (size_t r = 0; r < sd->nrows && !found; r++) {
				for (size_t m = 0; m < sd->nm[r]; m++) {
					if (!strcmp(sd->mnames[r][m], want))
						found = true;
					GROW(all, cap, nall + 1);
					all[nall++] = sd->mnames[r][m];
				}
			}
		}
		if (!found && metric_find(want)) {
			/* a real metric these runs do not have (wall_ns of sim runs): no typo */
			free(all);
			return error("the selected runs do not record metric '%s' (see 'tdxbench "
				     "show RUN' for what they do)", want);
		}
		if (!found) {
			const char *close;
			for (size_t m = 0; m < metric_table_len; m++) {
				GROW(all, cap, nall + 1);
				all[nall++] = metric_table[m].name;
			}
			close = closest_match(want, all, nall);
			free(all);
			if (close)
				return error("no run records metric '%s' (did you mean '%s'?)", want,
					     close);
			return error("no run records metric '%s'", want);
		}
		free(all);
	}
	return 0;
}

static void check_hosts_and_backends(struct cmp *c)
{
	/* asking for a kernel or host by name makes the host difference the point */
	bool kernel_named = params_has(&c->mentioned, "kernel") ||
			    params_has(&c->mentioned, "host");

	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		const struct cgroup *g = bl->g;
		for (size_t i = 0; i < g->nidx[0]; i++) {
			const struct run_row *br = &c->sides[0].rows[g->idx[0][i]];
			for (size_t j = 0; j < g->nidx[bl->cand]; j++) {
				const struct run_row *cr = &c->sides[bl->cand].rows[g->idx[bl->cand][j]];
				if (strcmp(br->backend, cr->backend))
					add_warning(c, xasprintf("comparing across backends: %s (base) vs "
								 "%s (cand)", br->backend,
								 cr->backend));
				if (br->is_model != cr->is_model)
					add_warning(c, xstrdup("comparing model output with "
							       "measurements"));
				if (br->host_id != cr->host_id && !kernel_named)
					add_warning(c, xasprintf("comparing across hosts: host %lld "
								 "(base) vs %lld (cand)",
								 (long long)br->host_id,
								 (long long)cr->host_id));
			}
		}
	}
	for (size_t s = 1; s < c->nsides; s++) {
		for (size_t i = 0; i < c->sides[s].nrows; i++) {
			for (size_t j = 0; j < c->sides[0].nrows; j++) {
				if (c->sides[s].rows[i].id == c->sides[0].rows[j].id)
					add_warning(c, xasprintf("run %lld is on both sides",
								 (long long)c->sides[0].rows[j].id));
			}
		}
	}
}

static void cmp_free(struct cmp *c)
{
	for (size_t s = 0; s < c->nsides; s++) {
		struct cside *sd = &c->sides[s];
		for (size_t r = 0; r < sd->nrows; r++) {
			if (sd->rparams)
				params_free(&sd->rparams[r]);
			if (sd->mnames && sd->mnames[r])
				store_free_strings(sd->mnames[r], sd->nm[r]);
			if (sd->munits && sd->munits[r])
				store_free_strings(sd->munits[r], sd->nm[r]);
		}
		free(sd->rparams);
		free(sd->mnames);
		free(sd->munits);
		free(sd->nm);
		if (sd->rows)
			store_free_runs(sd->rows, sd->nrows);
		if (sd->sel_ok)
			selector_free(&sd->sel);
	}
	free(c->sides);
	for (size_t b = 0; b < c->nblocks; b++) {
		free(c->blocks[b].rows);
		params_free(&c->blocks[b].differs);
		free(c->blocks[b].only_base);
		free(c->blocks[b].only_cand);
	}
	free(c->blocks);
	for (size_t g = 0; g < c->ngroups; g++) {
		struct cgroup *gr = &c->groups[g];
		for (size_t s = 0; s < c->nsides; s++)
			free(gr->idx[s]);
		free(gr->idx);
		free(gr->nidx);
		free(gr->workload);
		free(gr->backend);
		free(gr->title);
		params_free(&gr->kp);
	}
	free(c->groups);
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	for (size_t i = 0; i < c->nfilter; i++)
		free(c->metric_filter[i]);
	free(c->metric_filter);
	params_free(&c->named);
	params_free(&c->mentioned);
}

static int cmp_build(struct store *st, const struct compare_req *req, struct cmp *c)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	c->req = req;
	c->nsides = 1 + req->ncands;
	c->sides = xcalloc(c->nsides, sizeof(*c->sides));
	split_metric_filter(c, req->metrics);
	for (size_t s = 0; s < c->nsides; s++) {
		struct cside *sd = &c->sides[s];
		sd->text = s ? req->cands[s - 1] : req->base;
		if (selector_parse(sd->text, &sd->sel, err, sizeof(err)) < 0)
			return error("%s", err);
		sd->sel_ok = true;
		if (load_side(st, sd) < 0)
			return -1;
		if (!sd->nrows)
			return error("no runs match %s selector '%s'", side_name(s), sd->text);
	}
	if (check_sides_differ(c) < 0 || check_metric_filter(c) < 0)
		return -1;
	find_named_keys(c);
	build_groups(c);
	for (size_t s = 1; s < c->nsides; s++)
		for (size_t g = 0; g < c->ngroups; g++)
			if (c->groups[g].nidx[0] && c->groups[g].nidx[s] &&
			    build_block(st, c, &c->groups[g], s) < 0)
				return -1;
	check_hosts_and_backends(c);
	return 0;
}

/* ---- shared formatting ---- */

/* 4 significant digits with an SI (or, for bytes, binary) suffix. */
static const char *fmt_num(double v, const char *unit, char *buf, size_t len)
{
	static const char *const si[] = { "", "k", "M", "G", "T", "P", "E" };
	static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	bool bytes = unit && !strcmp(unit, "bytes");
	double base = bytes ? 1024.0 : 1000.0, a = fabs(v);
	size_t i = 0;

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (a != 0 && a < 0.001) {
		snprintf(buf, len, "%.2g", v);
		return buf;
	}
	while (a >= (bytes ? 1024.0 : 999.95) && i + 1 < ARRAY_SIZE(si)) {
		a /= base;
		v /= base;
		i++;
	}
	if (a >= 1000)
		snprintf(buf, len, "%.0f%s", v, bytes ? bin[i] : si[i]);
	else if (a >= 100)
		snprintf(buf, len, "%.1f%s", v, bytes ? bin[i] : si[i]);
	else if (a >= 10)
		snprintf(buf, len, "%.2f%s", v, bytes ? bin[i] : si[i]);
	else if (v == (double)(long long)v && i == 0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3f%s", v, bytes ? bin[i] : si[i]);
	return buf;
}

/* CI half-width as % of the median, "-" without a CI; '!' when noisy/outliers. */
static const char *fmt_ci(const struct summary *s, char *buf, size_t len)
{
	double w;
	const char *flag = s->noisy || s->outliers ? "!" : "";

	if (isnan(s->ci_lo)) {
		snprintf(buf, len, "-%s", flag);
		return buf;
	}
	w = fmax(s->ci_hi - s->median, s->median - s->ci_lo);
	if (s->median == 0)
		snprintf(buf, len, "%s%s", w == 0 ? "0.0%" : "inf", flag);
	else if ((w = w / fabs(s->median) * 100.0) < 9.95)
		snprintf(buf, len, "%.1f%%%s", w, flag);
	else if (w < 999.5)
		snprintf(buf, len, "%.0f%%%s", w, flag);
	else
		snprintf(buf, len, "huge%s", flag);
	return buf;
}

static const char *fmt_change(double chg, double ratio, char *buf, size_t len)
{
	if (isnan(chg))
		snprintf(buf, len, "-");
	else if (isinf(chg))
		snprintf(buf, len, "from 0");
	else if (chg != 0 && fabs(chg) < 0.05)
		snprintf(buf, len, "%+.1g%%", chg);	/* "+0.004%", not "+0.0%" */
	else if (fabs(chg) < 999.95)
		snprintf(buf, len, "%+.1f%%", chg);
	else if (ratio > 0)
		snprintf(buf, len, "x%.2g", ratio);
	else
		snprintf(buf, len, "%+.2g%%", chg);
	return buf;
}

static const char *fmt_p(double p, char *buf, size_t len)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p < 0.001)
		snprintf(buf, len, "<.001");
	else
		snprintf(buf, len, "%.3f", p);
	return buf;
}

static const char *verdict(const struct crow *r)
{
	if (!r->significant)
		return "";
	return r->worse ? "worse" : r->improved ? "better" : "";
}

static const char *geo_verdict(double g)
{
	return isnan(g) || g == 1 ? "" : g < 1 ? "better" : "worse";
}

/* "1-4,7,9-10" from run ids (sorted ascending by the store). */
static char *fmt_ids(const struct cside *sd, const size_t *idx, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	int64_t *ids = xmalloc((n ? n : 1) * sizeof(*ids));

	for (size_t i = 0; i < n; i++)
		ids[i] = sd->rows[idx ? idx[i] : i].id;
	for (size_t i = 1; i < n; i++)	/* insertion sort: n is small */
		for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			int64_t t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		if (j == i)
			sbuf_addf(&sb, "%s%lld", sb.len ? "," : "", (long long)ids[i]);
		else
			sbuf_addf(&sb, "%s%lld-%lld", sb.len ? "," : "", (long long)ids[i],
				  (long long)ids[j]);
		i = j + 1;
	}
	free(ids);
	return sbuf_detach(&sb);
}

/* A string from the fingerprint JSON by dotted path ("cpu.model_name"), or NULL. */
static const char *json_path_str(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");
		struct json_object *next;
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, key, &next))
			return NULL;
		o = next;
		path += n + (path[n] == '.');
	}
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

/* Distinct hosts of a side, one descriptive string each. */
static char **side_hosts(struct store *st, const struct cside *sd, size_t *n)
{
	char **out = NULL;
	int64_t *seen = NULL;
	size_t cnt = 0;

	for (size_t r = 0; r < sd->nrows; r++) {
		const struct run_row *row = &sd->rows[r];
		struct sbuf sb = SBUF_INIT;
		char *json = NULL;
		struct json_object *o = NULL;
		bool dup = false;

		for (size_t i = 0; i < cnt && !dup; i++)
			dup = seen[i] == row->host_id;
		if (dup)
			continue;
		if (store_host_json(st, row->host_id, &json) == 0 && json)
			o = json_tokener_parse(json);
		sbuf_addf(&sb, "host %lld: kernel %s", (long long)row->host_id,
			  row->kernel && *row->kernel ? row->kernel : "?");
		{
			/* keys of host_fingerprint() (src/host/fingerprint.c) */
			const char *hn = json_path_str(o, "hostname");
			const char *cpu = json_path_str(o, "cpu.model_name");
			const char *ucode = json_path_str(o, "cpu.microcode");
			const char *rel = json_path_str(o, "kernel.release");
			if (rel && row->kernel && strcmp(rel, row->kernel))
				sbuf_addf(&sb, " (%s)", rel);
			if (row->host_label && *row->host_label)
				sbuf_addf(&sb, ", label %s", row->host_label);
			if (hn && *hn)
				sbuf_addf(&sb, ", %s", hn);
			if (cpu && *cpu)
				sbuf_addf(&sb, ", %s", cpu);
			if (ucode && *ucode)
				sbuf_addf(&sb, ", microcode %s", ucode);
		}
		if (o)
			json_object_put(o);
		free(json);
		seen = xrealloc(seen, (cnt + 1) * sizeof(*seen));
		out = xrealloc(out, (cnt + 1) * sizeof(*out));
		seen[cnt] = row->host_id;
		out[cnt++] = sbuf_detach(&sb);
	}
	free(seen);
	*n = cnt;
	return out;
}

/* Distinct session command lines of a side, in run order. */
static char **side_cmdlines(const struct cside *sd, size_t *n)
{
	char **out = NULL;
	size_t cnt = 0;

	for (size_t r = 0; r < sd->nrows; r++) {
		const char *cl = sd->rows[r].cmdline && *sd->rows[r].cmdline ?
				 sd->rows[r].cmdline : sd->rows[r].reproduce;
		bool dup = false;
		if (!cl || !*cl)
			continue;
		for (size_t i = 0; i < cnt && !dup; i++)
			dup = !strcmp(out[i], cl);
		if (dup)
			continue;
		out = xrealloc(out, (cnt + 1) * sizeof(*out));
		out[cnt++] = xstrdup(cl);
	}
	*n = cnt;
	return out;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool side_is_model(const struct cside *sd, bool *all)
{
	bool any = false;
	*all = sd->nrows > 0;
	for (size_t r = 0; r < sd->nrows; r++) {
		any |= sd->rows[r].is_model;
		*all &= sd->rows[r].is_model;
	}
	return any;
}

static char *side_backends(const struct cside *sd)
{
	struct sbuf sb = SBUF_INIT;
	for (size_t r = 0; r < sd->nrows; r++) {
		char *needle = xasprintf(",%s,", sd->rows[r].backend);
		char *hay = xasprintf(",%s,", sb.buf ? sb.buf : "");
		if (!strstr(hay, needle))
			sbuf_addf(&sb, "%s%s", sb.len ? "," : "", sd->rows[r].backend);
		free(needle);
		free(hay);
	}
	return sbuf_detach(&sb);
}

/* ---- text ---- */

/*
 * Print words wrapped at TEXT_WIDTH: the first line starts with `first`,
 * continuations with `indent`; a shell command gets " \" continuations.
 */
static void wrap(FILE *out, const char *first, const char *indent, const char *text, bool shell)
{
	size_t col, ilen = strlen(indent);
	const char *p = text;
	bool start = true;

	fputs(first, out);
	col = strlen(first);
	while (*p) {
		size_t wl = strcspn(p, " ");
		size_t room = TEXT_WIDTH - (shell ? 2 : 0);
		if (!start && col + 1 + wl > room) {
			fputs(shell ? " \\\n" : "\n", out);
			fputs(indent, out);
			col = ilen;
			start = true;
		}
		if (!start) {
			fputc(' ', out);
			col++;
		}
		/* a word longer than the line is broken rather than overflowing */
		while (col + wl > TEXT_WIDTH) {
			size_t take = TEXT_WIDTH > col + 1 ? TEXT_WIDTH - col - 1 : 1;
			fwrite(p, 1, take, out);
			fputs("\n", out);
			fputs(indent, out);
			col = ilen;
			p += take;
			wl -= take;
		}
		fwrite(p, 1, wl, out);
		col += wl;
		start = false;
		p += wl;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

static void text_side_header(struct store *st, const struct cmp *c, size_t s, FILE *out)
{
	const struct cside *sd = &c->sides[s];
	char *ids = fmt_ids(sd, NULL, sd->nrows);
	char *be = side_backends(sd);
	char **hosts, **cmds, *line;
	size_t nh, nc;
	bool all_model, model = side_is_model(sd, &all_model);

	line = xasprintf("'%s'", sd->text);
	if (s && c->nsides > 2) {
		char first[32];
		snprintf(first, sizeof(first), "cand %zu: ", s);
		wrap(out, first, "      ", line, false);
	} else {
		wrap(out, s ? "cand: " : "base: ", "      ", line, false);
	}
	free(line);
	line = xasprintf("runs %s (%zu), backend %s%s", ids, sd->nrows, be,
			 model ? (all_model ? " -- MODEL OUTPUT, not measured" :
				  " -- partly MODEL OUTPUT") : "");
	wrap(out, "      ", "        ", line, false);
	free(line);
	hosts = side_hosts(st, sd, &nh);
	for (size_t i = 0; i < nh && i < 3; i++)
		wrap(out, "      ", "        ", hosts[i], false);
	if (nh > 3)
		fprintf(out, "      ... and %zu more hosts\n", nh - 3);
	cmds = side_cmdlines(sd, &nc);
	for (size_t i = 0; i < nc && i < 3; i++)
		wrap(out, "      $ ", "          ", cmds[i], true);
	if (nc > 3)
		fprintf(out, "      ... and %zu more commands (--format json lists all)\n", nc - 3);
	free_strv(hosts, nh);
	free_strv(cmds, nc);
	free(ids);
	free(be);
}

/* Column widths: name, then base, ci, cand, ci, change, verdict, p. */
enum { W_NUM = 8, W_CI = 5, W_CHG = 8, W_VERD = 6, W_P = 6 };
#define W_FIXED (W_NUM + 1 + W_CI + 1 + W_NUM + 1 + W_CI + 1 + W_CHG + 1 + W_VERD + 1 + W_P)

static void text_row(FILE *out, int wname, const char *name, const char *b, const char *bci,
		     const char *cv, const char *cci, const char *chg, const char *verd,
		     const char *p)
{
	char line[256];
	size_t len;

	if ((int)strlen(name) > wname) {
		fprintf(out, "%s\n", name);
		name = "";
	}
	snprintf(line, sizeof(line), "%-*s %*s %*s %*s %*s %*s %-*s %*s", wname, name, W_NUM, b,
		 W_CI, bci, W_NUM, cv, W_CI, cci, W_CHG, chg, W_VERD, verd, W_P, p);
	len = strlen(line);
	while (len && line[len - 1] == ' ')
		line[--len] = 0;
	fprintf(out, "%s\n", line);
}

static int name_width(const struct cblock *bl)
{
	int w = 7;	/* "geomean" */
	for (size_t i = 0; i < bl->nrows; i++)
		w = MAX(w, (int)strlen(bl->rows[i].name));
	return MIN(w, TEXT_WIDTH - 1 - W_FIXED);
}

/* Differences every block of candidate `cand` shares: printed once, not per block. */
static void common_differs(const struct cmp *c, size_t cand, struct params *common)
{
	bool first = true;

	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		if (bl->cand != cand || !bl->nrows)	/* metric-less blocks print no differs */
			continue;
		if (first) {
			params_copy(common, &bl->differs);
			first = false;
			continue;
		}
		for (size_t i = 0; i < common->n;) {
			const char *v = params_get(&bl->differs, common->v[i].key);
			if (!v || strcmp(v, common->v[i].value))
				params_del(common, common->v[i].key);
			else
				i++;
		}
	}
}

static void text_differs(FILE *out, const struct params *d, const struct params *skip,
			 const char *first)
{
	char *line;
	size_t shown = 0;
	const char *cont = "            ";

	for (size_t i = 0; i < d->n; i++) {
		if (skip && params_has(skip, d->v[i].key))
			continue;
		line = xasprintf("%s: %s", d->v[i].key, d->v[i].value);
		wrap(out, shown++ ? "          " : first, cont, line, false);
		free(line);
	}
}

/* Say why a block is empty: runs without a successful repetition, and their reason. */
static void text_failed_runs(const struct cmp *c, const struct cblock *bl, FILE *out)
{
	const size_t sides[2] = { 0, bl->cand };

	for (size_t k = 0; k < 2; k++) {
		const struct cside *sd = &c->sides[sides[k]];
		for (size_t i = 0; i < bl->g->nidx[sides[k]]; i++) {
			const struct run_row *r = &sd->rows[bl->g->idx[sides[k]][i]];
			char *line;
			if (r->reps_done > 0)
				continue;
			line = xasprintf("run %lld (%s) %s, no successful repetition%s%s",
					 (long long)r->id, side_name(sides[k]), r->status,
					 r->reason && *r->reason ? ": " : "",
					 r->reason ? r->reason : "");
			wrap(out, "  ", "    ", line, false);
			free(line);
		}
	}
}

static void text_block(const struct cmp *c, const struct cblock *bl,
		       const struct params *common, FILE *out)
{
	const struct cgroup *g = bl->g;
	char *bids = fmt_ids(&c->sides[0], g->idx[0], g->nidx[0]);
	char *cids = fmt_ids(&c->sides[bl->cand], g->idx[bl->cand], g->nidx[bl->cand]);
	char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], *line;
	int wn = name_width(bl);
	bool uneven = false, few = false, noisy = false, noci = false;

	fputc('\n', out);
	wrap(out, "", "  ", g->title, false);
	line = xasprintf("runs %s vs %s, n = %zu+%zu", bids, cids, bl->nb, bl->nc);
	wrap(out, "  ", "    ", line, false);
	free(line);
	if (bl->nrows)
		text_differs(out, &bl->differs, common, "  differ: ");
	if (bl->only_base)
		wrap(out, "  only in base: ", "    ", bl->only_base, false);
	if (bl->only_cand)
		wrap(out, "  only in cand: ", "    ", bl->only_cand, false);
	if (!bl->nrows) {
		fprintf(out, "  no metric recorded on both sides\n");
		text_failed_runs(c, bl, out);
		free(bids);
		free(cids);
		return;
	}
	text_row(out, wn, "metric", "base", "+-", "cand", "+-", "change", "", "p");
	for (size_t i = 0; i < bl->nrows; i++) {
		const struct crow *r = &bl->rows[i];
		char chg[32], p[32];
		fmt_change(r->change, r->ratio, chg, sizeof(chg));
		if (!r->significant)
			snprintf(chg, sizeof(chg), "~");
		fmt_p(r->t.p, p, sizeof(p));
		if (r->few) {
			strcat(p, "?");
			few = true;
		} else if (r->b.n != bl->nb || r->c.n != bl->nc) {
			strcat(p, "#");
			uneven = true;
		} else {
			strcat(p, " ");
		}
		noisy |= r->b.noisy || r->c.noisy || r->b.outliers || r->c.outliers;
		noci |= isnan(r->b.ci_lo) || isnan(r->c.ci_lo);
		text_row(out, wn, r->name, fmt_num(r->b.median, r->unit, b1, sizeof(b1)),
			 fmt_ci(&r->b, b2, sizeof(b2)), fmt_num(r->c.median, r->unit, b3, sizeof(b3)),
			 fmt_ci(&r->c, b4, sizeof(b4)), chg, verdict(r), p);
	}
	if (bl->ngeo) {
		char chg[32];
		snprintf(b5, sizeof(b5), "(%zu)", bl->ngeo);
		text_row(out, wn, "geomean", b5, "", "", "",
			 fmt_change((bl->geo - 1) * 100.0, bl->geo, chg, sizeof(chg)),
			 geo_verdict(bl->geo), "");
	}
	if (few)
		fprintf(out, "? n too small: no p below %g is possible with these n\n",
			c->req->alpha);
	if (uneven)
		fprintf(out, "# fewer values than the runs' n (metric missing in some reps)\n");
	if (noisy)
		fprintf(out, "! noisy (robust CV > %.0f%%) or outliers (> 3 MADs)\n",
			STATS_NOISY_RCV * 100);
	if (noci)
		fprintf(out, "- n < 6: no 95%% CI of the median\n");
	(void)b6;
	free(bids);
	free(cids);
}

/* Runs of a side in a group no other side in the pair matches. */
static void text_unmatched(const struct cmp *c, FILE *out)
{
	bool header = false;

	for (size_t g = 0; g < c->ngroups; g++) {
		const struct cgroup *gr = &c->groups[g];
		for (size_t s = 0; s < c->nsides; s++) {
			char *ids, *line;
			bool miss = false;
			if (!gr->nidx[s])
				continue;
			if (s == 0) {
				for (size_t k = 1; k < c->nsides; k++)
					miss |= !gr->nidx[k];
			} else {
				miss = !gr->nidx[0];
			}
			if (!miss)
				continue;
			if (!header) {
				fprintf(out, "\nunmatched runs (nothing to compare them with):\n");
				header = true;
			}
			ids = fmt_ids(&c->sides[s], gr->idx[s], gr->nidx[s]);
			if (s == 0 && c->nsides > 2) {
				struct sbuf sb = SBUF_INIT;
				for (size_t k = 1; k < c->nsides; k++)
					if (!gr->nidx[k])
						sbuf_addf(&sb, "%s%zu", sb.len ? "," : "", k);
				line = xasprintf("base run %s: %s (no match in cand %s)", ids,
						 gr->title, sb.buf);
				sbuf_free(&sb);
			} else {
				line = s && c->nsides > 2 ?
				       xasprintf("cand %zu run %s: %s", s, ids, gr->title) :
				       xasprintf("%s run %s: %s", side_name(s), ids, gr->title);
			}
			wrap(out, "  ", "    ", line, false);
			free(line);
			free(ids);
		}
	}
}

static void render_text(struct store *st, const struct cmp *c, FILE *out)
{
	if (c->req->header) {
		fprintf(out, "tdxbench compare: median, +- 95%% CI of the median (in %% of it),\n"
			     "Mann-Whitney U two-sided, alpha %g; '~' = no significant change\n",
			c->req->alpha);
		for (size_t s = 0; s < c->nsides; s++)
			text_side_header(st, c, s, out);
		for (size_t i = 0; i < c->nwarnings; i++)
			wrap(out, "warning: ", "  ", c->warnings[i], false);
	}
	for (size_t s = 1; s < c->nsides; s++) {
		size_t n = 0, tested = 0, sig = 0;
		struct params common = PARAMS_INIT;
		double geo;
		if (c->nsides > 2)
			fprintf(out, "\n== cand %zu: '%s' vs base\n", s, c->sides[s].text);
		common_differs(c, s, &common);
		if (common.n) {
			fprintf(out, "\nparameters that differ in every block (base vs cand):\n");
			text_differs(out, &common, NULL, "  differ: ");
		}
		for (size_t b = 0; b < c->nblocks; b++) {
			if (c->blocks[b].cand != s)
				continue;
			text_block(c, &c->blocks[b], &common, out);
			for (size_t i = 0; i < c->blocks[b].nrows; i++) {
				tested++;
				sig += c->blocks[b].rows[i].significant;
			}
		}
		params_free(&common);
		geo = overall_geo(c, s, &n);
		fputc('\n', out);
		if (n) {
			char chg[32];
			fmt_change((geo - 1) * 100.0, geo, chg, sizeof(chg));
			fprintf(out, "overall geomean of %zu metric%s with a direction: %s%s%s\n", n,
				n == 1 ? "" : "s", chg, *geo_verdict(geo) ? " " : "", geo_verdict(geo));
		}
		if (tested)
			fprintf(out, "%zu of %zu rows significant at alpha %g (about %.1f expected "
				     "by chance)\n", sig, tested, c->req->alpha,
				(double)tested * c->req->alpha);
	}
	text_unmatched(c, out);
}

/* ---- markdown ---- */

static void md_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '`')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void render_markdown(struct store *st, const struct cmp *c, FILE *out)
{
	char b1[32], b2[32], b3[32];

	fprintf(out, "## tdxbench compare\n\n");
	fprintf(out, "Median with 95 %% CI of the median (order statistics); Mann-Whitney U "
		     "two-sided, alpha %g; `~` = no significant difference.\n", c->req->alpha);
	for (size_t s = 0; s < c->nsides && c->req->header; s++) {
		const struct cside *sd = &c->sides[s];
		char *ids = fmt_ids(sd, NULL, sd->nrows), *be = side_backends(sd);
		char **hosts, **cmds;
		size_t nh, nc;
		bool all, model = side_is_model(sd, &all);

		fprintf(out, "\n- **%s** `%s`: runs %s, backend %s%s\n", side_name(s), sd->text, ids,
			be, model ? " (**model output**, not measured)" : "");
		hosts = side_hosts(st, sd, &nh);
		for (size_t i = 0; i < nh; i++)
			fprintf(out, "  - %s\n", hosts[i]);
		cmds = side_cmdlines(sd, &nc);
		for (size_t i = 0; i < nc; i++)
			fprintf(out, "  - `%s`\n", cmds[i]);
		free_strv(hosts, nh);
		free_strv(cmds, nc);
		free(ids);
		free(be);
	}
	for (size_t i = 0; i < c->nwarnings; i++)
		fprintf(out, "\n> warning: %s\n", c->warnings[i]);
	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		fprintf(out, "\n### ");
		md_escape(out, bl->g->title);
		if (c->nsides > 2)
			fprintf(out, " (cand `%s`)", c->sides[bl->cand].text);
		fprintf(out, "\n\n");
		for (size_t i = 0; i < bl->differs.n; i++) {
			fprintf(out, "%s", i ? ", " : "Differ: ");
			md_escape(out, bl->differs.v[i].key);
			fprintf(out, " ");
			md_escape(out, bl->differs.v[i].value);
		}
		if (bl->differs.n)
			fprintf(out, "\n\n");
		if (!bl->nrows)
			continue;
		fprintf(out, "| metric | base | 95%% CI | cand | 95%% CI | change | p | n |\n");
		fprintf(out, "|---|---:|---|---:|---|---:|---:|---:|\n");
		for (size_t i = 0; i < bl->nrows; i++) {
			const struct crow *r = &bl->rows[i];
			char chg[32], p[32], lo[32], hi[32], clo[32], chi[32];
			fmt_change(r->change, r->ratio, chg, sizeof(chg));
			fprintf(out, "| ");
			md_escape(out, r->name);
			fprintf(out, " | %s%s | %s..%s | %s%s | %s..%s | %s%s%s | %s%s | %zu+%zu |\n",
				fmt_num(r->b.median, r->unit, b1, sizeof(b1)),
				r->b.noisy || r->b.outliers ? " !" : "",
				fmt_num(r->b.ci_lo, r->unit, lo, sizeof(lo)),
				fmt_num(r->b.ci_hi, r->unit, hi, sizeof(hi)),
				fmt_num(r->c.median, r->unit, b2, sizeof(b2)),
				r->c.noisy || r->c.outliers ? " !" : "",
				fmt_num(r->c.ci_lo, r->unit, clo, sizeof(clo)),
				fmt_num(r->c.ci_hi, r->unit, chi, sizeof(chi)),
				r->significant ? chg : "~", *verdict(r) ? " " : "", verdict(r),
				fmt_p(r->t.p, p, sizeof(p)), r->few ? " (n too small)" : "",
				r->b.n, r->c.n);
		}
		if (bl->ngeo)
			fprintf(out, "| geomean (%zu) | | | | | %s %s | | |\n", bl->ngeo,
				fmt_change((bl->geo - 1) * 100.0, bl->geo, b3, sizeof(b3)),
				geo_verdict(bl->geo));
	}
}

/* ---- csv ---- */

static void csv_field(FILE *out, const char *s, bool last)
{
	if (strpbrk(s, ",\"\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	fputc(last ? '\n' : ',', out);
}

static void csv_num(FILE *out, double v, bool last)
{
	char buf[40];
	if (isfinite(v))
		snprintf(buf, sizeof(buf), "%.17g", v);
	else
		buf[0] = 0;
	csv_field(out, buf, last);
}

static const char *const csv_cols[] = {
	"candidate", "workload", "params", "backend", "metric", "unit", "better",
	"base_n", "base_median", "base_ci_lo", "base_ci_hi", "base_noisy",
	"cand_n", "cand_median", "cand_ci_lo", "cand_ci_hi", "cand_noisy",
	"change_pct", "p", "significant", "verdict",
};
#define CSV_NCOLS ARRAY_SIZE(csv_cols)

static void render_csv(const struct cmp *c, FILE *out)
{
	for (size_t i = 0; i < CSV_NCOLS; i++)
		csv_field(out, csv_cols[i], i + 1 == CSV_NCOLS);
	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		char *kp = params_canonical(&bl->g->kp);
		for (size_t i = 0; i <= bl->nrows; i++) {
			const struct crow *r = i < bl->nrows ? &bl->rows[i] : NULL;
			char n1[24], n2[24];
			if (!r && !bl->ngeo)
				break;
			csv_field(out, c->sides[bl->cand].text, false);
			csv_field(out, bl->g->workload ? bl->g->workload : "", false);
			csv_field(out, kp, false);
			csv_field(out, bl->g->backend ? bl->g->backend : "", false);
			if (!r) {
				/* the geomean row: only the change is meaningful */
				csv_field(out, "geomean", false);
				for (size_t k = 0; k < 12; k++)
					csv_field(out, "", false);
				csv_num(out, (bl->geo - 1) * 100.0, false);
				csv_field(out, "", false);
				csv_field(out, "", false);
				csv_field(out, geo_verdict(bl->geo), true);
				break;
			}
			csv_field(out, r->name, false);
			csv_field(out, r->unit, false);
			csv_field(out, better_name(r->better), false);
			snprintf(n1, sizeof(n1), "%zu", r->b.n);
			snprintf(n2, sizeof(n2), "%zu", r->c.n);
			csv_field(out, n1, false);
			csv_num(out, r->b.median, false);
			csv_num(out, r->b.ci_lo, false);
			csv_num(out, r->b.ci_hi, false);
			csv_field(out, r->b.noisy || r->b.outliers ? "1" : "0", false);
			csv_field(out, n2, false);
			csv_num(out, r->c.median, false);
			csv_num(out, r->c.ci_lo, false);
			csv_num(out, r->c.ci_hi, false);
			csv_field(out, r->c.noisy || r->c.outliers ? "1" : "0", false);
			csv_num(out, r->change, false);
			csv_num(out, r->t.p, false);
			csv_field(out, r->significant ? "1" : "0", false);
			csv_field(out, verdict(r), true);
		}
		free(kp);
	}
}

/* ---- json ---- */

static struct json_object *jnum(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;	/* NULL -> null */
}

static struct json_object *jsummary(const struct summary *s)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "n", json_object_new_int64((int64_t)s->n));
	json_object_object_add(o, "median", jnum(s->median));
	json_object_object_add(o, "ci_lo", jnum(s->ci_lo));
	json_object_object_add(o, "ci_hi", jnum(s->ci_hi));
	json_object_object_add(o, "ci_level", jnum(s->ci_level));
	json_object_object_add(o, "mad", jnum(s->mad));
	json_object_object_add(o, "min", jnum(s->min));
	json_object_object_add(o, "max", jnum(s->max));
	json_object_object_add(o, "outliers", json_object_new_int64((int64_t)s->outliers));
	json_object_object_add(o, "noisy", json_object_new_boolean(s->noisy));
	return o;
}

static struct json_object *jids(const struct cside *sd, const size_t *idx, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int64(sd->rows[idx ? idx[i] : i].id));
	return a;
}

static struct json_object *jstrv(char **v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* Every distinct host's whole fingerprint, keyed by host id. */
static struct json_object *jfingerprints(struct store *st, const struct cside *sd)
{
	struct json_object *o = json_object_new_object();
	for (size_t r = 0; r < sd->nrows; r++) {
		char key[32], *json = NULL;
		snprintf(key, sizeof(key), "%lld", (long long)sd->rows[r].host_id);
		if (json_object_object_get_ex(o, key, NULL))
			continue;
		if (store_host_json(st, sd->rows[r].host_id, &json) == 0 && json)
			json_object_object_add(o, key, json_tokener_parse(json));
		free(json);
	}
	return o;
}

static void render_json(struct store *st, const struct cmp *c, FILE *out)
{
	struct json_object *root = json_object_new_object();
	struct json_object *sides = json_object_new_array(), *blocks = json_object_new_array();
	struct json_object *warn = json_object_new_array(), *unm = json_object_new_array();
	struct json_object *geos = json_object_new_array();

	json_object_object_add(root, "alpha", json_object_new_double(c->req->alpha));
	json_object_object_add(root, "confidence", json_object_new_double(CMP_LEVEL));
	json_object_object_add(root, "test", json_object_new_string("mann-whitney-u two-sided"));
	for (size_t s = 0; s < c->nsides; s++) {
		const struct cside *sd = &c->sides[s];
		struct json_object *o = json_object_new_object(), *reps = json_object_new_array();
		char **hosts, **cmds, *be = side_backends(sd);
		size_t nh, nc;
		bool all, model = side_is_model(sd, &all);

		json_object_object_add(o, "role", json_object_new_string(side_name(s)));
		json_object_object_add(o, "selector", json_object_new_string(sd->text));
		json_object_object_add(o, "runs", jids(sd, NULL, sd->nrows));
		json_object_object_add(o, "backends", json_object_new_string(be));
		json_object_object_add(o, "model_output", json_object_new_boolean(model));
		hosts = side_hosts(st, sd, &nh);
		cmds = side_cmdlines(sd, &nc);
		json_object_object_add(o, "hosts", jstrv(hosts, nh));
		json_object_object_add(o, "fingerprints", jfingerprints(st, sd));
		json_object_object_add(o, "commands", jstrv(cmds, nc));
		for (size_t r = 0; r < sd->nrows; r++)
			json_object_array_add(reps, json_object_new_string(sd->rows[r].reproduce ?
									   sd->rows[r].reproduce : ""));
		json_object_object_add(o, "reproduce", reps);
		json_object_array_add(sides, o);
		free_strv(hosts, nh);
		free_strv(cmds, nc);
		free(be);
	}
	json_object_object_add(root, "sides", sides);
	for (size_t i = 0; i < c->nwarnings; i++)
		json_object_array_add(warn, json_object_new_string(c->warnings[i]));
	json_object_object_add(root, "warnings", warn);

	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		struct json_object *o = json_object_new_object(), *kp = json_object_new_object();
		struct json_object *rows = json_object_new_array(), *dif = json_object_new_object();

		json_object_object_add(o, "candidate", json_object_new_int64((int64_t)bl->cand));
		json_object_object_add(o, "title", json_object_new_string(bl->g->title));
		json_object_object_add(o, "workload", bl->g->workload ?
				       json_object_new_string(bl->g->workload) : NULL);
		json_object_object_add(o, "backend", bl->g->backend ?
				       json_object_new_string(bl->g->backend) : NULL);
		for (size_t i = 0; i < bl->g->kp.n; i++)
			json_object_object_add(kp, bl->g->kp.v[i].key,
					       json_object_new_string(bl->g->kp.v[i].value));
		json_object_object_add(o, "params", kp);
		json_object_object_add(o, "base_runs", jids(&c->sides[0], bl->g->idx[0],
							    bl->g->nidx[0]));
		json_object_object_add(o, "cand_runs", jids(&c->sides[bl->cand], bl->g->idx[bl->cand],
							    bl->g->nidx[bl->cand]));
		for (size_t i = 0; i < bl->differs.n; i++)
			json_object_object_add(dif, bl->differs.v[i].key,
					       json_object_new_string(bl->differs.v[i].value));
		json_object_object_add(o, "differs", dif);
		json_object_object_add(o, "only_base", bl->only_base ?
				       json_object_new_string(bl->only_base) : NULL);
		json_object_object_add(o, "only_cand", bl->only_cand ?
				       json_object_new_string(bl->only_cand) : NULL);
		for (size_t i = 0; i < bl->nrows; i++) {
			const struct crow *r = &bl->rows[i];
			struct json_object *m = json_object_new_object();
			json_object_object_add(m, "metric", json_object_new_string(r->name));
			json_object_object_add(m, "unit", json_object_new_string(r->unit));
			json_object_object_add(m, "better", json_object_new_string(better_name(r->better)));
			json_object_object_add(m, "base", jsummary(&r->b));
			json_object_object_add(m, "cand", jsummary(&r->c));
			json_object_object_add(m, "change_pct", jnum(r->change));
			json_object_object_add(m, "u", jnum(r->t.u));
			json_object_object_add(m, "p", jnum(r->t.p));
			json_object_object_add(m, "exact", json_object_new_boolean(r->t.exact));
			json_object_object_add(m, "min_p", jnum(r->t.min_p));
			json_object_object_add(m, "significant", json_object_new_boolean(r->significant));
			json_object_object_add(m, "n_too_small", json_object_new_boolean(r->few));
			json_object_object_add(m, "verdict", json_object_new_string(verdict(r)));
			json_object_array_add(rows, m);
		}
		json_object_object_add(o, "metrics", rows);
		json_object_object_add(o, "geomean_ratio", jnum(bl->geo));
		json_object_object_add(o, "geomean_metrics", json_object_new_int64((int64_t)bl->ngeo));
		json_object_array_add(blocks, o);
	}
	json_object_object_add(root, "comparisons", blocks);
	for (size_t s = 1; s < c->nsides; s++) {
		size_t n;
		double g = overall_geo(c, s, &n);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "candidate", json_object_new_int64((int64_t)s));
		json_object_object_add(o, "ratio", jnum(g));
		json_object_object_add(o, "metrics", json_object_new_int64((int64_t)n));
		json_object_object_add(o, "verdict", json_object_new_string(geo_verdict(g)));
		json_object_array_add(geos, o);
	}
	json_object_object_add(root, "geomean", geos);
	for (size_t g = 0; g < c->ngroups; g++) {
		const struct cgroup *gr = &c->groups[g];
		for (size_t s = 0; s < c->nsides; s++) {
			bool miss = false;
			struct json_object *o;
			if (!gr->nidx[s])
				continue;
			for (size_t k = 0; k < c->nsides; k++)
				if (s == 0 ? k > 0 && !gr->nidx[k] : k == 0 && !gr->nidx[0])
					miss = true;
			if (!miss)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "side", json_object_new_int64((int64_t)s));
			json_object_object_add(o, "title", json_object_new_string(gr->title));
			json_object_object_add(o, "runs", jids(&c->sides[s], gr->idx[s], gr->nidx[s]));
			json_object_array_add(unm, o);
		}
	}
	json_object_object_add(root, "unmatched", unm);
	json_object_object_add(root, "regression", json_object_new_boolean(c->regression));
	json_print(out, root, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	json_object_put(root);
}

int compare_render(struct store *st, const struct compare_req *req, enum compare_format fmt,
		   FILE *out)
{
	struct cmp c;
	int ret;

	if (cmp_build(st, req, &c) < 0) {
		cmp_free(&c);
		return -1;
	}
	switch (fmt) {
	case CMP_TEXT:
		render_text(st, &c, out);
		break;
	case CMP_MARKDOWN:
		render_markdown(st, &c, out);
		break;
	case CMP_CSV:
		render_csv(&c, out);
		break;
	case CMP_JSON:
		render_json(st, &c, out);
		break;
	}
	ret = c.regression ? 1 : 0;
	cmp_free(&c);
	return ret;
}
