/*
 * CPU identity: libcpuid for vendor, brand, family/model/stepping and core
 * counts (and the raw CPUID leaves we decode ourselves), /proc/cpuinfo for
 * what CPUID cannot tell: the loaded microcode and the kernel's view of
 * the feature flags (tdx_host_platform is a kernel synthetic flag).
 */
#include "host/host_int.h"
#include "lib/util.h"

#include <errno.h>
#include <libcpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* register order of libcpuid's raw leaves */
enum { R_EAX, R_EBX, R_ECX, R_EDX };

char *host_read_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int e;
	if (!f)
		return NULL;
	n = getline(&line, &cap, f);
	e = errno;
	fclose(f);
	if (n < 0) {
		free(line);
		errno = n < 0 && e ? e : ENODATA;
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = 0;
	return line;
}

char *host_cpuinfo_field(const char *key)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char *line = NULL, *out = NULL;
	size_t cap = 0, klen = strlen(key);
	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		char *colon;
		if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '\t' &&
						 line[klen] != ':'))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = 0;
		out = xstrdup(colon);
		break;
	}
	free(line);
	fclose(f);
	return out;
}

int host_cpuinfo_flag(const char *flag)
{
	char *flags = host_cpuinfo_field("flags");
	int found = 0;
	char *save = NULL;
	if (!flags)
		return access("/proc/cpuinfo", R_OK) ? -1 : 0;
	for (char *t = strtok_r(flags, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (!strcmp(t, flag)) {
			found = 1;
			break;
		}
	free(flags);
	return found;
}

struct json_object *host_status(const char *status, const char *why)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(status));
	if (why)
		json_object_object_add(o, "why", json_object_new_string(why));
	return o;
}

/* CPUID bits a TDX host needs: leaf 7.0 ECX[13] TME, EDX[18] PCONFIG; VMX in 1.ECX[5]. */
static void add_cpuid_bits(struct json_object *cpu, const struct cpu_raw_data_t *raw)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "vmx", json_object_new_boolean(raw->basic_cpuid[1][R_ECX] & (1u << 5)));
	json_object_object_add(o, "hypervisor",
			       json_object_new_boolean(raw->basic_cpuid[1][R_ECX] & (1u << 31)));
	json_object_object_add(o, "tme", json_object_new_boolean(raw->basic_cpuid[7][R_ECX] & (1u << 13)));
	json_object_object_add(o, "pconfig",
			       json_object_new_boolean(raw->basic_cpuid[7][R_EDX] & (1u << 18)));
	json_object_object_add(cpu, "cpuid", o);
}

struct json_object *host_cpu_json(void)
{
	static const char *const flags[] = {
		"vmx", "svm", "ept", "tme", "pconfig", "tdx_host_platform", "tdx_guest",
		"hypervisor", "pdpe1gb", "sev", "sev_snp",
	};
	struct json_object *cpu = json_object_new_object(), *fl;
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;
	char *mc, *model;

	if (cpuid_get_raw_data(&raw) == 0 && cpu_identify(&raw, &id) == 0) {
		json_object_object_add(cpu, "vendor", json_object_new_string(id.vendor_str));
		json_object_object_add(cpu, "model_name", json_object_new_string(id.brand_str));
		json_object_object_add(cpu, "family", json_object_new_int(id.ext_family));
		json_object_object_add(cpu, "model", json_object_new_int(id.ext_model));
		json_object_object_add(cpu, "stepping", json_object_new_int(id.stepping));
		json_object_object_add(cpu, "cores_per_package", json_object_new_int(id.num_cores));
		json_object_object_add(cpu, "threads_per_package",
				       json_object_new_int(id.num_logical_cpus));
		json_object_object_add(cpu, "logical_cpus", json_object_new_int(id.total_logical_cpus));
		add_cpuid_bits(cpu, &raw);
	} else {
		json_object_object_add(cpu, "libcpuid_error", json_object_new_string(cpuid_error()));
		model = host_cpuinfo_field("model name");
		json_object_object_add(cpu, "model_name", model ? json_object_new_string(model) : NULL);
		free(model);
	}
	mc = host_cpuinfo_field("microcode");
	json_object_object_add(cpu, "microcode", mc ? json_object_new_string(mc) : NULL);
	free(mc);

	fl = json_object_new_object();
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		int has = host_cpuinfo_flag(flags[i]);
		json_object_object_add(fl, flags[i], has < 0 ? NULL : json_object_new_boolean(has));
	}
	json_object_object_add(cpu, "cpuinfo_flags", fl);
	return cpu;
}
