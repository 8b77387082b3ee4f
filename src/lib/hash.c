#include "lib/hash.h"
#include "lib/util.h"

#include <nettle/sha2.h>
#include <stdio.h>

char *hash_sha256_hex(const void *buf, size_t len)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char *hex = xmalloc(2 * SHA256_DIGEST_SIZE + 1);

	sha256_init(&ctx);
	sha256_update(&ctx, len, buf);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return hex;
}
