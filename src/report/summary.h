/* The end-of-run summary `tdxbench run` prints (src/report/summary.c). */
#ifndef TDX_SUMMARY_H
#define TDX_SUMMARY_H

#include <stdio.h>

#include "core/runner.h"

struct store;

/* Tables of the key metrics per job and workload, then "Next:" commands. */
void summary_print(struct store *st, const struct runner_outcome *oc, const char *db_path,
		   FILE *f);

/* The same as JSON (run --json): the session and each run's stored reps. */
void summary_json(struct store *st, const struct runner_outcome *oc, const char *db_path,
		  FILE *f);

#endif
