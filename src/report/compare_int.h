/* Shared by the compare renderers in src/report/compare_*.c; not an API. */
#ifndef TDX_COMPARE_INT_H
#define TDX_COMPARE_INT_H

#include <stdio.h>

#include "core/compare.h"
#include "report/compare_render.h"

#define TEXT_WIDTH 80

/* CI half-width as % of the median, "-" without a CI; '!' when noisy/outliers. */
const char *fmt_ci(const struct summary *s, char *buf, size_t len);
/* "+1.2%", "from 0", "x12": a change in % of the base median. */
const char *fmt_change(double chg, double ratio, char *buf, size_t len);
const char *fmt_p(double p, char *buf, size_t len);
/* "better"/"worse" for a significant row with a direction in an unconfounded block. */
const char *verdict(const struct cblock *bl, const struct crow *r);
/* "1-4,7,9-10" from the run ids of idx (all rows when idx is NULL). */
char *fmt_ids(const struct cside *sd, const size_t *idx, size_t n);
/* Distinct hosts of a side, one descriptive string each. */
char **side_hosts(struct store *st, const struct cside *sd, size_t *n);
/* Distinct session command lines of a side, in run order. */
char **side_cmdlines(const struct cside *sd, size_t *n);
void free_strv(char **v, size_t n);
/* Any run of the side model output? *all: every run. */
bool side_is_model(const struct cside *sd, bool *all);
/* "sim,kvm": the side's backends. */
char *side_backends(const struct cside *sd);
/* Did every run of both sides run on one host? */
bool same_hosts(const struct cside *a, const struct cside *b);
/* One command that reruns exactly the compared runs, or NULL. */
char *rerun_command(const struct cmp *c);

void compare_text(struct store *st, const struct cmp *c, FILE *out);
/* More than one candidate: a table per metric with the variants as columns. */
void compare_text_columns(const struct cmp *c, FILE *out);
void compare_markdown(struct store *st, const struct cmp *c, FILE *out);
void compare_csv(const struct cmp *c, FILE *out);
void compare_json(struct store *st, const struct cmp *c, FILE *out);

#endif
