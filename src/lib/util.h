/* Small helpers every module uses: errors, allocation, parsing, time, strings. */
#ifndef TDX_UTIL_H
#define TDX_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The text of a macro's value: STR(PLAN_DEFAULT_REPS) is "5". */
#define STR_(x) #x
#define STR(x) STR_(x)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define TiB (1024ULL * GiB)

/* Exit codes: 0 ok, 1 the work failed, 2 usage error. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/*
 * Error style (git's): lowercase, no full stop, subject in quotes, one line,
 * "tdxbench: " prefix, to stderr. error() returns -1 so callers can
 * `return error("cannot open '%s'", path);`.
 */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Programmer error: file:line and abort. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
__attribute__((noreturn)) void bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/*
 * A large zeroed array read at random (the sim's per-frame and per-page
 * state), on transparent huge pages where the host allows them (THP
 * "madvise" or "always"): one TLB entry then covers 2 MiB instead of 4 KiB.
 */
void *xcalloc_huge(size_t nmemb, size_t size);
/* Free what xcalloc_huge() gave (NULL is fine); never free() it. */
void free_huge(void *p);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Grow *p (of *cap elements of elem bytes) so that index `need - 1` fits. */
void grow_array(void **p, size_t *cap, size_t need, size_t elem);
#define GROW(arr, cap, need) grow_array((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* "64G", "512M", "4k", "4096" -> bytes (binary units). 0 ok, -1 bad. */
int parse_size(const char *s, uint64_t *out);
/* Plain non-negative integer with optional k/M/G decimal suffix is NOT accepted: exact digits. */
int parse_u64(const char *s, uint64_t *out);
int parse_double(const char *s, double *out);
int parse_bool(const char *s, bool *out);

/* Closest candidate by edit distance (<= 3 and < half the word), or NULL. */
const char *closest_match(const char *word, const char *const *cands, size_t n);

/* CLOCK_MONOTONIC in ns: the one clock for wall-time measurement. */
uint64_t now_ns(void);
/* UTC "YYYY-MM-DDTHH:MM:SSZ". */
const char *utc_now(char *buf, size_t len);

/* splitmix64: seeds for repetitions and a fast deterministic PRNG. */
uint64_t mix64(uint64_t x);

/* A growable string. */
struct sbuf {
	char *buf;
	size_t len, cap;
};
#define SBUF_INIT { NULL, 0, 0 }
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_add(struct sbuf *sb, const char *s);
/* n bytes (NULs included), kept NUL-terminated. */
void sbuf_addbuf(struct sbuf *sb, const void *p, size_t n);
void sbuf_addch(struct sbuf *sb, char c);
void sbuf_reset(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
/* Returns the buffer ("" if empty) and leaves sb empty; caller frees. */
char *sbuf_detach(struct sbuf *sb);

/* A set of borrowed strings in insertion order (names for "did you mean"). */
struct strlist {
	const char **v;
	size_t n, cap;
};
void strlist_add_unique(struct strlist *l, const char *s);

/* Where installed data lives (bench/, report/, guest images): next to the binary
 * in a source tree, else TDXBENCH_DATADIR. Returns a malloc'd "DIR/rel". */
char *data_path(const char *rel);

/* Read a whole file; NULL + errno on failure. */
char *read_file(const char *path, size_t *len);
/*
 * Read at most cap bytes of path into *buf (NUL-terminated, caller frees):
 * -1 with a reason in err when it cannot be opened, is bigger than cap, or
 * (regular_only) is not a regular file, so /dev/zero or a FIFO cannot make
 * a reader allocate or wait without bound.
 */
int read_file_limited(const char *path, size_t cap, bool regular_only, char **buf, size_t *len,
		      char *err, size_t errlen);

/* Shell-quote one word into a malloc'd string (unchanged when it needs no quotes). */
char *shell_quote(const char *s);

#endif
