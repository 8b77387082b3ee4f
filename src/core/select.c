/*
 * Run selectors: "12", "12-20", "strategy=sean-v5,workload=boot",
 * "kernel=6.12*,mem=64G". Terms are ANDed; values may use shell wildcards
 * (matched with GLOB in the store). A key that is not a run column is a run
 * parameter — unless it is one edit away from a column name, which is far
 * more likely a typo than a parameter of that name.
 */
#include "core/select.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const columns[] = {
	"id", "session", "backend", "strategy", "workload", "label", "status", "kernel", "host",
	"job",
	"uuid",
};

static int parse_id(const char *s, int64_t *out)
{
	uint64_t v;
	if (parse_u64(s, &v) || v == 0 || v > INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* "12", "12-20", "12-" */
static int parse_id_range(const char *s, int64_t *lo, int64_t *hi)
{
	/* the whole term, however long: a fixed buffer once cut "1-0...03GARBAGE" to 1-3 */
	char *buf = xstrdup(s), *dash = strchr(buf, '-');
	int ret = -1;

	if (!dash) {
		if (!parse_id(buf, lo)) {
			*hi = *lo;
			ret = 0;
		}
		goto out;
	}
	*dash = 0;
	if (parse_id(buf, lo))
		goto out;
	if (!dash[1]) {
		*hi = 0;
		ret = 0;
	} else if (!parse_id(dash + 1, hi) && *hi >= *lo) {
		ret = 0;
	}
out:
	free(buf);
	return ret;
}

static bool valid_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_' || *k == '-' || *k == '.'))
			return false;
	return true;
}

static bool is_column(const char *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
		if (!strcmp(k, columns[i]))
			return true;
	return false;
}

int selector_parse(const char *text, struct selector *sel, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *rest = *copy ? copy : NULL, *t;
	bool have_id = false;
	int ret = -1;

	memset(sel, 0, sizeof(*sel));
	sel->text = xstrdup(text);
	/* "" selects every run; an empty term inside a selector is a mistake */
	while ((t = strsep(&rest, ",")) != NULL) {
		char *eq = strchr(t, '=');
		const char *key, *val;
		if (!*t) {
			snprintf(err, errlen, "empty term in selector '%s'", text);
			goto out;
		}
		if (!eq) {
			/* a bare term is a run id or id range */
			if (have_id || parse_id_range(t, &sel->filter.id_lo, &sel->filter.id_hi)) {
				snprintf(err, errlen, "bad term '%s' in selector '%s' (want ID, ID-ID or "
					 "key=value)", t, text);
				goto out;
			}
			have_id = true;
			continue;
		}
		*eq = 0;
		key = t;
		val = eq + 1;
		if (!valid_key(key) || !*val) {
			snprintf(err, errlen, "bad term '%s=%s' in selector '%s'", key, val, text);
			goto out;
		}
		if (!strcmp(key, "id")) {
			if (have_id || parse_id_range(val, &sel->filter.id_lo, &sel->filter.id_hi)) {
				snprintf(err, errlen, "bad run id '%s' in selector '%s'", val, text);
				goto out;
			}
			have_id = true;
		} else if (!strcmp(key, "session")) {
			if (sel->filter.session_id || parse_id(val, &sel->filter.session_id)) {
				snprintf(err, errlen, "bad session id '%s' in selector '%s'", val, text);
				goto out;
			}
		} else if (is_column(key)) {
			if (params_has(&sel->fields, key)) {
				snprintf(err, errlen, "key '%s' given twice in selector '%s'", key, text);
				goto out;
			}
			params_set(&sel->fields, key, val);
		} else {
			const char *close = closest_match(key, columns, ARRAY_SIZE(columns));
			if (close && strlen(key) > 3) {
				snprintf(err, errlen, "unknown key '%s' in selector '%s' (did you mean '%s'?)",
					 key, text, close);
				goto out;
			}
			if (params_has(&sel->param_terms, key)) {
				snprintf(err, errlen, "key '%s' given twice in selector '%s'", key, text);
				goto out;
			}
			params_set(&sel->param_terms, key, val);
		}
	}
	/* the fields are final now: point the filter at them */
	sel->filter.backend = params_get(&sel->fields, "backend");
	sel->filter.strategy = params_get(&sel->fields, "strategy");
	sel->filter.workload = params_get(&sel->fields, "workload");
	sel->filter.label = params_get(&sel->fields, "label");
	sel->filter.status = params_get(&sel->fields, "status");
	sel->filter.kernel = params_get(&sel->fields, "kernel");
	sel->filter.host = params_get(&sel->fields, "host");
	sel->filter.job = params_get(&sel->fields, "job");
	sel->filter.uuid = params_get(&sel->fields, "uuid");
	sel->filter.params = sel->param_terms.n ? &sel->param_terms : NULL;
	ret = 0;
out:
	free(copy);
	if (ret)
		selector_free(sel);
	return ret;
}

void selector_free(struct selector *sel)
{
	free(sel->text);
	params_free(&sel->param_terms);
	params_free(&sel->fields);
	memset(sel, 0, sizeof(*sel));
}

int selector_parse_args(int argc, char **argv, struct selector *sel, char *err, size_t errlen)
{
	struct sbuf sb = SBUF_INIT;
	int ret;
	for (int i = 0; i < argc; i++)
		sbuf_addf(&sb, "%s%s", i ? "," : "", argv[i]);
	ret = selector_parse(sb.buf ? sb.buf : "", sel, err, errlen);
	sbuf_free(&sb);
	return ret;
}
