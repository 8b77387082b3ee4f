#include "lib/textsafe.h"
#include "lib/util.h"

#include <json-c/json.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* RFC 3629 table 3-7: no overlongs, no surrogates, nothing past U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

char *utf8_sanitize(const char *s)
{
	struct sbuf sb = SBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (!n) {
			sbuf_add(&sb, "\xef\xbf\xbd");
			p++;
			continue;
		}
		sbuf_addbuf(&sb, p, n);
		p += n;
	}
	return sb.buf ? sbuf_detach(&sb) : xstrdup("");
}

char *term_safe(const char *s)
{
	struct sbuf sb = SBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq_len(p);
		/* C1 controls are U+0080..U+009F: 0xc2 0x80..0x9f */
		if (!n || *p < 0x20 || *p == 0x7f || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			sbuf_addch(&sb, '?');
			p += n ? n : 1;
			continue;
		}
		sbuf_addbuf(&sb, p, n);
		p += n;
	}
	return sb.buf ? sbuf_detach(&sb) : xstrdup("");
}

bool has_control_or_bad_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return true;
	return !utf8_valid(s);
}

int json_print(FILE *f, struct json_object *o, int flags)
{
	const unsigned char *p = (const unsigned char *)json_object_to_json_string_ext(o, flags);
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (!n) {
			/* only inside a string: json-c writes everything else as ASCII */
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}
