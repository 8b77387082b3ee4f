/* Internals shared by the store's files (schema.c, store.c, query.c). */
#ifndef TDX_STORE_INT_H
#define TDX_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

/* 'TDXB': marks a file as ours (PRAGMA application_id). */
#define STORE_APPLICATION_ID 0x54445842
/* Long enough that two `tdxbench run` writing one file both finish. */
#define STORE_BUSY_TIMEOUT_MS 15000

struct store {
	sqlite3 *db;
	char *path;
	unsigned flags;
	/* kept prepared: compare and report ask it once per run x metric */
	sqlite3_stmt *metric_values;
};

/*
 * Forward migrations: migration[i] takes schema version i to i + 1 (its SQL,
 * then its fill function). Run in
 * one IMMEDIATE transaction on open; the file's PRAGMA user_version is the
 * version record (meta.schema_version mirrors it for humans).
 */
struct store_migration {
	const char *sql;
	int (*fill)(struct store *st);	/* fills what SQL alone cannot; may be NULL */
};
extern const struct store_migration store_migrations[STORE_SCHEMA_VERSION];
int store_migrate(struct store *st);

/* One-line error naming the store's path and sqlite's message. */
int store_dberr(const struct store *st, const char *what);
/* Prepare + bind nothing: a statement or -1 (error printed). */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);
/* Run a constant SQL string with no results. */
int store_exec(struct store *st, const char *sql);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Column text as a malloc'd string, NULL for SQL NULL. */
char *store_col_strdup(sqlite3_stmt *s, int col);

#endif
