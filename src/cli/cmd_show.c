#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "lib/fmt.h"
#include "lib/metrics.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "host/host.h"
#include "store/store.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct cmd_help cmd_show_help = {
	.synopsis = "show RUN",
	.text = "One run in full: the host it ran on (fingerprint summary), its\n"
		"parameters, the median of every metric over the repetitions that\n"
		"finished (with n, min and max), the notes the backend left, and the\n"
		"command that reproduces it. RUN is a run id (see 'tdxbench list').\n"
		"With --json, the same as one JSON object (with every per-rep value).\n",
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of the non-NaN values (sorted in place); n of them in *used. */
static double median(double *v, size_t n, size_t *used, double *lo, double *hi)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			v[k++] = v[i];
	*used = k;
	if (!k) {
		*lo = *hi = NAN;
		return NAN;
	}
	qsort(v, k, sizeof(*v), cmp_double);
	*lo = v[0];
	*hi = v[k - 1];
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

struct notes_ctx {
	struct json_object *obj;	/* key -> array of "rep N: value" or {rep: value} */
};

static int collect_note(void *p, int rep, const char *key, const char *value)
{
	struct notes_ctx *c = p;
	struct json_object *per;
	char r[16];
	if (!json_object_object_get_ex(c->obj, key, &per)) {
		per = json_object_new_object();
		json_object_object_add(c->obj, key, per);
	}
	snprintf(r, sizeof(r), "%d", rep);
	json_object_object_add(per, r, json_object_new_string(value));
	return 0;
}

static void print_notes(struct json_object *notes)
{
	json_object_object_foreach(notes, key, per) {
		const char *first = NULL;
		bool same = true;
		json_object_object_foreach(per, rep, val) {
			(void)rep;
			if (!first)
				first = json_object_get_string(val);
			else if (strcmp(first, json_object_get_string(val)))
				same = false;
		}
		char *k = term_safe(key), *v;
		if (same) {
			v = term_safe(first ? first : "");
			printf("  %s = %s%s\n", k, v,
			       json_object_object_length(per) > 1 ? "  (every rep)" : "");
			free(v);
			free(k);
			continue;
		}
		json_object_object_foreach(per, rep2, val2) {
			v = term_safe(json_object_get_string(val2));
			printf("  %s = %s  (rep %s)\n", k, v, rep2);
			free(v);
		}
		free(k);
	}
}

static int by_glossary(const void *a, const void *b)
{
	return metric_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* {name: {unit, n, median, min, max, values}} in glossary order, or NULL on error. */
static struct json_object *metrics_json(struct store *st, int64_t run_id, char **names,
					char **units, size_t nm)
{
	struct json_object *metrics = json_object_new_object();
	const char **order = xcalloc(nm + 1, sizeof(*order));

	for (size_t i = 0; i < nm; i++)
		order[i] = names[i];
	qsort(order, nm, sizeof(*order), by_glossary);
	for (size_t o = 0; o < nm; o++) {
		struct json_object *m, *vals;
		double *v, lo, hi, med;
		size_t nv, used, i = 0;
		while (names[i] != order[o])
			i++;
		if (store_metric_values(st, run_id, names[i], &v, &nv)) {
			json_object_put(metrics);
			free(order);
			return NULL;
		}
		m = json_object_new_object();
		vals = json_object_new_array();
		for (size_t k = 0; k < nv; k++)
			json_object_array_add(vals, isnan(v[k]) ? NULL : json_object_new_double(v[k]));
		med = median(v, nv, &used, &lo, &hi);
		free(v);
		json_object_object_add(m, "unit", json_object_new_string(units[i] ? units[i] : ""));
		json_object_object_add(m, "n", json_object_new_int((int)used));
		json_object_object_add(m, "median", isnan(med) ? NULL : json_object_new_double(med));
		json_object_object_add(m, "min", isnan(lo) ? NULL : json_object_new_double(lo));
		json_object_object_add(m, "max", isnan(hi) ? NULL : json_object_new_double(hi));
		json_object_object_add(m, "values", vals);
		json_object_object_add(metrics, names[i], m);
	}
	free(order);
	return metrics;
}

static double json_num(struct json_object *m, const char *key)
{
	struct json_object *x;
	return json_object_object_get_ex(m, key, &x) && x ? json_object_get_double(x) : NAN;
}

static void print_metrics(struct json_object *metrics)
{
	printf("\nmetrics (median over ok reps)\n");
	if (!json_object_object_length(metrics))
		printf("  (none)\n");
	else
		printf("  %-28s %14s %3s %14s %14s  %s\n", "METRIC", "MEDIAN", "N", "MIN", "MAX",
		       "BETTER");
	json_object_object_foreach(metrics, name, m) {
		const struct metric_desc *d = metric_find(name);
		const char *unit = json_object_get_string(json_object_object_get(m, "unit"));
		char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN];
		fmt_value(json_num(m, "median"), unit, b1, sizeof(b1));
		fmt_value(json_num(m, "min"), unit, b2, sizeof(b2));
		fmt_value(json_num(m, "max"), unit, b3, sizeof(b3));
		printf("  %-28s %14s %3d %14s %14s  %s\n", name, b1,
		       json_object_get_int(json_object_object_get(m, "n")), b2, b3,
		       d ? better_name(d->better) : "?");
	}
}

static void print_run(const struct run_row *r, struct json_object *fp,
		      const struct params *params, struct json_object *metrics,
		      struct json_object *notes)
{
	printf("run %lld: %s / %s / %s  [%s]%s\n", (long long)r->id, r->backend,
	       r->strategy ? r->strategy : "-", r->workload, r->status,
	       r->is_model ? "  -- model output, not a measurement" : "");
	if (r->reason)
		printf("  reason   %s\n", r->reason);
	if (r->label || r->job)
		printf("  label    %s%s%s\n", r->label ? r->label : "-",
		       r->job ? "   job " : "", r->job ? r->job : "");
	printf("  created  %s   tool %s\n", r->created, r->tool_version ? r->tool_version : "?");
	if (r->session_id)
		printf("  session  %lld: %s\n", (long long)r->session_id,
		       r->cmdline ? r->cmdline : "");
	printf("  reps     %d/%d ok", r->reps_done, r->reps);
	if (r->reps_failed)
		printf(", %d failed", r->reps_failed);
	printf(" (+%d warm-up), seed %llu\n", r->warmup, (unsigned long long)r->seed);
	if (fp)
		host_print_summary(stdout, fp, "  ");
	printf("\nparameters\n");
	if (!params->n)
		printf("  (none)\n");
	for (size_t i = 0; i < params->n; i++)
		printf("  %-24s %s\n", params->v[i].key, params->v[i].value);
	print_metrics(metrics);
	if (json_object_object_length(notes)) {
		printf("\nnotes\n");
		print_notes(notes);
	}
	printf("\nreproduce\n  %s\n", r->reproduce ? r->reproduce : "(not recorded)");
}

int cmd_show(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	struct run_filter f = { 0 };
	struct store *st;
	struct run_row *rows = NULL;
	struct params params = PARAMS_INIT;
	struct json_object *fp = NULL, *out = NULL, *metrics, *pj;
	struct notes_ctx notes = { NULL };
	char **names = NULL, **units = NULL, *fpjson = NULL;
	size_t n = 0, nm = 0;
	uint64_t id;
	int ret = EXIT_FAIL;

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (optind >= argc)
		return cli_usage_error(self, "which run? (a run id, see 'tdxbench list')");
	if (optind + 1 < argc)
		return cli_usage_error(self, "one run at a time ('%s' is extra)", argv[optind + 1]);
	if (parse_u64(argv[optind], &id) || !id || id > INT64_MAX)
		return cli_usage_error(self, "'%s' is not a run id", argv[optind]);
	if (cli_open_store(ctx, STORE_READONLY, &st))
		return EXIT_FAIL;
	f.id_lo = f.id_hi = (int64_t)id;
	if (store_runs(st, &f, &rows, &n))
		goto out;
	if (!n) {
		error("no run %llu in '%s'", (unsigned long long)id, store_path(st));
		goto out;
	}
	if (store_run_params(st, rows[0].id, &params) ||
	    store_run_metric_names(st, rows[0].id, &names, &units, &nm) ||
	    store_host_json(st, rows[0].host_id, &fpjson))
		goto out;
	fp = json_tokener_parse(fpjson);
	notes.obj = json_object_new_object();
	if (store_run_notes(st, rows[0].id, collect_note, &notes))
		goto out;
	metrics = metrics_json(st, rows[0].id, names, units, nm);
	if (!metrics)
		goto out;

	out = run_row_json(&rows[0]);
	pj = json_object_new_object();
	for (size_t i = 0; i < params.n; i++)
		json_object_object_add(pj, params.v[i].key, json_object_new_string(params.v[i].value));
	json_object_object_add(out, "params", pj);
	json_object_object_add(out, "metrics", metrics);
	json_object_object_add(out, "notes", json_object_get(notes.obj));
	json_object_object_add(out, "host", fp ? json_object_get(fp) : NULL);

	if (ctx->json) {
		json_print(stdout, out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	} else {
		/* stored text may hold anything: nothing reaches the terminal raw */
		run_row_term_safe(&rows[0]);
		params_term_safe(&params);
		print_run(&rows[0], fp, &params, metrics, notes.obj);
	}
	ret = EXIT_OK;
out:
	json_object_put(out);
	json_object_put(fp);
	json_object_put(notes.obj);
	free(fpjson);
	store_free_strings(names, nm);
	store_free_strings(units, nm);
	params_free(&params);
	store_free_runs(rows, n);
	store_close(st);
	return ret;
}
