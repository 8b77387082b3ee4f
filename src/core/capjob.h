/*
 * Model runs for the capacity study: one sim repetition per job, outside the
 * runner and the store (nothing of a study is stored), a few at once in
 * child processes. Each run is deterministic, so running them in parallel
 * changes nothing but the wall time.
 */
#ifndef TDX_CAPJOB_H
#define TDX_CAPJOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/capacity.h"

struct cap_job {
	/* in */
	const char *strategy;
	char *assign;			/* "k=v,...": workload shape, layout, knobs */
	uint64_t seed;
	/* out */
	bool ok;
	double v[CM_N];
	double host_mem;		/* the model's host, bytes */
	char err[232];
};

/* Build the job's workload and knobs without running it: 0, or -1 and err. */
int cap_job_check(const struct cap_job *j, char *err, size_t errlen);
/* Run every job, up to `workers` at once (1 = in this process). */
void cap_jobs_run(struct cap_job *jobs, size_t n, unsigned workers, bool progress);

#endif
