/* Content hashes (nettle's SHA-256): job files, so a run names exactly what it ran. */
#ifndef TDX_HASH_H
#define TDX_HASH_H

#include <stddef.h>

/* Lowercase hex SHA-256 of buf; caller frees. */
char *hash_sha256_hex(const void *buf, size_t len);

#endif
