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
		    "db migrate",
	.text = "check    verify the database without changing it: sqlite's integrity\n"
		"         check, foreign keys, the schema version and tables; print the\n"
		"         row counts; list sessions left 'running' by a process that\n"
		"         ended without recording it (killed, out of memory). Exits 1 if\n"
		"         anything is wrong.\n"
		"repair   mark those sessions and their running runs interrupted, with\n"
		"         why, so 'run --resume' can finish them.\n"
		"migrate  bring an older database to this tdxbench's schema version\n"
		"         (any writing command does this on its own).\n"
		"\n"
		"Its tables are described in docs/schema.md.\n",
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

int cmd_db(int argc, char **argv, struct cli_ctx *ctx)
{
	static const char *const subs[] = { "check", "repair", "migrate" };
	const struct cmd *self = ctx->cmd;
	const char *sub, *close;

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind >= argc)
		return cli_usage_error(self, "which subcommand? (check, repair or migrate)");
	sub = argv[optind];
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
		error("db: '%s' is not a subcommand (check, repair or migrate)", sub);
	return EXIT_USAGE;
}
