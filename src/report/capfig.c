/*
 * Figures of a capacity study, through gnuplot as src/report/plot.c draws
 * the report's: per figure a data file and a script that stands alone
 * (`gnuplot -c <fig>.gp png|svg|dumb`), rendered as separate processes.
 *
 *   capacity-memory   total PAMT + caches per strategy on each host layout
 *   capacity-tornado  how far each cost (and the layout) moves pamt_lock wait
 *   capacity-knee-K   each sweep K, one panel per metric, knees marked
 *
 * Strategy names reach gnuplot only through gp_quote().
 */
#include "report/capacity.h"
#include "report/report.h"
#include "lib/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOTE "model output (sim), not a measurement"

/* The terminal part every script starts with; w, h in pixels. */
static void gp_head(FILE *gp, const char *base, int w, int h, const char *title)
{
	char *t = gp_quote(title);
	fprintf(gp, "# tdxbench capacity figure. Re-render: gnuplot -c %s.gp [png|svg|dumb]\n", base);
	fprintf(gp, "fmt = ARGC >= 1 ? ARG1 : 'png'\n");
	fprintf(gp, "if (fmt eq 'svg') {\n"
		    "\tset terminal svg noenhanced size %d,%d font 'Sans,11' background '#ffffff'\n"
		    "\tset output '%s.svg'\n"
		    "} else {\n"
		    "\tif (fmt eq 'dumb') {\n"
		    "\t\tset terminal dumb noenhanced size 79,30\n"
		    "\t\tset output '%s-ascii.txt'\n"
		    "\t} else {\n"
		    "\t\tset terminal pngcairo noenhanced size %d,%d font 'Sans,10'\n"
		    "\t\tset output '%s.png'\n"
		    "\t}\n"
		    "}\n", w, h, base, base, w, h, base);
	fprintf(gp, "is_dumb = fmt eq 'dumb'\n"
		    "set datafile missing 'NaN'\n"
		    "set border 3\nset tics nomirror out\n"
		    "array pal[8] = ['#1f5fbf', '#d9541e', '#2a9d3a', '#8e44ad', '#c0392b', '#16a0a0', "
		    "'#7f6000', '#555555']\n");
	fprintf(gp, "fig_title = %s\n", t);
	free(t);
}

static FILE *open_pair(const char *dir, const char *base, FILE **dat)
{
	char *dp = xasprintf("%s/%s.dat", dir, base), *gpp = xasprintf("%s/%s.gp", dir, base);
	FILE *gp = NULL;
	*dat = fopen(dp, "w");
	if (!*dat)
		error_errno("capacity: cannot write '%s'", dp);
	else if (!(gp = fopen(gpp, "w"))) {
		error_errno("capacity: cannot write '%s'", gpp);
		fclose(*dat);
		*dat = NULL;
	}
	free(dp);
	free(gpp);
	return gp;
}

static int close_pair(FILE *gp, FILE *dat)
{
	int bad = ferror(gp) || ferror(dat);
	bad |= fclose(gp) != 0;
	bad |= fclose(dat) != 0;
	if (bad)
		error("capacity: could not finish writing a figure");
	return bad ? -1 : 0;
}

static void gp_strategy_names(FILE *gp, const struct cap_study *s)
{
	fprintf(gp, "nvar = %zu\narray vname[%zu]\n", s->nst, s->nst ? s->nst : 1);
	for (size_t i = 0; i < s->nst; i++) {
		char *q = gp_quote(s->st[i].name);
		fprintf(gp, "vname[%zu] = %s\n", i + 1, q);
		free(q);
	}
}

static int fig_memory(const struct cap_study *s, const char *dir)
{
	const char *base = "capacity-memory";
	FILE *dat, *gp = open_pair(dir, base, &dat);
	char *t;
	if (!gp)
		return -1;
	fprintf(dat, "# strategy_index fresh fragmented sparse fresh_lo fresh_hi (bytes at full size)\n");
	for (size_t i = 0; i < s->nst; i++)
		fprintf(dat, "%zu %.6g %.6g %.6g %.6g %.6g\n", i, cap_total_bytes(s, i, CAP_FRESH),
			cap_total_bytes(s, i, CAP_FRAGMENTED), cap_total_bytes(s, i, CAP_SPARSE),
			s->st[i].total_lo, s->st[i].total_hi);
	t = xasprintf("PAMT + caches per strategy: %u TDs x %.0f GiB x %u vCPUs on %.0f GiB - " NOTE,
		      s->req.tds, (double)s->req.mem / (1 << 30), s->req.vcpus,
		      (double)s->req.host_mem / (1 << 30));
	gp_head(gp, base, 1000, 560, t);
	free(t);
	gp_strategy_names(gp, s);
	fprintf(gp, "set title fig_title\n"
		    "set ylabel 'GiB (static+rc + DPAMT peak + idle caches), log scale'\n"
		    "set logscale y\nset yrange [*:*]\nset key below horizontal\n"
		    "set xrange [-0.6:nvar-0.4]\n"
		    "set xtics () \n"
		    "do for [v=1:nvar] { set xtics add (vname[v] v-1) }\n"
		    "if (!is_dumb) { set grid ytics lc rgb '#dddddd' }\n"
		    "set boxwidth 0.25\nset style fill solid 0.8 border -1\n"
		    "G = 1024.0**3\n"
		    "plot '%s.dat' using ($1-0.27):($2/G) with boxes lc rgb pal[1] title 'fresh host', \\\n"
		    "     '' using ($1-0.27):($2/G):($5/G):($6/G) with yerrorbars lc rgb '#000000' pt 0 "
		    "title 'range (costs, fit, unseen carried pairs)', \\\n"
		    "     '' using 1:($3/G) with boxes lc rgb pal[2] title 'fragmented', \\\n"
		    "     '' using ($1+0.27):($4/G) with boxes lc rgb pal[5] title 'sparse (crafted worst)'\n",
		    base);
	return close_pair(gp, dat);
}

struct bar {
	const char *label;
	double lo, hi;		/* % change */
};

static int cmp_swing(const void *a, const void *b)
{
	const struct bar *x = a, *y = b;
	double sx = x->hi - x->lo, sy = y->hi - y->lo;
	return sx < sy ? 1 : sx > sy ? -1 : strcmp(x->label, y->label);
}

/* Changes beyond +1000 % are drawn at the edge; the table has them exactly. */
static double clip(double pct)
{
	return fmax(-100, fmin(pct, 1000));
}

static int fig_tornado(const struct cap_study *s, const char *dir, enum cap_metric m,
		       const char *base)
{
	enum { TOP = 8 };
	FILE *dat, *gp = open_pair(dir, base, &dat);
	size_t nst = s->nst, cols = nst > 3 ? 3 : (nst ? nst : 1), rows = (nst + cols - 1) / cols;
	char *t;
	if (!gp)
		return -1;
	fprintf(dat, "# per strategy a block: row lo%% hi%% label, widest first (one cost at a time;\n"
		     "# layout: at full size)\n");
	for (size_t i = 0; i < nst; i++) {
		const struct cap_strategy *st = &s->st[i];
		struct bar *b = xcalloc(st->nsens + 2, sizeof(*b));
		size_t nb = 0;
		double f0 = cap_value(s, i, CAP_FRESH, m);
		for (size_t k = 0; k < st->nsens; k++) {
			const struct cap_sens *v = &st->sens[k];
			double lo, hi;
			if (!v->ok)
				continue;
			lo = (v->ratio_lo[m] - 1) * 100;
			hi = (v->ratio_hi[m] - 1) * 100;
			b[nb].label = cap_short_name(v->cost);
			b[nb].lo = clip(fmin(lo, hi));
			b[nb].hi = clip(fmax(lo, hi));
			nb++;
		}
		for (int l = CAP_FRAGMENTED; l <= CAP_SPARSE; l++) {
			double x = cap_value(s, i, (enum cap_layout)l, m);
			double pct = f0 > 0 ? (x / f0 - 1) * 100 : (x > 0 ? 1000 : 0);
			if (isnan(x))
				continue;
			b[nb].label = l == CAP_FRAGMENTED ? "layout: fragmented" : "layout: sparse";
			b[nb].lo = clip(fmin(0, pct));
			b[nb].hi = clip(fmax(0, pct));
			nb++;
		}
		qsort(b, nb, sizeof(*b), cmp_swing);
		/* labels are cost and layout names of this program: [a-z0-9_: ] */
		for (size_t k = 0; k < nb && k < TOP; k++)
			fprintf(dat, "%zu %.4g %.4g \"%s\"\n", k, b[k].lo, b[k].hi, b[k].label);
		if (!nb)
			fprintf(dat, "0 0 0 \"none\"\n");
		fprintf(dat, "\n\n");
		free(b);
	}
	t = xasprintf("%s: %% change per cost over its range, and per host layout - " NOTE,
		      cap_metrics[m].label);
	gp_head(gp, base, 420 * (int)cols, 300 * (int)rows + 60, t);
	free(t);
	gp_strategy_names(gp, s);
	fprintf(gp, "set style fill solid 0.8 border -1\n"
		    "set xlabel '%% change (clipped at +1000)'\n"
		    "set xrange [-100:*]\nset yrange [-%d.6:0.6]\nunset key\n"
		    "set ytics font ',8'\n"
		    "if (!is_dumb) { set grid xtics lc rgb '#dddddd' }\n"
		    "last = is_dumb ? 1 : nvar\n"
		    "if (!is_dumb) { set multiplot layout %zu,%zu title fig_title font ',12' }\n"
		    "do for [i=1:last] {\n"
		    "\tset title vname[i].(is_dumb ? ' - '.fig_title : '')\n"
		    "\tplot '%s.dat' index (i-1) using (($2+$3)/2):(-$1):2:3:(-$1-0.35):(-$1+0.35):ytic(4) "
		    "with boxxyerror lc rgb pal[(i-1)%%8+1]\n"
		    "}\n"
		    "if (!is_dumb) { unset multiplot }\n",
		    TOP - 1, rows, cols, base);
	return close_pair(gp, dat);
}

static int fig_knee(const struct cap_study *s, const char *dir, const struct cap_sweep *w,
		    char **basep)
{
	char *base = xasprintf("capacity-knee-%s", w->key);
	FILE *dat, *gp;
	char *t;
	for (char *p = base; *p; p++)
		if (*p == '_')
			*p = '-';
	gp = open_pair(dir, base, &dat);
	*basep = base;
	if (!gp)
		return -1;
	/* index (q*nst + i): x y knee_flag */
	for (int q = 0; q < CAP_KNEE_METRICS; q++)
		for (size_t i = 0; i < s->nst; i++) {
			fprintf(dat, "# %s, %s\n", cap_metrics[w->metric[q]].name, s->st[i].name);
			for (size_t k = 0; w->s[i].ok && k < w->n; k++) {
				bool kn = w->s[i].knee[q].found && w->s[i].knee[q].k == k;
				fprintf(dat, "%g %.6g %s\n", w->x[k], w->s[i].y[q][k],
					kn ? "1" : "NaN");
			}
			if (!w->s[i].ok)
				fprintf(dat, "NaN NaN NaN\n");
			fprintf(dat, "\n\n");
		}
	t = xasprintf("vs %s (%s) - knees marked - " NOTE, w->what, w->context);
	gp_head(gp, base, 1200, 460, t);
	free(t);
	gp_strategy_names(gp, s);
	fprintf(gp, "array ptitle[%d]\narray scale[%d]\n", CAP_KNEE_METRICS, CAP_KNEE_METRICS);
	for (int q = 0; q < CAP_KNEE_METRICS; q++) {
		const struct cap_metric_desc *d = &cap_metrics[w->metric[q]];
		bool ns = !strcmp(d->unit, "ns");
		fprintf(gp, "ptitle[%d] = '%s%s'\nscale[%d] = %s\n", q + 1, d->label,
			ns ? " (ms)" : !strcmp(d->unit, "pages") ? " (pages)" : "", q + 1,
			ns ? "1e6" : "1");
	}
	fprintf(gp, "set xlabel '%s'\nset logscale x 2\n"
		    "if (!is_dumb) { set grid ytics lc rgb '#dddddd' }\n"
		    "set key below horizontal\n"
		    "last = is_dumb ? 1 : %d\n"
		    "if (!is_dumb) { set multiplot layout 1,%d title fig_title font ',12' }\n"
		    "do for [q=1:last] {\n"
		    "\tset title ptitle[q].(is_dumb ? ' '.fig_title : '')\n"
		    "\tset yrange [0:*]\n"
		    "\tplot for [v=1:nvar] '%s.dat' index (q-1)*nvar+(v-1) using 1:($2/scale[q]) "
		    "with linespoints lw 2 pt 7 ps 0.6 lc rgb pal[(v-1)%%8+1] title vname[v], \\\n"
		    "\t     for [v=1:nvar] '' index (q-1)*nvar+(v-1) using 1:($3*$2/scale[q]) "
		    "with points pt 6 ps 2.5 lw 2 lc rgb '#000000' title (v == 1 ? 'knee' : '')\n"
		    "}\n"
		    "if (!is_dumb) { unset multiplot }\n",
		    w->what, CAP_KNEE_METRICS, CAP_KNEE_METRICS, base);
	return close_pair(gp, dat);
}

int cap_figures(const struct cap_study *s, const char *dir, bool have_gnuplot, bool want_svg,
		size_t *nfigs)
{
	char *bases[16];
	size_t n = 0;
	int failed = 0;

	*nfigs = 0;
	if (fig_memory(s, dir))
		return -1;
	bases[n++] = xstrdup("capacity-memory");
	if (s->nst && s->st[0].nsens) {
		if (fig_tornado(s, dir, CM_PLW, "capacity-tornado-lock"))
			goto fail;
		bases[n++] = xstrdup("capacity-tornado-lock");
		if (fig_tornado(s, dir, CM_VT, "capacity-tornado-boot"))
			goto fail;
		bases[n++] = xstrdup("capacity-tornado-boot");
	}
	for (size_t i = 0; i < s->nsweeps && n < ARRAY_SIZE(bases); i++) {
		char *b = NULL;
		int rc = fig_knee(s, dir, &s->sweeps[i], &b);
		if (rc) {
			free(b);
			goto fail;
		}
		bases[n++] = b;
	}
	*nfigs = n;
	if (have_gnuplot)
		failed = rpt_render_scripts(dir, (const char *const *)bases, n,
					    RPT_PNG | (want_svg ? RPT_SVG : 0), true);
	for (size_t i = 0; i < n; i++)
		free(bases[i]);
	return failed;
fail:
	for (size_t i = 0; i < n; i++)
		free(bases[i]);
	return -1;
}
