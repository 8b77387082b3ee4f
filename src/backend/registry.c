#include "backend/backend.h"
#include "lib/util.h"

#include <string.h>

/* Each backend folder adds its ops here. */
#define TDX_BACKENDS(X) X(sim) X(kvm) X(tdx)

#define TDX_BE_DECLARE(n) extern const struct backend_ops n##_backend;
TDX_BACKENDS(TDX_BE_DECLARE)
#define TDX_BE_PTR(n) &n##_backend,
static const struct backend_ops *const all_backends[] = { TDX_BACKENDS(TDX_BE_PTR) NULL };

const struct backend_ops *const *backend_all(void)
{
	return all_backends;
}

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; all_backends[i]; i++)
		if (!strcmp(all_backends[i]->name, name))
			return all_backends[i];
	return NULL;
}

const char *const *backend_names(void)
{
	static const char *names[ARRAY_SIZE(all_backends)];
	for (size_t i = 0; all_backends[i]; i++)
		names[i] = all_backends[i]->name;
	return names;
}
