/*
 * A capacity study as text, markdown and JSON (report/capacity.h). Every
 * table says it is model output; every figure that rests on a cost says
 * whether that cost is assumed; a value that one cost moves by more than
 * 10 % within its range is printed as that range.
 */
#include "report/capacity.h"
#include "lib/fmt.h"
#include "lib/util.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RANGE_PCT 10.0

/* ---- numbers: lib/fmt.h, the one formatter ------------------------------------ */

static const char *fbytes(char *b, size_t n, double v)
{
	return isnan(v) ? (snprintf(b, n, "n/a"), b) : fmt_value(v, "bytes", b, n);
}

static const char *fns(char *b, size_t n, double v)
{
	return isnan(v) ? (snprintf(b, n, "n/a"), b) : fmt_value(v, "ns", b, n);
}

static const char *fcount(char *b, size_t n, double v)
{
	return isnan(v) ? (snprintf(b, n, "n/a"), b) : fmt_value(v, "count", b, n);
}

typedef const char *(*fmt_fn)(char *, size_t, double);

static bool is_range(double base, double lo, double hi)
{
	double ref = fabs(base) > 0 ? fabs(base) : fmax(fabs(lo), fabs(hi));
	return ref > 0 && (hi - lo) / ref * 100 > RANGE_PCT;
}

/*
 * "v" or, when the range is wider than RANGE_PCT of v, "lo-hi unit" on the
 * scale of hi ("1.2-3.4 GiB"): the numbers as lib/fmt.h prints them.
 */
static const char *franged(char *b, size_t n, fmt_fn f, double v, double lo, double hi)
{
	const char *unit = f == fbytes ? "bytes" : f == fns ? "ns" : "count";
	struct fmt_scale sc = fmt_scale(unit, fabs(hi));
	char x[FMT_LEN], y[FMT_LEN];
	if (!is_range(v, lo, hi))
		return f(b, n, v);
	if (!sc.name)
		return snprintf(b, n, "%s-%s", f(x, sizeof(x), lo), f(y, sizeof(y), hi)), b;
	fmt_value(lo / sc.div, "count", x, sizeof(x));
	fmt_value(hi / sc.div, "count", y, sizeof(y));
	snprintf(b, n, "%s-%s %s", x, y, sc.name);
	return b;
}

static double pct_of(double v, double host)
{
	return host > 0 ? v / host * 100 : NAN;
}

/* ---- text and markdown ---------------------------------------------------------- */

struct table {
	enum cap_format fmt;
	FILE *out;
	const int *w;		/* column widths (text) */
	size_t ncol;
};

static void row(struct table *t, const char *const *cells)
{
	if (t->fmt == CAPF_MARKDOWN) {
		fputc('|', t->out);
		for (size_t i = 0; i < t->ncol; i++)
			fprintf(t->out, " %s |", cells[i]);
		fputc('\n', t->out);
		return;
	}
	for (size_t i = 0; i < t->ncol; i++)
		if (i + 1 < t->ncol)
			fprintf(t->out, "%-*s ", t->w[i], cells[i]);
		else
			fprintf(t->out, "%s", cells[i]);
	fputc('\n', t->out);
}

static void head(struct table *t, const char *const *cells)
{
	row(t, cells);
	if (t->fmt == CAPF_MARKDOWN) {
		fputc('|', t->out);
		for (size_t i = 0; i < t->ncol; i++)
			fputs(i ? "---:|" : "---|", t->out);
		fputc('\n', t->out);
	}
}

static void title(const struct cap_study *s, enum cap_format f, FILE *out, const char *t)
{
	(void)s;
	if (f == CAPF_MARKDOWN)
		fprintf(out, "\n#### %s\n\n", t);
	else
		fprintf(out, "\n%s\n", t);
}

static void para(enum cap_format f, FILE *out, const char *text)
{
	/* already wrapped at 78 columns by the callers */
	fprintf(out, "%s%s\n", f == CAPF_MARKDOWN ? "\n" : "", text);
}

static void render_header(const struct cap_study *s, enum cap_format f, FILE *out)
{
	const struct cap_req *r = &s->req;
	char a[24], b[24], c[24], d[24], e[24], g[24];
	double guest = (double)r->mem * r->tds;
	if (f == CAPF_MARKDOWN)
		fprintf(out, "### tdxbench capacity: model output (sim), not a measurement\n\n");
	else
		fprintf(out, "tdxbench capacity: model output (sim), not a measurement\n");
	fprintf(out, "%u TD%s x %s x %u vCPU%s on a %s host%s;\nguest memory %s = %.1f %% of it.\n",
		r->tds, r->tds == 1 ? "" : "s", fbytes(a, sizeof(a), (double)r->mem), r->vcpus,
		r->vcpus == 1 ? "" : "s",
		fbytes(b, sizeof(b), (double)r->host_mem),
		r->huge ? (!strcmp(r->huge, "yes") ? ", huge pages on" : ", huge pages off (4K folios)") : "",
		fbytes(c, sizeof(c), guest), pct_of(guest, (double)r->host_mem));
	if (f == CAPF_MARKDOWN)
		fputc('\n', out);
	if (s->extrapolated)
		fprintf(out, "Method: the model ran the same %u TD%s x %u vCPU%s with %s, %s, %s\n"
			"and %s per TD (an eighth of that on the sparse host); each metric\n"
			"is taken to full size as a + b*mem or as saturated, whichever predicts\n"
			"the largest rung better from the others.\n"
			"Worst hold-out error of that check: %.1f %% (memory and counts: %s),\n"
			"%.1f %% (times: %s).\n"
			"Times under light contention extrapolate worst (docs/capacity.md);\n"
			"--full measures the error at full size.\n"
			"%zu model runs, %.1f s.\n",
			r->tds, r->tds == 1 ? "" : "s", r->vcpus, r->vcpus == 1 ? "" : "s",
			fbytes(a, sizeof(a), s->m0), fbytes(e, sizeof(e), s->m0 * 2),
			fbytes(d, sizeof(d), s->m0 * 4), fbytes(g, sizeof(g), s->m0 * 8),
			s->worst_holdout * 100,
			s->worst_what ? s->worst_what : "-", s->worst_holdout_timing * 100,
			s->worst_what_timing ? s->worst_what_timing : "-", s->runs, s->wall_s);
	else
		fprintf(out, "Method: the model ran the full size. %zu model runs, %.1f s.\n", s->runs,
			s->wall_s);
	fprintf(out, "%sStatic PAMT is the model's formula for the %s host; %% are of that host.\n",
		f == CAPF_MARKDOWN ? "\n" : "", fbytes(a, sizeof(a), (double)r->host_mem));
}

static void render_memory(const struct cap_study *s, enum cap_format f, FILE *out)
{
	static const int w[] = { 9, 9, 13, 5, 13, 14, 5 };
	static const char *const h[] = { "strategy", "static+rc", "DPAMT peak", "spec.",
					 "idle cache", "total (peaks)", "%host" };
	struct table t = { f, out, w, 7 };
	double host = (double)s->req.host_mem;
	title(s, f, out, "Memory for PAMT and caches, typical (fresh host), at full size");
	head(&t, h);
	for (size_t i = 0; i < s->nst; i++) {
		const struct cap_strategy *st = &s->st[i];
		char c[7][80];
		const char *cells[7];
		double tot = cap_total_bytes(s, i, CAP_FRESH);
		if (!st->cell[CAP_FRESH].ok) {
			snprintf(c[1], sizeof(c[1]), "failed: %.50s", st->cell[CAP_FRESH].err);
			cells[0] = st->name;
			cells[1] = c[1];
			for (int k = 2; k < 7; k++)
				cells[k] = "";
			row(&t, cells);
			continue;
		}
		snprintf(c[0], sizeof(c[0]), "%s", st->name);
		fbytes(c[1], sizeof(c[1]), cap_value(s, i, CAP_FRESH, CM_STATIC) +
						   cap_value(s, i, CAP_FRESH, CM_REFCOUNT));
		franged(c[2], sizeof(c[2]), fbytes, cap_value(s, i, CAP_FRESH, CM_DPAMT),
			st->range_lo[CM_DPAMT], st->range_hi[CM_DPAMT]);
		snprintf(c[3], sizeof(c[3]), "%.0f", cap_value(s, i, CAP_FRESH, CM_SPEC));
		franged(c[4], sizeof(c[4]), fbytes, cap_value(s, i, CAP_FRESH, CM_CACHE) * 4096,
			st->range_lo[CM_CACHE] * 4096, st->range_hi[CM_CACHE] * 4096);
		franged(c[5], sizeof(c[5]), fbytes, tot, st->total_lo, st->total_hi);
		snprintf(c[6], sizeof(c[6]), "%.3f", pct_of(tot, host));
		for (int k = 0; k < 7; k++)
			cells[k] = c[k];
		row(&t, cells);
	}
	para(f, out, "static+rc: PAMT reserved at boot (static: 1/256 of the host and the\n"
		     "2M/1G levels; DPAMT: a bit per 4K and those levels) and v6's refcount\n"
		     "array. DPAMT peak includes the speculative pairs (spec.: pairs held\n"
		     "only by cached pages); total = static+rc + DPAMT peak + idle cache\n"
		     "pages, peaks summed. A range is the answer over one cost at a time\n"
		     "(Sensitivity) and the fit's hold-out error.");
}

static void render_caches(const struct cap_study *s, enum cap_format f, FILE *out)
{
	static const int w[] = { 9, 8, 8, 15, 7, 12, 10 };
	static const char *const h[] = { "strategy", "/vCPU", "/TD", "/host", "%host",
					 "bound /vCPU", "spec/vCPU" };
	struct table t = { f, out, w, 7 };
	double nv = (double)s->req.tds * s->req.vcpus;
	title(s, f, out, "Idle cache pages at peak, typical (fresh host), bytes");
	head(&t, h);
	for (size_t i = 0; i < s->nst; i++) {
		const struct cap_strategy *st = &s->st[i];
		const struct cap_bound *bd = &st->bound;
		char c[7][32];
		const char *cells[7];
		double pages = cap_value(s, i, CAP_FRESH, CM_CACHE), by = pages * 4096;
		if (!st->cell[CAP_FRESH].ok)
			continue;
		snprintf(c[0], sizeof(c[0]), "%s", st->name);
		fbytes(c[1], sizeof(c[1]), by / nv);
		fbytes(c[2], sizeof(c[2]), by / s->req.tds);
		franged(c[3], sizeof(c[3]), fbytes, by, st->range_lo[CM_CACHE] * 4096,
			st->range_hi[CM_CACHE] * 4096);
		snprintf(c[4], sizeof(c[4]), "%.4f", pct_of(by, (double)s->req.host_mem));
		if (bd->cache)
			snprintf(c[5], sizeof(c[5]), "%.0f pages", bd->cache_pages_per_vcpu);
		else
			snprintf(c[5], sizeof(c[5]), "none");
		if (bd->spec)
			snprintf(c[6], sizeof(c[6]), "<= %.0f pr", bd->spec_pairs_per_vcpu);
		else
			snprintf(c[6], sizeof(c[6]), "0");
		for (int k = 0; k < 7; k++)
			cells[k] = c[k];
		row(&t, cells);
	}
	para(f, out, "bound /vCPU: what the caches are filled to (spt cache capacity + 2 x pamt\n"
		     "cache capacity; v4: its combined list), plus split-cache pages per TD;\n"
		     "kai-sp has none: its carried pairs (one per 2M range, idle until used)\n"
		     "grow with memory past what the ladder sees, so its range reaches up to\n"
		     "a pair per 2M range of guest memory. spec/vCPU: pairs that\n"
		     "cached S-EPT pages can hold when each sits alone in its 2M region\n"
		     "(sept_pamt=topup: Sean Christopherson's worst case of 40 per vCPU).");
}

static void render_worst(const struct cap_study *s, enum cap_format f, FILE *out)
{
	static const int w[] = { 9, 14, 14, 14, 6, 12 };
	static const char *const h[] = { "strategy", "fresh", "fragmented", "sparse",
					 "%host", "bound caches" };
	struct table t = { f, out, w, 6 };
	char note[600];
	bool capped = false;
	double nv = (double)s->req.tds * s->req.vcpus;
	title(s, f, out, "Typical and worst case: total PAMT + caches at full size");
	head(&t, h);
	for (size_t i = 0; i < s->nst; i++) {
		const struct cap_strategy *st = &s->st[i];
		const struct cap_bound *bd = &st->bound;
		char c[6][48];
		const char *cells[6];
		snprintf(c[0], sizeof(c[0]), "%s", st->name);
		franged(c[1], sizeof(c[1]), fbytes, cap_total_bytes(s, i, CAP_FRESH), st->total_lo,
			st->total_hi);
		for (int l = CAP_FRAGMENTED; l <= CAP_SPARSE; l++) {
			double lo, hi;
			cap_layout_range(s, i, (enum cap_layout)l, &lo, &hi);
			franged(c[1 + l], sizeof(c[1 + l]), fbytes, cap_total_bytes(s, i, (enum cap_layout)l),
				lo, hi);
		}
		snprintf(c[4], sizeof(c[4]), "%.2f",
			 pct_of(cap_total_bytes(s, i, CAP_SPARSE), (double)s->req.host_mem));
		if (bd->cache)
			fbytes(c[5], sizeof(c[5]),
			       (bd->cache_pages_per_vcpu * nv + bd->cache_pages_per_td * s->req.tds) * 4096 +
				       (bd->spec ? bd->spec_pairs_per_vcpu * nv * 8192 : 0));
		else
			snprintf(c[5], sizeof(c[5]), "none");
		for (int k = 0; k < 6; k++)
			cells[k] = c[k];
		row(&t, cells);
	}
	for (size_t i = 0; i < s->nst; i++)
		for (int l = 0; l < CAP_NLAYOUTS; l++)
			capped |= s->st[i].cell[l].ok && s->st[i].cell[l].dpamt_capped;
	snprintf(note, sizeof(note),
		 "%s"
		 "fragmented: %.0f %% of the 4K frames used by others, in 2 x as many 2M\n"
		 "regions. sparse: the crafted worst case, every 4K page alone in its 2M\n"
		 "region (a pair for each 4K guest page); %%host: of the sparse total.\n"
		 "Ranges: the fit's hold-out error (fresh: and the costs). bound caches:\n"
		 "idle cache pages at their bound plus, where cached pages are\n"
		 "PAMT-backed, a pair each.",
		 capped ? "DPAMT capped at a pair per 2M region of the model's host, where the\n"
			  "fit went past it.\n" : "",
		 s->req.occupancy * 100);
	para(f, out, note);
}

static void render_locks(const struct cap_study *s, enum cap_format f, FILE *out)
{
	static const int w[] = { 9, 17, 15, 15, 15 };
	static const char *const h[] = { "strategy", "pamt_lock wait", "contended", "mmu_lock wait",
					 "boot time" };
	struct table t = { f, out, w, 5 };
	title(s, f, out, "Locks and time of the boot, typical (fresh host) [rest on *assumed* costs]");
	head(&t, h);
	for (size_t i = 0; i < s->nst; i++) {
		const struct cap_strategy *st = &s->st[i];
		char c[5][40];
		const char *cells[5];
		if (!st->cell[CAP_FRESH].ok)
			continue;
		snprintf(c[0], sizeof(c[0]), "%s", st->name);
		franged(c[1], sizeof(c[1]), fns, cap_value(s, i, CAP_FRESH, CM_PLW), st->range_lo[CM_PLW],
			st->range_hi[CM_PLW]);
		franged(c[2], sizeof(c[2]), fcount, cap_value(s, i, CAP_FRESH, CM_PLC),
			st->range_lo[CM_PLC], st->range_hi[CM_PLC]);
		franged(c[3], sizeof(c[3]), fns, cap_value(s, i, CAP_FRESH, CM_MLW), st->range_lo[CM_MLW],
			st->range_hi[CM_MLW]);
		franged(c[4], sizeof(c[4]), fns, cap_value(s, i, CAP_FRESH, CM_VT), st->range_lo[CM_VT],
			st->range_hi[CM_VT]);
		for (int k = 0; k < 5; k++)
			cells[k] = c[k];
		row(&t, cells);
	}
	para(f, out, "Waits are summed over vCPUs, during the boot (the final teardown\n"
		     "left out); boot time is the virtual time of the fault-in. Every time\n"
		     "rests on the model's costs, most of them *assumed* (`tdxbench\n"
		     "strategies --costs`), and on its seeded start offsets and PAMT.ADD\n"
		     "times (docs/model.md, Variation).");
}

/* Percent change of metric m when cost k goes to its low / high end. */
/* a change as "+12" (percent) or, from +1000 % on, "x27" (times) */
static void pct_or_times(char *b, size_t n, double r)
{
	if (!isfinite(r))
		snprintf(b, n, "new");
	else if (r >= 11)
		snprintf(b, n, "x%.0f", r);
	else
		snprintf(b, n, "%+.0f", (r - 1) * 100);
}

static void sens_cell(char *b, size_t n, const struct cap_sens *v, enum cap_metric m)
{
	char lo[16], hi[16];
	if (!v->ok)
		snprintf(b, n, "n/a");
	else if (fabs(v->ratio_lo[m] - 1) < 0.005 && fabs(v->ratio_hi[m] - 1) < 0.005)
		snprintf(b, n, "0");
	else {
		pct_or_times(lo, sizeof(lo), v->ratio_lo[m]);
		pct_or_times(hi, sizeof(hi), v->ratio_hi[m]);
		snprintf(b, n, "%s/%s", lo, hi);
	}
}

static void render_sens_metric(const struct cap_study *s, enum cap_format f, FILE *out,
			       enum cap_metric m)
{
	int w[2 + CAP_MAX_STRATEGIES];
	const char *h[2 + CAP_MAX_STRATEGIES];
	char ttl[160], shortn[CAP_MAX_STRATEGIES][10];
	struct table t = { f, out, w, 2 + s->nst };
	size_t nrows = 0;
	w[0] = 13;
	w[1] = 11;
	h[0] = "cost";
	h[1] = "range";
	for (size_t i = 0; i < s->nst; i++) {
		const char *nm = s->st[i].name;
		snprintf(shortn[i], sizeof(shortn[i]), "%.8s", !strncmp(nm, "dpamt-", 6) ? nm + 6 : nm);
		h[2 + i] = shortn[i];
		w[2 + i] = 8;
	}
	snprintf(ttl, sizeof(ttl), "Sensitivity of %s: %% change at the low/high end of each cost",
		 cap_metrics[m].label);
	title(s, f, out, ttl);
	head(&t, h);
	for (size_t k = 0; s->nst && k < s->st[0].nsens; k++) {
		char c[2 + CAP_MAX_STRATEGIES][48];
		const char *cells[2 + CAP_MAX_STRATEGIES];
		bool any = false;
		const struct cap_sens *v0 = &s->st[0].sens[k];
		for (size_t i = 0; i < s->nst; i++) {
			const struct cap_sens *v = &s->st[i].sens[k];
			if (v->ok && (fabs(v->ratio_lo[m] - 1) >= 0.005 || fabs(v->ratio_hi[m] - 1) >= 0.005))
				any = true;
		}
		if (!any)
			continue;
		snprintf(c[0], sizeof(c[0]), "%s%s", cap_short_name(v0->cost), v0->assumed ? "*" : "");
		if (v0->hi >= 1000)
			snprintf(c[1], sizeof(c[1]), "%g-%gus", (double)v0->lo / 1000,
				 (double)v0->hi / 1000);
		else
			snprintf(c[1], sizeof(c[1]), "%llu-%lluns", (unsigned long long)v0->lo,
				 (unsigned long long)v0->hi);
		for (size_t i = 0; i < s->nst; i++)
			sens_cell(c[2 + i], sizeof(c[2 + i]), &s->st[i].sens[k], m);
		for (size_t i = 0; i < 2 + s->nst; i++)
			cells[i] = c[i];
		row(&t, cells);
		nrows++;
	}
	if (!nrows)
		para(f, out, "(no cost moves it by 0.5 % or more)");
}

static void render_sensitivity(const struct cap_study *s, enum cap_format f, FILE *out)
{
	bool mem_moves = false;
	char line[1024];
	if (!s->nst || !s->st[0].nsens)
		return;
	render_sens_metric(s, f, out, CM_PLW);
	render_sens_metric(s, f, out, CM_VT);
	for (size_t i = 0; i < s->nst; i++)
		for (int m = CM_DPAMT; m <= CM_CACHE; m++)
			if (is_range(cap_value(s, i, CAP_FRESH, (enum cap_metric)m), s->st[i].range_lo[m],
				     s->st[i].range_hi[m]))
				mem_moves = true;
	if (mem_moves)
		render_sens_metric(s, f, out, CM_DPAMT);
	snprintf(line, sizeof(line),
		 "* assumed (no published figure), varied x0.5..x2 (start spreads too);\n"
		 "PAMT.ADD/REMOVE: their mean over the published range. Measured at %s\n"
		 "per TD with every TD and vCPU of the question, applied to the full-size\n"
		 "values as ratios; the low end is run only where the high end moved\n"
		 "some metric by 2 %% or more.%s\n"
		 "Not varied: %s.",
		 fbytes((char[24]){ 0 }, 24, s->m0),
		 mem_moves ? "" : "\nNo cost moves DPAMT peak, speculative pairs or idle caches by >10 %.",
		 s->costs_skipped);
	para(f, out, line);
}

/* Each line of text, wrapped at 78 columns, indented by ind. */
static void wrap(FILE *out, const char *text, int ind)
{
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n'), *end = eol ? eol : p + strlen(p);
		int col = ind;
		fprintf(out, "%*s", ind, "");
		while (p < end) {
			const char *w = p;
			size_t n;
			while (w < end && *w != ' ')
				w++;
			n = (size_t)(w - p);
			if (col > ind && col + 1 + (int)n > 78) {
				fprintf(out, "\n%*s", ind + 2, "");
				col = ind + 2;
			} else if (col > ind) {
				fputc(' ', out);
				col++;
			}
			fwrite(p, 1, n, out);
			col += (int)n;
			p = w < end ? w + 1 : w;
		}
		fputc('\n', out);
		p = eol ? eol + 1 : end;
	}
}

/*
 * "dpamt-v6  pamt_lock wait vs TDs per host: knee at 32, 12ms -> 48ms per
 * step; the global pamt_lock", wrapped under the strategy.
 */
static void knee_line(const struct cap_study *s, const struct cap_sweep *w, size_t i, int q,
		      enum cap_format f, FILE *out)
{
	const struct capfit_knee *k = &w->s[i].knee[q];
	enum cap_metric m = w->metric[q];
	char a[24], b[24];
	fmt_fn fn = !strcmp(cap_metrics[m].unit, "ns") ? fns :
		    !strcmp(cap_metrics[m].unit, "pages") ? fcount : fcount;
	const char *dir = fabs(k->slope_after) > fabs(k->slope_before) ? "grows faster" : "flattens";
	char *line = xasprintf("%s%-9s %s vs %s: %s from %g; slope %s -> %s per unit of x; "
			       "cause: %s", f == CAPF_MARKDOWN ? "- " : "", s->st[i].name,
			       cap_metrics[m].label, w->what, dir, k->x,
			       k->slope_before < 0 ? "falling" : fn(a, sizeof(a), k->slope_before),
			       k->slope_after < 0 ? "falling" : fn(b, sizeof(b), k->slope_after),
			       w->s[i].cause[q] ? w->s[i].cause[q] : "-");
	wrap(out, line, 0);
	free(line);
}

static void render_knees(const struct cap_study *s, enum cap_format f, FILE *out)
{
	bool any = false;
	if (!s->nsweeps)
		return;
	title(s, f, out, "Knees: where a metric stops growing linearly, and what causes it");
	for (size_t si = 0; si < s->nsweeps; si++) {
		const struct cap_sweep *w = &s->sweeps[si];
		for (size_t i = 0; i < s->nst; i++) {
			for (int q = 0; q < CAP_KNEE_METRICS; q++) {
				const struct capfit_knee *k = &w->s[i].knee[q];
				if (!w->s[i].ok || !k->found)
					continue;
				any = true;
				knee_line(s, w, i, q, f, out);
			}
		}
	}
	if (!any)
		para(f, out, "(none found: every swept metric grows linearly over its sweep)");
	{
		struct sbuf sb = SBUF_INIT;
		sbuf_add(&sb, "Sweeps:");
		for (size_t si = 0; si < s->nsweeps; si++) {
			const struct cap_sweep *w = &s->sweeps[si];
			sbuf_addf(&sb, "\n  %s %g..%g (%s)", w->key, w->x[0], w->x[w->n - 1], w->context);
		}
		sbuf_add(&sb, "\nA knee: two straight segments fit clearly better than one and their\n"
			      "slopes differ by more than x1.5.");
		para(f, out, sb.buf);
		sbuf_free(&sb);
	}
}

static void render_fullcheck(const struct cap_study *s, enum cap_format f, FILE *out)
{
	static const enum cap_metric ms[] = { CM_DPAMT, CM_CACHE, CM_PAMT_ADD, CM_PLW, CM_VT };
	static const int w[] = { 9, 10, 9, 10, 10, 10, 10 };
	static const char *const h[] = { "strategy", "host", "DPAMT pk", "idle cache", "PAMT.ADD",
					 "pamt_lock", "boot time" };
	struct table t = { f, out, w, 7 };
	bool any = false;
	for (size_t i = 0; i < s->nst; i++)
		for (int l = 0; l < CAP_NLAYOUTS; l++)
			any |= s->st[i].cell[l].ran_full;
	if (!any)
		return;
	title(s, f, out, "Extrapolation vs the model run at full size: error in %");
	head(&t, h);
	for (size_t i = 0; i < s->nst; i++) {
		for (int l = 0; l < CAP_NLAYOUTS; l++) {
			const struct cap_cell *c = &s->st[i].cell[l];
			char cc[7][24];
			const char *cells[7];
			if (!c->ran_full)
				continue;
			snprintf(cc[0], sizeof(cc[0]), "%s", s->st[i].name);
			snprintf(cc[1], sizeof(cc[1]), "%s", cap_layout_names[l]);
			for (size_t k = 0; k < ARRAY_SIZE(ms); k++) {
				double m = c->measured[ms[k]], e = c->full[ms[k]];
				if (m == 0)
					snprintf(cc[2 + k], sizeof(cc[2 + k]), e == 0 ? "0" : "n/a");
				else
					snprintf(cc[2 + k], sizeof(cc[2 + k]), "%+.1f", (e - m) / m * 100);
			}
			for (int k = 0; k < 7; k++)
				cells[k] = cc[k];
			row(&t, cells);
		}
	}
}

static void render_failures(const struct cap_study *s, FILE *out)
{
	if (s->left_out) {
		fprintf(out, "\nNot run with huge=%s:\n", s->req.huge);
		wrap(out, s->left_out, 2);
	}
	for (size_t i = 0; i < s->nst; i++)
		for (int l = 0; l < CAP_NLAYOUTS; l++)
			if (!s->st[i].cell[l].ok) {
				char *m = xasprintf("note: %s on a %s host failed: %s", s->st[i].name,
						    cap_layout_names[l], s->st[i].cell[l].err);
				wrap(out, m, 0);
				free(m);
			}
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_object *jnum(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *json_study(const struct cap_study *s)
{
	json_object *o = json_object_new_object(), *q = json_object_new_object();
	json_object *arr = json_object_new_array(), *kn = json_object_new_array();
	const struct cap_req *r = &s->req;

	json_object_object_add(o, "model_output", json_object_new_boolean(1));
	json_object_object_add(q, "host_mem", json_object_new_int64((int64_t)r->host_mem));
	json_object_object_add(q, "tds", json_object_new_int64(r->tds));
	json_object_object_add(q, "mem", json_object_new_int64((int64_t)r->mem));
	json_object_object_add(q, "vcpus", json_object_new_int64(r->vcpus));
	json_object_object_add(q, "huge", r->huge ? json_object_new_string(r->huge) : NULL);
	json_object_object_add(q, "host_occupancy", json_object_new_double(r->occupancy));
	json_object_object_add(o, "question", q);
	json_object_object_add(o, "extrapolated", json_object_new_boolean(s->extrapolated));
	json_object_object_add(o, "ladder_mem_min", jnum(s->m0));
	json_object_object_add(o, "holdout_error_worst", jnum(s->worst_holdout));
	json_object_object_add(o, "holdout_error_worst_timing", jnum(s->worst_holdout_timing));
	json_object_object_add(o, "model_runs", json_object_new_int64((int64_t)s->runs));
	json_object_object_add(o, "wall_s", jnum(s->wall_s));
	if (s->left_out)
		json_object_object_add(o, "left_out", json_object_new_string(s->left_out));
	for (size_t i = 0; i < s->nst; i++) {
		const struct cap_strategy *st = &s->st[i];
		json_object *js = json_object_new_object(), *lays = json_object_new_object();
		json_object_object_add(js, "strategy", json_object_new_string(st->name));
		for (int l = 0; l < CAP_NLAYOUTS; l++) {
			const struct cap_cell *c = &st->cell[l];
			json_object *jl = json_object_new_object(), *jm = json_object_new_object();
			json_object_object_add(jl, "ok", json_object_new_boolean(c->ok));
			if (!c->ok) {
				json_object_object_add(jl, "error", json_object_new_string(c->err));
				json_object_object_add(lays, cap_layout_names[l], jl);
				continue;
			}
			json_object_object_add(jl, "total_bytes", jnum(cap_total_bytes(s, i, (enum cap_layout)l)));
			for (int m = 0; m < CM_N; m++) {
				json_object *e = json_object_new_object();
				json_object_object_add(e, "value", jnum(c->full[m]));
				json_object_object_add(e, "unit", json_object_new_string(cap_metrics[m].unit));
				json_object_object_add(e, "assumed_costs",
						       json_object_new_boolean(cap_metrics[m].timing));
				if (c->extrapolated && m != CM_STATIC && m != CM_REFCOUNT) {
					json_object_object_add(e, "fit", json_object_new_string(
									c->linear[m] ? "linear" : "saturated"));
					json_object_object_add(e, "holdout_error", jnum(c->holdout[m]));
				}
				if (l == CAP_FRESH && m != CM_STATIC && m != CM_REFCOUNT) {
					json_object_object_add(e, "range_lo", jnum(st->range_lo[m]));
					json_object_object_add(e, "range_hi", jnum(st->range_hi[m]));
				}
				if (c->ran_full)
					json_object_object_add(e, "full_run", jnum(c->measured[m]));
				json_object_object_add(jm, cap_metrics[m].name, e);
			}
			json_object_object_add(jl, "metrics", jm);
			if (l == CAP_FRESH) {
				json_object_object_add(jl, "total_range_lo", jnum(st->total_lo));
				json_object_object_add(jl, "total_range_hi", jnum(st->total_hi));
			}
			json_object_object_add(lays, cap_layout_names[l], jl);
		}
		json_object_object_add(js, "layouts", lays);
		if (st->bound.cache || st->bound.spec) {
			json_object *b = json_object_new_object();
			if (st->bound.cache) {
				json_object_object_add(b, "cache_pages_per_vcpu", jnum(st->bound.cache_pages_per_vcpu));
				json_object_object_add(b, "cache_pages_per_td", jnum(st->bound.cache_pages_per_td));
			}
			if (st->bound.spec)
				json_object_object_add(b, "spec_pairs_per_vcpu", jnum(st->bound.spec_pairs_per_vcpu));
			json_object_object_add(js, "bound", b);
		}
		if (st->nsens) {
			json_object *sa = json_object_new_array();
			for (size_t k = 0; k < st->nsens; k++) {
				const struct cap_sens *v = &st->sens[k];
				json_object *e;
				if (!v->ok)
					continue;
				e = json_object_new_object();
				json_object_object_add(e, "cost", json_object_new_string(v->cost));
				json_object_object_add(e, "assumed", json_object_new_boolean(v->assumed));
				json_object_object_add(e, "lo", json_object_new_int64((int64_t)v->lo));
				json_object_object_add(e, "hi", json_object_new_int64((int64_t)v->hi));
				for (int m = 0; m < CM_N; m++) {
					json_object *pr;
					if (m == CM_STATIC || m == CM_REFCOUNT)
						continue;
					pr = json_object_new_array();
					json_object_array_add(pr, jnum(v->ratio_lo[m]));
					json_object_array_add(pr, jnum(v->ratio_hi[m]));
					json_object_object_add(e, cap_metrics[m].name, pr);
				}
				json_object_array_add(sa, e);
			}
			json_object_object_add(js, "sensitivity", sa);
		}
		json_object_array_add(arr, js);
	}
	json_object_object_add(o, "strategies", arr);
	for (size_t si = 0; si < s->nsweeps; si++) {
		const struct cap_sweep *w = &s->sweeps[si];
		for (size_t i = 0; i < s->nst; i++)
			for (int qq = 0; qq < CAP_KNEE_METRICS; qq++) {
				const struct capfit_knee *k = &w->s[i].knee[qq];
				json_object *e;
				if (!w->s[i].ok || !k->found)
					continue;
				e = json_object_new_object();
				json_object_object_add(e, "sweep", json_object_new_string(w->key));
				json_object_object_add(e, "strategy", json_object_new_string(s->st[i].name));
				json_object_object_add(e, "metric",
						       json_object_new_string(cap_metrics[w->metric[qq]].name));
				json_object_object_add(e, "x", jnum(k->x));
				json_object_object_add(e, "slope_before", jnum(k->slope_before));
				json_object_object_add(e, "slope_after", jnum(k->slope_after));
				json_object_object_add(e, "cause", w->s[i].cause[qq] ?
							   json_object_new_string(w->s[i].cause[qq]) : NULL);
				json_object_array_add(kn, e);
			}
	}
	json_object_object_add(o, "knees", kn);
	return o;
}

int cap_render(const struct cap_study *s, enum cap_format fmt, FILE *out)
{
	if (fmt == CAPF_JSON) {
		json_object *o = json_study(s);
		fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return ferror(out) ? -1 : 0;
	}
	render_header(s, fmt, out);
	render_memory(s, fmt, out);
	render_caches(s, fmt, out);
	render_worst(s, fmt, out);
	render_locks(s, fmt, out);
	render_fullcheck(s, fmt, out);
	render_sensitivity(s, fmt, out);
	render_knees(s, fmt, out);
	render_failures(s, out);
	return ferror(out) ? -1 : 0;
}
