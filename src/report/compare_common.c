/*
 * What the four compare renderers share: cell formats (CI, change, p),
 * verdict words, run-id ranges and what each side ran on; and the entry
 * point that builds the model (src/core/compare.c) and picks a renderer.
 */
#include "report/compare_int.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* CI half-width as % of the median, "-" without a CI; '!' when noisy/outliers. */
const char *fmt_ci(const struct summary *s, char *buf, size_t len)
{
	double w;
	const char *flag = s->noisy || s->outliers ? "!" : "";

	if (isnan(s->ci_lo)) {
		snprintf(buf, len, "-%s", flag);
		return buf;
	}
	w = fmax(s->ci_hi - s->median, s->median - s->ci_lo);
	if (s->median == 0)
		snprintf(buf, len, "%s%s", w == 0 ? "0.0%" : "inf", flag);
	else if ((w = w / fabs(s->median) * 100.0) < 9.95)
		snprintf(buf, len, "%.1f%%%s", w, flag);
	else if (w < 999.5)
		snprintf(buf, len, "%.0f%%%s", w, flag);
	else
		snprintf(buf, len, "huge%s", flag);
	return buf;
}

const char *fmt_change(double chg, double ratio, char *buf, size_t len)
{
	if (isnan(chg))
		snprintf(buf, len, "-");
	else if (isinf(chg))
		snprintf(buf, len, "from 0");
	else if (chg != 0 && fabs(chg) < 0.05)
		snprintf(buf, len, "%+.1g%%", chg);	/* "+0.004%", not "+0.0%" */
	else if (fabs(chg) < 999.95)
		snprintf(buf, len, "%+.1f%%", chg);
	else if (ratio > 0)
		snprintf(buf, len, "x%.2g", ratio);
	else
		snprintf(buf, len, "%+.2g%%", chg);
	return buf;
}

const char *fmt_p(double p, char *buf, size_t len)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p < 0.001)
		snprintf(buf, len, "<.001");
	else
		snprintf(buf, len, "%.3f", p);
	return buf;
}

const char *verdict(const struct cblock *bl, const struct crow *r)
{
	/* benchstat's rule: a word only for a significant change, never when confounded */
	if (!r->significant || bl->confound.n)
		return "";
	return r->worse ? "worse" : r->improved ? "better" : "";
}

/* "1-4,7,9-10" from run ids (sorted ascending by the store). */
char *fmt_ids(const struct cside *sd, const size_t *idx, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	int64_t *ids = xmalloc((n ? n : 1) * sizeof(*ids));

	for (size_t i = 0; i < n; i++)
		ids[i] = sd->rows[idx ? idx[i] : i].id;
	for (size_t i = 1; i < n; i++)	/* insertion sort: n is small */
		for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			int64_t t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		if (j == i)
			sbuf_addf(&sb, "%s%lld", sb.len ? "," : "", (long long)ids[i]);
		else
			sbuf_addf(&sb, "%s%lld-%lld", sb.len ? "," : "", (long long)ids[i],
				  (long long)ids[j]);
		i = j + 1;
	}
	free(ids);
	return sbuf_detach(&sb);
}

/* A string from the fingerprint JSON by dotted path ("cpu.model_name"), or NULL. */
static const char *json_path_str(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");
		struct json_object *next;
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, key, &next))
			return NULL;
		o = next;
		path += n + (path[n] == '.');
	}
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

/* Distinct hosts of a side, one descriptive string each. */
char **side_hosts(struct store *st, const struct cside *sd, size_t *n)
{
	char **out = NULL;
	int64_t *seen = NULL;
	size_t cnt = 0;

	for (size_t r = 0; r < sd->nrows; r++) {
		const struct run_row *row = &sd->rows[r];
		struct sbuf sb = SBUF_INIT;
		char *json = NULL;
		struct json_object *o = NULL;
		bool dup = false;

		for (size_t i = 0; i < cnt && !dup; i++)
			dup = seen[i] == row->host_id;
		if (dup)
			continue;
		if (store_host_json(st, row->host_id, &json) == 0 && json)
			o = json_tokener_parse(json);
		sbuf_addf(&sb, "host %lld: kernel %s", (long long)row->host_id,
			  row->kernel && *row->kernel ? row->kernel : "?");
		{
			/* keys of host_fingerprint() (src/host/fingerprint.c) */
			const char *hn = json_path_str(o, "hostname");
			const char *cpu = json_path_str(o, "cpu.model_name");
			const char *ucode = json_path_str(o, "cpu.microcode");
			const char *rel = json_path_str(o, "kernel.release");
			if (rel && row->kernel && strcmp(rel, row->kernel))
				sbuf_addf(&sb, " (%s)", rel);
			if (row->host_label && *row->host_label)
				sbuf_addf(&sb, ", label %s", row->host_label);
			if (hn && *hn)
				sbuf_addf(&sb, ", %s", hn);
			if (cpu && *cpu)
				sbuf_addf(&sb, ", %s", cpu);
			if (ucode && *ucode)
				sbuf_addf(&sb, ", microcode %s", ucode);
		}
		if (o)
			json_object_put(o);
		free(json);
		seen = xrealloc(seen, (cnt + 1) * sizeof(*seen));
		out = xrealloc(out, (cnt + 1) * sizeof(*out));
		seen[cnt] = row->host_id;
		out[cnt++] = sbuf_detach(&sb);
	}
	free(seen);
	*n = cnt;
	return out;
}

/* Distinct session command lines of a side, in run order. */
char **side_cmdlines(const struct cside *sd, size_t *n)
{
	char **out = NULL;
	size_t cnt = 0;

	for (size_t r = 0; r < sd->nrows; r++) {
		const char *cl = sd->rows[r].cmdline && *sd->rows[r].cmdline ?
				 sd->rows[r].cmdline : sd->rows[r].reproduce;
		bool dup = false;
		if (!cl || !*cl)
			continue;
		for (size_t i = 0; i < cnt && !dup; i++)
			dup = !strcmp(out[i], cl);
		if (dup)
			continue;
		out = xrealloc(out, (cnt + 1) * sizeof(*out));
		out[cnt++] = xstrdup(cl);
	}
	*n = cnt;
	return out;
}

void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool side_is_model(const struct cside *sd, bool *all)
{
	bool any = false;
	*all = sd->nrows > 0;
	for (size_t r = 0; r < sd->nrows; r++) {
		any |= sd->rows[r].is_model;
		*all &= sd->rows[r].is_model;
	}
	return any;
}

char *side_backends(const struct cside *sd)
{
	struct sbuf sb = SBUF_INIT;
	for (size_t r = 0; r < sd->nrows; r++) {
		char *needle = xasprintf(",%s,", sd->rows[r].backend);
		char *hay = xasprintf(",%s,", sb.buf ? sb.buf : "");
		if (!strstr(hay, needle))
			sbuf_addf(&sb, "%s%s", sb.len ? "," : "", sd->rows[r].backend);
		free(needle);
		free(hay);
	}
	return sbuf_detach(&sb);
}

bool same_hosts(const struct cside *a, const struct cside *b)
{
	for (size_t i = 0; i < a->nrows; i++)
		for (size_t k = 0; k < b->nrows; k++)
			if (a->rows[i].host_id != b->rows[k].host_id)
				return false;
	return true;
}

char *rerun_command(const struct cmp *c)
{
	const char *cmd = NULL;
	struct sbuf sb = SBUF_INIT;

	/* one session ran every side: its command, narrowed to the strategies compared */
	for (size_t s = 0; s < c->nsides; s++)
		for (size_t r = 0; r < c->sides[s].nrows; r++) {
			const char *cl = c->sides[s].rows[r].cmdline;
			if (!cl || !*cl || (cmd && strcmp(cmd, cl)))
				return NULL;
			cmd = cl;
		}
	if (!cmd)
		return NULL;
	sbuf_add(&sb, cmd);
	if (params_has(&c->named, "strategy") && !strstr(cmd, "--strategy")) {
		for (size_t s = 0; s < c->nsides; s++) {
			const char *st = c->sides[s].nrows ? c->sides[s].rows[0].strategy : NULL;
			bool one = true;
			for (size_t r = 0; r < c->sides[s].nrows; r++)
				one &= st && c->sides[s].rows[r].strategy &&
				       !strcmp(st, c->sides[s].rows[r].strategy);
			if (!one) {
				sbuf_free(&sb);
				return NULL;
			}
			sbuf_addf(&sb, "%s%s", s ? "," : " --strategy ", st);
		}
	}
	return sbuf_detach(&sb);
}

int compare_render(struct store *st, const struct compare_req *req, enum compare_format fmt,
		   FILE *out)
{
	struct cmp c;
	int ret;

	if (cmp_build(st, req, &c) < 0) {
		cmp_free(&c);
		return -1;
	}
	switch (fmt) {
	case CMP_TEXT:
		compare_text(st, &c, out);
		break;
	case CMP_MARKDOWN:
		compare_markdown(st, &c, out);
		break;
	case CMP_CSV:
		compare_csv(&c, out);
		break;
	case CMP_JSON:
		compare_json(st, &c, out);
		break;
	}
	ret = c.regression ? 1 : 0;
	cmp_free(&c);
	return ret;
}
