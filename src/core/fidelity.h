/*
 * `tdxbench fidelity`: every figure the DPAMT and TDX huge page series
 * published, next to what the sim gives when it runs the scenario behind
 * it. Each row carries its tolerance and the reason for it, written in the
 * table (src/core/fidelity.c) before the model was run, never fitted after.
 */
#ifndef TDX_FIDELITY_H
#define TDX_FIDELITY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/params.h"

enum fid_verdict {
	FID_MATCHES,		/* a point figure, model inside its tolerance */
	FID_IN_RANGE,		/* a published range, model inside it */
	FID_OUTSIDE,		/* model outside the tolerance: a failure */
	FID_NOT_REPRO,		/* the model cannot run this scenario (reason given) */
	FID_KNOWN_OUTSIDE,	/* outside, kept so with the difference explained in the table */
	FID_STALE,		/* inside, but the table says known-outside: a failure */
};

/* OUTSIDE or STALE: `fidelity` exits 1, `make check` fails. */
bool fid_failed(enum fid_verdict v);

struct fid_row;

struct fid_result {
	const struct fid_row *row;
	enum fid_verdict verdict;
	double value;		/* model value in the row's unit; NAN when not run */
	char scenario[600];	/* what ran: strategy, workload, parameters */
	char error[256];	/* a scenario that failed to run */
};

/* Row fields for output; the table itself stays in fidelity.c. */
const char *fid_row_id(const struct fid_row *r);
const char *fid_row_what(const struct fid_row *r);
const char *fid_row_source(const struct fid_row *r);
const char *fid_row_published(const struct fid_row *r);
const char *fid_row_unit(const struct fid_row *r);
const char *fid_row_tolerance(const struct fid_row *r);	/* band and reason */
const char *fid_row_known(const struct fid_row *r);	/* why it stays outside, or NULL */
bool fid_row_runs(const struct fid_row *r);	/* false: not reproducible, tolerance says why */
double fid_row_lo(const struct fid_row *r);
double fid_row_hi(const struct fid_row *r);
const char *fid_verdict_name(enum fid_verdict v);

size_t fid_nrows(void);

/*
 * Run every row (or those whose id contains `only`, when not NULL) on the
 * sim, with `extra` (k=v assignments, may be empty) applied to every
 * scenario. Results in out[fid_nrows()]; returns the number of rows run.
 * progress(i, n, id) is called before each scenario when not NULL.
 */
size_t fid_run(const struct params *extra, const char *only, struct fid_result *out,
	       void (*progress)(size_t i, size_t n, const char *what));

#endif
