/* What the backend unit tests share: one repetition's outcome and lookups in it. */
#ifndef TDXB_TESTS_BACKEND_TEST_H
#define TDXB_TESTS_BACKEND_TEST_H

#include <string.h>

#include "backend/backend.h"
#include "lib/result.h"
#include "workloads/workload.h"

struct outcome {
	int rc;
	char err[512];
	struct run_result res;
};

static inline double metric(const struct outcome *o, const char *name)
{
	const struct result_metric *m = result_find_metric(&o->res, name);
	if (!m)
		fail_msg("metric '%s' missing", name);
	return m->value;
}

static inline const char *note(const struct outcome *o, const char *key)
{
	for (size_t i = 0; i < o->res.n_notes; i++)
		if (!strcmp(o->res.notes[i].key, key))
			return o->res.notes[i].value;
	return NULL;
}

/* A run_spec for backend and workload wl_name with assign ("mem=4M,vcpus=2"), resolved like the runner does. */
static inline void spec_build(const char *backend, const char *wl_name, const char *assign, struct params *p,
			      struct run_spec *spec, char *err, size_t errlen)
{
	const struct backend_ops *b = backend_find(backend);
	const struct workload_desc *wl = workload_find(wl_name);
	assert_non_null(b);
	assert_non_null(wl);
	memset(spec, 0, sizeof(*spec));
	spec->wl = wl;
	spec->params = p;
	if (params_parse_assignments(p, assign, err, errlen) || wl->build(p, &spec->work, err, errlen) ||
	    b->resolve(NULL, p, err, errlen))
		fail_msg("%s %s %s: %s", backend, wl_name, assign, err);
}

#endif
