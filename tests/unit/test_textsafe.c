/*
 * Unit tests for src/lib/textsafe.c: UTF-8 validity by RFC 3629 (no
 * overlongs, surrogates or code points past U+10FFFF), what a terminal and
 * a JSON document get from hostile text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/textsafe.h"

static void test_utf8_valid(void **state)
{
	assert_true(utf8_valid(""));
	assert_true(utf8_valid("plain"));
	assert_true(utf8_valid("\xc3\xa9t\xc3\xa9"));		/* été */
	assert_true(utf8_valid("\xf0\x9f\x98\x80"));		/* U+1F600 */
	assert_false(utf8_valid("\xff"));
	assert_false(utf8_valid("\xc0\xaf"));			/* overlong '/' */
	assert_false(utf8_valid("\xe0\x80\xaf"));		/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80"));		/* surrogate U+D800 */
	assert_false(utf8_valid("\xf4\x90\x80\x80"));		/* U+110000 */
	assert_false(utf8_valid("\xc3"));			/* cut short */
	assert_false(utf8_valid("\xe2\x82"));
}

static void test_sanitize_and_term(void **state)
{
	char *s = utf8_sanitize("a\xff" "b");
	assert_string_equal(s, "a\xef\xbf\xbd" "b");
	free(s);
	s = term_safe("ok\x1b[2J\nx\xc2\x9b" "y\xfe");
	assert_string_equal(s, "ok?[2J?x?y?");
	free(s);
	s = term_safe("\xc3\xa9t\xc3\xa9\t");
	assert_string_equal(s, "\xc3\xa9t\xc3\xa9?");
	free(s);
	assert_true(has_control_or_bad_utf8("a\x1b"));
	assert_true(has_control_or_bad_utf8("a\x7f"));
	assert_true(has_control_or_bad_utf8("a\xff"));
	assert_false(has_control_or_bad_utf8("tab\tis fine, \xc3\xa9 too"));
}

static void test_json_print(void **state)
{
	struct json_object *o = json_object_new_object(), *back, *v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_object_object_add(o, "label", json_object_new_string("x\xff\x1b" "y"));
	assert_int_equal(json_print(f, o, JSON_C_TO_STRING_PLAIN), 0);
	fclose(f);
	assert_true(utf8_valid(buf));
	back = json_tokener_parse(buf);
	assert_non_null(back);
	assert_true(json_object_object_get_ex(back, "label", &v));
	assert_string_equal(json_object_get_string(v), "x\xef\xbf\xbd\x1b" "y");
	json_object_put(back);
	json_object_put(o);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_sanitize_and_term),
		cmocka_unit_test(test_json_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
