/*
 * Shared bits of the libFuzzer harnesses (tests/fuzz/fuzz_*.c, built by
 * `make fuzz` with clang, ASan and UBSan). Each harness feeds one parser or
 * writer the raw bytes and checks what must hold for any input; a crash, a
 * sanitizer report, a leak or a failed FUZZ_CHECK is a finding.
 */
#ifndef TDX_FUZZ_H
#define TDX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a C string (stops at the first NUL, as argv would). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/*
 * The tool's one-line errors are expected for most inputs: send them to
 * /dev/null. Sanitizer reports write to fd 2 directly and stay visible.
 */
static inline void fuzz_quiet(void)
{
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
}

#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stdout, "FUZZ_CHECK failed: %s: ", #cond);	\
			fprintf(stdout, __VA_ARGS__);				\
			fputc('\n', stdout);					\
			fflush(stdout);						\
			abort();						\
		}								\
	} while (0)

#endif
