/*
 * The expanded plan: job files + command-line flags -> job instances
 * (backend x strategy x workload x params), each run `reps` times. Every key
 * and value is validated here, against the runner's own keys,
 * workload_common_opts, the workload's params and the backend's knobs, with
 * file:line in the message, so nothing starts before the whole plan is sane.
 */
#ifndef TDX_PLAN_H
#define TDX_PLAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "core/jobfile.h"
#include "lib/params.h"
#include "workloads/workload.h"

#define PLAN_DEFAULT_BACKEND "sim"
#define PLAN_DEFAULT_REPS 5
#define PLAN_DEFAULT_WARMUP 0
#define PLAN_DEFAULT_SEED 1
/* Most reps (and warm-ups) per instance, from a job file or --reps. */
#define PLAN_MAX_REPS 100000
/* Guards against a typo like 1..1000000 exploding into a plan nobody meant. */
#define PLAN_MAX_VALUES 4096
#define PLAN_MAX_INSTANCES 100000

struct plan_item {
	char *job;				/* job section ("cli" for flags only) */
	char *where;				/* "file:line" of the section, or "command line" */
	const struct backend_ops *be;
	const struct workload_desc *wl;
	char *strategy;				/* NULL: the backend's default / none */
	struct params params;			/* explicit workload params + knobs, one value each */
	int reps, warmup;
	uint64_t seed;
	char *label;				/* may be NULL */
	int64_t run_id;				/* resume: the stored run; 0 = create */
};

struct plan {
	struct plan_item *items;
	size_t n, cap;
	char *jobfiles;		/* the files given, space-separated, or NULL */
	char *hash;		/* sha256 (hex) of every file's content incl. includes, or NULL */
};

/* Command-line settings; they override every job file. */
struct plan_overrides {
	const char *backend;
	const char *strategy;		/* "a,b" */
	const char *workload;		/* "w[,w]" */
	const char *set;		/* "k=v[,k=v]"; a value may be a list or range */
	const char *label;
	int reps, warmup;		/* < 0: not given */
	bool have_seed;
	uint64_t seed;
	/* Backends to look names up in; NULL = the registry (tests pass fakes). */
	const struct backend_ops *const *backends;
};

#define PLAN_OVERRIDES_INIT { .reps = -1, .warmup = -1 }

/*
 * Expand files (nfiles may be 0: one job from the overrides alone, which then
 * must name a workload). Errors are printed ("FILE:LINE: ..."); returns -1.
 */
int plan_build(struct plan *pl, struct jobfile *files, size_t nfiles,
	       const struct plan_overrides *ov);
void plan_free(struct plan *pl);
/* What one item owns (plan_free calls it for each; `run --shard` for the dropped ones). */
void plan_item_free(struct plan_item *it);

/*
 * Expand one value into its list: "1,2,4" / "8..64:8" / "1..16:*2" /
 * "1G..4G:1G". Ranges need a numeric type. -1 + err on a bad value.
 */
int plan_expand_value(const char *value, enum opt_type type, char ***out, size_t *n,
		      char *err, size_t errlen);
void plan_free_values(char **v, size_t n);

/*
 * Resolve an instance's full parameter set (strategy preset, overrides,
 * defaults), exactly as the runner runs it. -1 + err.
 */
int plan_item_resolve(const struct plan_item *it, struct params *out, char *err, size_t errlen);
/*
 * Check every instance without touching the host or the store: resolved keys
 * against their descriptors (type, range), the workload built, the backend's
 * validate(). Prints one line per bad instance (the first few) and returns
 * -1; stops early when *stop becomes non-zero (stop may be NULL).
 */
int plan_validate(const struct plan *pl, volatile sig_atomic_t *stop);
/*
 * With --strategy over job files: leave out the instances whose knob mix the
 * backend refuses (a preset a job's conditions do not allow) where the same
 * job has instances that fit, one line on stderr per job and strategy.
 * 0 if every instance left passed plan_validate()'s checks, else -1 (then
 * plan_validate() names the errors).
 */
int plan_drop_unfit(struct plan *pl);
/* Probe each backend of the plan once; a backend that cannot run here prints its one line. -1 if any. */
int plan_probe_backends(const struct plan *pl);

/* One line describing an instance (dry-run output, progress, summaries). */
char *plan_item_describe(const struct plan_item *it);
/* `tdxbench run ...` that re-runs exactly this instance. */
char *plan_item_reproduce(const struct plan_item *it);

#endif
