/*
 * Opening the store and writing to it.
 *
 * Opening is careful about input it did not create: a file that is not a
 * database, a database of another application, a newer schema or a location
 * we cannot write is refused with one line naming the path, and nothing is
 * created, migrated or switched to WAL before every check has passed, so the
 * refused file stays byte-for-byte as it was.
 */
#include "store/store_int.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- small helpers shared with query.c and schema.c ---- */

int store_dberr(const struct store *st, const char *what)
{
	return error("%s '%s': %s", what, st->path, sqlite3_errmsg(st->db));
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_dberr(st, "cannot query");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

int store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error("cannot update '%s': %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_begin(struct store *st)
{
	/* IMMEDIATE: take the write lock now so busy_timeout applies (a
	 * deferred read->write upgrade in WAL fails at once instead) */
	return store_exec(st, "BEGIN IMMEDIATE");
}

int store_read_begin(struct store *st)
{
	/* deferred: a read transaction, one WAL snapshot for every query until the end */
	return store_exec(st, "BEGIN");
}

int store_read_end(struct store *st)
{
	return store_exec(st, "COMMIT");
}

int store_commit(struct store *st)
{
	return store_exec(st, "COMMIT");
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

char *store_col_strdup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? xstrdup((const char *)t) : NULL;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_double_or_null(sqlite3_stmt *s, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_double(s, i, v);
}

/* Seeds are full 64-bit: stored as decimal text so the shell shows them exactly. */
static void bind_u64_text(sqlite3_stmt *s, int i, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	sqlite3_bind_text(s, i, buf, -1, SQLITE_TRANSIENT);
}

/* Step a statement that returns no rows; finalize it; error names the path. */
static int step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		store_dberr(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* ---- opening ---- */

static char *dir_of(const char *path)
{
	char *d = xstrdup(path);
	char *slash = strrchr(d, '/');
	if (!slash) {
		free(d);
		return xstrdup(".");
	}
	if (slash == d)
		slash[1] = 0;
	else
		*slash = 0;
	return d;
}

static int mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	int ret = 0;
	for (char *c = p + 1; ; c++) {
		if (*c == '/' || *c == 0) {
			char save = *c;
			*c = 0;
			if (mkdir(p, 0777) && errno != EEXIST) {
				ret = -1;
				break;
			}
			*c = save;
			if (!save)
				break;
		}
	}
	free(p);
	return ret;
}

enum header_kind { HDR_EMPTY, HDR_SQLITE, HDR_OTHER, HDR_UNREADABLE };

static enum header_kind read_header(const char *path, int *err)
{
	static const char magic[16] = "SQLite format 3";	/* + NUL */
	unsigned char buf[100];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return HDR_UNREADABLE;
	}
	n = read(fd, buf, sizeof(buf));
	*err = errno;
	close(fd);
	if (n < 0)
		return HDR_UNREADABLE;
	if (n == 0)
		return HDR_EMPTY;
	if (n < (ssize_t)sizeof(buf) || memcmp(buf, magic, sizeof(magic)))
		return HDR_OTHER;
	return HDR_SQLITE;
}

/* "file:" URI for immutable=1, every byte outside [A-Za-z0-9/._-] %-escaped. */
static char *immutable_uri(const char *path)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_add(&sb, "file:");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/._-", *c))
			sbuf_addch(&sb, (char)*c);
		else
			sbuf_addf(&sb, "%%%02X", *c);
	}
	sbuf_add(&sb, "?immutable=1");
	return sbuf_detach(&sb);
}

static int query_int(struct store *st, const char *sql, int *v)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return rc == SQLITE_OK || rc == SQLITE_DONE ? SQLITE_ERROR : rc;
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return SQLITE_OK;
}

/*
 * Look at an existing file through a read-only connection. On success the
 * connection stays in st->db. Refusals print their line and return -1.
 */
static int probe_readonly(struct store *st, bool allow_immutable)
{
	int rc, appid = 0, version = 0, objects = 0;
	char *uri = NULL;

	rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
		rc = query_int(st, "SELECT count(*) FROM sqlite_master", &objects);
	}
	if (((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY) && allow_immutable) {
		/* a WAL file on read-only media or in a folder we cannot write: no
		 * -shm can be made (sqlite says CANTOPEN or READONLY_CANTINIT);
		 * nobody can be writing it either, so read it as immutable */
		sqlite3_close_v2(st->db);
		uri = immutable_uri(st->path);
		rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		free(uri);
		if (rc == SQLITE_OK)
			rc = query_int(st, "SELECT count(*) FROM sqlite_master", &objects);
	}
	if (rc == SQLITE_OK)
		rc = query_int(st, "PRAGMA application_id", &appid);
	if (rc == SQLITE_OK)
		rc = query_int(st, "PRAGMA user_version", &version);
	if (rc != SQLITE_OK) {
		int ext = st->db ? sqlite3_extended_errcode(st->db) : rc;
		if ((rc & 0xff) == SQLITE_NOTADB)
			error("cannot open '%s': not an sqlite database", st->path);
		else if ((rc & 0xff) == SQLITE_CORRUPT)
			error("cannot open '%s': database is damaged (%s)", st->path,
			      sqlite3_errstr(ext));
		else
			error("cannot open '%s': %s", st->path,
			      st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		return -1;
	}
	if ((appid && appid != STORE_APPLICATION_ID) || (!appid && (version || objects)))
		return error("cannot open '%s': not a tdxbench database", st->path);
	if (version > STORE_SCHEMA_VERSION)
		return error("cannot open '%s': schema version %d is newer than this tdxbench knows (%d)",
			     st->path, version, STORE_SCHEMA_VERSION);
	if (st->flags & STORE_READONLY) {
		if (!version)
			return error("cannot open '%s': empty database (no tdxbench schema)", st->path);
		if (version < STORE_SCHEMA_VERSION)
			return error("cannot read '%s': schema version %d is older than %d "
				     "(run 'tdxbench --db %s db migrate')",
				     st->path, version, STORE_SCHEMA_VERSION, st->path);
	}
	return 0;
}

static int open_readwrite(struct store *st, bool create)
{
	int rc, flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	sqlite3_stmt *s;
	const unsigned char *mode;

	rc = sqlite3_open_v2(st->path, &st->db, flags, NULL);
	if (rc != SQLITE_OK)
		return error("cannot open '%s': %s", st->path,
			     st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (store_exec(st, "PRAGMA foreign_keys = ON"))
		return -1;
	s = store_prepare(st, "PRAGMA journal_mode = WAL");
	if (!s)
		return -1;
	/* Switching a new file to WAL needs an exclusive lock, and sqlite
	 * does not call the busy handler for it (it could deadlock): when
	 * another process is creating the same file, retry until it is done. */
	for (uint64_t until = now_ns() + STORE_BUSY_TIMEOUT_MS * 1000000ULL;;) {
		rc = sqlite3_step(s);
		if ((rc & 0xff) != SQLITE_BUSY || now_ns() > until)
			break;
		sqlite3_reset(s);
		usleep(5000);
	}
	mode = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	if (!mode || strcmp((const char *)mode, "wal")) {
		error("cannot open '%s': cannot switch to WAL mode (%s)", st->path,
		      mode ? (const char *)mode : sqlite3_errmsg(st->db));
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	/* WAL + NORMAL: a power cut may lose the last commits, never corrupt */
	if (store_exec(st, "PRAGMA synchronous = NORMAL"))
		return -1;
	return store_migrate(st);
}

/* Which of path's -wal and -shm exist now (bit 0: -wal, bit 1: -shm). */
static unsigned sidecars(const char *path)
{
	char *w = xasprintf("%s-wal", path), *m = xasprintf("%s-shm", path);
	unsigned have = (access(w, F_OK) == 0) | (access(m, F_OK) == 0) << 1;
	free(w);
	free(m);
	return have;
}

/*
 * A refused file (someone else's database) must be left as we found it:
 * sqlite's probe of a WAL-mode file creates -wal and -shm beside it. Remove
 * the ones that were not there before, if the -wal holds nothing.
 */
static void drop_new_sidecars(const char *path, unsigned before)
{
	char *w = xasprintf("%s-wal", path), *m = xasprintf("%s-shm", path);
	struct stat sb;

	if (!(before & 1) && !stat(w, &sb) && S_ISREG(sb.st_mode) && !sb.st_size) {
		unlink(w);
		if (!(before & 2))
			unlink(m);
	}
	free(w);
	free(m);
}

int store_open(const char *path, unsigned flags, struct store **out)
{
	struct store *st;
	struct stat sb;
	char *dir;
	int err, ret = -1;
	bool exists;

	*out = NULL;
	if (!path || !*path)
		return error("no database path given");
	if (stat(path, &sb) == 0) {
		exists = true;
		if (S_ISDIR(sb.st_mode))
			return error("cannot open '%s': is a folder", path);
		if (!S_ISREG(sb.st_mode))
			return error("cannot open '%s': not a regular file", path);
	} else if (errno == ENOENT) {
		exists = false;
	} else {
		return error("cannot open '%s': %s", path, strerror(errno));
	}

	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->flags = flags;
	dir = dir_of(path);

	if (!exists) {
		if ((flags & STORE_READONLY) || !(flags & STORE_CREATE)) {
			error("cannot open '%s': no such database", path);
			goto out;
		}
		if (mkdir_p(dir)) {
			error("cannot create folder '%s' for '%s': %s", dir, path, strerror(errno));
			goto out;
		}
		if (access(dir, W_OK)) {
			error("cannot create '%s': %s", path, strerror(errno));
			goto out;
		}
		if (open_readwrite(st, true))
			goto out;
		ret = 0;
		goto out;
	}

	switch (read_header(path, &err)) {
	case HDR_UNREADABLE:
		error("cannot open '%s': %s", path, strerror(err));
		goto out;
	case HDR_OTHER:
		error("cannot open '%s': not an sqlite database", path);
		goto out;
	case HDR_EMPTY:
		if (flags & STORE_READONLY) {
			error("cannot open '%s': empty file (no tdxbench schema)", path);
			goto out;
		}
		break;
	case HDR_SQLITE:
		break;
	}

	if (!(flags & STORE_READONLY)) {
		/* the folder too: WAL needs its -wal and -shm files beside the db */
		if (access(path, W_OK) || access(dir, W_OK)) {
			error("cannot write '%s': %s", path, strerror(errno));
			goto out;
		}
	}
	if (sb.st_size) {
		unsigned before = sidecars(path);
		if (probe_readonly(st, flags & STORE_READONLY)) {
			sqlite3_close_v2(st->db);
			st->db = NULL;
			drop_new_sidecars(path, before);
			goto out;
		}
		if (flags & STORE_READONLY) {
			/* Where we may write, read through a query_only read-write
			 * connection: unlike a read-only one it removes the -wal and
			 * -shm files on close instead of leaving them behind. */
			if (!access(path, W_OK) && !access(dir, W_OK)) {
				sqlite3 *ro = st->db;
				st->db = NULL;
				if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
					sqlite3_close_v2(ro);
				} else {
					sqlite3_close_v2(st->db);
					st->db = ro;
				}
			}
			sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
			sqlite3_extended_result_codes(st->db, 1);
			sqlite3_exec(st->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
			ret = 0;
			goto out;
		}
		sqlite3_close_v2(st->db);
		st->db = NULL;
	}
	if (open_readwrite(st, false))
		goto out;
	ret = 0;
out:
	free(dir);
	if (ret) {
		store_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->metric_values);
	if (st->db)
		sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

int store_schema_version(struct store *st)
{
	int v;
	if (query_int(st, "PRAGMA user_version", &v) != SQLITE_OK)
		return store_dberr(st, "cannot read schema version of");
	return v;
}

/* Print each row of a check pragma that is not "ok"; count them. */
static int check_pragma(struct store *st, const char *sql, const char *what, bool verbose)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int rc, bad = 0;
	if (!s)
		return 1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		if (sqlite3_column_count(s) == 1 && t && !strcmp(t, "ok"))
			continue;
		if (sqlite3_column_count(s) == 1) {
			/* one line per finding: sqlite's text may span several */
			char *flat = xstrdup(t ? t : "?");
			for (char *c = flat; *c; c++)
				if (*c == '\n')
					*c = ' ';
			error("%s: '%s': %s", what, st->path, flat);
			free(flat);
		}
		else	/* foreign_key_check: table, rowid, parent, fkid */
			error("%s: '%s': row %lld of %s points to a missing %s row", what, st->path,
			      (long long)sqlite3_column_int64(s, 1), t ? t : "?",
			      (const char *)sqlite3_column_text(s, 2));
		if (++bad >= 20)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		error("%s: '%s': %s", what, st->path, sqlite3_errmsg(st->db));
		bad++;
	}
	sqlite3_finalize(s);
	if (!bad && verbose)
		printf("%-16s ok\n", what);
	return bad;
}

int store_quick_check(struct store *st)
{
	/* quick_check: every page readable and well-formed, without the index cross-check */
	if (check_pragma(st, "PRAGMA quick_check", "integrity", false))
		return error("'%s' is damaged: not writing into it (see 'tdxbench db check')",
			     st->path);
	return 0;
}

int store_check(struct store *st, bool verbose)
{
	static const char *const tables[] = {
		"meta", "hosts", "sessions", "runs", "run_params", "reps",
		"metrics", "samples", "histograms", "notes",
	};
	int bad = 0, v, have;
	sqlite3_stmt *s;

	bad += check_pragma(st, "PRAGMA integrity_check", "integrity", verbose);
	bad += check_pragma(st, "PRAGMA foreign_key_check", "foreign keys", verbose);

	v = store_schema_version(st);
	if (v != STORE_SCHEMA_VERSION) {
		error("schema: '%s': version %d, expected %d", st->path, v, STORE_SCHEMA_VERSION);
		bad++;
	}
	s = store_prepare(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
	if (!s)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, tables[i], -1, SQLITE_STATIC);
		have = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
		if (!have) {
			error("schema: '%s': table '%s' is missing", st->path, tables[i]);
			bad++;
		}
	}
	sqlite3_finalize(s);
	s = store_prepare(st, "SELECT value FROM meta WHERE key = 'schema_version'");
	if (s && sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_int(s, 0) != v) {
			error("schema: '%s': meta.schema_version %d disagrees with user_version %d",
			      st->path, sqlite3_column_int(s, 0), v);
			bad++;
		}
	} else if (s) {
		error("schema: '%s': meta.schema_version is missing", st->path);
		bad++;
	}
	sqlite3_finalize(s);
	if (!bad && verbose)
		printf("%-16s %d\n", "schema version", v);
	return bad ? -1 : 0;
}

/* ---- writing ---- */

static bool one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

int store_host_upsert(struct store *st, const struct host_info *h, int64_t *id)
{
	sqlite3_stmt *s;
	char now[32];
	int rc;

	if (!h->hash || !*h->hash || !h->json)
		BUG("host without hash or fingerprint");
	s = store_prepare(st, "INSERT INTO hosts(hash, hostname, label, kernel_release, "
			      "kernel_describe, cpu_model, fingerprint, first_seen) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(hash) DO NOTHING");
	if (!s)
		return -1;
	bind_text_or_null(s, 1, h->hash);
	bind_text_or_null(s, 2, h->hostname);
	bind_text_or_null(s, 3, h->label);
	bind_text_or_null(s, 4, h->kernel_release);
	bind_text_or_null(s, 5, h->kernel_describe);
	bind_text_or_null(s, 6, h->cpu_model);
	bind_text_or_null(s, 7, h->json);
	bind_text_or_null(s, 8, utc_now(now, sizeof(now)));
	if (step_done(st, s, "cannot store host in"))
		return -1;
	s = store_prepare(st, "SELECT id FROM hosts WHERE hash = ?1");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, h->hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_dberr(st, "cannot find stored host in");
	}
	*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return 0;
}

int store_session_begin(struct store *st, const struct session_info *si, int64_t *id)
{
	sqlite3_stmt *s;
	char now[32];

	s = store_prepare(st, "INSERT INTO sessions(host_id, started, cmdline, jobfile, "
			      "jobfile_hash, tool_version, shard) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, si->host_id);
	sqlite3_bind_text(s, 2, utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, si->cmdline ? si->cmdline : "", -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 4, si->jobfile);
	bind_text_or_null(s, 5, si->jobfile_hash);
	sqlite3_bind_text(s, 6, si->tool_version ? si->tool_version : TDXBENCH_VERSION, -1,
			  SQLITE_TRANSIENT);
	bind_text_or_null(s, 7, si->shard);
	if (step_done(st, s, "cannot start a session in"))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_session_finish(struct store *st, int64_t id, const char *status)
{
	static const char *const ok[] = { "running", "done", "interrupted", "failed", NULL };
	sqlite3_stmt *s;
	char now[32];

	if (!one_of(status, ok))
		BUG("bad session status '%s'", status ? status : "(null)");
	s = store_prepare(st, "UPDATE sessions SET status = ?1, finished = ?2 WHERE id = ?3");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, id);
	if (step_done(st, s, "cannot finish session in"))
		return -1;
	if (sqlite3_changes(st->db) != 1)
		return error("no session %lld in '%s'", (long long)id, st->path);
	return 0;
}

int store_run_create(struct store *st, const struct run_info *r, int64_t *id)
{
	sqlite3_stmt *s;
	char now[32];
	char *canon;
	int64_t run_id;

	if (!r->backend || !r->workload)
		BUG("run without backend or workload");
	if (store_begin(st))
		return -1;
	s = store_prepare(st, "INSERT INTO runs(session_id, host_id, created, backend, strategy, "
			      "workload, label, job, seed, reps, warmup, params, reproduce, "
			      "tool_version, is_model) VALUES "
			      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (!s)
		goto fail;
	if (r->session_id)
		sqlite3_bind_int64(s, 1, r->session_id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, r->host_id);
	sqlite3_bind_text(s, 3, utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 4, r->backend);
	bind_text_or_null(s, 5, r->strategy);
	bind_text_or_null(s, 6, r->workload);
	bind_text_or_null(s, 7, r->label);
	bind_text_or_null(s, 8, r->job);
	bind_u64_text(s, 9, r->seed);
	sqlite3_bind_int(s, 10, r->reps);
	sqlite3_bind_int(s, 11, r->warmup);
	canon = r->params ? params_canonical(r->params) : xstrdup("");
	sqlite3_bind_text(s, 12, canon, -1, SQLITE_TRANSIENT);
	free(canon);
	bind_text_or_null(s, 13, r->reproduce);
	sqlite3_bind_text(s, 14, TDXBENCH_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 15, r->is_model);
	if (step_done(st, s, "cannot create run in"))
		goto fail;
	run_id = sqlite3_last_insert_rowid(st->db);

	if (r->params && r->params->n) {
		s = store_prepare(st, "INSERT INTO run_params(run_id, key, value) VALUES (?1, ?2, ?3)");
		if (!s)
			goto fail;
		for (size_t i = 0; i < r->params->n; i++) {
			sqlite3_reset(s);
			sqlite3_bind_int64(s, 1, run_id);
			sqlite3_bind_text(s, 2, r->params->v[i].key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 3, r->params->v[i].value, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(s) != SQLITE_DONE) {
				store_dberr(st, "cannot store run parameters in");
				sqlite3_finalize(s);
				goto fail;
			}
		}
		sqlite3_finalize(s);
	}
	if (store_commit(st))
		goto fail;
	*id = run_id;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int store_run_set_status(struct store *st, int64_t run_id, const char *status, const char *reason)
{
	static const char *const ok[] = { "pending", "running", "done", "interrupted", "failed", NULL };
	sqlite3_stmt *s;
	char now[32];

	if (!one_of(status, ok))
		BUG("bad run status '%s'", status ? status : "(null)");
	s = store_prepare(st, "UPDATE runs SET status = ?1, reason = ?2, finished = CASE "
			      "WHEN ?1 IN ('done','interrupted','failed') THEN ?3 ELSE NULL END "
			      "WHERE id = ?4");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, status, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 2, reason);
	sqlite3_bind_text(s, 3, utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, run_id);
	if (step_done(st, s, "cannot set run status in"))
		return -1;
	if (sqlite3_changes(st->db) != 1)
		return error("no run %lld in '%s'", (long long)run_id, st->path);
	return 0;
}

/* Insert the result's rows for rep `rep_id`; inside the caller's transaction. */
static int insert_result(struct store *st, int64_t rep_id, const struct run_result *res)
{
	sqlite3_stmt *s;

	s = store_prepare(st, "INSERT INTO metrics(rep_id, name, value, unit) VALUES (?1, ?2, ?3, ?4)");
	if (!s)
		return -1;
	for (size_t i = 0; i < res->n_metrics; i++) {
		const struct result_metric *m = &res->metrics[i];
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rep_id);
		sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
		bind_double_or_null(s, 3, m->value);
		sqlite3_bind_text(s, 4, m->unit ? m->unit : "", -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(s);

	s = store_prepare(st, "INSERT INTO samples(rep_id, series, unit, t_ns, value) "
			      "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!s)
		return -1;
	for (size_t i = 0; i < res->n_samples; i++) {
		const struct result_sample *x = &res->samples[i];
		const struct result_series *ser;
		if (x->series >= res->n_series)
			BUG("sample of unknown series %u", x->series);
		ser = &res->series[x->series];
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rep_id);
		sqlite3_bind_text(s, 2, ser->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, ser->unit ? ser->unit : "", -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 4, x->t_ns);
		bind_double_or_null(s, 5, x->value);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(s);

	s = store_prepare(st, "INSERT INTO histograms(rep_id, name, unit, lo, hi, count) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!s)
		return -1;
	for (size_t i = 0; i < res->n_buckets; i++) {
		const struct result_bucket *b = &res->buckets[i];
		const struct result_hist *h;
		if (b->hist >= res->n_hists)
			BUG("bucket of unknown histogram %u", b->hist);
		h = &res->hists[b->hist];
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rep_id);
		sqlite3_bind_text(s, 2, h->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, h->unit ? h->unit : "", -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 4, b->lo);
		sqlite3_bind_double(s, 5, b->hi);
		sqlite3_bind_int64(s, 6, (int64_t)b->count);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(s);

	s = store_prepare(st, "INSERT INTO notes(rep_id, key, value) VALUES (?1, ?2, ?3)");
	if (!s)
		return -1;
	for (size_t i = 0; i < res->n_notes; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rep_id);
		sqlite3_bind_text(s, 2, res->notes[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, res->notes[i].value, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(s);
	return 0;
fail:
	store_dberr(st, "cannot store repetition in");
	sqlite3_finalize(s);
	return -1;
}

int store_rep_commit(struct store *st, int64_t run_id, int rep, uint64_t seed,
		     const char *status, const char *reason, uint64_t wall_ns,
		     const struct run_result *res)
{
	static const char *const ok[] = { "ok", "failed", NULL };
	sqlite3_stmt *s;
	char now[32];
	int64_t rep_id;
	bool is_ok;

	if (!one_of(status, ok))
		BUG("bad repetition status '%s'", status ? status : "(null)");
	is_ok = !strcmp(status, "ok");
	if (store_begin(st))
		return -1;
	s = store_prepare(st, "INSERT INTO reps(run_id, rep, seed, status, reason, wall_ns, finished) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!s)
		goto fail;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, rep);
	bind_u64_text(s, 3, seed);
	sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
	bind_text_or_null(s, 5, reason);
	sqlite3_bind_int64(s, 6, (int64_t)wall_ns);
	sqlite3_bind_text(s, 7, utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
			error("cannot store repetition %d of run %lld in '%s': already stored",
			      rep, (long long)run_id, st->path);
		else if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
			error("cannot store repetition %d in '%s': no run %lld", rep, st->path,
			      (long long)run_id);
		else
			store_dberr(st, "cannot store repetition in");
		sqlite3_finalize(s);
		goto fail;
	}
	sqlite3_finalize(s);
	rep_id = sqlite3_last_insert_rowid(st->db);
	if (res && insert_result(st, rep_id, res))
		goto fail;
	s = store_prepare(st, "UPDATE runs SET reps_done = reps_done + ?1, "
			      "reps_failed = reps_failed + ?2 WHERE id = ?3");
	if (!s)
		goto fail;
	sqlite3_bind_int(s, 1, is_ok);
	sqlite3_bind_int(s, 2, !is_ok);
	sqlite3_bind_int64(s, 3, run_id);
	if (step_done(st, s, "cannot count repetition in"))
		goto fail;
	if (store_commit(st))
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}
