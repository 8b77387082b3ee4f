/* Shared output helpers for list/show/export (and compare/report). */
#include "cli/output.h"
#include "lib/textsafe.h"
#include "lib/util.h"

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *run_row_json(const struct run_row *r)
{
	struct json_object *o = json_object_new_object();
	char seed[24];
	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "session", r->session_id ? json_object_new_int64(r->session_id) : NULL);
	json_object_object_add(o, "host_id", json_object_new_int64(r->host_id));
	json_object_object_add(o, "created", jstr(r->created));
	json_object_object_add(o, "backend", jstr(r->backend));
	json_object_object_add(o, "strategy", jstr(r->strategy));
	json_object_object_add(o, "workload", jstr(r->workload));
	json_object_object_add(o, "label", jstr(r->label));
	json_object_object_add(o, "job", jstr(r->job));
	json_object_object_add(o, "status", jstr(r->status));
	json_object_object_add(o, "reason", jstr(r->reason));
	json_object_object_add(o, "params", jstr(r->params));
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
	json_object_object_add(o, "seed", json_object_new_string(seed));
	json_object_object_add(o, "reps", json_object_new_int(r->reps));
	json_object_object_add(o, "reps_done", json_object_new_int(r->reps_done));
	json_object_object_add(o, "reps_failed", json_object_new_int(r->reps_failed));
	json_object_object_add(o, "warmup", json_object_new_int(r->warmup));
	json_object_object_add(o, "is_model", json_object_new_boolean(r->is_model));
	json_object_object_add(o, "kernel", jstr(r->kernel));
	json_object_object_add(o, "host_label", jstr(r->host_label));
	json_object_object_add(o, "tool_version", jstr(r->tool_version));
	json_object_object_add(o, "reproduce", jstr(r->reproduce));
	return o;
}

static void make_safe(char **s)
{
	char *t;
	if (!*s)
		return;
	t = term_safe(*s);
	free(*s);
	*s = t;
}

void run_row_term_safe(struct run_row *r)
{
	char **fields[] = {
		&r->created, &r->backend, &r->strategy, &r->workload, &r->label, &r->job,
		&r->status, &r->reason, &r->reproduce, &r->params, &r->tool_version,
		&r->kernel, &r->host_label, &r->cmdline,
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		make_safe(fields[i]);
}

void params_term_safe(struct params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		make_safe(&p->v[i].key);
		make_safe(&p->v[i].value);
	}
}
