/*
 * The comparison engine behind `tdxbench compare` (and the tables inside
 * `tdxbench report`): match runs of a base selection and candidate
 * selections on workload + parameters, summarize each metric, test the
 * difference, render text/markdown/csv/json.
 */
#ifndef TDX_COMPARE_H
#define TDX_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct store;

enum compare_format { CMP_TEXT, CMP_MARKDOWN, CMP_CSV, CMP_JSON };

struct compare_req {
	const char *base;		/* selector text */
	const char *const *cands;	/* selector texts */
	size_t ncands;
	const char *metrics;		/* "a,b" filter or NULL for all shared */
	double alpha;			/* default 0.05 */
	double fail_if_worse_pct;	/* <0: off */
	bool header;			/* print the fingerprint/reproduce header */
};

/*
 * Render the comparison to out. Returns 0, or 1 when fail_if_worse_pct is set
 * and a significant regression beyond it exists, or -1 on error (printed).
 */
int compare_render(struct store *st, const struct compare_req *req, enum compare_format fmt,
		   FILE *out);

#endif
