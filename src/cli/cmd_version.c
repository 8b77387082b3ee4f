#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"

#include <json-c/json.h>
#include <stdio.h>

const struct cmd_help cmd_version_help = {
	.synopsis = "version",
	.text = "Print the version (git describe at build time); --json: {\"version\": ...}.\n",
};

int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (ctx->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "version", json_object_new_string(TDXBENCH_VERSION));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
		return EXIT_OK;
	}
	printf("tdxbench %s\n", TDXBENCH_VERSION);
	return EXIT_OK;
}
