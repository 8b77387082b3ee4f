/*
 * Run selectors, shared by list/export/compare/report:
 *   "strategy=sean-v5,workload=boot"   key=value terms, all must hold
 *   "12" / "12-20" / "id=12-20"         run ids
 *   keys: id, session, backend, strategy, workload, label, status, kernel, host,
 *         job (the job file section), and any run parameter (mem=64G, vcpus=16, ...)
 */
#ifndef TDX_SELECT_H
#define TDX_SELECT_H

#include <stddef.h>

#include "lib/params.h"
#include "store/store.h"

struct selector {
	char *text;			/* as typed, for headers and errors */
	struct run_filter filter;	/* string fields point into owned storage */
	struct params param_terms;	/* terms that are run parameters */
	struct params fields;		/* owned copies of the run_filter strings */
};

/* Parse; -1 + err ("unknown key 'x' in selector 'x=1' (valid: ...)"). */
int selector_parse(const char *text, struct selector *sel, char *err, size_t errlen);
void selector_free(struct selector *sel);
/* Command operands as one selector: the terms of all of them, ANDed
 * (no operands selects every run). */
int selector_parse_args(int argc, char **argv, struct selector *sel, char *err, size_t errlen);

#endif
