#include "sample/dpamt_mem.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool meminfo_tdx(uint64_t *bytes)
{
	char line[256];
	unsigned long long kb;
	bool found = false;
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncasecmp(line, "TDX:", 4) && sscanf(line + 4, "%llu", &kb) == 1) {
			*bytes = kb * 1024;
			found = true;
		}
	fclose(f);
	return found;
}

/* cgroup v2: "0::/path" in /proc/self/cgroup, then memory.stat's "kernel" line. */
static bool memcg_kernel(uint64_t *bytes)
{
	char *cg = read_file("/proc/self/cgroup", NULL), *p, *nl, path[4096], *stat;
	unsigned long long v;
	bool found = false;

	if (!cg)
		return false;
	p = strstr(cg, "0::");
	if (p) {
		p += 3;
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.stat", p);
		stat = read_file(path, NULL);
		for (char *l = stat; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
			if (!strncmp(l, "kernel ", 7) && sscanf(l + 7, "%llu", &v) == 1) {
				*bytes = v;
				found = true;
				break;
			}
		free(stat);
	}
	free(cg);
	return found;
}

void dpamt_mem_read(struct dpamt_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->meminfo = meminfo_tdx(&m->meminfo_bytes);
	m->memcg = memcg_kernel(&m->memcg_kernel_bytes);
}
