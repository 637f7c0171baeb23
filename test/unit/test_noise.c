/*
 * test_noise.c: the Noise engine against the official test vectors
 * (test/vectors/noise-25519-AESGCM-SHA256.json, cacophony and snow), and
 * its error paths: tampering, sizes, nonce exhaustion, bad keys, misuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "noise.h"
#include "testlib.h"

#define VECTORS SC_VECTORS_DIR "/noise-25519-AESGCM-SHA256.json"
#define XX	"Noise_XX_25519_AESGCM_SHA256"
#define BUF	4096

/* Reads a 32-byte hex key member of v into out; false when absent. */
static bool
key_member(json_t *v, const char *name, uint8_t out[32])
{
	json_t *m = json_object_get(v, name);

	if (m == NULL)
		return false;
	assert_int_equal(testlib_unhex(json_string_value(m), out, 32), 0);
	return true;
}

/* Sets up one side of a vector. */
static void
setup_side(struct noise_handshake *hs, json_t *v, bool initiator)
{
	const char *p = initiator ? "init_" : "resp_";
	char name[64];
	uint8_t key[32], rs[32], *prologue;
	struct sc_keypair s, e;
	bool has_s, has_rs;
	size_t plen, i;
	json_t *psks, *psk;

	snprintf(name, sizeof name, "%sstatic", p);
	if ((has_s = key_member(v, name, key)))
		keys_from_secret(&s, key);
	snprintf(name, sizeof name, "%sremote_static", p);
	has_rs = key_member(v, name, rs);
	snprintf(name, sizeof name, "%sprologue", p);
	prologue =
	    testlib_unhex_alloc(json_string_value(json_object_get(v, name)),
		&plen);
	assert_non_null(prologue);

	assert_int_equal(noise_handshake_init(hs,
			     json_string_value(
				 json_object_get(v, "protocol_name")),
			     initiator, prologue, plen, has_s ? &s : NULL,
			     has_rs ? rs : NULL),
	    0);
	free(prologue);

	snprintf(name, sizeof name, "%sephemeral", p);
	if (key_member(v, name, key)) {
		keys_from_secret(&e, key);
		noise_handshake_set_ephemeral(hs, &e);
	}
	snprintf(name, sizeof name, "%spsks", p);
	psks = json_object_get(v, name);
	json_array_foreach(psks, i, psk)
	{
		uint8_t b[32];

		assert_int_equal(testlib_unhex(json_string_value(psk), b,
				     sizeof b),
		    0);
		assert_int_equal(noise_handshake_add_psk(hs, b), 0);
	}
}

/* Runs one vector; every ciphertext and payload must match. */
static void
run_vector(json_t *v)
{
	struct noise_handshake init, resp;
	struct noise_cipher isend = { 0 }, irecv = { 0 }, rsend = { 0 },
			    rrecv = { 0 };
	struct noise_handshake *tx, *rx;
	struct noise_cipher *ctx, *crx;
	uint8_t out[BUF], back[BUF], *payload, *expect;
	size_t i, plen, elen, outlen, backlen;
	json_t *msgs, *m, *hh;
	bool one_way, split = false, from_init;
	const char *name =
	    json_string_value(json_object_get(v, "protocol_name"));

	setup_side(&init, v, true);
	setup_side(&resp, v, false);
	one_way = init.one_way;
	msgs = json_object_get(v, "messages");
	json_array_foreach(msgs, i, m)
	{
		from_init = one_way || i % 2 == 0;
		payload =
		    testlib_unhex_alloc(json_string_value(
					    json_object_get(m, "payload")),
			&plen);
		assert_non_null(payload);
		expect =
		    testlib_unhex_alloc(json_string_value(
					    json_object_get(m, "ciphertext")),
			&elen);
		assert_non_null(expect);
		if (!split) {
			tx = from_init ? &init : &resp;
			rx = from_init ? &resp : &init;
			assert_true(noise_handshake_write_turn(tx));
			assert_false(noise_handshake_write_turn(rx));
			assert_int_equal(noise_handshake_write(tx, payload,
					     plen, out, sizeof out, &outlen),
			    0);
			assert_int_equal(outlen, elen);
			if (memcmp(out, expect, elen) != 0)
				fail_msg("%s: handshake message %zu differs",
				    name, i);
			assert_int_equal(noise_handshake_read(rx, out, outlen,
					     back, sizeof back, &backlen),
			    0);
			assert_int_equal(backlen, plen);
			assert_memory_equal(back, payload, plen);
			if (noise_handshake_finished(&init)) {
				assert_true(noise_handshake_finished(&resp));
				assert_memory_equal(noise_handshake_hash(&init),
				    noise_handshake_hash(&resp), 32);
				hh = json_object_get(v, "handshake_hash");
				if (hh != NULL) {
					uint8_t *h = testlib_unhex_alloc(
					    json_string_value(hh), &elen);

					assert_non_null(h);
					assert_memory_equal(
					    noise_handshake_hash(&init), h, 32);
					free(h);
				}
				assert_int_equal(noise_handshake_split(&init,
						     &isend, &irecv),
				    0);
				assert_int_equal(noise_handshake_split(&resp,
						     &rsend, &rrecv),
				    0);
				split = true;
			}
		} else {
			ctx = from_init ? &isend : &rsend;
			crx = from_init ? &rrecv : &irecv;
			assert_int_equal(elen, plen + 16);
			assert_int_equal(noise_cipher_encrypt(ctx, NULL, 0,
					     payload, plen, out),
			    0);
			if (memcmp(out, expect, elen) != 0)
				fail_msg("%s: transport message %zu differs",
				    name, i);
			assert_int_equal(noise_cipher_decrypt(crx, NULL, 0, out,
					     elen, back),
			    0);
			assert_memory_equal(back, payload, plen);
		}
		free(payload);
		free(expect);
	}
	assert_true(split);
	noise_handshake_wipe(&init);
	noise_handshake_wipe(&resp);
	noise_cipher_wipe(&isend);
	noise_cipher_wipe(&irecv);
	noise_cipher_wipe(&rsend);
	noise_cipher_wipe(&rrecv);
}

/* Every vector in the shared file runs, and XX is among them. */
static void
test_vectors(void **state)
{
	json_error_t err;
	json_t *root, *vectors, *v;
	size_t i, ran = 0, xx = 0, psk = 0, oneway = 0;
	const char *name;

	(void)state;
	root = json_load_file(VECTORS, 0, &err);
	if (root == NULL)
		fail_msg("%s: %s", VECTORS, err.text);
	vectors = json_object_get(root, "vectors");
	assert_true(json_array_size(vectors) >= 110);
	json_array_foreach(vectors, i, v)
	{
		name = json_string_value(json_object_get(v, "protocol_name"));
		run_vector(v);
		ran++;
		if (strcmp(name, XX) == 0)
			xx++;
		if (strstr(name, "psk") != NULL)
			psk++;
		if (name[7] == '_')
			oneway++;
	}
	print_message("ran %zu Noise vectors (%zu XX, %zu psk, %zu one-way)\n",
	    ran, xx, psk, oneway);
	assert_int_equal(ran, json_array_size(vectors));
	assert_true(xx >= 2);
	json_decref(root);
}

/* Runs an XX handshake between two fresh parties; returns both. */
static void
xx_pair(struct noise_handshake *i, struct noise_handshake *r)
{
	struct sc_keypair is, rs;
	uint8_t m[BUF], p[BUF];
	size_t mlen, plen;

	keys_generate(&is);
	keys_generate(&rs);
	assert_int_equal(noise_handshake_init(i, XX, true, (const uint8_t *)"p",
			     1, &is, NULL),
	    0);
	assert_int_equal(noise_handshake_init(r, XX, false,
			     (const uint8_t *)"p", 1, &rs, NULL),
	    0);
	assert_int_equal(noise_handshake_write(i, NULL, 0, m, sizeof m, &mlen),
	    0);
	assert_int_equal(mlen, 32);
	assert_int_equal(noise_handshake_read(r, m, mlen, p, sizeof p, &plen),
	    0);
	assert_int_equal(noise_handshake_write(r, (const uint8_t *)"hi", 2, m,
			     sizeof m, &mlen),
	    0);
	assert_int_equal(mlen, 32 + 48 + 2 + 16);
	assert_int_equal(noise_handshake_read(i, m, mlen, p, sizeof p, &plen),
	    0);
	assert_memory_equal(noise_handshake_remote_static(i), rs.public, 32);
	assert_int_equal(noise_handshake_write(i, NULL, 0, m, sizeof m, &mlen),
	    0);
	assert_int_equal(mlen, 48 + 16);
	assert_int_equal(noise_handshake_read(r, m, mlen, p, sizeof p, &plen),
	    0);
	assert_memory_equal(noise_handshake_remote_static(r), is.public, 32);
	assert_true(noise_handshake_finished(i));
	assert_true(noise_handshake_finished(r));
}

/* A flipped bit in any byte of msg2 fails the initiator's read. */
static void
test_tampered_msg2(void **state)
{
	struct sc_keypair is, rs;
	struct noise_handshake i, r;
	uint8_t m[BUF], p[BUF], bad[BUF];
	size_t mlen, plen, k;
	int rc;

	(void)state;
	keys_generate(&is);
	keys_generate(&rs);
	assert_int_equal(noise_handshake_init(&r, XX, false, NULL, 0, &rs,
			     NULL),
	    0);
	assert_int_equal(noise_handshake_init(&i, XX, true, NULL, 0, &is, NULL),
	    0);
	assert_int_equal(noise_handshake_write(&i, NULL, 0, m, sizeof m, &mlen),
	    0);
	assert_int_equal(noise_handshake_read(&r, m, mlen, p, sizeof p, &plen),
	    0);
	assert_int_equal(noise_handshake_write(&r, (const uint8_t *)"{}", 2, m,
			     sizeof m, &mlen),
	    0);
	for (k = 0; k < mlen; k++) {
		struct noise_handshake copy = i;

		memcpy(bad, m, mlen);
		bad[k] ^= 0x01;
		rc = noise_handshake_read(&copy, bad, mlen, p, sizeof p, &plen);
		/* A changed e may hit a low-order point; all else is AEAD. */
		assert_true(rc == SC_ERR_DECRYPT || rc == SC_ERR_DH);
		assert_false(noise_handshake_finished(&copy));
		/* Poisoned: the next call is refused. */
		assert_int_equal(noise_handshake_write(&copy, NULL, 0, m,
				     sizeof m, &plen),
		    SC_ERR_INVALID);
		noise_handshake_wipe(&copy);
	}
	/* The untouched message still reads. */
	assert_int_equal(noise_handshake_read(&i, m, mlen, p, sizeof p, &plen),
	    0);
	assert_int_equal(plen, 2);
	noise_handshake_wipe(&i);
	noise_handshake_wipe(&r);
}

/* Truncated and short handshake messages are refused. */
static void
test_short_messages(void **state)
{
	struct noise_handshake r;
	uint8_t m[64] = { 9 }, p[64];
	size_t plen, len;
	struct sc_keypair rs;

	(void)state;
	keys_generate(&rs);
	for (len = 0; len < 32; len++) {
		assert_int_equal(noise_handshake_init(&r, XX, false, NULL, 0,
				     &rs, NULL),
		    0);
		assert_int_equal(noise_handshake_read(&r, m, len, p, sizeof p,
				     &plen),
		    SC_ERR_HANDSHAKE);
	}
	/* Payload larger than the caller's buffer. */
	assert_int_equal(noise_handshake_init(&r, XX, false, NULL, 0, &rs,
			     NULL),
	    0);
	assert_int_equal(noise_handshake_read(&r, m, 40, p, 7, &plen),
	    SC_ERR_TOO_LONG);
}

/* An all-zero (low-order) ephemeral key is refused. */
static void
test_low_order_key(void **state)
{
	struct noise_handshake i, r;
	struct sc_keypair is, rs;
	uint8_t m[BUF], p[BUF];
	size_t mlen, plen;

	(void)state;
	keys_generate(&is);
	keys_generate(&rs);
	assert_int_equal(noise_handshake_init(&i, XX, true, NULL, 0, &is, NULL),
	    0);
	assert_int_equal(noise_handshake_init(&r, XX, false, NULL, 0, &rs,
			     NULL),
	    0);
	memset(m, 0, 32);
	assert_int_equal(noise_handshake_read(&r, m, 32, p, sizeof p, &plen),
	    0);
	/* The responder's ee with a zero point fails. */
	assert_int_equal(noise_handshake_write(&r, NULL, 0, m, sizeof m, &mlen),
	    SC_ERR_DH);
	noise_handshake_wipe(&i);
}

/* A wrong prologue on one side fails the handshake at msg2. */
static void
test_prologue_mismatch(void **state)
{
	struct noise_handshake i, r;
	struct sc_keypair is, rs;
	uint8_t m[BUF], p[BUF];
	size_t mlen, plen;

	(void)state;
	keys_generate(&is);
	keys_generate(&rs);
	assert_int_equal(noise_handshake_init(&i, XX, true,
			     (const uint8_t *)"securechat/1", 12, &is, NULL),
	    0);
	assert_int_equal(noise_handshake_init(&r, XX, false,
			     (const uint8_t *)"securechat/2", 12, &rs, NULL),
	    0);
	assert_int_equal(noise_handshake_write(&i, NULL, 0, m, sizeof m, &mlen),
	    0);
	assert_int_equal(noise_handshake_read(&r, m, mlen, p, sizeof p, &plen),
	    0);
	assert_int_equal(noise_handshake_write(&r, NULL, 0, m, sizeof m, &mlen),
	    0);
	assert_int_equal(noise_handshake_read(&i, m, mlen, p, sizeof p, &plen),
	    SC_ERR_DECRYPT);
	noise_handshake_wipe(&r);
}

/* Transport: order, replay, tamper, nonce exhaustion. */
static void
test_transport(void **state)
{
	struct noise_handshake i, r;
	struct noise_cipher is, ir, rs, rr;
	uint8_t c1[64], c2[64], p[64];

	(void)state;
	xx_pair(&i, &r);
	assert_int_equal(noise_handshake_split(&i, &is, &ir), 0);
	assert_int_equal(noise_handshake_split(&r, &rs, &rr), 0);
	assert_int_equal(noise_cipher_encrypt(&is, NULL, 0,
			     (const uint8_t *)"one", 3, c1),
	    0);
	assert_int_equal(noise_cipher_encrypt(&is, NULL, 0,
			     (const uint8_t *)"two", 3, c2),
	    0);
	/* Reordered: the second first fails, and does not advance n. */
	assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, c2, 19, p),
	    SC_ERR_DECRYPT);
	assert_int_equal(rr.n, 0);
	assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, c1, 19, p), 0);
	assert_memory_equal(p, "one", 3);
	/* Replayed. */
	assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, c1, 19, p),
	    SC_ERR_DECRYPT);
	/* Tampered tag. */
	c2[18] ^= 0x80;
	assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, c2, 19, p),
	    SC_ERR_DECRYPT);
	c2[18] ^= 0x80;
	assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, c2, 19, p), 0);
	/* Too short to hold a tag. */
	assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, c2, 15, p),
	    SC_ERR_INVALID);
	/* The other direction uses the other key. */
	assert_int_equal(noise_cipher_encrypt(&rs, NULL, 0,
			     (const uint8_t *)"back", 4, c1),
	    0);
	assert_int_equal(noise_cipher_decrypt(&ir, NULL, 0, c1, 20, p), 0);
	assert_memory_equal(p, "back", 4);

	/* Nonce exhaustion: 2^64-2 is the last usable nonce. */
	is.n = UINT64_MAX - 1;
	assert_int_equal(noise_cipher_encrypt(&is, NULL, 0,
			     (const uint8_t *)"x", 1, c1),
	    0);
	assert_int_equal(is.n, UINT64_MAX);
	assert_int_equal(noise_cipher_encrypt(&is, NULL, 0,
			     (const uint8_t *)"x", 1, c1),
	    SC_ERR_NONCE);
	rr.n = UINT64_MAX;
	assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, c1, 17, p),
	    SC_ERR_NONCE);
	noise_cipher_wipe(&is);
	assert_false(is.has_key);
	noise_cipher_wipe(&ir);
	noise_cipher_wipe(&rs);
	noise_cipher_wipe(&rr);
	noise_handshake_wipe(&i);
	noise_handshake_wipe(&r);
}

/*
 * One XX handshake of an initiator sharing ru (struct noise_reuse) with a
 * responder whose static key is srv. Returns the initiator's read of
 * msg2 (0, or the error); on success checks the transport both ways.
 * *e_sent: the ephemeral key msg1 carried.
 */
static int
reuse_handshake(struct noise_reuse *ru, const struct sc_keypair *srv,
    uint8_t e_sent[32])
{
	struct noise_handshake i, r;
	struct noise_cipher is, ir, rs, rr;
	struct sc_keypair cli;
	uint8_t m[BUF], p[BUF];
	size_t mlen, plen;
	int rc;

	keys_generate(&cli);
	assert_int_equal(noise_handshake_init(&i, XX, true,
			     (const uint8_t *)"p", 1, &cli, NULL),
	    0);
	assert_int_equal(noise_handshake_init(&r, XX, false,
			     (const uint8_t *)"p", 1, srv, NULL),
	    0);
	noise_handshake_reuse(&i, ru);
	noise_handshake_reuse(&r, ru); /* a responder ignores it */
	assert_int_equal(noise_handshake_write(&i, NULL, 0, m, sizeof m, &mlen),
	    0);
	memcpy(e_sent, m, 32);
	assert_int_equal(noise_handshake_read(&r, m, mlen, p, sizeof p, &plen),
	    0);
	assert_int_equal(noise_handshake_write(&r, (const uint8_t *)"hi", 2, m,
			     sizeof m, &mlen),
	    0);
	/* The responder's ephemeral is its own, fresh. */
	assert_memory_not_equal(m, ru->e.public, 32);
	rc = noise_handshake_read(&i, m, mlen, p, sizeof p, &plen);
	if (rc == 0) {
		assert_int_equal(noise_handshake_write(&i, NULL, 0, m, sizeof m,
				     &mlen),
		    0);
		assert_int_equal(noise_handshake_read(&r, m, mlen, p, sizeof p,
				     &plen),
		    0);
		assert_int_equal(noise_handshake_split(&i, &is, &ir), 0);
		assert_int_equal(noise_handshake_split(&r, &rs, &rr), 0);
		assert_int_equal(noise_cipher_encrypt(&is, NULL, 0,
				     (const uint8_t *)"up", 2, m),
		    0);
		assert_int_equal(noise_cipher_decrypt(&rr, NULL, 0, m, 18, p),
		    0);
		assert_memory_equal(p, "up", 2);
		assert_int_equal(noise_cipher_encrypt(&rs, NULL, 0,
				     (const uint8_t *)"dn", 2, m),
		    0);
		assert_int_equal(noise_cipher_decrypt(&ir, NULL, 0, m, 18, p),
		    0);
		assert_memory_equal(p, "dn", 2);
		noise_cipher_wipe(&is);
		noise_cipher_wipe(&ir);
		noise_cipher_wipe(&rs);
		noise_cipher_wipe(&rr);
	}
	noise_handshake_wipe(&i);
	noise_handshake_wipe(&r);
	keys_wipe(&cli);
	return rc;
}

/*
 * The load generator's shortcut (struct noise_reuse): every initiator
 * handshake sends the shared ephemeral; es with a responder's static is
 * computed once and then taken from the memo (a corrupted memo breaks
 * the next handshake, so it is really used); another responder key
 * computes it again; handshakes complete with working transports.
 */
static void
test_reuse(void **state)
{
	struct sc_keypair srv1, srv2;
	struct noise_reuse ru;
	uint8_t e1[32], e2[32], dh[32], zero[sizeof ru];

	(void)state;
	memset(&ru, 0, sizeof ru);
	keys_generate(&ru.e);
	keys_generate(&srv1);
	keys_generate(&srv2);

	assert_int_equal(reuse_handshake(&ru, &srv1, e1), 0);
	assert_memory_equal(e1, ru.e.public, 32);
	assert_true(ru.has_es);
	assert_memory_equal(ru.rs, srv1.public, 32);
	assert_int_equal(crypto_scalarmult(dh, ru.e.secret, srv1.public), 0);
	assert_memory_equal(ru.es, dh, 32);

	assert_int_equal(reuse_handshake(&ru, &srv1, e2), 0);
	assert_memory_equal(e2, e1, 32);

	/* The memo is what the second handshake used. */
	ru.es[0] ^= 0x01;
	assert_int_equal(reuse_handshake(&ru, &srv1, e2), SC_ERR_DECRYPT);
	ru.es[0] ^= 0x01;

	/* Another responder: es computed again, for its key. */
	assert_int_equal(reuse_handshake(&ru, &srv2, e2), 0);
	assert_memory_equal(ru.rs, srv2.public, 32);
	assert_int_equal(crypto_scalarmult(dh, ru.e.secret, srv2.public), 0);
	assert_memory_equal(ru.es, dh, 32);
	assert_int_equal(reuse_handshake(&ru, &srv1, e2), 0);

	noise_reuse_wipe(&ru);
	memset(zero, 0, sizeof zero);
	assert_memory_equal(&ru, zero, sizeof ru);
	sodium_memzero(dh, sizeof dh);
	keys_wipe(&srv1);
	keys_wipe(&srv2);
}

/* The nonce is big-endian: n = 1 differs from n = 2^56 (little-endian). */
static void
test_nonce_endianness(void **state)
{
	struct noise_cipher a = { 0 }, b = { 0 };
	uint8_t key[32], ca[32], cb[32], nonce[12] = { 0 };
	unsigned long long clen;

	(void)state;
	memset(key, 7, sizeof key);
	noise_cipher_init(&a, key);
	a.n = 1;
	assert_int_equal(noise_cipher_encrypt(&a, NULL, 0,
			     (const uint8_t *)"abc", 3, ca),
	    0);
	/* The same with libsodium and an explicit big-endian nonce. */
	nonce[11] = 1;
	crypto_aead_aes256gcm_encrypt(cb, &clen, (const uint8_t *)"abc", 3,
	    NULL, 0, NULL, nonce, key);
	assert_int_equal(clen, 19);
	assert_memory_equal(ca, cb, 19);
	noise_cipher_init(&b, key);
	b.n = 1ULL << 56;
	assert_int_equal(noise_cipher_encrypt(&b, NULL, 0,
			     (const uint8_t *)"abc", 3, cb),
	    0);
	assert_memory_not_equal(ca, cb, 19);
	noise_cipher_wipe(&a);
	noise_cipher_wipe(&b);
}

/* Misuse: unknown names, missing keys, wrong turn, split too early. */
static void
test_misuse(void **state)
{
	static const char *bad[] = {
		"Noise_XX_25519_ChaChaPoly_SHA256",
		"Noise_XX_448_AESGCM_SHA256",
		"Noise_XX_25519_AESGCM_BLAKE2s",
		"Noise_ZZ_25519_AESGCM_SHA256",
		"Noise__25519_AESGCM_SHA256",
		"Noise_XXpsk_25519_AESGCM_SHA256",
		"Noise_XXpsk9_25519_AESGCM_SHA256",
		"Noise_XXpsk0+_25519_AESGCM_SHA256",
		"Noise_XXfallback_25519_AESGCM_SHA256",
		"Noise_XX_25519_AESGCM_SHA2566",
		"XX_25519_AESGCM_SHA256",
		"",
	};
	struct noise_handshake hs;
	struct noise_cipher a, b;
	struct sc_keypair s;
	uint8_t m[BUF];
	size_t i, len;

	(void)state;
	keys_generate(&s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(noise_handshake_init(&hs, bad[i], true, NULL,
				     0, &s, NULL),
		    SC_ERR_UNSUPPORTED);
	/* NK needs the responder's key up front. */
	assert_int_equal(noise_handshake_init(&hs,
			     "Noise_NK_25519_AESGCM_SHA256", true, NULL, 0,
			     NULL, NULL),
	    SC_ERR_INVALID);
	/* XX without a static key fails at the s token. */
	assert_int_equal(noise_handshake_init(&hs, XX, false, NULL, 0, NULL,
			     NULL),
	    0);
	assert_false(noise_handshake_write_turn(&hs));
	assert_int_equal(noise_handshake_write(&hs, NULL, 0, m, sizeof m, &len),
	    SC_ERR_INVALID);
	assert_int_equal(noise_handshake_split(&hs, &a, &b), SC_ERR_INVALID);
	/* A buffer too small for msg1 fails cleanly. */
	assert_int_equal(noise_handshake_init(&hs, XX, true, NULL, 0, &s, NULL),
	    0);
	assert_int_equal(noise_handshake_write(&hs, NULL, 0, m, 31, &len),
	    SC_ERR_TOO_LONG);
	assert_int_equal(len, 0);
	/* A psk pattern without its psk. */
	assert_int_equal(noise_handshake_init(&hs,
			     "Noise_NNpsk0_25519_AESGCM_SHA256", true, NULL, 0,
			     NULL, NULL),
	    0);
	assert_int_equal(noise_handshake_write(&hs, NULL, 0, m, sizeof m, &len),
	    SC_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_tampered_msg2),
		cmocka_unit_test(test_short_messages),
		cmocka_unit_test(test_low_order_key),
		cmocka_unit_test(test_prologue_mismatch),
		cmocka_unit_test(test_transport),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_nonce_endianness),
		cmocka_unit_test(test_misuse),
	};

	if (noise_global_init() != 0) {
		fprintf(stderr,
		    "test_noise: libsodium or AES-GCM unavailable\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
