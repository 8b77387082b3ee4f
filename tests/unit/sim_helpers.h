/* Helpers for the sim unit tests (tests/unit/test_sim_*.c): build a run from
 * a preset, a workload and "k=v" assignments, either whole or step by step. */
#ifndef TDX_TEST_SIM_HELPERS_H
#define TDX_TEST_SIM_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sim/sim_int.h"
#include "lib/util.h"
#include "workloads/workload.h"

struct tcase {
	struct params p;
	struct run_spec spec;
	struct run_result res;
	char err[512];
};

static inline void tcase_init(struct tcase *tc, const char *strategy, const char *wl,
			      const char *assign)
{
	const struct workload_desc *d = workload_find(wl);
	memset(tc, 0, sizeof(*tc));
	assert_non_null(d);
	if (assign && *assign)
		assert_int_equal(params_parse_assignments(&tc->p, assign, tc->err, sizeof(tc->err)), 0);
	if (!params_has(&tc->p, "seed"))
		params_set(&tc->p, "seed", "1");
	if (d->build(&tc->p, &tc->spec.work, tc->err, sizeof(tc->err)))
		fail_msg("build %s: %s", wl, tc->err);
	if (sim_resolve(strategy, &tc->p, tc->err, sizeof(tc->err)))
		fail_msg("resolve %s: %s", strategy, tc->err);
	tc->spec.strategy = strategy;
	tc->spec.wl = d;
	tc->spec.params = &tc->p;
	parse_u64(params_get(&tc->p, "seed"), &tc->spec.seed);
	result_init(&tc->res);
}

static inline void tcase_free(struct tcase *tc)
{
	result_free(&tc->res);
	params_free(&tc->p);
}

/* Whole run; returns the backend's code. */
static inline int tcase_run(struct tcase *tc, const struct sim_debug *dbg)
{
	return sim_run(&tc->spec, &tc->res, dbg, tc->err, sizeof(tc->err));
}

static inline double M(const struct tcase *tc, const char *name)
{
	const struct result_metric *m = result_find_metric(&tc->res, name);
	if (!m)
		fail_msg("no metric %s", name);
	return m->value;
}

static inline const char *note(const struct tcase *tc, const char *key)
{
	for (size_t i = 0; i < tc->res.n_notes; i++)
		if (!strcmp(tc->res.notes[i].key, key))
			return tc->res.notes[i].value;
	return NULL;
}

/* Step by step: the host and the TDs, no phase run yet. */
static inline struct sim *tcase_sim(struct tcase *tc, const struct sim_debug *dbg)
{
	struct sim *s = sim_new(&tc->p, &tc->spec.work, tc->spec.seed, dbg, tc->err, sizeof(tc->err));
	if (!s)
		fail_msg("sim_new: %s", tc->err);
	return s;
}

static inline struct sim_vcpu *vcpu(struct sim *s, uint32_t td, uint32_t i)
{
	return &s->tds[td].vcpus[i];
}

static inline void step_fault(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit)
{
	s->now = v->t;
	mmu_fault(s, v, gpa, unit);
	assert_false(s->failed);
}

static inline void step_topup(struct sim *s, struct sim_vcpu *v)
{
	vtime_t t = v->t;
	s->now = t;
	mmu_topup(s, v, &t);
	v->t = t;
	assert_false(s->failed);
}

static inline void step_to_shared(struct sim *s, struct sim_vcpu *v, uint64_t gpa, uint64_t unit)
{
	s->now = v->t;
	mmu_convert(s, v, gpa, unit, true);
	assert_false(s->failed);
}

/* Tear down and insist on the after-teardown invariants. */
static inline void step_finish(struct sim *s)
{
	sim_teardown_all(s);
	if (s->failed)
		fail_msg("%s", s->why);
	sim_delete(s);
}

#endif
