/*
 * test_pbkdf2.c: common/sha256.c and common/pbkdf2.c against published and
 * Python-computed PBKDF2 vectors and against libsodium's SHA-256 and
 * HMAC-SHA256. Every test runs twice, once per SHA-256 implementation:
 * the portable run is a forked child that sets SC_SHA256_IMPL=portable
 * before its first hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "clock.h"
#include "pbkdf2.h"
#include "sha256.h"
#include "testlib.h"

#define VECTORS_FILE SC_VECTORS_DIR "/pbkdf2-hmac-sha256.json"

/* The implementation this process should be using, or NULL if unknown. */
static const char *expect_impl;

/* A PBKDF2 case with the salt made of salt_len letters 'A', 'B', .... */
struct salt_case {
	size_t salt_len;
	const char *dk_hex;
};

/*
 * Salt lengths around the padding boundaries of the streamed U_1 hash
 * (64 + salt + 4 bytes): password "password", 3 iterations, 32 bytes.
 * Computed with Python 3.11 hashlib.pbkdf2_hmac.
 */
static const struct salt_case salt_cases[] = {
	{ 0,
	    "02048ce01cff51053aa4002a47f6ce3d"
	    "1e123a76a6b178a8790d8b7c09063606" },
	{ 51,
	    "af15edfe56156abcc703ef8867082758"
	    "36b35f7c7c950d0503fc9df6e94ba5f5" },
	{ 52,
	    "ffdea2d0863bc7fb6bacd8676cb51fc4"
	    "31cff682a4c42b9fb2fd32adc6ce6989" },
	{ 55,
	    "b25b176321cbf3aeab2600af55f2c5e0"
	    "a9146e1a2a6fa94121c759e73cf42e3d" },
	{ 56,
	    "9ddfc04d17e9c7396dd28462ea03f443"
	    "420dfb4dc16e493fefaead1b60e86871" },
	{ 59,
	    "c61f0542f89b555df420fc2af85d5219"
	    "4fa7371982d7943d0e8d3bdda48452ee" },
	{ 60,
	    "6011ec7776a7207ddc2c6fa357e7efce"
	    "1be047908f86e6a8805570347e88ac9b" },
	{ 64,
	    "de513240e8164de23c0a29f8c44b5c42"
	    "3eef739f47c67f850a6c07bbc2878a93" },
	{ 115,
	    "f79b378962b371aad062c17319d5db88"
	    "ba275d5b1865b60e399b4c563d7650f4" },
	{ 116,
	    "ef94bfa52112b1ce92debb2f9648a0c3"
	    "ada388750f74308c5c173a5c7681651e" },
	{ 200,
	    "54725cf05adb074b638f7c6b699ba1e1"
	    "011986f9423624593e9348abdef142c3" },
};

/*
 * pbkdf2_hmac("sha256", b"pw", b"NaCl", 2, 100), also Python 3.11: every
 * shorter output must be a prefix of it.
 */
static const char dk100_hex[] =
    "7ed89640cd73cb285a5b11212c525943885468d8c3e4e7e31dabb6155cb05bc7"
    "a58df6586212aebd64994898954756aa37e4f906cc4517b2fbecdf3e8cf19012"
    "662ce1a08ccb36875fb6364b6939e1210297ad2d6c702990b234f46f662f2268"
    "f8f8fc56";
static const size_t dk_lengths[] = { 1, 31, 32, 33, 63, 64, 65, 99, 100 };

/* The implementation in use is the one expected for this run. */
static void
test_impl(void **state)
{
	const char *impl = sha256_impl();

	(void)state;
	print_message("sha256 implementation: %s\n", impl);
	assert_true(
	    strcmp(impl, "sha-ni") == 0 || strcmp(impl, "portable") == 0);
	if (expect_impl != NULL)
		assert_string_equal(impl, expect_impl);
}

/*
 * sha256_compress over padded messages of every length up to 300 bytes
 * matches libsodium's SHA-256, whether given all blocks at once or one by
 * one, from a buffer that is not 16-byte aligned.
 */
static void
test_compress(void **state)
{
	uint8_t buf[1 + 320 + 64], *msg = buf + 1;
	uint8_t want[32], got[32];
	uint32_t h1[8], h2[8];
	uint64_t bits;
	size_t len, padded, i;

	(void)state;
	for (len = 0; len <= 300; len++) {
		for (i = 0; i < len; i++)
			msg[i] = (uint8_t)(i * 131 + len);
		crypto_hash_sha256(want, msg, len);

		padded = (len + 1 + 8 + 63) / 64 * 64;
		msg[len] = 0x80;
		memset(msg + len + 1, 0, padded - len - 1);
		bits = (uint64_t)len * 8;
		for (i = 0; i < 8; i++)
			msg[padded - 1 - i] = (uint8_t)(bits >> (8 * i));

		memcpy(h1, sha256_iv, sizeof h1);
		sha256_compress(h1, msg, padded / 64);
		memcpy(h2, sha256_iv, sizeof h2);
		for (i = 0; i < padded / 64; i++)
			sha256_compress(h2, msg + 64 * i, 1);
		assert_memory_equal(h1, h2, sizeof h1);
		for (i = 0; i < 32; i++)
			got[i] = (uint8_t)(h1[i / 4] >> (24 - 8 * (i % 4)));
		assert_memory_equal(got, want, sizeof want);
	}

	/* Zero blocks leave the state alone. */
	memcpy(h1, sha256_iv, sizeof h1);
	sha256_compress(h1, msg, 0);
	assert_memory_equal(h1, sha256_iv, sizeof h1);
}

/* Every vector's dk, from password_hex and salt_hex. */
static void
test_vectors_dk(void **state)
{
	json_t *root, *vectors, *v;
	const char *dk_hex;
	uint8_t *pw, *salt, *want, *got;
	size_t pwlen, saltlen, dklen, idx;
	json_int_t iterations, dklen_json;

	(void)state;
	vectors = testlib_json_array(VECTORS_FILE, "vectors", &root);
	assert_non_null(vectors);
	json_array_foreach(vectors, idx, v)
	{
		pw = testlib_unhex_alloc(testlib_json_string(v, "password_hex"),
		    &pwlen);
		assert_non_null(pw);
		salt = testlib_unhex_alloc(testlib_json_string(v, "salt_hex"),
		    &saltlen);
		assert_non_null(salt);
		dk_hex = testlib_json_string(v, "dk");
		assert_non_null(dk_hex);
		want = testlib_unhex_alloc(dk_hex, &dklen);
		assert_non_null(want);
		iterations =
		    json_integer_value(json_object_get(v, "iterations"));
		dklen_json = json_integer_value(json_object_get(v, "dklen"));
		assert_true(iterations >= 1 && iterations <= UINT32_MAX);
		assert_int_equal(dklen_json, (json_int_t)dklen);

		got = malloc(dklen);
		assert_non_null(got);
		memset(got, 0xa5, dklen);
		pbkdf2_hmac_sha256(pw, pwlen, salt, saltlen,
		    (uint32_t)iterations, got, dklen);
		if (memcmp(got, want, dklen) != 0)
			fail_msg("vector %zu (%s, %lld iterations): wrong dk",
			    idx, testlib_json_string(v, "password"),
			    (long long)iterations);

		free(got);
		free(want);
		free(salt);
		free(pw);
	}
	json_decref(root);
}

/* Salt lengths across the padding boundaries of U_1. */
static void
test_salt_lengths(void **state)
{
	uint8_t salt[256], got[32], *want;
	size_t i, j, len;

	(void)state;
	for (i = 0; i < sizeof salt; i++)
		salt[i] = (uint8_t)('A' + i % 26);
	for (i = 0; i < sizeof salt_cases / sizeof salt_cases[0]; i++) {
		want = testlib_unhex_alloc(salt_cases[i].dk_hex, &len);
		assert_non_null(want);
		assert_int_equal(len, sizeof got);
		/* A NULL salt with length 0 is allowed. */
		pbkdf2_hmac_sha256((const uint8_t *)"password", 8,
		    salt_cases[i].salt_len == 0 ? NULL : salt,
		    salt_cases[i].salt_len, 3, got, sizeof got);
		for (j = 0; j < sizeof got; j++) {
			if (got[j] != want[j])
				fail_msg("salt length %zu: wrong dk",
				    salt_cases[i].salt_len);
		}
		free(want);
	}
}

/* Outputs of every length are prefixes of the longest (several blocks). */
static void
test_dk_lengths(void **state)
{
	uint8_t got[100], *want;
	size_t i, len;

	(void)state;
	want = testlib_unhex_alloc(dk100_hex, &len);
	assert_non_null(want);
	assert_int_equal(len, sizeof got);
	for (i = 0; i < sizeof dk_lengths / sizeof dk_lengths[0]; i++) {
		memset(got, 0xa5, sizeof got);
		pbkdf2_hmac_sha256((const uint8_t *)"pw", 2,
		    (const uint8_t *)"NaCl", 4, 2, got, dk_lengths[i]);
		assert_memory_equal(got, want, dk_lengths[i]);
		/* Nothing written past outlen. */
		for (len = dk_lengths[i]; len < sizeof got; len++)
			assert_int_equal(got[len], 0xa5);
	}
	free(want);
}

/* One HMAC-SHA256 through libsodium (any key length). */
static void
reference_hmac(const uint8_t *key, size_t keylen, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t out[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, a, alen);
	crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_final(&st, out);
}

/*
 * PBKDF2 written out from RFC 8018, 5.2 over libsodium's HMAC:
 * T_i = U_1 ^ ... ^ U_c, U_1 = HMAC(P, S || INT(i)), U_j = HMAC(P, U_j-1).
 */
static void
reference_pbkdf2(const uint8_t *pw, size_t pwlen, const uint8_t *salt,
    size_t saltlen, uint32_t iterations, uint8_t *out, size_t outlen)
{
	uint8_t u[32], t[32], counter[4];
	uint32_t i, j;
	size_t k, n;

	for (i = 1; outlen > 0; i++) {
		counter[0] = (uint8_t)(i >> 24);
		counter[1] = (uint8_t)(i >> 16);
		counter[2] = (uint8_t)(i >> 8);
		counter[3] = (uint8_t)i;
		reference_hmac(pw, pwlen, salt, saltlen, counter,
		    sizeof counter, u);
		memcpy(t, u, sizeof t);
		for (j = 1; j < iterations; j++) {
			reference_hmac(pw, pwlen, u, sizeof u, NULL, 0, u);
			for (k = 0; k < sizeof t; k++)
				t[k] ^= u[k];
		}
		n = outlen < sizeof t ? outlen : sizeof t;
		memcpy(out, t, n);
		out += n;
		outlen -= n;
	}
}

/* A password length (around the HMAC block: longer keys are hashed). */
static const size_t pw_lengths[] = {
	0,
	1,
	31,
	32,
	33,
	55,
	56,
	63,
	64,
	65,
	100,
	128,
	129,
	1024,
};

/* Password lengths around one block, against the written-out reference. */
static void
test_password_lengths(void **state)
{
	uint8_t pw[1024], salt[20], got[40], want[40];
	size_t i, j;
	uint32_t c;

	(void)state;
	for (i = 0; i < sizeof pw; i++)
		pw[i] = (uint8_t)(i * 7 + 3);
	memcpy(salt, "NaCl-and-more-salt!!", sizeof salt);
	for (i = 0; i < sizeof pw_lengths / sizeof pw_lengths[0]; i++) {
		for (c = 1; c <= 3; c++) {
			for (j = 0; j < sizeof salt; j += 19) {
				pbkdf2_hmac_sha256(pw, pw_lengths[i], salt, j,
				    c, got, sizeof got);
				reference_pbkdf2(pw, pw_lengths[i], salt, j, c,
				    want, sizeof want);
				if (memcmp(got, want, sizeof got) != 0)
					fail_msg("password %zu bytes, salt %zu,"
						 " %u iterations: wrong dk",
					    pw_lengths[i], j, (unsigned)c);
			}
		}
	}
}

/* What a degenerate call gives: the edge rows of the contract. */
struct edge_case {
	const char *name;
	uint32_t iterations;
	size_t outlen;
	uint32_t same_as; /* iteration count it must equal */
};

static const struct edge_case edge_cases[] = {
	{ "zero iterations count as one", 0, 32, 1 },
	{ "one iteration", 1, 32, 1 },
	{ "zero output bytes", 5, 0, 5 },
	{ "one output byte", 5, 1, 5 },
	{ "two blocks and a bit", 2, 65, 2 },
};

/* Zero iterations, zero and odd output lengths; nothing past outlen. */
static void
test_edges(void **state)
{
	const struct edge_case *e;
	uint8_t got[80], want[80];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof edge_cases / sizeof edge_cases[0]; i++) {
		e = &edge_cases[i];
		memset(got, 0xa5, sizeof got);
		pbkdf2_hmac_sha256((const uint8_t *)"pw", 2,
		    (const uint8_t *)"salt", 4, e->iterations, got, e->outlen);
		reference_pbkdf2((const uint8_t *)"pw", 2,
		    (const uint8_t *)"salt", 4, e->same_as, want, e->outlen);
		if (e->outlen > 0 && memcmp(got, want, e->outlen) != 0)
			fail_msg("%s: wrong dk", e->name);
		for (k = e->outlen; k < sizeof got; k++) {
			if (got[k] != 0xa5)
				fail_msg("%s: wrote past outlen", e->name);
		}
	}
	/* A NULL password of length 0 is the empty one. */
	pbkdf2_hmac_sha256(NULL, 0, (const uint8_t *)"salt", 4, 2, got, 32);
	reference_pbkdf2((const uint8_t *)"", 0, (const uint8_t *)"salt", 4, 2,
	    want, 32);
	assert_memory_equal(got, want, 32);
}

/* On a paced thread that yields every few microseconds (clock_pace in the
 * iteration loop: 16 calls for 4096 iterations) the bytes are those of
 * RFC 7914's PBKDF2-HMAC-SHA256 vector ("password", "salt", 4096). */
static void
test_paced(void **state)
{
	static const uint8_t pw[] = "password", salt[] = "salt";
	static const uint8_t want[32] = { 0xc5, 0xe4, 0x78, 0xd5, 0x92, 0x88,
		0xc8, 0x41, 0xaa, 0x53, 0x0d, 0xb6, 0x84, 0x5c, 0x4c, 0x8d,
		0x96, 0x28, 0x93, 0xa0, 0x01, 0xce, 0x4e, 0x11, 0xa4, 0x96,
		0x38, 0x73, 0xaa, 0x98, 0x13, 0x4a };
	uint8_t got[32];

	(void)state;
	clock_pace_start(1);
	pbkdf2_hmac_sha256(pw, sizeof pw - 1, salt, sizeof salt - 1, 4096, got,
	    sizeof got);
	clock_pace_start(0);
	assert_memory_equal(got, want, sizeof want);
}

/* Every test depends on the SHA-256 implementation. */
static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_impl),
	cmocka_unit_test(test_compress),
	cmocka_unit_test(test_vectors_dk),
	cmocka_unit_test(test_salt_lengths),
	cmocka_unit_test(test_dk_lengths),
	cmocka_unit_test(test_password_lengths),
	cmocka_unit_test(test_edges),
	cmocka_unit_test(test_paced),
};

/* Says whether the default implementation should be SHA-NI here. */
static const char *
default_impl(void)
{
	const char *force = getenv("SC_SHA256_IMPL");

	if (force != NULL && strcmp(force, "portable") == 0)
		return "portable";
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__clang__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1"))
		return "sha-ni";
	return "portable";
#elif defined(__x86_64__) || defined(__i386__)
	return NULL; /* clang cannot ask about "sha"; accept either */
#else
	return "portable";
#endif
}

/* Runs the tests for both SHA-256 codes. */
int
main(void)
{
	pid_t pid;
	int status, failed = 0;

	if (sodium_init() < 0)
		return 1;

	/*
	 * The portable run, unless the environment already forces it: in a
	 * child, before this process hashes anything, because the choice is
	 * made once per process.
	 */
	expect_impl = default_impl();
	if (expect_impl == NULL || strcmp(expect_impl, "portable") != 0) {
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid == -1) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (setenv("SC_SHA256_IMPL", "portable", 1) != 0)
				_exit(1);
			expect_impl = "portable";
			_exit(cmocka_run_group_tests_name("pbkdf2_portable",
				  tests, NULL, NULL) != 0);
		}
		if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed++;
	}

	failed +=
	    cmocka_run_group_tests_name("pbkdf2_default", tests, NULL, NULL);
	return failed != 0;
}
