#include "sample/probes.h"
#include "sample/tracepoints.h"
#include "lib/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

const char *const probes_tdx_functions[] = {
	/* K7.1 arch/x86/virt/vmx/tdx/tdx.c: exported, probe-able (tdh_vp_enter is noinstr: not here) */
	"tdh_mem_sept_add", "tdh_mem_page_aug", "tdh_mem_page_add", "tdh_mem_range_block", "tdh_mem_track",
	"tdh_mem_page_remove", "tdh_phymem_page_wbinvd_hkid", "tdh_mr_extend", "tdh_mr_finalize",
	"tdh_vp_create", "tdh_vp_init", "tdh_mng_create", "tdh_mng_init",
	/* DPAMT v6: exported get/put; the PAMT.ADD/REMOVE wrappers may be static and inlined */
	"tdx_pamt_get", "tdx_pamt_put", "tdh_phymem_pamt_add", "tdh_phymem_pamt_remove",
	NULL,
};

struct probes {
	char group[32];
	struct tracefs_dynevent **ev;
	size_t n;
	struct sbuf spec;
};

static void add(struct probes *p, struct tracefs_dynevent *ev, const char *name)
{
	p->ev = xrealloc(p->ev, (p->n + 1) * sizeof(*p->ev));
	p->ev[p->n++] = ev;
	sbuf_addf(&p->spec, "%s%s:%s", p->spec.buf && *p->spec.buf ? "+" : "", p->group, name);
}

/* Probes of tdxbench processes that are gone (killed before they could clean up). */
static void remove_stale(void)
{
	struct tracefs_dynevent **all = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE |
								TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE,
								NULL);
	for (size_t i = 0; all && all[i]; i++) {
		char *system = NULL, *event = NULL;
		long pid;
		tracefs_dynevent_info(all[i], &system, &event, NULL, NULL, NULL);
		if (system && !strncmp(system, PROBES_GROUP_PREFIX, strlen(PROBES_GROUP_PREFIX))) {
			pid = strtol(system + strlen(PROBES_GROUP_PREFIX), NULL, 10);
			if (pid > 0 && pid != getpid() && kill((pid_t)pid, 0) && errno == ESRCH)
				tracefs_dynevent_destroy(all[i], true);
		}
		free(system);
		free(event);
	}
	tracefs_dynevent_list_free(all);
}

static struct probes *probes_new(void)
{
	struct probes *p = xcalloc(1, sizeof(*p));
	remove_stale();
	snprintf(p->group, sizeof(p->group), PROBES_GROUP_PREFIX "%d", (int)getpid());
	return p;
}

static int create(struct probes *p, struct tracefs_dynevent *ev, const char *name, char *err, size_t errlen)
{
	if (!ev || tracefs_dynevent_create(ev)) {
		snprintf(err, errlen, "cannot create probe event %s:%s: %s", p->group, name,
			 errno ? strerror(errno) : "libtracefs refused it");
		tracefs_dynevent_free(ev);
		return -1;
	}
	add(p, ev, name);
	return 0;
}

/* Is fn a function this kernel can probe? available_filter_functions, else kallsyms' text symbols. */
static bool kernel_has(const char *fn, const char *list)
{
	size_t len = strlen(fn);
	for (const char *l = list; (l = strstr(l, fn)); l += len) {
		bool start = l == list || l[-1] == '\n' || l[-1] == ' ';
		char end = l[len];
		if (start && (end == '\n' || end == ' ' || end == '\t' || end == 0 || end == '.'))
			return true;
	}
	return false;
}

struct probes *probes_kernel(const char *const *funcs, char *missing, size_t mlen, char *err, size_t errlen)
{
	const char *dir = tracefs_tracing_dir();
	char path[4096];
	char *list;
	struct probes *p;
	size_t m = 0;

	missing[0] = 0;
	snprintf(path, sizeof(path), "%s/kprobe_events", dir ? dir : "/sys/kernel/tracing");
	if (access(path, F_OK)) {
		snprintf(err, errlen, "this kernel has no kprobes (no %s; CONFIG_KPROBES)", path);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/available_filter_functions", dir ? dir : "/sys/kernel/tracing");
	list = read_file(path, NULL);
	if (!list)
		list = read_file("/proc/kallsyms", NULL);
	if (!list) {
		snprintf(err, errlen, "cannot read available_filter_functions or /proc/kallsyms: %s", strerror(errno));
		return NULL;
	}
	p = probes_new();
	for (size_t i = 0; funcs[i]; i++) {
		char ret[80];
		if (!kernel_has(funcs[i], list)) {
			m += (size_t)snprintf(missing + m, m < mlen ? mlen - m : 0, "%s%s", m ? " " : "", funcs[i]);
			continue;
		}
		snprintf(ret, sizeof(ret), "%s" TP_RET_SUFFIX, funcs[i]);
		if (create(p, tracefs_kprobe_alloc(p->group, funcs[i], funcs[i], NULL), funcs[i], err, errlen) ||
		    create(p, tracefs_kretprobe_alloc(p->group, ret, funcs[i], NULL, 0), ret, err, errlen))
			goto fail;
	}
	free(list);
	if (!p->n) {
		snprintf(err, errlen, "none of the functions to probe is in this kernel (%s)", missing);
		probes_destroy(p);
		return NULL;
	}
	return p;
fail:
	free(list);
	probes_destroy(p);
	return NULL;
}

struct probes *probes_user(const char *path, const char *const *names, const uint64_t *offsets, size_t n,
			   char *err, size_t errlen)
{
	struct probes *p = probes_new();
	for (size_t i = 0; i < n; i++) {
		char ret[80];
		snprintf(ret, sizeof(ret), "%s" TP_RET_SUFFIX, names[i]);
		if (create(p, tracefs_uprobe_alloc(p->group, names[i], path, offsets[i], NULL), names[i], err, errlen) ||
		    create(p, tracefs_uretprobe_alloc(p->group, ret, path, offsets[i], NULL), ret, err, errlen)) {
			probes_destroy(p);
			return NULL;
		}
	}
	return p;
}

const char *probes_spec(const struct probes *p)
{
	return p->spec.buf ? p->spec.buf : "";
}

size_t probes_count(const struct probes *p)
{
	return p ? p->n : 0;
}

void probes_destroy(struct probes *p)
{
	if (!p)
		return;
	for (size_t i = p->n; i-- > 0;) {
		tracefs_dynevent_destroy(p->ev[i], true);
		tracefs_dynevent_free(p->ev[i]);
	}
	free(p->ev);
	sbuf_free(&p->spec);
	free(p);
}
