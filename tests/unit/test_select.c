/* Unit tests: run selectors and the sha256 used for identities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/select.h"
#include "lib/hash.h"

static void test_ids(void **state)
{
	struct selector s;
	char err[256];
	assert_int_equal(selector_parse("12", &s, err, sizeof(err)), 0);
	assert_int_equal(s.filter.id_lo, 12);
	assert_int_equal(s.filter.id_hi, 12);
	selector_free(&s);
	assert_int_equal(selector_parse("12-20", &s, err, sizeof(err)), 0);
	assert_int_equal(s.filter.id_lo, 12);
	assert_int_equal(s.filter.id_hi, 20);
	selector_free(&s);
	assert_int_equal(selector_parse("id=7-", &s, err, sizeof(err)), 0);
	assert_int_equal(s.filter.id_lo, 7);
	assert_int_equal(s.filter.id_hi, 0);
	selector_free(&s);
	assert_int_equal(selector_parse("", &s, err, sizeof(err)), 0);
	assert_int_equal(s.filter.id_lo, 0);
	assert_null(s.filter.params);
	selector_free(&s);
	assert_int_equal(selector_parse("20-12", &s, err, sizeof(err)), -1);
	assert_int_equal(selector_parse("0", &s, err, sizeof(err)), -1);
	assert_int_equal(selector_parse("1,2", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'2'"));
	assert_int_equal(selector_parse("x1", &s, err, sizeof(err)), -1);
	assert_int_equal(selector_parse("session=abc", &s, err, sizeof(err)), -1);
}

static void test_terms(void **state)
{
	struct selector s;
	char err[256];
	assert_int_equal(selector_parse("strategy=sean-v5,workload=boot,kernel=6.12*,mem=64G,"
					"vcpus=16,session=3,host=lab", &s, err, sizeof(err)), 0);
	assert_string_equal(s.filter.strategy, "sean-v5");
	assert_string_equal(s.filter.workload, "boot");
	assert_string_equal(s.filter.kernel, "6.12*");
	assert_string_equal(s.filter.host, "lab");
	assert_null(s.filter.backend);
	assert_int_equal(s.filter.session_id, 3);
	assert_non_null(s.filter.params);
	assert_int_equal(s.filter.params->n, 2);
	assert_string_equal(params_get(s.filter.params, "mem"), "64G");
	assert_string_equal(s.text, "strategy=sean-v5,workload=boot,kernel=6.12*,mem=64G,"
			    "vcpus=16,session=3,host=lab");
	selector_free(&s);

	assert_int_equal(selector_parse("stratgy=x", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "did you mean 'strategy'"));
	assert_int_equal(selector_parse("backend=sim,backend=kvm", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(selector_parse("mem=", &s, err, sizeof(err)), -1);
	assert_int_equal(selector_parse("a b=1", &s, err, sizeof(err)), -1);
}

static void test_args(void **state)
{
	struct selector s;
	char err[256];
	char *argv[] = { "backend=sim", "3-9", "mem=1G" };
	assert_int_equal(selector_parse_args(3, argv, &s, err, sizeof(err)), 0);
	assert_string_equal(s.filter.backend, "sim");
	assert_int_equal(s.filter.id_lo, 3);
	assert_int_equal(s.filter.id_hi, 9);
	assert_string_equal(params_get(s.filter.params, "mem"), "1G");
	selector_free(&s);
	assert_int_equal(selector_parse_args(0, NULL, &s, err, sizeof(err)), 0);
	selector_free(&s);
}

/* the nettle wrapper used for host identities and job-file hashes (FIPS 180-4 vectors) */
static void expect_sha256(const void *buf, size_t len, const char *want)
{
	char *hex = hash_sha256_hex(buf, len);
	assert_string_equal(hex, want);
	free(hex);
}

static void test_sha256(void **state)
{
	char big[1000];
	expect_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	expect_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(big, 'a', sizeof(big));
	expect_sha256(big, sizeof(big), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
