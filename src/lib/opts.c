#include "lib/opts.h"
#include "lib/util.h"

#include <stdint.h>
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

/* Value of a numeric key as a double, for range checks; -1 if not numeric. */
static int opt_number(const struct opt_desc *d, const char *value, double *x)
{
	uint64_t u;
	switch (d->type) {
	case OPT_U64:
	case OPT_NS:
		if (parse_u64(value, &u))
			return -1;
		*x = (double)u;
		return 0;
	case OPT_SIZE:
		if (parse_size(value, &u))
			return -1;
		*x = (double)u;
		return 0;
	case OPT_DOUBLE:
		return parse_double(value, x);
	default:
		return -1;
	}
}

const char *opt_range(const struct opt_desc *d, char *buf, size_t len)
{
	if (d->min && d->max)
		snprintf(buf, len, "%s..%s", d->min, d->max);
	else if (d->min)
		snprintf(buf, len, ">= %s", d->min);
	else if (d->max)
		snprintf(buf, len, "<= %s", d->max);
	else
		snprintf(buf, len, "%s", "");
	return buf;
}

static int opt_check_range(const struct opt_desc *d, const char *value, char *err, size_t errlen)
{
	double x, lo, hi;
	char r[64];

	if (!d->min && !d->max)
		return 0;
	/* integers compare exactly as u64: a double loses precision above 2^53 */
	if (d->type != OPT_DOUBLE) {
		uint64_t u, ulo = 0, uhi = UINT64_MAX;
		int (*parse)(const char *, uint64_t *) = d->type == OPT_SIZE ? parse_size : parse_u64;
		if (parse(value, &u) || (d->min && parse(d->min, &ulo)) || (d->max && parse(d->max, &uhi)))
			BUG("%s: bad value or bounds", d->name);
		if (u >= ulo && u <= uhi)
			return 0;
	} else {
		if (opt_number(d, value, &x) || (d->min && opt_number(d, d->min, &lo)) ||
		    (d->max && opt_number(d, d->max, &hi)))
			BUG("%s: bad value or bounds", d->name);
		if ((!d->min || x >= lo) && (!d->max || x <= hi))
			return 0;
	}
	snprintf(err, errlen, "%s=%s: must be %s", d->name, value, opt_range(d, r, sizeof(r)));
	return -1;
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
		return opt_check_range(d, value, err, errlen);
	case OPT_SIZE:
		if (parse_size(value, &u))
			goto bad;
		return opt_check_range(d, value, err, errlen);
	case OPT_DOUBLE:
		if (parse_double(value, &x))
			goto bad;
		return opt_check_range(d, value, err, errlen);
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

/* The checked text of key: p's value, else the default. */
static const char *opt_value(const struct opt_desc *table, const struct params *p, const char *key,
			     enum opt_type want, const struct opt_desc **dp, char *err, size_t errlen)
{
	const struct opt_desc *d = opt_find(table, key);
	const char *v;

	if (!d || !(d->type == want || (want == OPT_U64 && d->type == OPT_NS)))
		BUG("key '%s' is not a %s in its table", key, opt_type_name(want));
	v = params_get(p, key);
	if (!v)
		v = d->def;
	if (!v)
		BUG("key '%s' has no default", key);
	if (opt_validate(d, v, err, errlen))
		return NULL;
	*dp = d;
	return v;
}

int opt_get_u64(const struct opt_desc *table, const struct params *p, const char *key,
		uint64_t *out, char *err, size_t errlen)
{
	const struct opt_desc *d;
	const char *v = opt_value(table, p, key, OPT_U64, &d, err, errlen);
	return v ? parse_u64(v, out) : -1;
}

int opt_get_size(const struct opt_desc *table, const struct params *p, const char *key,
		 uint64_t *out, char *err, size_t errlen)
{
	const struct opt_desc *d;
	const char *v = opt_value(table, p, key, OPT_SIZE, &d, err, errlen);
	return v ? parse_size(v, out) : -1;
}

int opt_get_double(const struct opt_desc *table, const struct params *p, const char *key,
		   double *out, char *err, size_t errlen)
{
	const struct opt_desc *d;
	const char *v = opt_value(table, p, key, OPT_DOUBLE, &d, err, errlen);
	return v ? parse_double(v, out) : -1;
}

int opt_get_bool(const struct opt_desc *table, const struct params *p, const char *key,
		 bool *out, char *err, size_t errlen)
{
	const struct opt_desc *d;
	const char *v = opt_value(table, p, key, OPT_BOOL, &d, err, errlen);
	return v ? parse_bool(v, out) : -1;
}

int opt_get_enum(const struct opt_desc *table, const struct params *p, const char *key,
		 int *out, char *err, size_t errlen)
{
	const struct opt_desc *d;
	const char *v = opt_value(table, p, key, OPT_ENUM, &d, err, errlen);
	if (!v)
		return -1;
	for (int i = 0; d->choices[i]; i++)
		if (!strcmp(d->choices[i], v)) {
			*out = i;
			return 0;
		}
	return -1;	/* not reached: opt_validate checked the choices */
}

void opt_fill_defaults(const struct opt_desc *table, struct params *p)
{
	for (; table && table->name; table++)
		if (table->def && !params_has(p, table->name))
			params_set(p, table->name, table->def);
}
