/*
 * Descriptors of the keys a workload, a backend or a strategy accepts. One
 * table per owner drives validation, `--help`-style listings and the
 * documentation of what each default is and where it comes from.
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
};

/* Tables end with an entry whose .name is NULL. */
const struct opt_desc *opt_find(const struct opt_desc *table, const char *name);
/* Check one value against its descriptor; message in err. */
int opt_validate(const struct opt_desc *d, const char *value, char *err, size_t errlen);
/* Put every default of table into p where p has no value yet. */
void opt_fill_defaults(const struct opt_desc *table, struct params *p);
const char *opt_type_name(enum opt_type t);

#endif
