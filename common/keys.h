/*
 * keys.h: X25519 key pairs, their files on disk and their fingerprints.
 *
 * A key file holds the 32-byte private key as 64 lowercase hex digits and a
 * newline, nothing else; the public key is derived from it. Files are
 * created with mode 0600, written atomically (temporary file in the same
 * folder, fsync, rename) and refused on load if group or world can read or
 * write them.
 */
#ifndef SC_KEYS_H
#define SC_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sc_limits.h"

#define KEYS_FINGERPRINT_LEN 64 /* hex chars, without the NUL */
#define KEYS_SHORT_LEN	     19 /* "xxxx:xxxx:xxxx:xxxx", without NUL */

struct sc_keypair {
	uint8_t secret[SC_NOISE_KEY_LEN];
	uint8_t public[SC_NOISE_KEY_LEN];
};

/* Fills kp with a fresh random key pair. Never fails. */
void keys_generate(struct sc_keypair *kp);

/* Sets kp from a 32-byte private key, deriving the public key. */
void keys_from_secret(struct sc_keypair *kp, const uint8_t *secret);

/* Wipes kp (sodium_memzero). */
void keys_wipe(struct sc_keypair *kp);

/*
 * Loads kp from path. Returns 0, SC_ERR_IO (errno set; ENOENT when
 * missing), SC_ERR_PERM (group/world bits set) or SC_ERR_FORMAT.
 * kp is wiped on every failure.
 */
int keys_load(const char *path, struct sc_keypair *kp) SC_WUR;

/* Writes kp to path atomically with mode 0600. Returns 0 or SC_ERR_IO. */
int keys_save(const char *path, const struct sc_keypair *kp) SC_WUR;

/*
 * Loads path, or creates it with a new key pair when it does not exist.
 * *created (may be NULL) says which. Returns as keys_load/keys_save.
 */
int keys_load_or_create(const char *path, struct sc_keypair *kp,
    bool *created) SC_WUR;

/* Writes the lowercase hex SHA-256 of pub and a NUL into out. */
void keys_fingerprint(const uint8_t pub[SC_NOISE_KEY_LEN],
    char out[KEYS_FINGERPRINT_LEN + 1]);

/* Writes the short display form: the fingerprint's first 16 hex digits
 * in groups of four joined by ':' ("1a2b:3c4d:5e6f:7a8b"), and a NUL. */
void keys_fingerprint_short(const uint8_t pub[SC_NOISE_KEY_LEN],
    char out[KEYS_SHORT_LEN + 1]);

#endif /* SC_KEYS_H */
