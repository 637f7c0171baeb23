/*
 * aead.h: AES-256-GCM for the Noise CipherState, on the fastest
 * implementation this machine has: intel-ipsec-mb (x86-64, its AVX-512,
 * AVX2, AVX or SSE path chosen at run time) when the build found it, else
 * libsodium. Both give the same bytes (the Noise vectors run on each);
 * SC_AEAD_IMPL=libsodium in the environment forces libsodium.
 *
 * An expanded key (struct aead_key: round keys and GHASH powers, 512 or
 * 1008 bytes) is what makes a frame cheap, and what costs memory. A
 * process with many idle keys (the server) keeps them in an aead_cache:
 * a key is expanded when it is used, kept while it is used, and given
 * back by aead_cache_sweep() once it has not been used for a sweep (or
 * taken by another key, in clock order, when the cache is full); a cipher
 * then holds only its 32-byte key. Expanding costs 60-180 ns, about one
 * short frame.
 *
 * Not thread-safe per cache or per key; the implementation choice is
 * made once per process.
 */
#ifndef SC_AEAD_H
#define SC_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AEAD_KEY_LEN   32
#define AEAD_NONCE_LEN 12
#define AEAD_TAG_LEN   16

struct aead_key;
struct aead_cache;

/* Chooses the implementation (once; later calls return the first
 * answer). Returns 0, or SC_ERR_NO_AESNI when neither can run here. */
int aead_global_init(void);

/* The implementation in use, e.g. "intel-ipsec-mb (avx512)". */
const char *aead_impl(void);

/* A key of this process's implementation, not expanded yet: wipe and
 * free it with aead_key_free(). Never NULL (out of memory aborts). */
struct aead_key *aead_key_new(void);
void aead_key_free(struct aead_key *x);

/* Expands the 32-byte key k into x. */
void aead_key_expand(struct aead_key *x, const uint8_t *k);

/* Encrypts len bytes of in into out: the ciphertext, then the tag
 * (len + AEAD_TAG_LEN bytes). in and out may be the same. */
void aead_seal(const struct aead_key *x, const uint8_t *nonce,
    const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
    uint8_t *out);

/* Decrypts ciphertext-then-tag in (len bytes, at least AEAD_TAG_LEN) into
 * out (len - AEAD_TAG_LEN bytes). Returns 0, or -1 for a forged frame,
 * with out wiped. */
int aead_open(const struct aead_key *x, const uint8_t *nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out);

/* A cache of at most max expanded keys. */
struct aead_cache *aead_cache_new(size_t max);
void aead_cache_free(struct aead_cache *c);

/*
 * The expansion of key k for the holder whose pointer is *slot (NULL when
 * it has none): a cached one, or one made now, taking the place of the
 * least recently used when the cache is full (that holder's pointer is
 * set to NULL). *slot is set; the holder must not move while it is.
 */
const struct aead_key *aead_cache_get(struct aead_cache *c,
    struct aead_key **slot, const uint8_t *k);

/* Gives the holder's expansion back (wiped); *slot becomes NULL. */
void aead_cache_put(struct aead_cache *c, struct aead_key **slot);

/* Gives back every expansion unused since the last sweep. Returns how
 * many were given back. */
size_t aead_cache_sweep(struct aead_cache *c);

/*
 * The same a few keys at a time, for a caller that must not stop long
 * (the server's loop: freeing 2,000 keys at once took 4.6 ms): looks at
 * the next steps keys in the cache's order, wrapping around; a key used
 * since it was last looked at is marked unused, one that was not is given
 * back. Called every T with about count / (S / T) steps, a key unused
 * for S is given back within 2 S. Returns how many were given back.
 */
size_t aead_cache_sweep_step(struct aead_cache *c, size_t steps);

/* Expanded keys held now. */
size_t aead_cache_count(const struct aead_cache *c);

#endif
