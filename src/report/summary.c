/*
 * The end-of-run summary: one table per job and workload, the ranked
 * glossary metrics that tell its rows apart most as columns, then what to
 * type next.
 */
#include "report/summary.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "lib/fmt.h"
#include "lib/metrics.h"
#include "lib/stats.h"
#include "lib/util.h"
#include "store/store.h"
#include "workloads/workload.h"

struct col {
	const char *metric;
	const char *title;
	char *unit;
};

#define SUM_COLS 4
#define SUM_CANDIDATES 64
#define W_ID 6
#define W_LABEL 18
#define W_CELL 14

static void fmt_cell(struct store *st, int64_t run_id, const struct col *c, char *buf, size_t len)
{
	double *vals = NULL;
	size_t n = 0;
	struct summary s;
	char v[FMT_LEN];

	if (store_metric_values(st, run_id, c->metric, &vals, &n) || !n) {
		snprintf(buf, len, "-");
		free(vals);
		return;
	}
	stats_summarize(vals, n, 0.95, &s);
	fmt_value(s.median, c->unit, v, sizeof(v));
	if (n < 2) {
		snprintf(buf, len, "%s", v);
	} else if (s.mad == 0) {
		snprintf(buf, len, "%s +-0", v);
	} else if (s.median != 0) {
		double pct = 100.0 * s.mad / fabs(s.median);
		if (pct < 10)
			snprintf(buf, len, "%s +-%.1f%%", v, pct);
		else
			snprintf(buf, len, "%s +-%.0f%%", v, pct);
	} else {
		snprintf(buf, len, "%s +-?", v);
	}
	/* too wide for the column: a whole percent first ("1.14 ms +-5%"), then no space */
	if (strlen(buf) > W_CELL - 1 && n >= 2 && s.mad != 0 && s.median != 0)
		snprintf(buf, len, "%s +-%.0f%%", v, 100.0 * s.mad / fabs(s.median));
	if (strlen(buf) > W_CELL - 1) {
		char *sp = strstr(buf, " +-");
		if (sp)
			memmove(sp, sp + 1, strlen(sp + 1) + 1);
	}
	free(vals);
}

/*
 * How much a metric tells the rows apart: the spread of the row medians
 * relative to the largest, in (0, 1]; 0 when they are all equal; -1 when
 * every value is zero or missing (nothing to show).
 */
static double metric_interest(struct store *st, struct runner_row **rows, size_t n,
			      const char *m)
{
	bool nonzero = false, have = false;
	double lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		double *vals = NULL, med;
		size_t nv = 0;
		if (rows[i]->failed || store_metric_values(st, rows[i]->run_id, m, &vals, &nv) || !nv) {
			free(vals);
			continue;
		}
		for (size_t k = 0; k < nv; k++)
			nonzero |= vals[k] != 0;
		med = stats_median(vals, nv);
		lo = have ? MIN(lo, med) : med;
		hi = have ? MAX(hi, med) : med;
		have = true;
		free(vals);
	}
	if (!nonzero)
		return -1;
	return hi == lo ? 0 : (hi - lo) / MAX(fabs(hi), fabs(lo));
}

static char *metric_unit(struct store *st, struct runner_row **rows, size_t n, const char *m)
{
	for (size_t i = 0; i < n; i++) {
		char **names = NULL, **units = NULL, *u = NULL;
		size_t nn = 0;
		if (store_run_metric_names(st, rows[i]->run_id, &names, &units, &nn))
			continue;
		for (size_t k = 0; k < nn && !u; k++)
			if (!strcmp(names[k], m))
				u = xstrdup(units[k] ? units[k] : "");
		store_free_strings(names, nn);
		store_free_strings(units, nn);
		if (u)
			return u;
	}
	return xstrdup("");
}


/* Is m stored for any row (a headline is shown even when every row is 0)? */
static bool metric_stored(struct store *st, struct runner_row **rows, size_t n, const char *m)
{
	for (size_t i = 0; i < n; i++) {
		double *vals = NULL;
		size_t nv = 0;
		bool have = !store_metric_values(st, rows[i]->run_id, m, &vals, &nv) && nv;
		free(vals);
		if (have)
			return true;
	}
	return false;
}

/*
 * Does key take different values among rows of the same strategy? (Knobs a
 * strategy sets, as stored for resumed runs, say nothing new.)
 */
static bool key_varies(struct runner_row **rows, size_t n, const char *key)
{
	for (size_t a = 0; a < n; a++) {
		for (size_t b = a + 1; b < n; b++) {
			const struct plan_item *x = rows[a]->it, *y = rows[b]->it;
			const char *vx = params_get(&x->params, key), *vy = params_get(&y->params, key);
			if ((x->strategy || y->strategy) &&
			    (!x->strategy || !y->strategy || strcmp(x->strategy, y->strategy)))
				continue;
			if (!vx || !vy || strcmp(vx, vy))
				return true;
		}
	}
	return false;
}

/* The keys that tell rows apart, in the order of the first row's params. */
static size_t varying_keys(struct runner_row **rows, size_t n, const char **keys, size_t max)
{
	struct strlist nm = { 0 };
	size_t k = 0;
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < rows[r]->it->params.n; i++)
			strlist_add_unique(&nm, rows[r]->it->params.v[i].key);
	for (size_t i = 0; i < nm.n && k < max; i++)
		if (key_varies(rows, n, nm.v[i]))
			keys[k++] = nm.v[i];
	free(nm.v);
	return k;
}

/* "dpamt-v6 8 2": the strategy (or job) and the values of the varying keys. */
static void row_label(const struct runner_row *row, const char *const *keys, size_t nkeys,
		      char *buf, size_t len)
{
	const struct plan_item *it = row->it;
	struct sbuf sb = SBUF_INIT;
	sbuf_add(&sb, it->strategy ? it->strategy : it->job);
	for (size_t k = 0; k < nkeys; k++) {
		const char *v = params_get(&it->params, keys[k]);
		sbuf_addf(&sb, " %s", v ? v : "-");
	}
	if (sb.len > len - 2 && len > 3)
		snprintf(buf, len, "%.*s~", (int)len - 3, sb.buf);
	else
		snprintf(buf, len, "%s", sb.buf ? sb.buf : "");
	sbuf_free(&sb);
}

/* Repetitions of a run stored as ok. */
static int stored_reps(struct store *st, int64_t run_id)
{
	int *reps = NULL;
	size_t n = 0;
	if (store_run_reps(st, run_id, &reps, &n))
		n = 0;
	free(reps);
	return (int)n;
}

static void summary_group(struct store *st, struct runner_row **rows, size_t n, FILE *f)
{
	const struct plan_item *first = rows[0]->it;
	struct col cols[SUM_COLS];
	size_t ncol = 0;
	int minreps = -1, maxreps = 0;

	const struct metric_desc *cand[SUM_CANDIDATES];
	double interest[SUM_CANDIDATES];
	size_t ncand = 0;
	const char *keys[8];
	size_t nkeys = varying_keys(rows, n, keys, ARRAY_SIZE(keys));

	/* the ranked metrics that tell the rows apart most, then any not all zero */
	for (size_t i = 0; i < metric_table_len && ncand < SUM_CANDIDATES; i++)
		if (metric_table[i].rank) {
			cand[ncand] = &metric_table[i];
			interest[ncand] = metric_interest(st, rows, n, metric_table[i].name);
			if (metric_table[i].pin && interest[ncand] >= 0)
				interest[ncand] = INFINITY;
			ncand++;
		}
	/* the pinned ones first, then the metrics the workload is about */
	for (size_t i = 0; i < ncand && ncol < SUM_COLS; i++)
		if (isinf(interest[i])) {
			cols[ncol].metric = cand[i]->name;
			cols[ncol].title = metric_title(cand[i]->name);
			cols[ncol].unit = metric_unit(st, rows, n, cand[i]->name);
			ncol++;
			interest[i] = -1;
		}
	for (const char *const *h = first->wl->headline; h && *h && ncol < SUM_COLS; h++) {
		bool shown = false;
		for (size_t c = 0; c < ncol; c++)
			shown |= !strcmp(cols[c].metric, *h);
		for (size_t i = 0; i < ncand; i++)
			if (!strcmp(cand[i]->name, *h))
				interest[i] = -1;	/* not picked twice */
		if (shown || !metric_stored(st, rows, n, *h))
			continue;
		cols[ncol].metric = *h;
		cols[ncol].title = metric_title(*h);
		cols[ncol].unit = metric_unit(st, rows, n, *h);
		ncol++;
	}
	while (ncol < SUM_COLS) {
		size_t best = ncand;
		for (size_t i = 0; i < ncand; i++)
			if (interest[i] >= 0 && (best == ncand || interest[i] > interest[best] ||
						 (interest[i] == interest[best] &&
						  cand[i]->rank < cand[best]->rank)))
				best = i;
		if (best == ncand)
			break;
		cols[ncol].metric = cand[best]->name;
		cols[ncol].title = metric_title(cand[best]->name);
		cols[ncol].unit = metric_unit(st, rows, n, cand[best]->name);
		ncol++;
		interest[best] = -1;
	}
	/* keep the glossary order whichever pass picked them */
	for (size_t a = 0; a < ncol; a++)
		for (size_t b = a + 1; b < ncol; b++)
			if (metric_cmp(cols[b].metric, cols[a].metric) < 0) {
				struct col t = cols[a];
				cols[a] = cols[b];
				cols[b] = t;
			}
	for (size_t i = 0; i < n; i++)
		if (!rows[i]->failed) {
			/* what is stored, not what was planned: an interrupt keeps fewer */
			int k = stored_reps(st, rows[i]->run_id);
			minreps = minreps < 0 ? k : MIN(minreps, k);
			maxreps = MAX(maxreps, k);
		}

	{
		char title[96], job[48] = "";
		if (strcmp(first->job, first->wl->name) && strcmp(first->job, "cli"))
			snprintf(job, sizeof(job), " [%s]", first->job);
		char reps[32];
		if (minreps >= 0 && minreps < maxreps)
			snprintf(reps, sizeof(reps), "%d-%d reps", minreps, maxreps);
		else
			snprintf(reps, sizeof(reps), "%d rep%s", maxreps, maxreps == 1 ? "" : "s");
		snprintf(title, sizeof(title), "%s%s: %s%s, median +-MAD%%, %s", first->wl->name,
			 job, first->be->name, first->be->is_model ? " (model output)" : "", reps);
		fprintf(f, "\n%s\n", title);
	}
	if (nkeys) {
		fprintf(f, "rows: %s", first->strategy ? "strategy" : "job");
		for (size_t k = 0; k < nkeys; k++)
			fprintf(f, ", %s", keys[k]);
		fputc('\n', f);
	}
	fprintf(f, "%-*s%-*s", W_ID, "run", W_LABEL, first->strategy ? "strategy" : "job");
	for (size_t c = 0; c < ncol; c++)
		fprintf(f, " %*.*s", W_CELL - 1, W_CELL - 1, cols[c].title);
	fputc('\n', f);
	for (size_t r = 0; r < n; r++) {
		const struct runner_row *in = rows[r];
		char id[16], label[W_LABEL], cell[64];
		snprintf(id, sizeof(id), "%lld", (long long)in->run_id);
		row_label(in, keys, nkeys, label, sizeof(label));
		fprintf(f, "%-*s%-*s", W_ID, id, W_LABEL, label);
		if (in->failed) {
			fprintf(f, "  failed: %.*s\n", 80 - W_ID - W_LABEL - 11,
			        in->reason ? in->reason : "?");
			continue;
		}
		for (size_t c = 0; c < ncol; c++) {
			fmt_cell(st, in->run_id, &cols[c], cell, sizeof(cell));
			fprintf(f, " %*s", W_CELL - 1, cell);
		}
		fputc('\n', f);
	}
	for (size_t c = 0; c < ncol; c++)
		free(cols[c].unit);
}

/*
 * Two strategies worth comparing: the two designs argued over (dpamt-v6 on
 * demand vs sean-v5 speculative) when both ran, else the first two.
 */
static void pick_pair(const struct runner_row *in, size_t n, const char *pair[2])
{
	static const char *const preferred[] = { "dpamt-v6", "sean-v5" };
	const char *seen[2] = { NULL, NULL };
	for (size_t i = 0; i < n; i++) {
		const char *s = in[i].it->strategy;
		if (!s)
			continue;
		for (int k = 0; k < 2; k++)
			if (!strcmp(s, preferred[k]))
				seen[k] = s;
		if (!pair[0])
			pair[0] = s;
		else if (!pair[1] && strcmp(pair[0], s))
			pair[1] = s;
	}
	if (seen[0] && seen[1]) {
		pair[0] = seen[0];
		pair[1] = seen[1];
	}
}

void summary_print(struct store *st, const struct runner_outcome *oc, const char *db_path,
		   FILE *f)
{
	struct runner_row *in = oc->rows;
	size_t n = oc->n;
	int64_t session = oc->session;
	bool interrupted = oc->interrupted;
	bool *shown = xcalloc(n + 1, sizeof(bool));
	struct runner_row **rows = xcalloc(n + 1, sizeof(*rows));
	const char *strat[2] = { NULL, NULL };
	bool any_model = false;
	int kept = 0, runs_kept = 0, stored = 0;

	for (size_t i = 0; i < n; i++) {
		size_t nr = 0;
		if (shown[i])
			continue;
		for (size_t k = i; k < n; k++) {
			/* one table per job and workload: a job is one question asked */
			if (shown[k] || in[k].it->wl != in[i].it->wl || in[k].it->be != in[i].it->be ||
			    strcmp(in[k].it->job, in[i].it->job))
				continue;
			shown[k] = true;
			rows[nr++] = &in[k];
		}
		summary_group(st, rows, nr, f);
	}
	for (size_t i = 0; i < n; i++) {
		any_model |= in[i].it->be->is_model;
		kept += in[i].kept;
		runs_kept += in[i].kept > 0;
		stored += in[i].failed ? 0 : stored_reps(st, in[i].run_id);
	}
	pick_pair(in, n, strat);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++)
		if (in[i].failed)
			fprintf(f, "Failed: run %lld (%s): %s\n", (long long)in[i].run_id, in[i].it->job,
			        in[i].reason);
	if (any_model)
		fprintf(f, "Model output: numbers come from the embedded model, not from hardware.\n");
	if (interrupted)
		fprintf(f, "Interrupted: kept %d finished repetitions of %d runs; the rest is not "
		        "stored.\n", kept, runs_kept);
	fprintf(f, "Database: %s (session %lld, runs %lld-%lld)\n", db_path, (long long)session,
	        (long long)in[0].run_id, (long long)in[n - 1].run_id);
	if (!stored) {
		/* nothing to compare, report or show: only finishing the session helps */
		fprintf(f, "No repetition finished: nothing to compare or report.\n");
		if (interrupted)
			fprintf(f, "Resume with: tdxbench run --resume %lld\n",
				(long long)in[0].run_id);
		free(shown);
		free(rows);
		return;
	}
	fprintf(f, "Next:\n");
	if (interrupted)
		fprintf(f, "  tdxbench run --resume %lld\n", (long long)in[0].run_id);
	if (strat[1])
		fprintf(f, "  tdxbench compare session=%lld,strategy=%s session=%lld,strategy=%s\n",
			(long long)session, strat[0], (long long)session, strat[1]);
	fprintf(f, "  tdxbench report session=%lld\n", (long long)session);
	fprintf(f, "  tdxbench show %lld\n", (long long)in[0].run_id);
	free(shown);
	free(rows);
}


void summary_json(struct store *st, const struct runner_outcome *oc, const char *db_path,
		  FILE *f)
{
	struct json_object *o = json_object_new_object(), *runs = json_object_new_array();
	bool any_model = false;

	json_object_object_add(o, "database", json_object_new_string(db_path));
	json_object_object_add(o, "session", json_object_new_int64(oc->session));
	json_object_object_add(o, "interrupted", json_object_new_boolean(oc->interrupted));
	for (size_t i = 0; i < oc->n; i++) {
		const struct runner_row *r = &oc->rows[i];
		const struct plan_item *it = r->it;
		struct json_object *j = json_object_new_object();
		any_model |= it->be->is_model;
		json_object_object_add(j, "id", json_object_new_int64(r->run_id));
		json_object_object_add(j, "job", json_object_new_string(it->job));
		json_object_object_add(j, "backend", json_object_new_string(it->be->name));
		json_object_object_add(j, "strategy", it->strategy ?
				       json_object_new_string(it->strategy) : NULL);
		json_object_object_add(j, "workload", json_object_new_string(it->wl->name));
		json_object_object_add(j, "reps_planned", json_object_new_int(it->reps));
		json_object_object_add(j, "reps_stored", json_object_new_int(r->failed ? 0 :
					       stored_reps(st, r->run_id)));
		json_object_object_add(j, "reps_this_run", json_object_new_int(r->kept));
		json_object_object_add(j, "failed", json_object_new_boolean(r->failed));
		json_object_object_add(j, "reason", r->reason ? json_object_new_string(r->reason) :
				       NULL);
		json_object_array_add(runs, j);
	}
	json_object_object_add(o, "model_output", json_object_new_boolean(any_model));
	json_object_object_add(o, "runs", runs);
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
