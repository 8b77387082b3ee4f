/*
 * The comparison model: select the runs of each side, group them on
 * workload + backend + workload parameters (less whatever the selectors
 * themselves set apart), summarise every shared metric and test the
 * difference. The model (struct cmp) is built once and the four renderers
 * (src/report/compare_*.c) only read it, so every format says the same
 * thing. Statistics: src/lib/stats.c, docs/statistics.md.
 */
#include "core/compare.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/metrics.h"
#include "core/select.h"
#include "lib/stats.h"
#include "lib/util.h"
#include "workloads/workload.h"
#include "store/store.h"


/* ---- the model ---- */

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

const char *side_name(size_t s)
{
	return s ? "cand" : "base";
}

/* The value a selector gives a key ("" when it says nothing about it). */
static const char *sel_value(const struct selector *s, const char *key)
{
	/* the run columns a selector names are in fields, the rest are parameters */
	const char *v = params_get(&s->fields, key);

	if (!v)
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
					      "status", "kernel", "host", "job" };
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

			/*
			 * A run with no successful repetition has nothing to compare,
			 * and may not even carry its resolved parameters: the
			 * renderers list it apart instead of matching it.
			 */
			if (!row->reps_done)
				continue;

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

/* The glossary's display order (metric_order), then the name. */
static int name_cmp(const void *pa, const void *pb)
{
	return metric_cmp(*(const char *const *)pa, *(const char *const *)pb);
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

/*
 * Knobs that set the conditions of an experiment, not a design: a strategy
 * comparison whose sides differ in one of them measures that knob too
 * (huge pages, the guest_memfd folio size, the host, the assumed costs).
 */
static bool condition_key(const char *key)
{
	static const char *const exact_keys[] = { "huge", "gmem_folio", "ept_levels" };
	static const char *const prefixes[] = { "host_", "cost_", "pcp_" };
	for (size_t i = 0; i < ARRAY_SIZE(exact_keys); i++)
		if (!strcmp(key, exact_keys[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(key, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * Does a difference in key confound the comparison? Not when the selectors
 * ask for it by name; a strategy explains its own design knobs, not the
 * conditions; anything else differing is a second variable.
 */
static bool confounds(const struct cmp *c, const char *key)
{
	if (params_has(&c->named, key))
		return false;
	if (params_has(&c->named, "strategy"))
		return condition_key(key);
	return true;
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
		if (strcmp(bv, cv)) {
			params_setf(&bl->differs, keys.v[i].key, "%s vs %s", bv, cv);
			if (confounds(c, keys.v[i].key)) {
				params_setf(&bl->confound, keys.v[i].key, "%s vs %s", bv, cv);
				c->confounded = true;
			}
		}
		free(bv);
		free(cv);
	}
	params_free(&keys);
}

/*
 * n < 6 has no 95 % order-statistic CI of the median: give [min, max] and
 * its real coverage, 1 - 2^(1-n) (93.8 % at n = 5), from n = 3 on.
 */
static void small_n_ci(struct summary *s)
{
	if (!isnan(s->ci_lo) || s->n < 3)
		return;
	s->ci_lo = s->min;
	s->ci_hi = s->max;
	s->ci_level = 1.0 - ldexp(1.0, 1 - (int)s->n);
}

static void classify_row(struct cmp *c, struct crow *row)
{
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
	row->few = !row->identical && row->t.min_p >= c->req->alpha;
	row->significant = !row->identical && !isnan(row->t.p) && row->t.p < c->req->alpha;
	row->changed = row->significant ||
		       (row->identical && row->b.median != row->c.median);
	if (row->changed && row->change != 0 && !isnan(row->change)) {
		bool up = row->change > 0;
		if (row->better == BETTER_LOWER) {
			row->worse = up;
			row->improved = !up;
		} else if (row->better == BETTER_HIGHER) {
			row->worse = !up;
			row->improved = up;
		}
	}
	/* an exact (identical-reps) difference is as real as a significant one */
	if (row->worse && c->req->fail_if_worse_pct >= 0 &&
	    fabs(row->change) > c->req->fail_if_worse_pct)
		c->regression = true;
}

/* Geomean over metrics with a direction, as cost ratios (< 1 = better), per unit. */
static void add_geo(struct cblock *bl, const struct crow *row)
{
	double r;
	size_t i;

	if (row->better == BETTER_NONE || !(row->b.median > 0) || !(row->c.median > 0))
		return;
	r = row->c.median / row->b.median;
	for (i = 0; i < bl->ngeos && strcmp(bl->geos[i].unit, row->unit); i++)
		;
	if (i == bl->ngeos) {
		bl->geos = xrealloc(bl->geos, (bl->ngeos + 1) * sizeof(*bl->geos));
		bl->geos[bl->ngeos++] = (struct cgeo){ row->unit, 0, 0 };
	}
	bl->geos[i].geo += log(row->better == BETTER_HIGHER ? 1.0 / r : r);	/* log sum */
	bl->geos[i].n++;
}

static int build_block(struct store *st, struct cmp *c, struct cgroup *g, size_t cand)
{
	const struct cside *bs = &c->sides[0], *cs = &c->sides[cand];
	struct cblock *bl;
	char **bn, **cn;
	size_t nbn, ncn;
	struct sbuf ob = SBUF_INIT, oc = SBUF_INIT;

	GROW(c->blocks, c->capblocks, c->nblocks + 1);
	bl = &c->blocks[c->nblocks++];
	memset(bl, 0, sizeof(*bl));
	bl->cand = cand;
	bl->g = g;
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
		small_n_ci(&row->b);
		small_n_ci(&row->c);
		row->identical = nb > 1 && nc > 1 && row->b.min == row->b.max && row->c.min == row->c.max;
		if (row->identical) {
			memset(&row->t, 0, sizeof(row->t));
			row->t.p = row->t.min_p = NAN;
		} else {
			stats_mann_whitney(bv, nb, cv, nc, &row->t);
		}
		bl->nb = MAX(bl->nb, nb);
		bl->nc = MAX(bl->nc, nc);
		free(bv);
		free(cv);
		classify_row(c, row);
		add_geo(bl, row);
	}
	for (size_t i = 0; i < ncn; i++)
		if (metric_wanted(c, cn[i]) && !side_has_metric(bs, g, 0, cn[i], NULL))
			sbuf_addf(&oc, "%s%s", oc.len ? ", " : "", cn[i]);
	for (size_t i = 0; i < bl->ngeos; i++)
		bl->geos[i].geo = exp(bl->geos[i].geo / (double)bl->geos[i].n);
	bl->only_base = ob.len ? sbuf_detach(&ob) : NULL;
	bl->only_cand = oc.len ? sbuf_detach(&oc) : NULL;
	sbuf_free(&ob);
	sbuf_free(&oc);
	free(bn);
	free(cn);
	(void)join_names;
	return 0;
}

double overall_geo(const struct cmp *c, size_t cand, const char *unit, size_t *n)
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
			if (r->better == BETTER_NONE || !(r->b.median > 0) || !(r->c.median > 0) ||
			    strcmp(r->unit, unit))
				continue;
			x = r->c.median / r->b.median;
			logsum += log(r->better == BETTER_HIGHER ? 1.0 / x : x);
			(*n)++;
		}
	}
	return *n ? exp(logsum / (double)*n) : NAN;
}

size_t geo_units(const struct cmp *c, size_t cand, const char **units, size_t max)
{
	size_t n = 0;
	for (size_t b = 0; b < c->nblocks; b++) {
		if (c->blocks[b].cand != cand)
			continue;
		for (size_t i = 0; i < c->blocks[b].ngeos; i++) {
			size_t k;
			for (k = 0; k < n && strcmp(units[k], c->blocks[b].geos[i].unit); k++)
				;
			if (k == n && n < max)
				units[n++] = c->blocks[b].geos[i].unit;
		}
	}
	return n;
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

/* Every leaf of a JSON object as "a.b.c" -> text. */
static void flatten(struct json_object *o, const char *prefix, struct params *out)
{
	json_object_object_foreach(o, k, v) {
		char *path = *prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
		if (v && json_object_is_type(v, json_type_object))
			flatten(v, path, out);
		else if (v && !json_object_is_type(v, json_type_array))
			params_set(out, path, json_object_get_string(v));
		free(path);
	}
}

static int host_params(struct store *st, int64_t host_id, struct params *out)
{
	char *json = NULL;
	struct json_object *o;
	if (store_host_json(st, host_id, &json) || !json) {
		free(json);
		return -1;
	}
	o = json_tokener_parse(json);
	free(json);
	if (!o)
		return -1;
	flatten(o, "", out);
	json_object_put(o);
	return 0;
}

/* What differs between two stored hosts ("kernel.release 6.1 vs 6.2, ..."), or NULL. */
static char *host_diff(struct store *st, int64_t a, int64_t b)
{
	/* what changes between two boots of one machine, or between machines */
	static const char *const volatile_keys[] = { "collected", "uptime", "loadavg",
						     "available", "kernel_log" };
	struct params pa = PARAMS_INIT, pb = PARAMS_INIT;
	struct sbuf sb = SBUF_INIT;
	size_t shown = 0, more = 0;

	if (a == b || host_params(st, a, &pa) || host_params(st, b, &pb)) {
		params_free(&pa);
		params_free(&pb);
		return NULL;
	}
	params_sort(&pa);
	for (size_t i = 0; i < pa.n; i++) {
		const char *k = pa.v[i].key, *vb = params_get(&pb, k);
		bool skip = false;
		for (size_t v = 0; v < ARRAY_SIZE(volatile_keys); v++)
			skip |= strstr(k, volatile_keys[v]) != NULL;
		if (skip || (vb && !strcmp(vb, pa.v[i].value)))
			continue;
		if (shown == 4) {
			more++;
			continue;
		}
		if (!vb || strlen(pa.v[i].value) + strlen(vb) > 40)
			sbuf_addf(&sb, "%s%s", shown ? ", " : "", k);
		else
			sbuf_addf(&sb, "%s%s %s vs %s", shown ? ", " : "", k, pa.v[i].value, vb);
		shown++;
	}
	for (size_t i = 0; i < pb.n; i++)
		if (!params_has(&pa, pb.v[i].key))
			more++;
	if (more)
		sbuf_addf(&sb, "%s%zu more", shown ? ", and " : "", more);
	params_free(&pa);
	params_free(&pb);
	return sb.len ? sbuf_detach(&sb) : (sbuf_free(&sb), NULL);
}

static void warn_hosts(struct store *st, struct cmp *c, int64_t a, int64_t b)
{
	char *diff = host_diff(st, a, b);
	add_warning(c, xasprintf("comparing across hosts: host %lld (base) vs %lld (cand)%s%s",
				 (long long)a, (long long)b, diff ? ", which differ in " : "",
				 diff ? diff : ""));
	free(diff);
}

static void check_hosts_and_backends(struct store *st, struct cmp *c)
{
	/*
	 * asking for a kernel or host by name makes the host difference the
	 * point; so does a label, which `run --label` attaches to the host
	 */
	bool kernel_named = params_has(&c->mentioned, "kernel") ||
			    params_has(&c->mentioned, "host") || params_has(&c->named, "label");

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
					warn_hosts(st, c, br->host_id, cr->host_id);
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

void cmp_free(struct cmp *c)
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
		free(c->blocks[b].geos);
		params_free(&c->blocks[b].differs);
		params_free(&c->blocks[b].confound);
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

int cmp_build(struct store *st, const struct compare_req *req, struct cmp *c)
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
	check_hosts_and_backends(st, c);
	return 0;
}

