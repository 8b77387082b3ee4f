/*
 * Command dispatch in git's style: one file per command (src/cli/cmd_<name>.c)
 * exporting `int cmd_<name>(int argc, char **argv, struct cli_ctx *ctx)` and
 * its `const struct cmd_help cmd_<name>_help`, one line per command in
 * src/cli/commands.h. The return value is the exit code (EXIT_OK, EXIT_FAIL,
 * EXIT_USAGE). Help text is generated from the option tables, so it cannot
 * list an option, a backend or a command that does not exist.
 */
#ifndef TDX_CLI_H
#define TDX_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/fmt.h"

struct store;
struct cmd;

struct cli_ctx {
	const char *db_path;	/* --db, else $TDXBENCH_DB, else results/tdxbench.db */
	bool quiet;		/* --quiet */
	bool json;		/* --json */
	const char *argv0;
	int full_argc;		/* the whole command line, for reproduce records */
	char **full_argv;
	const struct cmd *cmd;	/* the command being run (set by the dispatcher) */
};

typedef int (*cmd_fn)(int argc, char **argv, struct cli_ctx *ctx);

/*
 * One option of a command: the single source of getopt's table and of the
 * option list in `<cmd> --help` (git's parse-options is the model).
 */
struct cli_opt {
	const char *name;	/* long name, without "--" */
	char short_name;	/* also -x; 0 = long only */
	int id;			/* what cli_getopt() returns for it */
	const char *arg;	/* the value's placeholder ("N", "FILE"); NULL = a flag */
	const char *help;
	const char *def;	/* shown as "(default X)"; NULL = none */
	/* The valid values, from their registry (backends, workloads, ...); NULL = free. */
	const char *const *(*values)(void);
};

/* Where a command's --help comes from. */
struct cmd_help {
	const char *synopsis;	/* one usage per line, after "tdxbench " */
	const char *text;	/* what it does: paragraphs before the options */
	const struct cli_opt *opts;	/* ends with { .name = NULL }; NULL = none */
	const char *footer;	/* after the options (exit status, ...); may be NULL */
};

/* What a command does with the database, and which global options it honours. */
enum {
	CMD_READS_DB = 1 << 0,	/* opens the database read-only */
	CMD_WRITES_DB = 1 << 1,	/* may create or change it */
	CMD_JSON = 1 << 2,	/* --json changes its output */
};

struct cmd {
	const char *name;
	cmd_fn fn;
	const char *summary;
	unsigned flags;		/* CMD_* */
	const struct cmd_help *help;
};

/*
 * getopt_long over argv (argv[0] = command name) with ctx->cmd's options
 * plus the global ones (--db PATH, --quiet, --json, --help). Globals are
 * applied to ctx; --help prints the command's usage and exits 0; an unknown
 * option or a missing argument prints one line (with the closest valid
 * option) and exits 2. Returns the next command option's id, or -1 when done
 * (optind then indexes the first operand).
 */
int cli_getopt(struct cli_ctx *ctx, int argc, char **argv);

/* Print "usage: ..." one-liner for a usage error and return EXIT_USAGE. */
int cli_usage_error(const struct cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The whole `<cmd> --help` text, generated from cmd->help and cmd->flags. */
void cli_print_usage(const struct cmd *cmd, FILE *f);
/* The command list of `help` and `--help`. */
void cli_print_commands(FILE *f);

/* Resolve the database path (creates nothing). */
const char *cli_db_path(struct cli_ctx *ctx);
/*
 * Open the store; STORE_* flags. Prints the error itself. Only a command
 * flagged CMD_WRITES_DB may open it without STORE_READONLY (BUG otherwise).
 */
int cli_open_store(struct cli_ctx *ctx, unsigned flags, struct store **st);
/* The whole command line, shell-quoted; caller frees. */
char *cli_cmdline(const struct cli_ctx *ctx);

/* fprint_wrapped() (lib/fmt.h) on stdout. */
void print_wrapped(const char *text, int first_col, int ind, int width);

const struct cmd *cli_find_command(const char *name);
const struct cmd *cli_commands(size_t *n);
/* Strategy names of every backend, NULL-terminated (for --strategy's help). */
const char *const *cli_strategy_names(void);
/* Workload names as `tdxbench workloads` lists them (no test-only ones). */
const char *const *cli_workload_names(void);

#endif
