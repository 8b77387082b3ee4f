/* The command table: name, summary. cmd_<name> lives in src/cli/cmd_<name>.c. */
#ifndef TDX_COMMANDS_H
#define TDX_COMMANDS_H

#include "cli/cli.h"

/* X(name, summary) — keep alphabetical within each group. */
#define TDX_COMMANDS(X)							\
	X(help, "show the commands, or one command's help")		\
	X(report, "plots, mail-ready text and an HTML page from stored runs") \
	X(version, "print the version")

#define TDX_CMD_DECLARE(n, s) int cmd_##n(int argc, char **argv, struct cli_ctx *ctx); \
	extern const char cmd_##n##_usage[];
TDX_COMMANDS(TDX_CMD_DECLARE)
#undef TDX_CMD_DECLARE

#endif
