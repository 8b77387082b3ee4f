/* The fingerprint for people: `tdxbench host` and the header of `show`. */
#include "host/host_int.h"
#include "lib/fmt.h"
#include "lib/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		if (!o || !json_object_object_get_ex(o, k, &o))
			return NULL;
	return o;
}

static const char *str(struct json_object *o, const char *path, const char *def)
{
	struct json_object *v = get(o, path);
	return v && !json_object_is_type(v, json_type_null) ? json_object_get_string(v) : def;
}

static int64_t num(struct json_object *o, const char *path, int64_t def)
{
	struct json_object *v = get(o, path);
	return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
	       ? json_object_get_int64(v) : def;
}

static const char *yesno(struct json_object *o, const char *path)
{
	struct json_object *v = get(o, path);
	if (!v || json_object_is_type(v, json_type_null))
		return "?";
	return json_object_get_boolean(v) ? "yes" : "no";
}

static void status_line(FILE *f, struct json_object *fp, const char *what, const char *path)
{
	const char *st = str(fp, path, NULL), *why;
	char p[96];
	snprintf(p, sizeof(p), "%.80s", path);
	*strrchr(p, '.') = 0;
	why = str(get(fp, p), "why", NULL);
	fprintf(f, "            %-26s %s%s%s%s\n", what, st ? st : "?", why ? " (" : "",
		why ? why : "", why ? ")" : "");
}

/* key=value words wrapped at 80 columns under a 12-column indent. */
static void wrapped(FILE *f, const char *head, struct json_object *obj)
{
	int col = fprintf(f, "%-12s", head);
	bool first = true;
	json_object_object_foreach(obj, k, v) {
		char w[256];
		int len = snprintf(w, sizeof(w), "%s=%s", k, json_object_get_string(v));
		if (!first && col + 1 + len > 80) {
			fputc('\n', f);
			col = fprintf(f, "%12s", "");
			first = true;
		}
		col += fprintf(f, "%s%s", first ? "" : " ", w);
		first = false;
	}
	fputc('\n', f);
}

void host_print(FILE *f, struct json_object *fp)
{
	struct json_object *nodes, *mods, *lines;
	char sz[32];

	fprintf(f, "%-12s%s", "host", str(fp, "hostname", "?"));
	if (get(fp, "label") && str(fp, "label", NULL))
		fprintf(f, "  (label: %s)", str(fp, "label", ""));
	fputc('\n', f);

	fprintf(f, "%-12s%s\n", "cpu", str(fp, "cpu.model_name", "?"));
	if (get(fp, "cpu.vendor"))
		fprintf(f, "%12s%s family %" PRId64 " model %" PRId64 " stepping %" PRId64
			", microcode %s\n", "", str(fp, "cpu.vendor", "?"), num(fp, "cpu.family", -1),
			num(fp, "cpu.model", -1), num(fp, "cpu.stepping", -1),
			str(fp, "cpu.microcode", "unknown"));
	else
		fprintf(f, "%12slibcpuid: %s; microcode %s\n", "", str(fp, "cpu.libcpuid_error", "?"),
			str(fp, "cpu.microcode", "unknown"));
	if (get(fp, "cpu.cpuid"))
		fprintf(f, "%12scpuid: vmx %s, tme %s, pconfig %s, hypervisor %s\n", "",
			yesno(fp, "cpu.cpuid.vmx"), yesno(fp, "cpu.cpuid.tme"), yesno(fp, "cpu.cpuid.pconfig"),
			yesno(fp, "cpu.cpuid.hypervisor"));

	if (get(fp, "topology.error")) {
		fprintf(f, "%-12s%s\n", "numa", str(fp, "topology.error", "?"));
	} else {
		fprintf(f, "%-12s%" PRId64 " package(s), %" PRId64 " NUMA node(s), %" PRId64
			" cores, %" PRId64 " PUs\n", "numa", num(fp, "topology.packages", 0),
			num(fp, "topology.numa_nodes", 0), num(fp, "topology.cores", 0),
			num(fp, "topology.pus", 0));
		nodes = get(fp, "topology.nodes");
		for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
			struct json_object *n = json_object_array_get_idx(nodes, i);
			fprintf(f, "%12snode %" PRId64 ": %s memory, cpus %s\n", "",
				num(n, "os_index", -1),
				fmt_value((double)num(n, "memory_bytes", 0), "bytes", sz, sizeof(sz)),
				str(n, "cpus", "?"));
		}
	}

	fprintf(f, "%-12s%s (%s)\n", "kernel", str(fp, "kernel.release", "?"),
		str(fp, "kernel.machine", "?"));
	fprintf(f, "%12s%s\n", "", str(fp, "kernel.version", ""));
	fprintf(f, "%12scmdline: %s\n", "", str(fp, "kernel.cmdline", "?"));
	fprintf(f, "%12sTHP: enabled=%s defrag=%s shmem=%s\n", "", str(fp, "kernel.thp.enabled", "?"),
		str(fp, "kernel.thp.defrag", "?"), str(fp, "kernel.thp.shmem_enabled", "?"));
	if (get(fp, "kernel_tree"))
		fprintf(f, "%-12s%s  (%s)\n", "kernel tree",
			str(fp, "kernel_tree.describe", str(fp, "kernel_tree.error", "?")),
			str(fp, "kernel_tree.path", "?"));
	mods = get(fp, "kernel.kvm_modules");
	if (mods) {
		json_object_object_foreach(mods, mod, params) {
			char head[40];
			snprintf(head, sizeof(head), "%s.ko", mod);
			if (json_object_object_length(params))
				wrapped(f, head, params);
			else
				fprintf(f, "%-12s(no readable parameters)\n", head);
		}
	}

	if (!json_object_get_boolean(get(fp, "kvm.accessible"))) {
		fprintf(f, "%-12s%s\n", "kvm", str(fp, "kvm.why", "/dev/kvm not accessible"));
	} else {
		struct json_object *types = get(fp, "kvm.vm_types");
		fprintf(f, "%-12s/dev/kvm accessible, API version %" PRId64 ", max vCPUs %" PRId64 "\n",
			"kvm", num(fp, "kvm.api_version", -1), num(fp, "kvm.max_vcpus", -1));
		fprintf(f, "%12sVM types:", "");
		if (!types || !json_object_array_length(types))
			fprintf(f, " (KVM_CAP_VM_TYPES not supported)");
		for (size_t i = 0; types && i < json_object_array_length(types); i++)
			fprintf(f, " %s", json_object_get_string(json_object_array_get_idx(types, i)));
		fputc('\n', f);
		fprintf(f, "%12sguest_memfd %s, memory attributes %s, binary stats %s, "
			"user_memory2 %s\n", "", yesno(fp, "kvm.guest_memfd"),
			yesno(fp, "kvm.memory_attributes"), yesno(fp, "kvm.binary_stats_fd"),
			yesno(fp, "kvm.user_memory2"));
	}

	fprintf(f, "%-12s%s\n", "tdx", json_object_get_boolean(get(fp, "tdx.enabled")) ?
		"enabled (module initialised, KVM can create TDs)" : "not available on this host");
	status_line(f, fp, "tdx_host_platform flag", "tdx.cpuinfo_flag.status");
	status_line(f, fp, "KVM TDX VM type", "tdx.vm_type.status");
	status_line(f, fp, "kvm_intel.tdx", "tdx.kvm_intel_param.status");
	status_line(f, fp, "kernel log 'virt/tdx:'", "tdx.kernel_log.status");
	lines = get(fp, "tdx.kernel_log.lines");
	for (size_t i = 0; lines && i < json_object_array_length(lines); i++)
		fprintf(f, "%14s%s\n", "", json_object_get_string(json_object_array_get_idx(lines, i)));
}

void host_print_summary(FILE *f, struct json_object *fp, const char *in)
{
	struct json_object *types = get(fp, "kvm.vm_types");
	fprintf(f, "%shost    %s%s%s%s, %s\n", in, str(fp, "hostname", "?"),
		str(fp, "label", NULL) ? " (label " : "", str(fp, "label", ""),
		str(fp, "label", NULL) ? ")" : "", str(fp, "cpu.model_name", "?"));
	fprintf(f, "%skernel  %s%s%s%s, THP %s\n", in, str(fp, "kernel.release", "?"),
		get(fp, "kernel_tree.describe") ? " (tree " : "", str(fp, "kernel_tree.describe", ""),
		get(fp, "kernel_tree.describe") ? ")" : "", str(fp, "kernel.thp.enabled", "?"));
	fprintf(f, "%skvm     ", in);
	if (!json_object_get_boolean(get(fp, "kvm.accessible"))) {
		fprintf(f, "%s\n", str(fp, "kvm.why", "not accessible"));
	} else {
		fprintf(f, "VM types");
		for (size_t i = 0; types && i < json_object_array_length(types); i++)
			fprintf(f, " %s", json_object_get_string(json_object_array_get_idx(types, i)));
		fprintf(f, "; TDX %s\n", json_object_get_boolean(get(fp, "tdx.enabled")) ?
			"enabled" : "not available");
	}
}
