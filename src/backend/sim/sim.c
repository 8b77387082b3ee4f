/*
 * The sim backend: build the host and the TDs, run the workload's phases in
 * virtual time (vCPUs in clock order through a loser tree), check the
 * invariants, tear everything down, and report metrics, time series and the
 * fault latency histogram. Everything is derived from the parameters and the
 * seed, so the same inputs give byte-identical results.
 */
#include "backend/sim/sim_int.h"
#include "lib/opts.h"
#include "lib/fmt.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- unit sequences ----------------------------------------------------------- */

/*
 * A phase's units come from workloads/order.h, the walk the guest interpreter
 * runs too: same units, same per-vCPU order, on every backend.
 */
struct phase_plan {
	const struct tdxb_phase *ph;
	struct tdxb_walk walk;
	uint32_t repeat;
};

static void plan_phase(const struct tdxb_phase *ph, struct phase_plan *pl)
{
	pl->ph = ph;
	tdxb_walk_init(&pl->walk, ph);
	pl->repeat = tdxb_phase_repeat(ph);
}

static void assign_positions(struct sim_vcpu *v, const struct phase_plan *pl, uint32_t nv)
{
	tdxb_walk_share(&pl->walk, pl->ph->share, v->idx, nv, &v->pos0, &v->end, &v->step);
	v->pos = v->pos0;
	v->rep = 0;
	v->done = v->pos >= v->end;
}

/* Next unit of v (byte offset into its TD's memory), across repetitions; false when v is through. */
SIM_HOT bool next_unit(struct sim_vcpu *v, const struct phase_plan *pl, uint64_t *gpa)
{
	while (v->pos >= v->end) {
		if (++v->rep >= pl->repeat || v->pos0 >= v->end) {
			v->done = true;
			return false;
		}
		v->pos = v->pos0;
	}
	*gpa = tdxb_walk_at(&pl->walk, v->pos);
	v->pos += v->step;
	if (v->pos >= v->end && v->rep + 1 >= pl->repeat)
		v->done = true;
	return true;
}

size_t sim_phase_units(const struct tdxb_phase *ph, uint32_t vcpu, uint32_t nvcpus, uint64_t *out,
		       size_t max)
{
	struct phase_plan pl;
	struct sim_vcpu v = { .idx = vcpu };
	uint64_t gpa;
	size_t n = 0;

	plan_phase(ph, &pl);
	assign_positions(&v, &pl, nvcpus);
	while (!v.done && next_unit(&v, &pl, &gpa)) {
		if (n < max)
			out[n] = gpa;
		n++;
	}
	return n;
}

typedef void (*step_fn)(struct sim *s, struct sim_vcpu *v, const struct phase_plan *pl);

/* How far the actors are through the phase (units done / units), for the ETA. */
static void report_progress(struct sim *s, struct sim_vcpu **h, uint32_t n,
			    const struct phase_plan *pl)
{
	double sum = 0;

	if (!s->progress || !s->nphases)
		return;
	for (uint32_t i = 0; i < n; i++) {
		const struct sim_vcpu *v = h[i];
		uint64_t base = pl ? v->pos0 : 0, span = v->end > base ? v->end - base : 0;
		uint32_t repeat = pl ? MAX(pl->repeat, 1u) : 1, rep = pl ? v->rep : 0;
		if (v->done || !span)
			sum += 1;
		else
			sum += ((double)rep * span + (double)(v->pos - base)) / ((double)repeat * span);
	}
	s->progress(s->progress_ctx, (s->phase + (n ? sum / n : 1)) / s->nphases);
}

/* Far from 2^64: whatever a step adds past it still fits, so time never wraps. */
#define SIM_VTIME_LIMIT (1ULL << 62)

static int run_actors(struct sim *s, struct sim_vcpu **h, uint32_t n, step_fn step,
		      const struct phase_plan *pl, volatile sig_atomic_t *abort_now)
{
	struct ltree lt;
	vtime_t *clock;
	uint64_t steps = 0;
	int ret = BACKEND_OK;

	if (!n)
		return BACKEND_OK;
	clock = xcalloc(n, sizeof(*clock));
	for (uint32_t i = 0; i < n; i++)
		clock[i] = h[i]->t;
	lt_init(&lt, clock, n, 0);
	free(clock);
	while (lt_active(&lt)) {
		struct sim_vcpu *v = h[lt_index(&lt)];
		s->now = v->t;
		sim_sample(s, s->now, false);
		step(s, v, pl);
		/* one step adds at most a few thousand bounded costs: far below the headroom */
		if (v->t > SIM_VTIME_LIMIT && !v->done)
			inv_fail(s, "virtual time passed 2^62 ns: the costs times the work are too large");
		if (__builtin_expect(v->t < s->now, 0))
			inv_fail(s, "vCPU %u's clock went back from %llu to %llu ns in one step", v->gidx,
				 (unsigned long long)s->now, (unsigned long long)v->t);
		if (s->failed) {
			ret = BACKEND_FAILED;
			break;
		}
		lt_replay(&lt, v->done ? UINT64_MAX : v->t);
		if (!(++steps & 0xffff)) {
			if (abort_now && *abort_now) {
				ret = BACKEND_ABORTED;
				break;
			}
			report_progress(s, h, n, pl);
		}
	}
	lt_free(&lt);
	return ret;
}

static void step_fault(struct sim *s, struct sim_vcpu *v, const struct phase_plan *pl)
{
	uint64_t gpa;
	if (!next_unit(v, pl, &gpa))
		return;
	if (pl->ph->kind == TDXB_PH_REWRITE)
		mmu_rewrite(s, v, gpa, pl->walk.unit);
	else
		mmu_fault(s, v, gpa, pl->walk.unit);
}

static void step_convert(struct sim *s, struct sim_vcpu *v, const struct phase_plan *pl)
{
	uint32_t fl = pl->ph->flags;
	uint64_t gpa, unit = pl->walk.unit;
	if (!next_unit(v, pl, &gpa))
		return;
	if (fl & TDXB_CONV_ROUNDTRIP) {
		mmu_convert(s, v, gpa, unit, true);
		mmu_shared_touch(s, v, gpa, unit);
		mmu_convert(s, v, gpa, unit, false);
		mmu_fault(s, v, gpa, unit);
	} else if (fl & TDXB_CONV_TO_SHARED) {
		mmu_convert(s, v, gpa, unit, true);
	} else {
		mmu_convert(s, v, gpa, unit, false);
		mmu_fault(s, v, gpa, unit);
	}
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

/*
 * TDs launched together and the vCPUs of one TD do not start a phase in the
 * same nanosecond; with every fault costing the same, equal start times would
 * keep them in lockstep and make every PAMT.ADD collide. Seeded, so the same
 * seed still gives the same bytes.
 */
static vtime_t start_offset(struct sim *s, uint64_t spread)
{
	return spread ? sim_rand(&s->cost_rng) % spread : 0;
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
			s->all[i]->t += ph->idle_ns * tdxb_phase_repeat(ph);
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
		vtime_t td_off;
		if (td->torn_down)
			continue;
		td_off = start_offset(s, s->cfg.td_spread);
		for (uint32_t k = 0; k < td->nvcpus; k++) {
			struct sim_vcpu *v = &td->vcpus[k];
			v->t += td_off + start_offset(s, s->cfg.vcpu_spread);
			assign_positions(v, &pl, td->nvcpus);
			if (!v->done)
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
	s->cost_rng = mix64(seed ^ 0x5ea3ca11ull);
	s->dbg = dbg;
	if (hostmem_init(s, err, errlen)) {
		sim_delete(s);
		return NULL;
	}
	s->free_initial = hostmem_free_total(s);
	s->fault_hist = xcalloc(1, sizeof(*s->fault_hist));
	s->convert_hist = xcalloc(1, sizeof(*s->convert_hist));
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
	hostmem_free(s);
	cal_free(&s->pamt_lock);
	free(s->fault_hist);
	free(s->convert_hist);
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

/*
 * PAMT reserved at boot for the host's memory (DPAMT v6 01/11, 02/11): the
 * 1G and 2M levels (16 bytes per entry) always; the 4K level (16 bytes per
 * 4K) without DPAMT, the PAMT_PAGE_BITMAP (1 bit per 4K) with it.
 */
static uint64_t static_pamt_bytes(const struct sim *s)
{
	uint64_t mem = s->nframes << SIM_PAGE_SHIFT;
	uint64_t upper = (mem + 2 * MiB - 1) / (2 * MiB) * 16 + (mem + GiB - 1) / GiB * 16;
	return upper + (s->cfg.dpamt ? mem / 4096 / 8 : mem / 4096 * 16);
}

/* v6 04/11: one 4-byte atomic_t per 2M of [0, max_pfn), vmalloc'ed at init. */
static uint64_t pamt_refcount_bytes(const struct sim *s)
{
	return s->cfg.dpamt ? (s->cfg.max_pfn_bytes + 2 * MiB - 1) / (2 * MiB) * 4 : 0;
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
		acc += h->b[i].cnt;
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

/* Lock figures of the measured phases: TD creation and the implicit final teardown excluded. */
struct lock_snap {
	struct lock_stats pamt, mmu, split;
	struct pamt_wait get, put;
	uint64_t add_races, remove_races;
};

static void snap_take(const struct sim *s, struct lock_snap *n)
{
	n->pamt = s->pamt_ls;
	n->mmu = s->mmu_ls;
	n->split = s->split_ls;
	n->get = s->c.get_wait;
	n->put = s->c.put_wait;
	n->add_races = s->c.pamt_add_races;
	n->remove_races = s->c.pamt_remove_races;
}

/* b - a; a wait's max is reset at a's time instead (snap_start). */
static void snap_sub(struct lock_snap *b, const struct lock_snap *a)
{
	b->pamt.wait_ns -= a->pamt.wait_ns;
	b->pamt.contended -= a->pamt.contended;
	b->pamt.acquired -= a->pamt.acquired;
	b->mmu.wait_ns -= a->mmu.wait_ns;
	b->mmu.contended -= a->mmu.contended;
	b->split.wait_ns -= a->split.wait_ns;
	b->get.n -= a->get.n;
	b->get.sum_ns -= a->get.sum_ns;
	b->put.n -= a->put.n;
	b->put.sum_ns -= a->put.sum_ns;
	b->add_races -= a->add_races;
	b->remove_races -= a->remove_races;
}

static void snap_start(struct sim *s, struct lock_snap *n)
{
	s->c.get_wait.max_ns = s->c.put_wait.max_ns = 0;
	snap_take(s, n);
}

static double avg_wait(const struct pamt_wait *w)
{
	return w->n ? (double)w->sum_ns / (double)w->n : 0;
}

static void emit_locks(struct run_result *res, const struct lock_snap *l)
{
	result_metric(res, "mmu_lock_wait_ns", (double)l->mmu.wait_ns, "ns");
	result_metric(res, "pamt_lock_wait_ns", (double)l->pamt.wait_ns, "ns");
	result_metric(res, "pamt_lock_contended", (double)l->pamt.contended, "ops");
	result_metric(res, "split_lock_wait_ns", (double)l->split.wait_ns, "ns");
	result_metric(res, "pamt_add_races", (double)l->add_races, "ops");
	result_metric(res, "pamt_remove_races", (double)l->remove_races, "ops");
	result_metric(res, "pamt_get_wait_avg_ns", avg_wait(&l->get), "ns");
	result_metric(res, "pamt_get_wait_max_ns", (double)l->get.max_ns, "ns");
	result_metric(res, "pamt_put_wait_avg_ns", avg_wait(&l->put), "ns");
	result_metric(res, "pamt_put_wait_max_ns", (double)l->put.max_ns, "ns");
}

/* The measured teardown phase on its own (also inside the run-level figures). */
static void emit_teardown_locks(struct run_result *res, const struct lock_snap *l)
{
	result_metric(res, "teardown_pamt_lock_wait_ns", (double)l->pamt.wait_ns, "ns");
	result_metric(res, "teardown_pamt_lock_contended", (double)l->pamt.contended, "ops");
	result_metric(res, "teardown_pamt_put_wait_max_ns", (double)l->put.max_ns, "ns");
}

static void emit(struct sim *s, struct run_result *res, vtime_t t_start, vtime_t t_end,
		 uint64_t bytes_end, const struct lock_snap *locks, const struct lock_snap *td_locks)
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
	result_metric(res, "pamt_refcount_bytes", (double)pamt_refcount_bytes(s), "bytes");
	result_metric(res, "total_pamt_bytes", (double)(static_pamt_bytes(s) + pamt_refcount_bytes(s) +
							s->pairs_peak * SIM_PAIR_BYTES), "bytes");
	result_metric(res, "pairs_demote", (double)c->pairs_demote, "pairs");
	result_metric(res, "fault_splits", (double)c->fault_splits, "ops");
	result_metric(res, "pamt_lock_softirq", (double)c->pamt_lock_softirq, "ops");
	result_metric(res, "rcu_deferred_peak", (double)c->rcu_deferred_peak, "pages");
	result_metric(res, "mmu_lock_writes", (double)c->mmu_writes, "ops");
	result_metric(res, "pamt_add_ns_avg", c->pamt_add ? (double)c->add_ns_sum / (double)c->pamt_add : 0, "ns");
	result_metric(res, "pamt_add_ns_max", (double)c->add_ns_max, "ns");
	result_metric(res, "pamt_remove_ns_avg",
		      c->pamt_remove ? (double)c->remove_ns_sum / (double)c->pamt_remove : 0, "ns");
	result_metric(res, "pamt_remove_ns_max", (double)c->remove_ns_max, "ns");
	result_metric(res, "pamt_cache_fill_max", (double)c->pamt_cache_fill_max, "pages");
	result_metric(res, "spec_pairs_peak", (double)s->spec_peak, "pairs");
	result_metric(res, "cache_pages_idle_peak", (double)s->cache_idle_peak, "pages");
	result_metric(res, "pages_alloc", (double)c->pages_alloc, "pages");
	result_metric(res, "pages_free_unused", (double)c->pages_free_unused, "pages");
	result_metric(res, "topups", (double)c->topups, "ops");
	result_metric(res, "splits", (double)c->splits, "ops");
	result_metric(res, "split_retries", (double)c->split_retries, "ops");
	result_metric(res, "split_cache_pages", (double)c->split_cache_pages, "pages");
	result_metric(res, "sept_pages", (double)c->sept_pages, "pages");
	emit_locks(res, locks);
	if (td_locks)
		emit_teardown_locks(res, td_locks);
	result_metric(res, "fault_ns_p50", (double)hist_percentile(s->fault_hist, 0.50), "ns");
	result_metric(res, "fault_ns_p99", (double)hist_percentile(s->fault_hist, 0.99), "ns");
	result_metric(res, "fault_ns_max", (double)s->fault_hist->max, "ns");
	result_metric(res, "faults", (double)c->faults, "ops");
	result_metric(res, "faults_2m", (double)c->faults_2m, "ops");
	result_metric(res, "shared_faults", (double)c->shared_faults, "ops");
	result_metric(res, "conversions", (double)c->conversions, "ops");
	if (c->conversions) {
		/* what a conversion costs the vCPU: zap, split, locks, PAMT.REMOVE */
		result_metric(res, "convert_ns_p50", (double)hist_percentile(s->convert_hist, 0.50), "ns");
		result_metric(res, "convert_ns_p99", (double)hist_percentile(s->convert_hist, 0.99), "ns");
	}
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
	result_note(res, "pamt_lock_contexts", "%s", c->pamt_lock_softirq ?
		    "process and softirq (RCU callbacks freeing S-EPT pages, sept_free=rcu)" :
		    "process");
}

int sim_run(const struct run_spec *spec, struct run_result *res, const struct sim_debug *dbg,
	    char *err, size_t errlen)
{
	const struct tdxb_workload *w = &spec->work;
	struct sim *s = sim_new(spec->params, w, spec->seed, dbg, err, errlen);
	vtime_t t_start, t_end;
	uint64_t bytes_end;
	bool measured_teardown = false;
	struct lock_snap l0, l1, pre, td, ph0, ph1;
	struct sbuf by_phase = SBUF_INIT;
	uint64_t get_max = 0, put_max = 0;
	int ret = BACKEND_OK;

	if (!s)
		return BACKEND_FAILED;
	t_start = s->now;
	s->progress = spec->progress;
	s->progress_ctx = spec->progress_ctx;
	s->nphases = w->nphases + 1;
	sim_sample(s, t_start, true);
	bytes_end = sim_dpamt_bytes(s);
	snap_start(s, &l0);
	for (uint32_t i = 0; i < w->nphases && ret == BACKEND_OK; i++) {
		s->phase = i;
		if (w->phases[i].kind == TDXB_PH_TEARDOWN) {
			bytes_end = sim_dpamt_bytes(s);
			measured_teardown = true;
			/* the teardown gets figures of its own: its maxima from here */
			get_max = s->c.get_wait.max_ns;
			put_max = s->c.put_wait.max_ns;
			snap_start(s, &pre);
		}
		snap_take(s, &ph0);
		ret = run_phase(s, &w->phases[i], spec->abort_now);
		snap_take(s, &ph1);
		snap_sub(&ph1, &ph0);
		sbuf_addf(&by_phase, "%s%u %s: %llu ns in %llu waits", i ? "; " : "", i + 1,
			  wl_phase_kind_name(w->phases[i].kind), (unsigned long long)ph1.pamt.wait_ns,
			  (unsigned long long)ph1.pamt.contended);
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
	snap_take(s, &l1);
	if (measured_teardown) {
		td = l1;
		snap_sub(&td, &pre);
		l1.get.max_ns = MAX(l1.get.max_ns, get_max);
		l1.put.max_ns = MAX(l1.put.max_ns, put_max);
	}
	snap_sub(&l1, &l0);
	if (ret == BACKEND_OK && !spec->measured_only) {
		s->phase = w->nphases;
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
	else {
		emit(s, res, t_start, t_end, bytes_end, &l1, measured_teardown ? &td : NULL);
		/* per phase, so a multi-phase workload shows where the waits are */
		result_note(res, "pamt_lock_by_phase", "%s", by_phase.buf ? by_phase.buf : "");
		if (spec->measured_only)
			result_note(res, "final_teardown", "skipped: only the measured phases were asked "
				    "for; after-teardown figures are not meaningful");
	}
	sbuf_free(&by_phase);
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
		char a[FMT_LEN], b[FMT_LEN];
		fmt_value((double)cfg.host_mem, "bytes", a, sizeof(a));
		fmt_value((double)(w->mem_bytes * w->tds), "bytes", b, sizeof(b));
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
	.knob_is_cost = sim_knob_is_cost,
	.strategies = sim_strategy_names,
	.presets = sim_presets,
	.probe = sim_probe,
	.resolve = sim_resolve,
	.validate = sim_check,	/* the model's checks need nothing from the host */
	.check = sim_check,
	.run = sim_backend_run,
	.is_model = true,
};
