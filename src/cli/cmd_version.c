#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"

#include <stdio.h>

const struct cmd_help cmd_version_help = {
	.synopsis = "version",
	.text = "Print the version (git describe at build time).\n",
};

int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	printf("tdxbench %s\n", TDXBENCH_VERSION);
	return EXIT_OK;
}
