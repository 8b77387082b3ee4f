/*
 * The metric glossary: every metric a backend emits, its unit and which
 * direction is better. compare uses it to say "better"/"worse"; docs list it.
 */
#ifndef TDX_METRICS_H
#define TDX_METRICS_H

#include <stddef.h>

enum better {
	BETTER_NONE,	/* descriptive only (counts of work done) */
	BETTER_LOWER,
	BETTER_HIGHER,
};

struct metric_desc {
	const char *name;
	const char *unit;
	enum better better;
	const char *help;
};

extern const struct metric_desc metric_table[];
extern const size_t metric_table_len;
/* NULL for a name not in the glossary (still storable; direction unknown). */
const struct metric_desc *metric_find(const char *name);
const char *better_name(enum better b);

#endif
