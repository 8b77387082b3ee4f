#include "lib/params.h"
#include "lib/textsafe.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void params_init(struct params *p)
{
	p->v = NULL;
	p->n = p->cap = 0;
}

void params_free(struct params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
	params_init(p);
}

void params_copy(struct params *dst, const struct params *src)
{
	for (size_t i = 0; i < src->n; i++)
		params_set(dst, src->v[i].key, src->v[i].value);
}

static struct param *lookup(const struct params *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].key, key))
			return &p->v[i];
	return NULL;
}

void params_set(struct params *p, const char *key, const char *value)
{
	struct param *e = lookup(p, key);
	if (e) {
		char *v = xstrdup(value);
		free(e->value);
		e->value = v;
		return;
	}
	GROW(p->v, p->cap, p->n + 1);
	p->v[p->n].key = xstrdup(key);
	p->v[p->n].value = xstrdup(value);
	p->n++;
}

void params_setf(struct params *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	params_set(p, key, s);
	free(s);
}

const char *params_get(const struct params *p, const char *key)
{
	struct param *e = lookup(p, key);
	return e ? e->value : NULL;
}

bool params_has(const struct params *p, const char *key)
{
	return lookup(p, key) != NULL;
}

void params_del(struct params *p, const char *key)
{
	struct param *e = lookup(p, key);
	size_t i;
	if (!e)
		return;
	i = (size_t)(e - p->v);
	free(e->key);
	free(e->value);
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(*e));
	p->n--;
}

static int cmp_param(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->key, ((const struct param *)b)->key);
}

void params_sort(struct params *p)
{
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_param);
}

char *params_canonical(const struct params *p)
{
	struct params tmp = PARAMS_INIT;
	struct sbuf sb = SBUF_INIT;
	params_copy(&tmp, p);
	params_sort(&tmp);
	for (size_t i = 0; i < tmp.n; i++)
		sbuf_addf(&sb, "%s%s=%s", i ? "," : "", tmp.v[i].key, tmp.v[i].value);
	params_free(&tmp);
	return sbuf_detach(&sb);
}

int params_parse_assignments(struct params *p, const char *list, char *err, size_t errlen)
{
	char *copy = xstrdup(list), *rest = copy, *tok;
	char *last_key = NULL;
	struct params seen = PARAMS_INIT;
	int ret = -1;

	if (has_control_or_bad_utf8(list)) {
		snprintf(err, errlen, "control characters or invalid UTF-8 in '%s'", list);
		goto out;
	}
	/* strsep, not strtok: "a=1,,b=2" and a trailing ',' are mistakes, not separators */
	while ((tok = strsep(&rest, ",")) != NULL) {
		char *eq = strchr(tok, '=');
		while (*tok == ' ')
			tok++;
		if (!*tok) {
			snprintf(err, errlen, "empty item in '%s'", list);
			goto out;
		}
		if (!eq) {
			char *joined;
			if (!last_key) {
				snprintf(err, errlen, "'%s' is not key=value", tok);
				goto out;
			}
			joined = xasprintf("%s,%s", params_get(p, last_key), tok);
			params_set(p, last_key, joined);
			free(joined);
			continue;
		}
		*eq = 0;
		if (!*tok) {
			snprintf(err, errlen, "empty key in '=%s'", eq + 1);
			goto out;
		}
		if (!eq[1]) {
			snprintf(err, errlen, "no value for '%s'", tok);
			goto out;
		}
		if (params_has(&seen, tok)) {
			snprintf(err, errlen, "'%s' given twice", tok);
			goto out;
		}
		params_set(&seen, tok, "");
		params_set(p, tok, eq + 1);
		free(last_key);
		last_key = xstrdup(tok);
	}
	ret = 0;
out:
	params_free(&seen);
	free(last_key);
	free(copy);
	return ret;
}

#define GETTER_PROLOGUE(p, key, out, def)			\
	const char *v = params_get(p, key);			\
	if (!v) {						\
		*(out) = (def);					\
		return 0;					\
	}

int params_get_u64(const struct params *p, const char *key, uint64_t def, uint64_t *out,
		   char *err, size_t errlen)
{
	GETTER_PROLOGUE(p, key, out, def)
	if (parse_u64(v, out)) {
		snprintf(err, errlen, "%s=%s: not a non-negative integer", key, v);
		return -1;
	}
	return 0;
}

int params_get_size(const struct params *p, const char *key, uint64_t def, uint64_t *out,
		    char *err, size_t errlen)
{
	GETTER_PROLOGUE(p, key, out, def)
	if (parse_size(v, out)) {
		snprintf(err, errlen, "%s=%s: not a size (e.g. 4K, 2M, 64G)", key, v);
		return -1;
	}
	return 0;
}

int params_get_double(const struct params *p, const char *key, double def, double *out,
		      char *err, size_t errlen)
{
	GETTER_PROLOGUE(p, key, out, def)
	if (parse_double(v, out)) {
		snprintf(err, errlen, "%s=%s: not a number", key, v);
		return -1;
	}
	return 0;
}

int params_get_bool(const struct params *p, const char *key, bool def, bool *out,
		    char *err, size_t errlen)
{
	GETTER_PROLOGUE(p, key, out, def)
	if (parse_bool(v, out)) {
		snprintf(err, errlen, "%s=%s: not a boolean (yes/no, 1/0, true/false)", key, v);
		return -1;
	}
	return 0;
}

int params_get_enum(const struct params *p, const char *key, const char *const *choices,
		    int def, int *out, char *err, size_t errlen)
{
	struct sbuf sb = SBUF_INIT;
	GETTER_PROLOGUE(p, key, out, def)
	for (int i = 0; choices[i]; i++) {
		if (!strcmp(choices[i], v)) {
			*out = i;
			return 0;
		}
	}
	for (int i = 0; choices[i]; i++)
		sbuf_addf(&sb, "%s%s", i ? ", " : "", choices[i]);
	snprintf(err, errlen, "%s=%s: must be one of %s", key, v, sb.buf ? sb.buf : "");
	sbuf_free(&sb);
	return -1;
}
