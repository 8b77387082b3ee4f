#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "store/store.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct cmd_help cmd_db_help = {
	.synopsis = "db check\n"
		    "db repair\n"
		    "db migrate\n"
		    "db merge OUT IN...",
	.text = "check    verify the database without changing it: sqlite's integrity\n"
		"         check, foreign keys, the schema version and tables; print the\n"
		"         row counts; list sessions left 'running' by a process that\n"
		"         ended without recording it (killed, out of memory). Exits 1 if\n"
		"         anything is wrong.\n"
		"repair   mark those sessions and their running runs interrupted, with\n"
		"         why, so 'run --resume' can finish them.\n"
		"migrate  bring an older database to this tdxbench's schema version\n"
		"         (any writing command does this on its own).\n"
		"merge    add the runs of the databases IN... to OUT (created if missing),\n"
		"         e.g. the shards of a fleet run (docs/fleet.md). All or nothing:\n"
		"         one transaction, integrity checked before and after. Hosts are\n"
		"         matched on their fingerprint, sessions and runs on their uuid;\n"
		"         what OUT has already is skipped, so merging twice adds nothing;\n"
		"         a row with a known id and other content refuses the merge and\n"
		"         leaves OUT unchanged. --db is not used by merge.\n"
		"\n"
		"The tables are described in docs/schema.md.\n",
};

static int db_check(struct cli_ctx *ctx)
{
	struct store *st;
	struct store_counts c;
	int64_t *stale = NULL;
	size_t nstale = 0;
	int bad;

	if (cli_open_store(ctx, STORE_READONLY, &st))
		return EXIT_FAIL;
	if (!ctx->json)
		printf("%-16s %s\n", "database", store_path(st));
	bad = store_check(st, !ctx->json);
	if (store_stale_sessions(st, &stale, &nstale))
		bad = 1;
	if (nstale && !ctx->json) {
		printf("%-16s", "stale sessions");
		for (size_t i = 0; i < nstale; i++)
			printf(" %lld", (long long)stale[i]);
		printf(" (marked running, no process runs them: 'tdxbench db repair')\n");
	}
	if (store_counts(st, &c)) {
		free(stale);
		store_close(st);
		error("'%s' is damaged (see above)", cli_db_path(ctx));
		return EXIT_FAIL;
	}
	if (ctx->json) {
		struct json_object *o = json_object_new_object(), *n = json_object_new_object();
		json_object_object_add(o, "database", json_object_new_string(store_path(st)));
		json_object_object_add(o, "ok", json_object_new_boolean(!bad));
		json_object_object_add(o, "schema_version", json_object_new_int(store_schema_version(st)));
#define ADD(t) json_object_object_add(n, #t, json_object_new_int64(c.t))
		ADD(hosts); ADD(sessions); ADD(runs); ADD(run_params); ADD(reps);
		ADD(metrics); ADD(samples); ADD(histograms); ADD(notes);
#undef ADD
		json_object_object_add(o, "rows", n);
		{
			struct json_object *a = json_object_new_array();
			for (size_t i = 0; i < nstale; i++)
				json_object_array_add(a, json_object_new_int64(stale[i]));
			json_object_object_add(o, "stale_sessions", a);
		}
		json_print(stdout, o, JSON_C_TO_STRING_PRETTY);
		json_object_put(o);
	} else {
		printf("%-16s hosts %lld, sessions %lld, runs %lld, reps %lld\n", "rows",
		       (long long)c.hosts, (long long)c.sessions, (long long)c.runs, (long long)c.reps);
		printf("%-16s metrics %lld, samples %lld, histogram buckets %lld, notes %lld\n", "",
		       (long long)c.metrics, (long long)c.samples, (long long)c.histograms,
		       (long long)c.notes);
	}
	store_close(st);
	free(stale);
	if (bad) {
		error("'%s' is damaged (see above)", cli_db_path(ctx));
		return EXIT_FAIL;
	}
	if (nstale) {
		error("'%s' has %zu stale session%s (see above)", cli_db_path(ctx), nstale,
		      nstale == 1 ? "" : "s");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int db_repair(struct cli_ctx *ctx)
{
	struct store *st;
	int64_t *stale = NULL;
	size_t nstale = 0;
	int ret = EXIT_OK;

	if (cli_open_store(ctx, 0, &st))
		return EXIT_FAIL;
	if (store_stale_sessions(st, &stale, &nstale)) {
		store_close(st);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < nstale; i++) {
		if (store_repair_session(st, stale[i])) {
			ret = EXIT_FAIL;
			continue;
		}
		if (!ctx->quiet)
			printf("session %lld: marked interrupted (finish it with 'tdxbench run "
			       "--resume' and one of its runs)\n", (long long)stale[i]);
	}
	if (!nstale && !ctx->quiet)
		printf("nothing to repair\n");
	free(stale);
	store_close(st);
	return ret;
}

static int db_migrate(struct cli_ctx *ctx)
{
	struct store *st;
	/* a writable open migrates; it never creates */
	if (cli_open_store(ctx, 0, &st))
		return EXIT_FAIL;
	if (!ctx->quiet)
		printf("'%s' is at schema version %d\n", store_path(st), store_schema_version(st));
	store_close(st);
	return EXIT_OK;
}

static int db_merge(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_merge_stats c;
	const char *out = argv[0];

	if (store_merge(out, (const char *const *)argv + 1, (size_t)argc - 1, &c))
		return EXIT_FAIL;
	if (ctx->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "database", json_object_new_string(out));
#define ADD(t) json_object_object_add(o, #t, json_object_new_int64(c.t))
		ADD(hosts); ADD(sessions); ADD(runs); ADD(reps); ADD(runs_updated);
#undef ADD
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	} else if (!ctx->quiet) {
		if (!c.hosts && !c.sessions && !c.runs && !c.reps && !c.runs_updated)
			printf("'%s': nothing new in %d database%s\n", out, argc - 1, argc > 2 ? "s" : "");
		else
			printf("'%s': added %lld host%s, %lld session%s, %lld run%s, %lld repetition%s"
			       "%s from %d database%s\n", out,
			       (long long)c.hosts, c.hosts == 1 ? "" : "s",
			       (long long)c.sessions, c.sessions == 1 ? "" : "s",
			       (long long)c.runs, c.runs == 1 ? "" : "s",
			       (long long)c.reps, c.reps == 1 ? "" : "s",
			       c.runs_updated ? " (some to runs it had)" : "", argc - 1,
			       argc > 2 ? "s" : "");
	}
	return EXIT_OK;
}

int cmd_db(int argc, char **argv, struct cli_ctx *ctx)
{
	static const char *const subs[] = { "check", "repair", "migrate", "merge" };
	const struct cmd *self = ctx->cmd;
	const char *sub, *close;

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind >= argc)
		return cli_usage_error(self, "which subcommand? (check, repair, migrate or merge)");
	sub = argv[optind];
	if (!strcmp(sub, "merge")) {
		if (argc - optind < 3)
			return cli_usage_error(self, "merge wants OUT and at least one IN database");
		return db_merge(ctx, argc - optind - 1, argv + optind + 1);
	}
	if (optind + 1 < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
	if (!strcmp(sub, "check"))
		return db_check(ctx);
	if (!strcmp(sub, "migrate"))
		return db_migrate(ctx);
	if (!strcmp(sub, "repair"))
		return db_repair(ctx);
	close = closest_match(sub, subs, ARRAY_SIZE(subs));
	if (close)
		error("db: '%s' is not a subcommand (did you mean '%s'?)", sub, close);
	else
		error("db: '%s' is not a subcommand (check, repair, migrate or merge)", sub);
	return EXIT_USAGE;
}
