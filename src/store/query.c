/* Reading the store: runs (with filters), parameters, metrics, samples. */
#include "store/store_int.h"
#include "lib/util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int step_err(struct store *st, sqlite3_stmt *s, int rc)
{
	if (rc == SQLITE_DONE)
		return 0;
	store_dberr(st, "cannot read");
	(void)s;
	return -1;
}

static double col_double_or_nan(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? NAN : sqlite3_column_double(s, col);
}

/*
 * Text filters use GLOB so shell-style wildcards work ("kernel=6.1*");
 * without wildcards GLOB is an exact, case-sensitive match. The SQL text
 * is fixed; every user value is a bound parameter.
 */
static const char runs_sql[] =
	"SELECT r.id, r.session_id, r.host_id, r.created, r.backend, r.strategy, r.workload, "
	"       r.label, r.job, r.status, r.reason, r.reproduce, r.params, r.tool_version, "
	"       COALESCE(h.kernel_describe, h.kernel_release), h.label, s.cmdline, r.seed, "
	"       r.reps, r.reps_done, r.reps_failed, r.warmup, r.is_model "
	"FROM runs r JOIN hosts h ON h.id = r.host_id "
	"LEFT JOIN sessions s ON s.id = r.session_id "
	"WHERE (?1 = 0 OR r.id >= ?1) AND (?2 = 0 OR r.id <= ?2) "
	"  AND (?3 = 0 OR r.session_id = ?3) "
	"  AND (?4 IS NULL OR r.backend GLOB ?4) "
	"  AND (?5 IS NULL OR r.strategy GLOB ?5) "
	"  AND (?6 IS NULL OR r.workload GLOB ?6) "
	"  AND (?7 IS NULL OR r.label GLOB ?7) "
	"  AND (?8 IS NULL OR r.status GLOB ?8) "
	"  AND (?9 IS NULL OR h.kernel_release GLOB ?9 OR h.kernel_describe GLOB ?9) "
	"  AND (?10 IS NULL OR h.label GLOB ?10 OR h.hostname GLOB ?10 "
	"       OR h.hash GLOB (?10 || '*') OR CAST(h.id AS TEXT) = ?10) "
	"  AND (?11 IS NULL OR r.job GLOB ?11) "
	"  AND (?12 IS NULL OR r.uuid GLOB (?12 || '*')) ";
static const char runs_param_term[] =
	"  AND EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id "
	"              AND p.key = ? AND p.value GLOB ?) ";

int store_runs(struct store *st, const struct run_filter *f, struct run_row **rows, size_t *n)
{
	static const struct run_filter all;
	struct sbuf sql = SBUF_INIT;
	sqlite3_stmt *s;
	size_t cap = 0, np;
	int rc, b;

	*rows = NULL;
	*n = 0;
	if (!f)
		f = &all;
	np = f->params ? f->params->n : 0;
	sbuf_add(&sql, runs_sql);
	for (size_t i = 0; i < np; i++)
		sbuf_add(&sql, runs_param_term);
	sbuf_add(&sql, "ORDER BY r.id");
	s = store_prepare(st, sql.buf);
	sbuf_free(&sql);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, f->id_lo);
	sqlite3_bind_int64(s, 2, f->id_hi);
	sqlite3_bind_int64(s, 3, f->session_id);
	{
		const char *txt[] = { f->backend, f->strategy, f->workload, f->label,
				      f->status, f->kernel, f->host, f->job, f->uuid };
		for (size_t i = 0; i < ARRAY_SIZE(txt); i++) {
			if (txt[i])
				sqlite3_bind_text(s, 4 + (int)i, txt[i], -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(s, 4 + (int)i);
		}
	}
	b = 13;
	for (size_t i = 0; i < np; i++) {
		sqlite3_bind_text(s, b++, f->params->v[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, b++, f->params->v[i].value, -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct run_row *r;
		const char *seed;
		GROW(*rows, cap, *n + 1);
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(s, 0);
		r->session_id = sqlite3_column_int64(s, 1);
		r->host_id = sqlite3_column_int64(s, 2);
		r->created = store_col_strdup(s, 3);
		r->backend = store_col_strdup(s, 4);
		r->strategy = store_col_strdup(s, 5);
		r->workload = store_col_strdup(s, 6);
		r->label = store_col_strdup(s, 7);
		r->job = store_col_strdup(s, 8);
		r->status = store_col_strdup(s, 9);
		r->reason = store_col_strdup(s, 10);
		r->reproduce = store_col_strdup(s, 11);
		r->params = store_col_strdup(s, 12);
		r->tool_version = store_col_strdup(s, 13);
		r->kernel = store_col_strdup(s, 14);
		r->host_label = store_col_strdup(s, 15);
		r->cmdline = store_col_strdup(s, 16);
		seed = (const char *)sqlite3_column_text(s, 17);
		r->seed = seed ? strtoull(seed, NULL, 10) : 0;
		r->reps = sqlite3_column_int(s, 18);
		r->reps_done = sqlite3_column_int(s, 19);
		r->reps_failed = sqlite3_column_int(s, 20);
		r->warmup = sqlite3_column_int(s, 21);
		r->is_model = sqlite3_column_int(s, 22);
	}
	if (step_err(st, s, rc)) {
		sqlite3_finalize(s);
		store_free_runs(*rows, *n);
		*rows = NULL;
		*n = 0;
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

void store_free_runs(struct run_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct run_row *r = &rows[i];
		char *f[] = { r->created, r->backend, r->strategy, r->workload, r->label, r->job,
			      r->status, r->reason, r->reproduce, r->params, r->tool_version,
			      r->kernel, r->host_label, r->cmdline };
		for (size_t k = 0; k < ARRAY_SIZE(f); k++)
			free(f[k]);
	}
	free(rows);
}

int store_run_params(struct store *st, int64_t run_id, struct params *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT key, value FROM run_params WHERE run_id = ?1 "
					    "ORDER BY key");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		params_set(out, (const char *)sqlite3_column_text(s, 0),
			   (const char *)sqlite3_column_text(s, 1));
	rc = step_err(st, s, rc);
	sqlite3_finalize(s);
	return rc;
}

int store_run_reps(struct store *st, int64_t run_id, int **reps, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT rep FROM reps WHERE run_id = ?1 AND status = 'ok' "
					    "ORDER BY rep");
	size_t cap = 0;
	int rc;
	*reps = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		GROW(*reps, cap, *n + 1);
		(*reps)[(*n)++] = sqlite3_column_int(s, 0);
	}
	rc = step_err(st, s, rc);
	sqlite3_finalize(s);
	return rc;
}

int store_metric_values(struct store *st, int64_t run_id, const char *metric,
			double **vals, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	*vals = NULL;
	*n = 0;
	if (!st->metric_values)
		st->metric_values = store_prepare(st, "SELECT m.value FROM metrics m JOIN reps p ON "
						  "p.id = m.rep_id WHERE p.run_id = ?1 AND "
						  "p.status = 'ok' AND m.name = ?2 ORDER BY p.rep");
	s = st->metric_values;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, metric, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		GROW(*vals, cap, *n + 1);
		(*vals)[(*n)++] = col_double_or_nan(s, 0);
	}
	rc = step_err(st, s, rc);
	/* reset, not finalize: ends the statement's read and keeps it for the next call */
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

int store_run_metric_names(struct store *st, int64_t run_id, char ***names, char ***units,
			   size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT m.name, min(m.unit) FROM metrics m "
					    "JOIN reps p ON p.id = m.rep_id WHERE p.run_id = ?1 "
					    "GROUP BY m.name ORDER BY m.name");
	size_t cap = 0, ucap = 0;
	int rc;
	*names = NULL;
	if (units)
		*units = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		GROW(*names, cap, *n + 1);
		(*names)[*n] = store_col_strdup(s, 0);
		if (units) {
			GROW(*units, ucap, *n + 1);
			(*units)[*n] = store_col_strdup(s, 1);
		}
		(*n)++;
	}
	rc = step_err(st, s, rc);
	sqlite3_finalize(s);
	return rc;
}

void store_free_strings(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int store_run_samples(struct store *st, int64_t run_id, int rep, store_sample_cb cb, void *ctx)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT p.rep, x.series, x.unit, x.t_ns, x.value "
					    "FROM samples x JOIN reps p ON p.id = x.rep_id "
					    "WHERE p.run_id = ?1 AND (?2 < 0 OR p.rep = ?2) "
					    "ORDER BY p.rep, x.series, x.t_ns");
	int rc, ret = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, rep);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = cb(ctx, sqlite3_column_int(s, 0), (const char *)sqlite3_column_text(s, 1),
			 (const char *)sqlite3_column_text(s, 2), sqlite3_column_double(s, 3),
			 col_double_or_nan(s, 4));
		if (ret)
			break;
	}
	if (!ret)
		ret = step_err(st, s, rc);
	sqlite3_finalize(s);
	return ret;
}

int store_run_hists(struct store *st, int64_t run_id, int rep, store_hist_cb cb, void *ctx)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT p.rep, h.name, h.unit, h.lo, h.hi, h.count "
					    "FROM histograms h JOIN reps p ON p.id = h.rep_id "
					    "WHERE p.run_id = ?1 AND (?2 < 0 OR p.rep = ?2) "
					    "ORDER BY p.rep, h.name, h.lo");
	int rc, ret = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, rep);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = cb(ctx, sqlite3_column_int(s, 0), (const char *)sqlite3_column_text(s, 1),
			 (const char *)sqlite3_column_text(s, 2), sqlite3_column_double(s, 3),
			 sqlite3_column_double(s, 4), (uint64_t)sqlite3_column_int64(s, 5));
		if (ret)
			break;
	}
	if (!ret)
		ret = step_err(st, s, rc);
	sqlite3_finalize(s);
	return ret;
}

int store_run_notes(struct store *st, int64_t run_id, store_note_cb cb, void *ctx)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT p.rep, n.key, n.value "
					    "FROM notes n JOIN reps p ON p.id = n.rep_id "
					    "WHERE p.run_id = ?1 ORDER BY p.rep, n.key");
	int rc, ret = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = cb(ctx, sqlite3_column_int(s, 0), (const char *)sqlite3_column_text(s, 1),
			 (const char *)sqlite3_column_text(s, 2));
		if (ret)
			break;
	}
	if (!ret)
		ret = step_err(st, s, rc);
	sqlite3_finalize(s);
	return ret;
}

int store_host_json(struct store *st, int64_t host_id, char **json)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT fingerprint FROM hosts WHERE id = ?1");
	int rc;
	*json = NULL;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, host_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*json = store_col_strdup(s, 0);
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return error("no host %lld in '%s'", (long long)host_id, st->path);
	return store_dberr(st, "cannot read");
}

int store_host_described(struct store *st, const char *label, const char *hostname,
			 const char *kernel_release, char **json)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT fingerprint FROM hosts WHERE label = ?1 "
					"AND hostname IS ?2 AND kernel_release IS ?3 "
					"AND kernel_describe IS NOT NULL ORDER BY id DESC LIMIT 1");
	int rc;
	*json = NULL;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, hostname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, kernel_release, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*json = store_col_strdup(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_dberr(st, "cannot read");
}

int store_counts(struct store *st, struct store_counts *c)
{
	/* table names cannot be bound: one fixed statement per table */
	static const struct {
		const char *sql;
		size_t off;
	} q[] = {
#define COUNT(t) { "SELECT count(*) FROM " #t, offsetof(struct store_counts, t) }
		COUNT(hosts), COUNT(sessions), COUNT(runs), COUNT(run_params), COUNT(reps),
		COUNT(metrics), COUNT(samples), COUNT(histograms), COUNT(notes),
#undef COUNT
	};
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		sqlite3_stmt *s = store_prepare(st, q[i].sql);
		if (!s)
			return -1;
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_finalize(s);
			return store_dberr(st, "cannot count rows in");
		}
		*(int64_t *)((char *)c + q[i].off) = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	return 0;
}

int store_run_metrics(struct store *st, int64_t run_id, store_metric_cb cb, void *ctx)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT p.rep, p.status, m.name, m.unit, m.value "
					    "FROM metrics m JOIN reps p ON p.id = m.rep_id "
					    "WHERE p.run_id = ?1 ORDER BY p.rep, m.name");
	int rc, ret = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = cb(ctx, sqlite3_column_int(s, 0), (const char *)sqlite3_column_text(s, 1),
			 (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			 col_double_or_nan(s, 4));
		if (ret)
			break;
	}
	if (!ret)
		ret = step_err(st, s, rc);
	sqlite3_finalize(s);
	return ret;
}
