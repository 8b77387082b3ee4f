/*
 * `tdxbench compare` output: the model of core/compare.h rendered as text
 * (for the list, <= 80 columns), markdown, csv or json.
 */
#ifndef TDX_COMPARE_RENDER_H
#define TDX_COMPARE_RENDER_H

#include <stdio.h>

#include "core/compare.h"

enum compare_format { CMP_TEXT, CMP_MARKDOWN, CMP_CSV, CMP_JSON };

/*
 * Render the comparison to out. Returns 0, or 1 when fail_if_worse_pct is set
 * and a significant regression beyond it exists, or -1 on error (printed).
 */
int compare_render(struct store *st, const struct compare_req *req, enum compare_format fmt,
		   FILE *out);

#endif
