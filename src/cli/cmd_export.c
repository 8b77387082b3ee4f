#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "core/select.h"
#include "lib/outfile.h"
#include "lib/textsafe.h"
#include "lib/fmt.h"
#include "lib/util.h"
#include "store/store.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { OPT_FORMAT = 0x100, OPT_OUTPUT };

static const char *const export_format_names[] = { "csv", "wide", "json", NULL };

static const char *const *export_formats(void)
{
	return export_format_names;
}

static const struct cli_opt export_opts[] = {
	{ .name = "format", .id = OPT_FORMAT, .arg = "FMT", .values = export_formats,
	  .help = "what to write, required; --json means json" },
	{ .name = "output", .short_name = 'o', .id = OPT_OUTPUT, .arg = "FILE",
	  .help = "write there instead of standard output" },
	{ .name = NULL },
};

const struct cmd_help cmd_export_help = {
	.synopsis = "export --format FMT [-o FILE] [SELECTOR...]",
	.text = "Write the metrics of the selected runs (default: all) for other tools.\n"
		"  csv    one row per run x repetition x metric, with a header:\n"
		"         run_id,backend,strategy,workload,label,kernel,host_label,params,\n"
		"         rep,rep_status,metric,value,unit\n"
		"  wide   csv with one column per run parameter in place of the params\n"
		"         cell (for pandas/spreadsheets): run_id,backend,strategy,workload,\n"
		"         label,job,kernel,host_label,<every parameter of the runs, sorted>,\n"
		"         rep,rep_status,metric,value,unit; a parameter a run lacks is empty\n"
		"  json   an array of runs (the columns of 'list --json') each with its\n"
		"         parameters and reps: [{rep, status, metrics: {name: {value, unit}}}]\n"
		"Selectors are those of 'tdxbench list'. Time series and histograms stay\n"
		"in the database (tables samples, histograms; see docs/schema.md).\n",
	.opts = export_opts,
};

/* The columns both csv formats end with: rep,rep_status,metric,value,unit. */
static void csv_tail(FILE *f, int rep, const char *rep_status, const char *metric,
		     const char *unit, double value)
{
	fprintf(f, ",%d,", rep);
	fmt_csv(f, rep_status);
	fputc(',', f);
	fmt_csv(f, metric);
	fputc(',', f);
	if (!isnan(value))
		fprintf(f, "%.17g", value);
	fputc(',', f);
	fmt_csv(f, unit);
	fputc('\n', f);
}

struct csv_ctx {
	FILE *f;
	const struct run_row *r;
};

static int csv_metric(void *p, int rep, const char *rep_status, const char *metric,
		      const char *unit, double value)
{
	struct csv_ctx *c = p;
	const struct run_row *r = c->r;
	fprintf(c->f, "%lld,", (long long)r->id);
	fmt_csv(c->f, r->backend);
	fputc(',', c->f);
	fmt_csv(c->f, r->strategy);
	fputc(',', c->f);
	fmt_csv(c->f, r->workload);
	fputc(',', c->f);
	fmt_csv(c->f, r->label);
	fputc(',', c->f);
	fmt_csv(c->f, r->kernel);
	fputc(',', c->f);
	fmt_csv(c->f, r->host_label);
	fputc(',', c->f);
	fmt_csv(c->f, r->params);
	csv_tail(c->f, rep, rep_status, metric, unit, value);
	return 0;
}

struct json_ctx {
	struct json_object *reps;	/* array */
	struct json_object *cur;	/* metrics object of the last rep */
	int cur_rep;
};

static int json_metric(void *p, int rep, const char *rep_status, const char *metric,
		       const char *unit, double value)
{
	struct json_ctx *c = p;
	struct json_object *m;
	if (!c->cur || c->cur_rep != rep) {
		struct json_object *r = json_object_new_object();
		json_object_object_add(r, "rep", json_object_new_int(rep));
		json_object_object_add(r, "status", json_object_new_string(rep_status));
		c->cur = json_object_new_object();
		json_object_object_add(r, "metrics", c->cur);
		json_object_array_add(c->reps, r);
		c->cur_rep = rep;
	}
	m = json_object_new_object();
	json_object_object_add(m, "value", isnan(value) ? NULL : json_object_new_double(value));
	json_object_object_add(m, "unit", json_object_new_string(unit ? unit : ""));
	json_object_object_add(c->cur, metric, m);
	return 0;
}

struct wide_ctx {
	FILE *f;
	const struct run_row *r;
	const struct params *keys;	/* every parameter key, sorted */
	const struct params *p;		/* this run's */
};

static int wide_metric(void *ctx, int rep, const char *rep_status, const char *metric,
		       const char *unit, double value)
{
	struct wide_ctx *c = ctx;
	const struct run_row *r = c->r;
	const char *fixed[] = { r->backend, r->strategy, r->workload, r->label, r->job, r->kernel,
				r->host_label };

	fprintf(c->f, "%lld", (long long)r->id);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		fputc(',', c->f);
		fmt_csv(c->f, fixed[i]);
	}
	for (size_t i = 0; i < c->keys->n; i++) {
		fputc(',', c->f);
		fmt_csv(c->f, params_get(c->p, c->keys->v[i].key));
	}
	csv_tail(c->f, rep, rep_status, metric, unit, value);
	return 0;
}

/* csv with the parameters spread into columns: the union of the runs' keys. */
static int export_wide(struct store *st, const struct run_row *rows, size_t n, FILE *f)
{
	static const char *const fixed[] = { "run_id", "backend", "strategy", "workload", "label",
					     "job", "kernel", "host_label" };
	static const char *const tail[] = { "rep", "rep_status", "metric", "value", "unit" };
	struct params *p = xcalloc(n + 1, sizeof(*p));
	struct params keys = PARAMS_INIT;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		ret = store_run_params(st, rows[i].id, &p[i]);
		for (size_t k = 0; !ret && k < p[i].n; k++)
			params_set(&keys, p[i].v[k].key, "");
	}
	params_sort(&keys);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		fprintf(f, "%s%s", i ? "," : "", fixed[i]);
	for (size_t i = 0; i < keys.n; i++) {
		bool clash = false;
		for (size_t k = 0; k < ARRAY_SIZE(fixed); k++)
			clash |= !strcmp(keys.v[i].key, fixed[k]);
		for (size_t k = 0; k < ARRAY_SIZE(tail); k++)
			clash |= !strcmp(keys.v[i].key, tail[k]);
		fputs(clash ? ",param_" : ",", f);
		fmt_csv(f, keys.v[i].key);
	}
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		fprintf(f, ",%s", tail[i]);
	fputc('\n', f);
	for (size_t i = 0; i < n && !ret; i++) {
		struct wide_ctx wc = { f, &rows[i], &keys, &p[i] };
		ret = store_run_metrics(st, rows[i].id, wide_metric, &wc);
	}
	for (size_t i = 0; i < n; i++)
		params_free(&p[i]);
	free(p);
	params_free(&keys);
	return ret;
}

int cmd_export(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	const char *format = NULL, *output = NULL;
	struct selector sel;
	struct store *st;
	struct run_row *rows;
	size_t n;
	char err[256];
	FILE *f = stdout;
	int c, ret = EXIT_FAIL;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		if (c == OPT_FORMAT)
			format = optarg;
		else if (c == OPT_OUTPUT)
			output = optarg;
	}
	if (ctx->json && !format)
		format = "json";
	if (!format)
		return cli_usage_error(self, "which format? (--format csv or --format json)");
	if (strcmp(format, "csv") && strcmp(format, "wide") && strcmp(format, "json"))
		return cli_usage_error(self, "unknown format '%s' (csv, wide or json)", format);
	if (selector_parse_args(argc - optind, argv + optind, &sel, err, sizeof(err)))
		return cli_usage_error(self, "%s", err);
	if (cli_open_store(ctx, STORE_READONLY, &st)) {
		selector_free(&sel);
		return EXIT_FAIL;
	}
	if (store_runs(st, &sel.filter, &rows, &n))
		goto out_store;
	if (!n) {
		/* an empty file would look like an export of runs without metrics */
		error("export: no run matches%s%s", sel.text && *sel.text ? " " : "",
		      sel.text && *sel.text ? sel.text : " (the database has no runs)");
		goto out_rows;
	}
	if (output && !(f = outfile_create_new(output))) {
		f = stdout;
		goto out_rows;
	}
	if (!strcmp(format, "csv")) {
		fputs("run_id,backend,strategy,workload,label,kernel,host_label,params,"
		      "rep,rep_status,metric,value,unit\n", f);
		for (size_t i = 0; i < n; i++) {
			struct csv_ctx cc = { f, &rows[i] };
			if (store_run_metrics(st, rows[i].id, csv_metric, &cc))
				goto out_file;
		}
	} else if (!strcmp(format, "wide")) {
		if (export_wide(st, rows, n, f))
			goto out_file;
	} else {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = run_row_json(&rows[i]), *pj = json_object_new_object();
			struct json_ctx jc = { json_object_new_array(), NULL, -1 };
			struct params p = PARAMS_INIT;
			json_object_array_add(arr, o);
			json_object_object_add(o, "params", pj);
			json_object_object_add(o, "reps", jc.reps);
			if (store_run_params(st, rows[i].id, &p) ||
			    store_run_metrics(st, rows[i].id, json_metric, &jc)) {
				params_free(&p);
				json_object_put(arr);
				goto out_file;
			}
			for (size_t k = 0; k < p.n; k++)
				json_object_object_add(pj, p.v[k].key, json_object_new_string(p.v[k].value));
			params_free(&p);
		}
		json_print(f, arr, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
		json_object_put(arr);
	}
	ret = EXIT_OK;
out_file:
	if (f != stdout && fclose(f)) {
		error_errno("cannot write '%s'", output);
		ret = EXIT_FAIL;
	}
	/* nothing half-written: the file is ours (created new above) */
	if (f != stdout && ret != EXIT_OK)
		unlink(output);
out_rows:
	store_free_runs(rows, n);
out_store:
	store_close(st);
	selector_free(&sel);
	return ret;
}
