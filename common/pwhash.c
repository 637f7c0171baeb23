/*
 * pwhash.c: the users-file password hashes (PROTOCOL.md section 5), in
 * werkzeug's "<method>$<salt>$<hex digest>" format: parsing with a reason
 * for every rejection, constant-time verification and creation. The
 * derivations themselves are common/pbkdf2.c and libsodium's scrypt.
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
#include "pbkdf2.h"
#include "pwhash.h"

#define XSTR(x) #x
#define STR(x)	XSTR(x)

/* The most ':'-separated fields a method may have ("scrypt:N:r:p"). */
#define METHOD_MAX_FIELDS 4

/* The digest reasons below spell these lengths out. */
_Static_assert(SC_PBKDF2_DK_LEN == 32, "pbkdf2 digest reason says 64");
_Static_assert(SC_SCRYPT_DK_LEN == 64, "scrypt digest reason says 128");

/* What parse_decimal found wrong. */
enum decimal_error {
	DECIMAL_OK,
	DECIMAL_NOT_NUMBER,
	DECIMAL_LEADING_ZERO,
	DECIMAL_RANGE,
};

/* The reason sentences for one numeric field, by decimal_error. */
struct decimal_reasons {
	const char *not_number;
	const char *leading_zero;
	const char *range;
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
 * Parses len bytes at p as a canonical decimal (digits only, no sign, no
 * leading zero) between min and max into *out.
 */
static enum decimal_error
parse_decimal(const char *p, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	unsigned int d;

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
	const char *field[METHOD_MAX_FIELDS];
	size_t flen[METHOD_MAX_FIELDS];
	const char *p, *end = s + len, *colon, *why;
	size_t nf = 0;
	bool too_many = false;
	uint64_t n, r, v;

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
			       " explicit: werkzeug's default varies by "
			       "version)";
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
	size_t i;
	int hi, lo;

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
	const char *why = NULL;
	const char *salt, *hex, *d1, *d2;
	size_t len, salt_len, hex_len, i;
	unsigned char c;

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
		why = "hash string is longer than " STR(
		    SC_PWHASH_MAX_LEN) " bytes";
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
	uint8_t dk[SC_SCRYPT_DK_LEN];
	int rv;

	/* Fail closed on a struct pwhash_parse would never have produced. */
	if (h == NULL || (password == NULL && pwlen != 0) || h->salt_len == 0 ||
	    h->salt_len > SC_SALT_MAX_LEN)
		return SC_ERR_INVALID;
	if (password == NULL)
		password = "";

	switch (h->kind) {
	case PWHASH_PBKDF2_SHA256:
		if (h->iterations < 1 ||
		    h->iterations > SC_PBKDF2_MAX_ITERATIONS ||
		    h->digest_len != SC_PBKDF2_DK_LEN)
			return SC_ERR_INVALID;
		pbkdf2_hmac_sha256((const uint8_t *)password, pwlen,
		    (const uint8_t *)h->salt, h->salt_len, h->iterations, dk,
		    h->digest_len);
		break;
	case PWHASH_SCRYPT:
		if (check_scrypt_params(h->scrypt_n, h->scrypt_r,
			h->scrypt_p) != NULL ||
		    h->digest_len != SC_SCRYPT_DK_LEN)
			return SC_ERR_INVALID;
		/* Lets libsodium pick its SSE2 code; harmless if done. */
		if (sodium_init() < 0)
			return SC_ERR_IO;
		if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)
							      password,
			pwlen, (const uint8_t *)h->salt, h->salt_len,
			h->scrypt_n, h->scrypt_r, h->scrypt_p, dk,
			h->digest_len) != 0) {
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
	struct pwhash h;
	int rv;

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
	char salt[SC_SALT_DEFAULT_LEN + 1];
	char hex[2 * SC_PBKDF2_DK_LEN + 1];
	char digits[16];
	uint8_t dk[SC_PBKDF2_DK_LEN];
	size_t i, need;
	int rv, n;

	if (out != NULL && cap > 0)
		out[0] = '\0';
	if (out == NULL || (password == NULL && pwlen != 0) || iterations < 1 ||
	    iterations > SC_PBKDF2_MAX_ITERATIONS)
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
		salt[i] =
		    salt_chars[randombytes_uniform(sizeof salt_chars - 1)];
	salt[SC_SALT_DEFAULT_LEN] = '\0';

	pbkdf2_hmac_sha256((const uint8_t *)password, pwlen,
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

/* Same kind, parameters, salt and digest. */
bool
pwhash_equal(const struct pwhash *a, const struct pwhash *b)
{
	return a->kind == b->kind && a->iterations == b->iterations &&
	    a->scrypt_n == b->scrypt_n && a->scrypt_r == b->scrypt_r &&
	    a->scrypt_p == b->scrypt_p && a->salt_len == b->salt_len &&
	    memcmp(a->salt, b->salt, a->salt_len) == 0 &&
	    a->digest_len == b->digest_len &&
	    sodium_memcmp(a->digest, b->digest, a->digest_len) == 0;
}

/* About one unit per PBKDF2 iteration; scrypt's BlockMix of r costs
 * about 8 r units (ROMix runs it 2 N times, p times). */
uint64_t
pwhash_cost(const struct pwhash *h)
{
	if (h->kind == PWHASH_PBKDF2_SHA256)
		return h->iterations;
	return 2 * h->scrypt_n * h->scrypt_r * h->scrypt_p * 8;
}
