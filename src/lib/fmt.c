#include "lib/fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static const struct fmt_scale bytes[] = {
	{ 1, "B" }, { 1024.0, "KiB" }, { 1048576.0, "MiB" }, { 1073741824.0, "GiB" },
	{ 1099511627776.0, "TiB" }, { 1125899906842624.0, "PiB" },
};
static const struct fmt_scale durations[] = {
	{ 1, "ns" }, { 1e3, "us" }, { 1e6, "ms" }, { 1e9, "s" },
};
/* Counts stay exact up to seven digits; past that a table column needs M/G/T. */
static const struct fmt_scale big_counts[] = {
	{ 1e6, "M" }, { 1e9, "G" }, { 1e12, "T" },
};
#define EXACT_COUNT 1e7

struct fmt_scale fmt_scale(const char *unit, double maxabs)
{
	const struct fmt_scale *t;
	size_t n, i;

	if (unit && !strcmp(unit, "bytes")) {
		t = bytes;
		n = ARRAY_SIZE(bytes);
	} else if (unit && !strcmp(unit, "ns")) {
		t = durations;
		n = ARRAY_SIZE(durations);
	} else {
		return (struct fmt_scale){ 1, NULL };
	}
	for (i = 0; i + 1 < n && maxabs >= t[i + 1].div; i++)
		;
	return t[i];
}

const char *fmt_value(double v, const char *unit, char *buf, size_t len)
{
	struct fmt_scale s = fmt_scale(unit, fabs(v));
	const char *sep = " ";
	double a;

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (!s.name) {
		if (fabs(v) < EXACT_COUNT && v == floor(v)) {
			snprintf(buf, len, "%.0f", v);
			return buf;
		}
		s = (struct fmt_scale){ 1, "" };
		for (size_t i = 0; i < ARRAY_SIZE(big_counts); i++)
			if (fabs(v) >= (i ? big_counts[i].div : EXACT_COUNT))
				s = big_counts[i];
		sep = "";
	}
	v /= s.div;
	a = fabs(v);
	/* three significant digits, no exponent: 8.08, 16.2, 264 */
	if (a >= 100 || v == floor(v))
		snprintf(buf, len, "%.0f%s%s", v, sep, s.name);
	else if (a >= 10)
		snprintf(buf, len, "%.1f%s%s", v, sep, s.name);
	else if (a >= 0.01 || a == 0)
		snprintf(buf, len, "%.2f%s%s", v, sep, s.name);
	else
		snprintf(buf, len, "%.2g%s%s", v, sep, s.name);
	return buf;
}

void fmt_csv(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

const char *fmt_sig(double v, int digits, char *buf, size_t len)
{
	int dec;
	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (v == 0 || v == floor(v)) {
		snprintf(buf, len, "%.0f", v);
		return buf;
	}
	dec = digits - 1 - (int)floor(log10(fabs(v)));
	snprintf(buf, len, "%.*f", dec > 0 ? dec : 0, v);
	return buf;
}

void fprint_wrapped(FILE *f, const char *text, int first_col, int ind, int width)
{
	int col = first_col;
	const char *p = text;
	while (*p) {
		const char *e = p;
		int len;
		while (*e && *e != ' ')
			e++;
		len = (int)(e - p);
		if (col > ind && col + 1 + len > width) {
			fprintf(f, "\n%*s", ind, "");
			col = ind;
		} else if (col > ind) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", len, p);
		col += len;
		p = *e ? e + 1 : e;
	}
	fputc('\n', f);
}
