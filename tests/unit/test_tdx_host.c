/*
 * `tdxbench host`'s TDX module version and DPAMT status from kernel log
 * lines as the kernels print them (reference/tdx-uapi.md §5.2): 7.1's
 * "Module version", the runtime-update series' "Initializing TDX module",
 * DPAMT v6's "Enable Dynamic PAMT", and the sysfs version winning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "host/host.h"

static void test_dpamt_on(void **state)
{
	static const char *const log[] = {
		"virt/tdx: BIOS enabled: private KeyID range [32, 64)",
		"virt/tdx: Module version: 1.5.20",
		"virt/tdx: Enable Dynamic PAMT",
		"virt/tdx: 4096 KB allocated for PAMT",
		"virt/tdx: TDX-Module initialized",
	};
	struct host_tdx_module m;
	(void)state;
	host_tdx_module_parse(log, 5, NULL, &m);
	assert_string_equal(m.version, "1.5.20");
	assert_string_equal(m.version_source, "kernel log");
	assert_int_equal(m.dpamt, 1);
	assert_non_null(strstr(m.dpamt_why, "Enable Dynamic PAMT"));
}

static void test_dpamt_off(void **state)
{
	static const char *const log[] = {
		"virt/tdx: Initializing TDX module: 1.5.06.00.0744 (build_date 20231017, Production module), "
		"TDX_FEATURES0 0x1fc",
		"virt/tdx: 262144 KB allocated for PAMT",
		"virt/tdx: module initialized",
	};
	struct host_tdx_module m;
	(void)state;
	host_tdx_module_parse(log, 3, "1.5.06.00.0744", &m);
	assert_string_equal(m.version, "1.5.06.00.0744");
	assert_string_equal(m.version_source, "/sys/devices/faux/tdx_host/version");
	assert_int_equal(m.dpamt, 0);
	host_tdx_module_parse(log, 3, NULL, &m);
	assert_string_equal(m.version, "1.5.06.00.0744");
}

static void test_no_tdx(void **state)
{
	static const char *const log[] = { "kvm: something else" };
	struct host_tdx_module m;
	(void)state;
	host_tdx_module_parse(log, 1, NULL, &m);
	assert_string_equal(m.version, "");
	assert_int_equal(m.dpamt, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpamt_on),
		cmocka_unit_test(test_dpamt_off),
		cmocka_unit_test(test_no_tdx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
