#include "lib/opts.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

const struct opt_desc *opt_find(const struct opt_desc *table, const char *name)
{
	for (; table && table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

const char *opt_type_name(enum opt_type t)
{
	switch (t) {
	case OPT_U64: return "int";
	case OPT_SIZE: return "size";
	case OPT_DOUBLE: return "number";
	case OPT_BOOL: return "bool";
	case OPT_ENUM: return "enum";
	case OPT_STRING: return "string";
	case OPT_NS: return "ns";
	}
	return "?";
}

int opt_validate(const struct opt_desc *d, const char *value, char *err, size_t errlen)
{
	uint64_t u;
	double x;
	bool b;
	struct sbuf sb = SBUF_INIT;

	switch (d->type) {
	case OPT_U64:
	case OPT_NS:
		if (parse_u64(value, &u))
			goto bad;
		return 0;
	case OPT_SIZE:
		if (parse_size(value, &u))
			goto bad;
		return 0;
	case OPT_DOUBLE:
		if (parse_double(value, &x))
			goto bad;
		return 0;
	case OPT_BOOL:
		if (parse_bool(value, &b))
			goto bad;
		return 0;
	case OPT_STRING:
		return 0;
	case OPT_ENUM:
		for (int i = 0; d->choices && d->choices[i]; i++)
			if (!strcmp(d->choices[i], value))
				return 0;
		for (int i = 0; d->choices && d->choices[i]; i++)
			sbuf_addf(&sb, "%s%s", i ? ", " : "", d->choices[i]);
		snprintf(err, errlen, "%s=%s: must be one of %s", d->name, value, sb.buf ? sb.buf : "");
		sbuf_free(&sb);
		return -1;
	}
bad:
	snprintf(err, errlen, "%s=%s: not a valid %s", d->name, value, opt_type_name(d->type));
	return -1;
}

void opt_fill_defaults(const struct opt_desc *table, struct params *p)
{
	for (; table && table->name; table++)
		if (table->def && !params_has(p, table->name))
			params_set(p, table->name, table->def);
}
