/*
 * Job files + flags -> the list of job instances. The rules, in the order a
 * user meets them:
 *   - a job sees [global], then its own section, then the command line
 *     (later wins);
 *   - a key from a job section must mean something to that job (its
 *     workloads' params, workload_common_opts, its backends' knobs, or a
 *     runner key); a key from [global] or the command line may skip jobs it
 *     does not apply to, but must apply to at least one;
 *   - every list or range expands into a matrix: backend x workload x
 *     params (in the order they were written) x strategy.
 */
#include "core/plan.h"
#include "lib/hash.h"
#include "lib/textsafe.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum scope { SC_JOB, SC_SHARED };	/* SC_SHARED: [global] or the command line */

struct ekv {
	const char *key, *value, *file;
	int line;
	enum scope scope;
	bool *used;		/* shared keys: set once any job used it */
};

struct eset {
	struct ekv *v;
	size_t n, cap;
};

static void eset_put(struct eset *e, const char *key, const char *value, const char *file,
		     int line, enum scope scope, bool *used)
{
	for (size_t i = 0; i < e->n; i++) {
		if (!strcmp(e->v[i].key, key)) {
			/* an overridden shared key still counts as used */
			if (e->v[i].used)
				*e->v[i].used = true;
			e->v[i] = (struct ekv){ key, value, file, line, scope, used };
			return;
		}
	}
	GROW(e->v, e->cap, e->n + 1);
	e->v[e->n++] = (struct ekv){ key, value, file, line, scope, used };
}

static const struct ekv *eset_get(const struct eset *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->v[i].key, key))
			return &e->v[i];
	return NULL;
}

/* "a.ini:3: " or "--set: " */
static const char *where(const struct ekv *kv, char *buf, size_t len)
{
	if (kv->line)
		snprintf(buf, len, "%s:%d", kv->file, kv->line);
	else
		snprintf(buf, len, "%s", kv->file);
	return buf;
}

void plan_free_values(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Exact size text: the largest binary unit that divides it (8G, 1536M, 4095). */
static char *size_text(uint64_t b)
{
	static const char units[] = "KMGTP";
	int u = -1;
	while (b && b % 1024 == 0 && u < 4) {
		b /= 1024;
		u++;
	}
	if (u < 0)
		return xasprintf("%llu", (unsigned long long)b);
	return xasprintf("%llu%c", (unsigned long long)b, units[u]);
}

static int parse_num(const char *s, enum opt_type type, uint64_t *v)
{
	return type == OPT_SIZE ? parse_size(s, v) : parse_u64(s, v);
}

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static int expand_range(const char *tok, enum opt_type type, char ***out, size_t *n, size_t *cap,
			char *err, size_t errlen)
{
	char *copy = xstrdup(tok), *dots = strstr(copy, ".."), *colon, *hi_s, *step_s = NULL;
	uint64_t lo, hi, step = 1;
	bool mul = false;
	int ret = -1;

	*dots = 0;
	hi_s = dots + 2;
	colon = strchr(hi_s, ':');
	if (colon) {
		*colon = 0;
		step_s = colon + 1;
		if (*step_s == '*') {
			mul = true;
			step_s++;
		}
	}
	if (type != OPT_U64 && type != OPT_NS && type != OPT_SIZE) {
		snprintf(err, errlen, "'%s': a range needs an integer or size key", tok);
		goto out;
	}
	if (parse_num(trim(copy), type, &lo) || parse_num(trim(hi_s), type, &hi)) {
		snprintf(err, errlen, "'%s': range ends must be %s values", tok,
			 type == OPT_SIZE ? "size" : "integer");
		goto out;
	}
	if (step_s && (mul ? parse_u64(trim(step_s), &step) : parse_num(trim(step_s), type, &step))) {
		snprintf(err, errlen, "'%s': bad step '%s'", tok, step_s);
		goto out;
	}
	if (!step_s && type == OPT_SIZE) {
		snprintf(err, errlen, "'%s': a size range needs a step (e.g. 1G..4G:1G)", tok);
		goto out;
	}
	if (lo > hi) {
		snprintf(err, errlen, "'%s': range goes backwards", tok);
		goto out;
	}
	if (mul ? step < 2 || lo == 0 : step == 0) {
		snprintf(err, errlen, "'%s': step must be %s", tok,
			 mul ? "*2 or more, from a non-zero start" : "positive");
		goto out;
	}
	for (uint64_t v = lo;;) {
		if (*n >= PLAN_MAX_VALUES) {
			snprintf(err, errlen, "'%s': more than %d values", tok, PLAN_MAX_VALUES);
			goto out;
		}
		GROW(*out, *cap, *n + 1);
		(*out)[(*n)++] = type == OPT_SIZE ? size_text(v) :
				 xasprintf("%llu", (unsigned long long)v);
		if (mul ? v > hi / step : hi - v < step)
			break;
		v = mul ? v * step : v + step;
		if (v > hi)
			break;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * vcpus=1,1 or mem=1G,1024M would run the same instance twice under two
 * names: compare values as numbers where they are numbers.
 */
static bool has_duplicate(const char *value, char **v, size_t n, enum opt_type type, char *err,
			  size_t errlen)
{
	char **canon = xcalloc(n ? n : 1, sizeof(*canon));
	bool dup = false;

	for (size_t i = 0; i < n; i++) {
		uint64_t u;
		double x;
		if ((type == OPT_SIZE && !parse_size(v[i], &u)) ||
		    ((type == OPT_U64 || type == OPT_NS) && !parse_u64(v[i], &u)))
			canon[i] = xasprintf("%llu", (unsigned long long)u);
		else if (type == OPT_DOUBLE && !parse_double(v[i], &x))
			canon[i] = xasprintf("%.17g", x);
		else
			canon[i] = xstrdup(v[i]);
	}
	qsort(canon, n, sizeof(*canon), cmp_str);
	for (size_t i = 1; i < n && !dup; i++) {
		if (!strcmp(canon[i - 1], canon[i])) {
			snprintf(err, errlen, "'%s': lists one value twice (%s)", value, canon[i]);
			dup = true;
		}
	}
	plan_free_values(canon, n);
	return dup;
}

int plan_expand_value(const char *value, enum opt_type type, char ***out, size_t *n,
		      char *err, size_t errlen)
{
	char *copy = xstrdup(value), *save = NULL, *tok, *p;
	size_t cap = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	/* strtok_r would swallow empty elements: check for them first */
	for (p = copy;; p++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (strspn(p, " \t") >= len) {
			snprintf(err, errlen, "'%s': empty element in list", value);
			free(copy);
			return -1;
		}
		if (!end)
			break;
		p = (char *)end;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (strstr(tok, "..") && (type == OPT_U64 || type == OPT_NS || type == OPT_SIZE ||
					  type == OPT_DOUBLE)) {
			if (expand_range(tok, type, out, n, &cap, err, errlen)) {
				ret = -1;
				break;
			}
			continue;
		}
		if (*n >= PLAN_MAX_VALUES) {
			snprintf(err, errlen, "'%s': more than %d values", value, PLAN_MAX_VALUES);
			ret = -1;
			break;
		}
		GROW(*out, cap, *n + 1);
		(*out)[(*n)++] = xstrdup(tok);
	}
	free(copy);
	if (!ret && has_duplicate(value, *out, *n, type, err, errlen))
		ret = -1;
	if (ret) {
		plan_free_values(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

/* The expansion of one key: its list, or the whole text for a one-value key. */
static int expand_key(const struct opt_desc *d, const char *value, char ***out, size_t *n,
		      char *err, size_t errlen)
{
	if (!d->one_value)
		return plan_expand_value(value, d->type, out, n, err, errlen);
	*out = xmalloc(sizeof(**out));
	(*out)[0] = xstrdup(value);
	*n = 1;
	return 0;
}

static bool is_reserved(const char *key)
{
	for (int i = 0; jobfile_reserved_keys[i]; i++)
		if (!strcmp(jobfile_reserved_keys[i], key))
			return true;
	return false;
}

static const struct backend_ops *find_backend(const struct backend_ops *const *all, const char *name)
{
	for (size_t i = 0; all[i]; i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* The descriptor a key has for one backend + workload, NULL if none. */
static const struct opt_desc *key_desc(const struct backend_ops *be, const struct workload_desc *wl,
				       const char *key)
{
	/* the workload's own table first: it may narrow a common key (multi-td's tds) */
	const struct opt_desc *d = opt_find(wl->params, key);
	if (!d)
		d = opt_find(workload_common_opts, key);
	if (!d)
		d = opt_find(be->knobs, key);
	return d;
}


static void names_add_table(struct strlist *nm, const struct opt_desc *t)
{
	for (; t && t->name; t++)
		strlist_add_unique(nm, t->name);
}

/*
 * "did you mean 'x'?", and the valid names when they are few enough to read
 * on one line (always when nothing is close).
 */
static char *suggest(const char *word, const char *const *cands, size_t n, const char *what)
{
	const char *close = closest_match(word, cands, n);
	struct sbuf sb = SBUF_INIT;
	if (close)
		sbuf_addf(&sb, "did you mean '%s'?", close);
	if (close && n > 12)
		return sbuf_detach(&sb);
	sbuf_addf(&sb, "%svalid %s: ", close ? " " : "", what);
	for (size_t i = 0; i < n; i++)
		sbuf_addf(&sb, "%s%s", i ? ", " : "", cands[i]);
	if (!n)
		sbuf_add(&sb, "none");
	return sbuf_detach(&sb);
}

/* Workload names for messages: the test-only ones stay out of sight. */
static struct strlist visible_workloads(void)
{
	struct strlist nm = { 0 };
	for (const struct workload_desc *const *w = workload_all(); *w; w++)
		if (!((*w)->flags & WL_TEST_ONLY))
			strlist_add_unique(&nm, (*w)->name);
	return nm;
}

static size_t count_names(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

struct builder {
	struct plan *pl;
	const struct plan_overrides *ov;
	const struct backend_ops *const *backends;
	int errors;
	struct strlist keys;	/* every key any job here accepts, for suggestions */
};

#define kverr(b, kv, fmt, ...) do {					\
	char w_[PATH_MAX_WHERE];					\
	(b)->errors++;							\
	error("%s: " fmt, where(kv, w_, sizeof(w_)), ##__VA_ARGS__);	\
} while (0)
#define PATH_MAX_WHERE 512

static int get_u64_key(struct builder *b, const struct eset *e, const char *key, uint64_t def,
		       uint64_t min, uint64_t *out)
{
	const struct ekv *kv = eset_get(e, key);
	*out = def;
	if (!kv)
		return 0;
	if (parse_u64(kv->value, out) || *out < min) {
		kverr(b, kv, "%s=%s: must be an integer >= %llu (one value, not a list)", key,
		      kv->value, (unsigned long long)min);
		return -1;
	}
	return 0;
}

/* A name list (backend=, workload=, strategy=): commas only. */
static int name_list(struct builder *b, const struct ekv *kv, char ***v, size_t *n)
{
	char err[256];
	if (plan_expand_value(kv->value, OPT_STRING, v, n, err, sizeof(err))) {
		kverr(b, kv, "%s=%s", kv->key, err);
		return -1;
	}
	return 0;
}

struct keyvals {		/* one key's expansion for one backend + workload */
	const struct ekv *kv;
	char **vals;
	size_t n;
};

static void emit(struct builder *b, const char *job, const char *src, const struct backend_ops *be,
		 const struct workload_desc *wl, const char *strategy, const struct keyvals *kvs,
		 const size_t *idx, size_t nk, int reps, int warmup, uint64_t seed, const char *label)
{
	struct plan *pl = b->pl;
	struct plan_item *it;
	if (pl->n >= PLAN_MAX_INSTANCES) {
		if (pl->n == PLAN_MAX_INSTANCES)
			error("the plan expands to more than %d job instances", PLAN_MAX_INSTANCES);
		b->errors++;
		return;
	}
	GROW(pl->items, pl->cap, pl->n + 1);
	it = &pl->items[pl->n++];
	memset(it, 0, sizeof(*it));
	it->job = xstrdup(job);
	it->where = xstrdup(src);
	it->be = be;
	it->wl = wl;
	it->strategy = strategy ? xstrdup(strategy) : NULL;
	for (size_t k = 0; k < nk; k++)
		params_set(&it->params, kvs[k].kv->key, kvs[k].vals[idx[k]]);
	it->reps = reps;
	it->warmup = warmup;
	it->seed = seed;
	it->label = label ? xstrdup(label) : NULL;
}

/*
 * Count what a backend x workload of a job expands to before expanding it:
 * 4096 values in each of a few keys is far beyond any plan, and looping
 * through it only to refuse it at the end could take hours.
 */
static bool too_many(struct builder *b, const char *src, const char *job,
		     const struct keyvals *kvs, size_t nk, size_t nstrategies)
{
	uint64_t total = nstrategies;
	bool over = false;
	char num[32];

	for (size_t k = 0; k < nk && !over; k++)
		over = __builtin_mul_overflow(total, (uint64_t)kvs[k].n, &total);
	if (!over)
		over = __builtin_add_overflow(total, (uint64_t)b->pl->n, &total);
	if (!over && total <= PLAN_MAX_INSTANCES)
		return false;
	b->errors++;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)total);
	error("%s: job '%s' expands the plan to %s job instances (at most %d)", src, job,
	      over ? "more than 2^64" : num, PLAN_MAX_INSTANCES);
	return true;
}

/* Expand one job (its merged keys in e) into instances. */
static void build_job(struct builder *b, const char *job, const char *src, const struct eset *e)
{
	const struct ekv *kv_be = eset_get(e, "backend"), *kv_wl = eset_get(e, "workload");
	const struct ekv *kv_st = eset_get(e, "strategy"), *kv_label = eset_get(e, "label");
	char **be_names = NULL, **wl_names = NULL, **st_names = NULL;
	size_t nbe = 0, nwl = 0, nst = 0;
	const struct backend_ops **bes = NULL;
	const struct workload_desc **wls = NULL;
	uint64_t reps, warmup, seed;
	int errors0 = b->errors;
	struct keyvals *kvs = NULL;
	size_t *idx = NULL;

	get_u64_key(b, e, "reps", PLAN_DEFAULT_REPS, 1, &reps);
	get_u64_key(b, e, "warmup", PLAN_DEFAULT_WARMUP, 0, &warmup);
	get_u64_key(b, e, "seed", PLAN_DEFAULT_SEED, 0, &seed);
	if (reps > PLAN_MAX_REPS || warmup > PLAN_MAX_REPS) {
		b->errors++;
		error("%s: reps/warmup above %d", src, PLAN_MAX_REPS);
	}

	if (kv_be) {
		name_list(b, kv_be, &be_names, &nbe);
	} else {
		be_names = xmalloc(sizeof(*be_names));
		be_names[0] = xstrdup(PLAN_DEFAULT_BACKEND);
		nbe = 1;
	}
	bes = xcalloc(nbe ? nbe : 1, sizeof(*bes));
	for (size_t i = 0; i < nbe; i++) {
		const char *const *all = (const char *const *)NULL;
		struct strlist nm = { 0 };
		bes[i] = find_backend(b->backends, be_names[i]);
		if (bes[i])
			continue;
		for (size_t k = 0; b->backends[k]; k++)
			strlist_add_unique(&nm, b->backends[k]->name);
		all = nm.v;
		{
			char *s = suggest(be_names[i], all, nm.n, "backends");
			if (kv_be) {
				kverr(b, kv_be, "unknown backend '%s' (%s)", be_names[i], s);
			} else {
				b->errors++;
				error("%s: default backend '%s' is not built in (%s)", src,
				      be_names[i], s);
			}
			free(s);
		}
		free(nm.v);
	}

	if (!kv_wl) {
		struct strlist nm = visible_workloads();
		char *s = suggest("", nm.v, nm.n, "workloads");
		free(nm.v);
		b->errors++;
		error("%s: job '%s' has no workload (set workload= in it or in [global]; %s)",
		      src, job, s);
		free(s);
	} else if (!name_list(b, kv_wl, &wl_names, &nwl)) {
		wls = xcalloc(nwl, sizeof(*wls));
		for (size_t i = 0; i < nwl; i++) {
			wls[i] = workload_find(wl_names[i]);
			if (!wls[i]) {
				struct strlist nm = visible_workloads();
				char *s = suggest(wl_names[i], nm.v, nm.n, "workloads");
				free(nm.v);
				kverr(b, kv_wl, "unknown workload '%s' (%s)", wl_names[i], s);
				free(s);
			}
		}
	}
	if (kv_st)
		name_list(b, kv_st, &st_names, &nst);
	/* stored and printed everywhere: no terminal control, valid UTF-8 for JSON */
	if (kv_label && has_control_or_bad_utf8(kv_label->value))
		kverr(b, kv_label, "label: control characters or invalid UTF-8 (plain text only)");
	if (b->errors != errors0)
		goto out;

	/* strategies must exist for every backend they are asked of */
	for (size_t i = 0; i < nbe && kv_st; i++) {
		const char *const *known = bes[i]->strategies;
		if (!known) {
			if (kv_st->scope == SC_JOB)
				kverr(b, kv_st, "backend '%s' has no strategies (drop strategy=)",
				      bes[i]->name);
			continue;
		}
		if (kv_st->used)
			*kv_st->used = true;
		for (size_t s = 0; s < nst; s++) {
			bool found = false;
			for (size_t k = 0; known[k]; k++)
				found |= !strcmp(known[k], st_names[s]);
			if (!found) {
				char *sg = suggest(st_names[s], known, count_names(known),
						   "strategies");
				kverr(b, kv_st, "unknown strategy '%s' for backend '%s' (%s)",
				      st_names[s], bes[i]->name, sg);
				free(sg);
			}
		}
	}

	for (int r = 0; jobfile_reserved_keys[r]; r++)
		strlist_add_unique(&b->keys, jobfile_reserved_keys[r]);
	names_add_table(&b->keys, workload_common_opts);
	for (size_t w = 0; w < nwl; w++)
		names_add_table(&b->keys, wls[w]->params);
	for (size_t i = 0; i < nbe; i++)
		names_add_table(&b->keys, bes[i]->knobs);

	/* every other key: applies to some backend x workload, values valid */
	for (size_t k = 0; k < e->n; k++) {
		const struct ekv *kv = &e->v[k];
		bool applies = false;
		if (is_reserved(kv->key)) {
			if (kv->used)
				*kv->used = true;
			continue;
		}
		for (size_t i = 0; i < nbe; i++) {
			for (size_t w = 0; w < nwl; w++) {
				const struct opt_desc *d = key_desc(bes[i], wls[w], kv->key);
				char **vals, err[512];
				size_t nv;
				if (!d)
					continue;
				applies = true;
				if (expand_key(d, kv->value, &vals, &nv, err, sizeof(err))) {
					kverr(b, kv, "%s=%s", kv->key, err);
					goto next_key;
				}
				for (size_t v = 0; v < nv; v++) {
					if (opt_validate(d, vals[v], err, sizeof(err))) {
						kverr(b, kv, "%s", err);
						break;
					}
				}
				plan_free_values(vals, nv);
			}
		}
		if (applies && kv->used)
			*kv->used = true;
		if (!applies && kv->scope == SC_JOB) {
			struct strlist nm = { 0 };
			char *s;
			for (int r = 0; jobfile_reserved_keys[r]; r++)
				strlist_add_unique(&nm, jobfile_reserved_keys[r]);
			names_add_table(&nm, workload_common_opts);
			for (size_t w = 0; w < nwl; w++)
				names_add_table(&nm, wls[w]->params);
			for (size_t i = 0; i < nbe; i++)
				names_add_table(&nm, bes[i]->knobs);
			s = suggest(kv->key, nm.v, nm.n, "keys");
			kverr(b, kv, "unknown key '%s' in job '%s' (%s)", kv->key, job, s);
			free(s);
			free(nm.v);
		}
next_key:;
	}
	if (b->errors != errors0)
		goto out;

	kvs = xcalloc(e->n ? e->n : 1, sizeof(*kvs));
	idx = xcalloc(e->n ? e->n : 1, sizeof(*idx));
	for (size_t i = 0; i < nbe; i++) {
		for (size_t w = 0; w < nwl; w++) {
			size_t nk = 0;
			char err[256];
			/* the keys this backend + workload take, each with its value list */
			for (size_t k = 0; k < e->n; k++) {
				const struct opt_desc *d;
				if (is_reserved(e->v[k].key))
					continue;
				d = key_desc(bes[i], wls[w], e->v[k].key);
				if (!d)
					continue;
				kvs[nk].kv = &e->v[k];
				if (expand_key(d, e->v[k].value, &kvs[nk].vals, &kvs[nk].n, err,
					       sizeof(err)))
					BUG("value validated above no longer expands: %s", err);
				idx[nk] = 0;
				nk++;
			}
			if (too_many(b, src, job, kvs, nk, bes[i]->strategies && nst ? nst : 1)) {
				for (size_t k = 0; k < nk; k++)
					plan_free_values(kvs[k].vals, kvs[k].n);
				goto out;
			}
			for (;;) {
				size_t ns = bes[i]->strategies && nst ? nst : 1;
				for (size_t s = 0; s < ns; s++)
					emit(b, job, src, bes[i], wls[w],
					     bes[i]->strategies && nst ? st_names[s] : NULL, kvs, idx,
					     nk, (int)reps, (int)warmup, seed,
					     kv_label ? kv_label->value : NULL);
				/* odometer, last key fastest */
				size_t k = nk;
				while (k > 0) {
					if (++idx[k - 1] < kvs[k - 1].n)
						break;
					idx[k - 1] = 0;
					k--;
				}
				if (k == 0)
					break;
			}
			for (size_t k = 0; k < nk; k++)
				plan_free_values(kvs[k].vals, kvs[k].n);
		}
	}
out:
	free(kvs);
	free(idx);
	plan_free_values(be_names, nbe);
	plan_free_values(wl_names, nwl);
	plan_free_values(st_names, nst);
	free(bes);
	free(wls);
}

/* Command-line settings as a pseudo job section. */
struct cli_keys {
	struct job job;
	struct params set;
	bool *used;
};

static int cli_keys_init(struct cli_keys *c, const struct plan_overrides *ov)
{
	char err[256], num[32];
	memset(c, 0, sizeof(*c));
	c->job.name = xstrdup("command line");
	if (ov->backend)
		job_set(&c->job, "backend", ov->backend, "--backend", 0);
	if (ov->strategy)
		job_set(&c->job, "strategy", ov->strategy, "--strategy", 0);
	if (ov->workload)
		job_set(&c->job, "workload", ov->workload, "--workload", 0);
	if (ov->label)
		job_set(&c->job, "label", ov->label, "--label", 0);
	if (ov->reps >= 0) {
		snprintf(num, sizeof(num), "%d", ov->reps);
		job_set(&c->job, "reps", num, "--reps", 0);
	}
	if (ov->warmup >= 0) {
		snprintf(num, sizeof(num), "%d", ov->warmup);
		job_set(&c->job, "warmup", num, "--warmup", 0);
	}
	if (ov->have_seed) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)ov->seed);
		job_set(&c->job, "seed", num, "--seed", 0);
	}
	if (ov->set) {
		if (params_parse_assignments(&c->set, ov->set, err, sizeof(err)))
			return error("--set: %s", err);
		for (size_t i = 0; i < c->set.n; i++) {
			if (!strcmp(c->set.v[i].key, "include"))
				return error("--set: 'include' only works in job files");
			job_set(&c->job, c->set.v[i].key, c->set.v[i].value, "--set", 0);
		}
	}
	c->used = xcalloc(c->job.n + 1, sizeof(bool));
	return 0;
}

static void cli_keys_free(struct cli_keys *c)
{
	for (size_t i = 0; i < c->job.n; i++) {
		free(c->job.kv[i].key);
		free(c->job.kv[i].value);
	}
	free(c->job.kv);
	free(c->job.name);
	params_free(&c->set);
	free(c->used);
}

static void add_section(struct eset *e, const struct job *j, enum scope sc, bool *used)
{
	for (size_t i = 0; i < j->n; i++)
		eset_put(e, j->kv[i].key, j->kv[i].value, j->kv[i].file, j->kv[i].line, sc,
			 used ? &used[i] : NULL);
}

/* A shared key no job could use is as wrong as an unknown key in a job. */
static void report_unused(struct builder *b, const struct job *j, const bool *used)
{
	for (size_t i = 0; i < j->n; i++) {
		const struct job_kv *kv = &j->kv[i];
		struct ekv e = { kv->key, kv->value, kv->file, kv->line, SC_SHARED, NULL };
		const char *close;
		if (used[i] || !strcmp(kv->key, "include"))
			continue;
		close = closest_match(kv->key, b->keys.v, b->keys.n);
		if (close)
			kverr(b, &e, "key '%s' applies to no job (did you mean '%s'?)", kv->key, close);
		else
			kverr(b, &e, "key '%s' applies to no job (not a runner key, workload "
				     "parameter or backend knob of any job here)", kv->key);
	}
}

int plan_build(struct plan *pl, struct jobfile *files, size_t nfiles,
	       const struct plan_overrides *ov)
{
	struct builder b = { pl, ov, ov->backends ? ov->backends : backend_all(), 0, { 0 } };
	struct cli_keys cli;
	struct sbuf names = SBUF_INIT;

	memset(pl, 0, sizeof(*pl));
	if (cli_keys_init(&cli, ov)) {
		cli_keys_free(&cli);
		return -1;
	}
	if (!nfiles) {
		struct eset e = { 0 };
		add_section(&e, &cli.job, SC_JOB, NULL);
		build_job(&b, "cli", "command line", &e);
		free(e.v);
	}
	for (size_t f = 0; f < nfiles; f++) {
		struct jobfile *jf = &files[f];
		bool *gused = xcalloc(jf->global.n + 1, sizeof(bool));
		char src[PATH_MAX_WHERE];
		sbuf_addf(&names, "%s%s", f ? " " : "", jf->path);
		if (!jf->njobs) {
			/* a file with only [global] is one job named after the file */
			struct eset e = { 0 };
			char *base = xstrdup(strrchr(jf->path, '/') ? strrchr(jf->path, '/') + 1 :
					     jf->path);
			char *dot = strrchr(base, '.');
			if (dot && dot != base)
				*dot = 0;
			add_section(&e, &jf->global, SC_JOB, NULL);
			add_section(&e, &cli.job, SC_SHARED, cli.used);
			snprintf(src, sizeof(src), "%s", jf->path);
			build_job(&b, base, src, &e);
			free(base);
			free(e.v);
		}
		for (size_t j = 0; j < jf->njobs; j++) {
			struct eset e = { 0 };
			const struct job *job = &jf->jobs[j];
			add_section(&e, &jf->global, SC_SHARED, gused);
			add_section(&e, job, SC_JOB, NULL);
			add_section(&e, &cli.job, SC_SHARED, cli.used);
			snprintf(src, sizeof(src), "%s:%d", job->file, job->line);
			build_job(&b, job->name, src, &e);
			free(e.v);
		}
		if (jf->njobs && !b.errors)
			report_unused(&b, &jf->global, gused);
		free(gused);
	}
	if (nfiles && !b.errors)
		report_unused(&b, &cli.job, cli.used);
	cli_keys_free(&cli);
	free(b.keys.v);

	if (nfiles) {
		struct sbuf all = SBUF_INIT;
		for (size_t f = 0; f < nfiles; f++)
			for (size_t i = 0; i < files[f].content.len; i++)
				sbuf_addch(&all, files[f].content.buf[i]);
		pl->hash = hash_sha256_hex(all.buf ? all.buf : "", all.len);
		sbuf_free(&all);
		pl->jobfiles = sbuf_detach(&names);
	}
	sbuf_free(&names);
	if (!b.errors && !pl->n) {
		error("the plan is empty (no job has anything to run)");
		b.errors++;
	}
	if (b.errors) {
		plan_free(pl);
		return -1;
	}
	return 0;
}

void plan_item_free(struct plan_item *it)
{
	free(it->job);
	free(it->where);
	free(it->strategy);
	free(it->label);
	params_free(&it->params);
}

void plan_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		plan_item_free(&pl->items[i]);
	free(pl->items);
	free(pl->jobfiles);
	free(pl->hash);
	memset(pl, 0, sizeof(*pl));
}

char *plan_item_describe(const struct plan_item *it)
{
	struct sbuf sb = SBUF_INIT;
	char *canon = params_canonical(&it->params);
	sbuf_addf(&sb, "%s: %s", it->job, it->be->name);
	if (it->strategy)
		sbuf_addf(&sb, " strategy=%s", it->strategy);
	sbuf_addf(&sb, " workload=%s", it->wl->name);
	if (*canon)
		sbuf_addf(&sb, " %s", canon);
	sbuf_addf(&sb, " reps=%d", it->reps);
	if (it->warmup)
		sbuf_addf(&sb, " warmup=%d", it->warmup);
	sbuf_addf(&sb, " seed=%llu", (unsigned long long)it->seed);
	if (it->label)
		sbuf_addf(&sb, " label=%s", it->label);
	free(canon);
	return sbuf_detach(&sb);
}

static void add_opt(struct sbuf *sb, const char *opt, const char *val)
{
	char *q = shell_quote(val);
	sbuf_addf(sb, " %s %s", opt, q);
	free(q);
}

char *plan_item_reproduce(const struct plan_item *it)
{
	struct sbuf sb = SBUF_INIT;
	char num[32];
	sbuf_add(&sb, "tdxbench run");
	add_opt(&sb, "--backend", it->be->name);
	if (it->strategy)
		add_opt(&sb, "--strategy", it->strategy);
	add_opt(&sb, "--workload", it->wl->name);
	if (it->params.n) {
		char *canon = params_canonical(&it->params);
		add_opt(&sb, "--set", canon);
		free(canon);
	}
	snprintf(num, sizeof(num), "%d", it->reps);
	add_opt(&sb, "--reps", num);
	snprintf(num, sizeof(num), "%d", it->warmup);
	add_opt(&sb, "--warmup", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)it->seed);
	add_opt(&sb, "--seed", num);
	if (it->label)
		add_opt(&sb, "--label", it->label);
	return sbuf_detach(&sb);
}
