#include "sample/tracepoints.h"
#include "lib/util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

/*
 * The fault path, VMX/SVM and shadow paging alike: kvm_page_fault fires on
 * EPT/NPT violations; kvm_mmu_set_dirty_bit / set_accessed_bit when KVM's
 * guest page-table walker sets A/D bits (shadow paging, e.g. kvm_pvm); the
 * rest are the TDP MMU's install / split / zap steps. Not the per-walk
 * events (kvm_mmu_pagetable_walk, kvm_mmu_paging_element): millions per GiB.
 */
const char *const tp_default_events[] = {
	"kvm:kvm_page_fault", "kvm:kvm_exit",
	"kvmmmu:kvm_mmu_split_huge_page", "kvmmmu:kvm_mmu_spte_requested", "kvmmmu:fast_page_fault",
	"kvmmmu:kvm_mmu_set_spte", "kvmmmu:kvm_tdp_mmu_spte_changed", "kvmmmu:kvm_mmu_get_page",
	"kvmmmu:kvm_mmu_prepare_zap_page", "kvmmmu:kvm_mmu_set_dirty_bit", "kvmmmu:kvm_mmu_set_accessed_bit",
	NULL,
};

/*
 * trace_events=per-page: where a page's time goes. Exits, instructions KVM's
 * emulator ran, walks of the guest's page tables by KVM, #PF exceptions the
 * host took in our threads (the emulator's and the VMM's faults on guest
 * memory), guest faults KVM handled, and the dirty bit KVM set per first write.
 */
const char *const tp_per_page_events[] = {
	"kvm:kvm_exit", "kvm:kvm_emulate_insn", "kvmmmu:kvm_mmu_pagetable_walk",
	"exceptions:page_fault_user", "exceptions:page_fault_kernel", "kvm:kvm_page_fault",
	"kvmmmu:kvm_mmu_set_dirty_bit",
	NULL,
};

#define DRAIN_INTERVAL_MS 20

struct tp_event {
	char system[32], name[64], full[100];
	int id;
};

struct tracepoints {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct tp_event ev[TP_MAX_EVENTS];
	size_t nev;
	uint64_t count[TP_MAX_EVENTS];	/* since the last tp_mark, under lock */
	pthread_mutex_t lock;
	pthread_t drainer;
	bool drainer_started;
	volatile int quit;
	char skipped[512];
};

/* libtracefs caches the directory; the path is_mounted() hands back is ours to free */
static const char *tracing_dir(char *why, size_t len)
{
	const char *dir = NULL;
	int r = tracefs_tracing_dir_is_mounted(false, &dir);

	free((char *)dir);
	if (r <= 0) {
		if (geteuid() != 0) {
			snprintf(why, len, "tracefs is not mounted and mounting it needs root");
			return NULL;
		}
		dir = NULL;
		errno = 0;
		r = tracefs_tracing_dir_is_mounted(true, &dir);
		free((char *)dir);
		if (r < 0) {
			snprintf(why, len, "cannot mount tracefs on /sys/kernel/tracing: %s",
				 strerror(errno ? errno : ENODEV));
			return NULL;
		}
	}
	dir = tracefs_tracing_dir();
	if (!dir)
		snprintf(why, len, "tracefs is mounted but libtracefs cannot find it");
	return dir;
}

int tp_probe(char *why, size_t len)
{
	const char *dir = tracing_dir(why, len);
	char path[4096];

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/instances", dir);
	if (access(path, W_OK)) {
		snprintf(why, len, "cannot create tracefs instances in '%s': %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/events/kvm", dir);
	if (access(path, F_OK)) {
		snprintf(why, len, "no kvm tracepoints in '%s/events' (kvm not loaded, or tracefs without events)", dir);
		return -1;
	}
	return 0;
}

/* ---- instances left by tdxbench processes that died without cleaning up ---- */

struct stale {
	char **names;
	size_t n;
};

static int collect_stale(const char *name, void *arg)
{
	struct stale *s = arg;
	long pid;
	char *end;

	if (strncmp(name, TP_INSTANCE_PREFIX, strlen(TP_INSTANCE_PREFIX)))
		return 0;
	pid = strtol(name + strlen(TP_INSTANCE_PREFIX), &end, 10);
	if (pid <= 0 || *end != '-' || pid == getpid())
		return 0;
	if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return 0;
	s->names = xrealloc(s->names, (s->n + 1) * sizeof(*s->names));
	s->names[s->n++] = xstrdup(name);
	return 0;
}

static void remove_stale_instances(void)
{
	struct stale s = { NULL, 0 };
	tracefs_instances_walk(collect_stale, &s);
	for (size_t i = 0; i < s.n; i++) {
		struct tracefs_instance *inst = tracefs_instance_alloc(NULL, s.names[i]);
		if (inst) {
			tracefs_instance_destroy(inst);
			tracefs_instance_free(inst);
		}
		free(s.names[i]);
	}
	free(s.names);
}

/* ---- event list ---- */

static int add_event(struct tracepoints *tp, const char *full, bool named, char *err, size_t errlen)
{
	struct tp_event *e;
	const char *sep = strpbrk(full, ":/");
	size_t slen;

	if (!sep || sep == full || !sep[1] || (slen = (size_t)(sep - full)) >= sizeof(e->system) ||
	    strlen(sep + 1) >= sizeof(e->name)) {
		snprintf(err, errlen, "trace_events: '%s' is not a tracepoint name like kvm:kvm_exit", full);
		return -1;
	}
	if (tp->nev == TP_MAX_EVENTS) {
		snprintf(err, errlen, "trace_events: more than %d events", TP_MAX_EVENTS);
		return -1;
	}
	e = &tp->ev[tp->nev];
	memcpy(e->system, full, slen);
	e->system[slen] = 0;
	snprintf(e->name, sizeof(e->name), "%s", sep + 1);
	snprintf(e->full, sizeof(e->full), "%.*s:%s", (int)slen, full, sep + 1);
	for (size_t i = 0; i < tp->nev; i++)
		if (!strcmp(tp->ev[i].name, e->name))
			return 0;	/* listed twice */
	if (!tracefs_event_file_exists(NULL, e->system, e->name, "id")) {
		if (named) {
			snprintf(err, errlen, "trace_events: this kernel has no tracepoint '%s'", e->full);
			return -1;
		}
		if (strlen(tp->skipped) + strlen(e->full) + 2 < sizeof(tp->skipped)) {
			size_t used = strlen(tp->skipped);
			snprintf(tp->skipped + used, sizeof(tp->skipped) - used, "%s%s", used ? " " : "", e->full);
		}
		return 0;
	}
	tp->nev++;
	return 0;
}

static int parse_events(struct tracepoints *tp, const char *spec, char *err, size_t errlen)
{
	char *copy, *tok, *save = NULL;
	int r = 0;

	if (!spec || !*spec || !strcmp(spec, "default") || !strcmp(spec, "per-page")) {
		const char *const *set = spec && !strcmp(spec, "per-page") ? tp_per_page_events : tp_default_events;
		for (size_t i = 0; set[i]; i++)
			if (add_event(tp, set[i], false, err, errlen))
				return -1;
		return 0;
	}
	copy = xstrdup(spec);
	for (tok = strtok_r(copy, "+ \t", &save); tok && !r; tok = strtok_r(NULL, "+ \t", &save))
		r = add_event(tp, tok, true, err, errlen);
	free(copy);
	if (!r && !tp->nev) {
		snprintf(err, errlen, "trace_events: no events named");
		r = -1;
	}
	return r;
}

int tp_check_events(const char *spec, char *err, size_t errlen)
{
	struct tracepoints *tp = xcalloc(1, sizeof(*tp));
	int r = parse_events(tp, spec, err, errlen);
	free(tp);
	return r;
}

/* ---- draining ---- */

static int count_record(struct tep_event *event, struct tep_record *rec, int cpu, void *arg)
{
	struct tracepoints *tp = arg;
	int id = event ? event->id : tep_data_type(tp->tep, rec);
	(void)cpu;
	for (size_t i = 0; i < tp->nev; i++) {
		if (tp->ev[i].id == id) {
			tp->count[i]++;
			break;
		}
	}
	return 0;
}

static void drain_locked(struct tracepoints *tp)
{
	tracefs_iterate_raw_events(tp->tep, tp->inst, NULL, 0, count_record, tp);
}

static void *drainer_thread(void *arg)
{
	struct tracepoints *tp = arg;
	struct timespec ts = { 0, DRAIN_INTERVAL_MS * 1000000L };
	sigset_t all;

	/* Ctrl-C belongs to the runner's handler in the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!tp->quit) {
		pthread_mutex_lock(&tp->lock);
		drain_locked(tp);
		pthread_mutex_unlock(&tp->lock);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* ---- lifecycle ---- */

struct tracepoints *tp_open(const char *spec, pid_t pid, size_t buf_kb, char *err, size_t errlen)
{
	static int serial;
	struct tracepoints *tp;
	const char *dir, *systems[TP_MAX_EVENTS + 1];
	size_t nsys = 0;
	char name[64], buf[32];

	if (tp_probe(err, errlen))
		return NULL;
	dir = tracing_dir(err, errlen);
	if (!dir)
		return NULL;
	remove_stale_instances();

	tp = xcalloc(1, sizeof(*tp));
	pthread_mutex_init(&tp->lock, NULL);
	if (parse_events(tp, spec, err, errlen))
		goto fail;
	if (!tp->nev) {
		snprintf(err, errlen, "none of the default tracepoints exist on this kernel");
		goto fail;
	}

	/* formats of our systems only: loading every event's format takes long */
	for (size_t i = 0; i < tp->nev; i++) {
		size_t k;
		for (k = 0; k < nsys && strcmp(systems[k], tp->ev[i].system); k++)
			;
		if (k == nsys)
			systems[nsys++] = tp->ev[i].system;
	}
	systems[nsys] = NULL;
	tp->tep = tracefs_local_events_system(dir, systems);
	if (!tp->tep) {
		snprintf(err, errlen, "cannot read the tracepoint formats under '%s/events'", dir);
		goto fail;
	}
	for (size_t i = 0; i < tp->nev; i++) {
		struct tep_event *e = tep_find_event_by_name(tp->tep, tp->ev[i].system, tp->ev[i].name);
		if (!e) {
			snprintf(err, errlen, "cannot parse the format of tracepoint '%s'", tp->ev[i].full);
			goto fail;
		}
		tp->ev[i].id = e->id;
	}

	snprintf(name, sizeof(name), TP_INSTANCE_PREFIX "%d-%d", (int)getpid(),
		 __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED));
	tp->inst = tracefs_instance_create(name);
	if (!tp->inst) {
		snprintf(err, errlen, "cannot create tracefs instance '%s': %s", name, strerror(errno));
		goto fail;
	}
	if (tracefs_trace_off(tp->inst) < 0)
		goto fail_file;
	/* drop new events when full (counted in "dropped events") rather than overwrite old ones */
	tracefs_option_disable(tp->inst, TRACEFS_OPTION_OVERWRITE);
	snprintf(buf, sizeof(buf), "%zu", buf_kb);
	if (tracefs_instance_file_write(tp->inst, "buffer_size_kb", buf) < 0) {
		snprintf(err, errlen, "cannot size the ring buffer of tracefs instance '%s' to %zu KiB per CPU",
			 name, buf_kb);
		goto fail;
	}
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (tracefs_instance_file_write(tp->inst, "set_event_pid", buf) < 0 ||
	    tracefs_option_enable(tp->inst, TRACEFS_OPTION_EVENT_FORK) < 0) {
		snprintf(err, errlen, "cannot restrict tracefs instance '%s' to pid %d (set_event_pid, event-fork)",
			 name, (int)pid);
		goto fail;
	}
	for (size_t i = 0; i < tp->nev; i++) {
		if (tracefs_event_enable(tp->inst, tp->ev[i].system, tp->ev[i].name) < 0) {
			snprintf(err, errlen, "cannot enable tracepoint '%s' in instance '%s'", tp->ev[i].full, name);
			goto fail;
		}
	}
	return tp;
fail_file:
	snprintf(err, errlen, "cannot write to tracefs instance '%s': %s", name, strerror(errno));
fail:
	tp_close(tp);
	return NULL;
}

int tp_start(struct tracepoints *tp, char *err, size_t errlen)
{
	int r;
	/* start from an empty buffer */
	tracefs_instance_file_clear(tp->inst, "trace");
	if (tracefs_trace_on(tp->inst) < 0) {
		snprintf(err, errlen, "cannot turn tracing on in instance '%s'", tp_instance_name(tp));
		return -1;
	}
	tp->quit = 0;
	r = pthread_create(&tp->drainer, NULL, drainer_thread, tp);
	if (r) {
		tracefs_trace_off(tp->inst);
		snprintf(err, errlen, "cannot start the trace drainer thread: %s", strerror(r));
		return -1;
	}
	tp->drainer_started = true;
	return 0;
}

void tp_mark(struct tracepoints *tp, uint64_t *out)
{
	pthread_mutex_lock(&tp->lock);
	drain_locked(tp);
	for (size_t i = 0; i < tp->nev; i++) {
		out[i] += tp->count[i];
		tp->count[i] = 0;
	}
	pthread_mutex_unlock(&tp->lock);
}

void tp_stop(struct tracepoints *tp)
{
	if (!tp || !tp->inst)
		return;
	tracefs_trace_off(tp->inst);
	if (tp->drainer_started) {
		tp->quit = 1;
		pthread_join(tp->drainer, NULL);
		tp->drainer_started = false;
	}
	pthread_mutex_lock(&tp->lock);
	drain_locked(tp);
	pthread_mutex_unlock(&tp->lock);
}

void tp_close(struct tracepoints *tp)
{
	if (!tp)
		return;
	if (tp->drainer_started)
		tp_stop(tp);
	if (tp->inst) {
		tracefs_trace_off(tp->inst);
		/* the kernel disables the instance's events when it goes */
		tracefs_instance_destroy(tp->inst);
		tracefs_instance_free(tp->inst);
	}
	if (tp->tep)
		tep_free(tp->tep);
	pthread_mutex_destroy(&tp->lock);
	free(tp);
}

size_t tp_nevents(const struct tracepoints *tp)
{
	return tp->nev;
}

const char *tp_event_name(const struct tracepoints *tp, size_t i)
{
	return tp->ev[i].name;
}

const char *tp_event_full_name(const struct tracepoints *tp, size_t i)
{
	return tp->ev[i].full;
}

const char *tp_instance_name(const struct tracepoints *tp)
{
	return tracefs_instance_get_name(tp->inst);
}

const char *tp_skipped(const struct tracepoints *tp)
{
	return tp->skipped;
}

static uint64_t stat_field(const char *text, const char *key)
{
	const char *p = text ? strstr(text, key) : NULL;
	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

uint64_t tp_lost(struct tracepoints *tp)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	uint64_t lost = 0;
	for (long c = 0; c < ncpus; c++) {
		char file[64], *text;
		snprintf(file, sizeof(file), "per_cpu/cpu%ld/stats", c);
		text = tracefs_instance_file_read(tp->inst, file, NULL);
		if (!text)
			continue;
		lost += stat_field(text, "\noverrun: ") + stat_field(text, "dropped events: ");
		free(text);
	}
	return lost;
}
