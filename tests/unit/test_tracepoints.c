/*
 * The tracepoint stat source on this host's tracefs: a private instance that
 * exists while open and is gone after tp_close (also after a failed open),
 * exact counts of an event this process fires (getppid), nothing from other
 * processes, instances of dead tdxbench processes swept, bad event names
 * refused. Every test skips, printing tp_probe()'s reason, when tracefs or
 * the kvm events are not usable (not root, tracefs not mountable, no kvm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tracefs.h>

#include "sample/tracepoints.h"

static char why[256];
static bool usable;

#define REQUIRE_TRACEFS()                                         \
	do {                                                      \
		if (!usable) {                                    \
			printf("# skip: %s\n", why);              \
			skip();                                   \
		}                                                 \
	} while (0)

static bool instance_exists(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/instances/%s", tracefs_tracing_dir(), name);
	return access(path, F_OK) == 0;
}

static bool have_event(const char *sys, const char *ev)
{
	return tracefs_event_file_exists(NULL, sys, ev, "id");
}

static void test_default_events_instance_lifecycle(void **state)
{
	char err[256], name[128];
	struct tracepoints *tp;
	uint64_t counts[TP_MAX_EVENTS] = { 0 };
	(void)state;
	REQUIRE_TRACEFS();

	tp = tp_open("default", getpid(), 256, err, sizeof(err));
	if (!tp)
		fail_msg("tp_open: %s", err);
	snprintf(name, sizeof(name), "%s", tp_instance_name(tp));
	assert_int_equal(strncmp(name, TP_INSTANCE_PREFIX, strlen(TP_INSTANCE_PREFIX)), 0);
	assert_true(instance_exists(name));
	assert_true(tp_nevents(tp) > 0);
	/* kvm_page_fault is first when the kernel has it; skipped ones are named */
	if (have_event("kvm", "kvm_page_fault"))
		assert_string_equal(tp_event_full_name(tp, 0), "kvm:kvm_page_fault");
	else
		assert_non_null(strstr(tp_skipped(tp), "kvm:kvm_page_fault"));
	if (tp_start(tp, err, sizeof(err)))
		fail_msg("tp_start: %s", err);
	tp_mark(tp, counts);		/* no VM in this process: nothing to count */
	for (size_t i = 0; i < tp_nevents(tp); i++)
		assert_int_equal(counts[i], 0);
	tp_close(tp);			/* without tp_stop: close must stop the drainer itself */
	assert_false(instance_exists(name));
}

static void test_counts_exact_and_only_ours(void **state)
{
	char err[256], name[128];
	struct tracepoints *tp;
	uint64_t counts[TP_MAX_EVENTS] = { 0 }, more[TP_MAX_EVENTS] = { 0 };
	pid_t child;
	int status, go[2];
	char c = 0;
	(void)state;
	REQUIRE_TRACEFS();
	if (!have_event("syscalls", "sys_enter_getppid")) {
		printf("# skip: no syscalls:sys_enter_getppid tracepoint (CONFIG_FTRACE_SYSCALLS)\n");
		skip();
	}

	/* trace only the child; this process's calls must not count */
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)	/* until the instance is on */
			_exit(1);
		for (int i = 0; i < 500; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	tp = tp_open("syscalls:sys_enter_getppid", child, 256, err, sizeof(err));
	if (!tp) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		fail_msg("tp_open: %s", err);
	}
	snprintf(name, sizeof(name), "%s", tp_instance_name(tp));
	assert_int_equal(tp_nevents(tp), 1);
	assert_string_equal(tp_event_name(tp, 0), "sys_enter_getppid");
	if (tp_start(tp, err, sizeof(err)))
		fail_msg("tp_start: %s", err);
	close(go[0]);
	for (int i = 0; i < 1000; i++)
		syscall(SYS_getppid);
	assert_int_equal(write(go[1], &c, 1), 1);
	close(go[1]);
	waitpid(child, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	tp_stop(tp);
	tp_mark(tp, counts);
	assert_int_equal(counts[0], 500);
	tp_mark(tp, more);		/* a mark restarts the counts */
	assert_int_equal(more[0], 0);
	assert_int_equal(tp_lost(tp), 0);
	tp_close(tp);
	assert_false(instance_exists(name));
}

static void test_bad_events_leave_nothing(void **state)
{
	char err[256];
	struct tracepoints *tp;
	size_t before = 0, after = 0;
	char **list;
	(void)state;
	REQUIRE_TRACEFS();

	list = tracefs_instances(NULL);
	while (list && list[before])
		before++;
	tracefs_list_free(list);

	tp = tp_open("kvm:no_such_event", getpid(), 256, err, sizeof(err));
	assert_null(tp);
	assert_non_null(strstr(err, "'kvm:no_such_event'"));
	tp = tp_open("nonsense", getpid(), 256, err, sizeof(err));
	assert_null(tp);
	assert_non_null(strstr(err, "'nonsense'"));
	tp = tp_open("+ +", getpid(), 256, err, sizeof(err));
	assert_null(tp);
	assert_non_null(strstr(err, "no events"));

	list = tracefs_instances(NULL);
	while (list && list[after])
		after++;
	tracefs_list_free(list);
	assert_int_equal(after, before);
}

static void test_stale_instance_swept(void **state)
{
	char err[256], path[512];
	struct tracepoints *tp;
	pid_t dead = fork();
	(void)state;
	REQUIRE_TRACEFS();

	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	/* what a tdxbench killed with SIGKILL leaves behind */
	snprintf(path, sizeof(path), "%s/instances/" TP_INSTANCE_PREFIX "%d-1", tracefs_tracing_dir(), (int)dead);
	if (mkdir(path, 0755))
		fail_msg("mkdir %s: %s", path, strerror(errno));
	tp = tp_open("default", getpid(), 256, err, sizeof(err));
	if (!tp) {
		rmdir(path);
		fail_msg("tp_open: %s", err);
	}
	assert_int_not_equal(access(path, F_OK), 0);
	tp_close(tp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_events_instance_lifecycle),
		cmocka_unit_test(test_counts_exact_and_only_ours),
		cmocka_unit_test(test_bad_events_leave_nothing),
		cmocka_unit_test(test_stale_instance_swept),
	};
	usable = tp_probe(why, sizeof(why)) == 0;
	if (!usable)
		printf("# %s\n", why);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
