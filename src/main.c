/*
 * tdxbench: characterize TDX Dynamic PAMT and KVM's page-cache strategies.
 *
 *   tdxbench [--db PATH] [--quiet] [--json] <command> [options]
 */
#include "cli/cli.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* git's run_builtin(): make sure what we printed really reached stdout. */
static int finish_stdout(int rc)
{
	struct stat st;
	if (fstat(fileno(stdout), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		if (fflush(stdout) && errno != EPIPE)
			return error_errno("write failure on standard output"), EXIT_FAIL;
		return rc;
	}
	if (fflush(stdout))
		return error_errno("write failure on standard output"), EXIT_FAIL;
	if (ferror(stdout))
		return error("unknown write failure on standard output"), EXIT_FAIL;
	if (fclose(stdout))
		return error_errno("close failed on standard output"), EXIT_FAIL;
	return rc;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { .argv0 = argv[0], .full_argc = argc, .full_argv = argv };
	const struct cmd *cmd;
	int i = 1;

	/* global options before the command */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("tdxbench %s\n", TDXBENCH_VERSION);
			return finish_stdout(EXIT_OK);
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cli_print_commands(stdout);
			return finish_stdout(EXIT_OK);
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			ctx.quiet = true;
		} else if (!strcmp(a, "--json")) {
			ctx.json = true;
		} else if (!strcmp(a, "--db")) {
			if (i + 1 >= argc) {
				error("option '--db' needs a value");
				return EXIT_USAGE;
			}
			ctx.db_path = argv[++i];
		} else if (!strncmp(a, "--db=", 5)) {
			ctx.db_path = a + 5;
		} else {
			error("unknown option '%s' (see 'tdxbench --help')", a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		cli_print_commands(stderr);
		return EXIT_USAGE;
	}
	cmd = cli_find_command(argv[i]);
	if (!cmd) {
		size_t n;
		const struct cmd *cmds = cli_commands(&n);
		const char *names[64];
		const char *close;
		for (size_t k = 0; k < n && k < ARRAY_SIZE(names); k++)
			names[k] = cmds[k].name;
		close = closest_match(argv[i], names, MIN(n, ARRAY_SIZE(names)));
		if (close)
			error("'%s' is not a command (did you mean '%s'?)", argv[i], close);
		else
			error("'%s' is not a command (see 'tdxbench help')", argv[i]);
		return EXIT_USAGE;
	}
	ctx.cmd = cmd;
	optind = 0;	/* full getopt reset for the command's own parse */
	return finish_stdout(cmd->fn(argc - i, argv + i, &ctx));
}
