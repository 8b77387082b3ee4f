/*
 * One validation path for a plan, the same for `run --dry-run` and `run`,
 * before anything is stored: every instance is resolved exactly as the
 * runner resolves it, every key checked against its descriptor (type, range,
 * choices: the user's values and the preset's alike), the workload built
 * (sizes, multiples, limits between keys) and the backend's input checks run.
 * Nothing here touches the host, the store or a device.
 */
#include "core/plan.h"
#include "core/runner.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors printed before the rest are only counted: one bad key can fail 100000 instances. */
#define MAX_PRINTED 10

int plan_item_resolve(const struct plan_item *it, struct params *out, char *err, size_t errlen)
{
	const struct backend_ops *be = it->be;

	params_free(out);
	params_copy(out, &it->params);
	if (be->resolve && be->resolve(it->strategy, out, err, errlen))
		return -1;
	/* the workload's own defaults first: it may override a common one (multi-td: tds=4) */
	opt_fill_defaults(it->wl->params, out);
	opt_fill_defaults(workload_common_opts, out);
	params_sort(out);
	return 0;
}

static const struct opt_desc *item_key(const struct plan_item *it, const char *key)
{
	const struct opt_desc *d = opt_find(it->wl->params, key);
	if (!d)
		d = opt_find(workload_common_opts, key);
	if (!d)
		d = opt_find(it->be->knobs, key);
	return d;
}

/* How an instance failed: its input, or only the backend's check of the knob mix. */
enum { ITEM_OK = 0, ITEM_BAD = -1, ITEM_UNFIT = -2 };

static int validate_item(const struct plan_item *it, char *err, size_t errlen)
{
	struct params p = PARAMS_INIT;
	struct run_spec spec = { 0 };
	int ret = ITEM_BAD;

	if (plan_item_resolve(it, &p, err, errlen))
		goto out;
	for (size_t k = 0; k < p.n; k++) {
		const struct opt_desc *d = item_key(it, p.v[k].key);
		if (d && opt_validate(d, p.v[k].value, err, errlen))
			goto out;
	}
	spec.strategy = it->strategy;
	spec.wl = it->wl;
	spec.params = &p;
	spec.seed = runner_rep_seed(it->seed, 0);
	params_setf(&p, "seed", "%llu", (unsigned long long)spec.seed);
	if (it->wl->build(&p, &spec.work, err, errlen)) {
		char *m = xasprintf("workload '%s': %s", it->wl->name, err);
		snprintf(err, errlen, "%s", m);
		free(m);
		goto out;
	}
	if (it->be->validate && it->be->validate(&spec, err, errlen)) {
		ret = ITEM_UNFIT;
		goto out;
	}
	ret = ITEM_OK;
out:
	params_free(&p);
	return ret;
}

int plan_validate(const struct plan *pl, volatile sig_atomic_t *stop)
{
	size_t bad = 0;
	char err[1024];

	for (size_t i = 0; i < pl->n; i++) {
		const struct plan_item *it = &pl->items[i];
		if (stop && *stop) {
			error("interrupted while checking the plan (%zu of %zu instances)", i, pl->n);
			return -1;
		}
		err[0] = 0;
		if (validate_item(it, err, sizeof(err)) == ITEM_OK)
			continue;
		if (bad++ < MAX_PRINTED) {
			char *d = plan_item_describe(it);
			error("%s: instance %zu (%s): %s", it->where, i + 1, d, err);
			free(d);
		}
	}
	if (bad > MAX_PRINTED)
		error("... and %zu more instances with errors", bad - MAX_PRINTED);
	return bad ? -1 : 0;
}

static bool same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/*
 * `run --strategy a,b FILE.ini` puts every strategy into every job, also into
 * a job whose conditions a strategy cannot take (the default suite's huge-page
 * block and a preset without a split cache). Leave those instances out, one
 * line per job and strategy, when the same job has instances that do fit;
 * anything else is for plan_validate() to refuse.
 */
int plan_drop_unfit(struct plan *pl)
{
	size_t n = pl->n, keep = 0;
	bool all_fit = true;
	bool *drop = xcalloc(n ? n : 1, sizeof(*drop));
	bool *fits = xcalloc(n ? n : 1, sizeof(*fits));
	char **why = xcalloc(n ? n : 1, sizeof(*why));
	char err[1024];

	for (size_t i = 0; i < n; i++) {
		err[0] = 0;
		int r = validate_item(&pl->items[i], err, sizeof(err));
		fits[i] = r == ITEM_OK;
		if (r == ITEM_UNFIT)
			why[i] = xstrdup(err);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; why[i] && k < n && !drop[i]; k++)
			drop[i] = fits[k] && !strcmp(pl->items[k].job, pl->items[i].job);

	/* say it once per job and strategy, before anything moves */
	for (size_t i = 0; i < n; i++) {
		const struct plan_item *it = &pl->items[i];
		size_t same = 0;
		bool first = true;
		if (!drop[i])
			continue;
		for (size_t k = 0; k < n; k++) {
			if (!drop[k] || strcmp(pl->items[k].job, it->job) ||
			    !same_str(pl->items[k].strategy, it->strategy))
				continue;
			first &= k >= i;
			same++;
		}
		if (first)
			fprintf(stderr, "tdxbench: %s: leaving out job '%s' with strategy %s "
				"(%zu instance%s): %s\n", it->where, it->job,
				it->strategy ? it->strategy : "(default)", same, same == 1 ? "" : "s",
				why[i]);
	}
	for (size_t i = 0; i < n; i++) {
		struct plan_item *it = &pl->items[i];
		if (drop[i]) {
			plan_item_free(it);
			continue;
		}
		all_fit &= fits[i];
		if (keep != i)
			pl->items[keep] = *it;
		keep++;
	}
	for (size_t i = 0; i < n; i++)
		free(why[i]);
	free(why);
	free(fits);
	free(drop);
	pl->n = keep;
	return all_fit ? 0 : -1;
}

int plan_probe_backends(const struct plan *pl)
{
	char why[512];
	int bad = 0;

	for (size_t i = 0; i < pl->n; i++) {
		const struct backend_ops *be = pl->items[i].be;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = pl->items[k].be == be;
		if (seen || !be->probe)
			continue;
		why[0] = 0;
		if (be->probe(why, sizeof(why))) {
			error("%s", why[0] ? why : be->name);
			bad = -1;
		}
	}
	return bad;
}
