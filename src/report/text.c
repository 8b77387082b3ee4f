/*
 * The text side of a report: a header saying what was run (reproduce
 * commands, host/kernel, model or measurement), per-workload summaries, the
 * compare tables (compare_render) and gnuplot's ASCII renderings; as a
 * mail-safe text block (txt, email) or as one self-contained HTML page.
 */
#include "report/report.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/compare_render.h"
#include "lib/fmt.h"
#include "lib/metrics.h"
#include "lib/stats.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "store/store.h"

#define MAX_ASCII_PLOTS 6
#define MAX_REPRODUCE 8

char *html_escape(const char *s)
{
	struct sbuf sb = SBUF_INIT;
	/* valid UTF-8 first: a stray byte would make the page's charset a lie */
	char *u = utf8_sanitize(s ? s : "");
	for (const char *p = u; *p; p++) {
		switch (*p) {
		case '&': sbuf_add(&sb, "&amp;"); break;
		case '<': sbuf_add(&sb, "&lt;"); break;
		case '>': sbuf_add(&sb, "&gt;"); break;
		case '"': sbuf_add(&sb, "&quot;"); break;
		case '\'': sbuf_add(&sb, "&#39;"); break;
		default:
			/* control characters are not allowed in HTML text (ESC, CR, ...) */
			if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
				sbuf_add(&sb, "&#xFFFD;");
			else
				sbuf_addch(&sb, *p);
		}
	}
	free(u);
	return sb.buf ? sbuf_detach(&sb) : xstrdup("");
}

/* Append one logical line, wrapped at width (at a space when one is near). */
static void wrap_line(struct sbuf *out, const char *line, size_t len, size_t width)
{
	const size_t indent = 4;
	bool first = true;
	while (len > 0) {
		size_t room = first ? width : width - indent, cut = len;
		if (!first)
			sbuf_add(out, "    ");
		if (len > room) {
			cut = room;
			for (size_t i = room; i > room / 2; i--) {
				if (line[i] == ' ') {
					cut = i;
					break;
				}
			}
		}
		for (size_t i = 0; i < cut; i++)
			sbuf_addch(out, line[i]);
		while (out->len && out->buf[out->len - 1] == ' ')
			out->len--, out->buf[out->len] = 0;
		sbuf_addch(out, '\n');
		line += cut;
		len -= cut;
		if (!first || len)
			while (len && *line == ' ')
				line++, len--;
		first = false;
	}
}

char *rpt_mail_safe(const char *in, size_t width)
{
	struct sbuf out = SBUF_INIT, line = SBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)in; ; p++) {
		if (!*p || *p == '\n') {
			while (line.len && line.buf[line.len - 1] == ' ')
				line.len--;
			if (line.len)
				wrap_line(&out, line.buf, line.len, width);
			else if (*p)
				sbuf_addch(&out, '\n');
			line.len = 0;
			if (!*p)
				break;
			continue;
		}
		if (*p == '\t') {
			do
				sbuf_addch(&line, ' ');
			while (line.len % 8);
		} else if (*p >= 0x80) {
			if ((*p & 0xc0) != 0x80)	/* one '?' per UTF-8 character */
				sbuf_addch(&line, '?');
		} else if (*p < 0x20 || *p == 0x7f) {
			if (*p != '\r' && *p != '\f')
				sbuf_addch(&line, '?');
		} else {
			sbuf_addch(&line, (char)*p);
		}
	}
	sbuf_free(&line);
	return sbuf_detach(&out);
}

/* ---- sections ---- */

static void strv_add_unique(char ***v, size_t *n, size_t *cap, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	GROW(*v, *cap, *n + 1);
	(*v)[(*n)++] = xstrdup(s);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A command line wrapped shell-style: "  $ cmd \" continuation lines. */
static void put_command(FILE *out, const char *cmd)
{
	const size_t width = 74;
	size_t col = 4;
	const char *p = cmd;
	fputs("  $ ", out);
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t w = sp ? (size_t)(sp - p) : strlen(p);
		if (col > 8 && col + w + 1 > width) {
			fputs(" \\\n      ", out);
			col = 6;
		} else if (p != cmd) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

/* A dotted path ("cpu.model_name") into the fingerprint JSON, as text. */
static const char *jstr(struct json_object *root, const char *path)
{
	char buf[128], *save = NULL;
	struct json_object *o = root;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			o = NULL;
	if (!o || json_object_is_type(o, json_type_null))
		return NULL;
	if (json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* The fingerprint lines of one host: CPU, kernel, command line, THP, TDX. */
static bool write_host(struct store *st, int64_t host_id, FILE *out)
{
	static const struct { const char *label, *path; } rows[] = {
		{ "host", "hostname" }, { "label", "label" }, { "cpu", "cpu.model_name" },
		{ "microcode", "cpu.microcode" }, { "cpus", "cpu.logical_cpus" },
		{ "kernel", "kernel.release" }, { "tree", "kernel_tree.describe" },
		{ "cmdline", "kernel.cmdline" }, { "thp", "kernel.thp.enabled" },
		{ "kvm", "kvm.status" }, { "tdx", "tdx.status" }, { "tdx why", "tdx.why" },
	};
	char *json = NULL;
	struct json_object *root;
	bool any = false;
	if (!st || store_host_json(st, host_id, &json) || !json) {
		free(json);
		return false;
	}
	root = json_tokener_parse(json);
	for (size_t i = 0; root && i < ARRAY_SIZE(rows); i++) {
		const char *v = jstr(root, rows[i].path);
		if (v && *v) {
			fprintf(out, "  %-10s %s\n", rows[i].label, v);
			any = true;
		}
	}
	json_object_put(root);
	free(json);
	return any;
}

static void write_header(struct store *st, const struct report *r,
			 const struct rpt_text_opts *o, FILE *out)
{
	char **hosts = NULL, **cmds = NULL, **repro = NULL, **backends = NULL;
	size_t nh = 0, ch = 0, nc = 0, cc = 0, nr = 0, cr = 0, nb = 0, cb = 0;
	bool any_model = false, all_model = true;
	int64_t lo = 0, hi = 0;

	for (size_t i = 0; i < r->nruns; i++) {
		const struct rpt_run *run = &r->runs[i];
		char *h = xasprintf("%s%s%s", run->kernel ? run->kernel : "kernel ?",
				    run->host_label ? ", host label " : "",
				    run->host_label ? run->host_label : "");
		strv_add_unique(&hosts, &nh, &ch, h);
		free(h);
		if (run->cmdline)
			strv_add_unique(&cmds, &nc, &cc, run->cmdline);
		if (run->reproduce)
			strv_add_unique(&repro, &nr, &cr, run->reproduce);
		if (run->backend)
			strv_add_unique(&backends, &nb, &cb, run->backend);
		any_model |= run->is_model;
		all_model &= run->is_model;
		if (!i || run->id < lo)
			lo = run->id;
		if (!i || run->id > hi)
			hi = run->id;
	}

	fprintf(out, "tdxbench report: %zu run%s (ids %lld-%lld), %zu workload%s, "
		"%zu variant%s\n", r->nruns, r->nruns == 1 ? "" : "s", (long long)lo,
		(long long)hi, r->nworkloads, r->nworkloads == 1 ? "" : "s", r->nvariants,
		r->nvariants == 1 ? "" : "s");
	if (all_model && any_model)
		fputs("MODEL OUTPUT: every figure below comes from the sim backend (a model\n"
		      "of the DPAMT/KVM code paths in virtual time), not from a measurement.\n", out);
	else if (any_model)
		fputs("Note: runs of the sim backend are MODEL OUTPUT, not measurements;\n"
		      "they are marked [model] below.\n", out);
	fputc('\n', out);

	fputs("Host / kernel:\n", out);
	{
		int64_t *seen = xcalloc(r->nruns + 1, sizeof(*seen));
		size_t nseen = 0;
		bool shown = false;
		for (size_t i = 0; i < r->nruns; i++) {
			bool dup = false;
			for (size_t k = 0; k < nseen && !dup; k++)
				dup = seen[k] == r->runs[i].host_id;
			if (dup)
				continue;
			seen[nseen++] = r->runs[i].host_id;
			if (nseen > 1)
				fputc('\n', out);
			shown |= write_host(st, r->runs[i].host_id, out);
		}
		free(seen);
		if (!shown)	/* no fingerprint: what the run rows say */
			for (size_t i = 0; i < nh; i++)
				fprintf(out, "  %s\n", hosts[i]);
	}
	fputs("Backends:", out);
	for (size_t i = 0; i < nb; i++)
		fprintf(out, " %s", backends[i]);
	fputc('\n', out);
	if (r->nruns)
		fprintf(out, "Tool: tdxbench %s\n",
			r->runs[0].tool_version ? r->runs[0].tool_version : "?");
	fputs("Variants (baseline first):\n", out);
	for (size_t k = 0; k < r->nvariants; k++) {
		size_t v = k == 0 ? (size_t)r->base_variant : (k <= (size_t)r->base_variant ? k - 1 : k);
		size_t nruns = 0;
		bool model = false;
		for (size_t i = 0; i < r->nruns; i++)
			if (r->runs[i].variant == (int)v) {
				nruns++;
				model |= r->runs[i].is_model;
			}
		fprintf(out, "  %-2zu %s%s  (%zu run%s)\n", k + 1, r->variants[v].name,
			model && !all_model ? " [model]" : "", nruns, nruns == 1 ? "" : "s");
	}
	if (nc) {
		fputs("Run with:\n", out);
		for (size_t i = 0; i < nc; i++)
			put_command(out, cmds[i]);
	}
	if (nr && nr <= MAX_REPRODUCE) {
		fputs("Reproduce each run:\n", out);
		for (size_t i = 0; i < nr; i++)
			put_command(out, repro[i]);
	} else if (nr) {
		fprintf(out, "(%zu per-run reproduce commands are in the store: runs.reproduce)\n", nr);
	}
	if (o->report_cmdline) {
		fputs("This report:\n", out);
		put_command(out, o->report_cmdline);
	}
	fputc('\n', out);
	strv_free(hosts, nh);
	strv_free(cmds, nc);
	strv_free(repro, nr);
	strv_free(backends, nb);
}

static void write_summaries(const struct report *r, FILE *out)
{
	fputs("Summaries: median [95% CI of the median] over repetitions\n", out);
	fputs("('range' instead of CI where too few repetitions for one)\n", out);
	for (size_t w = 0; w < r->nworkloads; w++) {
		const char *wl = r->workloads[w];
		char **names = NULL, **sweep = NULL;
		size_t nn = 0, cn = 0, ns = 0, cs = 0;
		for (size_t f = 0; f < r->nfigs; f++)
			if (r->figs[f].sweep_key && !strcmp(r->figs[f].workload, wl))
				strv_add_unique(&sweep, &ns, &cs, r->figs[f].sweep_key);
		for (size_t i = 0; i < r->nruns; i++) {
			const struct rpt_run *run = &r->runs[i];
			if (!run->workload || strcmp(run->workload, wl))
				continue;
			for (size_t m = 0; m < run->nmetrics; m++) {
				bool want = !r->metric_filter;
				for (size_t k = 0; k < r->nmetric_filter; k++)
					want |= !strcmp(r->metric_filter[k], run->metrics[m].name);
				if (want)
					strv_add_unique(&names, &nn, &cn, run->metrics[m].name);
			}
		}
		/* display order: key figures first */
		for (size_t a = 1; a < nn; a++)
			for (size_t b = a; b > 0 && metric_cmp(names[b - 1], names[b]) > 0; b--) {
				char *t = names[b];
				names[b] = names[b - 1];
				names[b - 1] = t;
			}
		fprintf(out, "\n== workload %s\n", wl);
		for (size_t m = 0; m < nn; m++) {
			const struct metric_desc *d = metric_find(names[m]);
			const char *unit = NULL;
			for (size_t i = 0; i < r->nruns && !unit; i++) {
				const struct rpt_metric *mt = rpt_run_find_metric(&r->runs[i], names[m]);
				if (mt && r->runs[i].workload && !strcmp(r->runs[i].workload, wl))
					unit = mt->unit;
			}
			fprintf(out, "  %s%s%s%s\n", names[m], unit && *unit ? " [" : "",
				unit && *unit ? unit : "", unit && *unit ? "]" : "");
			if (d && d->better != BETTER_NONE)
				fprintf(out, "    (%s is better)\n", better_name(d->better));
			for (size_t i = 0; i < r->nruns; i++) {
				const struct rpt_run *run = &r->runs[i];
				const struct rpt_metric *mt;
				struct summary s;
				struct sbuf who = SBUF_INIT;
				char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN];
				if (!run->workload || strcmp(run->workload, wl))
					continue;
				mt = rpt_run_find_metric(run, names[m]);
				if (!mt || !mt->n)
					continue;
				sbuf_add(&who, r->variants[run->variant].name);
				for (size_t k = 0; k < ns; k++) {
					const char *v = params_get(&run->params, sweep[k]);
					sbuf_addf(&who, " %s=%s", sweep[k], v ? v : "-");
				}
				stats_summarize(mt->v, mt->n, 0.95, &s);
				fmt_value(s.median, unit, a, sizeof(a));
				if (isfinite(s.ci_lo)) {
					fmt_value(s.ci_lo, unit, b, sizeof(b));
					fmt_value(s.ci_hi, unit, c, sizeof(c));
					fprintf(out, "    %-26s %12s [%s, %s] n=%zu%s\n", who.buf, a, b, c,
						s.n, s.noisy ? " noisy" : "");
				} else {
					fmt_value(s.min, unit, b, sizeof(b));
					fmt_value(s.max, unit, c, sizeof(c));
					fprintf(out, "    %-26s %12s range %s..%s n=%zu%s\n", who.buf, a, b,
						c, s.n, s.noisy ? " noisy" : "");
				}
				sbuf_free(&who);
			}
		}
		strv_free(names, nn);
		strv_free(sweep, ns);
	}
	fputc('\n', out);
}

/* The compare tables: baseline variant against every other one. */
static int write_compare(struct store *st, const struct report *r, enum compare_format fmt,
			 bool header, FILE *out)
{
	const char **cands = xcalloc(r->nvariants ? r->nvariants : 1, sizeof(*cands));
	const struct rpt_variant *base = r->nvariants ? &r->variants[r->base_variant] : NULL;
	struct compare_req req = {
		.alpha = 0.05,
		.fail_if_worse_pct = -1,
		.header = header,
		.cands = cands,
	};
	char *metrics = NULL;
	int ret = 0;

	if (r->nvariants < 2 || !st) {
		free(cands);
		return 0;
	}
	for (size_t v = 0; v < r->nvariants; v++)
		if ((int)v != r->base_variant && r->variants[v].selector)
			cands[req.ncands++] = r->variants[v].selector;
	if (!base->selector || !req.ncands) {
		fputs("(no comparison table: the variants cannot be written as selectors;\n"
		      " use `tdxbench compare BASE CAND...` with explicit selectors)\n\n", out);
		free(cands);
		return 0;
	}
	if (r->metric_filter) {
		struct sbuf sb = SBUF_INIT;
		for (size_t i = 0; i < r->nmetric_filter; i++)
			sbuf_addf(&sb, "%s%s", i ? "," : "", r->metric_filter[i]);
		metrics = sbuf_detach(&sb);
	}
	req.base = base->selector;
	req.metrics = metrics;
	if (!header)
		fprintf(out, "Comparison: baseline '%s' vs the other variants\n", base->name);
	fflush(out);
	if (compare_render(st, &req, fmt, out) < 0) {
		fputs("(comparison failed: see the error above)\n", out);
		ret = -1;
	}
	fputc('\n', out);
	free(metrics);
	free(cands);
	return ret;
}

/* Figures in the order a reader of the mail wants them. */
static size_t figure_order(const struct report *r, size_t *idx, bool first_parts)
{
	static const enum fig_kind order[] = { FIG_SWEEP, FIG_TS, FIG_CDF, FIG_CMP };
	size_t n = 0;
	for (size_t k = 0; k < ARRAY_SIZE(order); k++)
		for (size_t i = 0; i < r->nfigs; i++)
			if (r->figs[i].kind == order[k] && (!first_parts || !r->figs[i].part))
				idx[n++] = i;
	return n;
}

static void write_ascii_plots(const struct report *r, const struct rpt_text_opts *o, FILE *out)
{
	size_t *idx = xcalloc(r->nfigs ? r->nfigs : 1, sizeof(*idx));
	size_t n = figure_order(r, idx, true), shown = 0;
	if (!o->have_plots) {
		fprintf(out, "(no plots: %s)\n", o->no_plots_reason ? o->no_plots_reason : "not rendered");
		free(idx);
		return;
	}
	for (size_t k = 0; k < n && shown < MAX_ASCII_PLOTS; k++) {
		const struct rpt_figure *f = &r->figs[idx[k]];
		char *path = xasprintf("%s/%s-ascii.txt", o->dir, f->base);
		size_t len;
		char *text = read_file(path, &len), *s, *e;
		free(path);
		if (!text)
			continue;
		/* Trim the form feed and the blank frame dumb leaves around a plot. */
		for (s = text; *s == '\f'; s++)
			;
		for (char *l = s; *l == ' ' || *l == '\n'; l++)
			if (*l == '\n')
				s = l + 1;
		e = text + len;
		while (e > s && (e[-1] == '\n' || e[-1] == ' '))
			e--;
		fwrite(s, 1, (size_t)(e - s), out);
		fputs("\n\n", out);
		shown++;
		free(text);
	}
	if (r->nfigs > shown)
		fprintf(out, "(%zu figure%s with every panel in the png/svg/html report:\n"
			" tdxbench report --format png,svg,html)\n", r->nfigs, r->nfigs == 1 ? "" : "s");
	free(idx);
}

/* The email's first lines: what was run, model or not, how to make it again. */
static void write_email_header(const struct report *r, const struct rpt_text_opts *o, FILE *out)
{
	bool any_model = false, all_model = true;
	int64_t lo = 0, hi = 0;

	for (size_t i = 0; i < r->nruns; i++) {
		any_model |= r->runs[i].is_model;
		all_model &= r->runs[i].is_model;
		if (!i || r->runs[i].id < lo)
			lo = r->runs[i].id;
		if (!i || r->runs[i].id > hi)
			hi = r->runs[i].id;
	}
	fprintf(out, "tdxbench report: %zu runs (ids %lld-%lld), %zu workload%s, %zu variants%s\n",
		r->nruns, (long long)lo, (long long)hi, r->nworkloads,
		r->nworkloads == 1 ? "" : "s", r->nvariants,
		all_model && any_model ? "; MODEL OUTPUT" : any_model ? "; partly MODEL OUTPUT" : "");
	if (o->report_cmdline)
		put_command(out, o->report_cmdline);
}

/* Where the figures are (the email carries none: they do not fit a screen). */
static void write_figures_line(const struct report *r, const struct rpt_text_opts *o, FILE *out)
{
	if (!o->have_plots)
		fprintf(out, "(no plots: %s)\n",
			o->no_plots_reason ? o->no_plots_reason : "not rendered");
	else if (r->nfigs)
		fprintf(out, "%zu figure%s in %s/ (ASCII renderings in report.txt)\n", r->nfigs,
			r->nfigs == 1 ? "" : "s", o->dir);
}

int rpt_write_text(struct store *st, const struct report *r, const struct rpt_text_opts *o,
		   bool email, FILE *out)
{
	char *buf = NULL, *safe;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int ret = 0;
	if (!mem)
		return error_errno("cannot allocate the report text");
	if (email && r->nvariants >= 2 && st) {
		/* one screen for the list: the comparison, the figures by reference */
		write_email_header(r, o, mem);
		if (write_compare(st, r, CMP_TEXT, true, mem))
			ret = -1;
		write_figures_line(r, o, mem);
	} else {
		write_header(st, r, o, mem);
		if (write_compare(st, r, CMP_TEXT, false, mem))
			ret = -1;
		if (!email || r->nvariants < 2)
			write_summaries(r, mem);
		if (email || o->have_plots)
			write_ascii_plots(r, o, mem);
	}
	if (fclose(mem))
		return error_errno("cannot write the report text");
	safe = rpt_mail_safe(buf, 80);
	fputs(safe, out);
	free(safe);
	free(buf);
	return ret;
}

/* ---- html ---- */

static void html_pre(FILE *out, const char *text)
{
	char *e = html_escape(text);
	fprintf(out, "<pre>%s</pre>\n", e);
	free(e);
}

/* Make gnuplot's element ids unique per figure: the page holds many SVGs. */
static void put_svg(FILE *out, const char *svg, size_t fig)
{
	const char *p = strstr(svg, "<svg");
	char *pref = xasprintf("f%zu_gpPt", fig);
	if (!p)
		p = svg;
	while (*p) {
		const char *q = strstr(p, "gpPt");
		if (!q) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(q - p), out);
		fputs(pref, out);
		p = q + 4;
	}
	free(pref);
}

static const char *kind_heading(enum fig_kind k)
{
	switch (k) {
	case FIG_CMP: return "variants compared";
	case FIG_SWEEP: return "sweep";
	case FIG_TS: return "time series";
	default: return "latency CDF";
	}
}

enum html_part { PART_INTRO, PART_RUN, PART_COMPARE, PART_SUMMARIES };

/* One text part of the page, as the text report has it, in a <pre>. */
static int html_text_part(struct store *st, const struct report *r,
			  const struct rpt_text_opts *o, enum html_part part, FILE *out)
{
	static const char *const heads[] = {
		NULL, "<h2 id=\"run\">What was run</h2>\n", "<h2 id=\"compare\">Comparison</h2>\n",
		"<h2 id=\"summaries\">Summaries</h2>\n",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int ret = 0;

	if (!mem)
		return error_errno("cannot allocate the report text");
	switch (part) {
	case PART_INTRO: write_email_header(r, o, mem); break;
	case PART_RUN: write_header(st, r, o, mem); break;
	case PART_COMPARE: ret = write_compare(st, r, CMP_TEXT, false, mem) ? -1 : 0; break;
	case PART_SUMMARIES: write_summaries(r, mem); break;
	}
	fclose(mem);
	if (len) {
		if (heads[part])
			fputs(heads[part], out);
		html_pre(out, buf);
	}
	free(buf);
	return ret;
}

int rpt_write_html(struct store *st, const struct report *r, const struct rpt_text_opts *o,
		   FILE *out)
{
	size_t *idx, n;
	int ret = 0;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>tdxbench report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:1.5em;max-width:110em}\n"
	      "pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:90%}\n"
	      "figure{margin:1em 0;border-top:1px solid #ccc}\n"
	      "figure svg{max-width:100%;height:auto}\n"
	      "nav li{margin:.1em 0}\n</style>\n</head>\n<body>\n"
	      "<h1>tdxbench report</h1>\n", out);

	/* the figures first: what was run and the tables follow them */
	if (html_text_part(st, r, o, PART_INTRO, out))
		ret = -1;

	idx = xcalloc(r->nfigs ? r->nfigs : 1, sizeof(*idx));
	n = figure_order(r, idx, false);
	fputs("<h2 id=\"figures\">Figures</h2>\n<nav><ul>\n", out);
	for (size_t k = 0; k < n; k++) {
		const struct rpt_figure *f = &r->figs[idx[k]];
		char *w = html_escape(f->workload), *c = html_escape(f->context ? f->context : "");
		char *j = html_escape(f->job ? f->job : "");
		fprintf(out, "<li><a href=\"#fig%zu\">%s%s%s%s: %s%s%s%s</a></li>\n", k + 1, w,
			f->job ? " (job " : "", j, f->job ? ")" : "", kind_heading(f->kind),
			f->context ? " [" : "", c, f->context ? "]" : "");
		free(j);
		free(w);
		free(c);
	}
	fputs("</ul></nav>\n", out);
	for (size_t k = 0; k < n; k++) {
		const struct rpt_figure *f = &r->figs[idx[k]];
		char *path = xasprintf("%s/%s.svg", o->dir, f->base), *svg;
		char *w = html_escape(f->workload), *b = html_escape(f->base);
		size_t slen;
		fprintf(out, "<figure id=\"fig%zu\">\n<figcaption>%s: %s (%s.gp)</figcaption>\n",
			k + 1, w, kind_heading(f->kind), b);
		svg = o->have_plots ? read_file(path, &slen) : NULL;
		if (svg) {
			put_svg(out, svg, k + 1);
			free(svg);
		} else {
			char *why = html_escape(o->no_plots_reason ? o->no_plots_reason : "not rendered");
			fprintf(out, "<p>(figure not rendered: %s)</p>\n", why);
			free(why);
		}
		fputs("</figure>\n", out);
		free(path);
		free(w);
		free(b);
	}
	free(idx);

	for (int part = PART_RUN; part <= PART_SUMMARIES; part++)
		if (html_text_part(st, r, o, (enum html_part)part, out))
			ret = -1;
	fputs("</body>\n</html>\n", out);
	return ret;
}
