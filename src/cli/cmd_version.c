#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"

#include <stdio.h>

const char cmd_version_usage[] =
	"usage: tdxbench version\n"
	"\n"
	"Print the version (git describe at build time).\n";

int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = cli_find_command("version");
	while (cli_getopt(ctx, self, argc, argv, "", NULL) != -1)
		;
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	printf("tdxbench %s\n", TDXBENCH_VERSION);
	return EXIT_OK;
}
