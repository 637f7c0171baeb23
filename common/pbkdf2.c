/*
 * pbkdf2.c: PBKDF2-HMAC-SHA256 (RFC 8018) whose inner loop is two bare
 * SHA-256 compressions (common/sha256.c, SHA-NI or portable): the HMAC
 * key schedule, a streaming SHA-256 for the salted first block, and the
 * iteration loop.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "pbkdf2.h"
#include "sha256.h"

/* Bits hashed by each HMAC hash of U_j, j > 1: a key block, 32 bytes. */
/* Iterations between two clock_pace() calls: about 25 us of SHA-NI work,
 * so a paced thread yields within its slice plus that. */
#define PBKDF2_PACE_EVERY 256
#define U_MESSAGE_BITS	  ((SHA256_BLOCK_LEN + SHA256_DIGEST_LEN) * 8)

/* HMAC-SHA256 keyed once: the states after the ipad and opad blocks. */
struct hmac_key {
	uint32_t inner[8];
	uint32_t outer[8];
};

/* A SHA-256 message being hashed a piece at a time over sha256_compress. */
struct sha_stream {
	uint32_t h[8];
	uint8_t buf[SHA256_BLOCK_LEN];
	size_t fill;
	uint64_t total; /* bytes, including compressed blocks */
};

/*
 * Writes a 32-bit word big-endian. A byte swap and one store where the
 * byte order is known: GCC turns the four-byte version, inlined into the
 * PBKDF2 loop, into slow vector shuffles.
 */
static inline void
store_be32(uint8_t *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof v);
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	memcpy(p, &v, sizeof v);
#else
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
#endif
}

/* Writes an eight-word SHA-256 state as its 32-byte digest. */
static inline void
store_state(uint8_t *p, const uint32_t h[8])
{
	size_t i;

	for (i = 0; i < 8; i++)
		store_be32(p + 4 * i, h[i]);
}

/* Starts a stream from state h after prefix bytes already compressed. */
static void
stream_init(struct sha_stream *st, const uint32_t h[8], uint64_t prefix)
{
	memcpy(st->h, h, sizeof st->h);
	st->fill = 0;
	st->total = prefix;
}

/* Adds len bytes to the stream. */
static void
stream_update(struct sha_stream *st, const uint8_t *p, size_t len)
{
	size_t n;

	st->total += len;
	while (len > 0) {
		n = SHA256_BLOCK_LEN - st->fill;
		if (n > len)
			n = len;
		memcpy(st->buf + st->fill, p, n);
		st->fill += n;
		p += n;
		len -= n;
		if (st->fill == SHA256_BLOCK_LEN) {
			sha256_compress(st->h, st->buf, 1);
			st->fill = 0;
		}
	}
}

/* Pads the stream, writes its digest to out and wipes it. */
static void
stream_final(struct sha_stream *st, uint8_t out[SHA256_DIGEST_LEN])
{
	uint64_t bits = st->total * 8;
	size_t i;

	st->buf[st->fill++] = 0x80;
	if (st->fill > SHA256_BLOCK_LEN - 8) {
		memset(st->buf + st->fill, 0, SHA256_BLOCK_LEN - st->fill);
		sha256_compress(st->h, st->buf, 1);
		st->fill = 0;
	}
	memset(st->buf + st->fill, 0, SHA256_BLOCK_LEN - 8 - st->fill);
	for (i = 0; i < 8; i++)
		st->buf[SHA256_BLOCK_LEN - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha256_compress(st->h, st->buf, 1);
	store_state(out, st->h);
	sodium_memzero(st, sizeof *st);
}

/*
 * Computes the HMAC-SHA256 states after K^ipad and K^opad (RFC 2104); a
 * key longer than a block is hashed first.
 */
static void
hmac_key_init(struct hmac_key *key, const uint8_t *password, size_t pwlen)
{
	uint8_t block[SHA256_BLOCK_LEN];
	uint8_t hashed[SHA256_DIGEST_LEN];
	size_t i;

	memset(block, 0, sizeof block);
	if (pwlen > SHA256_BLOCK_LEN) {
		crypto_hash_sha256(hashed, password, pwlen);
		memcpy(block, hashed, sizeof hashed);
	} else if (pwlen > 0)
		memcpy(block, password, pwlen);

	for (i = 0; i < sizeof block; i++)
		block[i] ^= 0x36;
	memcpy(key->inner, sha256_iv, sizeof key->inner);
	sha256_compress(key->inner, block, 1);

	for (i = 0; i < sizeof block; i++)
		block[i] ^= 0x36 ^ 0x5c;
	memcpy(key->outer, sha256_iv, sizeof key->outer);
	sha256_compress(key->outer, block, 1);

	sodium_memzero(block, sizeof block);
	sodium_memzero(hashed, sizeof hashed);
}

/*
 * PBKDF2-HMAC-SHA256 (RFC 8018, 5.2). After U_1, every U_j is the HMAC of
 * a 32-byte message, so both of its hashes are one block each: the
 * message (U_{j-1}, then the inner digest) followed by the fixed padding
 * for a 96-byte message, compressed once from the inner or outer state.
 * An iteration count of 0 is treated as 1.
 */
void
pbkdf2_hmac_sha256(const uint8_t *password, size_t pwlen, const uint8_t *salt,
    size_t saltlen, uint32_t iterations, uint8_t *out, size_t outlen)
{
	struct hmac_key key;
	struct sha_stream st;
	uint8_t block[SHA256_BLOCK_LEN];
	uint8_t t_bytes[SHA256_DIGEST_LEN];
	uint8_t counter[4];
	uint32_t u[8], t[8];
	uint32_t i, j;
	size_t k, n;

	/* RFC 8018: "derived key too long" beyond 2^32 - 1 blocks. */
	if ((uint64_t)(outlen / SHA256_DIGEST_LEN) +
		(outlen % SHA256_DIGEST_LEN != 0) >
	    UINT32_MAX)
		abort();

	hmac_key_init(&key, password, pwlen);

	/* Padding for 64 + 32 bytes = 768 bits after the digest in 0..31. */
	memset(block, 0, sizeof block);
	block[SHA256_DIGEST_LEN] = 0x80;
	block[SHA256_BLOCK_LEN - 2] = (U_MESSAGE_BITS >> 8) & 0xff;
	block[SHA256_BLOCK_LEN - 1] = U_MESSAGE_BITS & 0xff;

	for (i = 1; outlen > 0; i++) {
		/* U_1 = HMAC(P, S || INT(i)): the salt has any length. */
		store_be32(counter, i);
		stream_init(&st, key.inner, SHA256_BLOCK_LEN);
		if (saltlen > 0)
			stream_update(&st, salt, saltlen);
		stream_update(&st, counter, sizeof counter);
		stream_final(&st, block);
		memcpy(u, key.outer, sizeof u);
		sha256_compress(u, block, 1);
		memcpy(t, u, sizeof t);

		/* U_j = HMAC(P, U_{j-1}); T_i = U_1 ^ ... ^ U_c. */
		for (j = 1; j < iterations; j++) {
			if (j % PBKDF2_PACE_EVERY == 0)
				(void)clock_pace(); /* a paced thread's slice */
			store_state(block, u);
			memcpy(u, key.inner, sizeof u);
			sha256_compress(u, block, 1);
			store_state(block, u);
			memcpy(u, key.outer, sizeof u);
			sha256_compress(u, block, 1);
			for (k = 0; k < 8; k++)
				t[k] ^= u[k];
		}

		store_state(t_bytes, t);
		n = outlen < sizeof t_bytes ? outlen : sizeof t_bytes;
		memcpy(out, t_bytes, n);
		out += n;
		outlen -= n;
	}

	sodium_memzero(&key, sizeof key);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(block, sizeof block);
	sodium_memzero(t_bytes, sizeof t_bytes);
	sodium_memzero(u, sizeof u);
	sodium_memzero(t, sizeof t);
}
