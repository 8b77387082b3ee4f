/*
 * Text from outside (labels, job names, reasons, parameters, kernel
 * strings) on its way out: valid UTF-8 for JSON, no control characters for
 * a terminal. Input paths refuse control characters already; these guard
 * what older versions or other tools left in a database.
 */
#ifndef TDX_TEXTSAFE_H
#define TDX_TEXTSAFE_H

#include <stdbool.h>
#include <stdio.h>

struct json_object;

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s starts an invalid one. */
size_t utf8_seq_len(const unsigned char *s);
bool utf8_valid(const char *s);
/* s with every invalid UTF-8 byte replaced by U+FFFD; caller frees. */
char *utf8_sanitize(const char *s);
/*
 * For a terminal: s with invalid UTF-8 and control characters (C0, DEL, C1:
 * ESC sequences, newlines, carriage returns) shown as '?'; caller frees.
 */
char *term_safe(const char *s);
/* true if s has a C0 control character (tab allowed), DEL, or invalid UTF-8. */
bool has_control_or_bad_utf8(const char *s);

/*
 * Serialize o (json-c flags) to f with a newline. json-c copies invalid
 * UTF-8 into strings as is, which makes the whole document invalid: such
 * bytes are written as \ufffd. -1 on a write error.
 */
int json_print(FILE *f, struct json_object *o, int flags);

#endif
