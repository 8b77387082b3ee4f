/*
 * compare as text: what gets pasted into a mailing-list reply. One screen
 * per question: the sides and what differs between them first, then per
 * block the headline metrics that changed (glossary order), the rest
 * counted on one line (--all lists every metric), then per-unit geomeans.
 */
#include "report/compare_int.h"
#include "lib/textsafe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/util.h"

/*
 * Changed rows shown per block without --all: fewer as blocks multiply, so
 * a comparison stays one screen (about 70 lines with its header).
 */
static size_t headline_rows(size_t nblocks)
{
	return nblocks <= 4 ? 5 : nblocks <= 6 ? 4 : nblocks <= 9 ? 3 : 2;
}

/*
 * Print words wrapped at TEXT_WIDTH: the first line starts with `first`,
 * continuations with `indent`; a shell command gets " \" continuations.
 */
static void wrap(FILE *out, const char *first, const char *indent, const char *raw, bool shell)
{
	size_t col, ilen = strlen(indent);
	/* selectors, hosts and stored command lines: no control character reaches the text */
	char *text = term_safe(raw);
	const char *p = text;
	bool start = true;

	fputs(first, out);
	col = strlen(first);
	while (*p) {
		size_t wl = strcspn(p, " ");
		size_t room = TEXT_WIDTH - (shell ? 2 : 0);
		if (!start && col + 1 + wl > room) {
			fputs(shell ? " \\\n" : "\n", out);
			fputs(indent, out);
			col = ilen;
			start = true;
		}
		if (!start) {
			fputc(' ', out);
			col++;
		}
		/* a word longer than the line is broken rather than overflowing */
		while (col + wl > TEXT_WIDTH) {
			size_t take = TEXT_WIDTH > col + 1 ? TEXT_WIDTH - col - 1 : 1;
			fwrite(p, 1, take, out);
			fputs("\n", out);
			fputs(indent, out);
			col = ilen;
			p += take;
			wl -= take;
		}
		fwrite(p, 1, wl, out);
		col += wl;
		start = false;
		p += wl;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
	free(text);
}

static void text_side_header(const struct cmp *c, size_t s, FILE *out)
{
	const struct cside *sd = &c->sides[s];
	char *ids = fmt_ids(sd, NULL, sd->nrows);
	char *be = side_backends(sd);
	char first[32], *line;
	bool all_model, model = side_is_model(sd, &all_model);

	if (s && c->nsides > 2)
		snprintf(first, sizeof(first), "cand %zu: ", s);
	else
		snprintf(first, sizeof(first), "%s: ", side_name(s));
	line = xasprintf("'%s' runs %s, %s%s", sd->text, ids, be,
			 model ? (all_model ? " MODEL OUTPUT" : " partly MODEL OUTPUT") : "");
	wrap(out, first, "      ", line, false);
	free(line);
	free(ids);
	free(be);
}

/* The hosts: one line when every side ran on the same one, else what differs. */
static void text_hosts(struct store *st, const struct cmp *c, FILE *out)
{
	char **hosts = NULL;
	size_t nh = 0;

	bool one = true;

	for (size_t s = 1; s < c->nsides; s++)
		one &= same_hosts(&c->sides[0], &c->sides[s]);
	hosts = side_hosts(st, &c->sides[0], &nh);
	if (nh == 1 && one) {
		wrap(out, "", "      ", hosts[0], false);
		free_strv(hosts, nh);
		return;
	}
	free_strv(hosts, nh);
	for (size_t s = 0; s < c->nsides; s++) {
		char first[32];
		hosts = side_hosts(st, &c->sides[s], &nh);
		if (c->nsides > 2 && s)
			snprintf(first, sizeof(first), "cand %zu ", s);
		else
			snprintf(first, sizeof(first), "%s ", side_name(s));
		for (size_t i = 0; i < nh && i < 2; i++)
			wrap(out, i ? "      " : first, "        ", hosts[i], false);
		if (nh > 2)
			fprintf(out, "      ... and %zu more hosts\n", nh - 2);
		free_strv(hosts, nh);
	}
}

/* One command that reruns exactly these runs, or each side's own. */
static void text_rerun(const struct cmp *c, FILE *out)
{
	char *cmd = rerun_command(c);
	if (cmd) {
		wrap(out, "rerun: $ ", "         ", cmd, true);
		free(cmd);
		return;
	}
	for (size_t s = 0; s < c->nsides; s++) {
		size_t nc;
		char **cmds = side_cmdlines(&c->sides[s], &nc);
		char first[32];
		snprintf(first, sizeof(first), "%s: $ ", side_name(s));
		for (size_t i = 0; i < nc && i < 2; i++)
			wrap(out, first, "          ", cmds[i], true);
		if (nc > 2)
			fprintf(out, "      ... and %zu more commands (--format json lists all)\n",
				nc - 2);
		free_strv(cmds, nc);
	}
}

/* Column widths: name, then base, ci, cand, ci, change, verdict, p. */
enum { W_NUM = 9, W_CI = 5, W_CHG = 8, W_VERD = 6, W_P = 6 };
#define W_FIXED (W_NUM + 1 + W_CI + 1 + W_NUM + 1 + W_CI + 1 + W_CHG + 1 + W_VERD + 1 + W_P)
#define W_NAME 18

static void text_row(FILE *out, const char *name, const char *b, const char *bci,
		     const char *cv, const char *cci, const char *chg, const char *verd,
		     const char *p)
{
	char line[256];
	size_t len;

	if ((int)strlen(name) > W_NAME) {
		fprintf(out, "%s\n", name);
		name = "";
	}
	snprintf(line, sizeof(line), "%-*s %*s %*s %*s %*s %*s %-*s %*s", W_NAME, name, W_NUM, b,
		 W_CI, bci, W_NUM, cv, W_CI, cci, W_CHG, chg, W_VERD, verd, W_P, p);
	len = strlen(line);
	while (len && line[len - 1] == ' ')
		line[--len] = 0;
	fprintf(out, "%s\n", line);
}

/* Differences every block of candidate `cand` shares: printed once, not per block. */
static void common_differs(const struct cmp *c, size_t cand, struct params *common)
{
	bool first = true;

	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		if (bl->cand != cand || !bl->nrows)	/* metric-less blocks print no differs */
			continue;
		if (first) {
			params_copy(common, &bl->differs);
			first = false;
			continue;
		}
		for (size_t i = 0; i < common->n;) {
			const char *v = params_get(&bl->differs, common->v[i].key);
			if (!v || strcmp(v, common->v[i].value))
				params_del(common, common->v[i].key);
			else
				i++;
		}
	}
}

static void text_differs(FILE *out, const struct params *d, const struct params *skip,
			 const char *first)
{
	char *line;
	size_t shown = 0;
	const char *cont = "            ";

	for (size_t i = 0; i < d->n; i++) {
		if (skip && params_has(skip, d->v[i].key))
			continue;
		line = xasprintf("%s: %s", d->v[i].key, d->v[i].value);
		wrap(out, shown++ ? "          " : first, cont, line, false);
		free(line);
	}
}

/* Say why a block is empty: runs without a successful repetition, and their reason. */
static void text_failed_runs(const struct cmp *c, const struct cblock *bl, FILE *out)
{
	const size_t sides[2] = { 0, bl->cand };

	for (size_t k = 0; k < 2; k++) {
		const struct cside *sd = &c->sides[sides[k]];
		for (size_t i = 0; i < bl->g->nidx[sides[k]]; i++) {
			const struct run_row *r = &sd->rows[bl->g->idx[sides[k]][i]];
			char *line;
			if (r->reps_done > 0)
				continue;
			line = xasprintf("run %lld (%s) %s, no successful repetition%s%s",
					 (long long)r->id, side_name(sides[k]), r->status,
					 r->reason && *r->reason ? ": " : "",
					 r->reason ? r->reason : "");
			wrap(out, "  ", "    ", line, false);
			free(line);
		}
	}
}

/* What the marks used in the tables mean. */
struct marks {
	bool identical, few, uneven, noisy, minmax, noci;
	size_t minmax_n, nidentical;
};

static void text_metric_row(const struct cblock *bl, const struct crow *r, struct marks *m,
			    FILE *out)
{
	char b1[FMT_LEN], b2[32], b3[FMT_LEN], b4[32], chg[32], p[32];

	fmt_change(r->change, r->ratio, chg, sizeof(chg));
	if (!r->changed)
		snprintf(chg, sizeof(chg), "~");
	if (r->identical) {
		snprintf(p, sizeof(p), "=");
		m->identical = true;
	} else {
		fmt_p(r->t.p, p, sizeof(p));
		if (r->few) {
			strcat(p, "?");
			m->few = true;
		} else if (r->b.n != bl->nb || r->c.n != bl->nc) {
			strcat(p, "#");
			m->uneven = true;
		}
	}
	m->noisy |= r->b.noisy || r->c.noisy || r->b.outliers || r->c.outliers;
	m->noci |= isnan(r->b.ci_lo) || isnan(r->c.ci_lo);
	if (!r->identical && (r->b.ci_level < 0.95 || r->c.ci_level < 0.95)) {
		m->minmax = true;
		m->minmax_n = MAX(m->minmax_n, MIN(r->b.n, r->c.n));
	}
	text_row(out, metric_title(r->name), fmt_value(r->b.median, r->unit, b1, sizeof(b1)),
		 r->identical ? "" : fmt_ci(&r->b, b2, sizeof(b2)),
		 fmt_value(r->c.median, r->unit, b3, sizeof(b3)),
		 r->identical ? "" : fmt_ci(&r->c, b4, sizeof(b4)), chg, verdict(bl, r), p);
}

/* Per-unit geomeans of one block: only with --all (the footer has the overall ones). */
static void text_block_geos(const struct cblock *bl, FILE *out)
{
	for (size_t i = 0; i < bl->ngeos; i++) {
		char name[40], chg[32], n[16];
		const struct cgeo *g = &bl->geos[i];
		if (g->n < 2)
			continue;
		snprintf(name, sizeof(name), "geomean %s", *g->unit ? g->unit : "-");
		snprintf(n, sizeof(n), "(%zu)", g->n);
		text_row(out, name, n, "", "", "", fmt_change((g->geo - 1) * 100.0, g->geo, chg,
							      sizeof(chg)), "", "");
	}
}

static void text_block(const struct cmp *c, const struct cblock *bl, size_t nblocks,
		       const struct params *common, struct marks *m, FILE *out)
{
	const struct cgroup *g = bl->g;
	char *bids = fmt_ids(&c->sides[0], g->idx[0], g->nidx[0]);
	char *cids = fmt_ids(&c->sides[bl->cand], g->idx[bl->cand], g->nidx[bl->cand]);
	char *line;
	size_t shown = 0, more = 0, same = 0;

	if (c->req->all || nblocks <= 8)
		fputc('\n', out);
	line = c->req->all ? xasprintf("%s: runs %s vs %s, n=%zu+%zu", g->title, bids, cids,
				       bl->nb, bl->nc) :
			     xasprintf("%s, n=%zu+%zu", g->title, bl->nb, bl->nc);
	wrap(out, "", "  ", line, false);
	free(line);
	free(bids);
	free(cids);
	if (bl->nrows)
		text_differs(out, &bl->differs, common, "  differ: ");
	if (bl->only_base)
		wrap(out, "  only in base: ", "    ", bl->only_base, false);
	if (bl->only_cand)
		wrap(out, "  only in cand: ", "    ", bl->only_cand, false);
	if (!bl->nrows) {
		fprintf(out, "  no metric recorded on both sides\n");
		text_failed_runs(c, bl, out);
		return;
	}
	for (size_t i = 0; i < bl->nrows; i++) {
		const struct crow *r = &bl->rows[i];
		/* a difference too few reps can test is not "unchanged": show it, marked '?' */
		bool news = r->changed || (r->few && r->change != 0 && !isnan(r->change));
		/* --metric names what to see: every row of it, changed or not */
		if (c->req->all || c->nfilter || (news && shown < headline_rows(nblocks))) {
			text_metric_row(bl, r, m, out);
			shown++;
		} else if (news) {
			more++;
		} else {
			same++;
		}
	}
	if (c->req->all)
		text_block_geos(bl, out);
	else if (more)
		fprintf(out, "  + %zu more changed, %zu unchanged (--all lists them)\n", more, same);
	else if (same)
		fprintf(out, "  %s%zu unchanged (--all lists them)\n", shown ? "+ " : "", same);
}

static void text_legend(const struct cmp *c, const struct marks *m, FILE *out)
{
	if (m->nidentical)
		fprintf(out, "= identical in all reps (%zu rows): no test, no p; the change is "
			     "exact\n", m->nidentical);
	if (m->few)
		fprintf(out, "? n too small: no p below %g is possible with these n\n",
			c->req->alpha);
	if (m->uneven)
		fprintf(out, "# fewer values than the runs' n (metric missing in some reps)\n");
	if (m->noisy)
		fprintf(out, "! noisy (robust CV > %.0f%%) or outliers (> 3 MADs)\n",
			STATS_NOISY_RCV * 100);
	if (m->minmax)
		fprintf(out, "+- n < 6: the CI is [min, max], coverage %.1f%% at n=%zu\n",
			100.0 * (1.0 - ldexp(1.0, 1 - (int)m->minmax_n)), m->minmax_n);
	if (m->noci)
		fprintf(out, "- n < 3: no CI\n");
}

/* Geomeans over every block of cand, one per unit, never across units. */
static void text_overall(const struct cmp *c, size_t s, FILE *out)
{
	const char *units[16];
	size_t nu = geo_units(c, s, units, ARRAY_SIZE(units));
	struct sbuf sb = SBUF_INIT;

	if (c->confounded && !c->req->overall) {
		fprintf(out, "no overall geomean: the comparison is confounded (--overall gives it)\n");
		return;
	}
	for (size_t u = 0; u < nu; u++) {
		size_t n;
		double g = overall_geo(c, s, units[u], &n);
		char chg[32];
		if (n < 2)
			continue;
		sbuf_addf(&sb, "%s%s %s (%zu)", sb.len ? ", " : "", *units[u] ? units[u] : "-",
			  fmt_change((g - 1) * 100.0, g, chg, sizeof(chg)), n);
	}
	if (sb.len)
		wrap(out, c->confounded ? "CONFOUNDED geomean of cand/base per unit (lower = better): " :
		     "geomean of cand/base per unit (lower = better): ", "  ", sb.buf, false);
	sbuf_free(&sb);
}

static void text_confound(const struct cmp *c, FILE *out)
{
	struct params all = PARAMS_INIT;
	struct sbuf sb = SBUF_INIT;

	for (size_t b = 0; b < c->nblocks; b++)
		for (size_t i = 0; i < c->blocks[b].confound.n; i++)
			params_set(&all, c->blocks[b].confound.v[i].key,
				   c->blocks[b].confound.v[i].value);
	if (!all.n)
		return;
	for (size_t i = 0; i < all.n; i++)
		sbuf_addf(&sb, "%s%s (%s)", i ? ", " : "", all.v[i].key, all.v[i].value);
	sbuf_add(&sb, ": no verdicts.");
	wrap(out, "CONFOUNDED: the sides also differ in ", "  ", sb.buf, false);
	sbuf_free(&sb);
	params_free(&all);
}

/* Is group g of side s without a counterpart (base: in some cand; cand: in base)? */
static bool unmatched(const struct cmp *c, const struct cgroup *g, size_t s)
{
	if (!g->nidx[s])
		return false;
	if (s)
		return !g->nidx[0];
	for (size_t k = 1; k < c->nsides; k++)
		if (!g->nidx[k])
			return true;
	return false;
}

/* Runs with nothing to compare them with: one entry per side, ids and workloads. */
static void text_unmatched(const struct cmp *c, FILE *out)
{
	bool header = false;

	for (size_t s = 0; s < c->nsides; s++) {
		struct sbuf what = SBUF_INIT;
		size_t *idx = xcalloc(c->sides[s].nrows + 1, sizeof(*idx)), nidx = 0;
		char **seen = NULL, *ids, *line;
		size_t nseen = 0;

		for (size_t g = 0; g < c->ngroups; g++) {
			const struct cgroup *gr = &c->groups[g];
			bool dup = false;
			if (!unmatched(c, gr, s))
				continue;
			for (size_t i = 0; i < gr->nidx[s]; i++)
				idx[nidx++] = gr->idx[s][i];
			for (size_t k = 0; k < nseen && !dup; k++)
				dup = !strcmp(seen[k], gr->title);
			if (!dup) {
				seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
				seen[nseen++] = gr->title;
				sbuf_addf(&what, "%s%s", what.len ? "; " : "", gr->title);
			}
		}
		free(seen);
		if (!nidx) {
			free(idx);
			sbuf_free(&what);
			continue;
		}
		ids = fmt_ids(&c->sides[s], idx, nidx);	/* sorted, ranges folded */
		free(idx);
		if (!header) {
			fprintf(out, "\nunmatched runs (nothing to compare them with):\n");
			header = true;
		}
		if (s && c->nsides > 2)
			line = xasprintf("cand %zu run %s: %s", s, ids, what.buf);
		else
			line = xasprintf("%s run %s: %s", side_name(s), ids, what.buf);
		wrap(out, "  ", "    ", line, false);
		free(line);
		free(ids);
		sbuf_free(&what);
	}
}

/* Runs left out because no repetition succeeded: one line per side and reason. */
static void text_dead_runs(const struct cmp *c, FILE *out)
{
	for (size_t s = 0; s < c->nsides; s++) {
		const struct cside *sd = &c->sides[s];
		bool *done = xcalloc(sd->nrows + 1, sizeof(*done));
		for (size_t r = 0; r < sd->nrows; r++) {
			struct sbuf ids = SBUF_INIT;
			const char *why = sd->rows[r].reason ? sd->rows[r].reason : sd->rows[r].status;
			char *line;
			if (done[r] || sd->rows[r].reps_done)
				continue;
			for (size_t k = r; k < sd->nrows; k++) {
				const char *w = sd->rows[k].reason ? sd->rows[k].reason :
					       sd->rows[k].status;
				if (done[k] || sd->rows[k].reps_done || strcmp(w, why))
					continue;
				done[k] = true;
				sbuf_addf(&ids, "%s%lld", ids.len ? "," : "", (long long)sd->rows[k].id);
			}
			line = xasprintf("%s run %s, no successful repetition, left out: %s",
					 side_name(s), ids.buf, why);
			wrap(out, "", "  ", line, false);
			free(line);
			sbuf_free(&ids);
		}
		free(done);
	}
}

void compare_text(struct store *st, const struct cmp *c, FILE *out)
{
	struct marks m = { 0 };

	if (c->req->header) {
		fprintf(out, "tdxbench compare: median, +- its 95%% CI in %%, change of the median,\n"
			     "p of Mann-Whitney U (alpha %g); ~ no change, = identical reps\n",
			c->req->alpha);
		for (size_t s = 0; s < c->nsides; s++)
			text_side_header(c, s, out);
		text_hosts(st, c, out);
		text_rerun(c, out);
		for (size_t i = 0; i < c->nwarnings; i++)
			wrap(out, "warning: ", "  ", c->warnings[i], false);
	}
	text_confound(c, out);
	text_dead_runs(c, out);
	if (c->nsides > 2 && !c->req->all) {
		/* several candidates: one table per metric, the variants side by side */
		compare_text_columns(c, out);
		text_unmatched(c, out);
		return;
	}
	for (size_t s = 1; s < c->nsides; s++) {
		size_t tested = 0, sig = 0, ident = 0, nb = 0;
		struct params common = PARAMS_INIT;
		if (c->nsides > 2)
			fprintf(out, "\n== cand %zu: '%s' vs base\n", s, c->sides[s].text);
		common_differs(c, s, &common);
		if (common.n) {
			struct sbuf sb = SBUF_INIT;
			for (size_t i = 0; i < common.n; i++)
				sbuf_addf(&sb, "%s%s %s", i ? ", " : "", common.v[i].key,
					  common.v[i].value);
			wrap(out, "differ in every block (base vs cand): ", "  ", sb.buf, false);
			sbuf_free(&sb);
		}
		text_row(out, "metric", "base", "+-", "cand", "+-", "change", "", "p");
		for (size_t b = 0; b < c->nblocks; b++)
			nb += c->blocks[b].cand == s;
		for (size_t b = 0; b < c->nblocks; b++) {
			if (c->blocks[b].cand != s)
				continue;
			text_block(c, &c->blocks[b], nb, &common, &m, out);
			for (size_t i = 0; i < c->blocks[b].nrows; i++) {
				const struct crow *r = &c->blocks[b].rows[i];
				ident += r->identical;
				tested += !r->identical;
				sig += r->significant;
			}
		}
		params_free(&common);
		fputc('\n', out);
		text_overall(c, s, out);
		if (tested)
			fprintf(out, "%zu of %zu tested rows significant at alpha %g (about %.1f by "
				     "chance)\n", sig, tested, c->req->alpha,
				(double)tested * c->req->alpha);
		m.nidentical += ident;
	}
	text_legend(c, &m, out);
	text_unmatched(c, out);
}
