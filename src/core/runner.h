/*
 * The runner: a plan in, stored repetitions out. Per job instance it probes
 * the backend, resolves strategy + overrides, builds the workload and checks
 * it; then it runs warm-ups (not stored) and the measured repetitions
 * interleaved across instances (A B A B ...), committing each finished
 * repetition in its own transaction. Ctrl-C once stops after the current
 * repetition; twice stops now and drops only the unfinished one.
 */
#ifndef TDX_RUNNER_H
#define TDX_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/plan.h"

struct store;

struct runner_opts {
	struct store *st;
	const char *cmdline;		/* exact command line, shell-quoted */
	const char *host_label;		/* --label, for the host fingerprint */
	const char *kernel_tree;	/* --kernel-tree: git describe for the host */
	bool quiet;			/* no progress */
	int64_t resume_session;		/* the plan continues this session (0 = a new one) */
	const char *shard;		/* "K/N" of `run --shard`, recorded with the session */
};

/* One job instance as the run left it (the summary's row). */
struct runner_row {
	const struct plan_item *it;
	int64_t run_id;
	bool failed;
	char *reason;			/* why it failed, or NULL */
	int kept;			/* repetitions committed by this invocation */
};

/* What the run did, for the end-of-run summary (src/report/summary.c). */
struct runner_outcome {
	struct runner_row *rows;	/* in plan order; n = 0: nothing to summarize */
	size_t n;
	int64_t session;
	bool interrupted;
};

/*
 * Exit code: 0 all done, 1 something failed, 130 interrupted. *out (may be
 * NULL) gets the outcome; free it with runner_outcome_free(), before the plan.
 */
int runner_run(struct plan *pl, const struct runner_opts *o, struct runner_outcome *out);
void runner_outcome_free(struct runner_outcome *out);

/*
 * The unfinished part of the session that run_id belongs to, as a plan whose
 * items carry their stored run ids (params exactly as stored). Runs already
 * done or failed are left out. *session = the session id.
 */
int runner_resume_plan(struct store *st, int64_t run_id, struct plan *pl, int64_t *session);

/* The seed of repetition rep (warm-ups: rep < 0) from an instance's seed. */
uint64_t runner_rep_seed(uint64_t seed, int rep);

#endif
