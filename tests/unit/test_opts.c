/*
 * Unit tests for src/lib/opts.c: one table carries each key's default and
 * range, and the typed getters apply both; and every workload's table is
 * consistent (defaults inside their own range, enums defaulting to a choice).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/opts.h"
#include "lib/util.h"
#include "backend/backend.h"
#include "workloads/workload.h"

static const char *const colours[] = { "red", "green", NULL };

static const struct opt_desc table[] = {
	{ .name = "n", .type = OPT_U64, .def = "7", .min = "1", .max = "10", .help = "n" },
	{ .name = "sz", .type = OPT_SIZE, .def = "4K", .min = "4K", .max = "2M", .help = "sz" },
	{ .name = "x", .type = OPT_DOUBLE, .def = "0.5", .min = "0", .max = "1", .help = "x" },
	{ .name = "big", .type = OPT_U64, .def = "18446744073709551615",
	  .min = "18446744073709551614", .help = "exact above 2^53" },
	{ .name = "c", .type = OPT_ENUM, .def = "green", .choices = colours, .help = "c" },
	{ .name = NULL },
};

static void test_defaults_from_table(void **state)
{
	struct params p = PARAMS_INIT;
	char err[128];
	uint64_t u;
	double x;
	int i;

	assert_int_equal(opt_get_u64(table, &p, "n", &u, err, sizeof(err)), 0);
	assert_int_equal(u, 7);
	assert_int_equal(opt_get_size(table, &p, "sz", &u, err, sizeof(err)), 0);
	assert_int_equal(u, 4096);
	assert_int_equal(opt_get_double(table, &p, "x", &x, err, sizeof(err)), 0);
	assert_true(x == 0.5);
	assert_int_equal(opt_get_enum(table, &p, "c", &i, err, sizeof(err)), 0);
	assert_int_equal(i, 1);
	params_set(&p, "n", "3");
	assert_int_equal(opt_get_u64(table, &p, "n", &u, err, sizeof(err)), 0);
	assert_int_equal(u, 3);
	params_free(&p);
}

static void test_range(void **state)
{
	struct params p = PARAMS_INIT;
	char err[128];
	uint64_t u;
	double x;

	params_set(&p, "n", "11");
	assert_int_equal(opt_get_u64(table, &p, "n", &u, err, sizeof(err)), -1);
	assert_string_equal(err, "n=11: must be 1..10");
	params_set(&p, "n", "0");
	assert_int_equal(opt_get_u64(table, &p, "n", &u, err, sizeof(err)), -1);
	params_set(&p, "n", "10");
	assert_int_equal(opt_get_u64(table, &p, "n", &u, err, sizeof(err)), 0);
	params_set(&p, "sz", "4M");
	assert_int_equal(opt_get_size(table, &p, "sz", &u, err, sizeof(err)), -1);
	assert_string_equal(err, "sz=4M: must be 4K..2M");
	params_set(&p, "x", "1.01");
	assert_int_equal(opt_get_double(table, &p, "x", &x, err, sizeof(err)), -1);
	assert_string_equal(err, "x=1.01: must be 0..1");
	/* integer bounds compare exactly, not through a double */
	params_set(&p, "big", "18446744073709551613");
	assert_int_equal(opt_get_u64(table, &p, "big", &u, err, sizeof(err)), -1);
	params_set(&p, "big", "18446744073709551614");
	assert_int_equal(opt_get_u64(table, &p, "big", &u, err, sizeof(err)), 0);
	params_set(&p, "n", "lots");
	assert_int_equal(opt_get_u64(table, &p, "n", &u, err, sizeof(err)), -1);
	assert_string_equal(err, "n=lots: not a valid int");
	params_free(&p);
}

static void check_table(const char *owner, const struct opt_desc *d)
{
	char err[256];
	for (; d->name; d++) {
		if (!d->def)
			continue;
		if (opt_validate(d, d->def, err, sizeof(err)))
			fail_msg("%s: default of %s is outside its own table: %s", owner, d->name, err);
		if ((d->min || d->max) && (d->type == OPT_BOOL || d->type == OPT_ENUM ||
					   d->type == OPT_STRING))
			fail_msg("%s: %s has a range but is not numeric", owner, d->name);
	}
}

/* Every backend's knob table: defaults inside their own ranges. */
static void test_backend_tables(void **state)
{
	for (const struct backend_ops *const *be = backend_all(); *be; be++)
		check_table((*be)->name, (*be)->knobs ? (*be)->knobs : (const struct opt_desc[]){ { 0 } });
}

/* Every workload builds with its table's defaults alone. */
static void test_workload_tables(void **state)
{
	check_table("common", workload_common_opts);
	for (const struct workload_desc *const *w = workload_all(); *w; w++) {
		struct params p = PARAMS_INIT;
		struct tdxb_workload out;
		char err[256] = "";
		check_table((*w)->name, (*w)->params);
		if ((*w)->build(&p, &out, err, sizeof(err)))
			fail_msg("%s: does not build with its defaults: %s", (*w)->name, err);
		params_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_from_table),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_workload_tables),
		cmocka_unit_test(test_backend_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
