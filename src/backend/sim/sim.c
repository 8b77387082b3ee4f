/*
 * The sim backend: build the host and the TDs, run the workload's phases in
 * virtual time (vCPUs in clock order through a heap), check the invariants,
 * tear everything down, and report metrics, time series and the fault
 * latency histogram. Everything is derived from the parameters and the seed,
 * so the same inputs give byte-identical results.
 */
#include "backend/sim/sim.h"
#include "core/opts.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN 0x9e3779b97f4a7c15ull

/* ---- unit sequences ----------------------------------------------------------- */

struct phase_plan {
	const struct tdxb_phase *ph;
	uint64_t unit;		/* bytes per unit */
	uint64_t n;		/* units per repetition */
	uint64_t npos;		/* positions (>= n for the stride order) */
	uint64_t stride;	/* in units */
	uint64_t upr, per_region;	/* convert: units per 2M region, chosen per region */
};

static void plan_phase(const struct tdxb_phase *ph, struct phase_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->ph = ph;
	pl->unit = ph->unit >= 4096 ? ph->unit & ~4095ull : 4096;
	if (pl->unit > 2 * MiB)
		pl->unit = 2 * MiB;
	pl->n = ph->len / pl->unit;
	pl->upr = MAX(1, (2 * MiB) / pl->unit);
	if (ph->kind == TDXB_PH_CONVERT && ph->per_region && ph->per_region < pl->upr) {
		pl->per_region = ph->per_region;
		pl->n = (ph->len / (2 * MiB)) * pl->per_region;
	}
	pl->npos = pl->n;
	if (ph->order == TDXB_ORD_STRIDE) {
		pl->stride = MAX(1, ph->stride / pl->unit);
		pl->npos = pl->stride * ((pl->n + pl->stride - 1) / pl->stride);
	}
}

/* Position -> byte offset of the unit, or false when the position is skipped. */
static bool unit_at(const struct phase_plan *pl, uint64_t pos, uint64_t *gpa)
{
	const struct tdxb_phase *ph = pl->ph;
	uint64_t u;
	switch (ph->order) {
	case TDXB_ORD_RANDOM:
		u = sim_perm(pos, pl->n, ph->seed);
		break;
	case TDXB_ORD_STRIDE: {
		uint64_t per_pass = pl->npos / pl->stride;
		u = pos / per_pass + (pos % per_pass) * pl->stride;
		if (u >= pl->n)
			return false;
		break;
	}
	default:
		u = pos;
	}
	if (ph->permille < 1000 && mix64(ph->seed ^ (u * GOLDEN)) % 1000 >= ph->permille)
		return false;
	if (pl->per_region) {
		uint64_t region = u / pl->per_region, j = u % pl->per_region;
		uint64_t off = mix64(ph->seed ^ (region * GOLDEN) ^ 0x636f6e76) % pl->upr;
		uint64_t k = (off + j * (pl->upr / pl->per_region)) % pl->upr;
		*gpa = ph->start + region * 2 * MiB + k * pl->unit;
	} else {
		*gpa = ph->start + u * pl->unit;
	}
	return true;
}

static void assign_positions(struct sim_vcpu *v, uint64_t npos, uint32_t nv, uint32_t share)
{
	if (share == TDXB_SHARE_INTERLEAVE) {
		v->pos0 = v->idx;
		v->end = npos;
		v->step = nv;
	} else {
		v->pos0 = npos * v->idx / nv;
		v->end = npos * (v->idx + 1) / nv;
		v->step = 1;
	}
	v->pos = v->pos0;
	v->rep = 0;
	v->done = v->pos >= v->end;
}

/* Next position of v, across repetitions; false when v is through. */
static bool next_pos(struct sim_vcpu *v, uint32_t repeat, uint64_t *pos)
{
	while (v->pos >= v->end) {
		if (++v->rep >= repeat || v->pos0 >= v->end) {
			v->done = true;
			return false;
		}
		v->pos = v->pos0;
	}
	*pos = v->pos;
	v->pos += v->step;
	return true;
}

/* ---- which vCPU goes next: a loser tree over the clocks ------------------------ */

/*
 * Every vCPU advances by about the same step, so the one just run usually
 * becomes the latest: a binary heap would sift it to the bottom with two
 * compares per level. A loser tree replays one root path with one compare per
 * level, on a flat array of clocks. Ties go to the lower index (= vCPU order).
 */
struct ltree {
	uint32_t m;		/* leaves: a power of two >= actors */
	uint32_t *loser;	/* internal nodes 1..m-1 */
	vtime_t *key;		/* per actor; UINT64_MAX = through */
	uint32_t winner;
};

static inline bool lt_earlier(const struct ltree *lt, uint32_t a, uint32_t b)
{
	return lt->key[a] < lt->key[b] || (lt->key[a] == lt->key[b] && a < b);
}

static void lt_build(struct ltree *lt, uint32_t n)
{
	uint32_t *win;
	lt->m = 1;
	while (lt->m < n)
		lt->m <<= 1;
	lt->loser = xcalloc(lt->m, sizeof(uint32_t));
	win = xcalloc(2 * lt->m, sizeof(uint32_t));
	for (uint32_t i = 0; i < lt->m; i++)
		win[lt->m + i] = i;
	for (uint32_t node = lt->m - 1; node >= 1; node--) {
		uint32_t a = win[2 * node], b = win[2 * node + 1];
		win[node] = lt_earlier(lt, a, b) ? a : b;
		lt->loser[node] = lt_earlier(lt, a, b) ? b : a;
	}
	lt->winner = win[1];
	free(win);
}

/* The winner's key changed: replay its path to the root. */
static void lt_replay(struct ltree *lt)
{
	uint32_t cur = lt->winner;
	for (uint32_t node = (cur + lt->m) >> 1; node >= 1; node >>= 1) {
		if (lt_earlier(lt, lt->loser[node], cur)) {
			uint32_t t = lt->loser[node];
			lt->loser[node] = cur;
			cur = t;
		}
	}
	lt->winner = cur;
}

typedef void (*step_fn)(struct sim *s, struct sim_vcpu *v, const struct phase_plan *pl);

static int run_actors(struct sim *s, struct sim_vcpu **h, uint32_t n, step_fn step,
		      const struct phase_plan *pl, volatile sig_atomic_t *abort_now)
{
	struct ltree lt;
	uint64_t steps = 0;
	int ret = BACKEND_OK;

	if (!n)
		return BACKEND_OK;
	memset(&lt, 0, sizeof(lt));
	lt.key = xmalloc(sizeof(vtime_t) * (n < 2 ? 2 : 2 * (size_t)n));
	for (uint32_t i = 0; i < 2 * n || i < 2; i++)
		lt.key[i] = i < n ? h[i]->t : UINT64_MAX;
	lt_build(&lt, n);
	while (lt.key[lt.winner] != UINT64_MAX) {
		struct sim_vcpu *v = h[lt.winner];
		s->now = v->t;
		sim_sample(s, s->now, false);
		step(s, v, pl);
		if (s->failed) {
			ret = BACKEND_FAILED;
			break;
		}
		lt.key[lt.winner] = v->done ? UINT64_MAX : v->t;
		lt_replay(&lt);
		if (!(++steps & 0xffff) && abort_now && *abort_now) {
			ret = BACKEND_ABORTED;
			break;
		}
	}
	free(lt.key);
	free(lt.loser);
	return ret;
}

static void step_fault(struct sim *s, struct sim_vcpu *v, const struct phase_plan *pl)
{
	uint64_t pos, gpa;
	if (!next_pos(v, pl->ph->repeat, &pos))
		return;
	if (unit_at(pl, pos, &gpa))
		mmu_fault(s, v, gpa, pl->unit);
	if (v->pos >= v->end && v->rep + 1 >= pl->ph->repeat)
		v->done = true;
}

static void step_convert(struct sim *s, struct sim_vcpu *v, const struct phase_plan *pl)
{
	uint32_t fl = pl->ph->flags;
	uint64_t pos, gpa;
	if (!next_pos(v, pl->ph->repeat, &pos))
		return;
	if (unit_at(pl, pos, &gpa)) {
		if (fl & TDXB_CONV_ROUNDTRIP) {
			mmu_convert(s, v, gpa, pl->unit, true);
			mmu_shared_touch(s, v, gpa, pl->unit);
			mmu_convert(s, v, gpa, pl->unit, false);
			mmu_fault(s, v, gpa, pl->unit);
		} else if (fl & TDXB_CONV_TO_SHARED) {
			mmu_convert(s, v, gpa, pl->unit, true);
		} else {
			mmu_convert(s, v, gpa, pl->unit, false);
			mmu_fault(s, v, gpa, pl->unit);
		}
	}
	if (v->pos >= v->end && v->rep + 1 >= pl->ph->repeat)
		v->done = true;
}

static void step_teardown(struct sim *s, struct sim_vcpu *v, const struct phase_plan *pl)
{
	td_teardown_unit(s, v->td, v->pos++, &v->t);
	if (v->pos >= v->end)
		v->done = true;
}

static vtime_t barrier(struct sim *s)
{
	vtime_t t = 0;
	for (uint32_t i = 0; i < s->nvcpus_total; i++)
		t = MAX(t, s->all[i]->t);
	for (uint32_t i = 0; i < s->nvcpus_total; i++)
		s->all[i]->t = t;
	s->now = t;
	return t;
}

/* Destroy every TD still alive, concurrently (each on its vCPU 0's clock). */
static int teardown_tds(struct sim *s, volatile sig_atomic_t *abort_now)
{
	struct sim_vcpu **h = xcalloc(s->ntds ? s->ntds : 1, sizeof(*h));
	uint32_t n = 0;
	int ret;
	barrier(s);
	for (uint32_t i = 0; i < s->ntds; i++) {
		struct sim_vcpu *v = &s->tds[i].vcpus[0];
		if (s->tds[i].torn_down)
			continue;
		v->pos = 0;
		v->end = td_teardown_units(&s->tds[i]);
		v->done = false;
		h[n++] = v;
	}
	ret = run_actors(s, h, n, step_teardown, NULL, abort_now);
	free(h);
	if (ret == BACKEND_OK)
		barrier(s);
	return ret;
}

static int run_phase(struct sim *s, const struct tdxb_phase *ph, volatile sig_atomic_t *abort_now)
{
	struct phase_plan pl;
	struct sim_vcpu **h;
	uint32_t n = 0;
	int ret;

	barrier(s);
	switch (ph->kind) {
	case TDXB_PH_IDLE:
		for (uint32_t i = 0; i < s->nvcpus_total; i++)
			s->all[i]->t += ph->idle_ns;
		return BACKEND_OK;
	case TDXB_PH_TEARDOWN:
		return teardown_tds(s, abort_now);
	case TDXB_PH_FAULT:
	case TDXB_PH_REWRITE:
	case TDXB_PH_CONVERT:
		break;
	default:
		/* the test-only guest failures mean nothing to the model: nothing happens */
		return BACKEND_OK;
	}
	plan_phase(ph, &pl);
	h = xcalloc(s->nvcpus_total, sizeof(*h));
	for (uint32_t i = 0; i < s->ntds; i++) {
		struct sim_td *td = &s->tds[i];
		if (td->torn_down)
			continue;
		for (uint32_t k = 0; k < td->nvcpus; k++) {
			struct sim_vcpu *v = &td->vcpus[k];
			assign_positions(v, pl.npos, td->nvcpus, ph->share);
			if (!v->done && ph->repeat)
				h[n++] = v;
		}
	}
	ret = run_actors(s, h, n, ph->kind == TDXB_PH_CONVERT ? step_convert : step_fault, &pl,
			 abort_now);
	free(h);
	return ret;
}

/* ---- setup and results ---------------------------------------------------------- */

struct sim *sim_new(const struct params *p, const struct tdxb_workload *w, uint64_t seed,
		    const struct sim_debug *dbg, char *err, size_t errlen)
{
	struct sim *s = xcalloc(1, sizeof(*s));
	vtime_t t = 0;
	uint32_t g = 0;

	if (!w->tds || !w->vcpus || w->mem_bytes < 2 * MiB || w->mem_bytes % (2 * MiB)) {
		snprintf(err, errlen, "sim: workload needs tds, vcpus >= 1 and mem a multiple of 2M");
		free(s);
		return NULL;
	}
	if (sim_cfg_parse(p, w, &s->cfg, err, errlen)) {
		free(s);
		return NULL;
	}
	s->seed = seed;
	s->dbg = dbg;
	if (host_init(s, err, errlen)) {
		sim_delete(s);
		return NULL;
	}
	s->free_initial = host_free_total(s);
	s->fault_hist = xcalloc(1, sizeof(*s->fault_hist));
	series_init(&s->ser, s->cfg.samples_max);
	cache_init(&s->scratch, "carried pair", SIM_PAIR_PAGES, true);
	s->ntds = w->tds;
	s->tds = xcalloc(s->ntds, sizeof(*s->tds));
	s->nvcpus_total = w->tds * w->vcpus;
	s->all = xcalloc(s->nvcpus_total, sizeof(*s->all));
	for (uint32_t i = 0; i < s->ntds && !s->failed; i++) {
		if (td_create(s, &s->tds[i], i, w->mem_bytes, w->vcpus, i * w->vcpus, &t))
			break;
		for (uint32_t k = 0; k < w->vcpus; k++) {
			s->tds[i].vcpus[k].gidx = g;
			s->all[g++] = &s->tds[i].vcpus[k];
		}
	}
	if (s->failed) {
		snprintf(err, errlen, "sim: %s", s->why);
		sim_delete(s);
		return NULL;
	}
	for (uint32_t i = 0; i < s->nvcpus_total; i++)
		s->all[i]->t = t;
	s->now = t;
	return s;
}

void sim_delete(struct sim *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->tds && i < s->ntds; i++)
		td_free_state(&s->tds[i]);
	free(s->tds);
	free(s->all);
	host_free(s);
	cal_free(&s->pamt_lock);
	free(s->fault_hist);
	series_free(&s->ser);
	cache_free(&s->scratch);
	free(s);
}

void sim_teardown_all(struct sim *s)
{
	if (!s->failed)
		teardown_tds(s, NULL);
	inv_after_teardown(s);
}

static uint64_t static_pamt_bytes(const struct sim *s)
{
	uint64_t mem = s->nframes << SIM_PAGE_SHIFT;
	if (!s->cfg.dpamt)
		return mem / 256;	/* the 4K level: 16 bytes per 4K page */
	/* bitmap (1 bit per 4K) + the 2M and 1G levels (16 bytes per entry) */
	return mem / 4096 / 8 + mem / (2 * MiB) * 16 + mem / GiB * 16;
}

static void emit_hist(struct sim *s, struct run_result *res)
{
	const struct lat_hist *h = s->fault_hist;
	int id = result_hist(res, "fault_ns", "ns");
	uint64_t acc = 0;
	double glo = 0, ghi = 0;
	bool have = false;
	/* four buckets per octave: fine buckets grouped by 16 */
	for (unsigned i = 0; i < HIST_OCT * HIST_SUB; i++) {
		double lo, hi;
		if (i < HIST_SUB) {
			lo = 0;
			hi = HIST_SUB;
		} else {
			unsigned oct = i / HIST_SUB, sub = i % HIST_SUB, g = sub / 16;
			int sh = (int)oct - 1;
			lo = (double)((64ull + g * 16) << sh);
			hi = (double)((64ull + (g + 1) * 16) << sh);
		}
		if (have && lo != glo) {
			if (acc)
				result_bucket(res, id, glo, ghi, acc);
			acc = 0;
		}
		glo = lo;
		ghi = hi;
		have = true;
		acc += h->cnt[i];
	}
	if (acc)
		result_bucket(res, id, glo, ghi, acc);
}

static void emit_assumed(struct sim *s, struct run_result *res)
{
	struct sbuf costs = SBUF_INIT, other = SBUF_INIT;
	for (const struct opt_desc *d = sim_knobs; d->name; d++) {
		if (!d->source || strcmp(d->source, "assumed"))
			continue;
		if (!strncmp(d->name, "cost_", 5)) {
			for (int c = 0; c < SIM_NR_COSTS; c++)
				if (!strcmp(sim_cost_name((enum sim_cost)c), d->name))
					sbuf_addf(&costs, "%s%s=%lluns", costs.len ? "," : "", d->name,
						  (unsigned long long)s->cfg.cost[c]);
		} else {
			sbuf_addf(&other, "%s%s", other.len ? "," : "", d->name);
		}
	}
	result_note(res, "assumed_costs", "%s", costs.buf ? costs.buf : "");
	result_note(res, "assumed_params", "%s", other.buf ? other.buf : "");
	sbuf_free(&costs);
	sbuf_free(&other);
}

static void emit(struct sim *s, struct run_result *res, vtime_t t_start, vtime_t t_end,
		 uint64_t bytes_end)
{
	static const char *const snames[SIM_NR_SERIES] = { "dpamt_bytes", "cache_pages_idle", "pamt_add_cum" };
	static const char *const sunits[SIM_NR_SERIES] = { "bytes", "pages", "ops" };
	const struct sim_counters *c = &s->c;

	result_metric(res, "pamt_add", (double)c->pamt_add, "ops");
	result_metric(res, "pamt_remove", (double)c->pamt_remove, "ops");
	result_metric(res, "pamt_get_fast", (double)c->pamt_get_fast, "ops");
	result_metric(res, "pamt_put_fast", (double)c->pamt_put_fast, "ops");
	result_metric(res, "dpamt_bytes_peak", (double)(s->pairs_peak * SIM_PAIR_BYTES), "bytes");
	result_metric(res, "dpamt_bytes_end", (double)bytes_end, "bytes");
	result_metric(res, "dpamt_bytes_after_teardown", (double)sim_dpamt_bytes(s), "bytes");
	result_metric(res, "static_pamt_bytes", (double)static_pamt_bytes(s), "bytes");
	result_metric(res, "spec_pairs_peak", (double)s->spec_peak, "pairs");
	result_metric(res, "cache_pages_idle_peak", (double)s->cache_idle_peak, "pages");
	result_metric(res, "pages_alloc", (double)c->pages_alloc, "pages");
	result_metric(res, "pages_free_unused", (double)c->pages_free_unused, "pages");
	result_metric(res, "topups", (double)c->topups, "ops");
	result_metric(res, "splits", (double)c->splits, "ops");
	result_metric(res, "split_retries", (double)c->split_retries, "ops");
	result_metric(res, "split_cache_pages", (double)c->split_cache_pages, "pages");
	result_metric(res, "sept_pages", (double)c->sept_pages, "pages");
	result_metric(res, "mmu_lock_wait_ns", (double)s->mmu_ls.wait_ns, "ns");
	result_metric(res, "pamt_lock_wait_ns", (double)s->pamt_ls.wait_ns, "ns");
	result_metric(res, "pamt_lock_contended", (double)s->pamt_ls.contended, "ops");
	result_metric(res, "split_lock_wait_ns", (double)s->split_ls.wait_ns, "ns");
	result_metric(res, "fault_ns_p50", (double)hist_percentile(s->fault_hist, 0.50), "ns");
	result_metric(res, "fault_ns_p99", (double)hist_percentile(s->fault_hist, 0.99), "ns");
	result_metric(res, "fault_ns_max", (double)s->fault_hist->max, "ns");
	result_metric(res, "faults", (double)c->faults, "ops");
	result_metric(res, "faults_2m", (double)c->faults_2m, "ops");
	result_metric(res, "shared_faults", (double)c->shared_faults, "ops");
	result_metric(res, "conversions", (double)c->conversions, "ops");
	result_metric(res, "virt_time_ns", (double)(t_end - t_start), "ns");

	for (int k = 0; k < SIM_NR_SERIES; k++) {
		int id = result_series(res, snames[k], sunits[k]);
		for (uint32_t i = 0; i < s->ser.n; i++)
			result_sample(res, id, (double)(s->ser.t[i] - MIN(s->ser.t[i], t_start)),
				      s->ser.v[k][i]);
	}
	emit_hist(s, res);
	result_note(res, "model", "sim: discrete-event model of DPAMT and KVM's page caches; "
		    "every figure is model output");
	emit_assumed(s, res);
	result_note(res, "host_mem", "%llu", (unsigned long long)(s->nframes << SIM_PAGE_SHIFT));
	result_note(res, "host_cpus", "%u", s->ncpus);
	result_note(res, "gmem_folio", "%s", s->cfg.folio == FOLIO_2M ? "2M" : "4K");
}

int sim_run(const struct run_spec *spec, struct run_result *res, const struct sim_debug *dbg,
	    char *err, size_t errlen)
{
	const struct tdxb_workload *w = &spec->work;
	struct sim *s = sim_new(spec->params, w, spec->seed, dbg, err, errlen);
	vtime_t t_start, t_end;
	uint64_t bytes_end;
	bool measured_teardown = false;
	int ret = BACKEND_OK;

	if (!s)
		return BACKEND_FAILED;
	t_start = s->now;
	sim_sample(s, t_start, true);
	bytes_end = sim_dpamt_bytes(s);
	for (uint32_t i = 0; i < w->nphases && ret == BACKEND_OK; i++) {
		if (w->phases[i].kind == TDXB_PH_TEARDOWN) {
			bytes_end = sim_dpamt_bytes(s);
			measured_teardown = true;
		}
		ret = run_phase(s, &w->phases[i], spec->abort_now);
		if (ret == BACKEND_OK) {
			barrier(s);
			sim_sample(s, s->now, true);
			inv_sweep(s);
			if (s->failed)
				ret = BACKEND_FAILED;
		}
	}
	t_end = s->now;
	if (!measured_teardown)
		bytes_end = sim_dpamt_bytes(s);
	if (ret == BACKEND_OK) {
		ret = teardown_tds(s, spec->abort_now);
		if (ret == BACKEND_OK) {
			inv_after_teardown(s);
			if (s->failed)
				ret = BACKEND_FAILED;
		}
	}
	if (ret == BACKEND_FAILED)
		snprintf(err, errlen, "sim: %s", s->why);
	else if (ret == BACKEND_ABORTED)
		snprintf(err, errlen, "sim: aborted");
	else
		emit(s, res, t_start, t_end, bytes_end);
	sim_delete(s);
	return ret;
}

/* ---- backend_ops ---------------------------------------------------------------- */

static int sim_probe(char *why, size_t len)
{
	return 0;
}

static int sim_check(const struct run_spec *spec, char *err, size_t errlen)
{
	struct sim_cfg cfg;
	const struct tdxb_workload *w = &spec->work;
	if (sim_cfg_parse(spec->params, w, &cfg, err, errlen))
		return BACKEND_FAILED;
	if (cfg.host_mem < w->mem_bytes * w->tds) {
		char a[16], b[16];
		fmt_size(cfg.host_mem, a, sizeof(a));
		fmt_size(w->mem_bytes * w->tds, b, sizeof(b));
		snprintf(err, errlen, "sim: host_mem=%s is less than the %s of TD memory", a, b);
		return BACKEND_FAILED;
	}
	return BACKEND_OK;
}

static int sim_backend_run(const struct run_spec *spec, struct run_result *res, char *err, size_t errlen)
{
	return sim_run(spec, res, NULL, err, errlen);
}

const struct backend_ops sim_backend = {
	.name = "sim",
	.summary = "embedded discrete-event model of DPAMT and KVM's page caches (model output)",
	.knobs = sim_knobs,
	.strategies = sim_strategy_names,
	.probe = sim_probe,
	.resolve = sim_resolve,
	.check = sim_check,
	.run = sim_backend_run,
	.is_model = true,
};
