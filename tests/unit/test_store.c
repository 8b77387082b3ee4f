/* Unit tests: the sqlite store — round trips, filters, atomic reps, version checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/params.h"
#include "lib/result.h"
#include "lib/util.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/tdxbench-store-XXXXXX";

static int setup_dir(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
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

static void write_bytes(const char *path, const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
}

/* Run SQL with the plain sqlite API, as a user with the shell would. */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t add_host(struct store *st, const char *hash, const char *label, const char *kernel)
{
	struct host_info h = {
		.hash = hash, .hostname = "box", .label = label, .kernel_release = kernel,
		.cpu_model = "Test CPU", .json = "{\"cpu\":{\"model\":\"Test CPU\"}}",
	};
	int64_t id = 0;
	assert_int_equal(store_host_upsert(st, &h, &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t add_run(struct store *st, int64_t host, int64_t session, const char *backend,
		       const char *strategy, const char *workload, const char *params)
{
	struct params p = PARAMS_INIT;
	char err[128];
	int64_t id = 0;
	struct run_info r = {
		.session_id = session, .host_id = host, .backend = backend, .strategy = strategy,
		.workload = workload, .seed = 0xfedcba9876543210ULL, .reps = 3, .warmup = 1,
		.params = &p, .reproduce = "tdxbench run x", .is_model = !strcmp(backend, "sim"),
	};
	if (params)
		assert_int_equal(params_parse_assignments(&p, params, err, sizeof(err)), 0);
	assert_int_equal(store_run_create(st, &r, &id), 0);
	params_free(&p);
	return id;
}

static void test_create_folder_and_schema(void **state)
{
	char *path = tpath("new/sub/t.db");
	struct store *st;
	struct stat sb;

	assert_int_equal(store_open(path, STORE_READONLY, &st), -1);
	assert_int_equal(stat(path, &sb), -1);	/* READONLY never creates */
	assert_int_equal(store_open(path, 0, &st), -1);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_string_equal(store_path(st), path);
	assert_int_equal(store_check(st, false), 0);
	store_close(st);
	assert_int_equal(stat(path, &sb), 0);
	/* reopen read-only, and again for writing: no second migration */
	assert_int_equal(store_open(path, STORE_READONLY, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	store_close(st);
	assert_int_equal(store_open(path, 0, &st), 0);
	assert_int_equal(store_check(st, false), 0);
	store_close(st);
	free(path);
}

struct collect {
	struct sbuf sb;
};

static int collect_sample(void *ctx, int rep, const char *series, const char *unit,
			  double t, double v)
{
	sbuf_addf(&((struct collect *)ctx)->sb, "%d:%s:%s:%g:%g;", rep, series, unit, t, v);
	return 0;
}

static int collect_hist(void *ctx, int rep, const char *h, const char *unit, double lo,
			double hi, uint64_t count)
{
	sbuf_addf(&((struct collect *)ctx)->sb, "%d:%s:%s:%g-%g:%llu;", rep, h, unit, lo, hi,
		  (unsigned long long)count);
	return 0;
}

static int collect_note(void *ctx, int rep, const char *k, const char *v)
{
	sbuf_addf(&((struct collect *)ctx)->sb, "%d:%s=%s;", rep, k, v);
	return 0;
}

static void test_round_trip(void **state)
{
	char *path = tpath("rt.db");
	struct store *st;
	struct run_result res;
	struct run_row *rows;
	struct params p = PARAMS_INIT;
	struct collect c = { SBUF_INIT };
	char **names, **units, *json;
	double *vals;
	int *reps;
	size_t n;
	int64_t host, host2, sess, run;
	struct session_info si = { .cmdline = "tdxbench run --reps 3", .jobfile = "bench/x.ini",
				   .jobfile_hash = "abc", .tool_version = "test-1" };

	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);
	host = add_host(st, "h1", "lab", "6.1.0");
	host2 = add_host(st, "h1", "lab", "6.1.0");
	assert_int_equal(host, host2);	/* stored once */
	si.host_id = host;
	assert_int_equal(store_session_begin(st, &si, &sess), 0);
	run = add_run(st, host, sess, "sim", "sean-v5", "boot", "mem=64G,vcpus=16");
	assert_int_equal(store_run_set_status(st, run, "running", NULL), 0);

	for (int rep = 0; rep < 3; rep++) {
		int ser, h;
		result_init(&res);
		result_metric(&res, "pamt_add", 100 + rep, "count");
		result_metric(&res, "dpamt_bytes_peak", 4096.0 * (rep + 1), "bytes");
		ser = result_series(&res, "dpamt_bytes", "bytes");
		result_sample(&res, ser, 0, 1);
		result_sample(&res, ser, 1000, 2.5);
		h = result_hist(&res, "fault_ns", "ns");
		result_bucket(&res, h, 0, 100, 7);
		result_bucket(&res, h, 100, 200, 3);
		result_note(&res, "conversion_method", "zap+refault");
		assert_int_equal(store_rep_commit(st, run, rep, 1000 + rep, "ok", NULL, 5000, &res), 0);
		result_free(&res);
	}
	assert_int_equal(store_rep_commit(st, run, 3, 9, "failed", "guest crashed", 10, NULL), 0);
	assert_int_equal(store_run_set_status(st, run, "done", NULL), 0);
	assert_int_equal(store_session_finish(st, sess, "done"), 0);

	assert_int_equal(store_runs(st, NULL, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, run);
	assert_int_equal(rows[0].session_id, sess);
	assert_int_equal(rows[0].host_id, host);
	assert_string_equal(rows[0].backend, "sim");
	assert_string_equal(rows[0].strategy, "sean-v5");
	assert_string_equal(rows[0].workload, "boot");
	assert_null(rows[0].label);
	assert_string_equal(rows[0].status, "done");
	assert_string_equal(rows[0].params, "mem=64G,vcpus=16");
	assert_string_equal(rows[0].kernel, "6.1.0");
	assert_string_equal(rows[0].host_label, "lab");
	assert_string_equal(rows[0].cmdline, "tdxbench run --reps 3");
	assert_string_equal(rows[0].reproduce, "tdxbench run x");
	assert_non_null(rows[0].tool_version);
	assert_int_equal(rows[0].seed, 0xfedcba9876543210ULL);
	assert_int_equal(rows[0].reps, 3);
	assert_int_equal(rows[0].reps_done, 3);
	assert_int_equal(rows[0].reps_failed, 1);
	assert_int_equal(rows[0].warmup, 1);
	assert_true(rows[0].is_model);
	assert_int_equal(strlen(rows[0].created), 20);
	store_free_runs(rows, n);

	assert_int_equal(store_run_params(st, run, &p), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(params_get(&p, "mem"), "64G");
	params_free(&p);

	assert_int_equal(store_run_reps(st, run, &reps, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(reps[0], 0);
	assert_int_equal(reps[2], 2);
	free(reps);

	assert_int_equal(store_metric_values(st, run, "pamt_add", &vals, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(vals[0], 100);
	assert_int_equal(vals[1], 101);
	assert_int_equal(vals[2], 102);
	free(vals);

	assert_int_equal(store_run_metric_names(st, run, &names, &units, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "dpamt_bytes_peak");
	assert_string_equal(units[0], "bytes");
	assert_string_equal(names[1], "pamt_add");
	assert_string_equal(units[1], "count");
	store_free_strings(names, n);
	store_free_strings(units, n);

	assert_int_equal(store_run_samples(st, run, 1, collect_sample, &c), 0);
	assert_string_equal(c.sb.buf, "1:dpamt_bytes:bytes:0:1;1:dpamt_bytes:bytes:1000:2.5;");
	sbuf_reset(&c.sb);
	assert_int_equal(store_run_samples(st, run, -1, collect_sample, &c), 0);
	assert_int_equal(strlen(c.sb.buf), 3 * strlen("1:dpamt_bytes:bytes:0:1;1:dpamt_bytes:bytes:1000:2.5;"));
	sbuf_reset(&c.sb);
	assert_int_equal(store_run_hists(st, run, 0, collect_hist, &c), 0);
	assert_string_equal(c.sb.buf, "0:fault_ns:ns:0-100:7;0:fault_ns:ns:100-200:3;");
	sbuf_reset(&c.sb);
	assert_int_equal(store_run_notes(st, run, collect_note, &c), 0);
	assert_string_equal(c.sb.buf, "0:conversion_method=zap+refault;1:conversion_method=zap+refault;"
			    "2:conversion_method=zap+refault;");
	sbuf_free(&c.sb);

	assert_int_equal(store_host_json(st, host, &json), 0);
	assert_string_equal(json, "{\"cpu\":{\"model\":\"Test CPU\"}}");
	free(json);
	assert_int_equal(store_host_json(st, 999, &json), -1);
	assert_int_equal(store_run_set_status(st, 999, "done", NULL), -1);

	{
		struct store_counts cnt;
		assert_int_equal(store_counts(st, &cnt), 0);
		assert_int_equal(cnt.hosts, 1);
		assert_int_equal(cnt.sessions, 1);
		assert_int_equal(cnt.runs, 1);
		assert_int_equal(cnt.run_params, 2);
		assert_int_equal(cnt.reps, 4);
		assert_int_equal(cnt.metrics, 6);
		assert_int_equal(cnt.samples, 6);
		assert_int_equal(cnt.histograms, 6);
		assert_int_equal(cnt.notes, 3);
	}
	assert_int_equal(store_check(st, false), 0);
	store_close(st);
	free(path);
}

static void test_nan_metric(void **state)
{
	char *path = tpath("nan.db");
	struct store *st;
	struct run_result res;
	double *vals;
	size_t n;
	int64_t host, run;

	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);
	host = add_host(st, "h", NULL, "6.1");
	run = add_run(st, host, 0, "kvm", NULL, "random4k", NULL);
	result_init(&res);
	result_metric(&res, "fault_ns_p99", NAN, "ns");
	assert_int_equal(store_rep_commit(st, run, 0, 1, "ok", NULL, 1, &res), 0);
	result_free(&res);
	assert_int_equal(store_metric_values(st, run, "fault_ns_p99", &vals, &n), 0);
	assert_int_equal(n, 1);
	assert_true(isnan(vals[0]));
	free(vals);
	store_close(st);
	free(path);
}

static size_t count(struct store *st, const struct run_filter *f)
{
	struct run_row *rows;
	size_t n;
	assert_int_equal(store_runs(st, f, &rows, &n), 0);
	store_free_runs(rows, n);
	return n;
}

static void test_filters(void **state)
{
	char *path = tpath("filter.db");
	struct store *st;
	struct params terms = PARAMS_INIT;
	int64_t h1, h2, r[6];
	struct run_filter f;

	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);
	h1 = add_host(st, "aaaa1111", "base", "6.8.0");
	h2 = add_host(st, "bbbb2222", "dpamt-v4", "6.12.0-rc1");
	r[0] = add_run(st, h1, 0, "sim", "sean-v5", "boot", "mem=64G,vcpus=16");
	r[1] = add_run(st, h1, 0, "sim", "dpamt-v4", "boot", "mem=64G,vcpus=4");
	r[2] = add_run(st, h1, 0, "sim", "dpamt-v4", "fault2m", "mem=16G,vcpus=16");
	r[3] = add_run(st, h2, 0, "kvm", NULL, "boot", "mem=64G,vcpus=16");
	r[4] = add_run(st, h2, 0, "kvm", NULL, "random4k", NULL);
	r[5] = add_run(st, h2, 0, "sim", "yan-v3", "boot", "mem=64G");
	assert_int_equal(store_run_set_status(st, r[4], "failed", "no /dev/kvm"), 0);

	memset(&f, 0, sizeof(f));
	assert_int_equal(count(st, &f), 6);
	f.id_lo = r[1];
	f.id_hi = r[3];
	assert_int_equal(count(st, &f), 3);
	memset(&f, 0, sizeof(f));
	f.id_lo = r[4];
	assert_int_equal(count(st, &f), 2);
	memset(&f, 0, sizeof(f));
	f.backend = "sim";
	assert_int_equal(count(st, &f), 4);
	f.strategy = "dpamt-*";
	assert_int_equal(count(st, &f), 2);
	f.workload = "boot";
	assert_int_equal(count(st, &f), 1);
	memset(&f, 0, sizeof(f));
	f.status = "failed";
	assert_int_equal(count(st, &f), 1);
	memset(&f, 0, sizeof(f));
	f.kernel = "6.12*";
	assert_int_equal(count(st, &f), 3);
	f.kernel = "6.8.0";
	assert_int_equal(count(st, &f), 3);
	f.kernel = "6.8";	/* exact unless wildcards */
	assert_int_equal(count(st, &f), 0);
	memset(&f, 0, sizeof(f));
	f.host = "dpamt-v4";	/* host label */
	assert_int_equal(count(st, &f), 3);
	f.host = "aaaa";	/* hash prefix */
	assert_int_equal(count(st, &f), 3);
	f.host = "box";		/* hostname */
	assert_int_equal(count(st, &f), 6);

	memset(&f, 0, sizeof(f));
	f.params = &terms;
	params_set(&terms, "mem", "64G");
	assert_int_equal(count(st, &f), 4);
	params_set(&terms, "vcpus", "16");
	assert_int_equal(count(st, &f), 2);	/* every term must match */
	f.backend = "kvm";
	assert_int_equal(count(st, &f), 1);
	params_set(&terms, "nosuch", "1");
	assert_int_equal(count(st, &f), 0);
	params_free(&terms);

	/* user strings are data, never SQL */
	memset(&f, 0, sizeof(f));
	f.workload = "boot' OR '1'='1";
	assert_int_equal(count(st, &f), 0);
	store_close(st);
	free(path);
}

static void test_rep_commit_atomic(void **state)
{
	char *path = tpath("atomic.db");
	struct store *st;
	struct run_result res;
	struct run_row *rows;
	struct store_counts cnt;
	size_t n;
	int64_t host, run;

	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);
	host = add_host(st, "h", NULL, "6.1");
	run = add_run(st, host, 0, "sim", "sean-v5", "boot", NULL);

	/* A result whose second metric collides with the first (result_metric
	 * would have merged them; a buggy backend might not): the insert fails
	 * after the rep row and one metric went in, so all must roll back. */
	result_init(&res);
	result_metric(&res, "a", 1, "count");
	result_metric(&res, "b", 2, "count");
	free(res.metrics[1].name);
	res.metrics[1].name = xstrdup("a");
	assert_int_equal(store_rep_commit(st, run, 0, 1, "ok", NULL, 1, &res), -1);
	result_free(&res);
	assert_int_equal(store_counts(st, &cnt), 0);
	assert_int_equal(cnt.reps, 0);
	assert_int_equal(cnt.metrics, 0);
	assert_int_equal(store_runs(st, NULL, &rows, &n), 0);
	assert_int_equal(rows[0].reps_done, 0);
	store_free_runs(rows, n);

	/* the same rep index then goes in cleanly, once */
	result_init(&res);
	result_metric(&res, "a", 1, "count");
	assert_int_equal(store_rep_commit(st, run, 0, 1, "ok", NULL, 1, &res), 0);
	assert_int_equal(store_rep_commit(st, run, 0, 1, "ok", NULL, 1, &res), -1);
	/* and a rep of a run that does not exist is refused */
	assert_int_equal(store_rep_commit(st, 4242, 0, 1, "ok", NULL, 1, &res), -1);
	result_free(&res);
	assert_int_equal(store_counts(st, &cnt), 0);
	assert_int_equal(cnt.reps, 1);
	assert_int_equal(cnt.metrics, 1);
	assert_int_equal(store_runs(st, NULL, &rows, &n), 0);
	assert_int_equal(rows[0].reps_done, 1);
	store_free_runs(rows, n);
	store_close(st);
	free(path);
}

/* Refused files must come back byte-for-byte. */
static void assert_refused_unchanged(const char *path, unsigned flags)
{
	size_t n1, n2;
	char *before = read_file(path, &n1), *after;
	struct store *st = (struct store *)0x1;
	assert_non_null(before);
	assert_int_equal(store_open(path, flags, &st), -1);
	assert_null(st);
	after = read_file(path, &n2);
	assert_non_null(after);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);
}

static void test_bad_inputs(void **state)
{
	char *text = tpath("notes.txt");
	char *fake = tpath("fake.db");
	char *other = tpath("other.db");
	char *newer = tpath("newer.db");
	char *empty = tpath("empty.db");
	char buf[4096];
	struct store *st;
	unsigned fl[] = { STORE_READONLY, 0, STORE_CREATE };

	write_bytes(text, "hello, not a database\n", 22);
	/* right magic, garbage after it */
	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, "SQLite format 3", 16);
	write_bytes(fake, buf, sizeof(buf));
	raw_sql(other, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
	assert_int_equal(store_open(newer, STORE_CREATE, &st), 0);
	store_close(st);
	raw_sql(newer, "PRAGMA user_version = 99;");

	for (size_t i = 0; i < ARRAY_SIZE(fl); i++) {
		assert_refused_unchanged(text, fl[i]);
		assert_refused_unchanged(fake, fl[i]);
		assert_refused_unchanged(other, fl[i]);
		assert_refused_unchanged(newer, fl[i]);
	}
	assert_int_equal(store_open(tmpdir, STORE_CREATE, &st), -1);	/* a folder */

	/* an empty file is a new database: migrated on a writable open only */
	write_bytes(empty, "", 0);
	assert_int_equal(store_open(empty, STORE_READONLY, &st), -1);
	assert_int_equal(store_open(empty, 0, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	store_close(st);

	/* a file of ours without a schema is never migrated read-only */
	{
		char *old = tpath("old.db");
		assert_int_equal(store_open(old, STORE_CREATE, &st), 0);
		store_close(st);
		raw_sql(old, "PRAGMA user_version = 0;");
		assert_refused_unchanged(old, STORE_READONLY);
		free(old);
	}
	free(text);
	free(fake);
	free(other);
	free(newer);
	free(empty);
}

static void test_two_writers(void **state)
{
	char *path = tpath("two.db");
	pid_t kids[2];
	int status;
	struct store *st;
	struct store_counts cnt;

	/* two processes create and fill the same new file at once */
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct store *s;
			struct run_result res;
			int64_t host, run;
			if (store_open(path, STORE_CREATE, &s))
				_exit(1);
			host = add_host(s, "shared", NULL, "6.1");
			run = add_run(s, host, 0, "sim", k ? "a" : "b", "boot", NULL);
			for (int rep = 0; rep < 40; rep++) {
				result_init(&res);
				result_metric(&res, "m", rep, "count");
				for (int i = 0; i < 200; i++)
					result_sample(&res, result_series(&res, "s", "count"), i, i);
				if (store_rep_commit(s, run, rep, rep, "ok", NULL, 1, &res))
					_exit(1);
				result_free(&res);
			}
			store_close(s);
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(store_open(path, STORE_READONLY, &st), 0);
	assert_int_equal(store_counts(st, &cnt), 0);
	assert_int_equal(cnt.hosts, 1);
	assert_int_equal(cnt.runs, 2);
	assert_int_equal(cnt.reps, 80);
	assert_int_equal(cnt.samples, 80 * 200);
	assert_int_equal(store_check(st, false), 0);
	store_close(st);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_folder_and_schema),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_nan_metric),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_rep_commit_atomic),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_two_writers),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
