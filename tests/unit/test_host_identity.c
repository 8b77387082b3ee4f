/* Unit tests: the host identity (fingerprint hash) ignores what moves while a
 * machine runs, and nothing else, so shards of one fleet run are one host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "host/host.h"

static const char base[] =
	"{\"collected_at\":\"2026-11-25T09:00:00Z\","
	"\"cpu\":{\"model_name\":\"X\",\"microcode\":\"0x1\"},"
	"\"topology\":{\"numa_nodes\":2,\"nodes\":[{\"os_index\":0,\"memory_bytes\":100,\"cpus\":\"0-3\"},"
	"{\"os_index\":1,\"memory_bytes\":200,\"cpus\":\"4-7\"}]},"
	"\"kernel\":{\"release\":\"6.19.0\"},"
	"\"tdx\":{\"kernel_log\":{\"status\":\"present\",\"lines\":[\"a\"]},\"vm_type\":{\"status\":\"absent\"}}}";

static void identity_of(const char *text, char hex[65])
{
	struct json_object *fp = json_tokener_parse(text);
	assert_non_null(fp);
	host_identity(fp, hex);
	json_object_put(fp);
}

/* base with one substring replaced */
static void identity_with(const char *from, const char *to, char hex[65])
{
	char buf[sizeof(base) + 64];
	const char *at = strstr(base, from);
	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	identity_of(buf, hex);
}

static void test_volatile_parts(void **state)
{
	char a[65], b[65];

	identity_of(base, a);
	assert_int_equal(strlen(a), 64);
	identity_with("09:00:00Z", "10:11:12Z", b);
	assert_string_equal(a, b);
	identity_with("\"lines\":[\"a\"]", "\"lines\":[\"a\",\"b\"]", b);
	assert_string_equal(a, b);
	/* memory hotplug moves a node's memory on a running machine */
	identity_with("\"memory_bytes\":100", "\"memory_bytes\":134217828", b);
	assert_string_equal(a, b);
	identity_with("\"memory_bytes\":200", "\"memory_bytes\":7", b);
	assert_string_equal(a, b);
}

static void test_what_counts(void **state)
{
	char a[65], b[65];

	identity_of(base, a);
	identity_with("6.19.0", "6.19.1", b);
	assert_string_not_equal(a, b);
	identity_with("0x1", "0x2", b);
	assert_string_not_equal(a, b);
	identity_with("\"cpus\":\"4-7\"", "\"cpus\":\"4-6\"", b);
	assert_string_not_equal(a, b);
	identity_with("\"vm_type\":{\"status\":\"absent\"}", "\"vm_type\":{\"status\":\"present\"}", b);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volatile_parts),
		cmocka_unit_test(test_what_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
