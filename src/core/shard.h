/*
 * `run --shard K/N`: piece K of N of an expanded plan, so a fleet (GNU
 * parallel over hosts or cores, a Slurm array) can run one plan in N
 * processes and `db merge` the results.
 *
 * The split is a function of the plan alone: the same job file and flags
 * give the same N pieces on every host. Its unit is the comparison group,
 * the instances that differ only in their strategy: a group stays in one
 * piece, so its strategies run on the same machine and their repetitions
 * still interleave (A B A B), as in an unsharded run. Groups are dealt out
 * largest estimated cost first, each to the piece with the least cost so far
 * (ties: the lower piece), then every piece keeps plan order.
 */
#ifndef TDX_SHARD_H
#define TDX_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/plan.h"

#define SHARD_MAX 10000

struct shard {
	unsigned k, n;			/* piece k of n, 1 <= k <= n */
};

/* What plan_shard kept, for the dry-run header and the progress line. */
struct shard_info {
	size_t items, items_total;	/* job instances */
	size_t groups, groups_total;	/* comparison groups */
	uint64_t cost, cost_total;	/* estimated cost */
};

/* "K/N"; -1 + err on anything else. */
int shard_parse(const char *text, struct shard *sh, char *err, size_t errlen);

/*
 * Estimated cost of one instance, in page operations: (warm-ups + reps) x
 * (1 + the units its phase list touches, converts or tears down, over every
 * TD; a fault in random order counts 3, and on the model a fragmented host
 * doubles a unit, a sparse one makes it 12, as measured). Idle time
 * is not counted: it is virtual in the model. An instance
 * whose workload does not build costs 1 per repetition (it fails at once).
 */
uint64_t shard_item_cost(const struct plan_item *it);

/* Keep only piece sh of pl (the rest is freed). */
void plan_shard(struct plan *pl, const struct shard *sh, struct shard_info *info);

#endif
