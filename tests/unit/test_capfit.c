/* The arithmetic of `tdxbench capacity`: line fit, hold-out error, knees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "core/capfit.h"

static void test_line(void **state)
{
	double x[] = { 1, 2, 4, 8 }, y[] = { 13, 23, 43, 83 };
	struct capfit_line l;
	assert_int_equal(capfit_line(x, y, 4, &l), 0);
	assert_int_equal((int)lround(l.a * 1000), 3000);
	assert_int_equal((int)lround(l.b * 1000), 10000);
	assert_int_equal((int)lround(capfit_at(&l, 100)), 1003);
	assert_int_equal(capfit_line(x, y, 1, &l), -1);
}

static void test_holdout(void **state)
{
	double x[] = { 1, 2, 4, 8 }, lin[] = { 13, 23, 43, 83 }, bent[] = { 10, 20, 40, 160 };
	double zero[] = { 0, 0, 0, 0 };
	assert_int_equal((int)lround(capfit_holdout_error(x, lin, 4) * 1e6), 0);
	/* the first three predict 80 where 160 was seen: 50 % off */
	assert_int_equal((int)lround(capfit_holdout_error(x, bent, 4) * 100), 50);
	assert_int_equal((int)lround(capfit_holdout_error(x, zero, 4) * 100), 0);
	assert_true(isnan(capfit_holdout_error(x, lin, 2)));
}

static void test_knee_found(void **state)
{
	/* flat, then growing from x = 8: a lock that saturates */
	double x[] = { 1, 2, 4, 8, 16, 32, 64 }, y[] = { 1, 1, 1, 1.2, 9, 25, 57 };
	struct capfit_knee k;
	assert_int_equal(capfit_knee(x, y, 7, 1.5, &k), 0);
	assert_true(k.found);
	assert_int_equal((int)k.x, 8);
	assert_true(k.slope_after > 10 * k.slope_before);
}

static void test_knee_flattens(void **state)
{
	/* grows linearly, then stops: a cache that no longer helps */
	double x[] = { 8, 16, 24, 32, 40, 48, 56, 64 }, y[] = { 80, 160, 240, 320, 322, 323, 325, 326 };
	struct capfit_knee k;
	assert_int_equal(capfit_knee(x, y, 8, 1.5, &k), 0);
	assert_true(k.found);
	assert_int_equal((int)k.x, 32);
}

static void test_no_knee(void **state)
{
	double x[] = { 1, 2, 4, 8, 16, 32 }, y[] = { 5, 7, 11, 19, 35, 67 }, c[] = { 3, 3, 3, 3, 3, 3 };
	struct capfit_knee k;
	assert_int_equal(capfit_knee(x, y, 6, 1.5, &k), 0);
	assert_false(k.found);
	assert_int_equal(capfit_knee(x, c, 6, 1.5, &k), 0);
	assert_false(k.found);
	assert_int_equal(capfit_knee(x, y, 3, 1.5, &k), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_holdout),
		cmocka_unit_test(test_knee_found),
		cmocka_unit_test(test_knee_flattens),
		cmocka_unit_test(test_no_knee),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
