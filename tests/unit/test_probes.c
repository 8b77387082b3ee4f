/*
 * The probe sampler (sample/probes.c + the latency pairs of
 * sample/tracepoints.c) on this machine. This kernel has no kprobes
 * (CONFIG_KPROBES unset), so the same path runs with a uprobe/uretprobe
 * pair on a function of this test: probe events created in a per-process
 * group, enabled in the private tracefs instance, counted per call, entry
 * and return paired per thread into a latency histogram, and removed again.
 * Skips with the reason when tracing is not possible here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/kvm/vmm.h"
#include "host/host.h"
#include "lib/util.h"
#include "sample/probes.h"
#include "sample/tracepoints.h"
#include "tests/unit/backend_test.h"

#define CALLS 200

__attribute__((noinline, used)) int probe_target(int x);
__attribute__((noinline, used)) int probe_target(int x)
{
	/* about 20 us, so the latency is well above the trace clock's resolution */
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
		__asm__ volatile("" ::: "memory");
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 20000);
	return x + 1;
}

/* File offset of fn in the executable, from /proc/self/maps. */
static uint64_t file_offset(void *fn, char *path, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096];
	uint64_t off = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, foff;
		char perms[8], file[4096] = "";
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &lo, &hi, perms, &foff, file) >= 4 &&
		    (uintptr_t)fn >= lo && (uintptr_t)fn < hi) {
			off = (uintptr_t)fn - lo + foff;
			snprintf(path, len, "%s", file);
			break;
		}
	}
	if (f)
		fclose(f);
	return off;
}

static void test_uprobe_pair(void **state)
{
	char why[256], path[4096] = "", err[256];
	const char *name = "probe_target";
	uint64_t off, counts[TP_MAX_EVENTS] = { 0 }, total = 0;
	struct probes *p;
	struct tracepoints *tp;
	struct tp_latency lat;
	volatile int sink = 0;

	(void)state;
	if (tp_probe(why, sizeof(why))) {
		printf("# skip: %s\n", why);
		skip();
	}
	off = file_offset((void *)probe_target, path, sizeof(path));
	assert_true(off > 0);
	p = probes_user(path, &name, &off, 1, err, sizeof(err));
	if (!p) {
		printf("# skip: %s\n", err);
		skip();
	}
	assert_int_equal(probes_count(p), 2);
	assert_non_null(strstr(probes_spec(p), ":probe_target+"));
	tp = tp_open(probes_spec(p), getpid(), 1024, err, sizeof(err));
	if (!tp)
		fail_msg("%s", err);
	assert_int_equal(tp_npairs(tp), 1);
	assert_string_equal(tp_pair_name(tp, 0), "probe_target");
	assert_int_equal(tp_start(tp, err, sizeof(err)), 0);
	for (int i = 0; i < CALLS; i++)
		sink += probe_target(i);
	tp_stop(tp);
	tp_mark(tp, counts);
	assert_int_equal(counts[0], CALLS);	/* entries */
	assert_int_equal(counts[1], CALLS);	/* returns */
	tp_pair_latency(tp, 0, &lat);
	assert_int_equal(lat.n, CALLS);
	assert_int_equal(lat.unmatched, 0);
	for (int b = 0; b < TP_LAT_BUCKETS; b++)
		total += lat.hist[b];
	assert_int_equal(total, CALLS);
	assert_true(lat.sum_ns / lat.n >= 20000);	/* the function spins 20 us */
	printf("# %d calls, mean %llu ns from uprobe to uretprobe\n", CALLS, (unsigned long long)(lat.sum_ns / lat.n));
	tp_close(tp);
	probes_destroy(p);
	(void)sink;
}

/*
 * Through the kvm backend's run loop: a probe pair on run_on_event (the VMM's
 * handler of every guest report) gives per-run and per-phase latency metrics,
 * the same emission a TD's SEAMCALL probes get.
 */
static void test_pairs_in_a_run(void **state)
{
	char why[256], path[4096] = "", err[512], assign[512];
	const char *name = "run_on_event";
	uint64_t off;
	struct probes *p;
	struct params prm = PARAMS_INIT;
	struct run_spec spec;
	struct outcome o;
	const struct backend_ops *b = backend_find("kvm");
	struct kvm_caps caps;

	(void)state;
	host_probe_kvm(&caps);
	if (tp_probe(why, sizeof(why)) || !caps.accessible) {
		printf("# skip: %s\n", caps.accessible ? why : caps.why);
		skip();
	}
	off = file_offset((void *)run_on_event, path, sizeof(path));
	p = probes_user(path, &name, &off, 1, err, sizeof(err));
	if (!p) {
		printf("# skip: %s\n", err);
		skip();
	}
	snprintf(assign, sizeof(assign), "mem=4M,vcpus=1,trace=on,trace_events=kvm:kvm_exit+%s", probes_spec(p));
	memset(&o, 0, sizeof(o));
	result_init(&o.res);
	spec_build("kvm", "boot", assign, &prm, &spec, o.err, sizeof(o.err));
	o.rc = b->check(&spec, o.err, sizeof(o.err));
	if (o.rc == BACKEND_OK)
		o.rc = b->run(&spec, &o.res, o.err, sizeof(o.err));
	probes_destroy(p);
	if (o.rc)
		fail_msg("%s", o.err);
	/* a run's counts span first phase start to last phase end: of READY, START, END, DONE only END's entry */
	assert_int_equal((int)metric(&o, "trace_run_on_event"), 1);
	assert_true(metric(&o, "run_on_event_ns_mean") > 0);
	assert_true(metric(&o, "phase0_run_on_event_ns_mean") > 0);
	result_free(&o.res);
	params_free(&prm);
}

static void test_kernel_probes_here(void **state)
{
	char missing[512], err[256];
	static const char *const none[] = { "tdxbench_no_such_function", NULL };
	struct probes *p;
	(void)state;
	/* either this kernel has no kprobes, or the function is missing: one line either way */
	p = probes_kernel(none, missing, sizeof(missing), err, sizeof(err));
	assert_null(p);
	assert_null(strchr(err, '\n'));
	printf("# %s\n", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uprobe_pair),
		cmocka_unit_test(test_pairs_in_a_run),
		cmocka_unit_test(test_kernel_probes_here),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
