/* Internals of the host fingerprint: one stat source per file, each a json-c object. */
#ifndef TDX_HOST_INT_H
#define TDX_HOST_INT_H

#include <json-c/json.h>
#include <stdbool.h>

#include "host/host.h"

struct json_object *host_cpu_json(void);		/* cpu.c: libcpuid + /proc/cpuinfo */
struct json_object *host_topology_json(void);		/* topology.c: hwloc */
struct json_object *host_kernel_json(void);		/* kernel.c: uname, cmdline, THP, modules */
struct json_object *host_kvm_json(const struct kvm_caps *c);	/* kvm_caps.c */
struct json_object *host_tdx_json(const struct kvm_caps *c);	/* tdx.c */
/* tdx_module.c: the version status object; *dpamt gets the DPAMT one */
struct json_object *host_tdx_module_json(const struct host_tdx_module *m, struct json_object **dpamt);

/* First line of a small file, newline stripped; NULL + errno if unreadable. */
char *host_read_line(const char *path);
/* Value of the first "key : value" line of /proc/cpuinfo; NULL if absent. */
char *host_cpuinfo_field(const char *key);
/* Whether the first CPU's flags line has this flag; -1 if /proc/cpuinfo is unreadable. */
int host_cpuinfo_flag(const char *flag);

/* {"status": "present"|"absent"|"unreadable", "why": ...} building blocks. */
struct json_object *host_status(const char *status, const char *why);

#endif
