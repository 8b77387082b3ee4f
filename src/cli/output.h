/* Output helpers shared by the commands that print runs. */
#ifndef TDX_CLI_OUTPUT_H
#define TDX_CLI_OUTPUT_H

#include <stdio.h>

#include "store/store.h"

struct json_object;

/* A run row as a JSON object (every column of `list --json`). */
struct json_object *run_row_json(const struct run_row *r);
/*
 * Before text reaches a terminal: every string of the row (or every key and
 * value) with control characters and invalid UTF-8 shown as '?', so an ESC
 * or a newline stored in a label cannot drive the terminal or fake a line.
 */
void run_row_term_safe(struct run_row *r);
void params_term_safe(struct params *p);

#endif
