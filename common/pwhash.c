/*
 * pwhash.c: the users-file password hashes (PROTOCOL.md section 5), in
 * werkzeug's "<method>$<salt>$<hex digest>" format: parsing with a reason
 * for every rejection, constant-time verification, creation, and a
 * PBKDF2-HMAC-SHA256 whose inner loop is two bare SHA-256 compressions.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "sc_limits.h"
#include "pwhash.h"
#include "sha256.h"

#define SHA256_BLOCK_LEN	64
#define SHA256_DIGEST_LEN	32

#define XSTR(x)		#x
#define STR(x)		XSTR(x)

/* The most ':'-separated fields a method may have ("scrypt:N:r:p"). */
#define METHOD_MAX_FIELDS	4

/* The digest reasons below spell these lengths out. */
_Static_assert(SC_PBKDF2_DK_LEN == 32, "pbkdf2 digest reason says 64");
_Static_assert(SC_SCRYPT_DK_LEN == 64, "scrypt digest reason says 128");

/* HMAC-SHA256 keyed once: the states after the ipad and opad blocks. */
struct hmac_key {
	uint32_t	inner[8];
	uint32_t	outer[8];
};

/* A SHA-256 message being hashed a piece at a time over sha256_compress. */
struct sha_stream {
	uint32_t	h[8];
	uint8_t		buf[SHA256_BLOCK_LEN];
	size_t		fill;
	uint64_t	total;		/* bytes, including compressed blocks */
};

/* What parse_decimal found wrong. */
enum decimal_error {
	DECIMAL_OK,
	DECIMAL_NOT_NUMBER,
	DECIMAL_LEADING_ZERO,
	DECIMAL_RANGE,
};

/* The reason sentences for one numeric field, by decimal_error. */
struct decimal_reasons {
	const char	*not_number;
	const char	*leading_zero;
	const char	*range;
};

static const struct decimal_reasons iterations_reasons = {
	"iteration count is not a decimal number",
	"iteration count has a leading zero",
	"iteration count out of range",
};
static const struct decimal_reasons scrypt_n_reasons = {
	"scrypt N is not a decimal number",
	"scrypt N has a leading zero",
	"scrypt N out of range",
};
static const struct decimal_reasons scrypt_r_reasons = {
	"scrypt r is not a decimal number",
	"scrypt r has a leading zero",
	"scrypt r out of range",
};
static const struct decimal_reasons scrypt_p_reasons = {
	"scrypt p is not a decimal number",
	"scrypt p has a leading zero",
	"scrypt p out of range",
};

/* werkzeug's SALT_CHARS. */
static const char salt_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

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
	size_t	i;

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
	size_t	n;

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
	uint64_t	bits = st->total * 8;
	size_t		i;

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
	uint8_t	block[SHA256_BLOCK_LEN];
	uint8_t	hashed[SHA256_DIGEST_LEN];
	size_t	i;

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
pwhash_pbkdf2_sha256(const uint8_t *password, size_t pwlen,
    const uint8_t *salt, size_t saltlen, uint32_t iterations,
    uint8_t *out, size_t outlen)
{
	struct hmac_key		key;
	struct sha_stream	st;
	uint8_t			block[SHA256_BLOCK_LEN];
	uint8_t			t_bytes[SHA256_DIGEST_LEN];
	uint8_t			counter[4];
	uint32_t		u[8], t[8];
	uint32_t		i, j;
	size_t			k, n;

	/* RFC 8018: "derived key too long" beyond 2^32 - 1 blocks. */
	if ((uint64_t)(outlen / SHA256_DIGEST_LEN) +
	    (outlen % SHA256_DIGEST_LEN != 0) > UINT32_MAX)
		abort();

	hmac_key_init(&key, password, pwlen);

	/* Padding for 64 + 32 bytes = 768 bits after the digest in 0..31. */
	memset(block, 0, sizeof block);
	block[SHA256_DIGEST_LEN] = 0x80;
	block[SHA256_BLOCK_LEN - 2] = (768 >> 8) & 0xff;
	block[SHA256_BLOCK_LEN - 1] = 768 & 0xff;

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

/*
 * Parses len bytes at p as a canonical decimal (digits only, no sign, no
 * leading zero) between min and max into *out.
 */
static enum decimal_error
parse_decimal(const char *p, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;
	unsigned int	d;

	*out = 0;
	if (len == 0)
		return DECIMAL_NOT_NUMBER;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return DECIMAL_NOT_NUMBER;
	}
	if (p[0] == '0' && len > 1)
		return DECIMAL_LEADING_ZERO;
	for (i = 0; i < len; i++) {
		d = (unsigned int)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return DECIMAL_RANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return DECIMAL_RANGE;
	*out = v;
	return DECIMAL_OK;
}

/* Parses one numeric field; returns NULL or the reason it is wrong. */
static const char *
parse_field(const char *p, size_t len, uint64_t min, uint64_t max,
    const struct decimal_reasons *reasons, uint64_t *out)
{
	switch (parse_decimal(p, len, min, max, out)) {
	case DECIMAL_OK:
		return NULL;
	case DECIMAL_NOT_NUMBER:
		return reasons->not_number;
	case DECIMAL_LEADING_ZERO:
		return reasons->leading_zero;
	case DECIMAL_RANGE:
		break;
	}
	return reasons->range;
}

/* Returns NULL if N, r, p are scrypt parameters we run, else why not. */
static const char *
check_scrypt_params(uint64_t n, uint64_t r, uint64_t p)
{
	if (n < 2 || (n & (n - 1)) != 0)
		return "scrypt N is not a power of two greater than 1";
	if (r < 1 || r > UINT32_MAX)
		return "scrypt r out of range";
	if (p < 1 || p > UINT32_MAX)
		return "scrypt p out of range";
	/* V, the big table: 128*N*r bytes. */
	if (n > SC_SCRYPT_MAX_MEMORY / (128 * r))
		return "scrypt memory 128*N*r is over the limit";
	if (r * p >= (UINT64_C(1) << 30))
		return "scrypt r*p is 2^30 or more";
	/* B, the p blocks worked on in turn: 128*r*p bytes more. */
	if (r * p > SC_SCRYPT_MAX_MEMORY / 128)
		return "scrypt memory 128*r*p is over the limit";
	/* The work, in 128-byte block mixes: about 2*N*r*p. */
	if (n > SC_SCRYPT_MAX_WORK / (r * p))
		return "scrypt work N*r*p is over the limit";
	return NULL;
}

/*
 * Parses the method field (before the first '$') into out; returns NULL or
 * the reason it is wrong.
 */
static const char *
parse_method(const char *s, size_t len, struct pwhash *out)
{
	const char	*field[METHOD_MAX_FIELDS];
	size_t		 flen[METHOD_MAX_FIELDS];
	const char	*p, *end = s + len, *colon, *why;
	size_t		 nf = 0;
	bool		 too_many = false;
	uint64_t	 n, r, v;

	for (p = s;; p = colon + 1) {
		if (nf == METHOD_MAX_FIELDS) {
			too_many = true;
			break;
		}
		colon = memchr(p, ':', (size_t)(end - p));
		field[nf] = p;
		flen[nf] = (size_t)((colon != NULL ? colon : end) - p);
		nf++;
		if (colon == NULL)
			break;
	}

	if (flen[0] == 6 && memcmp(field[0], "pbkdf2", 6) == 0) {
		if (nf == 1)
			return "pbkdf2 hash name and iteration count missing";
		if (flen[1] != 6 || memcmp(field[1], "sha256", 6) != 0)
			return "pbkdf2 hash is not sha256";
		if (nf == 2) {
			/* werkzeug's default here has changed over versions. */
			return "pbkdf2 iteration count missing (it must be"
			    " explicit: werkzeug's default varies by version)";
		}
		if (nf > 3 || too_many)
			return "too many pbkdf2 parameters";
		why = parse_field(field[2], flen[2], 1,
		    SC_PBKDF2_MAX_ITERATIONS, &iterations_reasons, &v);
		if (why != NULL)
			return why;
		out->kind = PWHASH_PBKDF2_SHA256;
		out->iterations = (uint32_t)v;
		return NULL;
	}

	if (flen[0] == 6 && memcmp(field[0], "scrypt", 6) == 0) {
		if (nf == 1)
			return "scrypt parameters N:r:p missing";
		if (nf != 4 || too_many)
			return "scrypt needs exactly three parameters N:r:p";
		why = parse_field(field[1], flen[1], 0, UINT64_MAX,
		    &scrypt_n_reasons, &n);
		if (why == NULL)
			why = parse_field(field[2], flen[2], 0, UINT32_MAX,
			    &scrypt_r_reasons, &r);
		if (why == NULL)
			why = parse_field(field[3], flen[3], 0, UINT32_MAX,
			    &scrypt_p_reasons, &v);
		if (why == NULL)
			why = check_scrypt_params(n, r, v);
		if (why != NULL)
			return why;
		out->kind = PWHASH_SCRYPT;
		out->scrypt_n = n;
		out->scrypt_r = (uint32_t)r;
		out->scrypt_p = (uint32_t)v;
		return NULL;
	}

	return "unknown method";
}

/* Returns the value of a lowercase hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes exactly 2*outlen lowercase hex digits; false if any is not. */
static bool
decode_hex(const char *p, size_t len, uint8_t *out, size_t outlen)
{
	size_t	i;
	int	hi, lo;

	if (len != 2 * outlen)
		return false;
	for (i = 0; i < outlen; i++) {
		hi = hex_value(p[2 * i]);
		lo = hex_value(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Parses a werkzeug hash string into out, or says why it is malformed. */
int
pwhash_parse(const char *s, struct pwhash *out, const char **reason)
{
	const char	*why = NULL;
	const char	*salt, *hex, *d1, *d2;
	size_t		 len, salt_len, hex_len, i;
	unsigned char	 c;

	memset(out, 0, sizeof *out);
	if (reason != NULL)
		*reason = NULL;

	if (s == NULL) {
		why = "no hash string";
		goto out;
	}
	len = strnlen(s, SC_PWHASH_MAX_LEN + 1);
	if (len == 0) {
		why = "hash string is empty";
		goto out;
	}
	if (len > SC_PWHASH_MAX_LEN) {
		why = "hash string is longer than " STR(SC_PWHASH_MAX_LEN)
		    " bytes";
		goto out;
	}

	/* werkzeug splits on the first two '$': method$salt$digest. */
	d1 = memchr(s, '$', len);
	if (d1 == NULL) {
		why = "missing '$' after the method";
		goto out;
	}
	d2 = memchr(d1 + 1, '$', len - (size_t)(d1 + 1 - s));
	if (d2 == NULL) {
		why = "missing '$' between the salt and the digest";
		goto out;
	}
	if (memchr(d2 + 1, '$', len - (size_t)(d2 + 1 - s)) != NULL) {
		why = "more than two '$': the salt or digest contains '$'";
		goto out;
	}

	why = parse_method(s, (size_t)(d1 - s), out);
	if (why != NULL)
		goto out;

	salt = d1 + 1;
	salt_len = (size_t)(d2 - salt);
	if (salt_len == 0) {
		why = "salt is empty";
		goto out;
	}
	if (salt_len > SC_SALT_MAX_LEN) {
		why = "salt is longer than " STR(SC_SALT_MAX_LEN) " bytes";
		goto out;
	}
	for (i = 0; i < salt_len; i++) {
		c = (unsigned char)salt[i];
		if (c < 0x20 || c == 0x7f) {
			why = "salt contains a control character";
			goto out;
		}
	}
	memcpy(out->salt, salt, salt_len);
	out->salt[salt_len] = '\0';
	out->salt_len = salt_len;

	hex = d2 + 1;
	hex_len = len - (size_t)(hex - s);
	if (out->kind == PWHASH_PBKDF2_SHA256) {
		out->digest_len = SC_PBKDF2_DK_LEN;
		if (!decode_hex(hex, hex_len, out->digest, out->digest_len))
			why = "digest is not 64 lowercase hex digits";
	} else {
		out->digest_len = SC_SCRYPT_DK_LEN;
		if (!decode_hex(hex, hex_len, out->digest, out->digest_len))
			why = "digest is not 128 lowercase hex digits";
	}

out:
	if (why != NULL) {
		memset(out, 0, sizeof *out);
		if (reason != NULL)
			*reason = why;
		return SC_ERR_FORMAT;
	}
	return 0;
}

/* Checks password against h in constant time. */
int
pwhash_verify(const struct pwhash *h, const char *password, size_t pwlen)
{
	uint8_t	dk[SC_SCRYPT_DK_LEN];
	int	rv;

	/* Fail closed on a struct pwhash_parse would never have produced. */
	if (h == NULL || (password == NULL && pwlen != 0) ||
	    h->salt_len == 0 || h->salt_len > SC_SALT_MAX_LEN)
		return SC_ERR_INVALID;
	if (password == NULL)
		password = "";

	switch (h->kind) {
	case PWHASH_PBKDF2_SHA256:
		if (h->iterations < 1 ||
		    h->iterations > SC_PBKDF2_MAX_ITERATIONS ||
		    h->digest_len != SC_PBKDF2_DK_LEN)
			return SC_ERR_INVALID;
		pwhash_pbkdf2_sha256((const uint8_t *)password, pwlen,
		    (const uint8_t *)h->salt, h->salt_len, h->iterations,
		    dk, h->digest_len);
		break;
	case PWHASH_SCRYPT:
		if (check_scrypt_params(h->scrypt_n, h->scrypt_r,
		    h->scrypt_p) != NULL || h->digest_len != SC_SCRYPT_DK_LEN)
			return SC_ERR_INVALID;
		/* Lets libsodium pick its SSE2 code; harmless if done. */
		if (sodium_init() < 0)
			return SC_ERR_IO;
		if (crypto_pwhash_scryptsalsa208sha256_ll(
		    (const uint8_t *)password, pwlen,
		    (const uint8_t *)h->salt, h->salt_len, h->scrypt_n,
		    h->scrypt_r, h->scrypt_p, dk, h->digest_len) != 0) {
			/* Parameters were checked: it ran out of memory. */
			rv = SC_ERR_IO;
			goto out;
		}
		break;
	default:
		return SC_ERR_INVALID;
	}

	rv = sodium_memcmp(dk, h->digest, h->digest_len) == 0 ? 0 :
	    SC_ERR_MISMATCH;
out:
	sodium_memzero(dk, sizeof dk);
	return rv;
}

/* Parses s and checks password against it. */
int
pwhash_verify_string(const char *s, const char *password, size_t pwlen)
{
	struct pwhash	h;
	int		rv;

	rv = pwhash_parse(s, &h, NULL);
	if (rv == 0)
		rv = pwhash_verify(&h, password, pwlen);
	sodium_memzero(&h, sizeof h);
	return rv;
}

/* Makes a new pbkdf2:sha256 hash string with a random alphanumeric salt. */
int
pwhash_create(const char *password, size_t pwlen, uint32_t iterations,
    char *out, size_t cap)
{
	char		salt[SC_SALT_DEFAULT_LEN + 1];
	char		hex[2 * SC_PBKDF2_DK_LEN + 1];
	char		digits[16];
	uint8_t		dk[SC_PBKDF2_DK_LEN];
	size_t		i, need;
	int		rv, n;

	if (out != NULL && cap > 0)
		out[0] = '\0';
	if (out == NULL || (password == NULL && pwlen != 0) ||
	    iterations < 1 || iterations > SC_PBKDF2_MAX_ITERATIONS)
		return SC_ERR_INVALID;
	if (password == NULL)
		password = "";

	/* Check the size before the slow part. */
	n = snprintf(digits, sizeof digits, "%" PRIu32, iterations);
	if (n < 0 || (size_t)n >= sizeof digits)
		return SC_ERR_INVALID;
	need = strlen("pbkdf2:sha256:") + (size_t)n + 1 + SC_SALT_DEFAULT_LEN +
	    1 + 2 * SC_PBKDF2_DK_LEN + 1;
	if (cap < need)
		return SC_ERR_TOO_LONG;

	if (sodium_init() < 0)
		return SC_ERR_IO;
	for (i = 0; i < SC_SALT_DEFAULT_LEN; i++)
		salt[i] = salt_chars[randombytes_uniform(
		    sizeof salt_chars - 1)];
	salt[SC_SALT_DEFAULT_LEN] = '\0';

	pwhash_pbkdf2_sha256((const uint8_t *)password, pwlen,
	    (const uint8_t *)salt, SC_SALT_DEFAULT_LEN, iterations, dk,
	    sizeof dk);
	sodium_bin2hex(hex, sizeof hex, dk, sizeof dk);

	n = snprintf(out, cap, "pbkdf2:sha256:%s$%s$%s", digits, salt, hex);
	if (n < 0 || (size_t)n >= cap) {
		sodium_memzero(out, cap);
		rv = SC_ERR_TOO_LONG;
	} else
		rv = 0;

	sodium_memzero(dk, sizeof dk);
	sodium_memzero(hex, sizeof hex);
	return rv;
}
