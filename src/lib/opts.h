/*
 * Descriptors of the keys a workload, a backend or a strategy accepts. One
 * table per owner carries each key's default, range and help once: the
 * builders read values through opt_get_*() (which apply the default and the
 * range), and `workloads`/`strategies` print the same table.
 */
#ifndef TDX_OPTS_H
#define TDX_OPTS_H

#include "lib/params.h"

enum opt_type {
	OPT_U64,	/* plain integer */
	OPT_SIZE,	/* bytes: 4K, 2M, 64G */
	OPT_DOUBLE,
	OPT_BOOL,
	OPT_ENUM,	/* one of .choices */
	OPT_STRING,
	OPT_NS,		/* duration in ns (integer) */
};

struct opt_desc {
	const char *name;
	enum opt_type type;
	const char *def;		/* default as text, NULL = none/required */
	const char *help;
	const char *const *choices;	/* OPT_ENUM: NULL-terminated */
	const char *unit;		/* for display: "ns", "pages", ... */
	/* Where the default comes from: a citation, or "assumed". NULL = not a cost. */
	const char *source;
	/*
	 * Inclusive bounds, written as the key's own values ("2M", "0.5");
	 * NULL = unbounded on that side. Numeric types only.
	 */
	const char *min, *max;
	/* Commas belong to the value (a CPU list like 0,2-3): never a matrix. */
	bool one_value;
};

/* Tables end with an entry whose .name is NULL. */
const struct opt_desc *opt_find(const struct opt_desc *table, const char *name);
/* Check one value against its descriptor (type, choices, min..max); message in err. */
int opt_validate(const struct opt_desc *d, const char *value, char *err, size_t errlen);
/* "1..1000", ">= 1", "<= 64", or "" when unbounded; into buf. */
const char *opt_range(const struct opt_desc *d, char *buf, size_t len);

/*
 * Typed reads of key from p through its descriptor in table: a missing key
 * takes the table's default, a value is checked against type and range.
 * -1 with "key=value: why" in err. The key must be in table (BUG otherwise).
 */
int opt_get_u64(const struct opt_desc *table, const struct params *p, const char *key,
		uint64_t *out, char *err, size_t errlen);
int opt_get_size(const struct opt_desc *table, const struct params *p, const char *key,
		 uint64_t *out, char *err, size_t errlen);
int opt_get_double(const struct opt_desc *table, const struct params *p, const char *key,
		   double *out, char *err, size_t errlen);
int opt_get_bool(const struct opt_desc *table, const struct params *p, const char *key,
		 bool *out, char *err, size_t errlen);
/* *out = index of the value in the descriptor's choices. */
int opt_get_enum(const struct opt_desc *table, const struct params *p, const char *key,
		 int *out, char *err, size_t errlen);
/* Put every default of table into p where p has no value yet. */
void opt_fill_defaults(const struct opt_desc *table, struct params *p);
const char *opt_type_name(enum opt_type t);

#endif
