/*
 * TDX status, from three independent witnesses, each present / absent /
 * unreadable (why): the kernel's tdx_host_platform cpuinfo flag (the TDX
 * module initialised), the TDX bit of KVM_CAP_VM_TYPES (KVM can build TDs),
 * and the "virt/tdx:" lines of the kernel log (module version, PAMT size,
 * or why initialisation failed). kvm_intel's "tdx" parameter is reported
 * too when the module has one.
 */
#include "host/host_int.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#define TDX_LOG_TAG "virt/tdx:"
#define MAX_LOG_LINES 64

static void add_line(struct json_object *lines, const char *msg, size_t len)
{
	if (json_object_array_length(lines) < MAX_LOG_LINES)
		json_object_array_add(lines, json_object_new_string_len(msg, (int)len));
}

static void keep_tdx_line(const char *msg, size_t len, void *arg)
{
	if (memmem(msg, len, TDX_LOG_TAG, strlen(TDX_LOG_TAG)))
		add_line(arg, msg, len);
}

static int scan_kmsg(struct json_object *lines, char *why, size_t whylen)
{
	return host_kmsg_each(keep_tdx_line, lines, why, whylen);
}

/* syslog(2) fallback: "<6>[    1.234] virt/tdx: ..." lines. */
static int scan_klogctl(struct json_object *lines, char *why, size_t whylen)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *save = NULL;
	int n;
	if (size <= 0) {
		snprintf(why + strlen(why), whylen - strlen(why), "; syslog(2): %s", strerror(errno));
		return -1;
	}
	buf = xmalloc((size_t)size + 1);
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		snprintf(why + strlen(why), whylen - strlen(why), "; syslog(2): %s", strerror(errno));
		free(buf);
		return -1;
	}
	buf[n] = 0;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *m = strstr(l, TDX_LOG_TAG);
		if (!m)
			continue;
		/* drop the "<6>[ time] " prefix: not part of the message */
		char *rb = strchr(l, ']');
		if (rb && rb < m)
			l = rb + 1 + (rb[1] == ' ');
		add_line(lines, l, strlen(l));
	}
	free(buf);
	return 0;
}

struct json_object *host_tdx_json(const struct kvm_caps *c)
{
	struct json_object *t = json_object_new_object(), *o, *lines;
	char why[256] = "";
	int flag = host_cpuinfo_flag("tdx_host_platform");
	char *param;

	if (flag < 0)
		o = host_status("unreadable", "/proc/cpuinfo cannot be read");
	else
		o = host_status(flag ? "present" : "absent", NULL);
	json_object_object_add(t, "cpuinfo_flag", o);

	if (!c->accessible)
		o = host_status("unreadable", c->why);
	else if (c->tdx_vm_type)
		o = host_status("present", NULL);
	else if (!c->vm_types)
		o = host_status("absent", "KVM_CAP_VM_TYPES not supported by this kernel");
	else
		o = host_status("absent", NULL);
	json_object_object_add(t, "vm_type", o);

	param = host_read_line("/sys/module/kvm_intel/parameters/tdx");
	if (param)
		o = host_status(param[0] == 'Y' || param[0] == '1' ? "present" : "absent",
				param[0] == 'Y' || param[0] == '1' ? NULL : "kvm_intel.tdx=N");
	else if (access("/sys/module/kvm_intel", F_OK))
		o = host_status("absent", "kvm_intel is not loaded");
	else
		o = host_status("absent", "kvm_intel has no 'tdx' parameter");
	free(param);
	json_object_object_add(t, "kvm_intel_param", o);

	lines = json_object_new_array();
	if (scan_kmsg(lines, why, sizeof(why)) && scan_klogctl(lines, why, sizeof(why))) {
		o = host_status("unreadable", why);
		json_object_put(lines);
	} else {
		o = host_status(json_object_array_length(lines) ? "present" : "absent",
				json_object_array_length(lines) ? NULL
				: "no 'virt/tdx:' lines in the kernel log buffer");
		json_object_object_add(o, "lines", lines);
	}
	json_object_object_add(t, "kernel_log", o);
	{
		struct host_tdx_module m;
		struct json_object *dpamt;
		host_tdx_module(&m);
		json_object_object_add(t, "module_version", host_tdx_module_json(&m, &dpamt));
		json_object_object_add(t, "dpamt", dpamt);
	}

	json_object_object_add(t, "enabled", json_object_new_boolean(flag > 0 && c->tdx_vm_type));
	return t;
}
