/* Output helpers shared by the commands that print runs. */
#ifndef TDX_CLI_OUTPUT_H
#define TDX_CLI_OUTPUT_H

#include <stdio.h>

#include "store/store.h"

struct json_object;

/* A run row as a JSON object (every column of `list --json`). */
struct json_object *run_row_json(const struct run_row *r);

#endif
