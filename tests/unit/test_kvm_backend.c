/*
 * The kvm backend driven through its vtable, in real VMs on this host's
 * /dev/kvm: boot, random4k, fault2m and convert-churn with 1 and 2 vCPUs,
 * stats consistent with the pages touched, the crash / watchdog / bad-exit
 * failure paths and the refusals. Every test skips, printing the probe's
 * one-line reason, when /dev/kvm is not usable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "lib/util.h"
#include "workloads/workload.h"
#include "workloads/order.h"

static char why[256];
static bool usable;

struct outcome {
	int rc;
	char err[512];
	struct run_result res;
};

static double metric(const struct outcome *o, const char *name)
{
	const struct result_metric *m = result_find_metric(&o->res, name);
	if (!m)
		fail_msg("metric '%s' missing", name);
	return m->value;
}

static const char *note(const struct outcome *o, const char *key)
{
	for (size_t i = 0; i < o->res.n_notes; i++)
		if (!strcmp(o->res.notes[i].key, key))
			return o->res.notes[i].value;
	return NULL;
}

/* Build the workload, resolve, check and run one repetition. */
static void run_wl(const char *wl_name, const char *assign, struct outcome *o)
{
	const struct backend_ops *b = backend_find("kvm");
	const struct workload_desc *wl = workload_find(wl_name);
	struct params p = PARAMS_INIT;
	struct run_spec spec;

	memset(o, 0, sizeof(*o));
	result_init(&o->res);
	assert_non_null(b);
	assert_non_null(wl);
	memset(&spec, 0, sizeof(spec));
	spec.wl = wl;
	spec.params = &p;
	assert_int_equal(params_parse_assignments(&p, assign, o->err, sizeof(o->err)), 0);
	assert_int_equal(wl->build(&p, &spec.work, o->err, sizeof(o->err)), 0);
	assert_int_equal(b->resolve(NULL, &p, o->err, sizeof(o->err)), 0);
	o->rc = b->check(&spec, o->err, sizeof(o->err));
	if (o->rc == BACKEND_OK)
		o->rc = b->run(&spec, &o->res, o->err, sizeof(o->err));
	if (o->rc)
		printf("# %s %s: %s\n", wl_name, assign, o->err);
	params_free(&p);
}

#define REQUIRE_KVM()                                             \
	do {                                                      \
		if (!usable) {                                    \
			printf("# skip: %s\n", why);              \
			skip();                                   \
		}                                                 \
	} while (0)

/* Pages faulted in must show up in KVM's fault counter (or, where this KVM
 * does not maintain it, in the host's page-fault count). */
static void check_faults_counted(const struct outcome *o)
{
	double touched = metric(o, "pages_touched");
	if (note(o, "stats_caveat")) {
		printf("# %s\n", note(o, "stats_caveat"));
		assert_true(metric(o, "vmstat_pgfault") >= touched);
	} else {
		assert_true(metric(o, "pf_fixed") >= touched);
	}
}

static void test_probe(void **state)
{
	const struct backend_ops *b = backend_find("kvm");
	char buf[256];
	assert_non_null(b);
	assert_false(b->is_model);
	assert_null(b->strategies);
	/* Whatever the probe says must agree with what /dev/kvm says. */
	int probe_ok = b->probe(buf, sizeof(buf)) == 0;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (probe_ok) {
		assert_true(fd >= 0);	/* the probe cannot say yes without a device */
	} else {
		assert_non_null(strstr(buf, "kvm: "));	/* one line, named */
		assert_null(strchr(buf, '\n'));
		if (fd < 0)
			assert_non_null(strstr(buf, "/dev/kvm"));
	}
}

static void test_boot(void **state)
{
	struct outcome o;
	REQUIRE_KVM();
	for (int v = 1; v <= 2; v++) {
		char a[64];
		snprintf(a, sizeof(a), "mem=16M,vcpus=%d,watchdog_ms=20000", v);
		run_wl("boot", a, &o);
		assert_int_equal(o.rc, BACKEND_OK);
		assert_int_equal((long)metric(&o, "pages_touched"), 16 * 256);
		assert_true(metric(&o, "pages_per_sec_per_vcpu") > 0);
		assert_true(metric(&o, "phase0_wall_ns") > 0);
		assert_true(metric(&o, "user_exits_io") >= 4.0 * v);	/* ready, start, end, done */
		check_faults_counted(&o);
		assert_string_equal(note(&o, "backing"), "anon");
		assert_true(o.res.n_series > 0);
		/* every run says whether KVM emulates the guest's code here */
		assert_non_null(note(&o, "guest_code"));
		if (strncmp(note(&o, "guest_code"), "emulated: ", 10) && strncmp(note(&o, "guest_code"), "native: ", 8) &&
		    strncmp(note(&o, "guest_code"), "unknown: ", 9))
			fail_msg("guest_code note '%s'", note(&o, "guest_code"));
		result_free(&o.res);
	}
}

static void test_random4k_2vcpus(void **state)
{
	struct outcome o;
	REQUIRE_KVM();
	run_wl("random4k", "mem=16M,vcpus=2,touch=500", &o);
	assert_int_equal(o.rc, BACKEND_OK);
	assert_int_equal((long)metric(&o, "pages_touched"), 16 * 256 / 2);
	check_faults_counted(&o);
	result_free(&o.res);
}

static void test_fault2m(void **state)
{
	struct outcome o;
	REQUIRE_KVM();
	run_wl("fault2m", "mem=16M,vcpus=1,backing=thp,pt=2M", &o);
	assert_int_equal(o.rc, BACKEND_OK);
	assert_int_equal((long)metric(&o, "pages_touched"), 16 * 256);
	assert_string_equal(note(&o, "guest_pt"), "2M");
	result_free(&o.res);
	run_wl("fault2m", "mem=16M,vcpus=2,backing=memfd", &o);
	assert_int_equal(o.rc, BACKEND_OK);
	assert_int_equal((long)metric(&o, "pages_touched"), 16 * 256);
	result_free(&o.res);
}

static void test_convert_churn(void **state)
{
	struct outcome o;
	REQUIRE_KVM();
	for (int v = 1; v <= 2; v++) {
		char a[96];
		snprintf(a, sizeof(a), "mem=8M,vcpus=%d,window=2M,rounds=2", v);
		run_wl("convert-churn", a, &o);
		assert_int_equal(o.rc, BACKEND_OK);
		/* 512 units x 2 rounds x (to shared + back) */
		assert_int_equal((long)metric(&o, "conversions"), 2048);
		assert_true(metric(&o, "conversions_per_sec") > 0);
		assert_true(metric(&o, "convert_ns_p50") > 0);
		assert_true(metric(&o, "convert_ns_p99") >= metric(&o, "convert_ns_p50"));
		/* never silent: the run says what a conversion was on this VM type */
		assert_non_null(note(&o, "conversion_method"));
		assert_non_null(strstr(note(&o, "conversion_method"), "zap + refault"));
		result_free(&o.res);
	}
}

static void test_gmem_backing(void **state)
{
	struct outcome o;
	REQUIRE_KVM();
	run_wl("convert-churn", "mem=4M,vcpus=1,window=2M,rounds=1,gran=64K,backing=gmem", &o);
	if (o.rc && strstr(o.err, "backing=gmem:")) {
		/* refused with one line saying why: fine on kernels without it */
		assert_null(strchr(o.err, '\n'));
		result_free(&o.res);
		return;
	}
	assert_int_equal(o.rc, BACKEND_OK);
	assert_int_equal((long)metric(&o, "conversions"), 2 * 32);
	assert_non_null(strstr(note(&o, "conversion_method"), "guest_memfd"));
	result_free(&o.res);
}

static void test_crash(void **state)
{
	struct outcome o;
	REQUIRE_KVM();
	run_wl("test-crash", "mem=4M,vcpus=2", &o);
	assert_int_equal(o.rc, BACKEND_FAILED);
	assert_non_null(strstr(o.err, "KVM_EXIT_SHUTDOWN"));
	assert_non_null(strstr(o.err, "rip 0x"));
	assert_non_null(strstr(o.err, "phase 1 (test-crash)"));
	result_free(&o.res);
}

static void test_watchdog(void **state)
{
	struct outcome o;
	uint64_t t = now_ns();
	REQUIRE_KVM();
	run_wl("test-hang", "mem=4M,vcpus=2,watchdog_ms=300", &o);
	assert_int_equal(o.rc, BACKEND_FAILED);
	assert_non_null(strstr(o.err, "watchdog"));
	assert_non_null(strstr(o.err, "phase 1 (test-hang)"));
	assert_non_null(strstr(o.err, "rip 0x"));
	assert_true(now_ns() - t < 20ULL * 1000000000ULL);
	result_free(&o.res);
}

static void test_bad_exit(void **state)
{
	struct outcome o;
	REQUIRE_KVM();
	run_wl("test-bad-exit", "mem=4M,vcpus=1", &o);
	assert_int_equal(o.rc, BACKEND_FAILED);
	assert_non_null(strstr(o.err, "unexpected KVM_EXIT_MMIO"));
	assert_non_null(strstr(o.err, "phase 1 (test-bad-exit)"));
	result_free(&o.res);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *wl, *assign, *want;
	} cases[] = {
		{ "boot", "mem=64T,pt=2M", "refusing before allocating" },
		{ "boot", "mem=64T", "would not fit below 1 GiB" },
		{ "boot", "mem=16M,vcpus=64", "vcpus=64" },
		{ "boot", "mem=16M,tds=2", "tds=2" },
		{ "boot", "mem=16M,vm_type=sw-protected", "vm_type=sw-protected" },
		{ "boot", "mem=16M,pin=4095", "pin=4095" },
		{ "boot", "mem=16M,backing=floppy", "backing=floppy" },
		{ "convert-churn", "mem=8M,window=2M,backing=hugetlb", "backing=hugetlb" },
	};
	REQUIRE_KVM();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct backend_ops *b = backend_find("kvm");
		const struct workload_desc *wl = workload_find(cases[i].wl);
		struct params p = PARAMS_INIT;
		struct run_spec spec;
		struct run_result res;
		char err[512] = "";
		int rc;
		memset(&spec, 0, sizeof(spec));
		spec.wl = wl;
		spec.params = &p;
		result_init(&res);
		assert_int_equal(params_parse_assignments(&p, cases[i].assign, err, sizeof(err)), 0);
		assert_int_equal(wl->build(&p, &spec.work, err, sizeof(err)), 0);
		rc = b->resolve(NULL, &p, err, sizeof(err));
		if (!rc)
			rc = b->run(&spec, &res, err, sizeof(err));	/* run() re-checks before allocating */
		printf("# %s %s -> %s\n", cases[i].wl, cases[i].assign, err);
		assert_int_not_equal(rc, BACKEND_OK);
		assert_non_null(strstr(err, cases[i].want));
		assert_null(strchr(err, '\n'));
		assert_int_equal(res.n_metrics, 0);
		result_free(&res);
		params_free(&p);
	}
}

static void test_sequence_is_a_permutation(void **state)
{
	/* the random order visits every unit exactly once, for awkward sizes too */
	static const uint64_t sizes[] = { 1, 2, 3, 7, 1000, 4096, 5000 };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t n = sizes[i];
		uint8_t *seen = xcalloc(n, 1);
		struct tdxb_seq s;
		tdxb_seq_init(&s, n, 1000, TDXB_ORD_RANDOM, 1, 42);
		for (uint64_t k = 0; k < n; k++) {
			uint64_t u = tdxb_seq_at(&s, k);
			assert_true(u < n);
			assert_false(seen[u]);
			seen[u] = 1;
		}
		memset(seen, 0, n);
		tdxb_seq_init(&s, n, 1000, TDXB_ORD_STRIDE, 3, 0);
		for (uint64_t k = 0; k < n; k++) {
			uint64_t u = tdxb_seq_at(&s, k);
			assert_true(u < n);
			assert_false(seen[u]);
			seen[u] = 1;
		}
		free(seen);
	}
}

int main(void)
{
	const struct backend_ops *b = backend_find("kvm");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence_is_a_permutation),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_boot),
		cmocka_unit_test(test_random4k_2vcpus),
		cmocka_unit_test(test_fault2m),
		cmocka_unit_test(test_convert_churn),
		cmocka_unit_test(test_gmem_backing),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_bad_exit),
		cmocka_unit_test(test_refusals),
	};
	usable = b && b->probe(why, sizeof(why)) == 0;
	if (!usable)
		printf("# %s\n", why);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
