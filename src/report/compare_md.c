/* compare as markdown (GitHub tables). */
#include "report/compare_int.h"
#include "lib/textsafe.h"

#include <stdlib.h>

#include "lib/fmt.h"
#include "lib/util.h"

static void md_escape(FILE *out, const char *raw)
{
	/* a newline would end the table row, an ESC reach whoever cats the file */
	char *safe = term_safe(raw), *s;
	for (s = safe; *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '`')
			fputc('\\', out);
		fputc(*s, out);
	}
	free(safe);
}

void compare_markdown(struct store *st, const struct cmp *c, FILE *out)
{
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN];

	fprintf(out, "## tdxbench compare\n\n");
	fprintf(out, "Median with 95 %% CI of the median (order statistics); Mann-Whitney U "
		     "two-sided, alpha %g; `~` = no significant difference.\n", c->req->alpha);
	for (size_t s = 0; s < c->nsides && c->req->header; s++) {
		const struct cside *sd = &c->sides[s];
		char *ids = fmt_ids(sd, NULL, sd->nrows), *be = side_backends(sd);
		char **hosts, **cmds;
		size_t nh, nc;
		bool all, model = side_is_model(sd, &all);

		fprintf(out, "\n- **%s** `%s`: runs %s, backend %s%s\n", side_name(s), sd->text, ids,
			be, model ? " (**model output**, not measured)" : "");
		hosts = side_hosts(st, sd, &nh);
		for (size_t i = 0; i < nh; i++)
			fprintf(out, "  - %s\n", hosts[i]);
		cmds = side_cmdlines(sd, &nc);
		for (size_t i = 0; i < nc; i++)
			fprintf(out, "  - `%s`\n", cmds[i]);
		free_strv(hosts, nh);
		free_strv(cmds, nc);
		free(ids);
		free(be);
	}
	for (size_t i = 0; i < c->nwarnings; i++)
		fprintf(out, "\n> warning: %s\n", c->warnings[i]);
	for (size_t b = 0; b < c->nblocks; b++) {
		const struct cblock *bl = &c->blocks[b];
		fprintf(out, "\n### ");
		md_escape(out, bl->g->title);
		if (c->nsides > 2)
			fprintf(out, " (cand `%s`)", c->sides[bl->cand].text);
		fprintf(out, "\n\n");
		for (size_t i = 0; i < bl->differs.n; i++) {
			fprintf(out, "%s", i ? ", " : "Differ: ");
			md_escape(out, bl->differs.v[i].key);
			fprintf(out, " ");
			md_escape(out, bl->differs.v[i].value);
		}
		if (bl->differs.n)
			fprintf(out, "\n\n");
		if (bl->confound.n)
			fprintf(out, "**Confounded**: the sides differ in more than what is compared; "
				     "no verdicts.\n\n");
		if (!bl->nrows)
			continue;
		fprintf(out, "| metric | base | 95%% CI | cand | 95%% CI | change | p | n |\n");
		fprintf(out, "|---|---:|---|---:|---|---:|---:|---:|\n");
		for (size_t i = 0; i < bl->nrows; i++) {
			const struct crow *r = &bl->rows[i];
			char chg[32], p[32], lo[FMT_LEN], hi[FMT_LEN], clo[FMT_LEN], chi[FMT_LEN];
			fmt_change(r->change, r->ratio, chg, sizeof(chg));
			fprintf(out, "| ");
			md_escape(out, r->name);
			fprintf(out, " | %s%s | %s..%s | %s%s | %s..%s | %s%s%s | %s%s | %zu+%zu |\n",
				fmt_value(r->b.median, r->unit, b1, sizeof(b1)),
				r->b.noisy || r->b.outliers ? " !" : "",
				fmt_value(r->b.ci_lo, r->unit, lo, sizeof(lo)),
				fmt_value(r->b.ci_hi, r->unit, hi, sizeof(hi)),
				fmt_value(r->c.median, r->unit, b2, sizeof(b2)),
				r->c.noisy || r->c.outliers ? " !" : "",
				fmt_value(r->c.ci_lo, r->unit, clo, sizeof(clo)),
				fmt_value(r->c.ci_hi, r->unit, chi, sizeof(chi)),
				r->changed ? chg : "~", *verdict(bl, r) ? " " : "", verdict(bl, r),
				r->identical ? "= (identical reps)" : fmt_p(r->t.p, p, sizeof(p)),
				r->few ? " (n too small)" : "",
				r->b.n, r->c.n);
		}
		for (size_t i = 0; i < bl->ngeos; i++)
			if (bl->geos[i].n > 1)
				fprintf(out, "| geomean %s (%zu) | | | | | %s | | |\n",
					bl->geos[i].unit, bl->geos[i].n,
					fmt_change((bl->geos[i].geo - 1) * 100.0, bl->geos[i].geo, b3,
						   sizeof(b3)));
	}
}
