/*
 * The tdx backend's launch, run and teardown, driven against the test-only
 * double of the KVM TDX uAPI (tests/doubles/kvm_tdx_double.c): the ioctl
 * sequence against QEMU's order and reference/tdx-uapi.md §2.6, what the TD
 * is told (attributes, GPAW, shared bit, platform), each injected error
 * (EIO, EINVAL, EBUSY, EAGAIN, EINTR, TDX_FATAL, a silent guest) giving one
 * line and a full teardown, and the knobs a TD refuses. No TDX hardware.
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
#include <unistd.h>

#include "backend/backend.h"
#include "backend/tdx/td.h"
#include "lib/util.h"
#include "tests/doubles/kvm_tdx_double.h"
#include "workloads/workload.h"
#include "tests/unit/backend_test.h"

struct td_outcome {
	struct outcome b;	/* rc, err, res */
	int open_fds;
	char *log, *violations;
	struct kvmd_seen seen;	/* what the double saw */
};

static void outcome_free(struct td_outcome *o)
{
	result_free(&o->b.res);
	free(o->log);
	free(o->violations);
}

/* Resolve like the runner, then one repetition of the TD through the kvm run loop. */
static void run_td(const struct kvmd_config *cfg, const char *assign, struct td_outcome *o)
{
	struct params p = PARAMS_INIT;
	struct run_spec spec;
	struct tdx_settings s;

	memset(o, 0, sizeof(*o));
	result_init(&o->b.res);
	spec_build("tdx", "boot", assign, &p, &spec, o->b.err, sizeof(o->b.err));
	assert_int_equal(tdx_settings_read(&p, &s, o->b.err, sizeof(o->b.err)), 0);
	kvmd_install(cfg);
	o->b.rc = kvm_run_repetition(&spec, &s.k, &td_platform, &o->b.res, o->b.err, sizeof(o->b.err));
	o->open_fds = kvmd_open_fds();
	o->log = xstrdup(kvmd_log());
	o->violations = xstrdup(kvmd_violations());
	o->seen = *kvmd_seen();
	if (o->b.rc)
		printf("# %s\n", o->b.err);
	kvmd_uninstall();
	params_free(&p);
}

/* The failure is one line, and everything the double handed out is closed again. */
static void assert_clean_failure(const struct td_outcome *o, const char *want)
{
	assert_int_equal(o->b.rc, BACKEND_FAILED);
	assert_null(strchr(o->b.err, '\n'));
	if (!strstr(o->b.err, want))
		fail_msg("error '%s' does not say '%s'", o->b.err, want);
	assert_int_equal(o->open_fds, 0);
	assert_string_equal(o->violations, "");
}

static const struct kvmd_config OK_CFG = { .guest = KVMD_GUEST_OK };

static void test_launch_order(void **state)
{
	/* QEMU's order (target/i386/kvm/tdx.c; tdx-uapi.md §3.1) and §2.6's checklist, as landmarks */
	static const char *const order[] = {
		"kvm KVM_CREATE_VM", "vm KVM_TDX_CAPABILITIES", "vm KVM_ENABLE_CAP", "vm KVM_ENABLE_CAP",
		"vm KVM_TDX_INIT_VM", "vm KVM_CREATE_GUEST_MEMFD", "vm KVM_SET_USER_MEMORY_REGION2",
		"vm KVM_SET_MEMORY_ATTRIBUTES", "vm KVM_CREATE_VCPU", "vm KVM_CREATE_VCPU",
		"vcpu0 KVM_TDX_GET_CPUID", "vcpu0 KVM_SET_CPUID2", "vcpu0 KVM_TDX_INIT_VCPU",
		"vcpu1 KVM_TDX_GET_CPUID", "vcpu1 KVM_SET_CPUID2", "vcpu1 KVM_TDX_INIT_VCPU",
		"vcpu0 KVM_TDX_INIT_MEM_REGION", "vm KVM_TDX_FINALIZE_VM",
	};
	struct td_outcome o;
	int at = 0;

	(void)state;
	run_td(&OK_CFG, "mem=16M,vcpus=2", &o);
	assert_int_equal(o.b.rc, BACKEND_OK);
	assert_string_equal(o.violations, "");
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int at2 = kvmd_line_index(o.log, order[i], at);
		if (at2 < 0)
			fail_msg("'%s' missing after line %d of the ioctl sequence:\n%s", order[i], at, o.log);
		at = at2 + 1;
	}
	/* no vCPU exists before INIT_VM, none is created after FINALIZE */
	assert_true(kvmd_line_index(o.log, "vm KVM_CREATE_VCPU", 0) > kvmd_line_index(o.log, "vm KVM_TDX_INIT_VM", 0));
	assert_int_equal(kvmd_line_index(o.log, "vm KVM_CREATE_VCPU", kvmd_line_index(o.log, "vm KVM_TDX_FINALIZE_VM", 0)), -1);
	/* protected state: the VMM never asks for registers */
	assert_int_equal(kvmd_line_index(o.log, "vcpu0 KVM_SET_SREGS", 0), -1);
	assert_int_equal(o.open_fds, 0);
	/* what the TD was told */
	assert_int_equal(o.seen.attributes, TDXB_TD_ATTR_SEPT_VE_DISABLE);
	assert_int_equal(o.seen.gpaw_set, 48);		/* forced, although the host says 52 */
	assert_int_equal(o.seen.platform, TDXB_PLAT_TDX);
	assert_int_equal(o.seen.conv_call, TDXB_CONV_TDVMCALL);
	assert_int_equal(o.seen.shared_bit_param, 1ULL << 47);	/* read back from GET_CPUID */
	assert_int_equal(o.seen.vcpus_initialized, 2);
	assert_int_equal(o.seen.reset_page_added, 1);
	assert_int_equal(o.seen.measured, o.seen.pages_added);
	assert_true(o.seen.pages_added > 256);
	outcome_free(&o);
}

static void test_notes(void **state)
{
	struct td_outcome o;
	(void)state;
	run_td(&OK_CFG, "mem=16M,vcpus=1", &o);
	assert_int_equal(o.b.rc, BACKEND_OK);
	assert_string_equal(note(&o.b, "vm_type"), "KVM_X86_TDX_VM");
	assert_non_null(strstr(note(&o.b, "shared_bit"), "GPA bit 47"));
	assert_non_null(strstr(note(&o.b, "td_attributes"), "SEPT_VE_DISABLE"));
	assert_non_null(strstr(note(&o.b, "accept"), "2M *request*"));
	/* the DPAMT figure always says which witness it came from, or that there was none */
	assert_non_null(note(&o.b, "dpamt_source"));
	assert_true(!strncmp(note(&o.b, "dpamt_source"), "/proc/meminfo", 13) ||
		    !strncmp(note(&o.b, "dpamt_source"), "this process's memory cgroup", 28) ||
		    !strncmp(note(&o.b, "dpamt_source"), "none:", 5));
	assert_non_null(strstr(note(&o.b, "tdx_module"), "Dynamic PAMT"));
	outcome_free(&o);
}

static void test_sept_ve_disable_off(void **state)
{
	struct td_outcome o;
	(void)state;
	run_td(&OK_CFG, "mem=16M,vcpus=1,sept_ve_disable=no", &o);
	assert_int_equal(o.b.rc, BACKEND_OK);
	assert_non_null(strstr(note(&o.b, "td_attributes"), "0 ("));
	outcome_free(&o);
}

static void test_retries(void **state)
{
	static const struct {
		struct kvmd_config c;
		const char *note;	/* in td_measured, or NULL */
	} cases[] = {
		{ { "KVM_TDX_INIT_VM", EAGAIN, 3, KVMD_GUEST_OK }, "INIT_VM retried 3 times" },
		{ { "KVM_TDX_FINALIZE_VM", EBUSY, 2, KVMD_GUEST_OK }, "FINALIZE 2 times" },
		/* a signal inside INIT_MEM_REGION: KVM advanced the struct, the VMM re-issues it */
		{ { "KVM_TDX_INIT_MEM_REGION", EINTR, 5, KVMD_GUEST_OK }, NULL },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct td_outcome o;
		run_td(&cases[i].c, "mem=16M,vcpus=1", &o);
		assert_int_equal(o.b.rc, BACKEND_OK);
		assert_string_equal(o.violations, "");
		if (cases[i].note)
			assert_non_null(strstr(note(&o.b, "td_measured"), cases[i].note));
		outcome_free(&o);
	}
}

static void test_injected_errors(void **state)
{
	static const struct {
		struct kvmd_config c;
		const char *want;
	} cases[] = {
		{ { "KVM_TDX_INIT_VM", EINVAL, 1, 0 }, "KVM_TDX_INIT_VM failed: Invalid argument (TDX module status hw_error 0xc000010000000000)" },
		{ { "KVM_TDX_INIT_VM", EAGAIN, -1, 0 }, "KVM_TDX_INIT_VM failed: Resource temporarily unavailable" },
		{ { "KVM_TDX_CAPABILITIES", EIO, 1, 0 }, "KVM_TDX_CAPABILITIES failed: Input/output error" },
		{ { "KVM_CREATE_VCPU", EIO, 1, 0 }, "KVM_CREATE_VCPU failed: Input/output error" },
		{ { "KVM_TDX_GET_CPUID", EINVAL, 1, 0 }, "KVM_TDX_GET_CPUID failed on vcpu 0: Invalid argument" },
		{ { "KVM_TDX_INIT_VCPU", EIO, -1, 0 }, "KVM_TDX_INIT_VCPU failed on vcpu 0: Input/output error" },
		{ { "KVM_TDX_INIT_MEM_REGION", EBUSY, -1, 0 }, "KVM_TDX_INIT_MEM_REGION failed on vcpu 0: Device or resource busy (gpa 0x100000" },
		{ { "KVM_TDX_INIT_MEM_REGION", EIO, 1, 0 }, "KVM_TDX_INIT_MEM_REGION failed on vcpu 0: Input/output error" },
		{ { "KVM_TDX_FINALIZE_VM", EIO, 1, 0 }, "KVM_TDX_FINALIZE_VM failed: Input/output error" },
		{ { NULL, 0, 0, KVMD_GUEST_EIO }, "KVM_RUN failed on vcpu 0 in boot, before phase 0 (fault): Input/output error: KVM marked the TD dead; kernel log: " },
		{ { NULL, 0, 0, KVMD_GUEST_FATAL }, "the TD reported a fatal error (TDG.VP.VMCALL ReportFatalError) on vcpu 0 in boot, before phase 0 (fault): error code 0x1234: \"guest says: boom\"" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct td_outcome o;
		run_td(&cases[i].c, "mem=16M,vcpus=2", &o);
		assert_clean_failure(&o, cases[i].want);
		outcome_free(&o);
	}
}

static void test_limits_and_log(void **state)
{
	struct td_outcome o;
	char path[] = "/tmp/tdxbench-ioctl-log-XXXXXX", *text;
	int fd = mkstemp(path), n = 0;
	char assign[128];
	(void)state;

	/* more vCPUs than the TD VM's KVM_CAP_MAX_VCPUS (8 in the double): refused before any vCPU */
	run_td(&OK_CFG, "mem=16M,vcpus=9", &o);
	assert_clean_failure(&o, "vcpus=9: a TD on this host takes at most 8 (KVM_CAP_MAX_VCPUS on the TD VM)");
	assert_int_equal(kvmd_line_index(o.log, "vm KVM_CREATE_VCPU", 0), -1);
	outcome_free(&o);

	/* ioctl_log=FILE: every ioctl of the launch, with the TDX sub-command and its result */
	assert_true(fd >= 0);
	close(fd);
	snprintf(assign, sizeof(assign), "mem=16M,vcpus=1,ioctl_log=%s", path);
	run_td(&OK_CFG, assign, &o);
	assert_int_equal(o.b.rc, BACKEND_OK);
	text = read_file(path, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "KVM_MEMORY_ENCRYPT_OP (0xc008aeba) KVM_TDX_INIT_VM hw_error=0 -> 0"));
	assert_non_null(strstr(text, "KVM_TDX_FINALIZE_VM"));
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	assert_true(n > 20);
	free(text);
	unlink(path);
	outcome_free(&o);
}

static void test_silent_guest(void **state)
{
	struct td_outcome o;
	struct kvmd_config c = { NULL, 0, 0, KVMD_GUEST_SILENT };
	(void)state;
	run_td(&c, "mem=16M,vcpus=2,watchdog_ms=100", &o);
	assert_clean_failure(&o, "guest stopped reporting progress for 100 ms (watchdog) on vcpu 0");
	outcome_free(&o);
}

static void test_exits(void **state)
{
	struct td_outcome o;
	struct kvmd_config c = { NULL, 0, 0, KVMD_GUEST_MEMFAULT };
	const struct result_metric *m;
	(void)state;

	/* an implicit conversion: shared access to private memory -> attribute flipped, re-entered */
	run_td(&c, "mem=16M,vcpus=1", &o);
	assert_int_equal(o.b.rc, BACKEND_OK);
	m = result_find_metric(&o.b.res, "implicit_conversions");
	assert_non_null(m);
	assert_int_equal((int)m->value, 1);
	assert_int_equal(o.seen.private_attr_at_fault, 0);	/* the page went shared, as the access asked */
	assert_non_null(strstr(o.log, "vm KVM_SET_MEMORY_ATTRIBUTES"));
	outcome_free(&o);

	/* GetQuote reaches the VMM as KVM_EXIT_TDX: refused, the TD goes on */
	c.guest = KVMD_GUEST_TDX_EXIT;
	run_td(&c, "mem=16M,vcpus=1", &o);
	assert_int_equal(o.b.rc, BACKEND_OK);
	assert_non_null(strstr(note(&o.b, "tdx_exits"), "1 KVM_EXIT_TDX leaves answered SUBFUNC_UNSUPPORTED"));
	assert_int_equal(o.seen.tdx_exit_ret, TDXB_TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED);
	outcome_free(&o);

	/* MapGPA: one KVM_EXIT_HYPERCALL chunk, attribute set to shared, ret 0 */
	c.guest = KVMD_GUEST_MAPGPA;
	run_td(&c, "mem=16M,vcpus=1", &o);
	assert_int_equal(o.b.rc, BACKEND_OK);
	assert_string_equal(o.violations, "");
	assert_int_equal(o.seen.mapgpa_ret, 0);
	assert_int_equal(o.seen.mapgpa_attr_after, 0);
	outcome_free(&o);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *assign, *want;
	} cases[] = {
		{ "vm_type=sw-protected", "vm_type=sw-protected: does not apply to a TD" },
		{ "conv_call=port", "conv_call=port: does not apply to a TD" },
		{ "backing=gmem", "backing=gmem: a TD's shared view cannot be a guest_memfd" },
		{ "sept_ve_disable=maybe", "sept_ve_disable" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct params p = PARAMS_INIT;
		char err[512] = "";
		assert_int_equal(params_parse_assignments(&p, cases[i].assign, err, sizeof(err)), 0);
		assert_int_not_equal(backend_find("tdx")->resolve(NULL, &p, err, sizeof(err)), 0);
		assert_null(strchr(err, '\n'));
		if (!strstr(err, cases[i].want))
			fail_msg("'%s' gave '%s'", cases[i].assign, err);
		params_free(&p);
	}
}

/* The double itself refuses what KVM refuses: a vCPU before INIT_VM is -EIO. */
static void test_double_enforces_order(void **state)
{
	struct kvm_vm vm;
	struct kvm_vcpu v;
	char err[256];
	(void)state;
	kvmd_install(&OK_CFG);
	assert_int_equal(vm_create(&vm, TDXB_KVM_X86_TDX_VM, err, sizeof(err)), 0);
	assert_int_equal(vm_enable_cap(&vm, TDXB_KVM_CAP_SPLIT_IRQCHIP, 24, err, sizeof(err)), 0);
	assert_int_equal(vcpu_create(&vm, &v, 0, err, sizeof(err)), -EIO);
	assert_non_null(strstr(kvmd_violations(), "KVM_CREATE_VCPU: TD not initialized"));
	vm_destroy(&vm);
	assert_int_equal(kvmd_open_fds(), 0);
	kvmd_uninstall();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_launch_order),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_sept_ve_disable_off),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_injected_errors),
		cmocka_unit_test(test_limits_and_log),
		cmocka_unit_test(test_silent_guest),
		cmocka_unit_test(test_exits),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_double_enforces_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
