/*
 * Job files: INI in the style of fio, read with libinih.
 *
 *   [global]                 ; keys every job inherits
 *   backend=sim
 *   mem=256M
 *   include=common.ini       ; another file, relative to this one
 *
 *   [boot-caches]            ; one job; its keys override [global]
 *   workload=boot
 *   strategy=dpamt-v6,sean-v5
 *   spt_cache_capacity=8..64:8
 *
 * This layer only reads text and remembers where every key came from
 * (file:line) so later validation (src/core/plan.c) can point at it. It knows
 * the reserved keys but not the workload/backend ones.
 */
#ifndef TDX_JOBFILE_H
#define TDX_JOBFILE_H

#include <stddef.h>

#include "lib/util.h"

struct job_kv {
	char *key;
	char *value;
	const char *file;	/* owned by the jobfile (files[]), or a static "--set" */
	int line;		/* 0 when not from a file */
};

struct job {
	char *name;		/* section name; "global" for [global] */
	const char *file;	/* where the section was first opened */
	int line;
	struct job_kv *kv;
	size_t n, cap;
};

struct jobfile {
	char *path;		/* as given */
	struct job global;
	struct job *jobs;	/* in order of first appearance */
	size_t njobs, cap_jobs;
	char **files;		/* every file read: path first, then includes */
	size_t nfiles, cap_files;
	struct sbuf content;	/* bytes of every file read, in read order (for the hash) */
};

/* Keys the runner itself owns (not workload/backend parameters). */
extern const char *const jobfile_reserved_keys[];

/*
 * Read path (and its includes) into jf. Errors are printed as
 * "tdxbench: FILE:LINE: ..." and make it return -1 (after reading as much as
 * it can so every error is reported at once).
 */
int jobfile_load(struct jobfile *jf, const char *path);
void jobfile_free(struct jobfile *jf);

const struct job_kv *job_get(const struct job *j, const char *key);
/* Set key (replacing an earlier value) with its origin. */
void job_set(struct job *j, const char *key, const char *value, const char *file, int line);

#endif
