/*
 * The schema and its forward migrations. Documented column by column in
 * docs/schema.md: keep the two in step. A new version appends one entry to
 * store_migrations[] and bumps STORE_SCHEMA_VERSION; an old file is brought
 * forward on its next writable open.
 */
#include "store/store_int.h"
#include "lib/hash.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>

static const char schema_v1[] =
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");"
	"CREATE TABLE hosts ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  hostname TEXT,"
	"  label TEXT,"
	"  kernel_release TEXT,"
	"  kernel_describe TEXT,"
	"  cpu_model TEXT,"
	"  fingerprint TEXT NOT NULL,"
	"  first_seen TEXT NOT NULL"
	");"
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  host_id INTEGER NOT NULL REFERENCES hosts(id),"
	"  started TEXT NOT NULL,"
	"  finished TEXT,"
	"  status TEXT NOT NULL DEFAULT 'running'"
	"    CHECK (status IN ('running','done','interrupted','failed')),"
	"  cmdline TEXT NOT NULL,"
	"  jobfile TEXT,"
	"  jobfile_hash TEXT,"
	"  tool_version TEXT NOT NULL"
	");"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER REFERENCES sessions(id),"
	"  host_id INTEGER NOT NULL REFERENCES hosts(id),"
	"  created TEXT NOT NULL,"
	"  finished TEXT,"
	"  backend TEXT NOT NULL,"
	"  strategy TEXT,"
	"  workload TEXT NOT NULL,"
	"  label TEXT,"
	"  job TEXT,"
	"  seed TEXT NOT NULL,"
	"  reps INTEGER NOT NULL,"
	"  warmup INTEGER NOT NULL DEFAULT 0,"
	"  reps_done INTEGER NOT NULL DEFAULT 0,"
	"  reps_failed INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending','running','done','interrupted','failed')),"
	"  reason TEXT,"
	"  params TEXT NOT NULL DEFAULT '',"
	"  reproduce TEXT,"
	"  tool_version TEXT NOT NULL,"
	"  is_model INTEGER NOT NULL DEFAULT 0 CHECK (is_model IN (0,1))"
	");"
	"CREATE INDEX runs_session ON runs(session_id);"
	"CREATE INDEX runs_host ON runs(host_id);"
	"CREATE TABLE run_params ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, key)"
	");"
	"CREATE INDEX run_params_kv ON run_params(key, value);"
	"CREATE TABLE reps ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  rep INTEGER NOT NULL,"
	"  seed TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('ok','failed')),"
	"  reason TEXT,"
	"  wall_ns INTEGER NOT NULL,"
	"  finished TEXT NOT NULL,"
	"  UNIQUE (run_id, rep)"
	");"
	"CREATE TABLE metrics ("
	"  rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  value REAL,"
	"  unit TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (rep_id, name)"
	");"
	"CREATE INDEX metrics_name ON metrics(name);"
	"CREATE TABLE samples ("
	"  rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,"
	"  series TEXT NOT NULL,"
	"  unit TEXT NOT NULL DEFAULT '',"
	"  t_ns REAL NOT NULL,"
	"  value REAL"
	");"
	"CREATE INDEX samples_rep ON samples(rep_id, series, t_ns);"
	"CREATE TABLE histograms ("
	"  rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  unit TEXT NOT NULL DEFAULT '',"
	"  lo REAL NOT NULL,"
	"  hi REAL NOT NULL,"
	"  count INTEGER NOT NULL"
	");"
	"CREATE INDEX histograms_rep ON histograms(rep_id, name, lo);"
	"CREATE TABLE notes ("
	"  rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (rep_id, key)"
	");"
	/* Convenience for the sqlite3 shell: one row per run x rep x metric. */
	"CREATE VIEW run_metrics AS"
	"  SELECT r.id AS run_id, p.rep AS rep, p.status AS rep_status,"
	"         r.backend, r.strategy, r.workload, r.label,"
	"         m.name AS metric, m.value, m.unit"
	"  FROM runs r JOIN reps p ON p.run_id = r.id JOIN metrics m ON m.rep_id = p.id;";

/*
 * Version 2, stable identities: rows from different machines must never
 * collide when databases are merged (`db merge`). Hosts already carry one (the
 * fingerprint hash); sessions and runs get a uuid. New rows get a random
 * (version 4) uuid from a trigger, so rows written with the sqlite3 shell get
 * one too; rows that exist when a file is migrated get a content hash
 * (fill_ids_v2), so two copies of one old file migrated apart still agree.
 */
#define RANDOM_UUID							\
	"(SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' ||"	\
	"  substr(h, 14, 3) || '-' || substr('89ab', 1 + unicode(substr(h, 17, 1)) % 4, 1) ||" \
	"  substr(h, 18, 3) || '-' || substr(h, 21, 12))"			\
	" FROM (SELECT hex(randomblob(16)) AS h))"

static const char schema_v2[] =
	"ALTER TABLE sessions ADD COLUMN uuid TEXT;"
	"ALTER TABLE sessions ADD COLUMN shard TEXT;"
	"ALTER TABLE runs ADD COLUMN uuid TEXT;"
	"CREATE UNIQUE INDEX sessions_uuid ON sessions(uuid);"
	"CREATE UNIQUE INDEX runs_uuid ON runs(uuid);"
	"CREATE TRIGGER sessions_uuid AFTER INSERT ON sessions WHEN NEW.uuid IS NULL BEGIN"
	"  UPDATE sessions SET uuid = " RANDOM_UUID " WHERE id = NEW.id;"
	"END;"
	"CREATE TRIGGER runs_uuid AFTER INSERT ON runs WHEN NEW.uuid IS NULL BEGIN"
	"  UPDATE runs SET uuid = " RANDOM_UUID " WHERE id = NEW.id;"
	"END;";

/* A content hash shaped as a uuid (version 8: "custom"), from a sha256 hex. */
static void hash_uuid(const char *hex, char out[37])
{
	static const char variant[] = "89ab";
	snprintf(out, 37, "%.8s-%.4s-8%.3s-%c%.3s-%.12s", hex, hex + 8, hex + 13,
		 variant[(hex[16] - '0') & 3], hex + 17, hex + 20);
}

/*
 * Give every existing session and run its id: sha256 over what identifies it
 * in its file (local id included: two sessions may share a second and a
 * command line) and its host's hash (what tells files of two machines apart).
 */
static int fill_ids(struct store *st, const char *select, const char *update, const char *kind)
{
	sqlite3_stmt *s = store_prepare(st, select), *u = store_prepare(st, update);
	int rc, ret = 0;

	if (!s || !u) {
		sqlite3_finalize(s);
		sqlite3_finalize(u);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sbuf sb = SBUF_INIT;
		char uuid[37], *hex;
		sbuf_add(&sb, kind);
		for (int c = 1; c < sqlite3_column_count(s); c++) {
			const unsigned char *t = sqlite3_column_text(s, c);
			sbuf_addf(&sb, "\n%s", t ? (const char *)t : "");
		}
		hex = hash_sha256_hex(sb.buf, sb.len);
		hash_uuid(hex, uuid);
		free(hex);
		sbuf_free(&sb);
		sqlite3_reset(u);
		sqlite3_bind_text(u, 1, uuid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 2, sqlite3_column_int64(s, 0));
		if (sqlite3_step(u) != SQLITE_DONE) {
			ret = store_dberr(st, "cannot give ids to the rows of");
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_dberr(st, "cannot read rows of");
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return ret;
}

static int fill_ids_v2(struct store *st)
{
	if (fill_ids(st, "SELECT s.id, s.id, h.hash, s.started, s.cmdline, s.jobfile_hash "
			 "FROM sessions s LEFT JOIN hosts h ON h.id = s.host_id WHERE s.uuid IS NULL",
		     "UPDATE sessions SET uuid = ?1 WHERE id = ?2", "tdxbench session"))
		return -1;
	/* after the sessions: a run's id covers its session's */
	return fill_ids(st, "SELECT r.id, r.id, s.uuid, h.hash, r.created, r.backend, r.strategy, "
			    "r.workload, r.params, r.seed FROM runs r "
			    "LEFT JOIN hosts h ON h.id = r.host_id "
			    "LEFT JOIN sessions s ON s.id = r.session_id WHERE r.uuid IS NULL",
			"UPDATE runs SET uuid = ?1 WHERE id = ?2", "tdxbench run");
}

const struct store_migration store_migrations[STORE_SCHEMA_VERSION] = {
	{ schema_v1, NULL },
	{ schema_v2, fill_ids_v2 },
};

static int user_version(struct store *st, int *v)
{
	sqlite3_stmt *s = store_prepare(st, "PRAGMA user_version");
	int rc;
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_dberr(st, "cannot read schema version of");
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/*
 * Bring the file to STORE_SCHEMA_VERSION. The version is re-read inside the
 * write transaction so two processes creating the same file at once migrate
 * it exactly once.
 */
int store_migrate(struct store *st)
{
	int v;
	char sql[160];
	char now[32];
	sqlite3_stmt *s;

	if (user_version(st, &v))
		return -1;
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (store_begin(st))
		return -1;
	if (user_version(st, &v))
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		store_rollback(st);
		return error("cannot open '%s': schema version %d is newer than this tdxbench knows (%d)",
			     st->path, v, STORE_SCHEMA_VERSION);
	}
	if (v == STORE_SCHEMA_VERSION) {
		store_rollback(st);
		return 0;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if (store_exec(st, store_migrations[v].sql))
			goto fail;
		if (store_migrations[v].fill && store_migrations[v].fill(st))
			goto fail;
	}
	/* constants only: a pragma cannot take a bound parameter */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d;",
		 STORE_SCHEMA_VERSION, STORE_APPLICATION_ID);
	if (store_exec(st, sql))
		goto fail;
	s = store_prepare(st, "INSERT OR REPLACE INTO meta(key, value) VALUES "
			      "('schema_version', ?1), ('migrated_by', ?2), ('migrated', ?3)");
	if (!s)
		goto fail;
	sqlite3_bind_int(s, 1, STORE_SCHEMA_VERSION);
	sqlite3_bind_text(s, 2, TDXBENCH_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		store_dberr(st, "cannot record schema version in");
		goto fail;
	}
	sqlite3_finalize(s);
	s = store_prepare(st, "INSERT OR IGNORE INTO meta(key, value) VALUES ('created', ?1)");
	if (!s)
		goto fail;
	sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		store_dberr(st, "cannot record creation time in");
		goto fail;
	}
	sqlite3_finalize(s);
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}
