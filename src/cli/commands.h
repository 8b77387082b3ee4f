/*
 * The command table: name, CMD_* flags, summary. cmd_<name> and
 * cmd_<name>_help live in src/cli/cmd_<name>.c.
 */
#ifndef TDX_COMMANDS_H
#define TDX_COMMANDS_H

#include "cli/cli.h"

/* X(name, flags, summary) — keep alphabetical. */
#define TDX_COMMANDS(X)							\
	X(capacity, CMD_JSON, "size a TDX host per strategy: PAMT, caches, locks, knees (model)") \
	X(compare, CMD_READS_DB | CMD_JSON, "compare runs: medians, CIs, Mann-Whitney U, ~ and verdicts") \
	X(db, CMD_WRITES_DB | CMD_JSON, "check, migrate or merge databases (integrity, schema, counts)") \
	X(export, CMD_READS_DB | CMD_JSON, "write the metrics of selected runs as csv or json") \
	X(fidelity, CMD_JSON, "the published DPAMT figures against the sim, with verdicts") \
	X(help, 0, "show the commands, or one command's help") \
	X(host, CMD_WRITES_DB | CMD_JSON, "describe this machine: CPU, NUMA, kernel, /dev/kvm, TDX status") \
	X(list, CMD_READS_DB | CMD_JSON, "list the runs in the database") \
	X(report, CMD_READS_DB, "plots, mail-ready text and an HTML page from stored runs") \
	X(run, CMD_WRITES_DB, "run job files or one job; store every repetition") \
	X(show, CMD_READS_DB | CMD_JSON, "one run: host, parameters, metric medians, reproduce command") \
	X(strategies, CMD_JSON, "list the sim strategies, their knobs and costs") \
	X(version, 0, "print the version") \
	X(workloads, CMD_JSON, "list the workloads and their parameters") \
	/* end: every line above ends in a backslash, so additions merge cleanly */

#define TDX_CMD_DECLARE(n, f, s) int cmd_##n(int argc, char **argv, struct cli_ctx *ctx); \
	extern const struct cmd_help cmd_##n##_help;
TDX_COMMANDS(TDX_CMD_DECLARE)
#undef TDX_CMD_DECLARE

#endif
