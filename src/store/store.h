/*
 * The results store: one sqlite file (WAL, foreign keys, prepared statements
 * only). Schema in docs/schema.md. Functions print their own one-line error
 * (naming the path) and return -1; they never exit.
 *
 * Vocabulary:
 *   host     a fingerprint of machine + kernel (+ user label), stored once
 *   session  one `tdxbench run` invocation: command line, job file hash, tool version
 *   run      one job instance: backend x strategy x workload x params, with N reps
 *   rep      one repetition of a run: its metrics, samples, histograms, notes
 */
#ifndef TDX_STORE_H
#define TDX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/params.h"
#include "lib/result.h"

#define STORE_SCHEMA_VERSION 2

enum store_flags {
	STORE_READONLY = 1 << 0,	/* never create or migrate; fail if missing */
	STORE_CREATE = 1 << 1,		/* create file (and its folder) if missing */
};

struct store;

int store_open(const char *path, unsigned flags, struct store **out);
void store_close(struct store *st);
const char *store_path(const struct store *st);
/* Run `PRAGMA integrity_check` + schema checks; prints findings, 0 if all good. */
int store_check(struct store *st, bool verbose);
/* Before writing: sqlite's quick_check; -1 (printed) on a damaged file. */
int store_quick_check(struct store *st);
/*
 * One read snapshot for many queries (a report of thousands of runs): the
 * data cannot change between them, and WAL's per-statement read locks go.
 */
int store_read_begin(struct store *st);
int store_read_end(struct store *st);
int store_schema_version(struct store *st);
/* Row counts of the main tables (for `db check`). */
struct store_counts {
	int64_t hosts, sessions, runs, run_params, reps, metrics, samples, histograms, notes;
};
int store_counts(struct store *st, struct store_counts *c);

/* ---- writing ---- */

struct host_info {
	const char *hash;		/* identity: stable hash of the fingerprint JSON */
	const char *hostname;		/* may be NULL */
	const char *label;		/* --label, may be NULL */
	const char *kernel_release;	/* uname -r */
	const char *kernel_describe;	/* git describe of --kernel-tree, may be NULL */
	const char *cpu_model;
	const char *json;		/* the whole fingerprint */
};
/* Insert if new, else return the existing id. */
int store_host_upsert(struct store *st, const struct host_info *h, int64_t *id);

struct session_info {
	int64_t host_id;
	const char *cmdline;		/* exact argv, shell-quoted */
	const char *jobfile;		/* path or NULL */
	const char *jobfile_hash;	/* sha256 of its content (after includes) or NULL */
	const char *tool_version;
	const char *shard;		/* "K/N" for `run --shard K/N`, or NULL */
};
/* New session; the store gives it a random uuid (its id across databases). */
int store_session_begin(struct store *st, const struct session_info *s, int64_t *id);
/* status: "running", "done", "interrupted", "failed" */
int store_session_finish(struct store *st, int64_t id, const char *status);

/*
 * Session locks (src/store/lock.c): a process running a session holds a lock
 * the kernel drops however it ends. store_session_lock(): 0 locked by us,
 * 1 another process holds it, -1 error (printed). store_session_locked():
 * 1 held, 0 free, -1 error.
 */
int store_session_lock(struct store *st, int64_t session);
int store_session_locked(struct store *st, int64_t session);
/* Sessions marked running (or with running runs) that no process holds. */
int store_stale_sessions(struct store *st, int64_t **ids, size_t *n);
/* Mark a stale session and its running runs interrupted (with why). */
int store_repair_session(struct store *st, int64_t session);

struct run_info {
	int64_t session_id;
	int64_t host_id;
	const char *backend;
	const char *strategy;		/* may be NULL */
	const char *workload;
	const char *label;		/* may be NULL */
	const char *job;		/* job section name, may be NULL */
	uint64_t seed;
	int reps;			/* planned measured repetitions */
	int warmup;
	const struct params *params;	/* resolved; stored in run_params */
	const char *reproduce;		/* a command that re-runs exactly this */
	bool is_model;
};
/* New run with status "pending". */
int store_run_create(struct store *st, const struct run_info *r, int64_t *id);
/* status: "pending", "running", "done", "interrupted", "failed" */
int store_run_set_status(struct store *st, int64_t run_id, const char *status, const char *reason);

/*
 * One finished repetition, atomically: the rep row, its metrics, samples,
 * histograms and notes, and runs.reps_done. status "ok" or "failed" (+reason);
 * a failed rep may carry a partial result or NULL.
 */
int store_rep_commit(struct store *st, int64_t run_id, int rep, uint64_t seed,
		     const char *status, const char *reason, uint64_t wall_ns,
		     const struct run_result *res);

/* ---- merging (merge.c) ---- */

struct store_merge_stats {
	int64_t hosts, sessions, runs, reps;	/* rows new to OUT */
	int64_t runs_updated;			/* runs OUT had, taken further by an input */
};
/*
 * Merge the databases in[] into out (created if missing), all or nothing, in
 * one transaction checked for integrity before it commits. Rows match on
 * their stable ids (host hash, session and run uuid, run uuid + rep);
 * merging what OUT already has changes nothing; a row with a known id and
 * different content refuses the whole merge with one line naming it.
 * 0 on success; -1 (error printed) with out as it was.
 */
int store_merge(const char *out, const char *const *in, size_t nin,
		struct store_merge_stats *stats);

/* ---- reading ---- */

struct run_row {
	int64_t id, session_id, host_id;
	char *created;			/* UTC ISO-8601 */
	char *backend, *strategy, *workload, *label, *job;
	char *status, *reason, *reproduce, *params;	/* params: canonical k=v,... */
	char *tool_version, *kernel, *host_label, *cmdline;
	uint64_t seed;
	int reps, reps_done, reps_failed, warmup;
	bool is_model;
};

/* Selection for list/export/compare/report. Unset fields match everything. */
struct run_filter {
	int64_t id_lo, id_hi;		/* 0 = unbounded */
	int64_t session_id;		/* 0 = any */
	const char *backend, *strategy, *workload, *label, *status, *kernel, *host;
	const char *job;		/* the job file section (or "cli") */
	const char *uuid;		/* the run's uuid or a prefix of it (db merge names runs so) */
	const struct params *params;	/* every key=value must match a run parameter */
};

int store_runs(struct store *st, const struct run_filter *f, struct run_row **rows, size_t *n);
void store_free_runs(struct run_row *rows, size_t n);
int store_run_params(struct store *st, int64_t run_id, struct params *out);
/* Indexes of the reps that finished "ok", ascending. */
int store_run_reps(struct store *st, int64_t run_id, int **reps, size_t *n);

/* Per-rep values of one metric (ok reps only), ordered by rep. */
int store_metric_values(struct store *st, int64_t run_id, const char *metric,
			double **vals, size_t *n);
/* Every metric name (with unit) recorded for a run, sorted by name. */
int store_run_metric_names(struct store *st, int64_t run_id, char ***names, char ***units,
			   size_t *n);
void store_free_strings(char **v, size_t n);

/* Every metric of every rep (failed ones too), ordered by rep then name. */
typedef int (*store_metric_cb)(void *ctx, int rep, const char *rep_status, const char *metric,
			       const char *unit, double value);
int store_run_metrics(struct store *st, int64_t run_id, store_metric_cb cb, void *ctx);

typedef int (*store_sample_cb)(void *ctx, int rep, const char *series, const char *unit,
			       double t_ns, double value);
int store_run_samples(struct store *st, int64_t run_id, int rep /* -1 all */,
		      store_sample_cb cb, void *ctx);
typedef int (*store_hist_cb)(void *ctx, int rep, const char *hist, const char *unit,
			     double lo, double hi, uint64_t count);
int store_run_hists(struct store *st, int64_t run_id, int rep /* -1 all */,
		    store_hist_cb cb, void *ctx);
typedef int (*store_note_cb)(void *ctx, int rep, const char *key, const char *value);
int store_run_notes(struct store *st, int64_t run_id, store_note_cb cb, void *ctx);

/* The host row's fingerprint JSON (malloc'd) and label/kernel. */
int store_host_json(struct store *st, int64_t host_id, char **json);
/*
 * The fingerprint of the newest host with this label, hostname and kernel
 * release that has a kernel tree description (`host --kernel-tree`), or
 * *json = NULL when there is none.
 */
int store_host_described(struct store *st, const char *label, const char *hostname,
			 const char *kernel_release, char **json);

#endif
