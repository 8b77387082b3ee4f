/* Sharding a plan: see shard.h. */
#include "core/shard.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shard_parse(const char *text, struct shard *sh, char *err, size_t errlen)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	char kbuf[32];
	uint64_t k, n;

	if (!slash || (size_t)(slash - text) >= sizeof(kbuf))
		goto bad;
	memcpy(kbuf, text, (size_t)(slash - text));
	kbuf[slash - text] = 0;
	if (parse_u64(kbuf, &k) || parse_u64(slash + 1, &n))
		goto bad;
	if (n < 1 || n > SHARD_MAX || k < 1 || k > n)
		goto bad;
	sh->k = (unsigned)k;
	sh->n = (unsigned)n;
	return 0;
bad:
	snprintf(err, errlen, "--shard '%s': want K/N with 1 <= K <= N <= %d (e.g. 2/4)",
		 text ? text : "", SHARD_MAX);
	return -1;
}

static uint64_t phase_units(const struct tdxb_workload *w, const struct tdxb_phase *ph)
{
	uint64_t unit = ph->unit ? ph->unit : 4 * KiB, n = ph->len / unit;
	uint64_t repeat = ph->repeat ? ph->repeat : 1;

	switch (ph->kind) {
	case TDXB_PH_FAULT:
	case TDXB_PH_REWRITE:
		if (ph->permille && ph->permille < 1000)
			n = n * ph->permille / 1000;
		/* a fault in a 2M region other than the last one's costs about 3x a
		 * sequential one (default suite on the model: random4k 1.53 s vs
		 * boot 0.53 s for the same 2G of 4K faults, 2026-11) */
		return n * repeat * (ph->order == TDXB_ORD_RANDOM ? 3 : 1);
	case TDXB_PH_CONVERT:
		if (ph->per_region)
			n = ph->len / (2 * MiB) * ph->per_region;
		return n * repeat * (ph->flags & TDXB_CONV_ROUNDTRIP ? 2 : 1);
	case TDXB_PH_TEARDOWN:
		/* the model and KVM walk it per 2 MiB region */
		return w->mem_bytes / (2 * MiB);
	default:
		return 0;
	}
}

/*
 * How much more a unit costs on the model's host layouts than on a fresh
 * host (boot, 4G, 4 vCPUs, dpamt-v6, on the 2-core dev VM, 2026-12: fresh
 * 0.09 s, fragmented 0.19 s, sparse 1.08 s): a sparse host has 512 frames
 * of model host behind every page the TD uses.
 */
static uint64_t layout_factor(const struct plan_item *it)
{
	const char *layout = strcmp(it->be->name, "sim") ? NULL : params_get(&it->params, "host_layout");

	if (layout && !strcmp(layout, "sparse"))
		return 12;
	if (layout && !strcmp(layout, "fragmented"))
		return 2;
	return 1;
}

uint64_t shard_item_cost(const struct plan_item *it)
{
	struct params p = PARAMS_INIT;
	struct tdxb_workload w;
	char err[256];
	uint64_t units = 0, reps = (uint64_t)it->reps + (uint64_t)it->warmup;

	/* the runner's resolution minus the backend's knobs: enough to build */
	params_copy(&p, &it->params);
	opt_fill_defaults(it->wl->params, &p);
	opt_fill_defaults(workload_common_opts, &p);
	params_setf(&p, "seed", "%llu", (unsigned long long)it->seed);
	memset(&w, 0, sizeof(w));
	if (!it->wl->build(&p, &w, err, sizeof(err))) {
		for (uint32_t i = 0; i < w.nphases && i < TDXB_MAX_PHASES; i++)
			units += phase_units(&w, &w.phases[i]);
		units *= (w.tds ? w.tds : 1) * layout_factor(it);
	}
	params_free(&p);
	return reps * (1 + units);
}

/* What makes two instances one comparison: everything but the strategy. */
static char *group_key(const struct plan_item *it)
{
	char *canon = params_canonical(&it->params);
	char *key = xasprintf("%s\n%s\n%s\n%s\n%s\n%llu\n%d\n%d", it->job, it->be->name,
			      it->wl->name, it->label ? it->label : "", canon,
			      (unsigned long long)it->seed, it->reps, it->warmup);
	free(canon);
	return key;
}

struct group {
	size_t first;		/* plan index of its first instance: the tie-break */
	uint64_t cost;
	unsigned piece;
};

static int by_cost_desc(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

void plan_shard(struct plan *pl, const struct shard *sh, struct shard_info *info)
{
	size_t n = pl->n, ng = 0, kept = 0;
	size_t *gid = xcalloc(n + 1, sizeof(*gid));
	char **keys = xcalloc(n + 1, sizeof(*keys));
	struct group *g = xcalloc(n + 1, sizeof(*g));
	uint64_t *load = xcalloc(sh->n, sizeof(*load));
	unsigned *piece_of = xcalloc(n + 1, sizeof(*piece_of));

	memset(info, 0, sizeof(*info));
	info->items_total = n;
	/* groups in order of first appearance */
	for (size_t i = 0; i < n; i++) {
		char *key = group_key(&pl->items[i]);
		size_t k;
		uint64_t cost = shard_item_cost(&pl->items[i]);
		for (k = 0; k < ng; k++)
			if (!strcmp(keys[k], key))
				break;
		if (k == ng) {
			keys[ng] = key;
			g[ng].first = i;
			ng++;
		} else {
			free(key);
		}
		gid[i] = k;
		g[k].cost += cost;
		info->cost_total += cost;
	}
	info->groups_total = ng;
	/* largest first, each to the least loaded piece: LPT, within 4/3 of the best split */
	{
		struct group *order = xcalloc(ng + 1, sizeof(*order));
		memcpy(order, g, ng * sizeof(*g));
		qsort(order, ng, sizeof(*order), by_cost_desc);
		for (size_t i = 0; i < ng; i++) {
			unsigned best = 0;
			for (unsigned p = 1; p < sh->n; p++)
				if (load[p] < load[best])
					best = p;
			load[best] += order[i].cost;
			piece_of[gid[order[i].first]] = best + 1;
		}
		free(order);
	}
	for (size_t k = 0; k < ng; k++)
		if (piece_of[k] == sh->k) {
			info->groups++;
			info->cost += g[k].cost;
		}
	for (size_t i = 0; i < n; i++) {
		if (piece_of[gid[i]] == sh->k)
			pl->items[kept++] = pl->items[i];
		else
			plan_item_free(&pl->items[i]);
	}
	pl->n = kept;
	info->items = kept;
	for (size_t k = 0; k < ng; k++)
		free(keys[k]);
	free(keys);
	free(gid);
	free(g);
	free(load);
	free(piece_of);
}
