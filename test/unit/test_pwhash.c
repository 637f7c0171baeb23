/*
 * test_pwhash.c: common/pwhash.c against hash strings made by werkzeug
 * (the vectors file's and a file of werkzeug's own output) and a table of
 * malformed hash strings. PBKDF2 itself is tested in test_pbkdf2.c.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "error.h"
#include "sc_limits.h"
#include "pwhash.h"
#include "testlib.h"

#define VECTORS_FILE  SC_VECTORS_DIR "/pbkdf2-hmac-sha256.json"
#define WERKZEUG_FILE SC_TEST_DATA_DIR "/pwhash-werkzeug.json"

/* A digest and salts for building hash strings. */
#define HEX64                                                                  \
	"00112233445566778899aabbccddeeff"                                     \
	"0123456789abcdeffedcba9876543210"
#define HEX128 HEX64 HEX64
#define A16    "aaaaaaaaaaaaaaaa"
#define A128   A16 A16 A16 A16 A16 A16 A16 A16
#define PB     "pbkdf2:sha256:1000$salt$"
#define SC     "scrypt:1024:8:1$salt$"

/* A malformed hash string and the reason pwhash_parse must give. */
struct bad_case {
	const char *name;
	const char *s;
	const char *reason;
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", "hash string is empty" },
	{ "unknown method", "md5$salt$" HEX64, "unknown method" },
	{ "empty method", "$salt$" HEX64, "unknown method" },
	{ "uppercase method", "PBKDF2:sha256:1000$salt$" HEX64,
	    "unknown method" },
	{ "plain", "plain$$pw", "unknown method" },
	{ "unknown, many colons", "x:1:2:3:4:5$salt$" HEX64, "unknown method" },
	{ "pbkdf2:sha1", "pbkdf2:sha1:1000$salt$" HEX64,
	    "pbkdf2 hash is not sha256" },
	{ "pbkdf2:SHA256", "pbkdf2:SHA256:1000$salt$" HEX64,
	    "pbkdf2 hash is not sha256" },
	{ "pbkdf2 alone", "pbkdf2$salt$" HEX64,
	    "pbkdf2 hash name and iteration count missing" },
	{ "pbkdf2:sha256 without count", "pbkdf2:sha256$salt$" HEX64,
	    "pbkdf2 iteration count missing (it must be explicit:"
	    " werkzeug's default varies by version)" },
	{ "extra pbkdf2 field", "pbkdf2:sha256:1000:1$salt$" HEX64,
	    "too many pbkdf2 parameters" },
	{ "many pbkdf2 fields", "pbkdf2:sha256:1:2:3:4$salt$" HEX64,
	    "too many pbkdf2 parameters" },
	{ "no '$'", "pbkdf2:sha256:1000", "missing '$' after the method" },
	{ "no digest field", "pbkdf2:sha256:1000$salt",
	    "missing '$' between the salt and the digest" },
	{ "extra '$' at end", PB HEX64 "$",
	    "more than two '$': the salt or digest contains '$'" },
	{ "'$' in salt", "pbkdf2:sha256:1000$sa$lt$" HEX64,
	    "more than two '$': the salt or digest contains '$'" },
	{ "zero iterations", "pbkdf2:sha256:0$salt$" HEX64,
	    "iteration count out of range" },
	{ "negative iterations", "pbkdf2:sha256:-1000$salt$" HEX64,
	    "iteration count is not a decimal number" },
	{ "plus sign", "pbkdf2:sha256:+1000$salt$" HEX64,
	    "iteration count is not a decimal number" },
	{ "space before count", "pbkdf2:sha256: 1000$salt$" HEX64,
	    "iteration count is not a decimal number" },
	{ "hex count", "pbkdf2:sha256:0x10$salt$" HEX64,
	    "iteration count is not a decimal number" },
	{ "empty count", "pbkdf2:sha256:$salt$" HEX64,
	    "iteration count is not a decimal number" },
	{ "count with suffix", "pbkdf2:sha256:1000x$salt$" HEX64,
	    "iteration count is not a decimal number" },
	{ "leading zero", "pbkdf2:sha256:01000$salt$" HEX64,
	    "iteration count has a leading zero" },
	{ "00", "pbkdf2:sha256:00$salt$" HEX64,
	    "iteration count has a leading zero" },
	{ "count above max", "pbkdf2:sha256:100000001$salt$" HEX64,
	    "iteration count out of range" },
	{ "count above 2^32", "pbkdf2:sha256:4294967297$salt$" HEX64,
	    "iteration count out of range" },
	{ "huge count", "pbkdf2:sha256:99999999999999999999999999$salt$" HEX64,
	    "iteration count out of range" },
	{ "empty salt", "pbkdf2:sha256:1000$$" HEX64, "salt is empty" },
	{ "129-byte salt", "pbkdf2:sha256:1000$" A128 "a$" HEX64,
	    "salt is longer than 128 bytes" },
	{ "tab in salt", "pbkdf2:sha256:1000$sa\tlt$" HEX64,
	    "salt contains a control character" },
	{ "DEL in salt", "pbkdf2:sha256:1000$sa\x7flt$" HEX64,
	    "salt contains a control character" },
	{ "uppercase hex",
	    PB "00112233445566778899AABBCCDDEEFF"
	       "0123456789abcdeffedcba9876543210",
	    "digest is not 64 lowercase hex digits" },
	{ "empty digest", PB, "digest is not 64 lowercase hex digits" },
	{ "63 hex digits",
	    PB "00112233445566778899aabbccddeeff"
	       "0123456789abcdeffedcba987654321",
	    "digest is not 64 lowercase hex digits" },
	{ "65 hex digits", PB HEX64 "0",
	    "digest is not 64 lowercase hex digits" },
	{ "66 hex digits", PB HEX64 "00",
	    "digest is not 64 lowercase hex digits" },
	{ "non-hex digit",
	    PB "00112233445566778899aabbccddeefg"
	       "0123456789abcdeffedcba9876543210",
	    "digest is not 64 lowercase hex digits" },
	{ "scrypt-length digest on pbkdf2", PB HEX128,
	    "digest is not 64 lowercase hex digits" },
	{ "trailing newline", PB HEX64 "\n",
	    "digest is not 64 lowercase hex digits" },
	{ "trailing space", PB HEX64 " ",
	    "digest is not 64 lowercase hex digits" },
	{ "trailing garbage", PB HEX64 "xyz",
	    "digest is not 64 lowercase hex digits" },
	{ "scrypt alone", "scrypt$salt$" HEX128,
	    "scrypt parameters N:r:p missing" },
	{ "scrypt missing p", "scrypt:1024:8$salt$" HEX128,
	    "scrypt needs exactly three parameters N:r:p" },
	{ "scrypt extra field", "scrypt:1024:8:1:1$salt$" HEX128,
	    "scrypt needs exactly three parameters N:r:p" },
	{ "scrypt N not a power of two", "scrypt:1000:8:1$salt$" HEX128,
	    "scrypt N is not a power of two greater than 1" },
	{ "scrypt N=1", "scrypt:1:8:1$salt$" HEX128,
	    "scrypt N is not a power of two greater than 1" },
	{ "scrypt N=0", "scrypt:0:8:1$salt$" HEX128,
	    "scrypt N is not a power of two greater than 1" },
	{ "scrypt N negative", "scrypt:-1024:8:1$salt$" HEX128,
	    "scrypt N is not a decimal number" },
	{ "scrypt N leading zero", "scrypt:01024:8:1$salt$" HEX128,
	    "scrypt N has a leading zero" },
	{ "scrypt N above 2^64", "scrypt:18446744073709551616:8:1$salt$" HEX128,
	    "scrypt N out of range" },
	{ "scrypt r=0", "scrypt:1024:0:1$salt$" HEX128,
	    "scrypt r out of range" },
	{ "scrypt r empty", "scrypt:1024::1$salt$" HEX128,
	    "scrypt r is not a decimal number" },
	{ "scrypt r above 2^32", "scrypt:2:4294967296:1$salt$" HEX128,
	    "scrypt r out of range" },
	{ "scrypt p=0", "scrypt:1024:8:0$salt$" HEX128,
	    "scrypt p out of range" },
	{ "scrypt p leading zero", "scrypt:1024:8:01$salt$" HEX128,
	    "scrypt p has a leading zero" },
	{ "scrypt 2 GiB", "scrypt:2097152:8:1$salt$" HEX128,
	    "scrypt memory 128*N*r is over the limit" },
	{ "scrypt N=2^63", "scrypt:9223372036854775808:1:1$salt$" HEX128,
	    "scrypt memory 128*N*r is over the limit" },
	{ "scrypt r*p = 2^30", "scrypt:2:1:1073741824$salt$" HEX128,
	    "scrypt r*p is 2^30 or more" },
	{ "scrypt 128*r*p over 1 GiB", "scrypt:2:8:8388608$salt$" HEX128,
	    "scrypt memory 128*r*p is over the limit" },
	{ "scrypt 64-byte digest", SC HEX64,
	    "digest is not 128 lowercase hex digits" },
	{ "scrypt uppercase",
	    SC HEX64 "00112233445566778899AABBCCDDEEFF"
		     "0123456789ABCDEFFEDCBA9876543210",
	    "digest is not 128 lowercase hex digits" },
	{ "scrypt 129 hex", SC HEX128 "0",
	    "digest is not 128 lowercase hex digits" },
	{ "scrypt empty salt", "scrypt:1024:8:1$$" HEX128, "salt is empty" },
	{ "512 bytes, no '$'", A128 A128 A128 A128,
	    "missing '$' after the method" },
	{ "513 bytes", A128 A128 A128 A128 "a",
	    "hash string is longer than 512 bytes" },
	{ "very long digest", PB HEX128 HEX128 HEX128 HEX128,
	    "hash string is longer than 512 bytes" },
};

/* A well-formed hash string and the fields pwhash_parse must find. */
struct good_case {
	const char *s;
	enum pwhash_kind kind;
	uint32_t iterations;
	uint64_t n;
	uint32_t r;
	uint32_t p;
	const char *salt;
};

static const struct good_case good_cases[] = {
	{ "pbkdf2:sha256:1$s$" HEX64, PWHASH_PBKDF2_SHA256, 1, 0, 0, 0, "s" },
	{ "pbkdf2:sha256:600000$X9k2LmQ7vR4tZp8W$" HEX64, PWHASH_PBKDF2_SHA256,
	    600000, 0, 0, 0, "X9k2LmQ7vR4tZp8W" },
	{ "pbkdf2:sha256:100000000$" A128 "$" HEX64, PWHASH_PBKDF2_SHA256,
	    SC_PBKDF2_MAX_ITERATIONS, 0, 0, 0, A128 },
	{ "pbkdf2:sha256:10$s\xc3\xa4lt with space$" HEX64,
	    PWHASH_PBKDF2_SHA256, 10, 0, 0, 0, "s\xc3\xa4lt with space" },
	{ "scrypt:2:1:1$salt$" HEX128, PWHASH_SCRYPT, 0, 2, 1, 1, "salt" },
	{ "scrypt:32768:8:1$abc$" HEX128, PWHASH_SCRYPT, 0, 32768, 8, 1,
	    "abc" },
	{ "scrypt:1048576:8:1$salt$" HEX128, PWHASH_SCRYPT, 0, 1048576, 8, 1,
	    "salt" },
	{ "scrypt:2:8:1048575$salt$" HEX128, PWHASH_SCRYPT, 0, 2, 8, 1048575,
	    "salt" },
};

/* Checks verify_string accepts password and rejects it changed. */
static void
check_right_and_wrong(const char *s, const uint8_t *pw, size_t pwlen)
{
	char *wrong;

	assert_int_equal(pwhash_verify_string(s, (const char *)pw, pwlen), 0);

	/* One bit flipped in the last byte, or "x" for the empty one. */
	wrong = malloc(pwlen + 1);
	assert_non_null(wrong);
	if (pwlen == 0) {
		wrong[0] = 'x';
		assert_int_equal(pwhash_verify_string(s, wrong, 1),
		    SC_ERR_MISMATCH);
	} else {
		memcpy(wrong, pw, pwlen);
		wrong[pwlen - 1] ^= 1;
		assert_int_equal(pwhash_verify_string(s, wrong, pwlen),
		    SC_ERR_MISMATCH);
		/* So is the password less its last byte. */
		assert_int_equal(pwhash_verify_string(s, (const char *)pw,
				     pwlen - 1),
		    SC_ERR_MISMATCH);
	}
	free(wrong);
}

/* The werkzeug strings of the vectors file verify with their password. */
static void
test_vectors_werkzeug(void **state)
{
	json_t *root, *vectors, *v, *w;
	uint8_t *pw;
	size_t pwlen, idx, n = 0;

	(void)state;
	vectors = testlib_json_array(VECTORS_FILE, "vectors", &root);
	assert_non_null(vectors);
	json_array_foreach(vectors, idx, v)
	{
		w = json_object_get(v, "werkzeug");
		if (w == NULL)
			continue;
		assert_true(json_is_string(w));
		pw = testlib_unhex_alloc(testlib_json_string(v, "password_hex"),
		    &pwlen);
		assert_non_null(pw);
		check_right_and_wrong(json_string_value(w), pw, pwlen);
		free(pw);
		n++;
	}
	assert_true(n > 0);
	json_decref(root);
}

/* Hash strings made by werkzeug itself, pbkdf2 and scrypt. */
static void
test_werkzeug_file(void **state)
{
	json_t *root, *hashes, *e;
	struct pwhash h;
	const char *s, *method, *reason;
	uint8_t *pw;
	size_t pwlen, idx, len;
	char prefix[64];
	int n600000 = 0, nscrypt = 0;

	(void)state;
	hashes = testlib_json_array(WERKZEUG_FILE, "hashes", &root);
	assert_non_null(hashes);
	json_array_foreach(hashes, idx, e)
	{
		s = testlib_json_string(e, "hash");
		assert_non_null(s);
		method = testlib_json_string(e, "method");
		assert_non_null(method);
		pw = testlib_unhex_alloc(testlib_json_string(e, "password_hex"),
		    &pwlen);
		assert_non_null(pw);

		if (pwhash_parse(s, &h, &reason) != 0)
			fail_msg("%s: %s", s, reason);
		if (h.kind == PWHASH_PBKDF2_SHA256) {
			/* The method asked for is the one written. */
			len = strlen(method);
			assert_memory_equal(s, method, len);
			assert_int_equal(s[len], '$');
			assert_int_equal(h.digest_len, 32);
			if (h.iterations == 600000)
				n600000++;
		} else {
			snprintf(prefix, sizeof prefix, "scrypt:%llu:%u:%u$",
			    (unsigned long long)h.scrypt_n, h.scrypt_r,
			    h.scrypt_p);
			assert_memory_equal(s, prefix, strlen(prefix));
			assert_int_equal(h.digest_len, 64);
			nscrypt++;
		}
		assert_int_equal(h.salt_len, strlen(h.salt));
		assert_int_equal(h.salt_len,
		    json_integer_value(json_object_get(e, "salt_length")));

		check_right_and_wrong(s, pw, pwlen);
		free(pw);
	}
	assert_true(n600000 >= 1);
	assert_true(nscrypt >= 1);
	json_decref(root);
}

/* Every malformed string is refused with its own reason. */
static void
test_malformed(void **state)
{
	struct pwhash h, zero;
	const char *reason;
	size_t i;

	(void)state;
	memset(&zero, 0, sizeof zero);
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		memset(&h, 0x5a, sizeof h);
		reason = NULL;
		if (pwhash_parse(bad_cases[i].s, &h, &reason) != SC_ERR_FORMAT)
			fail_msg("%s: accepted", bad_cases[i].name);
		if (reason == NULL || strcmp(reason, bad_cases[i].reason) != 0)
			fail_msg("%s: reason \"%s\", want \"%s\"",
			    bad_cases[i].name, reason ? reason : "(null)",
			    bad_cases[i].reason);
		/* Cleared on failure, and a NULL reason is fine. */
		assert_memory_equal(&h, &zero, sizeof h);
		assert_int_equal(pwhash_parse(bad_cases[i].s, &h, NULL),
		    SC_ERR_FORMAT);
		assert_int_equal(pwhash_verify_string(bad_cases[i].s, "pw", 2),
		    SC_ERR_FORMAT);
	}

	assert_int_equal(pwhash_parse(NULL, &h, &reason), SC_ERR_FORMAT);
	assert_non_null(reason);
}

/* Well-formed strings parse into the right fields (nothing is hashed). */
static void
test_parse_good(void **state)
{
	const struct good_case *c;
	struct pwhash h;
	const char *reason;
	uint8_t digest[64];
	size_t i, len;

	(void)state;
	assert_int_equal(sodium_hex2bin(digest, sizeof digest, HEX128,
			     strlen(HEX128), NULL, &len, NULL),
	    0);
	for (i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		c = &good_cases[i];
		if (pwhash_parse(c->s, &h, &reason) != 0)
			fail_msg("%s: %s", c->s, reason);
		assert_null(reason);
		assert_int_equal(h.kind, c->kind);
		assert_string_equal(h.salt, c->salt);
		assert_int_equal(h.salt_len, strlen(c->salt));
		if (c->kind == PWHASH_PBKDF2_SHA256) {
			assert_int_equal(h.iterations, c->iterations);
			assert_int_equal(h.digest_len, 32);
		} else {
			assert_int_equal(h.scrypt_n, c->n);
			assert_int_equal(h.scrypt_r, c->r);
			assert_int_equal(h.scrypt_p, c->p);
			assert_int_equal(h.digest_len, 64);
		}
		assert_memory_equal(h.digest, digest, h.digest_len);
	}
}

/* pwhash_create makes strings that parse, verify and follow the format. */
static void
test_create(void **state)
{
	static const uint32_t counts[] = { 1, 1000, 4096 };
	char s[SC_PWHASH_MAX_LEN], t[SC_PWHASH_MAX_LEN];
	char want[SC_PWHASH_MAX_LEN];
	struct pwhash h;
	const char *reason;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		assert_int_equal(pwhash_create("hunter2", 7, counts[i], s,
				     sizeof s),
		    0);
		if (pwhash_parse(s, &h, &reason) != 0)
			fail_msg("%s: %s", s, reason);
		assert_int_equal(h.kind, PWHASH_PBKDF2_SHA256);
		assert_int_equal(h.iterations, counts[i]);
		assert_int_equal(h.salt_len, SC_SALT_DEFAULT_LEN);
		for (j = 0; j < h.salt_len; j++)
			assert_true(isalnum((unsigned char)h.salt[j]));
		snprintf(want, sizeof want, "pbkdf2:sha256:%u$%s$",
		    (unsigned int)counts[i], h.salt);
		assert_memory_equal(s, want, strlen(want));
		assert_int_equal(strlen(s), strlen(want) + 64);

		assert_int_equal(pwhash_verify(&h, "hunter2", 7), 0);
		assert_int_equal(pwhash_verify(&h, "hunter3", 7),
		    SC_ERR_MISMATCH);
		assert_int_equal(pwhash_verify(&h, "Hunter2", 7),
		    SC_ERR_MISMATCH);
		assert_int_equal(pwhash_verify(&h, "hunter2\n", 8),
		    SC_ERR_MISMATCH);
		assert_int_equal(pwhash_verify(&h, "", 0), SC_ERR_MISMATCH);
	}

	/* Two hashes of one password differ by their salt. */
	assert_int_equal(pwhash_create("pw", 2, 1, s, sizeof s), 0);
	assert_int_equal(pwhash_create("pw", 2, 1, t, sizeof t), 0);
	assert_string_not_equal(s, t);
}

/* pwhash_create refuses bad counts and short buffers before hashing. */
static void
test_create_errors(void **state)
{
	/* "pbkdf2:sha256:1$" + 16 + "$" + 64 + NUL */
	const size_t need = 14 + 1 + 1 + 16 + 1 + 64 + 1;
	char s[SC_PWHASH_MAX_LEN];

	(void)state;
	memset(s, 'x', sizeof s);
	assert_int_equal(pwhash_create("pw", 2, 0, s, sizeof s),
	    SC_ERR_INVALID);
	assert_int_equal(s[0], '\0');
	assert_int_equal(pwhash_create("pw", 2, SC_PBKDF2_MAX_ITERATIONS + 1, s,
			     sizeof s),
	    SC_ERR_INVALID);
	assert_int_equal(pwhash_create("pw", 2, 1, NULL, 0), SC_ERR_INVALID);
	assert_int_equal(pwhash_create(NULL, 2, 1, s, sizeof s),
	    SC_ERR_INVALID);

	memset(s, 'x', sizeof s);
	assert_int_equal(pwhash_create("pw", 2, 1, s, need - 1),
	    SC_ERR_TOO_LONG);
	assert_int_equal(s[0], '\0');
	assert_int_equal(pwhash_create("pw", 2, 1, s, 0), SC_ERR_TOO_LONG);
	assert_int_equal(pwhash_create("pw", 2, 1, s, need), 0);
	assert_int_equal(strlen(s), need - 1);
	assert_int_equal(pwhash_verify_string(s, "pw", 2), 0);
}

/* The empty password and a 1024-byte one, through create and verify. */
static void
test_password_lengths(void **state)
{
	char s[SC_PWHASH_MAX_LEN];
	char big[SC_PASSWORD_MAX_LEN];
	size_t i;

	(void)state;
	assert_int_equal(pwhash_create("", 0, 100, s, sizeof s), 0);
	assert_int_equal(pwhash_verify_string(s, "", 0), 0);
	assert_int_equal(pwhash_verify_string(s, NULL, 0), 0);
	/* HMAC pads keys with zeros: "" and "\0" are the same key. */
	assert_int_equal(pwhash_verify_string(s, "\0", 1), 0);
	assert_int_equal(pwhash_verify_string(s, " ", 1), SC_ERR_MISMATCH);

	assert_int_equal(pwhash_create(NULL, 0, 100, s, sizeof s), 0);
	assert_int_equal(pwhash_verify_string(s, "", 0), 0);

	for (i = 0; i < sizeof big; i++)
		big[i] = (char)(' ' + i % 95);
	assert_int_equal(pwhash_create(big, sizeof big, 100, s, sizeof s), 0);
	assert_int_equal(pwhash_verify_string(s, big, sizeof big), 0);
	assert_int_equal(pwhash_verify_string(s, big, sizeof big - 1),
	    SC_ERR_MISMATCH);
	big[0] ^= 1;
	assert_int_equal(pwhash_verify_string(s, big, sizeof big),
	    SC_ERR_MISMATCH);
}

/* A struct pwhash_parse could not have produced fails closed. */
static void
test_verify_bad_struct(void **state)
{
	struct pwhash h, good;
	const char *reason;

	(void)state;
	assert_int_equal(pwhash_parse("pbkdf2:sha256:1$salt$" HEX64, &good,
			     &reason),
	    0);
	assert_int_equal(pwhash_verify(&good, "pw", 2), SC_ERR_MISMATCH);
	assert_int_equal(pwhash_verify(NULL, "pw", 2), SC_ERR_INVALID);
	assert_int_equal(pwhash_verify(&good, NULL, 2), SC_ERR_INVALID);

	h = good;
	h.iterations = 0;
	assert_int_equal(pwhash_verify(&h, "pw", 2), SC_ERR_INVALID);
	h = good;
	h.digest_len = 64;
	assert_int_equal(pwhash_verify(&h, "pw", 2), SC_ERR_INVALID);
	h = good;
	h.salt_len = SC_SALT_MAX_LEN + 1;
	assert_int_equal(pwhash_verify(&h, "pw", 2), SC_ERR_INVALID);
	h = good;
	h.kind = PWHASH_SCRYPT;
	h.scrypt_n = 3;
	h.scrypt_r = 1;
	h.scrypt_p = 1;
	h.digest_len = 64;
	assert_int_equal(pwhash_verify(&h, "pw", 2), SC_ERR_INVALID);
}

/* pwhash_equal: the same string parses equal; a change of kind,
 * parameter, salt or digest does not. pwhash_cost orders by work. */
static void
test_equal_cost(void **state)
{
	static const char *const rows[] = {
		"pbkdf2:sha256:1000$salt$"
		"00000000000000000000000000000000000000000000000000000000000000"
		"00",
		"pbkdf2:sha256:1001$salt$"
		"00000000000000000000000000000000000000000000000000000000000000"
		"00",
		"pbkdf2:sha256:1000$salu$"
		"00000000000000000000000000000000000000000000000000000000000000"
		"00",
		"pbkdf2:sha256:1000$salt$"
		"00000000000000000000000000000000000000000000000000000000000000"
		"01",
		"scrypt:16384:8:1$salt$"
		"00000000000000000000000000000000000000000000000000000000000000"
		"000"
		"00000000000000000000000000000000000000000000000000000000000000"
		"0",
	};
	struct pwhash a, b;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(pwhash_parse(rows[i], &a, NULL), 0);
		for (j = 0; j < sizeof rows / sizeof rows[0]; j++) {
			assert_int_equal(pwhash_parse(rows[j], &b, NULL), 0);
			assert_int_equal(pwhash_equal(&a, &b), i == j);
		}
	}
	assert_int_equal(pwhash_parse(rows[0], &a, NULL), 0);
	assert_int_equal(pwhash_cost(&a), 1000);
	assert_int_equal(pwhash_parse(rows[1], &b, NULL), 0);
	assert_true(pwhash_cost(&b) > pwhash_cost(&a));
	assert_int_equal(pwhash_parse(rows[4], &b, NULL), 0);
	/* werkzeug's scrypt default costs more than 600,000 iterations. */
	assert_true(pwhash_cost(&b) > SC_PBKDF2_DEFAULT_ITERATIONS);
}

/* The hash-string tests (PBKDF2 itself is test_pbkdf2.c). */
static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_vectors_werkzeug),
	cmocka_unit_test(test_werkzeug_file),
	cmocka_unit_test(test_malformed),
	cmocka_unit_test(test_parse_good),
	cmocka_unit_test(test_create),
	cmocka_unit_test(test_create_errors),
	cmocka_unit_test(test_password_lengths),
	cmocka_unit_test(test_verify_bad_struct),
	cmocka_unit_test(test_equal_cost),
};

/* Runs the tests. */
int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("pwhash", tests, NULL, NULL);
}
