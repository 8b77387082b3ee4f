/* SHA-256 (FIPS 180-4): content hashes for host fingerprints and job files. */
#ifndef TDX_SHA256_H
#define TDX_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t used;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[32]);
/* Hex digest of a buffer into hex[65]. */
const char *sha256_hex(const void *data, size_t n, char hex[65]);

#endif
