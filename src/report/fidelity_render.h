/* Output of `tdxbench fidelity` (src/core/fidelity.c): text, markdown, json. */
#ifndef TDX_FIDELITY_RENDER_H
#define TDX_FIDELITY_RENDER_H

#include <stddef.h>

#include "core/fidelity.h"

enum fid_format { FID_TEXT, FID_MARKDOWN, FID_JSON };

/* The rows on stdout. Returns 0, or -1 on a write error. */
int fid_render(const struct fid_result *res, size_t n, enum fid_format f);

#endif
