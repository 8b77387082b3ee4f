/*
 * Job file reader on top of libinih. inih does the INI syntax; this file adds
 * what fio users expect around it: include=, a [global] section, file:line in
 * every message. Line numbers come from our own reader callback (inih calls it
 * once per line, right before handling that line), because Debian's inih is
 * built without INI_HANDLER_LINENO.
 */
#include "core/jobfile.h"
#include "lib/textsafe.h"
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const jobfile_reserved_keys[] = {
	"backend", "strategy", "workload", "reps", "warmup", "seed", "label", "include", NULL,
};

#define MAX_INCLUDE_DEPTH 16
/* A job file is a few KiB; anything far bigger is a mistake (or /dev/zero). */
#define MAX_FILE_BYTES (1u << 20)
/* inih's INI_MAX_LINE is 200 in Debian's build: one byte for the NUL, one for '\n'. */
#define MAX_LINE_CHARS (INI_MAX_LINE - 2)

struct parse_ctx {
	struct jobfile *jf;
	const char *file;		/* interned in jf->files */
	const char *outer_section;	/* where keys before any [section] go */
	const char *buf;
	size_t pos, len;
	int line;
	int section_line;		/* of the last [section] header */
	bool cont;			/* the current line is indented: inih continues a value */
	bool in_value;			/* a key line was read since the last [section] */
	char **stack;			/* realpaths of the files being read (include cycles) */
	int depth;
	int errors;
};

static int parse_buffer(struct parse_ctx *ctx);

const struct job_kv *job_get(const struct job *j, const char *key)
{
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->kv[i].key, key))
			return &j->kv[i];
	return NULL;
}

void job_set(struct job *j, const char *key, const char *value, const char *file, int line)
{
	struct job_kv *kv = (struct job_kv *)job_get(j, key);
	if (!kv) {
		GROW(j->kv, j->cap, j->n + 1);
		kv = &j->kv[j->n++];
		kv->key = xstrdup(key);
	} else {
		free(kv->value);
	}
	kv->value = xstrdup(value);
	kv->file = file;
	kv->line = line;
}

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->kv[i].key);
		free(j->kv[i].value);
	}
	free(j->kv);
	free(j->name);
	memset(j, 0, sizeof(*j));
}

void jobfile_free(struct jobfile *jf)
{
	job_free(&jf->global);
	for (size_t i = 0; i < jf->njobs; i++)
		job_free(&jf->jobs[i]);
	free(jf->jobs);
	for (size_t i = 0; i < jf->nfiles; i++)
		free(jf->files[i]);
	free(jf->files);
	free(jf->path);
	sbuf_free(&jf->content);
	memset(jf, 0, sizeof(*jf));
}

static const char *intern_file(struct jobfile *jf, const char *path)
{
	GROW(jf->files, jf->cap_files, jf->nfiles + 1);
	jf->files[jf->nfiles] = xstrdup(path);
	return jf->files[jf->nfiles++];
}

static struct job *section_job(struct parse_ctx *ctx, const char *section)
{
	struct jobfile *jf = ctx->jf;
	if (!*section)
		section = ctx->outer_section;
	if (!strcmp(section, "global"))
		return &jf->global;
	for (size_t i = 0; i < jf->njobs; i++)
		if (!strcmp(jf->jobs[i].name, section))
			return &jf->jobs[i];
	GROW(jf->jobs, jf->cap_jobs, jf->njobs + 1);
	memset(&jf->jobs[jf->njobs], 0, sizeof(jf->jobs[0]));
	jf->jobs[jf->njobs].name = xstrdup(section);
	jf->jobs[jf->njobs].file = ctx->file;
	jf->jobs[jf->njobs].line = *section ? ctx->section_line : ctx->line;
	return &jf->jobs[jf->njobs++];
}

#define perr(ctx, fmt, ...) \
	((ctx)->errors++, error("%s:%d: " fmt, (ctx)->file, (ctx)->line, ##__VA_ARGS__))

/* Why the line at s (n bytes, no newline) is refused, or NULL. */
static const char *bad_line(struct parse_ctx *ctx, const char *s, size_t n, char *why, size_t len)
{
	const char *t = s + strspn(s, " \t"), *close, *rest;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!c)
			return "NUL byte in the line";
		if ((c < 0x20 && c != '\t' && !(c == '\r' && i == n - 1)) || c == 0x7f) {
			snprintf(why, len, "control character 0x%02x in the line", c);
			return why;
		}
	}
	{
		char *copy = xmalloc(n + 1);
		memcpy(copy, s, n);
		copy[n] = 0;
		bool ok = utf8_valid(copy);
		free(copy);
		if (!ok)
			return "invalid UTF-8 in the line";
	}
	if (*t != '[')
		return NULL;
	/* [name], optionally followed by a comment: nothing inih would drop */
	close = memchr(t, ']', n - (size_t)(t - s));
	if (!close)
		return "'[' without ']'";
	if (close == t + 1)
		return "empty section name '[]'";
	for (const char *c = t + 1; c < close; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_-.:@+", *c)) {
			snprintf(why, len, "section name '%.*s' has '%c' (letters, digits and _-.:@+ "
				 "only)", (int)(close - t - 1), t + 1, *c);
			return why;
		}
	rest = close + 1 + strspn(close + 1, " \t\r");
	if (rest < s + n && !strchr(";#", *rest))
		return "text after the section's ']'";
	(void)ctx;
	return NULL;
}

/* fgets() over the in-memory file, counting lines as inih asks for them. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	const char *start, *nl, *why;
	char whybuf[128];
	size_t n, t;
	bool blank, comment, indented;

	if (ctx->pos >= ctx->len)
		return NULL;
	start = ctx->buf + ctx->pos;
	nl = memchr(start, '\n', ctx->len - ctx->pos);
	n = nl ? (size_t)(nl - start) + 1 : ctx->len - ctx->pos;
	ctx->pos += n;
	ctx->line++;
	ctx->cont = false;
	if (n > (size_t)num - 1 || n - (nl ? 1 : 0) > MAX_LINE_CHARS) {
		perr(ctx, "line too long (at most %d characters; split a list with an "
			  "indented continuation line)", MAX_LINE_CHARS);
		goto refuse;
	}
	why = bad_line(ctx, start, n - (nl ? 1 : 0), whybuf, sizeof(whybuf));
	if (why) {
		perr(ctx, "%s", why);
		goto refuse;
	}
	memcpy(str, start, n);
	str[n] = 0;
	t = strspn(str, " \t");
	blank = !str[strspn(str, " \t\r\n")];
	comment = !blank && strchr(";#", str[t]);
	indented = t > 0 && !blank && !comment;
	if (str[t] == '[') {
		ctx->section_line = ctx->line;
		ctx->in_value = false;
		if (indented) {
			perr(ctx, "indented section header (remove the indentation)");
			goto refuse;
		}
		return str;
	}
	if (indented) {
		/* inih continues the previous key's value; with no key before it
		 * would read a key and we would not know it is one */
		if (!ctx->in_value) {
			perr(ctx, "indented line with no key before it in its section "
				  "(remove the indentation)");
			goto refuse;
		}
		ctx->cont = true;
	} else if (!blank && !comment) {
		ctx->in_value = true;
	}
	return str;
refuse:
	strcpy(str, ";\n");	/* hand inih a comment instead */
	return str;
}

static int do_include(struct parse_ctx *ctx, const char *section, const char *value)
{
	struct parse_ctx sub;
	char *path, *dir, *dcopy, *buf, real[PATH_MAX], why[128];
	size_t len;
	int ret = 0;

	if (value[0] == '/') {
		path = xstrdup(value);
	} else {
		dcopy = xstrdup(ctx->file);
		dir = dirname(dcopy);
		path = strcmp(dir, ".") ? xasprintf("%s/%s", dir, value) : xstrdup(value);
		free(dcopy);
	}
	if (ctx->depth >= MAX_INCLUDE_DEPTH) {
		perr(ctx, "include '%s': nested deeper than %d files", value, MAX_INCLUDE_DEPTH);
		goto out;
	}
	if (!realpath(path, real)) {
		perr(ctx, "cannot include '%s': %s", path, strerror(errno));
		goto out;
	}
	for (int i = 0; i < ctx->depth + 1; i++) {
		if (!strcmp(ctx->stack[i], real)) {
			struct sbuf sb = SBUF_INIT;
			for (int k = i; k < ctx->depth + 1; k++)
				sbuf_addf(&sb, "%s -> ", ctx->stack[k]);
			sbuf_add(&sb, real);
			perr(ctx, "include cycle: %s", sb.buf);
			sbuf_free(&sb);
			goto out;
		}
	}
	if (read_file_limited(path, MAX_FILE_BYTES, true, &buf, &len, why, sizeof(why))) {
		perr(ctx, "cannot include '%s': %s", path, why);
		goto out;
	}
	sbuf_addbuf(&ctx->jf->content, buf, len);

	sub = *ctx;
	sub.file = intern_file(ctx->jf, path);
	sub.outer_section = *section ? section : ctx->outer_section;
	sub.buf = buf;
	sub.pos = 0;
	sub.len = len;
	sub.line = 0;
	sub.section_line = 0;
	sub.cont = false;
	sub.in_value = false;
	sub.depth = ctx->depth + 1;
	sub.stack[sub.depth] = xstrdup(real);
	sub.errors = 0;
	ret = parse_buffer(&sub);
	ctx->errors += sub.errors;
	free(sub.stack[sub.depth]);
	free(buf);
out:
	free(path);
	return ret;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = user;
	struct job *j = section_job(ctx, section);
	const struct job_kv *old = job_get(j, name);

	if (ctx->cont) {
		/* an indented line extends the previous key's list */
		char *joined;
		if (strchr(value, '=')) {
			perr(ctx, "indented line is read as a continuation of '%s' "
				  "(remove the indentation)", name);
			return 1;
		}
		if (!old) {
			perr(ctx, "indented line continues '%s', which takes no list "
				  "(remove the indentation)", name);
			return 1;
		}
		if (!*value)
			return 1;
		joined = xasprintf("%s%s%s", old->value,
				   old->value[strlen(old->value) - 1] == ',' ? "" : ",", value);
		job_set(j, name, joined, old->file, old->line);
		free(joined);
		return 1;
	}
	if (!*name) {
		perr(ctx, "no key before '='");
		return 1;
	}
	if (!*value) {
		perr(ctx, "no value for '%s' in [%s]", name, j->name);
		return 1;
	}
	if (!strcmp(name, "include")) {
		do_include(ctx, section, value);
		return 1;
	}
	if (old && old->file == ctx->file && old->line) {
		perr(ctx, "'%s' set twice in [%s] (first at line %d)", name, j->name, old->line);
		return 1;
	}
	job_set(j, name, value, ctx->file, ctx->line);
	return 1;
}

static int parse_buffer(struct parse_ctx *ctx)
{
	int r = ini_parse_stream(reader, ctx, handler, ctx);
	if (r > 0) {
		ctx->errors++;
		error("%s:%d: syntax error (expected '[section]', 'key=value' or a ';' comment)",
		      ctx->file, r);
	} else if (r < 0) {
		ctx->errors++;
		error("%s: cannot parse (out of memory)", ctx->file);
	}
	return ctx->errors ? -1 : 0;
}

int jobfile_load(struct jobfile *jf, const char *path)
{
	struct parse_ctx ctx = { 0 };
	char *stack[MAX_INCLUDE_DEPTH + 1];
	char real[PATH_MAX], why[128];
	size_t len;
	char *buf;
	int ret;

	memset(jf, 0, sizeof(*jf));
	jf->path = xstrdup(path);
	jf->global.name = xstrdup("global");
	/* any file type (a pipe from <(...) is fine), but bounded */
	if (read_file_limited(path, MAX_FILE_BYTES, false, &buf, &len, why, sizeof(why)))
		return error("cannot read job file '%s': %s", path, why);
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	sbuf_addbuf(&jf->content, buf, len);

	ctx.jf = jf;
	ctx.file = intern_file(jf, path);
	jf->global.file = ctx.file;
	ctx.outer_section = "global";
	ctx.buf = buf;
	ctx.len = len;
	ctx.stack = stack;
	stack[0] = real;
	ret = parse_buffer(&ctx);
	free(buf);
	return ret;
}
