/* The command table: name, summary. cmd_<name> lives in src/cli/cmd_<name>.c. */
#ifndef TDX_COMMANDS_H
#define TDX_COMMANDS_H

#include "cli/cli.h"

/* X(name, summary) — keep alphabetical within each group. */
#define TDX_COMMANDS(X)							\
	X(compare, "compare runs: medians, CIs, Mann-Whitney U, ~ and verdicts") \
	X(db, "check, migrate or merge databases (integrity, schema, counts)") \
	X(export, "write the metrics of selected runs as csv or json") \
	X(help, "show the commands, or one command's help") \
	X(host, "describe this machine: CPU, NUMA, kernel, /dev/kvm, TDX status") \
	X(list, "list the runs in the database") \
	X(report, "plots, mail-ready text and an HTML page from stored runs") \
	X(run, "run job files or one job; store every repetition") \
	X(show, "one run: host, parameters, metric medians, reproduce command") \
	X(strategies, "list the sim strategies, their knobs and costs") \
	X(version, "print the version") \
	X(workloads, "list the workloads and their parameters") \
	/* end: every line above ends in a backslash, so additions merge cleanly */

#define TDX_CMD_DECLARE(n, s) int cmd_##n(int argc, char **argv, struct cli_ctx *ctx); \
	extern const char cmd_##n##_usage[];
TDX_COMMANDS(TDX_CMD_DECLARE)
#undef TDX_CMD_DECLARE

#endif
