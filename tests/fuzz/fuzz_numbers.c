/*
 * Size and number parsing (parse_size, parse_u64, parse_double, parse_bool)
 * and a key's range check: an accepted value is the value written (sizes
 * round-trip through fmt-free arithmetic without wrapping), a refused one
 * leaves a message.
 */
#include "tests/fuzz/fuzz.h"
#include "lib/opts.h"
#include "lib/util.h"

#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static const struct opt_desc keys[] = {
	{ .name = "n", .type = OPT_U64, .min = "1", .max = "4096", .help = "" },
	{ .name = "sz", .type = OPT_SIZE, .min = "4K", .max = "1T", .help = "" },
	{ .name = "x", .type = OPT_DOUBLE, .min = "0", .max = "1", .help = "" },
	{ .name = "t", .type = OPT_NS, .max = "1000000000000", .help = "" },
	{ .name = NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char err[256];
	uint64_t u, v;
	double x;
	bool b;

	if (parse_u64(s, &u) == 0) {
		char back[32];
		snprintf(back, sizeof(back), "%llu", (unsigned long long)u);
		FUZZ_CHECK(parse_u64(back, &v) == 0 && v == u, "'%s' -> %s", s, back);
	}
	if (parse_size(s, &u) == 0) {
		/* a size is a whole number of bytes: "1.5K" is 1536, "0.1K" is refused */
		FUZZ_CHECK(parse_size(s, &v) == 0 && v == u, "'%s' parses twice differently", s);
	}
	if (parse_double(s, &x) == 0)
		FUZZ_CHECK(isfinite(x), "'%s' -> %g accepted", s, x);
	(void)parse_bool(s, &b);
	for (const struct opt_desc *d = keys; d->name; d++) {
		err[0] = 0;
		if (opt_validate(d, s, err, sizeof(err)))
			FUZZ_CHECK(err[0], "refused without a message: '%s'", s);
	}
	free(s);
	return 0;
}
