/* compare as csv: one row per block x metric, raw numbers. */
#include "report/compare_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/util.h"

static void csv_field(FILE *out, const char *s, bool last)
{
	fmt_csv(out, s);
	fputc(last ? '\n' : ',', out);
}

static void csv_num(FILE *out, double v, bool last)
{
	char buf[40];
	if (isfinite(v))
		snprintf(buf, sizeof(buf), "%.17g", v);
	else
		buf[0] = 0;
	csv_field(out, buf, last);
}

static const char *const csv_cols[] = {
	"candidate", "workload", "params", "backend", "metric", "unit", "better",
	"base_n", "base_median", "base_ci_lo", "base_ci_hi", "base_noisy",
	"cand_n", "cand_median", "cand_ci_lo", "cand_ci_hi", "cand_noisy",
	"change_pct", "p", "significant", "identical", "confounded", "verdict",
};
#define CSV_NCOLS ARRAY_SIZE(csv_cols)

static void csv_lead(const struct cmp *c, const struct cblock *bl, const char *kp, FILE *out)
{
	csv_field(out, c->sides[bl->cand].text, false);
	csv_field(out, bl->g->workload ? bl->g->workload : "", false);
	csv_field(out, kp, false);
	csv_field(out, bl->g->backend ? bl->g->backend : "", false);
}

/* A geomean row per unit: only the unit and the change are meaningful. */
static void csv_geos(const struct cmp *c, const struct cblock *bl, const char *kp, FILE *out)
{
	for (size_t i = 0; i < bl->ngeos; i++) {
		char n[24];
		if (bl->geos[i].n < 2)	/* the mean of one ratio is that ratio */
			continue;
		csv_lead(c, bl, kp, out);
		csv_field(out, "geomean", false);
		csv_field(out, bl->geos[i].unit, false);
		csv_field(out, "lower", false);
		snprintf(n, sizeof(n), "%zu", bl->geos[i].n);
		csv_field(out, n, false);	/* base_n: the metrics in it */
		for (size_t k = 0; k < 9; k++)
			csv_field(out, "", false);
		csv_num(out, (bl->geos[i].geo - 1) * 100.0, false);
		csv_field(out, "", false);
		csv_field(out, "", false);
		csv_field(out, "", false);
		csv_field(out, bl->confound.n ? "1" : "0", false);
		csv_field(out, "", true);
	}
}

static void csv_row(const struct cblock *bl, const struct crow *r, FILE *out)
{
	char n1[24], n2[24];
	csv_field(out, r->name, false);
	csv_field(out, r->unit, false);
	csv_field(out, better_name(r->better), false);
	snprintf(n1, sizeof(n1), "%zu", r->b.n);
	snprintf(n2, sizeof(n2), "%zu", r->c.n);
	csv_field(out, n1, false);
	csv_num(out, r->b.median, false);
	csv_num(out, r->b.ci_lo, false);
	csv_num(out, r->b.ci_hi, false);
	csv_field(out, r->b.noisy || r->b.outliers ? "1" : "0", false);
	csv_field(out, n2, false);
	csv_num(out, r->c.median, false);
	csv_num(out, r->c.ci_lo, false);
	csv_num(out, r->c.ci_hi, false);
	csv_field(out, r->c.noisy || r->c.outliers ? "1" : "0", false);
	csv_num(out, r->change, false);
	csv_num(out, r->t.p, false);
	csv_field(out, r->significant ? "1" : "0", false);
	csv_field(out, r->identical ? "1" : "0", false);
	csv_field(out, bl->confound.n ? "1" : "0", false);
	csv_field(out, verdict(bl, r), true);
}

void compare_csv(const struct cmp *c, FILE *out)
{
	for (size_t i = 0; i < CSV_NCOLS; i++)
		csv_field(out, csv_cols[i], i + 1 == CSV_NCOLS);
	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		char *kp = params_canonical(&bl->g->kp);
		for (size_t i = 0; i < bl->nrows; i++) {
			csv_lead(c, bl, kp, out);
			csv_row(bl, &bl->rows[i], out);
		}
		csv_geos(c, bl, kp, out);
		free(kp);
	}
}
