/* tdxbench fidelity: the published DPAMT figures against the sim (src/core/fidelity.c). */
#include "backend/backend.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/fidelity.h"
#include "lib/opts.h"
#include "lib/util.h"
#include "report/fidelity_render.h"
#include "workloads/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_FORMAT = 0x100, OPT_ROW, OPT_SET };

/* enum fid_format order */
static const char *const format_names[] = { "text", "markdown", "json", NULL };

static const char *const *fidelity_formats(void)
{
	return format_names;
}

static const struct cli_opt fidelity_opts[] = {
	{ .name = "format", .id = OPT_FORMAT, .arg = "FMT", .values = fidelity_formats, .def = "text",
	  .help = "output format; markdown is docs/fidelity.md, --json means json" },
	{ .name = "row", .id = OPT_ROW, .arg = "TEXT", .help = "only the rows whose id contains TEXT" },
	{ .name = "set", .id = OPT_SET, .arg = "K=V[,K=V]",
	  .help = "apply these knobs or workload parameters to every scenario (what moves a row)" },
	{ .name = NULL },
};

const struct cmd_help cmd_fidelity_help = {
	.synopsis = "fidelity [--format FMT] [--row TEXT] [--set K=V,...]",
	.text = "Run, on the sim, the scenario behind every figure the DPAMT and TDX huge\n"
		"page series published, and print per figure: what it is, its source, the\n"
		"published value, the model's value, the tolerance with its reason (written\n"
		"before the model ran) and a verdict: matches, within the published range,\n"
		"OUTSIDE, outside (known: kept outside with the difference explained), or\n"
		"not reproducible (with the reason). Nothing is stored.\n",
	.opts = fidelity_opts,
	.footer = "exit status: 0 every row run is inside its tolerance or known-outside, 1 a\n"
		  "row is outside, or inside while marked known-outside, or a scenario failed;\n"
		  "2 usage\n",
};

/* A --set key must mean something to the sim or to a workload: never ignored. */
static bool known_key(const char *key)
{
	const struct backend_ops *be = backend_find("sim");
	const struct workload_desc *const *wl = workload_all();
	if ((be && opt_find(be->knobs, key)) || opt_find(workload_common_opts, key))
		return true;
	for (size_t i = 0; wl[i]; i++)
		if (wl[i]->params && opt_find(wl[i]->params, key))
			return true;
	return false;
}

static void progress(size_t i, size_t n, const char *id)
{
	fprintf(stderr, "tdxbench: fidelity [%zu/%zu] %s\n", i + 1, n, id);
}

static int parse_format(const char *s, enum fid_format *f)
{
	for (size_t i = 0; format_names[i]; i++) {
		if (!strcmp(s, format_names[i])) {
			*f = (enum fid_format)i;
			return 0;
		}
	}
	return -1;
}

int cmd_fidelity(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	enum fid_format fmt = FID_TEXT;
	bool fmt_set = false;
	struct params extra = PARAMS_INIT;
	struct fid_result *res;
	const char *only = NULL;
	char err[256];
	size_t n, bad = 0;
	int c, rc = EXIT_USAGE;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		if (c == OPT_FORMAT) {
			if (parse_format(optarg, &fmt) < 0) {
				rc = cli_usage_error(self, "--format %s: one of text, markdown, json", optarg);
				goto out;
			}
			fmt_set = true;
		} else if (c == OPT_ROW) {
			only = optarg;
		} else if (c == OPT_SET && params_parse_assignments(&extra, optarg, err, sizeof(err))) {
			rc = cli_usage_error(self, "--set %s: %s", optarg, err);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	for (size_t i = 0; i < extra.n; i++) {
		if (!known_key(extra.v[i].key)) {
			rc = cli_usage_error(self, "--set %s: not a sim knob or workload parameter",
					     extra.v[i].key);
			goto out;
		}
	}
	if (ctx->json && !fmt_set)
		fmt = FID_JSON;
	res = xcalloc(fid_nrows(), sizeof(*res));
	n = fid_run(&extra, only, res, ctx->quiet ? NULL : progress);
	if (!n) {
		free(res);
		rc = cli_usage_error(self, "--row %s: no row id contains it", only);
		goto out;
	}
	rc = fid_render(res, n, fmt);
	for (size_t i = 0; i < n; i++)
		bad += fid_failed(res[i].verdict);
	if (rc)
		error("fidelity: write error on stdout");
	else if (bad)
		error("fidelity: %zu row(s) outside their tolerance", bad);
	free(res);
	rc = rc || bad ? EXIT_FAIL : EXIT_OK;
out:
	params_free(&extra);
	return rc;
}
