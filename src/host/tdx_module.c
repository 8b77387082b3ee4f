/*
 * The TDX module's version and whether the kernel runs Dynamic PAMT, each
 * with the witness it came from (reference/tdx-uapi.md §5.2):
 *   version: /sys/devices/faux/tdx_host/version (post-7.1), else the kernel
 *            log ("virt/tdx: Module version: X" in 7.1, "Initializing TDX
 *            module: X" in the runtime-update patches);
 *   DPAMT:   "virt/tdx: Enable Dynamic PAMT" in the kernel log (the DPAMT
 *            series); absent while the log shows the module initialised = off.
 * TDX_FEATURES0 is not exported, so nothing better exists.
 */
#include "host/host_int.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SYSFS_VERSION "/sys/devices/faux/tdx_host/version"

struct scan {
	struct host_tdx_module *m;
	bool init_seen;
};

static void take_after(const char *msg, size_t len, const char *key, char *out, size_t outlen)
{
	const char *p = memmem(msg, len, key, strlen(key));
	size_t n;
	if (!p)
		return;
	p += strlen(key);
	n = strcspn(p, " ,(\n");
	if (n > (size_t)(msg + len - p))
		n = (size_t)(msg + len - p);
	snprintf(out, outlen, "%.*s", (int)n, p);
}

static void scan_line(const char *msg, size_t len, void *arg)
{
	struct scan *s = arg;
	char buf[512];
	if (!memmem(msg, len, "virt/tdx:", 9))
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, msg);
	if (!s->m->version[0]) {
		take_after(msg, len, "Module version: ", s->m->version, sizeof(s->m->version));
		take_after(msg, len, "Initializing TDX module: ", s->m->version, sizeof(s->m->version));
		if (s->m->version[0])
			s->m->version_source = "kernel log";
	}
	if (strcasestr(buf, "Enable Dynamic PAMT"))
		s->m->dpamt = 1;
	if (strcasestr(buf, "module initialized") || strcasestr(buf, "Module version") ||
	    strcasestr(buf, "KB allocated for PAMT"))
		s->init_seen = true;
}

static void conclude(struct scan *s)
{
	struct host_tdx_module *m = s->m;
	if (m->dpamt == 1)
		snprintf(m->dpamt_why, sizeof(m->dpamt_why), "kernel log: 'virt/tdx: Enable Dynamic PAMT'");
	else if (s->init_seen) {
		m->dpamt = 0;
		snprintf(m->dpamt_why, sizeof(m->dpamt_why), "the TDX module initialised without "
			 "'Enable Dynamic PAMT' in the kernel log (static PAMT)");
	} else
		snprintf(m->dpamt_why, sizeof(m->dpamt_why), "no TDX module initialisation in the kernel log buffer");
}

static void start(struct host_tdx_module *m, const char *sysfs_version)
{
	memset(m, 0, sizeof(*m));
	m->dpamt = -1;
	if (sysfs_version && *sysfs_version) {
		snprintf(m->version, sizeof(m->version), "%s", sysfs_version);
		m->version_source = SYSFS_VERSION;
	}
}

void host_tdx_module_parse(const char *const *lines, size_t n, const char *sysfs_version, struct host_tdx_module *m)
{
	struct scan s = { m, false };
	start(m, sysfs_version);
	for (size_t i = 0; i < n; i++)
		scan_line(lines[i], strlen(lines[i]), &s);
	conclude(&s);
}

void host_tdx_module(struct host_tdx_module *m)
{
	struct scan s = { m, false };
	char why[160];
	char *v = host_read_line(SYSFS_VERSION);

	start(m, v);
	free(v);
	if (host_kmsg_each(scan_line, &s, why, sizeof(why))) {
		snprintf(m->dpamt_why, sizeof(m->dpamt_why), "kernel log unreadable (%.120s)", why);
		return;
	}
	conclude(&s);
}

struct json_object *host_tdx_module_json(const struct host_tdx_module *m, struct json_object **dpamt)
{
	struct json_object *o;
	if (m->version[0]) {
		o = host_status("present", NULL);
		json_object_object_add(o, "value", json_object_new_string(m->version));
		json_object_object_add(o, "source", json_object_new_string(m->version_source));
	} else {
		o = host_status("absent", "no " SYSFS_VERSION " and no module version in the kernel log buffer");
	}
	*dpamt = host_status(m->dpamt == 1 ? "present" : m->dpamt == 0 ? "absent" : "unreadable", m->dpamt_why);
	return o;
}
