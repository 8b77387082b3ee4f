/*
 * The JSON and CSV writers with hostile strings: a run row whose text fields
 * are slices of the input goes through run_row_json() + json_print() (the
 * path of list/show/export --json) and fmt_csv() (export csv). The JSON
 * must parse and be valid UTF-8, and give back every field that was valid
 * UTF-8 unchanged; each CSV field must read back (RFC 4180) as written; the
 * terminal form must carry no control character; the HTML form must be valid
 * UTF-8 with no markup character and no control character left raw.
 */
#include "tests/fuzz/fuzz.h"
#include "cli/output.h"
#include "lib/fmt.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "report/report.h"

#include <json-c/json.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* RFC 4180: one field at *p; returns it (malloc'd) and moves *p past it. */
static char *csv_read_field(const char **p)
{
	struct sbuf sb = SBUF_INIT;
	const char *s = *p;
	if (*s != '"') {
		while (*s && *s != ',' && *s != '\n')
			sbuf_addch(&sb, *s++);
	} else {
		for (s++; *s; s++) {
			if (*s == '"') {
				if (s[1] != '"') {
					s++;
					break;
				}
				s++;
			}
			sbuf_addch(&sb, *s);
		}
	}
	*p = s;
	return sb.buf ? sbuf_detach(&sb) : xstrdup("");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* fields separated by 0xfe bytes in the input; NULs end a field early, as in C */
	char *s = fuzz_cstr(data, size), *fields[6] = { 0 }, *rest = s;
	struct run_row r = { 0 };
	struct json_object *o, *back;
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; i < 6; i++)
		fields[i] = strsep(&rest, "\xfe") ?: (char *)"";
	r.id = 1;
	r.backend = fields[0];
	r.strategy = fields[1];
	r.workload = fields[2];
	r.label = fields[3];
	r.reason = fields[4];
	r.params = fields[5];
	r.status = (char *)"done";

	o = run_row_json(&r);
	f = open_memstream(&buf, &len);
	json_print(f, o, JSON_C_TO_STRING_PLAIN);
	fclose(f);
	FUZZ_CHECK(utf8_valid(buf), "JSON output is not UTF-8");
	back = json_tokener_parse(buf);
	FUZZ_CHECK(back != NULL, "JSON output does not parse: %s", buf);
	{
		struct json_object *l;
		FUZZ_CHECK(json_object_object_get_ex(back, "label", &l), "no label in %s", buf);
		if (utf8_valid(r.label))
			FUZZ_CHECK(!strcmp(json_object_get_string(l), r.label), "label changed");
	}
	json_object_put(back);
	json_object_put(o);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	for (size_t i = 0; i < 6; i++) {
		fmt_csv(f, fields[i]);
		fputc(i < 5 ? ',' : '\n', f);
	}
	fclose(f);
	p = buf;
	for (size_t i = 0; i < 6; i++) {
		char *v = csv_read_field((const char **)&p);
		FUZZ_CHECK(!strcmp(v, fields[i]), "CSV field %zu reads back as '%s'", i, v);
		free(v);
		FUZZ_CHECK(*p == (i < 5 ? ',' : '\n'), "CSV field %zu not followed by a separator", i);
		p++;
	}
	free(buf);

	{
		char *t = term_safe(r.label);
		for (const unsigned char *c = (const unsigned char *)t; *c; c++)
			FUZZ_CHECK(*c >= 0x20 && *c != 0x7f, "control character in terminal text");
		FUZZ_CHECK(utf8_valid(t), "terminal text is not UTF-8");
		free(t);
	}
	{
		char *h = html_escape(r.label);
		FUZZ_CHECK(utf8_valid(h), "HTML text is not UTF-8");
		FUZZ_CHECK(!strpbrk(h, "<>\"'"), "markup character left in HTML text");
		for (const unsigned char *c = (const unsigned char *)h; *c; c++)
			FUZZ_CHECK(*c >= 0x20 || *c == '\n' || *c == '\t', "control character in HTML");
		free(h);
	}
	free(s);
	return 0;
}
