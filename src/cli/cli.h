/*
 * Command dispatch in git's style: one file per command (src/cli/cmd_<name>.c)
 * exporting `int cmd_<name>(int argc, char **argv, struct cli_ctx *ctx)`, one
 * line per command in src/cli/commands.h. The return value is the exit code
 * (EXIT_OK, EXIT_FAIL, EXIT_USAGE).
 */
#ifndef TDX_CLI_H
#define TDX_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

struct store;

struct cli_ctx {
	const char *db_path;	/* --db, else $TDXBENCH_DB, else results/tdxbench.db */
	bool quiet;		/* --quiet */
	bool json;		/* --json */
	const char *argv0;
	int full_argc;		/* the whole command line, for reproduce records */
	char **full_argv;
};

typedef int (*cmd_fn)(int argc, char **argv, struct cli_ctx *ctx);

struct cmd {
	const char *name;
	cmd_fn fn;
	const char *summary;
	const char *usage;	/* full help text printed by `<cmd> --help` */
};

/*
 * getopt_long over argv (argv[0] = command name) with the command's options
 * plus the global ones (--db PATH, --quiet, --json, --help). Globals are
 * applied to ctx; --help prints cmd->usage and exits 0; an unknown option or
 * a missing argument prints one line (with the closest valid option) and
 * exits 2. Returns the next command option, or -1 when done (optind then
 * indexes the first operand).
 */
int cli_getopt(struct cli_ctx *ctx, const struct cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts);

/* Print "usage: ..." one-liner for a usage error and return EXIT_USAGE. */
int cli_usage_error(const struct cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resolve the database path (creates nothing). */
const char *cli_db_path(struct cli_ctx *ctx);
/* Open the store; STORE_* flags. Prints the error itself. */
int cli_open_store(struct cli_ctx *ctx, unsigned flags, struct store **st);
/* The whole command line, shell-quoted; caller frees. */
char *cli_cmdline(const struct cli_ctx *ctx);

/* Print text on stdout, starting at column first_col, wrapped at width with
 * every following line indented by ind; ends with a newline. */
void print_wrapped(const char *text, int first_col, int ind, int width);

const struct cmd *cli_find_command(const char *name);
const struct cmd *cli_commands(size_t *n);

#endif
