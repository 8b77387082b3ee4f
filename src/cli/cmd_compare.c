#include "cli/cli.h"
#include "cli/commands.h"
#include "report/compare_render.h"
#include "core/select.h"
#include "lib/util.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ALPHA 0.05

enum { OPT_METRIC = 0x100, OPT_ALPHA, OPT_FAIL, OPT_FORMAT, OPT_NO_HEADER, OPT_ALL, OPT_OVERALL };

/* enum compare_format order */
static const char *const format_names[] = { "text", "markdown", "csv", "json", NULL };

static const char *const *compare_formats(void)
{
	return format_names;
}

static const struct cli_opt compare_opts[] = {
	{ .name = "metric", .id = OPT_METRIC, .arg = "NAME[,NAME]",
	  .help = "only these metrics (default: all both sides have)" },
	{ .name = "alpha", .id = OPT_ALPHA, .arg = "A", .def = STR(DEFAULT_ALPHA), .help = "significance level" },
	{ .name = "all", .id = OPT_ALL, .help = "every metric, and each block's geomeans" },
	{ .name = "overall", .id = OPT_OVERALL,
	  .help = "the overall geomeans even for a confounded comparison (marked so)" },
	{ .name = "fail-if-worse", .id = OPT_FAIL, .arg = "PCT",
	  .help = "exit 1 when a metric is significantly worse by more than PCT % (for git "
		  "bisect run; an exact change of identical reps counts too)" },
	{ .name = "format", .id = OPT_FORMAT, .arg = "FMT", .values = compare_formats,
	  .def = "text", .help = "output format; text is ASCII in 80 columns, --json means json" },
	{ .name = "no-header", .id = OPT_NO_HEADER, .help = "leave out the sides' hosts and commands" },
	{ .name = NULL },
};

const struct cmd_help cmd_compare_help = {
	.synopsis = "compare BASE CAND [CAND...] [options]",
	.text = "Compare the runs picked by CAND with those picked by BASE, metric by\n"
		"metric. Each side is a selector: key=value terms that must all hold\n"
		"(strategy=sean-v5,workload=boot; keys id, session, backend, strategy,\n"
		"workload, label, status, kernel, host, job and any run parameter), a run id\n"
		"(12) or an id range (12-20).\n"
		"\n"
		"Runs are matched on workload, backend and workload parameters (mem,\n"
		"vcpus, tds, and the workload's own keys), except keys the selectors set\n"
		"apart (vcpus=4 vs vcpus=8 compares across vcpus). Other parameters that\n"
		"differ are listed per block; runs with no counterpart are listed at the\n"
		"end. Several runs with the same key on one side are pooled.\n"
		"\n"
		"Per metric: median and 95% confidence interval of the median (order\n"
		"statistics; n < 6: [min, max] and its coverage), change in % of the base\n"
		"median, Mann-Whitney U two-sided p-value; '~' when p >= alpha. Reps all\n"
		"equal on each side are not tested ('='): the change is exact. A verdict\n"
		"word needs significance, and none is given when the sides also differ in\n"
		"a condition (huge, gmem_folio, host_*, cost_*: CONFOUNDED). Geomeans are\n"
		"per unit. The text shows the changed metrics, the rest on one line; with\n"
		"several candidates, a table per metric with the variants as columns.\n"
		"See docs/statistics.md.\n",
	.opts = compare_opts,
	.footer = "exit status: 0 done, 1 regression (with --fail-if-worse) or error, 2 usage\n",
};

static int parse_format(const char *s, enum compare_format *f)
{
	for (size_t i = 0; format_names[i]; i++) {
		if (!strcmp(s, format_names[i])) {
			*f = (enum compare_format)i;
			return 0;
		}
	}
	return -1;
}

int cmd_compare(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	struct compare_req req = { .alpha = DEFAULT_ALPHA, .fail_if_worse_pct = -1, .header = true };
	enum compare_format fmt = CMP_TEXT;
	bool fmt_set = false;
	struct store *st;
	char err[256];
	int c, rc;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		switch (c) {
		case OPT_METRIC:
			req.metrics = optarg;
			break;
		case OPT_ALPHA:
			if (parse_double(optarg, &req.alpha) < 0 || !(req.alpha > 0) ||
			    !(req.alpha < 1))
				return cli_usage_error(self, "--alpha wants a number in (0, 1), not '%s'",
						       optarg);
			break;
		case OPT_FAIL:
			if (parse_double(optarg, &req.fail_if_worse_pct) < 0 ||
			    !(req.fail_if_worse_pct >= 0))
				return cli_usage_error(self, "--fail-if-worse wants a percentage >= 0, "
						       "not '%s'", optarg);
			break;
		case OPT_FORMAT:
			if (parse_format(optarg, &fmt) < 0)
				return cli_usage_error(self, "unknown format '%s' (valid: text, markdown, "
						       "csv, json)", optarg);
			fmt_set = true;
			break;
		case OPT_NO_HEADER:
			req.header = false;
			break;
		case OPT_ALL:
			req.all = true;
			break;
		case OPT_OVERALL:
			req.overall = true;
			break;
		}
	}
	if (ctx->json && !fmt_set)
		fmt = CMP_JSON;
	if (argc - optind < 2)
		return cli_usage_error(self, "needs a BASE and at least one CAND selector");

	/* Bad selectors are usage errors: check them before touching the store. */
	for (int i = optind; i < argc; i++) {
		struct selector sel;
		if (selector_parse(argv[i], &sel, err, sizeof(err)) < 0) {
			error("compare: %s", err);
			return EXIT_USAGE;
		}
		selector_free(&sel);
	}
	req.base = argv[optind];
	req.cands = (const char *const *)&argv[optind + 1];
	req.ncands = (size_t)(argc - optind - 1);

	if (cli_open_store(ctx, STORE_READONLY, &st) < 0)
		return EXIT_FAIL;
	rc = compare_render(st, &req, fmt, stdout);
	store_close(st);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
