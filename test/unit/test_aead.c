/*
 * test_aead.c: common/aead.c: AES-256-GCM against a known answer, forged
 * frames, and the cache of expanded keys (clock eviction, sweep, holders
 * told when their key is taken). The Noise vectors run on both
 * implementations through test_noise (and test_noise_libsodium).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "aead.h"
#include "noise.h"

/* What libsodium's one-shot API makes of a frame: the reference. */
static void
reference_seal(const uint8_t *k, const uint8_t *nonce, const uint8_t *in,
    size_t len, uint8_t *out)
{
	unsigned long long clen;

	assert_int_equal(crypto_aead_aes256gcm_encrypt(out, &clen, in, len,
			     (const uint8_t *)"ad", 2, NULL, nonce, k),
	    0);
	assert_int_equal(clen, len + AEAD_TAG_LEN);
}

/* Every length from 0 to 300 and a long one match libsodium, both ways,
 * in place too. */
static void
test_matches_libsodium(void **state)
{
	uint8_t k[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN] = { 0 };
	static uint8_t in[4096], out[4096 + 16], ref[4096 + 16], back[4096];
	struct aead_key *x = aead_key_new();
	size_t len;

	(void)state;
	randombytes_buf(k, sizeof k);
	randombytes_buf(in, sizeof in);
	aead_key_expand(x, k);
	for (len = 0; len <= 4096; len = len < 300 ? len + 1 : 4096) {
		nonce[11] = (uint8_t)len;
		reference_seal(k, nonce, in, len, ref);
		aead_seal(x, nonce, (const uint8_t *)"ad", 2, in, len, out);
		assert_memory_equal(out, ref, len + AEAD_TAG_LEN);
		assert_int_equal(aead_open(x, nonce, (const uint8_t *)"ad", 2,
				     ref, len + AEAD_TAG_LEN, back),
		    0);
		if (len > 0)
			assert_memory_equal(back, in, len);
		/* In place. */
		memcpy(back, in, len);
		aead_seal(x, nonce, (const uint8_t *)"ad", 2, back, len, back);
		assert_memory_equal(back, ref, len);
		if (len == 4096)
			break;
	}
	aead_key_free(x);
}

/* A changed bit anywhere, or other ad, fails and leaves nothing. */
static void
test_forged(void **state)
{
	uint8_t k[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN] = { 0 };
	uint8_t in[100], ct[100 + AEAD_TAG_LEN], out[100];
	struct aead_key *x = aead_key_new();
	size_t i;

	(void)state;
	randombytes_buf(k, sizeof k);
	memset(in, 'p', sizeof in);
	aead_key_expand(x, k);
	aead_seal(x, nonce, NULL, 0, in, sizeof in, ct);
	for (i = 0; i < sizeof ct; i++) {
		ct[i] ^= 0x80;
		memset(out, 0xaa, sizeof out);
		assert_int_equal(aead_open(x, nonce, NULL, 0, ct, sizeof ct,
				     out),
		    -1);
		assert_true(sodium_is_zero(out, sizeof out));
		ct[i] ^= 0x80;
	}
	assert_int_equal(aead_open(x, nonce, (const uint8_t *)"x", 1, ct,
			     sizeof ct, out),
	    -1);
	assert_int_equal(aead_open(x, nonce, NULL, 0, ct, AEAD_TAG_LEN - 1,
			     out),
	    -1);
	assert_int_equal(aead_open(x, nonce, NULL, 0, ct, sizeof ct, out), 0);
	assert_memory_equal(out, in, sizeof in);
	aead_key_free(x);
}

#define CIPHERS 5

/*
 * Five sending ciphers share a cache of two keys: each frame still opens
 * at its receiver (which keeps its own key), a key taken by another is
 * expanded again, and the holder whose key was taken is told (x NULL).
 */
static void
test_cache_eviction(void **state)
{
	struct noise_cipher tx[CIPHERS], rx[CIPHERS];
	struct aead_cache *c = aead_cache_new(2);
	uint8_t k[CIPHERS][AEAD_KEY_LEN], ct[64], pt[64];
	int i, round, held;

	(void)state;
	memset(tx, 0, sizeof tx);
	memset(rx, 0, sizeof rx);
	for (i = 0; i < CIPHERS; i++) {
		randombytes_buf(k[i], sizeof k[i]);
		noise_cipher_init(&tx[i], k[i]);
		noise_cipher_use_cache(&tx[i], c);
		noise_cipher_init(&rx[i], k[i]);
	}
	for (round = 0; round < 7; round++) {
		for (i = 0; i < CIPHERS; i++) {
			assert_int_equal(noise_cipher_encrypt(&tx[i], NULL, 0,
					     (const uint8_t *)"hello frame", 11,
					     ct),
			    0);
			assert_non_null(tx[i].x);
			assert_int_equal(noise_cipher_decrypt(&rx[i], NULL, 0,
					     ct, 11 + AEAD_TAG_LEN, pt),
			    0);
			assert_memory_equal(pt, "hello frame", 11);
			assert_true(aead_cache_count(c) <= 2);
		}
	}
	for (i = 0, held = 0; i < CIPHERS; i++)
		held += tx[i].x != NULL;
	assert_int_equal(held, 2);
	/* Wiping gives the key back. */
	for (i = 0; i < CIPHERS; i++) {
		noise_cipher_wipe(&tx[i]);
		noise_cipher_wipe(&rx[i]);
	}
	assert_int_equal(aead_cache_count(c), 0);
	aead_cache_free(c);
}

/* A sweep gives back what was not used since the last one, only that. */
static void
test_cache_sweep(void **state)
{
	struct noise_cipher a = { 0 }, b = { 0 };
	struct aead_cache *c = aead_cache_new(16);
	uint8_t k[AEAD_KEY_LEN], ct[32];

	(void)state;
	randombytes_buf(k, sizeof k);
	noise_cipher_init(&a, k);
	noise_cipher_init(&b, k);
	noise_cipher_use_cache(&a, c);
	noise_cipher_use_cache(&b, c);
	assert_int_equal(aead_cache_count(c), 0); /* expanded on use */
	assert_int_equal(noise_cipher_encrypt(&a, NULL, 0, k, 8, ct), 0);
	assert_int_equal(noise_cipher_encrypt(&b, NULL, 0, k, 8, ct), 0);
	assert_int_equal(aead_cache_count(c), 2);
	assert_int_equal(aead_cache_sweep(c), 0); /* both used */
	assert_int_equal(noise_cipher_encrypt(&a, NULL, 0, k, 8, ct), 0);
	assert_int_equal(aead_cache_sweep(c), 1); /* b idle */
	assert_null(b.x);
	assert_non_null(a.x);
	assert_int_equal(aead_cache_sweep(c), 1); /* now a */
	assert_null(a.x);
	assert_int_equal(aead_cache_count(c), 0);
	/* Still works: the key is expanded again, the nonce went on. */
	assert_int_equal(noise_cipher_encrypt(&b, NULL, 0, k, 8, ct), 0);
	assert_int_equal(b.n, 2);
	noise_cipher_wipe(&a);
	noise_cipher_wipe(&b);
	aead_cache_free(c);
}

/*
 * The stepwise sweep looks at no more keys than it is given, in order and
 * wrapping around: an idle key goes at the second look, a key used in
 * between stays, and a whole cache of idle keys goes a step at a time.
 */
static void
test_cache_sweep_step(void **state)
{
	struct noise_cipher cs[5];
	struct aead_cache *c = aead_cache_new(16);
	uint8_t k[AEAD_KEY_LEN], ct[32];
	size_t i, freed = 0;

	(void)state;
	randombytes_buf(k, sizeof k);
	memset(cs, 0, sizeof cs);
	for (i = 0; i < 5; i++) {
		noise_cipher_init(&cs[i], k);
		noise_cipher_use_cache(&cs[i], c);
		assert_int_equal(noise_cipher_encrypt(&cs[i], NULL, 0, k, 8,
				     ct),
		    0);
	}
	assert_int_equal(aead_cache_count(c), 5);
	assert_int_equal(aead_cache_sweep_step(c, 0), 0);
	/* The first look at each only marks it unused. */
	assert_int_equal(aead_cache_sweep_step(c, 3), 0);
	assert_int_equal(aead_cache_sweep_step(c, 2), 0);
	assert_int_equal(aead_cache_count(c), 5);
	/* cs[0] is used again; the next steps look at it first. */
	assert_int_equal(noise_cipher_encrypt(&cs[0], NULL, 0, k, 8, ct), 0);
	assert_int_equal(aead_cache_sweep_step(c, 1), 0);
	assert_non_null(cs[0].x);
	/* One step gives back at most one key. */
	assert_int_equal(aead_cache_sweep_step(c, 1), 1);
	assert_int_equal(aead_cache_count(c), 4);
	while (aead_cache_count(c) > 1)
		freed += aead_cache_sweep_step(c, 1);
	assert_int_equal(freed, 3);
	/* What is left is cs[0], the one used in between. */
	assert_non_null(cs[0].x);
	for (i = 1; i < 5; i++)
		assert_null(cs[i].x);
	/* Not used since its last look (which marked it): given back. */
	assert_int_equal(aead_cache_sweep_step(c, 1), 1);
	assert_int_equal(aead_cache_count(c), 0);
	assert_int_equal(aead_cache_sweep_step(c, 10), 0);
	for (i = 0; i < 5; i++)
		noise_cipher_wipe(&cs[i]);
	aead_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_libsodium),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_cache_eviction),
		cmocka_unit_test(test_cache_sweep),
		cmocka_unit_test(test_cache_sweep_step),
	};

	if (noise_global_init() != 0)
		return 1;
	print_message("AES-256-GCM by %s\n", aead_impl());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
