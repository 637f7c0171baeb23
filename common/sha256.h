/*
 * sha256.h: the raw SHA-256 compression function, for PBKDF2's inner loop
 * (common/pbkdf2.c). Uses the x86 SHA extensions when the CPU has them,
 * portable C otherwise. Everything else hashes through libsodium.
 */
#ifndef SC_SHA256_H
#define SC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BLOCK_LEN  64 /* bytes compressed at a time */
#define SHA256_DIGEST_LEN 32

/* The SHA-256 initial state (FIPS 180-4, 5.3.3). */
extern const uint32_t sha256_iv[8];

/* Compresses nblocks 64-byte blocks into state. */
void sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

/*
 * Returns "sha-ni" or "portable": the implementation in use, chosen at the
 * first call and kept for the life of the process (thread-safe).
 * SC_SHA256_IMPL=portable in the environment at that moment forces the
 * portable code, so tests and bench_pbkdf2 can measure both.
 */
const char *sha256_impl(void);

#endif /* SC_SHA256_H */
