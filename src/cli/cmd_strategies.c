/*
 * tdxbench strategies: a backend's presets, their knobs, the series each
 * models, and the costs. Everything comes through struct backend_ops
 * (.presets, .knobs, .knob_is_cost, .resolve), so any backend with presets
 * answers the same questions.
 */
#include "backend/backend.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/opts.h"
#include "lib/textsafe.h"
#include "lib/util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

enum { OPT_COSTS = 0x100, OPT_BACKEND };

static const struct cli_opt strategies_opts[] = {
	{ .name = "backend", .id = OPT_BACKEND, .arg = "NAME", .values = backend_names,
	  .help = "the backend to describe (default: the first with presets)" },
	{ .name = "costs", .id = OPT_COSTS,
	  .help = "list the cost parameters instead: value, unit and source; a cost without a "
		  "published figure is marked *assumed*" },
	{ .name = NULL },
};

const struct cmd_help cmd_strategies_help = {
	.synopsis = "strategies [--backend NAME] [--costs]",
	.text = "List the strategies of a backend (the sim): presets over knobs, named after\n"
		"the patch series they model, with the knob values each sets. Any knob can be\n"
		"overridden in a run with --set knob=value, so a custom strategy is a preset\n"
		"plus overrides. With --json: presets, knobs and costs.\n",
	.opts = strategies_opts,
};

static const struct backend_ops *be;

static bool is_cost(const struct opt_desc *d)
{
	return be->knob_is_cost && be->knob_is_cost(d);
}

static bool is_assumed(const struct opt_desc *d)
{
	return d->source && !strcmp(d->source, "assumed");
}

static void resolved(const struct backend_preset *pre, struct params *p)
{
	char err[256];
	params_init(p);
	if (be->resolve(pre->name, p, err, sizeof(err)))
		BUG("preset %s does not resolve: %s", pre->name, err);
}

static int print_costs_text(void)
{
	printf("%s costs (virtual time; override with --set cost_x=NS). *assumed*: no published\n"
	       "figure, a placeholder to vary; the others cite their source.\n\n", be->name);
	printf("%-18s %8s %-4s  %s\n", "cost", "value", "unit", "what / source");
	for (const struct opt_desc *d = be->knobs; d->name; d++) {
		char line[512];
		if (!is_cost(d))
			continue;
		printf("%-18s %8s %-4s  ", d->name, d->def, d->unit);
		snprintf(line, sizeof(line), "%s; %s", d->help,
			 is_assumed(d) ? "*assumed*" : d->source);
		print_wrapped(line, 34, 34, 80);
	}
	return EXIT_OK;
}

static int print_text(void)
{
	const struct backend_preset *pre;
	struct params ps[16];
	size_t np = 0;

	printf("%s strategies (%s; a run can override any knob: --set knob=value)\n\n",
	       be->name, be->is_model ? "model presets" : "presets");
	for (pre = be->presets; pre->name; pre++) {
		printf("%-9s ", pre->name);
		print_wrapped(pre->summary, 10, 10, 80);
		printf("%9s models: ", "");
		print_wrapped(pre->series, 18, 18, 80);
		printf("%9s sets:   ", "");
		if (*pre->sets) {
			char buf[512], *o = buf;
			for (const char *k = pre->sets; *k && o < buf + sizeof(buf) - 3; k++) {
				*o++ = *k;
				if (*k == ',')
					*o++ = ' ';
			}
			*o = 0;
			print_wrapped(buf, 18, 18, 80);
		} else {
			print_wrapped("(the defaults)", 18, 18, 80);
		}
		putchar('\n');
	}
	for (pre = be->presets; pre->name && np < ARRAY_SIZE(ps); pre++)
		resolved(pre, &ps[np++]);
	printf("%-18s", "knob");
	for (size_t i = 0; i < np; i++)
		printf(i + 1 < np ? " %-9s" : " %s", be->presets[i].name);
	putchar('\n');
	for (const struct opt_desc *d = be->knobs; d->name; d++) {
		if (is_cost(d))
			continue;
		printf("%-18s", d->name);
		for (size_t i = 0; i < np; i++)
			printf(i + 1 < np ? " %-9s" : " %s", params_get(&ps[i], d->name));
		putchar('\n');
	}
	printf("\nknobs:\n");
	for (const struct opt_desc *d = be->knobs; d->name; d++) {
		char line[600];
		if (is_cost(d))
			continue;
		snprintf(line, sizeof(line), "%s [%s]%s", d->help, d->def,
			 is_assumed(d) ? " *assumed*" : "");
		printf("  %-18s ", d->name);
		print_wrapped(line, 21, 21, 80);
	}
	printf("\ncosts: 'tdxbench strategies --costs'\n");
	for (size_t i = 0; i < np; i++)
		params_free(&ps[i]);
	return EXIT_OK;
}

static struct json_object *cost_json(const struct opt_desc *d)
{
	struct json_object *o = json_object_new_object();
	uint64_t v = 0;
	parse_u64(d->def, &v);
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "value", json_object_new_int64((int64_t)v));
	json_object_object_add(o, "unit", json_object_new_string(d->unit ? d->unit : ""));
	json_object_object_add(o, "what", json_object_new_string(d->help));
	json_object_object_add(o, "source", json_object_new_string(d->source ? d->source : ""));
	json_object_object_add(o, "assumed", json_object_new_boolean(is_assumed(d)));
	return o;
}

static int print_json(bool costs_only)
{
	struct json_object *root = json_object_new_object();
	struct json_object *costs = json_object_new_array();

	json_object_object_add(root, "backend", json_object_new_string(be->name));
	if (!costs_only) {
		struct json_object *presets = json_object_new_array();
		struct json_object *knobs = json_object_new_array();
		for (const struct backend_preset *pre = be->presets; pre->name; pre++) {
			struct json_object *o = json_object_new_object(), *kv = json_object_new_object();
			struct params p;
			resolved(pre, &p);
			json_object_object_add(o, "name", json_object_new_string(pre->name));
			json_object_object_add(o, "summary", json_object_new_string(pre->summary));
			json_object_object_add(o, "series", json_object_new_string(pre->series));
			json_object_object_add(o, "sets", json_object_new_string(pre->sets));
			for (const struct opt_desc *d = be->knobs; d->name; d++)
				json_object_object_add(kv, d->name, json_object_new_string(params_get(&p, d->name)));
			json_object_object_add(o, "knobs", kv);
			json_object_array_add(presets, o);
			params_free(&p);
		}
		for (const struct opt_desc *d = be->knobs; d->name; d++) {
			struct json_object *o;
			if (is_cost(d))
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(d->name));
			json_object_object_add(o, "type", json_object_new_string(opt_type_name(d->type)));
			json_object_object_add(o, "default", json_object_new_string(d->def ? d->def : ""));
			json_object_object_add(o, "help", json_object_new_string(d->help));
			if (d->choices) {
				struct json_object *ch = json_object_new_array();
				for (int i = 0; d->choices[i]; i++)
					json_object_array_add(ch, json_object_new_string(d->choices[i]));
				json_object_object_add(o, "choices", ch);
			}
			if (d->unit)
				json_object_object_add(o, "unit", json_object_new_string(d->unit));
			json_object_object_add(o, "assumed", json_object_new_boolean(is_assumed(d)));
			json_object_array_add(knobs, o);
		}
		json_object_object_add(root, "presets", presets);
		json_object_object_add(root, "knobs", knobs);
	}
	for (const struct opt_desc *d = be->knobs; d->name; d++)
		if (is_cost(d))
			json_object_array_add(costs, cost_json(d));
	json_object_object_add(root, "costs", costs);
	json_print(stdout, root, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	json_object_put(root);
	return EXIT_OK;
}

static const struct backend_ops *first_with_presets(void)
{
	for (const struct backend_ops *const *b = backend_all(); *b; b++)
		if ((*b)->presets)
			return *b;
	return NULL;
}

int cmd_strategies(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	const char *name = NULL;
	bool costs = false;
	int c;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		if (c == OPT_COSTS)
			costs = true;
		else if (c == OPT_BACKEND)
			name = optarg;
	}
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	be = name ? backend_find(name) : first_with_presets();
	if (name && !be)
		return cli_usage_error(self, "--backend %s: no such backend", name);
	if (!be || !be->presets)
		return cli_usage_error(self, "--backend %s: has no strategies", be ? be->name : "(none)");
	if (ctx->json)
		return print_json(costs);
	return costs ? print_costs_text() : print_text();
}
