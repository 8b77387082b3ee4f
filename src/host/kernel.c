/*
 * The running kernel: release and build string, command line, transparent
 * huge page policy, and every parameter the loaded KVM modules expose (kvm,
 * kvm_intel, kvm_amd, ...) — the knobs that change fault and split costs.
 */
#include "host/host_int.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* "always [madvise] never" -> "madvise" */
static struct json_object *bracketed(const char *path)
{
	char *line = host_read_line(path), *l, *r;
	struct json_object *o;
	if (!line)
		return NULL;
	l = strchr(line, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		*r = 0;
		o = json_object_new_string(l + 1);
	} else {
		o = json_object_new_string(line);
	}
	free(line);
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct json_object *module_params(const char *dir)
{
	struct json_object *o = json_object_new_object();
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	if (!d)
		return o;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		GROW(names, cap, n + 1);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)	/* readdir order is arbitrary; the fingerprint must not be */
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *v = host_read_line(path);
		if (v)	/* write-only parameters are skipped */
			json_object_object_add(o, names[i], json_object_new_string(v));
		free(v);
		free(path);
		free(names[i]);
	}
	free(names);
	return o;
}

struct json_object *host_kernel_json(void)
{
	struct json_object *k = json_object_new_object(), *thp, *mods;
	struct utsname u;
	char *s;
	glob_t g;

	if (uname(&u) == 0) {
		json_object_object_add(k, "release", json_object_new_string(u.release));
		json_object_object_add(k, "version", json_object_new_string(u.version));
		json_object_object_add(k, "machine", json_object_new_string(u.machine));
	}
	s = host_read_line("/proc/version");
	json_object_object_add(k, "proc_version", s ? json_object_new_string(s) : NULL);
	free(s);
	s = host_read_line("/proc/cmdline");
	json_object_object_add(k, "cmdline", s ? json_object_new_string(s) : NULL);
	free(s);

	thp = json_object_new_object();
	json_object_object_add(thp, "enabled", bracketed("/sys/kernel/mm/transparent_hugepage/enabled"));
	json_object_object_add(thp, "defrag", bracketed("/sys/kernel/mm/transparent_hugepage/defrag"));
	json_object_object_add(thp, "shmem_enabled",
			       bracketed("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
	json_object_object_add(k, "thp", thp);

	mods = json_object_new_object();
	if (glob("/sys/module/kvm*/parameters", GLOB_NOSORT, NULL, &g) == 0) {
		qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char name[64];
			const char *m = g.gl_pathv[i] + strlen("/sys/module/");
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(m, "/"), m);
			json_object_object_add(mods, name, module_params(g.gl_pathv[i]));
		}
		globfree(&g);
	}
	json_object_object_add(k, "kvm_modules", mods);
	return k;
}
