#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((format(printf, 2, 0)))
static void vreport(const char *prefix, const char *fmt, va_list ap, int errnum)
{
	fprintf(stderr, "tdxbench: %s", prefix);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

int error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap, 0);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap, e);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap, 0);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap, 0);
	va_end(ap);
	exit(EXIT_FAIL);
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tdxbench: BUG at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

/*
 * xcalloc_huge(): a header in the cache line before the array says how it
 * was made. Large arrays are their own mapping, aligned to 2 MiB so that
 * every huge page of it lies inside it; small ones come from calloc.
 */
#define HUGE_PAGE (2 * MiB)
#define HUGE_HDR 64
struct huge_hdr {
	void *base;
	size_t map_len;		/* 0: calloc'd */
};

void *xcalloc_huge(size_t nmemb, size_t size)
{
	struct huge_hdr *h;
	size_t bytes, len;
	char *map, *start;

	if (size && nmemb > (SIZE_MAX - HUGE_HDR - 2 * HUGE_PAGE) / size)
		die("out of memory allocating %zu x %zu bytes", nmemb, size);
	bytes = nmemb * size;
	if (bytes < 1 * MiB) {
		char *p = xcalloc(1, HUGE_HDR + bytes);
		h = (struct huge_hdr *)p;
		h->base = p;
		h->map_len = 0;
		return p + HUGE_HDR;
	}
	len = (HUGE_HDR + bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	map = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		die("out of memory allocating %zu x %zu bytes", nmemb, size);
	start = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (start > map)
		munmap(map, (size_t)(start - map));
	if (start + len < map + len + HUGE_PAGE)
		munmap(start + len, (size_t)(map + len + HUGE_PAGE - (start + len)));
	/* advice only: with THP off the array just stays on 4K pages */
	(void)madvise(start, len, MADV_HUGEPAGE);
	h = (struct huge_hdr *)start;
	h->base = start;
	h->map_len = len;
	return start + HUGE_HDR;
}

void free_huge(void *p)
{
	struct huge_hdr *h;

	if (!p)
		return;
	h = (struct huge_hdr *)((char *)p - HUGE_HDR);
	if (h->map_len)
		munmap(h->base, h->map_len);
	else
		free(h->base);
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		die("out of memory");
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

void grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			BUG("array of %zu elements overflows", need);
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		BUG("array of %zu x %zu bytes overflows", ncap, elem);
	*p = xrealloc(*p, ncap * elem);
	*cap = ncap;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;
	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': mul = KiB; end++; break;
	case 'M': mul = MiB; end++; break;
	case 'G': mul = GiB; end++; break;
	case 'T': mul = TiB; end++; break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -1;
	if (v && mul > UINT64_MAX / v)
		return -1;
	*out = v * mul;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;
	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	/* nan and inf parse, but no knob or option means them */
	if (errno || *end || end == s || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) { *out = true; return 0; }
		if (!strcasecmp(s, no[i])) { *out = false; return 0; }
	}
	return -1;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(*row));
	size_t r;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + cost);
			prev = cur;
		}
	}
	r = row[lb];
	free(row);
	return r;
}

const char *closest_match(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, wl = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t d;
		if (!cands[i])
			continue;
		/* a prefix is a strong hint ("strat" -> "strategies") */
		if (wl >= 3 && !strncmp(cands[i], word, wl))
			return cands[i];
		d = edit_distance(word, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	if (best && best_d <= 3 && best_d * 2 <= MAX(wl, (size_t)2))
		return best;
	return NULL;
}

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

const char *utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	GROW(sb->buf, sb->cap, sb->len + (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sbuf_add(struct sbuf *sb, const char *s)
{
	size_t n = strlen(s);
	GROW(sb->buf, sb->cap, sb->len + n + 1);
	memcpy(sb->buf + sb->len, s, n + 1);
	sb->len += n;
}

void sbuf_addbuf(struct sbuf *sb, const void *p, size_t n)
{
	GROW(sb->buf, sb->cap, sb->len + n + 1);
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
}

void sbuf_addch(struct sbuf *sb, char c)
{
	GROW(sb->buf, sb->cap, sb->len + 2);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = 0;
}

void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = 0;
}

void sbuf_free(struct sbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *sbuf_detach(struct sbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void strlist_add_unique(struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return;
	GROW(l->v, l->cap, l->n + 1);
	l->v[l->n++] = s;
}

char *data_path(const char *rel)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *env = getenv("TDXBENCH_DATA");
	if (env && *env)
		return xasprintf("%s/%s", env, rel);
	if (n > 0) {
		char *slash, *cand;
		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		/* source tree: the binary sits at the top, or in build/ for sanitizer builds */
		cand = xasprintf("%s/%s", exe, rel);
		if (access(cand, F_OK) == 0)
			return cand;
		free(cand);
		cand = xasprintf("%s/../%s", exe, rel);
		if (access(cand, F_OK) == 0)
			return cand;
		free(cand);
	}
	return xasprintf("%s/%s", TDXBENCH_DATADIR, rel);
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char chunk[65536];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		GROW(sb.buf, sb.cap, sb.len + n + 1);
		memcpy(sb.buf + sb.len, chunk, n);
		sb.len += n;
		sb.buf[sb.len] = 0;
	}
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		sbuf_free(&sb);
		errno = e;
		return NULL;
	}
	fclose(f);
	if (len)
		*len = sb.len;
	return sbuf_detach(&sb);
}

int read_file_limited(const char *path, size_t cap, bool regular_only, char **buf, size_t *len,
		      char *err, size_t errlen)
{
	struct sbuf sb = SBUF_INIT;
	struct stat st;
	char chunk[65536];
	ssize_t n;
	/* O_NONBLOCK: opening a FIFO nobody writes must not hang; reads block again below */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (regular_only && !S_ISREG(st.st_mode))) {
		snprintf(err, errlen, "not a regular file");
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > cap)
		goto too_big;
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s", strerror(errno));
			close(fd);
			sbuf_free(&sb);
			return -1;
		}
		if (sb.len + (size_t)n > cap)
			goto too_big;
		GROW(sb.buf, sb.cap, sb.len + (size_t)n + 1);
		memcpy(sb.buf + sb.len, chunk, (size_t)n);
		sb.len += (size_t)n;
		sb.buf[sb.len] = 0;
	}
	close(fd);
	*len = sb.len;
	*buf = sb.buf ? sbuf_detach(&sb) : xstrdup("");
	return 0;
too_big:
	snprintf(err, errlen, "larger than %zu bytes", cap);
	close(fd);
	sbuf_free(&sb);
	return -1;
}

char *shell_quote(const char *s)
{
	struct sbuf sb = SBUF_INIT;
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "-_=.,/:+@%") == strlen(s))
		return xstrdup(s);
	sbuf_addch(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sbuf_add(&sb, "'\\''");
		else
			sbuf_addch(&sb, *s);
	}
	sbuf_addch(&sb, '\'');
	return sbuf_detach(&sb);
}
