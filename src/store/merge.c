/*
 * `db merge`: several databases into one, all or nothing.
 *
 * Rows are matched on their stable ids, not their local integer ids: hosts on
 * their fingerprint hash, sessions and runs on their uuid, repetitions on
 * (run uuid, rep index). What is new is copied with its ids remapped; what
 * is already there must be identical, else the merge is refused. A run may
 * have more repetitions on one side (an interrupted shard resumed after an
 * earlier merge): the union is kept, and the status of the side further
 * along wins (more repetitions, or as many and finished later), so merging
 * the same inputs again adds nothing.
 *
 * The whole merge is one IMMEDIATE transaction on OUT with an integrity check
 * before the COMMIT: a refusal, an error or a kill -9 leaves OUT as it was.
 * Each input is read through its own read-only connection and staged in
 * TEMP tables of OUT's connection (ATTACH would cap the inputs at 10 and
 * cannot be undone inside a transaction); the matching is then plain SQL.
 * Time series and histograms, most of a file, are staged only where they
 * must be compared and otherwise copied straight across.
 */
#include "store/store_int.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const tables[] = {
	"hosts", "sessions", "runs", "run_params", "reps", "metrics", "samples", "histograms",
	"notes",
};

static const char temp_sql[] =
	"CREATE TEMP TABLE map_host (in_id INTEGER PRIMARY KEY, out_id INTEGER);"
	"CREATE TEMP TABLE map_session (in_id INTEGER PRIMARY KEY, out_id INTEGER,"
	"  take_in INTEGER NOT NULL DEFAULT 0);"
	"CREATE TEMP TABLE map_run (in_id INTEGER PRIMARY KEY, out_id INTEGER,"
	"  is_new INTEGER NOT NULL DEFAULT 0, take_in INTEGER NOT NULL DEFAULT 0);"
	"CREATE TEMP TABLE map_rep (in_id INTEGER PRIMARY KEY, out_id INTEGER, run_out INTEGER,"
	"  rep INTEGER, is_new INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX temp.map_rep_out ON map_rep(out_id);";

/* Lookups by parent id: built after each input is staged (one sort beats
 * 10^5 inserts into a b-tree), dropped before the next. */
static const char temp_unindex_sql[] =
	"DROP INDEX IF EXISTS temp.in_run_params_run; DROP INDEX IF EXISTS temp.in_reps_run;"
	"DROP INDEX IF EXISTS temp.in_metrics_rep; DROP INDEX IF EXISTS temp.in_samples_rep;"
	"DROP INDEX IF EXISTS temp.in_histograms_rep; DROP INDEX IF EXISTS temp.in_notes_rep;";
static const char temp_index_sql[] =
	"CREATE INDEX temp.in_run_params_run ON in_run_params(run_id);"
	"CREATE INDEX temp.in_reps_run ON in_reps(run_id);"
	"CREATE INDEX temp.in_metrics_rep ON in_metrics(rep_id);"
	"CREATE INDEX temp.in_samples_rep ON in_samples(rep_id);"
	"CREATE INDEX temp.in_histograms_rep ON in_histograms(rep_id);"
	"CREATE INDEX temp.in_notes_rep ON in_notes(rep_id);";

/* ---- conflicts: each query yields one text line per conflicting row ---- */

static const char session_conflicts[] =
	"SELECT 'session ' || uuid || ' differs in ' || col FROM ("
	" SELECT i.uuid AS uuid, CASE"
	"  WHEN (SELECT out_id FROM temp.map_host WHERE in_id = i.host_id) IS NOT o.host_id THEN 'host'"
	"  WHEN i.started IS NOT o.started THEN 'started'"
	"  WHEN i.cmdline IS NOT o.cmdline THEN 'cmdline'"
	"  WHEN i.jobfile IS NOT o.jobfile THEN 'jobfile'"
	"  WHEN i.jobfile_hash IS NOT o.jobfile_hash THEN 'jobfile_hash'"
	"  WHEN i.tool_version IS NOT o.tool_version THEN 'tool_version'"
	"  WHEN i.shard IS NOT o.shard THEN 'shard' END AS col"
	" FROM temp.in_sessions i JOIN main.sessions o ON o.uuid = i.uuid"
	") WHERE col IS NOT NULL";

static const char run_conflicts[] =
	"SELECT 'run ' || uuid || ' differs in ' || col FROM ("
	" SELECT i.uuid AS uuid, CASE"
	"  WHEN (SELECT out_id FROM temp.map_session WHERE in_id = i.session_id)"
	"       IS NOT o.session_id THEN 'session'"
	"  WHEN (SELECT out_id FROM temp.map_host WHERE in_id = i.host_id) IS NOT o.host_id THEN 'host'"
	"  WHEN i.created IS NOT o.created THEN 'created'"
	"  WHEN i.backend IS NOT o.backend THEN 'backend'"
	"  WHEN i.strategy IS NOT o.strategy THEN 'strategy'"
	"  WHEN i.workload IS NOT o.workload THEN 'workload'"
	"  WHEN i.label IS NOT o.label THEN 'label'"
	"  WHEN i.job IS NOT o.job THEN 'job'"
	"  WHEN i.seed IS NOT o.seed THEN 'seed'"
	"  WHEN i.reps IS NOT o.reps THEN 'reps'"
	"  WHEN i.warmup IS NOT o.warmup THEN 'warmup'"
	"  WHEN i.params IS NOT o.params THEN 'params'"
	"  WHEN i.reproduce IS NOT o.reproduce THEN 'reproduce'"
	"  WHEN i.tool_version IS NOT o.tool_version THEN 'tool_version'"
	"  WHEN i.is_model IS NOT o.is_model THEN 'is_model' END AS col"
	" FROM temp.in_runs i JOIN main.runs o ON o.uuid = i.uuid"
	") WHERE col IS NOT NULL";

/* A EXCEPT B UNION B EXCEPT A would group left to right: each side in its own subquery. */
static const char run_param_conflicts[] =
	"SELECT 'run ' || (SELECT uuid FROM main.runs WHERE id = run_id) || ' differs in run_params'"
	" FROM (SELECT run_id FROM ("
	"        SELECT mr.out_id AS run_id, p.key, p.value FROM temp.in_run_params p"
	"        JOIN temp.map_run mr ON mr.in_id = p.run_id WHERE NOT mr.is_new"
	"        EXCEPT SELECT run_id, key, value FROM main.run_params"
	"        WHERE run_id IN (SELECT out_id FROM temp.map_run WHERE NOT is_new))"
	"       UNION SELECT run_id FROM ("
	"        SELECT run_id, key, value FROM main.run_params"
	"        WHERE run_id IN (SELECT out_id FROM temp.map_run WHERE NOT is_new)"
	"        EXCEPT SELECT mr.out_id, p.key, p.value FROM temp.in_run_params p"
	"        JOIN temp.map_run mr ON mr.in_id = p.run_id WHERE NOT mr.is_new))";

/* "run UUID rep N differs in WHAT" for an out rep id column `x` */
#define REP_NAME(x, what)						\
	"SELECT 'run ' || r.uuid || ' rep ' || p.rep || ' differs in " what "'"	\
	" FROM main.reps p JOIN main.runs r ON r.id = p.run_id WHERE p.id IN (" x ")"

static const char rep_conflicts[] =
	"SELECT 'run ' || r.uuid || ' rep ' || o.rep || ' differs in ' || CASE"
	"  WHEN i.seed IS NOT o.seed THEN 'seed'"
	"  WHEN i.status IS NOT o.status THEN 'status'"
	"  WHEN i.reason IS NOT o.reason THEN 'reason'"
	"  WHEN i.wall_ns IS NOT o.wall_ns THEN 'wall_ns'"
	"  ELSE 'finished' END"
	" FROM temp.map_rep mr JOIN temp.in_reps i ON i.id = mr.in_id"
	" JOIN main.reps o ON o.id = mr.out_id JOIN main.runs r ON r.id = o.run_id"
	" WHERE NOT mr.is_new AND (i.seed IS NOT o.seed OR i.status IS NOT o.status"
	"  OR i.reason IS NOT o.reason OR i.wall_ns IS NOT o.wall_ns OR i.finished IS NOT o.finished)";

/*
 * Rows under a repetition present on both sides: the same set both ways, and
 * the same number of rows (samples and histogram buckets have no key, so a
 * duplicated row would pass a set comparison).
 */
#define CHILD_CONFLICTS(table, cols, xcols)					\
	REP_NAME("SELECT rep_id FROM ("						\
		 " SELECT mr.out_id AS rep_id, " xcols " FROM temp.in_" table " x"	\
		 " JOIN temp.map_rep mr ON mr.in_id = x.rep_id WHERE NOT mr.is_new"	\
		 " EXCEPT SELECT rep_id, " cols " FROM main." table			\
		 " WHERE rep_id IN (SELECT out_id FROM temp.map_rep WHERE NOT is_new))"	\
		 " UNION SELECT rep_id FROM ("					\
		 " SELECT rep_id, " cols " FROM main." table			\
		 " WHERE rep_id IN (SELECT out_id FROM temp.map_rep WHERE NOT is_new)"	\
		 " EXCEPT SELECT mr.out_id, " xcols " FROM temp.in_" table " x"	\
		 " JOIN temp.map_rep mr ON mr.in_id = x.rep_id WHERE NOT mr.is_new)"	\
		 " UNION SELECT mr.out_id FROM temp.map_rep mr WHERE NOT mr.is_new AND"	\
		 " (SELECT count(*) FROM temp.in_" table " WHERE rep_id = mr.in_id) !="	\
		 " (SELECT count(*) FROM main." table " WHERE rep_id = mr.out_id)", table)

static const char *const child_conflicts[] = {
	CHILD_CONFLICTS("metrics", "name, value, unit", "x.name, x.value, x.unit"),
	CHILD_CONFLICTS("samples", "series, unit, t_ns, value", "x.series, x.unit, x.t_ns, x.value"),
	CHILD_CONFLICTS("histograms", "name, unit, lo, hi, count",
			"x.name, x.unit, x.lo, x.hi, x.count"),
	CHILD_CONFLICTS("notes", "key, value", "x.key, x.value"),
};

/* ---- the steps, in order; each one statement on OUT's connection ---- */

struct step {
	const char *sql;
	int64_t *count;		/* add sqlite3_changes() here, or NULL */
};

static int exec_step(struct store *st, const char *sql, int64_t *count)
{
	if (store_exec(st, sql))
		return -1;
	if (count)
		*count += sqlite3_changes(st->db);
	return 0;
}

/* "INSERT INTO <table>(<cols>) VALUES (?, ...)" for ncol values */
static char *insert_sql(const char *table, const char *cols, int ncol)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_addf(&sb, "INSERT INTO %s%s%s%s VALUES (", table, cols ? "(" : "", cols ? cols : "",
		  cols ? ")" : "");
	for (int c = 0; c < ncol; c++)
		sbuf_add(&sb, c ? ", ?" : "?");
	sbuf_add(&sb, ")");
	return sbuf_detach(&sb);
}

/*
 * Copy rows of `table` of `in` into temp.in_<table> of `out`: all of them,
 * or (ids != NULL) those of the repetitions ids[0..n).
 */
static int copy_table(struct store *out, struct store *in, const char *table,
		      const int64_t *ids, size_t n)
{
	char *sql = ids ? xasprintf("SELECT * FROM main.%s WHERE rep_id = ?1 ORDER BY rowid", table)
			: xasprintf("SELECT * FROM main.%s ORDER BY rowid", table);
	char *tname = xasprintf("temp.in_%s", table);
	sqlite3_stmt *sel = store_prepare(in, sql), *ins = NULL;
	int rc = SQLITE_DONE, ncol, ret = -1;

	free(sql);
	if (!sel)
		goto out;
	ncol = sqlite3_column_count(sel);
	sql = insert_sql(tname, NULL, ncol);
	ins = store_prepare(out, sql);
	free(sql);
	if (!ins)
		goto out;
	for (size_t i = 0; i < (ids ? n : 1); i++) {
		sqlite3_reset(sel);
		if (ids)
			sqlite3_bind_int64(sel, 1, ids[i]);
		while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
			sqlite3_reset(ins);
			for (int c = 0; c < ncol; c++)
				sqlite3_bind_value(ins, c + 1, sqlite3_column_value(sel, c));
			if (sqlite3_step(ins) != SQLITE_DONE) {
				store_dberr(out, "cannot stage rows for");
				goto out;
			}
		}
		if (rc != SQLITE_DONE)
			break;
	}
	if (rc != SQLITE_DONE) {
		store_dberr(in, "cannot read");
		goto out;
	}
	ret = 0;
out:
	free(tname);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ret;
}

/* in_id -> out_id of the input's repetitions that OUT has (is_new 0) or has now (1). */
struct rep_map {
	int64_t *in, *out;
	size_t n;
};

static int load_rep_map(struct store *st, int is_new, struct rep_map *m)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT in_id, out_id FROM temp.map_rep WHERE is_new = ?1 "
					    "ORDER BY in_id");
	size_t cap = 0;
	int rc;
	memset(m, 0, sizeof(*m));
	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, is_new);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (m->n == cap) {
			cap = cap ? 2 * cap : 64;
			m->in = xrealloc(m->in, cap * sizeof(*m->in));
			m->out = xrealloc(m->out, cap * sizeof(*m->out));
		}
		m->in[m->n] = sqlite3_column_int64(s, 0);
		m->out[m->n++] = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_dberr(st, "cannot read the staged rows of");
}

static void free_rep_map(struct rep_map *m)
{
	free(m->in);
	free(m->out);
}

/* out_id for in_id, or 0 */
static int64_t rep_map_find(const struct rep_map *m, int64_t in_id)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->in[mid] == in_id)
			return m->out[mid];
		if (m->in[mid] < in_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * The bulky tables (a time series is 10^3 rows a repetition) are not staged
 * whole: the rows of repetitions OUT already has are staged to be compared,
 * the rows of new ones go straight from the input into OUT.
 */
static const struct { const char *table, *cols; int ncol; } bulky[] = {
	{ "samples", "series, unit, t_ns, value", 4 },
	{ "histograms", "name, unit, lo, hi, count", 5 },
};

static int copy_new_rows(struct store *st, struct store *in, const struct rep_map *m, size_t b,
			 int64_t *count)
{
	char *sql = xasprintf("SELECT rep_id, %s FROM main.%s ORDER BY rowid", bulky[b].cols,
			      bulky[b].table);
	char *tname = xasprintf("main.%s", bulky[b].table);
	char *cols = xasprintf("rep_id, %s", bulky[b].cols);
	sqlite3_stmt *sel = store_prepare(in, sql), *ins = NULL;
	int rc = SQLITE_DONE, ret = -1;

	free(sql);
	if (!sel)
		goto out;
	sql = insert_sql(tname, cols, bulky[b].ncol + 1);
	ins = store_prepare(st, sql);
	free(sql);
	if (!ins)
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t to = rep_map_find(m, sqlite3_column_int64(sel, 0));
		if (!to)
			continue;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, to);
		for (int c = 1; c <= bulky[b].ncol; c++)
			sqlite3_bind_value(ins, c + 1, sqlite3_column_value(sel, c));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			store_dberr(st, "cannot store rows in");
			goto out;
		}
		(*count)++;
	}
	if (rc != SQLITE_DONE) {
		store_dberr(in, "cannot read");
		goto out;
	}
	ret = 0;
out:
	free(tname);
	free(cols);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ret;
}

/* Run a conflict query; count its rows, keep the first line. */
static int conflicts(struct store *st, const char *sql, int64_t *n, char **first)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int rc;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!*first)
			*first = store_col_strdup(s, 0);
		(*n)++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_dberr(st, "cannot compare rows of");
	return 0;
}

struct merge_ctx {
	struct store *out;
	struct store_merge_stats *stats;
	int64_t updates;	/* rows of OUT changed, new or updated */
};

/* Every row of one input must carry its stable id. */
static int input_ids_ok(struct store *in)
{
	sqlite3_stmt *s = store_prepare(in, "SELECT (SELECT count(*) FROM sessions WHERE uuid IS NULL)"
					    " + (SELECT count(*) FROM runs WHERE uuid IS NULL)");
	int64_t missing = -1;
	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		missing = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (missing)
		return error("cannot merge '%s': %lld session or run rows have no uuid (set to NULL by "
			     "hand?)", store_path(in), (long long)missing);
	return 0;
}

static int merge_one(struct merge_ctx *m, struct store *in)
{
	struct store *st = m->out;
	struct store_merge_stats *c = m->stats;
	int64_t nconf = 0, scratch = 0;
	struct rep_map map;
	char *first = NULL;
	const struct step pre[] = {
		/* hosts: deduplicated on the fingerprint hash */
		{ "INSERT INTO main.hosts(hash, hostname, label, kernel_release, kernel_describe,"
		  " cpu_model, fingerprint, first_seen) SELECT hash, hostname, label, kernel_release,"
		  " kernel_describe, cpu_model, fingerprint, first_seen FROM temp.in_hosts i"
		  " WHERE NOT EXISTS (SELECT 1 FROM main.hosts o WHERE o.hash = i.hash) ORDER BY i.id",
		  &c->hosts },
		{ "INSERT INTO temp.map_host SELECT i.id, o.id FROM temp.in_hosts i"
		  " JOIN main.hosts o ON o.hash = i.hash", NULL },
		{ "INSERT INTO temp.map_session(in_id, out_id) SELECT i.id, o.id FROM temp.in_sessions i"
		  " JOIN main.sessions o ON o.uuid = i.uuid", NULL },
		{ "INSERT INTO temp.map_run(in_id, out_id) SELECT i.id, o.id FROM temp.in_runs i"
		  " JOIN main.runs o ON o.uuid = i.uuid", NULL },
		{ "INSERT INTO temp.map_rep(in_id, out_id, run_out, rep) SELECT i.id, o.id, mr.out_id,"
		  " i.rep FROM temp.in_reps i JOIN temp.map_run mr ON mr.in_id = i.run_id"
		  " JOIN main.reps o ON o.run_id = mr.out_id AND o.rep = i.rep", NULL },
	};
	const struct step post[] = {
		/* the side further along decides status and finished time: more
		 * repetitions, or as many and finished later (a run that was
		 * merged while it ran, then ended) */
		{ "UPDATE temp.map_run SET take_in = 1 FROM ("
		  " SELECT mr.in_id AS id,"
		  "  (SELECT count(*) FROM temp.in_reps WHERE run_id = mr.in_id) AS n_in,"
		  "  (SELECT count(*) FROM main.reps WHERE run_id = mr.out_id) AS n_out,"
		  "  coalesce(i.finished, '') AS f_in, coalesce(o.finished, '') AS f_out"
		  " FROM temp.map_run mr JOIN temp.in_runs i ON i.id = mr.in_id"
		  " JOIN main.runs o ON o.id = mr.out_id) AS x"
		  " WHERE map_run.in_id = x.id AND (x.n_in > x.n_out OR"
		  "  (x.n_in = x.n_out AND x.f_in > x.f_out))", NULL },
		{ "UPDATE temp.map_session SET take_in = 1 FROM ("
		  " SELECT ms.in_id AS id,"
		  "  (SELECT count(*) FROM temp.in_reps p JOIN temp.in_runs r ON r.id = p.run_id"
		  "   WHERE r.session_id = ms.in_id) AS n_in,"
		  "  (SELECT count(*) FROM main.reps p JOIN main.runs r ON r.id = p.run_id"
		  "   WHERE r.session_id = ms.out_id) AS n_out,"
		  "  coalesce(i.finished, '') AS f_in, coalesce(o.finished, '') AS f_out"
		  " FROM temp.map_session ms JOIN temp.in_sessions i ON i.id = ms.in_id"
		  " JOIN main.sessions o ON o.id = ms.out_id) AS x"
		  " WHERE map_session.in_id = x.id AND (x.n_in > x.n_out OR"
		  "  (x.n_in = x.n_out AND x.f_in > x.f_out))", NULL },
		/* new sessions and runs, in their input order */
		{ "INSERT INTO main.sessions(host_id, started, finished, status, cmdline, jobfile,"
		  " jobfile_hash, tool_version, uuid, shard) SELECT mh.out_id, i.started, i.finished,"
		  " i.status, i.cmdline, i.jobfile, i.jobfile_hash, i.tool_version, i.uuid, i.shard"
		  " FROM temp.in_sessions i JOIN temp.map_host mh ON mh.in_id = i.host_id"
		  " WHERE i.id NOT IN (SELECT in_id FROM temp.map_session) ORDER BY i.id",
		  &c->sessions },
		{ "INSERT INTO temp.map_session(in_id, out_id) SELECT i.id, o.id FROM temp.in_sessions i"
		  " JOIN main.sessions o ON o.uuid = i.uuid"
		  " WHERE i.id NOT IN (SELECT in_id FROM temp.map_session)", NULL },
		{ "INSERT INTO main.runs(session_id, host_id, created, finished, backend, strategy,"
		  " workload, label, job, seed, reps, warmup, reps_done, reps_failed, status, reason,"
		  " params, reproduce, tool_version, is_model, uuid)"
		  " SELECT ms.out_id, mh.out_id, i.created, i.finished, i.backend, i.strategy,"
		  " i.workload, i.label, i.job, i.seed, i.reps, i.warmup, i.reps_done, i.reps_failed,"
		  " i.status, i.reason, i.params, i.reproduce, i.tool_version, i.is_model, i.uuid"
		  " FROM temp.in_runs i JOIN temp.map_host mh ON mh.in_id = i.host_id"
		  " LEFT JOIN temp.map_session ms ON ms.in_id = i.session_id"
		  " WHERE i.id NOT IN (SELECT in_id FROM temp.map_run) ORDER BY i.id", &c->runs },
		{ "INSERT INTO temp.map_run(in_id, out_id, is_new) SELECT i.id, o.id, 1"
		  " FROM temp.in_runs i JOIN main.runs o ON o.uuid = i.uuid"
		  " WHERE i.id NOT IN (SELECT in_id FROM temp.map_run)", NULL },
		{ "INSERT INTO main.run_params(run_id, key, value) SELECT mr.out_id, p.key, p.value"
		  " FROM temp.in_run_params p JOIN temp.map_run mr ON mr.in_id = p.run_id"
		  " WHERE mr.is_new ORDER BY p.rowid", &scratch },
		/* new repetitions (of new runs, or missing from a run OUT has) */
		{ "INSERT INTO main.reps(run_id, rep, seed, status, reason, wall_ns, finished)"
		  " SELECT mr.out_id, i.rep, i.seed, i.status, i.reason, i.wall_ns, i.finished"
		  " FROM temp.in_reps i JOIN temp.map_run mr ON mr.in_id = i.run_id"
		  " WHERE i.id NOT IN (SELECT in_id FROM temp.map_rep) ORDER BY i.id", &c->reps },
		{ "INSERT INTO temp.map_rep(in_id, out_id, run_out, rep, is_new)"
		  " SELECT i.id, o.id, mr.out_id, i.rep, 1 FROM temp.in_reps i"
		  " JOIN temp.map_run mr ON mr.in_id = i.run_id"
		  " JOIN main.reps o ON o.run_id = mr.out_id AND o.rep = i.rep"
		  " WHERE i.id NOT IN (SELECT in_id FROM temp.map_rep)", NULL },
		{ "INSERT INTO main.metrics(rep_id, name, value, unit) SELECT mr.out_id, x.name, x.value,"
		  " x.unit FROM temp.in_metrics x JOIN temp.map_rep mr ON mr.in_id = x.rep_id"
		  " WHERE mr.is_new ORDER BY x.rowid", &scratch },
		{ "INSERT INTO main.notes(rep_id, key, value) SELECT mr.out_id, x.key, x.value"
		  " FROM temp.in_notes x JOIN temp.map_rep mr ON mr.in_id = x.rep_id"
		  " WHERE mr.is_new ORDER BY x.rowid", &scratch },
		/* runs OUT had and the input took further */
		{ "UPDATE main.runs SET status = i.status, reason = i.reason, finished = i.finished"
		  " FROM temp.map_run mr JOIN temp.in_runs i ON i.id = mr.in_id"
		  " WHERE main.runs.id = mr.out_id AND mr.take_in AND NOT mr.is_new",
		  &c->runs_updated },
		{ "UPDATE main.runs SET"
		  " reps_done = (SELECT count(*) FROM main.reps p WHERE p.run_id = runs.id"
		  "              AND p.status = 'ok'),"
		  " reps_failed = (SELECT count(*) FROM main.reps p WHERE p.run_id = runs.id"
		  "                AND p.status = 'failed')"
		  " WHERE id IN (SELECT run_out FROM temp.map_rep WHERE is_new)", &scratch },
		{ "UPDATE main.sessions SET status = i.status, finished = i.finished"
		  " FROM temp.map_session ms JOIN temp.in_sessions i ON i.id = ms.in_id"
		  " WHERE main.sessions.id = ms.out_id AND ms.take_in"
		  " AND (main.sessions.status IS NOT i.status OR main.sessions.finished IS NOT i.finished)",
		  &scratch },
	};
	const char *conflict_sql[4 + ARRAY_SIZE(child_conflicts)] = {
		session_conflicts, run_conflicts, run_param_conflicts, rep_conflicts,
	};
	int64_t before = c->hosts + c->sessions + c->runs + c->reps + c->runs_updated + scratch;

	for (size_t i = 0; i < ARRAY_SIZE(child_conflicts); i++)
		conflict_sql[4 + i] = child_conflicts[i];

	if (store_exec(st, "DELETE FROM temp.map_host; DELETE FROM temp.map_session;"
			   "DELETE FROM temp.map_run; DELETE FROM temp.map_rep;") ||
	    store_exec(st, temp_unindex_sql))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		char *sql = xasprintf("DELETE FROM temp.in_%s", tables[i]);
		bool big = false;
		int r = store_exec(st, sql);
		free(sql);
		for (size_t b = 0; b < ARRAY_SIZE(bulky); b++)
			big |= !strcmp(tables[i], bulky[b].table);
		if (r || (!big && copy_table(st, in, tables[i], NULL, 0)))
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(pre); i++)
		if (exec_step(st, pre[i].sql, pre[i].count))
			return -1;
	/* the bulky rows of the repetitions both sides have, to compare them */
	if (load_rep_map(st, 0, &map))
		return -1;
	for (size_t b = 0; b < ARRAY_SIZE(bulky) && map.n; b++)
		if (copy_table(st, in, bulky[b].table, map.in, map.n)) {
			free_rep_map(&map);
			return -1;
		}
	free_rep_map(&map);
	if (store_exec(st, temp_index_sql))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(conflict_sql); i++)
		if (conflicts(st, conflict_sql[i], &nconf, &first)) {
			free(first);
			return -1;
		}
	if (nconf) {
		char more[64] = "";
		if (nconf > 1)
			snprintf(more, sizeof(more), ", and %lld more conflicting row%s",
				 (long long)(nconf - 1), nconf > 2 ? "s" : "");
		error("cannot merge '%s' into '%s': %s (same id, other content%s); nothing was "
		      "merged", store_path(in), store_path(st), first, more);
		free(first);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(post); i++)
		if (exec_step(st, post[i].sql, post[i].count))
			return -1;
	if (load_rep_map(st, 1, &map))
		return -1;
	for (size_t b = 0; b < ARRAY_SIZE(bulky) && map.n; b++)
		if (copy_new_rows(st, in, &map, b, &scratch)) {
			free_rep_map(&map);
			return -1;
		}
	free_rep_map(&map);
	m->updates += c->hosts + c->sessions + c->runs + c->reps + c->runs_updated + scratch - before;
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void remove_db(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		char *p = xasprintf("%s%s", path, sfx[i]);
		unlink(p);
		free(p);
	}
}

int store_merge(const char *out, const char *const *in, size_t nin,
		struct store_merge_stats *stats)
{
	struct store **ins = xcalloc(nin + 1, sizeof(*ins));
	struct store *st = NULL;
	struct merge_ctx m = { .stats = stats };
	bool created = false, began = false;
	struct stat sb;
	int ret = -1;

	memset(stats, 0, sizeof(*stats));
	/* every input first: a bad one is refused before OUT is even opened */
	for (size_t i = 0; i < nin; i++) {
		if (same_file(in[i], out)) {
			error("cannot merge '%s' into itself ('%s')", in[i], out);
			goto out;
		}
		if (store_open(in[i], STORE_READONLY, &ins[i]))
			goto out;
		if (store_check(ins[i], false)) {
			error("cannot merge '%s': it is damaged (see above); nothing was merged", in[i]);
			goto out;
		}
		if (input_ids_ok(ins[i]))
			goto out;
	}
	created = stat(out, &sb) && errno == ENOENT;
	if (store_open(out, STORE_CREATE, &st))
		goto out;
	if (!created && store_check(st, false)) {
		error("cannot merge into '%s': it is damaged (see above); nothing changed", out);
		goto out;
	}
	m.out = st;
	/* the staged copy of one input lives in memory (the bulky rows are not
	 * staged); OUT's own pages spill to its log as usual, uncommitted */
	if (store_exec(st, "PRAGMA temp_store = MEMORY") ||
	    store_exec(st, temp_sql))
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		char *sql = xasprintf("CREATE TEMP TABLE in_%s AS SELECT * FROM main.%s WHERE 0",
				      tables[i], tables[i]);
		int r = store_exec(st, sql);
		free(sql);
		if (r)
			goto out;
	}
	if (store_begin(st))
		goto out;
	began = true;
	for (size_t i = 0; i < nin; i++) {
		/* one snapshot of the input, even if a run is still writing it */
		int r = store_exec(ins[i], "BEGIN");
		if (!r)
			r = merge_one(&m, ins[i]);
		store_rollback(ins[i]);
		if (r)
			goto out;
	}
	if (!m.updates) {
		ret = 0;	/* nothing new: leave the file exactly as it was */
		goto out;
	}
	/* the integrity check sees this transaction's rows: commit only a sound file */
	if (store_check(st, false)) {
		error("cannot merge into '%s': the merged database fails its integrity check (see "
		      "above); nothing changed", out);
		goto out;
	}
	if (store_commit(st))
		goto out;
	began = false;
	ret = 0;
out:
	if (began)
		store_rollback(st);
	store_close(st);
	for (size_t i = 0; i < nin; i++)
		store_close(ins[i]);
	free(ins);
	if (ret && created)
		remove_db(out);
	return ret;
}
