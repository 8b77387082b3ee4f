/*
 * The metric glossary: every metric a backend emits, its unit, which
 * direction is better, where it sorts and its short title. compare uses it
 * to say "better"/"worse"; every table, plot and summary orders and labels
 * metrics from it (metric_order, metric_title); docs list it.
 */
#ifndef TDX_METRICS_H
#define TDX_METRICS_H

#include <stdbool.h>
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
	int rank;		/* 1 = shown first; 0 = after the ranked ones */
	const char *title;	/* short column title (ranked and headline metrics), or NULL */
	/*
	 * A run summary always shows it when not all zero: total PAMT memory
	 * (static and dynamic designs on one number, never "DPAMT 0" alone)
	 * and the pamt_lock wait the designs are debated over.
	 */
	bool pin;
};

extern const struct metric_desc metric_table[];
extern const size_t metric_table_len;
/* NULL for a name not in the glossary (still storable; direction unknown). */
const struct metric_desc *metric_find(const char *name);
const char *better_name(enum better b);

/*
 * Display position: ranked metrics by rank, then the rest of the glossary in
 * its order, then names it does not know. A time series or histogram named
 * after a metric's stem ("fault_ns" for fault_ns_p99) sorts with it.
 */
int metric_order(const char *name);
/* metric_order, then the name: a total order for sorting. */
int metric_cmp(const char *a, const char *b);
/* The short title, or the name itself when the glossary has none. */
const char *metric_title(const char *name);

#endif
