#include "sample/vmstat.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

const char *const vmstat_keys[VMSTAT_NKEYS] = {
	"pgfault", "pgmajfault", "thp_fault_alloc", "thp_fault_fallback", "thp_split_pmd",
	"nr_anon_transparent_hugepages", "nr_shmem", "pgfree",
};

int vmstat_read(struct vmstat_snap *s)
{
	char line[256];
	FILE *f = fopen("/proc/vmstat", "re");
	memset(s, 0, sizeof(*s));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		unsigned long long v;
		if (sscanf(line, "%127s %llu", name, &v) != 2)
			continue;
		for (int i = 0; i < VMSTAT_NKEYS; i++) {
			if (!strcmp(name, vmstat_keys[i])) {
				s->v[i] = v;
				s->present |= 1u << i;
			}
		}
	}
	fclose(f);
	return 0;
}
