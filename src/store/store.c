/* TEMPORARY link stub: replaced by the real sqlite store (issue 2). */
#include "store/store.h"
#include "core/util.h"

int store_open(const char *path, unsigned flags, struct store **out)
{
	*out = NULL;
	return error("cannot open '%s': store not implemented yet", path);
}
void store_close(struct store *st) { }
