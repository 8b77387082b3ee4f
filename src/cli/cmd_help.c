#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"

#include <stdio.h>

const char cmd_help_usage[] =
	"usage: tdxbench help [<command>]\n"
	"\n"
	"Without a command, list the commands; with one, print its help.\n";

int cmd_help(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = cli_find_command("help"), *cmd;
	size_t n;
	const struct cmd *cmds;

	while (cli_getopt(ctx, self, argc, argv, "", NULL) != -1)
		;
	if (optind >= argc) {
		cmds = cli_commands(&n);
		printf("usage: tdxbench [--db PATH] [--quiet] [--json] <command> [options]\n\ncommands:\n");
		for (size_t i = 0; i < n; i++)
			printf("  %-12s %s\n", cmds[i].name, cmds[i].summary);
		printf("\n'tdxbench <command> --help' describes one command.\n");
		return EXIT_OK;
	}
	if (optind + 1 < argc)
		return cli_usage_error(self, "too many arguments");
	cmd = cli_find_command(argv[optind]);
	if (!cmd) {
		error("help: '%s' is not a command (see 'tdxbench help')", argv[optind]);
		return EXIT_USAGE;
	}
	fputs(cmd->usage, stdout);
	return EXIT_OK;
}
