/* compare as json: the whole model, raw numbers. */
#include "report/compare_int.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

#include "lib/textsafe.h"
#include "lib/util.h"

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

/* Per-unit geomeans of a block: [{unit, ratio, metrics}]. */
static struct json_object *jgeos(const struct cblock *bl)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < bl->ngeos; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "unit", json_object_new_string(bl->geos[i].unit));
		json_object_object_add(o, "ratio", jnum(bl->geos[i].geo));
		json_object_object_add(o, "metrics", json_object_new_int64((int64_t)bl->geos[i].n));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *jparams(const struct params *p)
{
	struct json_object *o = json_object_new_object();
	for (size_t i = 0; i < p->n; i++)
		json_object_object_add(o, p->v[i].key, json_object_new_string(p->v[i].value));
	return o;
}

/* Runs left out for want of a successful repetition: [{side, id, status, reason}]. */
static struct json_object *jdead(const struct cmp *c)
{
	struct json_object *a = json_object_new_array();
	for (size_t s = 0; s < c->nsides; s++)
		for (size_t r = 0; r < c->sides[s].nrows; r++) {
			const struct run_row *row = &c->sides[s].rows[r];
			struct json_object *o;
			if (row->reps_done)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "side", json_object_new_int64((int64_t)s));
			json_object_object_add(o, "id", json_object_new_int64(row->id));
			json_object_object_add(o, "status", json_object_new_string(row->status));
			json_object_object_add(o, "reason", row->reason ?
					       json_object_new_string(row->reason) : NULL);
			json_object_array_add(a, o);
		}
	return a;
}

/* One side: its selector, runs, hosts and commands. */
static struct json_object *jside(struct store *st, const struct cmp *c, size_t s)
{
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
	free_strv(hosts, nh);
	free_strv(cmds, nc);
	free(be);
	return o;
}

/* One block: what was matched, what differs, every metric row. */
static struct json_object *jblock(const struct cmp *c, const struct cblock *bl)
{
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
		json_object_object_add(m, "identical", json_object_new_boolean(r->identical));
		json_object_object_add(m, "changed", json_object_new_boolean(r->changed));
		json_object_object_add(m, "worse", json_object_new_boolean(r->worse));
		json_object_object_add(m, "verdict", json_object_new_string(verdict(bl, r)));
		json_object_array_add(rows, m);
	}
	json_object_object_add(o, "metrics", rows);
	json_object_object_add(o, "geomeans", jgeos(bl));
	json_object_object_add(o, "confound", jparams(&bl->confound));
	return o;
}

void compare_json(struct store *st, const struct cmp *c, FILE *out)
{
	struct json_object *root = json_object_new_object();
	struct json_object *sides = json_object_new_array(), *blocks = json_object_new_array();
	struct json_object *warn = json_object_new_array(), *unm = json_object_new_array();
	struct json_object *geos = json_object_new_array();

	json_object_object_add(root, "alpha", json_object_new_double(c->req->alpha));
	json_object_object_add(root, "confidence", json_object_new_double(CMP_LEVEL));
	json_object_object_add(root, "test", json_object_new_string("mann-whitney-u two-sided"));
	for (size_t s = 0; s < c->nsides; s++)
		json_object_array_add(sides, jside(st, c, s));
	json_object_object_add(root, "sides", sides);
	for (size_t i = 0; i < c->nwarnings; i++)
		json_object_array_add(warn, json_object_new_string(c->warnings[i]));
	json_object_object_add(root, "warnings", warn);

	for (size_t b = 0; b < c->nblocks; b++)
		json_object_array_add(blocks, jblock(c, &c->blocks[b]));
	json_object_object_add(root, "comparisons", blocks);
	for (size_t s = 1; s < c->nsides && (!c->confounded || c->req->overall); s++) {
		const char *units[16];
		size_t nu = geo_units(c, s, units, ARRAY_SIZE(units));
		for (size_t u = 0; u < nu; u++) {
			size_t n;
			double g = overall_geo(c, s, units[u], &n);
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "candidate", json_object_new_int64((int64_t)s));
			json_object_object_add(o, "unit", json_object_new_string(units[u]));
			json_object_object_add(o, "ratio", jnum(g));
			json_object_object_add(o, "metrics", json_object_new_int64((int64_t)n));
			json_object_array_add(geos, o);
		}
	}
	json_object_object_add(root, "confounded", json_object_new_boolean(c->confounded));
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
	json_object_object_add(root, "failed_runs", jdead(c));
	json_object_object_add(root, "regression", json_object_new_boolean(c->regression));
	json_print(out, root, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	json_object_put(root);
}
