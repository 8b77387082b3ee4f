/* tdxbench run: job files / flags -> plan -> runner -> store + summary. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "backend/backend.h"
#include "core/jobfile.h"
#include "core/plan.h"
#include "core/runner.h"
#include "core/shard.h"
#include "lib/util.h"
#include "report/summary.h"
#include "store/store.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_BACKEND = 0x100, OPT_STRATEGY, OPT_WORKLOAD, OPT_SET, OPT_REPS, OPT_WARMUP,
	OPT_SEED, OPT_LABEL, OPT_DRY_RUN, OPT_RESUME, OPT_KERNEL_TREE, OPT_SHARD,
};

static const struct cli_opt run_opts[] = {
	{ .name = "backend", .id = OPT_BACKEND, .arg = "B", .values = backend_names,
	  .def = PLAN_DEFAULT_BACKEND, .help = "where to run" },
	{ .name = "strategy", .id = OPT_STRATEGY, .arg = "LIST", .values = cli_strategy_names,
	  .help = "strategy presets to compare, see 'tdxbench strategies'" },
	{ .name = "workload", .id = OPT_WORKLOAD, .arg = "LIST", .values = cli_workload_names,
	  .help = "workloads to run, see 'tdxbench workloads'" },
	{ .name = "set", .id = OPT_SET, .arg = "K=V,...",
	  .help = "workload parameters and backend knobs (repeatable)" },
	{ .name = "reps", .id = OPT_REPS, .arg = "N", .def = STR(PLAN_DEFAULT_REPS),
	  .help = "measured repetitions per job instance" },
	{ .name = "warmup", .id = OPT_WARMUP, .arg = "N", .def = STR(PLAN_DEFAULT_WARMUP),
	  .help = "warm-up repetitions, not stored" },
	{ .name = "seed", .id = OPT_SEED, .arg = "N", .def = STR(PLAN_DEFAULT_SEED),
	  .help = "base seed; repetition r of every instance uses the same seed derived from it" },
	{ .name = "label", .id = OPT_LABEL, .arg = "L",
	  .help = "label the runs and the host record (e.g. a kernel branch); attaches to the "
		  "host 'tdxbench host --label L --kernel-tree DIR' stored on this boot" },
	{ .name = "kernel-tree", .id = OPT_KERNEL_TREE, .arg = "DIR",
	  .help = "record 'git describe' of the running kernel's source tree with the host" },
	{ .name = "dry-run", .id = OPT_DRY_RUN,
	  .help = "print the expanded plan, one line per job instance; run nothing, touch no "
		  "database" },
	{ .name = "resume", .id = OPT_RESUME, .arg = "RUN",
	  .help = "finish the session RUN belongs to: only the repetitions and runs still "
		  "missing, with their stored parameters" },
	{ .name = "shard", .id = OPT_SHARD, .arg = "K/N",
	  .help = "run only piece K of N of the plan: the same pieces on every host, balanced "
		  "by estimated cost, a job's strategies kept together; merge the databases "
		  "with 'tdxbench db merge' (docs/fleet.md)" },
	{ .name = NULL },
};

const struct cmd_help cmd_run_help = {
	.synopsis = "run [options] [FILE.ini ...]\n"
		    "run --resume RUN",
	.text = "Run job files (INI, fio style; see docs/jobfiles.md), or one job described by\n"
		"flags, and store every repetition. With neither a file nor --workload, runs the\n"
		"default suite (bench/default.ini). Flags override every job file; a comma list\n"
		"or a range (vcpus=1,2,4  spt_cache_capacity=8..64:8  mem=1G..4G:1G) expands\n"
		"into a matrix.\n",
	.opts = run_opts,
	.footer = "Ctrl-C once: finish the current repetition, keep everything finished, mark the\n"
		  "rest interrupted. Twice: stop now; only the unfinished repetition is lost.\n"
		  "Exit status: 0 all done, 1 something failed, 2 usage, 130 interrupted.\n",
};

static int parse_count(const struct cmd *cmd, const char *opt, const char *arg, int min, int *out)
{
	uint64_t v;
	if (parse_u64(arg, &v) || v < (uint64_t)min || v > PLAN_MAX_REPS)
		return cli_usage_error(cmd, "%s '%s': want an integer %d..%d", opt, arg, min,
				       PLAN_MAX_REPS);
	*out = (int)v;
	return 0;
}

static void print_plan(const struct plan *pl, const struct shard *sh, const struct shard_info *si)
{
	long total = 0;
	for (size_t i = 0; i < pl->n; i++)
		total += pl->items[i].reps + pl->items[i].warmup;
	if (sh)
		printf("# shard %u/%u: %zu of %zu comparison groups, %zu of %zu job instances, "
		       "%.1f%% of the estimated cost\n", sh->k, sh->n, si->groups, si->groups_total,
		       si->items, si->items_total,
		       si->cost_total ? 100.0 * (double)si->cost / (double)si->cost_total : 0.0);
	printf("# %zu job instance%s, %ld repetition%s (warm-ups included)%s%s\n", pl->n,
	       pl->n == 1 ? "" : "s", total, total == 1 ? "" : "s",
	       pl->jobfiles ? ", from " : "", pl->jobfiles ? pl->jobfiles : "");
	for (size_t i = 0; i < pl->n; i++) {
		char *d = plan_item_describe(&pl->items[i]);
		printf("%4zu  %s\n", i + 1, d);
		free(d);
	}
}

/* --dry-run --json: the expanded plan, one object per job instance. */
static void print_plan_json(const struct plan *pl)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < pl->n; i++) {
		const struct plan_item *it = &pl->items[i];
		struct json_object *o = json_object_new_object(), *p = json_object_new_object();
		char *cmd = plan_item_reproduce(it);
		json_object_object_add(o, "job", json_object_new_string(it->job));
		json_object_object_add(o, "backend", json_object_new_string(it->be->name));
		json_object_object_add(o, "strategy", it->strategy ?
				       json_object_new_string(it->strategy) : NULL);
		json_object_object_add(o, "workload", json_object_new_string(it->wl->name));
		for (size_t k = 0; k < it->params.n; k++)
			json_object_object_add(p, it->params.v[k].key,
					       json_object_new_string(it->params.v[k].value));
		json_object_object_add(o, "params", p);
		json_object_object_add(o, "reps", json_object_new_int(it->reps));
		json_object_object_add(o, "warmup", json_object_new_int(it->warmup));
		json_object_object_add(o, "seed", json_object_new_int64((int64_t)it->seed));
		json_object_object_add(o, "reproduce", json_object_new_string(cmd));
		free(cmd);
		json_object_array_add(arr, o);
	}
	puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

int cmd_run(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *cmd = ctx->cmd;
	struct plan_overrides ov = PLAN_OVERRIDES_INIT;
	struct sbuf set = SBUF_INIT;
	struct jobfile *files = NULL;
	struct plan pl = { 0 };
	struct store *st = NULL;
	struct runner_opts ro = { 0 };
	struct runner_outcome oc = { 0 };
	bool dry_run = false, flags_given = false;
	const char *resume = NULL, *shard_arg = NULL;
	struct shard sh = { 0 };
	struct shard_info si;
	char shard_text[32] = "";
	char *default_suite = NULL, *cmdline = NULL;
	size_t nfiles = 0;
	int c, rc = EXIT_OK;
	uint64_t v;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		flags_given |= c != OPT_DRY_RUN && c != OPT_RESUME;
		switch (c) {
		case OPT_BACKEND: ov.backend = optarg; break;
		case OPT_STRATEGY: ov.strategy = optarg; break;
		case OPT_WORKLOAD: ov.workload = optarg; break;
		case OPT_LABEL: ov.label = optarg; break;
		case OPT_KERNEL_TREE: ro.kernel_tree = optarg; break;
		case OPT_SET:
			sbuf_addf(&set, "%s%s", set.len ? "," : "", optarg);
			break;
		case OPT_REPS:
			if (parse_count(cmd, "--reps", optarg, 1, &ov.reps))
				return EXIT_USAGE;
			break;
		case OPT_WARMUP:
			if (parse_count(cmd, "--warmup", optarg, 0, &ov.warmup))
				return EXIT_USAGE;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, &v))
				return cli_usage_error(cmd, "--seed '%s': want a non-negative integer",
						       optarg);
			ov.seed = v;
			ov.have_seed = true;
			break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_RESUME: resume = optarg; break;
		case OPT_SHARD: {
			char err[160];
			if (shard_parse(optarg, &sh, err, sizeof(err)))
				return cli_usage_error(cmd, "%s", err);
			shard_arg = optarg;
			break;
		}
		default:
			return EXIT_USAGE;
		}
	}
	ov.set = set.buf;
	nfiles = (size_t)(argc - optind);

	if (resume) {
		int64_t session;
		uint64_t id;
		if (nfiles || flags_given || dry_run) {
			sbuf_free(&set);
			return cli_usage_error(cmd, "--resume takes no job files or other run "
						    "options (it reuses the stored ones)");
		}
		if (parse_u64(resume, &id) || !id)
			return cli_usage_error(cmd, "--resume '%s': want a run id", resume);
		if (cli_open_store(ctx, 0, &st))
			return EXIT_FAIL;
		if (store_quick_check(st) || runner_resume_plan(st, (int64_t)id, &pl, &session)) {
			store_close(st);
			return EXIT_FAIL;
		}
		if (!pl.n) {
			printf("Nothing to resume: every run of session %lld is done or failed.\n",
			       (long long)session);
			store_close(st);
			return EXIT_OK;
		}
		ro.resume_session = session;
		goto run;
	}

	if (!nfiles && !ov.workload) {
		default_suite = data_path("bench/default.ini");
		nfiles = 1;
	}
	files = xcalloc(nfiles, sizeof(*files));
	for (size_t i = 0; i < nfiles; i++) {
		const char *path = default_suite ? default_suite : argv[optind + i];
		if (jobfile_load(&files[i], path))
			rc = EXIT_USAGE;
	}
	/* the same checks for --dry-run and a run, before the store is opened */
	if (rc == EXIT_OK && plan_build(&pl, files, nfiles, &ov))
		rc = EXIT_USAGE;
	/*
	 * --strategy over job files: a job whose conditions a preset cannot take
	 * runs without it. That pass checks every instance already; plan_validate()
	 * runs again only to name what is still wrong.
	 */
	if (rc == EXIT_OK) {
		bool checked = ov.strategy && nfiles && plan_drop_unfit(&pl) == 0;
		if (!checked && plan_validate(&pl, NULL))
			rc = EXIT_USAGE;
	}
	for (size_t i = 0; i < nfiles; i++)
		jobfile_free(&files[i]);
	free(files);
	free(default_suite);
	sbuf_free(&set);
	if (rc)
		return rc;
	if (shard_arg)
		plan_shard(&pl, &sh, &si);

	if (dry_run) {
		if (ctx->json)
			print_plan_json(&pl);
		else
			print_plan(&pl, shard_arg ? &sh : NULL, &si);
		plan_free(&pl);
		return EXIT_OK;
	}
	if (!pl.n) {
		/* fewer comparison groups than pieces: nothing to run, nothing to store */
		printf("Shard %u/%u is empty: the plan has %zu comparison group%s for %u pieces.\n",
		       sh.k, sh.n, si.groups_total, si.groups_total == 1 ? "" : "s", sh.n);
		plan_free(&pl);
		return EXIT_OK;
	}
	/* a backend that cannot run on this host at all is refused before anything is written */
	if (plan_probe_backends(&pl)) {
		plan_free(&pl);
		return EXIT_FAIL;
	}
	if (cli_open_store(ctx, STORE_CREATE, &st) || store_quick_check(st)) {
		store_close(st);
		plan_free(&pl);
		return EXIT_FAIL;
	}
	if (shard_arg)
		snprintf(shard_text, sizeof(shard_text), "%u/%u", sh.k, sh.n);
run:
	cmdline = cli_cmdline(ctx);
	ro.st = st;
	ro.cmdline = cmdline;
	ro.host_label = ov.label;
	ro.shard = shard_text[0] ? shard_text : NULL;
	ro.quiet = ctx->quiet;
	rc = runner_run(&pl, &ro, &oc);
	if (oc.n && ctx->json)
		summary_json(st, &oc, cli_db_path(ctx), stdout);
	else if (oc.n)
		summary_print(st, &oc, cli_db_path(ctx), stdout);
	runner_outcome_free(&oc);
	free(cmdline);
	plan_free(&pl);
	store_close(st);
	return rc;
}
