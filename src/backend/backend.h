/*
 * The backend vtable. One backend per folder (sim/, kvm/, tdx/), each
 * exporting one `const struct backend_ops <name>_backend`, listed in
 * src/backend/registry.c. The runner calls, per job instance:
 *
 *   probe()                     is it usable here at all (one-line reason if not)
 *   resolve()                   expand strategy + overrides into the full knob set
 *   validate()                  input only: the same for --dry-run and a run
 *   check()                     the instance against this host, before anything is allocated
 *   run() x (warm-up + reps)    one repetition, results into a run_result
 *
 * Backends never print results and never touch the store.
 */
#ifndef TDX_BACKEND_H
#define TDX_BACKEND_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/opts.h"
#include "lib/params.h"
#include "lib/result.h"
#include "workloads/workload.h"

struct json_object;

struct run_spec {
	const char *strategy;			/* sim: preset name; others: NULL */
	const struct workload_desc *wl;
	const struct params *params;		/* resolved: workload params + knobs, all as text */
	struct tdxb_workload work;		/* built phase list */
	uint64_t seed;				/* this repetition's seed */
	int rep;				/* 0-based; -1 for a warm-up */
	/* Set asynchronously on a second Ctrl-C: stop as soon as possible, return -1. */
	volatile sig_atomic_t *abort_now;
	/* How far this repetition got, 0..1, now and then (may be NULL): the live ETA. */
	void (*progress)(void *ctx, double frac);
	void *progress_ctx;
	/*
	 * The caller reads only what the measured phases produced and stores
	 * nothing (capacity's model runs): the sim skips its teardown after the
	 * last phase and the checks that follow it, and says so in a note.
	 */
	bool measured_only;
};

/* Return codes of run()/check(). */
enum {
	BACKEND_OK = 0,
	BACKEND_FAILED = -1,		/* this repetition failed; err says why */
	BACKEND_ABORTED = -2,		/* *abort_now was seen */
};

/*
 * A named strategy: a preset over the backend's knobs, named after the patch
 * series it models. `tdxbench strategies` lists these, resolved.
 */
struct backend_preset {
	const char *name;
	const char *summary;
	const char *series;	/* which posted series / mail it models */
	const char *sets;	/* "k=v,k=v": the preset's values that differ from the defaults */
};

struct backend_ops {
	const char *name;
	const char *summary;
	/*
	 * Keys this backend accepts beyond the workload's (knobs, costs,
	 * backing=...). A key's .source cites where its default comes from, or
	 * says "assumed" when no published figure backs it.
	 */
	const struct opt_desc *knobs;
	/* Of .knobs, the model's cost parameters (listed apart); NULL = none. */
	bool (*knob_is_cost)(const struct opt_desc *d);
	/* Named strategies (NULL-terminated), or NULL when the backend has none. */
	const char *const *strategies;
	/* The same strategies described, in the same order (.name NULL ends it), or NULL. */
	const struct backend_preset *presets;
	/* 0 if usable here; else -1 and a one-line reason ("kvm: /dev/kvm not accessible: ..."). */
	int (*probe)(char *why, size_t len);
	/*
	 * Fill p with the full knob set for strategy (NULL = backend default) plus
	 * the user's overrides already in p (overrides win). Unknown strategy -> -1.
	 */
	int (*resolve)(const char *strategy, struct params *p, char *err, size_t errlen);
	/*
	 * Optional: reject a bad knob mix from the input alone, never looking at
	 * the host or a device: `run --dry-run` and `run` call it for every
	 * instance before anything is stored.
	 */
	int (*validate)(const struct run_spec *spec, char *err, size_t errlen);
	/* Optional: reject an instance up front on this host (memory beyond it, ...). */
	int (*check)(const struct run_spec *spec, char *err, size_t errlen);
	/* One repetition. */
	int (*run)(const struct run_spec *spec, struct run_result *res, char *err, size_t errlen);
	/*
	 * Optional: what only running this backend shows about the host (kvm:
	 * whether KVM emulates the guest's instructions), added as members of
	 * obj, for `tdxbench host`. May run a small VM.
	 */
	void (*host_probe)(struct json_object *obj);
	/* true: numbers are model output and must be labelled so. */
	bool is_model;
};

const struct backend_ops *backend_find(const char *name);
const struct backend_ops *const *backend_all(void);	/* NULL-terminated */
const char *const *backend_names(void);

#endif
