#include "cli/cli.h"
#include "cli/commands.h"
#include "core/capacity.h"
#include "lib/util.h"
#include "report/capacity.h"
#include "report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_HOST_MEM = 0x100, OPT_TDS, OPT_MEM, OPT_VCPUS, OPT_STRATEGY, OPT_HUGE, OPT_OCC, OPT_SET,
	OPT_SEED, OPT_FULL, OPT_NO_SENS, OPT_NO_KNEES, OPT_JOBS, OPT_FORMAT, OPT_FIGURES, OPT_SVG,
};

static const char *const format_names[] = { "text", "markdown", "json", NULL };

static const char *const *capacity_formats(void)
{
	return format_names;
}

static const struct cli_opt capacity_opts[] = {
	{ .name = "host-mem", .id = OPT_HOST_MEM, .arg = "SIZE", .def = "the TDs' memory",
	  .help = "the host's memory" },
	{ .name = "tds", .id = OPT_TDS, .arg = "N", .def = "1", .help = "TDs on the host" },
	{ .name = "mem", .id = OPT_MEM, .arg = "SIZE", .def = "4G",
	  .help = "memory per TD, a multiple of 2M" },
	{ .name = "vcpus", .id = OPT_VCPUS, .arg = "N", .def = "4", .help = "vCPUs per TD" },
	{ .name = "strategy", .id = OPT_STRATEGY, .arg = "A[,B]", .def = "all of the sim's",
	  .help = "sim strategies" },
	{ .name = "huge", .id = OPT_HUGE, .arg = "yes|no",
	  .help = "huge pages for every strategy (default: each preset's own; no = 4K folios "
		  "too)" },
	{ .name = "occupancy", .id = OPT_OCC, .arg = "F", .def = "0.5",
	  .help = "fragmented host: share of its 4K frames others use" },
	{ .name = "set", .id = OPT_SET, .arg = "K=V[,K=V]", .help = "more sim knobs for every run" },
	{ .name = "seed", .id = OPT_SEED, .arg = "N", .def = "1", .help = "model seed" },
	{ .name = "full", .id = OPT_FULL,
	  .help = "also run the full size (fresh and fragmented) and print the fit's error" },
	{ .name = "no-sensitivity", .id = OPT_NO_SENS, .help = "leave out the cost sensitivity" },
	{ .name = "no-knees", .id = OPT_NO_KNEES, .help = "leave out the knee sweeps" },
	{ .name = "jobs", .id = OPT_JOBS, .arg = "N", .def = "one per CPU, at most 4",
	  .help = "model runs at once" },
	{ .name = "format", .id = OPT_FORMAT, .arg = "FMT", .values = capacity_formats, .def = "text",
	  .help = "output format; text is ASCII in 80 columns, --json means json" },
	{ .name = "figures", .id = OPT_FIGURES, .arg = "DIR",
	  .help = "write the figures there (gnuplot scripts and data; png and ASCII with gnuplot)" },
	{ .name = "svg", .id = OPT_SVG, .help = "with --figures, svg too" },
	{ .name = NULL },
};

const struct cmd_help cmd_capacity_help = {
	.synopsis = "capacity --host-mem SIZE --tds N --mem SIZE --vcpus N [options]",
	.text = "Size a TDX host on the sim model: per strategy, the memory for static PAMT,\n"
		"DPAMT pairs, speculative pairs and idle cache pages (per vCPU, per TD, per\n"
		"host, % of the host), typically (fresh and fragmented host) and at worst\n"
		"(a crafted sparse host, and the analytical bound where one exists); the\n"
		"pamt_lock and mmu_lock waits and the time of the boot; where a metric\n"
		"stops scaling (knees: TDs per host, vCPUs per TD, cache capacity) and how\n"
		"much each answer rests on the model's assumed costs (sensitivity). Model\n"
		"output throughout; a value one cost moves by more than 10 % within its\n"
		"range is printed as that range. Large shapes are extrapolated from a\n"
		"ladder of smaller TDs (same TDs and vCPUs); the output says how well the\n"
		"fit predicts, and --full measures it against the full-size run. Nothing\n"
		"is stored. See docs/capacity.md.\n",
	.opts = capacity_opts,
	.footer = "exit status: 0 done, 1 error or a strategy failed, 2 usage\n",
};

static int get_u32(const struct cmd *self, const char *opt, const char *v, uint32_t max,
		   uint32_t *out)
{
	uint64_t n;
	if (parse_u64(v, &n) || !n || n > max)
		return cli_usage_error(self, "%s wants a number 1..%u, not '%s'", opt, max, v);
	*out = (uint32_t)n;
	return 0;
}

int cmd_capacity(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	struct cap_req req = { .tds = 1, .vcpus = 4, .mem = 4 * GiB, .occupancy = 0.5, .seed = 1,
			       .sensitivity = true, .knees = true };
	enum cap_format fmt = CAPF_TEXT;
	bool fmt_set = false, svg = false;
	const char *figdir = NULL;
	char *strategies = NULL, **names = NULL;
	struct cap_study study;
	char err[512];
	int c, rc = EXIT_OK;
	uint64_t n;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		switch (c) {
		case OPT_HOST_MEM:
			if (parse_size(optarg, &req.host_mem) || !req.host_mem)
				return cli_usage_error(self, "--host-mem wants a size (2T, 512G), not '%s'",
						       optarg);
			break;
		case OPT_TDS:
			if (get_u32(self, "--tds", optarg, 4096, &req.tds))
				return EXIT_USAGE;
			break;
		case OPT_VCPUS:
			if (get_u32(self, "--vcpus", optarg, 1024, &req.vcpus))
				return EXIT_USAGE;
			break;
		case OPT_MEM:
			if (parse_size(optarg, &req.mem) || req.mem < 2 * MiB || req.mem % (2 * MiB))
				return cli_usage_error(self, "--mem wants a size that is a multiple of 2M, "
						       "not '%s'", optarg);
			break;
		case OPT_STRATEGY:
			strategies = optarg;
			break;
		case OPT_HUGE:
			if (strcmp(optarg, "yes") && strcmp(optarg, "no"))
				return cli_usage_error(self, "--huge wants yes or no, not '%s'", optarg);
			req.huge = optarg;
			break;
		case OPT_OCC:
			if (parse_double(optarg, &req.occupancy) || !(req.occupancy >= 0) ||
			    req.occupancy > 0.95)
				return cli_usage_error(self, "--occupancy wants a share 0..0.95, not '%s'",
						       optarg);
			break;
		case OPT_SET:
			req.set = optarg;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, &req.seed))
				return cli_usage_error(self, "--seed wants a number, not '%s'", optarg);
			break;
		case OPT_FULL:
			req.full = true;
			break;
		case OPT_NO_SENS:
			req.sensitivity = false;
			break;
		case OPT_NO_KNEES:
			req.knees = false;
			break;
		case OPT_JOBS:
			if (parse_u64(optarg, &n) || !n || n > 64)
				return cli_usage_error(self, "--jobs wants a number 1..64, not '%s'", optarg);
			req.jobs = (unsigned)n;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text"))
				fmt = CAPF_TEXT;
			else if (!strcmp(optarg, "markdown"))
				fmt = CAPF_MARKDOWN;
			else if (!strcmp(optarg, "json"))
				fmt = CAPF_JSON;
			else
				return cli_usage_error(self, "unknown format '%s' (valid: text, markdown, json)",
						       optarg);
			fmt_set = true;
			break;
		case OPT_FIGURES:
			figdir = optarg;
			break;
		case OPT_SVG:
			svg = true;
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error(self, "takes no operands ('%s')", argv[optind]);
	if (ctx->json && !fmt_set)
		fmt = CAPF_JSON;
	if (!req.host_mem)
		req.host_mem = req.mem * req.tds;
	if (figdir) {
		struct stat sb;
		if (mkdir(figdir, 0755) && errno != EEXIST) {
			error_errno("capacity: cannot create '%s'", figdir);
			return EXIT_FAIL;
		}
		if (stat(figdir, &sb) || !S_ISDIR(sb.st_mode)) {
			error("capacity: '%s' is not a directory", figdir);
			return EXIT_FAIL;
		}
	}
	if (strategies) {
		char *copy = xstrdup(strategies), *save = NULL;
		size_t cap = 0;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			grow_array((void **)&names, &cap, req.nstrategies + 1, sizeof(*names));
			names[req.nstrategies++] = xstrdup(t);
		}
		free(copy);
		if (!req.nstrategies)
			return cli_usage_error(self, "--strategy wants a list of strategies");
		req.strategies = (const char *const *)names;
	}
	req.progress = !ctx->quiet && fmt != CAPF_JSON && isatty(2);

	if (cap_study_run(&req, &study, err, sizeof(err))) {
		error("%s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (cap_render(&study, fmt, stdout))
		rc = EXIT_FAIL;
	for (size_t i = 0; i < study.nst; i++)
		if (!study.st[i].cell[CAP_FRESH].ok)
			rc = EXIT_FAIL;
	if (figdir) {
		size_t nf = 0;
		bool gp = rpt_have_gnuplot();
		int failed = cap_figures(&study, figdir, gp, svg, &nf);
		if (failed < 0)
			rc = EXIT_FAIL;
		else if (!ctx->quiet)
			fprintf(stderr, "capacity: %zu figures in %s%s\n", nf, figdir,
				gp ? (failed ? " (some failed to render, see gnuplot.log)" : "") :
				     " (data and scripts only: gnuplot not found)");
		if (failed > 0)
			rc = EXIT_FAIL;
	}
	cap_study_free(&study);
out:
	for (size_t i = 0; i < req.nstrategies && names; i++)
		free(names[i]);
	free(names);
	return rc;
}
