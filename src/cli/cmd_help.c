#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"

#include <stdio.h>

const struct cmd_help cmd_help_help = {
	.synopsis = "help [<command>]",
	.text = "Without a command, list the commands (as 'tdxbench --help' does); with one,\n"
		"print its help (as 'tdxbench <command> --help' does).\n",
};

int cmd_help(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd, *cmd;

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind >= argc) {
		cli_print_commands(stdout);
		return EXIT_OK;
	}
	if (optind + 1 < argc)
		return cli_usage_error(self, "too many arguments");
	cmd = cli_find_command(argv[optind]);
	if (!cmd) {
		error("help: '%s' is not a command (see 'tdxbench help')", argv[optind]);
		return EXIT_USAGE;
	}
	cli_print_usage(cmd, stdout);
	return EXIT_OK;
}
