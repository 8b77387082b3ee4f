#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "core/select.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "store/store.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

const struct cmd_help cmd_list_help = {
	.synopsis = "list [SELECTOR...]",
	.text = "List the runs in the database: id, date (UTC), backend, strategy (and\n"
		"label), workload, status and repetitions done/planned.\n"
		"\n"
		"A selector picks runs; several are ANDed:\n"
		"  12  12-20  12-             run ids\n"
		"  backend=sim strategy=sean-v5 workload=boot label=... status=done\n"
		"  kernel=6.12*               kernel release or git describe of the host\n"
		"  host=NAME                  host label, hostname or fingerprint prefix\n"
		"  session=N                  one 'tdxbench run' invocation\n"
		"  job=NAME                   one section of a job file ('cli' without one)\n"
		"  mem=64G vcpus=16 ...       any run parameter\n"
		"Values may use shell wildcards (* ? [...]); terms may also be joined with\n"
		"commas: 'strategy=dpamt-v4,mem=64G'. With --json, one JSON array of runs.\n",
};

int cmd_list(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	struct selector sel;
	struct store *st;
	struct run_row *rows;
	size_t n;
	char err[256];

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (selector_parse_args(argc - optind, argv + optind, &sel, err, sizeof(err)))
		return cli_usage_error(self, "%s", err);
	if (cli_open_store(ctx, STORE_READONLY, &st)) {
		selector_free(&sel);
		return EXIT_FAIL;
	}
	if (store_runs(st, &sel.filter, &rows, &n)) {
		selector_free(&sel);
		store_close(st);
		return EXIT_FAIL;
	}
	if (ctx->json) {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, run_row_json(&rows[i]));
		json_print(stdout, arr, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
		json_object_put(arr);
	} else if (n) {
		printf("%5s  %-16s  %-7s  %-22s  %-14s  %-11s  %s\n", "ID", "DATE (UTC)", "BACKEND",
		       "STRATEGY/LABEL", "WORKLOAD", "STATUS", "REPS");
		for (size_t i = 0; i < n; i++) {
			struct run_row *r = &rows[i];
			char date[17], strat[64], reps[32];
			run_row_term_safe(r);
			/* "2025-01-02T03:04:05Z" -> "2025-01-02 03:04" */
			snprintf(date, sizeof(date), "%.10s %.5s", r->created ? r->created : "",
				 r->created && strlen(r->created) > 11 ? r->created + 11 : "");
			snprintf(strat, sizeof(strat), "%s%s%s%s", r->strategy ? r->strategy : "-",
				 r->label ? " (" : "", r->label ? r->label : "", r->label ? ")" : "");
			snprintf(reps, sizeof(reps), "%d/%d%s", r->reps_done, r->reps,
				 r->reps_failed ? "" : "");
			if (r->reps_failed)
				snprintf(reps + strlen(reps), sizeof(reps) - strlen(reps), " (%d failed)",
					 r->reps_failed);
			printf("%5lld  %-16s  %-7s  %-22s  %-14s  %-11s  %s\n", (long long)r->id, date,
			       r->backend, strat, r->workload, r->status, reps);
		}
	} else if (!ctx->quiet) {
		fprintf(stderr, "no runs%s in '%s'\n", sel.text[0] ? " match" : "", store_path(st));
	}
	store_free_runs(rows, n);
	selector_free(&sel);
	store_close(st);
	return EXIT_OK;
}
