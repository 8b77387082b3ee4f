/* tdxbench fidelity: the published DPAMT figures against the sim (src/core/fidelity.c). */
#include "backend/backend.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/fidelity.h"
#include "lib/opts.h"
#include "lib/util.h"
#include "workloads/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_fidelity_usage[] =
	"usage: tdxbench fidelity [--format FMT] [--row TEXT] [--set k=v,...]\n"
	"\n"
	"Run, on the sim, the scenario behind every figure the DPAMT and TDX huge\n"
	"page series published, and print per figure: what it is, its source, the\n"
	"published value, the model's value, the tolerance with its reason (written\n"
	"before the model ran) and a verdict: matches, within the published range,\n"
	"OUTSIDE, outside (known: kept outside with the difference explained), or\n"
	"not reproducible (with the reason). Nothing is stored.\n"
	"\n"
	"options:\n"
	"  --format FMT     text (default), markdown (docs/fidelity.md), json\n"
	"  --row TEXT       only the rows whose id contains TEXT\n"
	"  --set k=v,...    apply these knobs to every scenario (what moves a row)\n"
	"\n"
	"exit status: 0 every row run is inside its tolerance or known-outside, 1 a\n"
	"row is outside, or inside while marked known-outside, or a scenario failed;\n"
	"2 usage\n";

enum { OPT_FORMAT = 1, OPT_ROW, OPT_SET };

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

int cmd_fidelity(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = cli_find_command("fidelity");
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "row", required_argument, NULL, OPT_ROW },
		{ "set", required_argument, NULL, OPT_SET },
		{ NULL, 0, NULL, 0 },
	};
	enum fid_format fmt = FID_TEXT;
	struct params extra = PARAMS_INIT;
	struct fid_result *res;
	const char *only = NULL;
	char err[256];
	size_t n, bad = 0;
	int c, rc;

	while ((c = cli_getopt(ctx, self, argc, argv, "", opts)) != -1) {
		if (c == OPT_FORMAT) {
			if (!strcmp(optarg, "text"))
				fmt = FID_TEXT;
			else if (!strcmp(optarg, "markdown"))
				fmt = FID_MARKDOWN;
			else if (!strcmp(optarg, "json"))
				fmt = FID_JSON;
			else
				return cli_usage_error(self, "--format %s: one of text, markdown, json", optarg);
		} else if (c == OPT_ROW) {
			only = optarg;
		} else if (c == OPT_SET) {
			if (params_parse_assignments(&extra, optarg, err, sizeof(err))) {
				params_free(&extra);
				return cli_usage_error(self, "--set %s: %s", optarg, err);
			}
		}
	}
	if (optind < argc) {
		params_free(&extra);
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	}
	for (size_t i = 0; i < extra.n; i++) {
		if (!known_key(extra.v[i].key)) {
			int urc = cli_usage_error(self, "--set %s: not a sim knob or workload parameter",
						 extra.v[i].key);
			params_free(&extra);
			return urc;
		}
	}
	if (ctx->json)
		fmt = FID_JSON;
	res = xcalloc(fid_nrows(), sizeof(*res));
	n = fid_run(&extra, only, res, ctx->quiet ? NULL : progress);
	if (!n) {
		free(res);
		params_free(&extra);
		return cli_usage_error(self, "--row %s: no row id contains it", only);
	}
	rc = fid_render(res, n, fmt);
	for (size_t i = 0; i < n; i++)
		bad += fid_failed(res[i].verdict);
	if (rc)
		fprintf(stderr, "tdxbench: fidelity: write error on stdout\n");
	else if (bad)
		fprintf(stderr, "tdxbench: fidelity: %zu row(s) outside their tolerance\n", bad);
	free(res);
	params_free(&extra);
	return rc || bad ? EXIT_FAIL : EXIT_OK;
}
