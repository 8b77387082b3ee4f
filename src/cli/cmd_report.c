#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"
#include "report/report.h"
#include "store/store.h"

#include <errno.h>
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

static char *default_out_dir(void)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("results/report-%s", stamp);
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, 0755) && errno != EEXIST) {
				int e = errno;
				error("cannot create '%s': %s", p, strerror(e));
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

static int write_file_with(const char *path, struct store *st, const struct report *r,
			   const struct rpt_text_opts *o, int kind)
{
	FILE *f = fopen(path, "w");
	int ret;
	if (!f)
		return error_errno("cannot write '%s'", path);
	ret = kind == RPT_HTML ? rpt_write_html(st, r, o, f) : rpt_write_text(st, r, o,
									  kind == RPT_EMAIL, f);
	if (fclose(f))
		return error_errno("cannot write '%s'", path);
	return ret;
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
	if (report_load(st, (const char *const *)argv + optind, (size_t)(argc - optind), &r))
		goto out;
	if (!r.nruns) {
		error("no finished runs %s in '%s'", argc > optind ? "match the selectors" : "",
		      store_path(st));
		goto out;
	}
	if (report_analyze(&r, base, metrics))
		goto out;

	dir = out_opt ? xstrdup(out_opt) : default_out_dir();
	if (mkdir_p(dir))
		goto out;

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
		char *p = xasprintf("%s/report.txt", dir);
		failed += write_file_with(p, st, &r, &to, RPT_TXT) != 0;
		free(p);
	}
	if (fmts & RPT_HTML) {
		char *p = xasprintf("%s/report.html", dir);
		failed += write_file_with(p, st, &r, &to, RPT_HTML) != 0;
		free(p);
	}
	if (fmts & RPT_EMAIL) {
		char *p = xasprintf("%s/email.txt", dir);
		failed += write_file_with(p, st, &r, &to, RPT_EMAIL) != 0;
		if (rpt_write_text(st, &r, &to, true, stdout))
			failed++;
		if (fflush(stdout) || ferror(stdout)) {
			error_errno("cannot write to stdout");
			failed++;
		}
		free(p);
	}
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
