/* Unit tests: stable ids (schema 2, the migration from 1) and store_merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/params.h"
#include "lib/result.h"
#include "lib/util.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/tdxbench-merge-XXXXXX";

static int setup_dir(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* SQL through the plain sqlite API, as a user with the shell would. */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* The first column of the first row, as a malloc'd string ("" for none). */
static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *out;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		out = xstrdup((const char *)sqlite3_column_text(s, 0));
	else
		out = xstrdup("");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

static int64_t raw_int(const char *path, const char *sql)
{
	char *t = raw_text(path, sql);
	int64_t v = strtoll(t, NULL, 10);
	free(t);
	return v;
}

static void copy_file(const char *from, const char *to)
{
	char *cmd = xasprintf("cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static char *slurp(const char *path, size_t *len)
{
	char *b = read_file(path, len);
	assert_non_null(b);
	return b;
}

/*
 * A database as one `tdxbench run` leaves it: host `hash`, one session, two
 * runs with `reps` repetitions each (metrics, samples, a histogram, a note).
 */
static void make_db(const char *path, const char *hash, int reps, double base)
{
	struct store *st;
	struct host_info h = { .hash = hash, .hostname = "box", .kernel_release = "6.19",
			       .cpu_model = "Test CPU", .json = "{}" };
	struct session_info si = { .cmdline = "tdxbench run x.ini", .tool_version = "t" };
	struct params p = PARAMS_INIT;
	int64_t host, sess;
	char err[64];

	assert_int_equal(params_parse_assignments(&p, "mem=1G", err, sizeof(err)), 0);
	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);
	assert_int_equal(store_host_upsert(st, &h, &host), 0);
	si.host_id = host;
	assert_int_equal(store_session_begin(st, &si, &sess), 0);
	for (int r = 0; r < 2; r++) {
		struct run_info ri = { .session_id = sess, .host_id = host, .backend = "sim",
				       .strategy = r ? "sean-v5" : "dpamt-v6", .workload = "boot",
				       .seed = 1, .reps = 3, .params = &p, .is_model = true };
		int64_t run;
		assert_int_equal(store_run_create(st, &ri, &run), 0);
		for (int k = 0; k < reps; k++) {
			struct run_result res;
			int ser, hi;
			result_init(&res);
			result_metric(&res, "pamt_add", base + 10 * r + k, "count");
			ser = result_series(&res, "dpamt_bytes", "bytes");
			result_sample(&res, ser, 0, 1);
			result_sample(&res, ser, 10, 2);
			hi = result_hist(&res, "fault_ns", "ns");
			result_bucket(&res, hi, 0, 100, 7);
			result_note(&res, "k", "v%d", k);
			assert_int_equal(store_rep_commit(st, run, k, 100 + k, "ok", NULL, 5, &res), 0);
			result_free(&res);
		}
		assert_int_equal(store_run_set_status(st, run, reps == 3 ? "done" : "interrupted",
						      NULL), 0);
	}
	assert_int_equal(store_session_finish(st, sess, reps == 3 ? "done" : "interrupted"), 0);
	store_close(st);
	params_free(&p);
}

static bool is_uuid(const char *u, char version)
{
	if (strlen(u) != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-')
		return false;
	return u[14] == version && strchr("89ab", u[19]);
}

static void test_ids(void **state)
{
	char *db = tpath("ids.db"), *u1, *u2, *u3;

	make_db(db, "h1", 1, 0);
	u1 = raw_text(db, "SELECT uuid FROM sessions");
	u2 = raw_text(db, "SELECT uuid FROM runs WHERE id = 1");
	u3 = raw_text(db, "SELECT uuid FROM runs WHERE id = 2");
	assert_true(is_uuid(u1, '4'));
	assert_true(is_uuid(u2, '4'));
	assert_string_not_equal(u2, u3);
	/* rows written with the sqlite3 shell get one too */
	raw_sql(db, "INSERT INTO sessions(host_id, started, cmdline, tool_version) "
		    "VALUES (1, 'now', 'by hand', 'x')");
	free(u3);
	u3 = raw_text(db, "SELECT uuid FROM sessions WHERE cmdline = 'by hand'");
	assert_true(is_uuid(u3, '4'));
	assert_int_equal(raw_int(db, "SELECT count(DISTINCT uuid) FROM sessions"), 2);
	free(u1);
	free(u2);
	free(u3);
	free(db);
}

/* Take a schema-2 file back to what schema 1 looked like. */
static void downgrade_to_v1(const char *path)
{
	raw_sql(path, "DROP TRIGGER sessions_uuid; DROP TRIGGER runs_uuid;"
		      "DROP INDEX sessions_uuid; DROP INDEX runs_uuid;"
		      "ALTER TABLE sessions DROP COLUMN uuid; ALTER TABLE sessions DROP COLUMN shard;"
		      "ALTER TABLE runs DROP COLUMN uuid;"
		      "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
		      "PRAGMA user_version = 1;");
}

static void test_migrate_v1(void **state)
{
	char *a = tpath("v1a.db"), *b = tpath("v1b.db");
	struct store *st;
	char *ua, *ub;

	make_db(a, "h1", 2, 0);
	downgrade_to_v1(a);
	assert_int_equal(raw_int(a, "PRAGMA user_version"), 1);
	copy_file(a, b);
	/* read-only opens never migrate */
	assert_int_equal(store_open(a, STORE_READONLY, &st), -1);
	assert_int_equal(store_open(a, 0, &st), 0);
	assert_int_equal(store_check(st, false), 0);
	store_close(st);
	assert_int_equal(store_open(b, 0, &st), 0);
	store_close(st);
	assert_int_equal(raw_int(a, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(a, "SELECT count(*) FROM runs WHERE uuid IS NULL"), 0);
	assert_int_equal(raw_int(a, "SELECT count(DISTINCT uuid) FROM runs"), 2);
	/* content hashes: two copies migrated apart agree, so they merge as one */
	ua = raw_text(a, "SELECT group_concat(uuid) FROM (SELECT uuid FROM runs ORDER BY id)");
	ub = raw_text(b, "SELECT group_concat(uuid) FROM (SELECT uuid FROM runs ORDER BY id)");
	assert_string_equal(ua, ub);
	free(ua);
	free(ub);
	ua = raw_text(a, "SELECT uuid FROM runs WHERE id = 2");
	assert_true(is_uuid(ua, '8'));
	free(ua);
	ua = raw_text(a, "SELECT uuid FROM sessions");
	ub = raw_text(b, "SELECT uuid FROM sessions");
	assert_string_equal(ua, ub);
	free(ua);
	free(ub);
	free(a);
	free(b);
}

static void test_merge_idempotent(void **state)
{
	char *a = tpath("ma.db"), *b = tpath("mb.db"), *c = tpath("mc.db"), *out = tpath("mo.db");
	const char *in[] = { a, b, c };
	struct store_merge_stats ms;
	char *before, *after;
	size_t lb, la;

	make_db(a, "h1", 3, 0);
	make_db(b, "h1", 3, 100);	/* the same host */
	make_db(c, "h2", 3, 200);
	assert_int_equal(store_merge(out, in, 3, &ms), 0);
	assert_int_equal(ms.hosts, 2);		/* h1 once */
	assert_int_equal(ms.sessions, 3);
	assert_int_equal(ms.runs, 6);
	assert_int_equal(ms.reps, 18);
	assert_int_equal(ms.runs_updated, 0);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM metrics"), 18);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM samples"), 36);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM histograms"), 18);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM notes"), 18);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM run_params"), 6);
	/* the rows are the inputs', under the right runs */
	assert_int_equal(raw_int(out, "SELECT sum(m.value) FROM metrics m JOIN reps p ON p.id = m.rep_id "
				      "JOIN runs r ON r.id = p.run_id WHERE r.strategy = 'sean-v5'"),
			 3 * (10 + 11 + 12) + 300 * 3);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM runs r JOIN hosts h ON h.id = r.host_id "
				      "WHERE h.hash = 'h2'"), 2);

	/* again: nothing new, not one byte changed */
	before = slurp(out, &lb);
	assert_int_equal(store_merge(out, in, 3, &ms), 0);
	assert_int_equal(ms.hosts + ms.sessions + ms.runs + ms.reps + ms.runs_updated, 0);
	after = slurp(out, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
	free(a);
	free(b);
	free(c);
	free(out);
}

static void test_merge_conflict(void **state)
{
	char *a = tpath("ca.db"), *bad = tpath("cbad.db"), *out = tpath("co.db");
	char *fresh = tpath("cfresh.db");
	const char *in1[] = { a }, *in2[] = { bad }, *in3[] = { a, bad };
	struct store_merge_stats ms;
	char *before, *after;
	size_t lb, la;
	struct stat sb;

	make_db(a, "h1", 3, 0);
	copy_file(a, bad);
	raw_sql(bad, "UPDATE metrics SET value = value + 1 WHERE rowid = 2");
	assert_int_equal(store_merge(out, in1, 1, &ms), 0);
	before = slurp(out, &lb);
	assert_int_equal(store_merge(out, in2, 1, &ms), -1);
	after = slurp(out, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
	/* rows differing only as multisets: OUT's rep has one sample twice, the
	 * input has it once and another: as many rows, each of OUT's in IN */
	before = slurp(out, &lb);
	{
		char *dup = tpath("cdup.db");
		const char *ind[] = { dup };
		copy_file(out, dup);
		raw_sql(dup, "UPDATE samples SET t_ns = 0, value = 1 WHERE rowid = "
			     "(SELECT max(rowid) FROM samples WHERE rep_id = 1)");
		assert_int_equal(raw_int(dup, "SELECT count(*) FROM samples WHERE rep_id = 1 "
					      "AND t_ns = 0 AND value = 1"), 2);
		assert_int_equal(store_merge(dup, in1, 1, &ms), -1);
		assert_int_equal(store_merge(out, ind, 1, &ms), -1);
		free(dup);
	}
	after = slurp(out, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
	/* a new OUT that cannot be merged into is not left behind */
	assert_int_equal(store_merge(fresh, in3, 2, &ms), -1);
	assert_int_equal(stat(fresh, &sb), -1);
	/* not into itself, not from something that is not a database */
	assert_int_equal(store_merge(out, (const char *[]){ out }, 1, &ms), -1);
	{
		char *junk = tpath("junk.db");
		FILE *f = fopen(junk, "w");
		assert_non_null(f);
		fputs("not a database\n", f);
		fclose(f);
		assert_int_equal(store_merge(out, (const char *[]){ junk }, 1, &ms), -1);
		free(junk);
	}
	free(a);
	free(bad);
	free(out);
	free(fresh);
}

/* An interrupted run merged, then finished where it started: the rest comes over. */
static void test_merge_union(void **state)
{
	char *part = tpath("upart.db"), *full = tpath("ufull.db"), *out = tpath("uout.db");
	const char *in1[] = { part }, *in2[] = { full };
	struct store_merge_stats ms;
	struct store *st;
	struct run_result res;

	make_db(part, "h1", 2, 0);
	copy_file(part, full);
	assert_int_equal(store_open(full, 0, &st), 0);
	for (int run = 1; run <= 2; run++) {
		result_init(&res);
		result_metric(&res, "pamt_add", 99, "count");
		assert_int_equal(store_rep_commit(st, run, 2, 102, "ok", NULL, 5, &res), 0);
		result_free(&res);
		assert_int_equal(store_run_set_status(st, run, "done", NULL), 0);
	}
	assert_int_equal(store_session_finish(st, 1, "done"), 0);
	store_close(st);

	assert_int_equal(store_merge(out, in1, 1, &ms), 0);
	assert_int_equal(ms.reps, 4);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), 2);
	assert_int_equal(store_merge(out, in2, 1, &ms), 0);
	assert_int_equal(ms.runs, 0);
	assert_int_equal(ms.reps, 2);
	assert_int_equal(ms.runs_updated, 2);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM runs WHERE status = 'done' "
				      "AND reps_done = 3"), 2);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM sessions WHERE status = 'done'"), 1);
	/* the older, shorter copy adds nothing and takes nothing back */
	assert_int_equal(store_merge(out, in1, 1, &ms), 0);
	assert_int_equal(ms.reps + ms.runs_updated, 0);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM runs WHERE status = 'done'"), 2);
	free(part);
	free(full);
	free(out);
}

/* Merged while it ran, every repetition already in: the end status still comes over. */
static void test_merge_status_only(void **state)
{
	char *mid = tpath("smid.db"), *end = tpath("send.db"), *out = tpath("sout.db");
	const char *in1[] = { mid }, *in2[] = { end };
	struct store_merge_stats ms;

	make_db(end, "h1", 3, 0);
	copy_file(end, mid);
	raw_sql(mid, "UPDATE runs SET status = 'running', finished = NULL;"
		     "UPDATE sessions SET status = 'running', finished = NULL;");
	assert_int_equal(store_merge(out, in1, 1, &ms), 0);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM runs WHERE status = 'running'"), 2);
	assert_int_equal(store_merge(out, in2, 1, &ms), 0);
	assert_int_equal(ms.reps, 0);
	assert_int_equal(ms.runs_updated, 2);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM runs WHERE status = 'done' "
				      "AND finished IS NOT NULL"), 2);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM sessions WHERE status = 'done'"), 1);
	/* and back: the earlier state takes nothing back */
	assert_int_equal(store_merge(out, in1, 1, &ms), 0);
	assert_int_equal(ms.runs_updated, 0);
	assert_int_equal(raw_int(out, "SELECT count(*) FROM runs WHERE status = 'done'"), 2);
	free(mid);
	free(end);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_migrate_v1),
		cmocka_unit_test(test_merge_idempotent),
		cmocka_unit_test(test_merge_conflict),
		cmocka_unit_test(test_merge_union),
		cmocka_unit_test(test_merge_status_only),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
