/*
 * compare as text with more than one candidate: mmtests' compare-kernels
 * layout. One table per metric, the variants as columns (base first), the
 * blocks (workloads, sweep points) as rows; each candidate cell carries its
 * change and a mark: * significant, = identical reps (exact), ~ no
 * significant change, ? too few reps to tell.
 */
#include "report/compare_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/util.h"

#define W_ROW 22	/* block title column */
#define W_COL 18	/* one variant: "8.06 MiB +784.7% =" */
#define MAX_METRICS 6	/* tables without --all */

static const struct cblock *block_of(const struct cmp *c, const struct cgroup *g, size_t s)
{
	for (size_t b = 0; b < c->nblocks; b++)
		if (c->blocks[b].g == g && c->blocks[b].cand == s)
			return &c->blocks[b];
	return NULL;
}

static const struct crow *row_of(const struct cblock *bl, const char *metric)
{
	for (size_t i = 0; bl && i < bl->nrows; i++)
		if (!strcmp(bl->rows[i].name, metric))
			return &bl->rows[i];
	return NULL;
}

/* A row's name: the workload and the values of the keys that tell rows apart. */
static void row_title(const struct cmp *c, const struct cgroup *g, char *buf, size_t len)
{
	struct sbuf sb = SBUF_INIT;
	bool wl_varies = false;

	for (size_t k = 0; k < c->ngroups; k++)
		wl_varies |= strcmp(c->groups[k].workload ? c->groups[k].workload : "",
				    g->workload ? g->workload : "") != 0;
	if (wl_varies || !g->kp.n)
		sbuf_add(&sb, g->workload ? g->workload : "*");
	for (size_t i = 0; i < g->kp.n; i++) {
		bool varies = false;
		for (size_t k = 0; k < c->ngroups && !varies; k++) {
			const char *v = params_get(&c->groups[k].kp, g->kp.v[i].key);
			varies = c->groups[k].workload && g->workload &&
				 !strcmp(c->groups[k].workload, g->workload) &&
				 (!v || strcmp(v, g->kp.v[i].value));
		}
		if (varies)
			sbuf_addf(&sb, "%s%s=%s", sb.len ? " " : "", g->kp.v[i].key,
				  g->kp.v[i].value);
	}
	if (!sb.len)	/* one row: its workload names it */
		sbuf_add(&sb, g->workload ? g->workload : "*");
	snprintf(buf, len, "%s", sb.buf);
	sbuf_free(&sb);
}

static char mark(const struct crow *r)
{
	return r->identical ? '=' : r->significant ? '*' : r->few ? '?' : '~';
}

/* The metrics worth a table: changed somewhere (all with --all), glossary order. */
static size_t pick_metrics(const struct cmp *c, const char **names, size_t max)
{
	size_t n = 0;
	for (size_t b = 0; b < c->nblocks; b++)
		for (size_t i = 0; i < c->blocks[b].nrows; i++) {
			const struct crow *r = &c->blocks[b].rows[i];
			size_t k;
			if (!c->req->all && !r->changed)
				continue;
			for (k = 0; k < n && strcmp(names[k], r->name); k++)
				;
			if (k == n && n < max)
				names[n++] = r->name;
		}
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && metric_cmp(names[b - 1], names[b]) > 0; b--) {
			const char *t = names[b];
			names[b] = names[b - 1];
			names[b - 1] = t;
		}
	return n;
}

static void print_metric_table(const struct cmp *c, const char *metric, size_t first, size_t last,
			 FILE *out)
{
	const struct metric_desc *d = metric_find(metric);
	char line[256];
	int len;

	fprintf(out, "\n%s%s%s%s\n", metric_title(metric), d ? " [" : "", d ? d->unit : "",
		d ? (d->better == BETTER_NONE ? "]" : d->better == BETTER_LOWER ?
		     ", lower is better]" : ", higher is better]") : "");
	len = snprintf(line, sizeof(line), "%-*s %*s", W_ROW, "", W_COL, "base");
	for (size_t s = first; s <= last; s++) {
		char h[32];
		snprintf(h, sizeof(h), "cand %zu", s);
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %*s", W_COL, h);
	}
	fprintf(out, "%s\n", line);
	for (size_t g = 0; g < c->ngroups; g++) {
		const struct crow *base = NULL;
		char title[W_ROW + 1], v[FMT_LEN], cell[64];
		bool any = false;
		for (size_t s = first; s <= last && !base; s++)
			base = row_of(block_of(c, &c->groups[g], s), metric);
		if (!base)
			continue;
		row_title(c, &c->groups[g], title, sizeof(title));
		len = snprintf(line, sizeof(line), "%-*s %*s", W_ROW, title, W_COL,
			       fmt_value(base->b.median, base->unit, v, sizeof(v)));
		for (size_t s = first; s <= last; s++) {
			const struct crow *r = row_of(block_of(c, &c->groups[g], s), metric);
			char chg[32];
			if (r) {
				fmt_change(r->change, r->ratio, chg, sizeof(chg));
				bool show = r->changed || r->few;
				snprintf(cell, sizeof(cell), "%s %s%s%c",
					 fmt_value(r->c.median, r->unit, v, sizeof(v)),
					 show ? chg : "", show ? " " : "", mark(r));
				any = true;
			} else {
				snprintf(cell, sizeof(cell), "-");
			}
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %*s", W_COL, cell);
		}
		if (any)
			fprintf(out, "%s\n", line);
	}
}

void compare_text_columns(const struct cmp *c, FILE *out)
{
	const char *names[64];
	size_t n = pick_metrics(c, names, c->req->all ? ARRAY_SIZE(names) : MAX_METRICS);
	/* three candidates fit 80 columns beside the base: more go in further tables */
	size_t per = (TEXT_WIDTH - W_ROW - W_COL - 1) / (W_COL + 1);

	for (size_t first = 1; first < c->nsides; first += per) {
		size_t last = MIN(c->nsides - 1, first + per - 1);
		for (size_t m = 0; m < n; m++)
			print_metric_table(c, names[m], first, last, out);
	}
	fprintf(out, "\n* significant, = identical reps (exact change), ~ no significant "
		     "change,\n? too few reps to tell; change in %% of base\n");
}
