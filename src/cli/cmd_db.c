#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"
#include "store/store.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

const struct cmd_help cmd_db_help = {
	.synopsis = "db check\n"
		    "db migrate",
	.text = "check    verify the database without changing it: sqlite's integrity\n"
		"         check, foreign keys, the schema version and tables; print the\n"
		"         row counts. Exits 1 if anything is wrong.\n"
		"migrate  bring an older database to this tdxbench's schema version\n"
		"         (any writing command does this on its own).\n"
		"\n"
		"Its tables are described in docs/schema.md.\n",
};

static int db_check(struct cli_ctx *ctx)
{
	struct store *st;
	struct store_counts c;
	int bad;

	if (cli_open_store(ctx, STORE_READONLY, &st))
		return EXIT_FAIL;
	if (!ctx->json)
		printf("%-16s %s\n", "database", store_path(st));
	bad = store_check(st, !ctx->json);
	if (store_counts(st, &c)) {
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
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	} else {
		printf("%-16s hosts %lld, sessions %lld, runs %lld, reps %lld\n", "rows",
		       (long long)c.hosts, (long long)c.sessions, (long long)c.runs, (long long)c.reps);
		printf("%-16s metrics %lld, samples %lld, histogram buckets %lld, notes %lld\n", "",
		       (long long)c.metrics, (long long)c.samples, (long long)c.histograms,
		       (long long)c.notes);
	}
	store_close(st);
	if (bad) {
		error("'%s' is damaged (see above)", cli_db_path(ctx));
		return EXIT_FAIL;
	}
	return EXIT_OK;
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
	static const char *const subs[] = { "check", "migrate" };
	const struct cmd *self = ctx->cmd;
	const char *sub, *close;

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind >= argc)
		return cli_usage_error(self, "which subcommand? (check or migrate)");
	sub = argv[optind];
	if (optind + 1 < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
	if (!strcmp(sub, "check"))
		return db_check(ctx);
	if (!strcmp(sub, "migrate"))
		return db_migrate(ctx);
	close = closest_match(sub, subs, ARRAY_SIZE(subs));
	if (close)
		error("db: '%s' is not a subcommand (did you mean '%s'?)", sub, close);
	else
		error("db: '%s' is not a subcommand (check or migrate)", sub);
	return EXIT_USAGE;
}
