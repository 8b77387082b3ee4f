/*
 * Selectors (list/export/compare/report operands): any text either parses
 * or is refused with a message; an accepted one keeps every term it read.
 */
#include "tests/fuzz/fuzz.h"
#include "core/select.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct selector sel;
	char err[256] = "";

	if (selector_parse(s, &sel, err, sizeof(err)) == 0) {
		FUZZ_CHECK(!strcmp(sel.text, s), "selector text changed: '%s'", sel.text);
		selector_free(&sel);
	} else {
		FUZZ_CHECK(err[0], "refused without a message: '%s'", s);
	}
	free(s);
	return 0;
}
