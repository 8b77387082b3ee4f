/*
 * The one formatter: a value and its glossary unit as a reader expects them.
 * Sizes in KiB/MiB/GiB with the unit printed ("8.08 MiB", binary, never a
 * bare "8.08M"), durations in ns/us/ms/s ("172 us": ASCII, as mail clients
 * and the tests of the compare text want), counts plain ("1034"; exact up to
 * seven digits, then "12.3M", "1.05G" so a table column holds them).
 * Every table, summary, plot axis and message goes through here, so one
 * value prints one way everywhere. Machine formats (csv, json, export)
 * print raw numbers and do not use it.
 */
#ifndef TDX_FMT_H
#define TDX_FMT_H

#include <stddef.h>
#include <stdio.h>

#define FMT_LEN 32	/* enough for any fmt_value() text */

/* A unit's display step: divide by div and print name. */
struct fmt_scale {
	double div;
	const char *name;	/* NULL: print no unit (counts) */
};

/* The step for values up to maxabs in unit ("bytes", "ns", anything else). */
struct fmt_scale fmt_scale(const char *unit, double maxabs);

/* "-" for NaN/inf; three significant digits, no exponent. Returns buf. */
const char *fmt_value(double v, const char *unit, char *buf, size_t len);

/*
 * v with `digits` significant digits, no exponent, no unit ("0.01030",
 * "8.078", "44796"): where a value is read against a tolerance band
 * (`tdxbench fidelity`) and three digits could hide which side it is on.
 * "-" for NaN/inf. Returns buf.
 */
const char *fmt_sig(double v, int digits, char *buf, size_t len);

/* s as one CSV field (RFC 4180 quoting when it needs it); NULL writes nothing. */
void fmt_csv(FILE *f, const char *s);

/* Print text on f, starting at column first_col, wrapped at width with
 * every following line indented by ind; ends with a newline. */
void fprint_wrapped(FILE *f, const char *text, int first_col, int ind, int width);

#endif
