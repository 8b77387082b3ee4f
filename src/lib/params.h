/*
 * Key=value parameters of a run: workload parameters, strategy knobs, costs,
 * backend settings. One flat namespace; values stay strings until a consumer
 * reads them with a typed getter, so what is stored is exactly what was asked.
 */
#ifndef TDX_PARAMS_H
#define TDX_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct param {
	char *key;
	char *value;
};

struct params {
	struct param *v;
	size_t n, cap;
};

#define PARAMS_INIT { NULL, 0, 0 }

void params_init(struct params *p);
void params_free(struct params *p);
void params_copy(struct params *dst, const struct params *src);
/* Insert or replace. */
void params_set(struct params *p, const char *key, const char *value);
void params_setf(struct params *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *params_get(const struct params *p, const char *key);
bool params_has(const struct params *p, const char *key);
void params_del(struct params *p, const char *key);
/* Sort by key: a canonical order for storage and matching. */
void params_sort(struct params *p);
/* "k=v,k=v" in key order; caller frees. */
char *params_canonical(const struct params *p);

/*
 * Parse "mem=64G,vcpus=1,2,4,strategy=x" into p. A comma-separated token
 * without '=' extends the previous value, so matrix lists survive
 * ("vcpus" -> "1,2,4"). On error writes a message naming the token into err.
 */
int params_parse_assignments(struct params *p, const char *list, char *err, size_t errlen);

/* Typed getters: missing key -> def; malformed value -> -1 with err naming key and value. */
int params_get_u64(const struct params *p, const char *key, uint64_t def, uint64_t *out,
		   char *err, size_t errlen);
int params_get_size(const struct params *p, const char *key, uint64_t def, uint64_t *out,
		    char *err, size_t errlen);
int params_get_double(const struct params *p, const char *key, double def, double *out,
		      char *err, size_t errlen);
int params_get_bool(const struct params *p, const char *key, bool def, bool *out,
		    char *err, size_t errlen);
/* Value must be one of choices (NULL-terminated); *out = its index. */
int params_get_enum(const struct params *p, const char *key, const char *const *choices,
		    int def, int *out, char *err, size_t errlen);

#endif
