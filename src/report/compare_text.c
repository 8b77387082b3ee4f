/* compare as text: what gets pasted into a mailing-list reply. */
#include "report/compare_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/util.h"

/*
 * Print words wrapped at TEXT_WIDTH: the first line starts with `first`,
 * continuations with `indent`; a shell command gets " \" continuations.
 */
static void wrap(FILE *out, const char *first, const char *indent, const char *text, bool shell)
{
	size_t col, ilen = strlen(indent);
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
}

static void text_side_header(struct store *st, const struct cmp *c, size_t s, FILE *out)
{
	const struct cside *sd = &c->sides[s];
	char *ids = fmt_ids(sd, NULL, sd->nrows);
	char *be = side_backends(sd);
	char **hosts, **cmds, *line;
	size_t nh, nc;
	bool all_model, model = side_is_model(sd, &all_model);

	line = xasprintf("'%s'", sd->text);
	if (s && c->nsides > 2) {
		char first[32];
		snprintf(first, sizeof(first), "cand %zu: ", s);
		wrap(out, first, "      ", line, false);
	} else {
		wrap(out, s ? "cand: " : "base: ", "      ", line, false);
	}
	free(line);
	line = xasprintf("runs %s (%zu), backend %s%s", ids, sd->nrows, be,
			 model ? (all_model ? " -- MODEL OUTPUT, not measured" :
				  " -- partly MODEL OUTPUT") : "");
	wrap(out, "      ", "        ", line, false);
	free(line);
	hosts = side_hosts(st, sd, &nh);
	for (size_t i = 0; i < nh && i < 3; i++)
		wrap(out, "      ", "        ", hosts[i], false);
	if (nh > 3)
		fprintf(out, "      ... and %zu more hosts\n", nh - 3);
	cmds = side_cmdlines(sd, &nc);
	for (size_t i = 0; i < nc && i < 3; i++)
		wrap(out, "      $ ", "          ", cmds[i], true);
	if (nc > 3)
		fprintf(out, "      ... and %zu more commands (--format json lists all)\n", nc - 3);
	free_strv(hosts, nh);
	free_strv(cmds, nc);
	free(ids);
	free(be);
}

/* Column widths: name, then base, ci, cand, ci, change, verdict, p. */
enum { W_NUM = 8, W_CI = 5, W_CHG = 8, W_VERD = 6, W_P = 6 };
#define W_FIXED (W_NUM + 1 + W_CI + 1 + W_NUM + 1 + W_CI + 1 + W_CHG + 1 + W_VERD + 1 + W_P)

static void text_row(FILE *out, int wname, const char *name, const char *b, const char *bci,
		     const char *cv, const char *cci, const char *chg, const char *verd,
		     const char *p)
{
	char line[256];
	size_t len;

	if ((int)strlen(name) > wname) {
		fprintf(out, "%s\n", name);
		name = "";
	}
	snprintf(line, sizeof(line), "%-*s %*s %*s %*s %*s %*s %-*s %*s", wname, name, W_NUM, b,
		 W_CI, bci, W_NUM, cv, W_CI, cci, W_CHG, chg, W_VERD, verd, W_P, p);
	len = strlen(line);
	while (len && line[len - 1] == ' ')
		line[--len] = 0;
	fprintf(out, "%s\n", line);
}

static int name_width(const struct cblock *bl)
{
	int w = 7;	/* "geomean" */
	for (size_t i = 0; i < bl->nrows; i++)
		w = MAX(w, (int)strlen(bl->rows[i].name));
	return MIN(w, TEXT_WIDTH - 1 - W_FIXED);
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

static void text_block(const struct cmp *c, const struct cblock *bl,
		       const struct params *common, FILE *out)
{
	const struct cgroup *g = bl->g;
	char *bids = fmt_ids(&c->sides[0], g->idx[0], g->nidx[0]);
	char *cids = fmt_ids(&c->sides[bl->cand], g->idx[bl->cand], g->nidx[bl->cand]);
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN], b4[FMT_LEN], b5[FMT_LEN], b6[FMT_LEN], *line;
	int wn = name_width(bl);
	bool uneven = false, few = false, noisy = false, noci = false;

	fputc('\n', out);
	wrap(out, "", "  ", g->title, false);
	line = xasprintf("runs %s vs %s, n = %zu+%zu", bids, cids, bl->nb, bl->nc);
	wrap(out, "  ", "    ", line, false);
	free(line);
	if (bl->nrows)
		text_differs(out, &bl->differs, common, "  differ: ");
	if (bl->only_base)
		wrap(out, "  only in base: ", "    ", bl->only_base, false);
	if (bl->only_cand)
		wrap(out, "  only in cand: ", "    ", bl->only_cand, false);
	if (!bl->nrows) {
		fprintf(out, "  no metric recorded on both sides\n");
		text_failed_runs(c, bl, out);
		free(bids);
		free(cids);
		return;
	}
	text_row(out, wn, "metric", "base", "+-", "cand", "+-", "change", "", "p");
	for (size_t i = 0; i < bl->nrows; i++) {
		const struct crow *r = &bl->rows[i];
		char chg[32], p[32];
		fmt_change(r->change, r->ratio, chg, sizeof(chg));
		if (!r->significant)
			snprintf(chg, sizeof(chg), "~");
		fmt_p(r->t.p, p, sizeof(p));
		if (r->few) {
			strcat(p, "?");
			few = true;
		} else if (r->b.n != bl->nb || r->c.n != bl->nc) {
			strcat(p, "#");
			uneven = true;
		} else {
			strcat(p, " ");
		}
		noisy |= r->b.noisy || r->c.noisy || r->b.outliers || r->c.outliers;
		noci |= isnan(r->b.ci_lo) || isnan(r->c.ci_lo);
		text_row(out, wn, r->name, fmt_value(r->b.median, r->unit, b1, sizeof(b1)),
			 fmt_ci(&r->b, b2, sizeof(b2)), fmt_value(r->c.median, r->unit, b3, sizeof(b3)),
			 fmt_ci(&r->c, b4, sizeof(b4)), chg, verdict(r), p);
	}
	if (bl->ngeo) {
		char chg[32];
		snprintf(b5, sizeof(b5), "(%zu)", bl->ngeo);
		text_row(out, wn, "geomean", b5, "", "", "",
			 fmt_change((bl->geo - 1) * 100.0, bl->geo, chg, sizeof(chg)),
			 geo_verdict(bl->geo), "");
	}
	if (few)
		fprintf(out, "? n too small: no p below %g is possible with these n\n",
			c->req->alpha);
	if (uneven)
		fprintf(out, "# fewer values than the runs' n (metric missing in some reps)\n");
	if (noisy)
		fprintf(out, "! noisy (robust CV > %.0f%%) or outliers (> 3 MADs)\n",
			STATS_NOISY_RCV * 100);
	if (noci)
		fprintf(out, "- n < 6: no 95%% CI of the median\n");
	(void)b6;
	free(bids);
	free(cids);
}

/* Runs of a side in a group no other side in the pair matches. */
static void text_unmatched(const struct cmp *c, FILE *out)
{
	bool header = false;

	for (size_t g = 0; g < c->ngroups; g++) {
		const struct cgroup *gr = &c->groups[g];
		for (size_t s = 0; s < c->nsides; s++) {
			char *ids, *line;
			bool miss = false;
			if (!gr->nidx[s])
				continue;
			if (s == 0) {
				for (size_t k = 1; k < c->nsides; k++)
					miss |= !gr->nidx[k];
			} else {
				miss = !gr->nidx[0];
			}
			if (!miss)
				continue;
			if (!header) {
				fprintf(out, "\nunmatched runs (nothing to compare them with):\n");
				header = true;
			}
			ids = fmt_ids(&c->sides[s], gr->idx[s], gr->nidx[s]);
			if (s == 0 && c->nsides > 2) {
				struct sbuf sb = SBUF_INIT;
				for (size_t k = 1; k < c->nsides; k++)
					if (!gr->nidx[k])
						sbuf_addf(&sb, "%s%zu", sb.len ? "," : "", k);
				line = xasprintf("base run %s: %s (no match in cand %s)", ids,
						 gr->title, sb.buf);
				sbuf_free(&sb);
			} else {
				line = s && c->nsides > 2 ?
				       xasprintf("cand %zu run %s: %s", s, ids, gr->title) :
				       xasprintf("%s run %s: %s", side_name(s), ids, gr->title);
			}
			wrap(out, "  ", "    ", line, false);
			free(line);
			free(ids);
		}
	}
}

void compare_text(struct store *st, const struct cmp *c, FILE *out)
{
	if (c->req->header) {
		fprintf(out, "tdxbench compare: median, +- 95%% CI of the median (in %% of it),\n"
			     "Mann-Whitney U two-sided, alpha %g; '~' = no significant change\n",
			c->req->alpha);
		for (size_t s = 0; s < c->nsides; s++)
			text_side_header(st, c, s, out);
		for (size_t i = 0; i < c->nwarnings; i++)
			wrap(out, "warning: ", "  ", c->warnings[i], false);
	}
	for (size_t s = 1; s < c->nsides; s++) {
		size_t n = 0, tested = 0, sig = 0;
		struct params common = PARAMS_INIT;
		double geo;
		if (c->nsides > 2)
			fprintf(out, "\n== cand %zu: '%s' vs base\n", s, c->sides[s].text);
		common_differs(c, s, &common);
		if (common.n) {
			fprintf(out, "\nparameters that differ in every block (base vs cand):\n");
			text_differs(out, &common, NULL, "  differ: ");
		}
		for (size_t b = 0; b < c->nblocks; b++) {
			if (c->blocks[b].cand != s)
				continue;
			text_block(c, &c->blocks[b], &common, out);
			for (size_t i = 0; i < c->blocks[b].nrows; i++) {
				tested++;
				sig += c->blocks[b].rows[i].significant;
			}
		}
		params_free(&common);
		geo = overall_geo(c, s, &n);
		fputc('\n', out);
		if (n) {
			char chg[32];
			fmt_change((geo - 1) * 100.0, geo, chg, sizeof(chg));
			fprintf(out, "overall geomean of %zu metric%s with a direction: %s%s%s\n", n,
				n == 1 ? "" : "s", chg, *geo_verdict(geo) ? " " : "", geo_verdict(geo));
		}
		if (tested)
			fprintf(out, "%zu of %zu rows significant at alpha %g (about %.1f expected "
				     "by chance)\n", sig, tested, c->req->alpha,
				(double)tested * c->req->alpha);
	}
	text_unmatched(c, out);
}
