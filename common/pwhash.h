/*
 * pwhash.h: the users-file password hashes of PROTOCOL.md section 5:
 * werkzeug "pbkdf2:sha256:<n>$<salt>$<hex>" (32-byte key) and
 * "scrypt:<N>:<r>:<p>$<salt>$<hex>" (64-byte key). Parsing, constant-time
 * verification and creation; the PBKDF2 primitive is common/pbkdf2.h.
 */
#ifndef SC_PWHASH_H
#define SC_PWHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sc_limits.h"

enum pwhash_kind {
	PWHASH_PBKDF2_SHA256,
	PWHASH_SCRYPT,
};

/* A parsed hash string. Holds no pointers; copy freely. */
struct pwhash {
	enum pwhash_kind kind;
	uint32_t iterations; /* pbkdf2 */
	uint64_t scrypt_n;   /* scrypt: N, r, p */
	uint32_t scrypt_r;
	uint32_t scrypt_p;
	char salt[SC_SALT_MAX_LEN + 1]; /* NUL-terminated */
	size_t salt_len;
	uint8_t digest[SC_SCRYPT_DK_LEN];
	size_t digest_len; /* 32 (pbkdf2) or 64 (scrypt) */
};

/*
 * Parses s into out. Returns 0, or SC_ERR_FORMAT with *reason (may be NULL)
 * set to a static sentence saying what is wrong. out is cleared on entry.
 */
int pwhash_parse(const char *s, struct pwhash *out, const char **reason) SC_WUR;

/*
 * Checks password (pwlen bytes) against h in constant time. Returns 0 on a
 * match, SC_ERR_MISMATCH otherwise, SC_ERR_IO if scrypt could not get its
 * memory. This is the slow call: run it off the event loop.
 */
int pwhash_verify(const struct pwhash *h, const char *password,
    size_t pwlen) SC_WUR;

/* pwhash_parse then pwhash_verify; SC_ERR_FORMAT on a malformed s. */
int pwhash_verify_string(const char *s, const char *password,
    size_t pwlen) SC_WUR;

/*
 * Writes a new "pbkdf2:sha256:<iterations>$<salt>$<hex>" string for
 * password into out (cap bytes, SC_PWHASH_MAX_LEN is always enough), with
 * a random 16-character [A-Za-z0-9] salt. Returns 0, SC_ERR_INVALID
 * (iterations 0 or above the limit) or SC_ERR_TOO_LONG (cap too small).
 */
int pwhash_create(const char *password, size_t pwlen, uint32_t iterations,
    char *out, size_t cap) SC_WUR;

/* True when a and b are the same hash (kind, parameters, salt, digest):
 * a password changed when its user's hash did. */
bool pwhash_equal(const struct pwhash *a, const struct pwhash *b);

/*
 * The work a check of h costs, in units of about one PBKDF2-HMAC-SHA256
 * iteration (scrypt: N * r * p block mixes of about 8 units each), to
 * order a users file's hashes by cost.
 */
uint64_t pwhash_cost(const struct pwhash *h);

#endif /* SC_PWHASH_H */
