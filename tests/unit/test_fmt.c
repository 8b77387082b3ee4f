/* Unit tests: the one formatter (lib/fmt.c) and the glossary's order and titles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/metrics.h"

static const char *f(double v, const char *unit)
{
	static char buf[FMT_LEN];
	return fmt_value(v, unit, buf, sizeof(buf));
}

static void test_sizes(void **state)
{
	/* the example: one value, one text, binary unit printed */
	assert_string_equal(f(270336, "bytes"), "264 KiB");
	assert_string_equal(f(8470528, "bytes"), "8.08 MiB");
	assert_string_equal(f(16.2 * 1048576, "bytes"), "16.2 MiB");
	assert_string_equal(f(1073741824, "bytes"), "1 GiB");
	assert_string_equal(f(1000, "bytes"), "1000 B");
	assert_string_equal(f(0, "bytes"), "0 B");
}

static void test_durations(void **state)
{
	assert_string_equal(f(950, "ns"), "950 ns");
	assert_string_equal(f(172000, "ns"), "172 us");
	assert_string_equal(f(2870000, "ns"), "2.87 ms");
	assert_string_equal(f(12.5e9, "ns"), "12.5 s");
	assert_string_equal(f(0, "ns"), "0 ns");
}

static void test_counts(void **state)
{
	assert_string_equal(f(1048576, "ops"), "1048576");
	assert_string_equal(f(1034, "pages"), "1034");
	assert_string_equal(f(12.345, "pages/s"), "12.3");
	assert_string_equal(f(0.5, NULL), "0.50");
	assert_string_equal(f(9999999, "ops"), "9999999");
	assert_string_equal(f(12345678, "ops"), "12.3M");
	assert_string_equal(f(1000000004, "ops"), "1.00G");
	assert_string_equal(f(NAN, "bytes"), "-");
	assert_string_equal(f(INFINITY, "ops"), "-");
}

static void test_scale(void **state)
{
	struct fmt_scale s = fmt_scale("bytes", 3 * 1048576.0);
	assert_string_equal(s.name, "MiB");
	assert_int_equal((long)s.div, 1048576);
	s = fmt_scale("ops", 1e9);
	assert_null(s.name);
}

/* fidelity reads values against bands: four significant digits, never an exponent */
static void test_sig(void **state)
{
	char b[FMT_LEN];
	assert_string_equal(fmt_sig(0.010307, 4, b, sizeof(b)), "0.01031");
	assert_string_equal(fmt_sig(0.015, 4, b, sizeof(b)), "0.01500");
	assert_string_equal(fmt_sig(8.0781, 4, b, sizeof(b)), "8.078");
	assert_string_equal(fmt_sig(97.678, 4, b, sizeof(b)), "97.68");
	assert_string_equal(fmt_sig(44796, 4, b, sizeof(b)), "44796");
	assert_string_equal(fmt_sig(123456.7, 4, b, sizeof(b)), "123457");
	assert_string_equal(fmt_sig(0.0, 4, b, sizeof(b)), "0");
	assert_string_equal(fmt_sig(NAN, 4, b, sizeof(b)), "-");
}

static void test_metric_order(void **state)
{
	/* ranked first, in rank order; then the glossary; then unknown names */
	assert_int_equal(metric_order("total_pamt_bytes"), 1);
	assert_int_equal(metric_order("dpamt_bytes_peak"), 2);
	assert_int_equal(metric_order("pamt_add"), 3);
	assert_true(metric_cmp("wall_ns", "pamt_remove") < 0);
	assert_true(metric_cmp("pamt_remove", "no_such_metric") < 0);
	/* a series sorts with the metric that summarizes it */
	assert_int_equal(metric_order("fault_ns"), metric_order("fault_ns_p99"));
	assert_string_equal(metric_title("pamt_lock_wait_ns"), "pamt_lock wt");
	assert_string_equal(metric_title("phase1_wall_ns"), "phase1_wall_ns");
	/* an unranked metric may carry a title for the workloads that headline it */
	assert_string_equal(metric_title("pamt_remove"), "PAMT.REMOVE");
	assert_string_equal(metric_title("pamt_get_fast"), "pamt_get_fast");
}

static void test_ranks_unique(void **state)
{
	for (size_t i = 0; i < metric_table_len; i++)
		for (size_t k = i + 1; k < metric_table_len; k++)
			if (metric_table[i].rank)
				assert_int_not_equal(metric_table[i].rank, metric_table[k].rank);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_metric_order),
		cmocka_unit_test(test_ranks_unique),
		cmocka_unit_test(test_sig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
