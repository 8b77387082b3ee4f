/* tdxbench workloads: every workload with its summary, description, parameters and phases. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/opts.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "workloads/workload.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

const struct cmd_help cmd_workloads_help = {
	.synopsis = "workloads",
	.text = "List the workloads: what each does, its parameters (set with --set k=v;\n"
		"mem, vcpus and tds apply to every workload) with their defaults and\n"
		"ranges, and the phases it runs with the defaults. The same phase list runs\n"
		"on every backend.\n",
};

static void print_opts_text(const struct opt_desc *d)
{
	for (; d->name; d++) {
		char line[400];
		int n = snprintf(line, sizeof(line), "%s [%s", d->help, d->def ? d->def : "required");
		if (d->min || d->max) {
			char r[64];
			n += snprintf(line + n, sizeof(line) - (size_t)n, "; %s", opt_range(d, r, sizeof(r)));
		}
		if (d->choices) {
			n += snprintf(line + n, sizeof(line) - (size_t)n, "; one of");
			for (int i = 0; d->choices[i] && n < (int)sizeof(line) - 16; i++)
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s", d->choices[i]);
		}
		snprintf(line + n, sizeof(line) - (size_t)n, "]");
		printf("    %-12s ", d->name);
		print_wrapped(line, 17, 17, 80);
	}
}

static struct json_object *opts_json(const struct opt_desc *d, bool common)
{
	struct json_object *a = json_object_new_array();
	for (; d->name; d++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(d->name));
		json_object_object_add(o, "type", json_object_new_string(opt_type_name(d->type)));
		json_object_object_add(o, "default", d->def ? json_object_new_string(d->def) : NULL);
		json_object_object_add(o, "help", json_object_new_string(d->help));
		if (d->choices) {
			struct json_object *ch = json_object_new_array();
			for (int i = 0; d->choices[i]; i++)
				json_object_array_add(ch, json_object_new_string(d->choices[i]));
			json_object_object_add(o, "choices", ch);
		}
		if (d->unit)
			json_object_object_add(o, "unit", json_object_new_string(d->unit));
		if (d->min)
			json_object_object_add(o, "min", json_object_new_string(d->min));
		if (d->max)
			json_object_object_add(o, "max", json_object_new_string(d->max));
		json_object_object_add(o, "common", json_object_new_boolean(common));
		json_object_array_add(a, o);
	}
	return a;
}

/* The phase list a workload builds with its defaults, one line each. */
static int default_phases(const struct workload_desc *wl, char lines[][160], int max)
{
	struct params p = PARAMS_INIT;
	struct tdxb_workload w;
	char err[256];
	int n = 0;
	if (wl->build(&p, &w, err, sizeof(err)) == 0)
		for (uint32_t i = 0; i < w.nphases && n < max; i++)
			wl_describe_phase(&w.phases[i], lines[n++], 160);
	params_free(&p);
	return n;
}

int cmd_workloads(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	const struct workload_desc *const *all = workload_all();
	char phases[TDXB_MAX_PHASES][160];

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);

	if (ctx->json) {
		struct json_object *root = json_object_new_array();
		for (size_t i = 0; all[i]; i++) {
			struct json_object *o, *params, *extra, *ph;
			int n;
			if (all[i]->flags & WL_TEST_ONLY)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(all[i]->name));
			json_object_object_add(o, "summary", json_object_new_string(all[i]->summary));
			json_object_object_add(o, "description", json_object_new_string(all[i]->description));
			params = opts_json(workload_common_opts, true);
			extra = opts_json(all[i]->params, false);
			for (size_t k = 0; k < json_object_array_length(extra); k++)
				json_object_array_add(params, json_object_get(json_object_array_get_idx(extra, k)));
			json_object_put(extra);
			json_object_object_add(o, "parameters", params);
			ph = json_object_new_array();
			n = default_phases(all[i], phases, TDXB_MAX_PHASES);
			for (int k = 0; k < n; k++)
				json_object_array_add(ph, json_object_new_string(phases[k]));
			json_object_object_add(o, "phases", ph);
			json_object_array_add(root, o);
		}
		json_print(stdout, root, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE);
		json_object_put(root);
		return EXIT_OK;
	}

	printf("workloads (run one with: tdxbench run --workload NAME --set k=v,...)\n\n");
	printf("every workload takes:\n");
	print_opts_text(workload_common_opts);
	for (size_t i = 0; all[i]; i++) {
		int n;
		if (all[i]->flags & WL_TEST_ONLY)
			continue;
		printf("\n%-14s ", all[i]->name);
		print_wrapped(all[i]->summary, 15, 15, 80);
		printf("  ");
		print_wrapped(all[i]->description, 2, 2, 80);
		if (all[i]->params && all[i]->params->name) {
			printf("  parameters:\n");
			print_opts_text(all[i]->params);
		}
		n = default_phases(all[i], phases, TDXB_MAX_PHASES);
		if (n)
			printf("  phases (defaults):\n");
		for (int k = 0; k < n; k++)
			printf("    %d. %s\n", k + 1, phases[k]);
	}
	return EXIT_OK;
}
