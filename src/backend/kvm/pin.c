/*
 * vCPU -> host CPU placement. pin=auto spreads vCPUs over distinct cores
 * first (hwloc), then over the remaining hyperthreads, within the CPUs this
 * process may run on; pin=none leaves placement to the scheduler; otherwise
 * an explicit list "0,2,4-7" (vCPU i -> i-th CPU, wrapping).
 */
#include "backend/kvm/pin.h"
#include "lib/util.h"

#include <hwloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int allowed_cpus(cpu_set_t *set)
{
	CPU_ZERO(set);
	return sched_getaffinity(0, sizeof(*set), set);
}

static int pin_auto(int *cpus, int max)
{
	hwloc_topology_t topo;
	cpu_set_t allowed;
	int n = 0, ncores;

	if (allowed_cpus(&allowed) || hwloc_topology_init(&topo))
		return 0;
	if (hwloc_topology_load(topo)) {
		hwloc_topology_destroy(topo);
		return 0;
	}
	ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	/* pass k takes the k-th PU of every core: cores before hyperthreads */
	for (int pass = 0; pass < 8 && n < max; pass++) {
		for (int c = 0; c < ncores && n < max; c++) {
			hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)c);
			hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset, HWLOC_OBJ_PU,
									    (unsigned)pass);
			if (pu && pu->os_index < CPU_SETSIZE && CPU_ISSET(pu->os_index, &allowed))
				cpus[n++] = (int)pu->os_index;
		}
	}
	hwloc_topology_destroy(topo);
	return n;
}

int pin_parse(const char *spec, int *cpus, int max, char *err, size_t errlen)
{
	cpu_set_t allowed;
	char *copy, *save = NULL, *tok;
	int n = 0;

	if (!spec || !strcmp(spec, "none"))
		return 0;
	if (!strcmp(spec, "auto")) {
		n = pin_auto(cpus, max);
		return n;	/* 0 = no topology: leave unpinned */
	}
	if (allowed_cpus(&allowed)) {
		snprintf(err, errlen, "pin=%s: cannot read this process's CPU affinity", spec);
		return -1;
	}
	copy = xstrdup(spec);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-'), *end;
		long lo = strtol(tok, &end, 10), hi = lo;
		if (end == tok || (dash ? end != dash : *end)) {
			snprintf(err, errlen, "pin=%s: '%s' is not a CPU number or range", spec, tok);
			goto bad;
		}
		if (dash) {
			hi = strtol(dash + 1, &end, 10);
			if (end == dash + 1 || *end || hi < lo) {
				snprintf(err, errlen, "pin=%s: '%s' is not a CPU range", spec, tok);
				goto bad;
			}
		}
		for (long c = lo; c <= hi; c++) {
			if (c < 0 || c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed)) {
				snprintf(err, errlen, "pin=%s: CPU %ld is not online or not allowed for this process",
					 spec, c);
				goto bad;
			}
			if (n < max)
				cpus[n++] = (int)c;
		}
	}
	free(copy);
	if (!n) {
		snprintf(err, errlen, "pin=%s: no CPUs", spec);
		return -1;
	}
	return n;
bad:
	free(copy);
	return -1;
}

int pin_host_cpus(void)
{
	cpu_set_t allowed;
	if (allowed_cpus(&allowed))
		return 1;
	return CPU_COUNT(&allowed);
}
