/*
 * The capacity study (capacity.h): which model runs answer the question, and
 * what their numbers say at full size.
 *
 * Extrapolation. The question's host shape (TDs x vCPUs, so the concurrency
 * on pamt_lock and the number of per-vCPU caches) is kept; only the memory
 * per TD shrinks, to a ladder m0, 2 m0, 4 m0, 8 m0. Per metric, two models
 * are tried on the ladder: a straight line a + b*mem, and "saturated" (the
 * largest rung's value: per-vCPU caches, per-TD pages). Each predicts the
 * largest rung from the smaller ones; the better one is used, and its
 * hold-out error is printed. The full-size run, where asked for (--full),
 * measures the real error.
 */
#include "core/capacity.h"
#include "core/capjob.h"
#include "backend/backend.h"
#include "lib/fmt.h"
#include "lib/opts.h"
#include "lib/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct cap_metric_desc cap_metrics[CM_N] = {
	[CM_STATIC] = { "static_pamt_bytes", "static PAMT", "bytes", false },
	[CM_REFCOUNT] = { "pamt_refcount_bytes", "refcounts", "bytes", false },
	[CM_DPAMT] = { "dpamt_bytes_peak", "DPAMT peak", "bytes", false },
	[CM_SPEC] = { "spec_pairs_peak", "spec. pairs", "pairs", false },
	[CM_CACHE] = { "cache_pages_idle_peak", "idle cache", "pages", false },
	[CM_PAMT_ADD] = { "pamt_add", "PAMT.ADD", "count", false },
	[CM_PLW] = { "pamt_lock_wait_ns", "pamt_lock wait", "ns", true },
	[CM_PLC] = { "pamt_lock_contended", "contended", "count", true },
	[CM_MLW] = { "mmu_lock_wait_ns", "mmu_lock wait", "ns", true },
	[CM_SLW] = { "split_lock_wait_ns", "split lock wait", "ns", true },
	[CM_VT] = { "virt_time_ns", "boot time", "ns", true },
	[CM_P99] = { "fault_ns_p99", "fault p99", "ns", true },
};

const char *const cap_layout_names[CAP_NLAYOUTS] = { "fresh", "fragmented", "sparse" };

/*
 * Costs varied for the sensitivity, and over what: the published ones over
 * their published range (PAMT.ADD/REMOVE: the mean of their distribution),
 * the rest (assumed) from half to twice the default.
 * Only costs on a boot's path are varied; conversion, split and creation
 * costs cannot move a boot (listed as skipped in the output).
 */
static const struct {
	const char *cost;
	uint64_t lo, hi;		/* 0: x0.5 .. x2 of the default */
	const char *src;
} sens_costs[] = {
	{ "cost_pamt_add", 2000, 18000, "published 2..18 us" },
	{ "cost_pamt_remove", 1000, 11000, "published 1..11 us" },
	{ "cost_aug", 0, 0, NULL },
	{ "cost_sept_add", 0, 0, NULL },
	{ "cost_reclaim", 0, 0, NULL },
	{ "cost_page_alloc", 0, 0, NULL },
	{ "cost_pcp_refill", 0, 0, NULL },
	{ "cost_page_free", 0, 0, NULL },
	{ "cost_pamt_reset", 0, 0, NULL },
	{ "cost_gmem_4k", 0, 0, NULL },
	{ "cost_gmem_2m", 0, 0, NULL },
	{ "cost_exit", 0, 0, NULL },
	{ "cost_fault_sw", 0, 0, NULL },
	{ "cost_accept_4k", 0, 0, NULL },
	{ "cost_lock_handoff", 0, 0, NULL },
	/* not costs, but assumed and on the lock's path: when TDs and vCPUs start */
	{ "td_start_spread", 0, 0, NULL },
	{ "vcpu_start_spread", 0, 0, NULL },
};
#define NSENS ARRAY_SIZE(sens_costs)
/* A cost whose high end moves no metric by this much is not run at its low end. */
#define SENS_MOVED 0.02

static double ratio(double x, double base)
{
	if (base == 0)
		return x == 0 ? 1 : (x > 0 ? INFINITY : 0);
	return x / base;
}

/* ---- requests ---------------------------------------------------------------- */

static char *shape(const struct cap_req *r, uint32_t tds, uint64_t mem, uint32_t vcpus,
		   enum cap_layout l, const char *extra)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_addf(&sb, "tds=%u,mem=%llu,vcpus=%u,host_layout=%s", tds, (unsigned long long)mem,
		  vcpus, cap_layout_names[l]);
	if (l == CAP_FRAGMENTED)
		sbuf_addf(&sb, ",host_occupancy=%g", r->occupancy);
	if (r->huge) {
		sbuf_addf(&sb, ",huge=%s", r->huge);
		/* huge pages off: 4K folios too, like for like */
		if (!strcmp(r->huge, "no"))
			sbuf_add(&sb, ",gmem_folio=4K");
	}
	if (r->set && *r->set)
		sbuf_addf(&sb, ",%s", r->set);
	if (extra && *extra)
		sbuf_addf(&sb, ",%s", extra);
	return sbuf_detach(&sb);
}

struct plan {
	struct cap_job *jobs;
	size_t n, cap;
};

static size_t add_job(struct plan *pl, const struct cap_req *r, const char *strategy, char *assign)
{
	grow_array((void **)&pl->jobs, &pl->cap, pl->n + 1, sizeof(*pl->jobs));
	memset(&pl->jobs[pl->n], 0, sizeof(pl->jobs[pl->n]));
	pl->jobs[pl->n].strategy = strategy;
	pl->jobs[pl->n].assign = assign;
	pl->jobs[pl->n].seed = r->seed;
	return pl->n++;
}

/* ---- analytical bounds --------------------------------------------------------- */

static uint64_t knob_u64(const struct params *p, const char *k, uint64_t def)
{
	uint64_t v = def;
	params_get_u64(p, k, def, &v, NULL, 0);
	return v;
}

/*
 * Idle cache pages can never exceed what the caches are filled to; and where
 * cached S-EPT pages are PAMT-backed at top-up (sept_pamt=topup), each may
 * sit alone in its 2M region, so each may hold a pair of its own: Sean
 * Christopherson's worst case of 40 per vCPU (KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE).
 * kai-sp's carried pairs grow with memory (one per 2M range): no bound.
 */
static void strategy_bound(const char *strategy, const struct cap_req *r, struct cap_bound *b)
{
	const struct backend_ops *be = backend_find("sim");
	struct params p = PARAMS_INIT;
	char err[256];
	char *a = shape(r, r->tds, r->mem, r->vcpus, CAP_FRESH, NULL);
	memset(b, 0, sizeof(*b));
	if (params_parse_assignments(&p, a, err, sizeof(err)) ||
	    be->resolve(strategy, &p, err, sizeof(err))) {
		free(a);
		params_free(&p);
		return;
	}
	free(a);
	{
		const char *pc = params_get(&p, "pamt_cache"), *sp = params_get(&p, "sept_pamt");
		const char *lp = params_get(&p, "leaf_pair"), *dp = params_get(&p, "dpamt");
		uint64_t spt = knob_u64(&p, "spt_cache_capacity", 40);
		uint64_t pairs = knob_u64(&p, "pamt_cache_pairs", 5);
		uint64_t pcap = knob_u64(&p, "pamt_cache_capacity", 0);
		uint64_t comb = knob_u64(&p, "combined_fill", 15);
		uint64_t split = knob_u64(&p, "split_cache_pages", 4);
		const char *sc = params_get(&p, "split_cache");
		bool dpamt = !dp || strcmp(dp, "no");
		if (!pcap)
			pcap = pairs;
		if (lp && !strcmp(lp, "sp") && dpamt) {
			b->carried = true;
			b->why = "none: carried pairs grow with memory (one per 2M range)";
		} else if (pc && !strcmp(pc, "combined")) {
			b->cache = true;
			b->cache_pages_per_vcpu = (double)comb;
			b->why = "combined list filled to combined_fill";
		} else {
			b->cache = true;
			b->cache_pages_per_vcpu = (double)spt + (dpamt && pc && strcmp(pc, "none") ?
								  2.0 * (double)pcap : 0);
			b->why = dpamt ? "spt cache capacity + 2 x pamt cache capacity" :
					 "spt cache capacity";
		}
		if (b->cache && sc && strcmp(sc, "none") && strcmp(sc, "sp"))
			b->cache_pages_per_td = (double)split;
		if (dpamt && sp && !strcmp(sp, "topup")) {
			b->spec = true;
			b->spec_pairs_per_vcpu = (double)spt;
		}
	}
	params_free(&p);
}

/* ---- fits ---------------------------------------------------------------------- */

static void fit_cell(struct cap_cell *c, double target_mem, double target_host)
{
	for (int m = 0; m < CM_N; m++) {
		double y[CAP_MAX_RUNGS];
		size_t n = c->nrungs;
		for (size_t i = 0; i < n; i++)
			y[i] = c->rung[i][m];
		if (m == CM_STATIC || m == CM_REFCOUNT) {
			/*
			 * A property of the host: per byte of the model's host, times
			 * the asked host; a refcount array that does not follow the
			 * host (max_pfn=maxpa or a size) is the same on every rung.
			 */
			c->linear[m] = false;
			c->holdout[m] = 0;
			if (m == CM_REFCOUNT && (n < 2 || y[0] == y[n - 1]))
				c->full[m] = y[n - 1];
			else
				c->full[m] = c->rung_host[n - 1] > 0 ?
					y[n - 1] / c->rung_host[n - 1] * target_host : 0;
			continue;
		}
		if (!c->extrapolated) {
			c->full[m] = y[n - 1];
			c->holdout[m] = 0;
			continue;
		}
		capfit_line(c->rung_mem, y, n, &c->fit[m]);
		{
			double e_lin = capfit_holdout_error(c->rung_mem, y, n);
			double e_sat = y[n - 1] == 0 ? (y[n - 2] == 0 ? 0 : 1) :
						       fabs(y[n - 2] - y[n - 1]) / fabs(y[n - 1]);
			c->linear[m] = !(e_sat <= e_lin) && c->fit[m].b != 0;
			c->holdout[m] = c->linear[m] ? e_lin : e_sat;
			c->full[m] = c->linear[m] ? fmax(0, capfit_at(&c->fit[m], target_mem)) : y[n - 1];
		}
	}
	/*
	 * No more pairs than 2M regions: the model's host at full size (its
	 * auto size is linear in the memory, so the rungs give it exactly).
	 * A fragmented host nears that bound as the TDs use up its free frames.
	 */
	c->dpamt_bound = INFINITY;
	if (c->extrapolated) {
		struct capfit_line h;
		if (!capfit_line(c->rung_mem, c->rung_host, c->nrungs, &h))
			c->dpamt_bound = capfit_at(&h, target_mem) / (2.0 * 1048576) * 8192;
		if (c->full[CM_DPAMT] > c->dpamt_bound) {
			c->full[CM_DPAMT] = c->dpamt_bound;
			c->dpamt_capped = true;
		}
	}
}

double cap_value(const struct cap_study *s, size_t i, enum cap_layout l, enum cap_metric m)
{
	const struct cap_cell *c = &s->st[i].cell[l];
	return c->ok ? c->full[m] : NAN;
}

double cap_total_bytes(const struct cap_study *s, size_t i, enum cap_layout l)
{
	const struct cap_cell *c = &s->st[i].cell[l];
	if (!c->ok)
		return NAN;
	return c->full[CM_STATIC] + c->full[CM_REFCOUNT] + c->full[CM_DPAMT] + c->full[CM_CACHE] * 4096.0;
}

/* ---- sensitivity ----------------------------------------------------------------- */

static void sens_ranges(struct cap_study *s, struct cap_strategy *st)
{
	const struct cap_cell *c = &st->cell[CAP_FRESH];
	double base_total = cap_total_bytes(s, (size_t)(st - s->st), CAP_FRESH);
	for (int m = 0; m < CM_N; m++) {
		st->range_lo[m] = st->range_hi[m] = c->full[m];
		st->range_cost_lo[m] = st->range_cost_hi[m] = NULL;
	}
	st->total_lo = st->total_hi = base_total;
	if (st->cache_unseen_pages > 0) {
		st->range_hi[CM_CACHE] += st->cache_unseen_pages;
		st->total_hi += st->cache_unseen_pages * 4096.0;
	}
	for (size_t k = 0; k < st->nsens; k++) {
		const struct cap_sens *v = &st->sens[k];
		if (!v->ok)
			continue;
		for (int side = 0; side < 2; side++) {
			const double *r = side ? v->ratio_hi : v->ratio_lo;
			double tot = c->full[CM_STATIC] + c->full[CM_REFCOUNT] +
				     c->full[CM_DPAMT] * r[CM_DPAMT] + c->full[CM_CACHE] * 4096.0 * r[CM_CACHE];
			for (int m = 0; m < CM_N; m++) {
				double x = c->full[m] * r[m];
				if (m == CM_STATIC || m == CM_REFCOUNT)
					continue;
				if (x < st->range_lo[m]) {
					st->range_lo[m] = x;
					st->range_cost_lo[m] = v->cost;
				}
				if (x > st->range_hi[m]) {
					st->range_hi[m] = x;
					st->range_cost_hi[m] = v->cost;
				}
			}
			st->total_lo = fmin(st->total_lo, tot);
			st->total_hi = fmax(st->total_hi, tot);
		}
	}
	/* an extrapolated value is no better than the fit's hold-out check */
	if (c->extrapolated) {
		for (int m = 0; m < CM_N; m++) {
			double e = c->holdout[m];
			if (m == CM_STATIC || m == CM_REFCOUNT || !isfinite(e))
				continue;
			e = fmin(e, 1);
			st->range_lo[m] = fmin(st->range_lo[m], c->full[m] * (1 - e));
			st->range_hi[m] = fmax(st->range_hi[m], c->full[m] * (1 + e));
		}
		{
			double e = fmin(1, fmax(isfinite(c->holdout[CM_DPAMT]) ? c->holdout[CM_DPAMT] : 0,
						isfinite(c->holdout[CM_CACHE]) ? c->holdout[CM_CACHE] : 0));
			double var = c->full[CM_DPAMT] + c->full[CM_CACHE] * 4096.0;
			st->total_lo = fmin(st->total_lo, base_total - var * e);
			st->total_hi = fmax(st->total_hi, base_total + var * e);
		}
	}
}

void cap_layout_range(const struct cap_study *s, size_t i, enum cap_layout l, double *lo, double *hi)
{
	const struct cap_cell *c = &s->st[i].cell[l];
	double tot = cap_total_bytes(s, i, l), e = 0, var;
	*lo = *hi = tot;
	if (!c->ok || !c->extrapolated)
		return;
	if (isfinite(c->holdout[CM_DPAMT]))
		e = c->holdout[CM_DPAMT];
	if (isfinite(c->holdout[CM_CACHE]))
		e = fmax(e, c->holdout[CM_CACHE]);
	e = fmin(e, 1);
	var = c->full[CM_DPAMT] + c->full[CM_CACHE] * 4096.0;
	*lo = tot - var * e;
	*hi = tot + var * e;
	if (*hi - tot > c->dpamt_bound - c->full[CM_DPAMT] + c->full[CM_CACHE] * 4096.0 * e)
		*hi = tot + (c->dpamt_bound - c->full[CM_DPAMT]) + c->full[CM_CACHE] * 4096.0 * e;
	*hi += s->st[i].cache_unseen_pages * 4096.0;
}


/* ---- knees ------------------------------------------------------------------------ */

static const char *metric_resource(enum cap_metric m)
{
	switch (m) {
	case CM_PLW: case CM_PLC: case CM_PAMT_ADD:
		return "the global pamt_lock";
	case CM_MLW:
		return "the per-TD mmu_lock";
	case CM_SLW:
		return "the per-VM split-cache lock";
	case CM_CACHE:
		return "the per-vCPU caches (idle pages)";
	case CM_SPEC:
		return "cached S-EPT pages holding pairs";
	case CM_DPAMT:
		return "2M regions with a DPAMT pair";
	default:
		return NULL;
	}
}

/* A time knee: the lock whose wait grows most faster after it than before. */
static const char *time_cause(const struct cap_sweep *w, size_t i, size_t k, const double *plw)
{
	const double *ys[3] = { plw, w->s[i].mlw, w->s[i].slw };
	static const enum cap_metric ms[3] = { CM_PLW, CM_MLW, CM_SLW };
	double best = 0;
	const char *cause = "no lock: the work per vCPU grows";
	size_t n = w->n;
	for (int j = 0; j < 3; j++) {
		double before = k > 0 ? (ys[j][k] - ys[j][0]) / (w->x[k] - w->x[0]) : 0;
		double after = (ys[j][n - 1] - ys[j][k]) / (w->x[n - 1] - w->x[k]);
		if (after - before > best) {
			best = after - before;
			cause = metric_resource(ms[j]);
		}
	}
	return cause;
}

/* ---- the study --------------------------------------------------------------------- */

static int check_req(const struct cap_req *r, char *err, size_t errlen)
{
	if (!r->tds || r->tds > 4096) {
		snprintf(err, errlen, "--tds %u: must be 1..4096", r->tds);
		return -1;
	}
	if (!r->vcpus || r->vcpus > 1024) {
		snprintf(err, errlen, "--vcpus %u: must be 1..1024", r->vcpus);
		return -1;
	}
	if (r->mem < 2 * MiB || r->mem % (2 * MiB)) {
		snprintf(err, errlen, "--mem %llu: must be a multiple of 2M", (unsigned long long)r->mem);
		return -1;
	}
	if (r->host_mem < 64 * MiB) {
		snprintf(err, errlen, "--host-mem: must be at least 64M");
		return -1;
	}
	if (r->nstrategies > CAP_MAX_STRATEGIES) {
		snprintf(err, errlen, "--strategy: at most %d strategies", CAP_MAX_STRATEGIES);
		return -1;
	}
	if (r->occupancy < 0 || r->occupancy > 0.95) {
		snprintf(err, errlen, "--occupancy %g: must be 0..0.95", r->occupancy);
		return -1;
	}
	return 0;
}

static void sweep_init(struct cap_sweep *w, const char *key, const char *what, enum cap_metric m1,
		       enum cap_metric m2, enum cap_metric m3)
{
	memset(w, 0, sizeof(*w));
	w->key = key;
	w->what = what;
	w->metric[0] = m1;
	w->metric[1] = m2;
	w->metric[2] = m3;
}

int cap_study_run(const struct cap_req *req, struct cap_study *out, char *err, size_t errlen)
{
	const struct backend_ops *be = backend_find("sim");
	const char *const *names = req->strategies;
	struct plan pl = { 0 };
	size_t nst = req->nstrategies;
	size_t (*cellj)[CAP_NLAYOUTS][CAP_MAX_RUNGS + 1];
	size_t (*sensj)[NSENS][2];
	size_t (*sweepj)[4][CAP_MAX_SWEEP];
	double m0, lad[CAP_NLAYOUTS][CAP_MAX_RUNGS];
	size_t nl[CAP_NLAYOUTS];
	uint64_t t0 = now_ns();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned workers;
	const char **kept = NULL;

	memset(out, 0, sizeof(*out));
	out->req = *req;
	if (!be) {
		snprintf(err, errlen, "capacity: the sim backend is not built in");
		return -1;
	}
	if (check_req(req, err, errlen))
		return -1;
	if (!names) {
		names = be->strategies;
		for (nst = 0; names[nst]; nst++)
			;
	}
	workers = req->jobs ? req->jobs : (unsigned)MAX(1, MIN(ncpu, 4));

	/*
	 * The ladder: the smallest rung gives each vCPU 2M and each TD 16M at
	 * least (on a sparse host, where every page costs a region of model
	 * host, an eighth of that); four rungs, each twice the one before. A
	 * rung's pairs move by a pcp batch (63) with the interleaving, so three
	 * small rungs let that noise set the slope: 2 TiB from 16..64M per TD
	 * put v4 and v6 0.35 GiB apart where the full-size runs agree to 0.1 %.
	 * When the asked memory is within the ladder it is simply run.
	 */
	m0 = (double)MAX(16 * MiB, (uint64_t)req->vcpus * 2 * MiB);
	for (int l = 0; l < CAP_NLAYOUTS; l++) {
		double start = l == CAP_SPARSE ? fmax(2.0 * MiB, m0 / 8) : m0;
		size_t max = CAP_RUNGS;
		nl[l] = 0;
		if ((double)req->mem <= start * (double)(1u << (max - 1))) {
			lad[l][nl[l]++] = (double)req->mem;
			continue;
		}
		for (size_t k = 0; k < max; k++)
			lad[l][nl[l]++] = start * (double)(1u << k);
	}
	out->m0 = m0;

	/*
	 * Unknown strategies and bad knobs (--set) fail here, once, before
	 * anything runs. With --huge, a preset that cannot run that way (v4, v6:
	 * no pair source for a split) is left out with its reason.
	 */
	kept = xcalloc(nst ? nst : 1, sizeof(*kept));
	{
		struct sbuf sb = SBUF_INIT;
		size_t n = 0;
		for (size_t i = 0; i < nst; i++) {
			struct cap_job probe = { .strategy = names[i], .seed = req->seed };
			int bad;
			probe.assign = shape(req, req->tds, (uint64_t)m0, req->vcpus, CAP_FRESH, NULL);
			bad = cap_job_check(&probe, err, errlen);
			free(probe.assign);
			if (bad && !req->huge) {
				char *m = xasprintf("capacity: %s: %s", names[i], err);
				snprintf(err, errlen, "%s", m);
				free(m);
				free(kept);
				sbuf_free(&sb);
				return -1;
			}
			if (bad)
				sbuf_addf(&sb, "%s%s: %s", sb.len ? "\n" : "", names[i], err);
			else
				kept[n++] = names[i];
		}
		if (!n) {
			snprintf(err, errlen, "capacity: no strategy runs with huge=%s: %s", req->huge,
				 sb.buf ? sb.buf : "");
			free(kept);
			sbuf_free(&sb);
			return -1;
		}
		out->left_out = sb.len ? sbuf_detach(&sb) : NULL;
		sbuf_free(&sb);
		names = kept;
		nst = n;
	}
	out->nst = nst;
	out->st = xcalloc(nst, sizeof(*out->st));
	cellj = xcalloc(nst, sizeof(*cellj));
	sensj = xcalloc(nst, sizeof(*sensj));
	sweepj = xcalloc(nst, sizeof(*sweepj));

	for (size_t i = 0; i < nst; i++) {
		struct cap_strategy *st = &out->st[i];
		st->name = xstrdup(names[i]);
		strategy_bound(names[i], req, &st->bound);
		if (st->bound.carried)
			st->cache_unseen_pages = 2.0 * req->tds *
						 (double)((req->mem + 2 * MiB - 1) / (2 * MiB));
		for (int l = 0; l < CAP_NLAYOUTS; l++) {
			struct cap_cell *c = &st->cell[l];
			c->nrungs = nl[l];
			c->extrapolated = nl[l] > 1;
			for (size_t k = 0; k < nl[l]; k++) {
				c->rung_mem[k] = lad[l][k];
				cellj[i][l][k] = add_job(&pl, req, st->name,
							 shape(req, req->tds, (uint64_t)lad[l][k], req->vcpus,
							       (enum cap_layout)l, NULL));
			}
			cellj[i][l][CAP_MAX_RUNGS] = SIZE_MAX;
			if (req->full && c->extrapolated && l != CAP_SPARSE)
				cellj[i][l][CAP_MAX_RUNGS] =
					add_job(&pl, req, st->name,
						shape(req, req->tds, req->mem, req->vcpus,
						      (enum cap_layout)l, NULL));
		}
		if (req->sensitivity) {
			uint64_t base_mem = (uint64_t)lad[CAP_FRESH][0];
			st->nsens = NSENS;
			st->sens = xcalloc(NSENS, sizeof(*st->sens));
			for (size_t k = 0; k < NSENS; k++) {
				const struct opt_desc *d = opt_find(be->knobs, sens_costs[k].cost);
				struct cap_sens *v = &st->sens[k];
				uint64_t def = 0;
				v->cost = sens_costs[k].cost;
				if (!d || parse_u64(d->def, &def)) {
					sensj[i][k][0] = sensj[i][k][1] = SIZE_MAX;
					continue;
				}
				v->def = def;
				v->assumed = d->source && !strcmp(d->source, "assumed");
				v->lo = sens_costs[k].lo ? sens_costs[k].lo : def / 2;
				v->hi = sens_costs[k].hi ? sens_costs[k].hi : def * 2;
				v->range_src = sens_costs[k].src ? sens_costs[k].src : "x0.5..x2";
				/* the high end now, the low end only if the high end moved something */
				{
					char *x = xasprintf("%s=%llu", v->cost, (unsigned long long)v->hi);
					sensj[i][k][1] = add_job(&pl, req, st->name,
								 shape(req, req->tds, base_mem, req->vcpus,
								       CAP_FRESH, x));
					sensj[i][k][0] = SIZE_MAX;
					free(x);
				}
			}
		}
	}

	/* knee sweeps: the host's shape and the cache size, at the smallest rung */
	if (req->knees) {
		struct cap_sweep *w;
		uint64_t per_vcpu;
		out->sweeps = xcalloc(4, sizeof(*out->sweeps));
		w = &out->sweeps[out->nsweeps++];
		sweep_init(w, "tds", "TDs per host", CM_PLW, CM_VT, CM_CACHE);
		for (uint32_t t = 1; w->n < CAP_MAX_SWEEP; t *= 2) {
			w->x[w->n++] = MIN(t, req->tds);
			if (t >= req->tds)
				break;
		}
		w->context = xasprintf("%s per TD, %u vCPUs per TD, fresh host",
				       fmt_value(m0, "bytes", (char[FMT_LEN]){ 0 }, FMT_LEN), req->vcpus);
		/* the same memory per vCPU at every point: the work per vCPU stays */
		per_vcpu = ((uint64_t)m0 / req->vcpus + 2 * MiB - 1) & ~(2 * MiB - 1);
		w = &out->sweeps[out->nsweeps++];
		sweep_init(w, "vcpus", "vCPUs per TD", CM_PLW, CM_VT, CM_CACHE);
		for (uint32_t v = 1; v <= MAX(2 * req->vcpus, 4) && w->n < CAP_MAX_SWEEP; v *= 2)
			w->x[w->n++] = v;
		w->context = xasprintf("%u TDs, %s per vCPU, fresh host", req->tds,
				       fmt_value((double)per_vcpu, "bytes", (char[FMT_LEN]){ 0 }, FMT_LEN));
		w = &out->sweeps[out->nsweeps++];
		sweep_init(w, "spt_cache_capacity", "S-EPT cache capacity (pages)", CM_CACHE, CM_SPEC,
			   CM_P99);
		for (uint32_t c = 8; c <= 64; c += c < 32 ? 8 : 16)
			w->x[w->n++] = c;
		w->context = xasprintf("%u TDs of %s x %u vCPUs, fresh host", req->tds,
				       fmt_value(m0, "bytes", (char[FMT_LEN]){ 0 }, FMT_LEN), req->vcpus);
		for (size_t i = 0; i < nst; i++) {
			for (size_t si = 0; si < out->nsweeps; si++) {
				w = &out->sweeps[si];
				for (size_t k = 0; k < w->n; k++) {
					uint32_t tds = req->tds, vc = req->vcpus;
					uint64_t mem = (uint64_t)m0;
					char *extra = NULL;
					if (!strcmp(w->key, "tds"))
						tds = (uint32_t)w->x[k];
					else if (!strcmp(w->key, "vcpus")) {
						vc = (uint32_t)w->x[k];
						mem = per_vcpu * vc;
					} else {
						uint32_t c = (uint32_t)w->x[k];
						extra = xasprintf("spt_cache_capacity=%u,spt_cache_min=%u", c,
								  MIN(c, 5u));
					}
					sweepj[i][si][k] = add_job(&pl, req, out->st[i].name,
								   shape(req, tds, mem, vc, CAP_FRESH, extra));
					free(extra);
				}
			}
		}
	}

	cap_jobs_run(pl.jobs, pl.n, workers, req->progress);
	if (req->sensitivity) {
		size_t first = pl.n;
		for (size_t i = 0; i < nst; i++) {
			for (size_t k = 0; k < out->st[i].nsens; k++) {
				/* add_job() may move pl.jobs: pointers into it only until then */
				const struct cap_job *base = &pl.jobs[cellj[i][CAP_FRESH][0]];
				const struct cap_sens *v = &out->st[i].sens[k];
				const struct cap_job *hi;
				bool moved = false;
				char *x;
				if (sensj[i][k][1] == SIZE_MAX)
					continue;
				hi = &pl.jobs[sensj[i][k][1]];
				for (int m = 0; m < CM_N && base->ok && hi->ok; m++)
					if (fabs(ratio(hi->v[m], base->v[m]) - 1) >= SENS_MOVED)
						moved = true;
				if (!moved)
					continue;
				x = xasprintf("%s=%llu", v->cost, (unsigned long long)v->lo);
				sensj[i][k][0] = add_job(&pl, req, out->st[i].name,
							 shape(req, req->tds, (uint64_t)lad[CAP_FRESH][0],
							       req->vcpus, CAP_FRESH, x));
				free(x);
			}
		}
		cap_jobs_run(pl.jobs + first, pl.n - first, workers, req->progress);
	}
	if (req->progress)
		fputc('\n', stderr);
	out->runs = pl.n;

	/* ---- read the results back ---- */
	out->worst_holdout = out->worst_holdout_timing = 0;
	for (size_t i = 0; i < nst; i++) {
		struct cap_strategy *st = &out->st[i];
		for (int l = 0; l < CAP_NLAYOUTS; l++) {
			struct cap_cell *c = &st->cell[l];
			size_t fj = cellj[i][l][CAP_MAX_RUNGS];
			c->ok = true;
			for (size_t k = 0; k < c->nrungs; k++) {
				const struct cap_job *j = &pl.jobs[cellj[i][l][k]];
				if (!j->ok) {
					c->ok = false;
					snprintf(c->err, sizeof(c->err), "%s", j->err);
					break;
				}
				memcpy(c->rung[k], j->v, sizeof(j->v));
				c->rung_host[k] = j->host_mem;
			}
			if (!c->ok)
				continue;
			fit_cell(c, (double)req->mem, (double)req->host_mem);
			if (c->extrapolated)
				out->extrapolated = true;
			if (fj != SIZE_MAX && pl.jobs[fj].ok) {
				c->ran_full = true;
				memcpy(c->measured, pl.jobs[fj].v, sizeof(c->measured));
				c->measured[CM_STATIC] = pl.jobs[fj].host_mem > 0 ?
					pl.jobs[fj].v[CM_STATIC] / pl.jobs[fj].host_mem * (double)req->host_mem : 0;
				c->measured[CM_REFCOUNT] = c->full[CM_REFCOUNT];
			}
			if (l == CAP_SPARSE || !c->extrapolated)
				continue;
			for (int m = 0; m < CM_N; m++) {
				double e = c->holdout[m];
				/* fault p99 feeds the knee sweeps only; no full-size value is printed */
				if (isnan(e) || m == CM_P99)
					continue;
				if (cap_metrics[m].timing && e > out->worst_holdout_timing) {
					out->worst_holdout_timing = e;
					out->worst_what_timing = cap_metrics[m].label;
				} else if (!cap_metrics[m].timing && e > out->worst_holdout) {
					out->worst_holdout = e;
					out->worst_what = cap_metrics[m].label;
				}
			}
		}
		if (req->sensitivity && st->cell[CAP_FRESH].ok) {
			const double *base = st->cell[CAP_FRESH].rung[0];
			for (size_t k = 0; k < st->nsens; k++) {
				struct cap_sens *v = &st->sens[k];
				size_t a = sensj[i][k][0], b = sensj[i][k][1];
				if (b == SIZE_MAX || !pl.jobs[b].ok || (a != SIZE_MAX && !pl.jobs[a].ok))
					continue;
				v->ok = true;
				v->lo_ran = a != SIZE_MAX;
				for (int m = 0; m < CM_N; m++) {
					v->ratio_lo[m] = v->lo_ran ? ratio(pl.jobs[a].v[m], base[m]) : 1;
					v->ratio_hi[m] = ratio(pl.jobs[b].v[m], base[m]);
				}
			}
		}
		if (st->cell[CAP_FRESH].ok)
			sens_ranges(out, st);
		for (size_t si = 0; si < out->nsweeps; si++) {
			struct cap_sweep *w = &out->sweeps[si];
			double plw[CAP_MAX_SWEEP];
			w->s[i].ok = true;
			for (size_t k = 0; k < w->n; k++) {
				const struct cap_job *j = &pl.jobs[sweepj[i][si][k]];
				if (!j->ok) {
					w->s[i].ok = false;
					break;
				}
				for (int q = 0; q < CAP_KNEE_METRICS; q++)
					w->s[i].y[q][k] = j->v[w->metric[q]];
				w->s[i].mlw[k] = j->v[CM_MLW];
				w->s[i].slw[k] = j->v[CM_SLW];
				plw[k] = j->v[CM_PLW];
			}
			if (!w->s[i].ok)
				continue;
			for (int q = 0; q < CAP_KNEE_METRICS; q++) {
				struct capfit_knee *kn = &w->s[i].knee[q];
				capfit_knee(w->x, w->s[i].y[q], w->n, 1.5, kn);
				if (!kn->found)
					continue;
				/* a time that grows faster has a lock to blame; one that flattens, none */
				if (metric_resource(w->metric[q]))
					w->s[i].cause[q] = metric_resource(w->metric[q]);
				else if (fabs(kn->slope_after) > fabs(kn->slope_before))
					w->s[i].cause[q] = time_cause(w, i, kn->k, plw);
				else
					w->s[i].cause[q] = "none named (it stops growing)";
			}
		}
	}
	{
		struct sbuf sb = SBUF_INIT;
		sbuf_add(&sb, "conversion, split, TD and vCPU creation costs\n(not on a boot's path)");
		out->costs_skipped = sbuf_detach(&sb);
	}
	out->wall_s = (double)(now_ns() - t0) / 1e9;
	for (size_t i = 0; i < pl.n; i++)
		free(pl.jobs[i].assign);
	free(pl.jobs);
	free(cellj);
	free(sensj);
	free(sweepj);
	free(kept);
	return 0;

}

void cap_study_free(struct cap_study *s)
{
	for (size_t i = 0; s->st && i < s->nst; i++) {
		free(s->st[i].name);
		free(s->st[i].sens);
	}
	free(s->st);
	for (size_t i = 0; i < s->nsweeps; i++)
		free(s->sweeps[i].context);
	free(s->sweeps);
	free(s->costs_skipped);
	free(s->left_out);
	memset(s, 0, sizeof(*s));
}
