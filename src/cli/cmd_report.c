#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/outfile.h"
#include "lib/util.h"
#include "report/report.h"
#include "store/store.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { OPT_OUT = 0x100, OPT_FORMAT, OPT_BASE, OPT_METRICS };

#define DEFAULT_FORMATS "png,svg,txt"

static const struct cli_opt report_opts[] = {
	{ .name = "out", .short_name = 'o', .id = OPT_OUT, .arg = "DIR",
	  .def = "results/report-<date>/", .help = "where to write" },
	{ .name = "format", .short_name = 'f', .id = OPT_FORMAT, .arg = "LIST",
	  .values = rpt_format_names, .def = DEFAULT_FORMATS,
	  .help = "what to write, as a list; email prints a mail-ready block on stdout" },
	{ .name = "base", .short_name = 'b', .id = OPT_BASE, .arg = "NAME",
	  .help = "the variant to compare against (default: the one of the oldest run)" },
	{ .name = "metrics", .short_name = 'm', .id = OPT_METRICS, .arg = "LIST",
	  .help = "only these metrics in plots and tables" },
	{ .name = NULL },
};

const struct cmd_help cmd_report_help = {
	.synopsis = "report [options] [SELECTOR...]",
	.text = "Turn stored runs into plots and text: per-metric comparisons of the\n"
		"variants (strategies, labels, kernels) for each workload, sweep curves over\n"
		"matrix parameters, time series, latency CDFs, the compare tables, and a\n"
		"plain-text block for a reply on the mailing list.\n"
		"\n"
		"With no selector every run is used; with one, the runs it selects; with\n"
		"several, each selector is one variant (the first is the baseline).\n"
		"Selectors: 'strategy=sean-v5,workload=boot', '12-20', 'session=3', ...\n",
	.opts = report_opts,
	.footer = "Each figure is <name>.gp + <name>.dat in the output folder; re-render by\n"
		  "hand with `gnuplot -c <name>.gp [png|svg|dumb] [panel]`. Plots need gnuplot;\n"
		  "without it the text outputs are still written and the exit status is 1\n"
		  "if a plot format was asked for.\n",
};

static char *default_out_base(void)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("results/report-%s", stamp);
}

static int write_file_with(const char *dir, const char *name, struct store *st,
			   const struct report *r, const struct rpt_text_opts *o, int kind)
{
	FILE *f = outfile_create(dir, name);
	char *path = xasprintf("%s/%s", dir, name);
	int ret;
	if (!f) {
		free(path);
		return -1;
	}
	ret = kind == RPT_HTML ? rpt_write_html(st, r, o, f) : rpt_write_text(st, r, o,
									  kind == RPT_EMAIL, f);
	if (fclose(f))
		ret = error_errno("cannot write '%s'", path);
	free(path);
	return ret;
}

/* --json: what was written, for scripts (the email goes to email.txt only). */
static void print_json(const struct report *r, const char *dir, unsigned fmts, int failed)
{
	static const char *const kinds[] = { "cmp", "sweep", "ts", "cdf" };
	static const struct { unsigned bit; const char *file; } files[] = {
		{ RPT_TXT, "report.txt" }, { RPT_HTML, "report.html" }, { RPT_EMAIL, "email.txt" },
	};
	struct json_object *o = json_object_new_object(), *figs = json_object_new_array();
	struct json_object *fl = json_object_new_array();

	json_object_object_add(o, "dir", json_object_new_string(dir));
	json_object_object_add(o, "runs", json_object_new_int64((int64_t)r->nruns));
	json_object_object_add(o, "ok", json_object_new_boolean(!failed));
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (fmts & files[i].bit)
			json_object_array_add(fl, json_object_new_string(files[i].file));
	json_object_object_add(o, "files", fl);
	for (size_t i = 0; i < r->nfigs; i++) {
		const struct rpt_figure *f = &r->figs[i];
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "name", json_object_new_string(f->base));
		json_object_object_add(j, "kind", json_object_new_string(kinds[f->kind]));
		json_object_object_add(j, "workload", json_object_new_string(f->workload));
		json_object_object_add(j, "job", f->job ? json_object_new_string(f->job) : NULL);
		json_object_object_add(j, "sweep", f->sweep_key ?
				       json_object_new_string(f->sweep_key) : NULL);
		json_object_array_add(figs, j);
	}
	json_object_object_add(o, "figures", figs);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_report(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	const char *out_opt = NULL, *formats = DEFAULT_FORMATS, *base = NULL, *metrics = NULL;
	struct rpt_text_opts to = { 0 };
	struct report r = { 0 };
	struct store *st = NULL;
	unsigned fmts, render;
	char err[256], *dir = NULL, *cmdline = NULL;
	bool have_gp, want_ascii;
	int c, failed = 0, ret = EXIT_FAIL;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		switch (c) {
		case OPT_OUT: out_opt = optarg; break;
		case OPT_FORMAT: formats = optarg; break;
		case OPT_BASE: base = optarg; break;
		case OPT_METRICS: metrics = optarg; break;
		default: return cli_usage_error(self, "unexpected option");
		}
	}
	if (rpt_parse_formats(formats, &fmts, err, sizeof(err)))
		return cli_usage_error(self, "%s", err);

	if (cli_open_store(ctx, STORE_READONLY, &st))
		return EXIT_FAIL;
	/* one snapshot for the whole report; ended by store_close() */
	if (store_read_begin(st)) {
		store_close(st);
		return EXIT_FAIL;
	}
	if (report_load(st, (const char *const *)argv + optind, (size_t)(argc - optind), &r))
		goto out;
	if (!r.nruns) {
		error("no finished runs %s in '%s'", argc > optind ? "match the selectors" : "",
		      store_path(st));
		goto out;
	}
	if (report_analyze(&r, base, metrics))
		goto out;

	if (out_opt) {
		dir = xstrdup(out_opt);
		if (outdir_prepare(dir))
			goto out;
	} else {
		/* one folder per call, even two in the same second */
		char *b = default_out_base();
		int rc = outdir_make_unique(b, &dir);
		free(b);
		if (rc)
			goto out;
	}

	have_gp = rpt_have_gnuplot();
	render = (fmts & (RPT_PNG | RPT_SVG)) | (fmts & RPT_HTML ? RPT_SVG : 0);
	want_ascii = fmts & (RPT_TXT | RPT_EMAIL);
	if (!have_gp && (render || want_ascii)) {
		warning("gnuplot not found in PATH: no plots; the text outputs are still written");
		failed += (fmts & (RPT_PNG | RPT_SVG | RPT_HTML)) != 0;
	}
	c = rpt_plot_all(&r, dir, render, want_ascii, have_gp);
	if (c < 0)
		goto out;
	failed += c;

	cmdline = cli_cmdline(ctx);
	to.dir = dir;
	to.report_cmdline = cmdline;
	to.have_plots = have_gp;
	to.no_plots_reason = have_gp ? NULL : "gnuplot not found";

	if (fmts & RPT_TXT) {
		failed += write_file_with(dir, "report.txt", st, &r, &to, RPT_TXT) != 0;
	}
	if (fmts & RPT_HTML) {
		failed += write_file_with(dir, "report.html", st, &r, &to, RPT_HTML) != 0;
	}
	if (fmts & RPT_EMAIL) {
		failed += write_file_with(dir, "email.txt", st, &r, &to, RPT_EMAIL) != 0;
		if (!ctx->json && rpt_write_text(st, &r, &to, true, stdout))
			failed++;
		if (fflush(stdout) || ferror(stdout)) {
			error_errno("cannot write to stdout");
			failed++;
		}
	}
	if (ctx->json)
		print_json(&r, dir, fmts, failed);
	if (!ctx->quiet)
		fprintf(stderr, "report: %zu run%s, %zu figure%s, written to %s/%s\n", r.nruns,
			r.nruns == 1 ? "" : "s", r.nfigs, r.nfigs == 1 ? "" : "s", dir,
			failed ? " (with errors)" : "");
	ret = failed ? EXIT_FAIL : EXIT_OK;
out:
	report_free(&r);
	store_close(st);
	free(dir);
	free(cmdline);
	return ret;
}
