/*
 * pbkdf2.h: PBKDF2-HMAC-SHA256 (RFC 8018) over the raw SHA-256
 * compression function of common/sha256.c, for the users-file password
 * hashes (common/pwhash.c owns their text format).
 */
#ifndef SC_PBKDF2_H
#define SC_PBKDF2_H

#include <stddef.h>
#include <stdint.h>

/*
 * PBKDF2-HMAC-SHA256 of password[0..pwlen) and salt[0..saltlen) (salt may
 * be NULL when saltlen is 0) into out[0..outlen). An iteration count of 0
 * counts as 1. The HMAC key schedule is computed once and each iteration
 * costs two SHA-256 compressions. Never fails; every intermediate value
 * is wiped before it returns.
 */
void pbkdf2_hmac_sha256(const uint8_t *password, size_t pwlen,
    const uint8_t *salt, size_t saltlen, uint32_t iterations, uint8_t *out,
    size_t outlen);

#endif /* SC_PBKDF2_H */
