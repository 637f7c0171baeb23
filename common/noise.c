/*
 * noise.c: the Noise Protocol Framework, revision 34, for
 * Noise_*_25519_AESGCM_SHA256, on libsodium.
 *
 * SecureChat uses the XX pattern, the client as initiator:
 *
 *	XX:
 *	  -> e
 *	  <- e, ee, s, es
 *	  -> s, se
 *
 * The handshake engine reads the pattern's tokens one by one, so every
 * pattern of the spec (fundamental, one-way, deferred, with psk modifiers)
 * runs through the same code: see the pattern table below and the
 * write_token()/read_token() switch, one case per token as spec section 5.3
 * describes it.
 *
 * Primitives: X25519 is crypto_scalarmult (an all-zero result is refused),
 * AESGCM is aead.c's AES-256-GCM (intel-ipsec-mb or libsodium) with the
 * key expanded on first use and kept, and the nonce of spec section 12.3:
 * 32 bits of zeros then the 64-bit counter big-endian. HASH is SHA-256 and
 * HKDF is built from HMAC-SHA256 as section 4.3 defines it.
 */
#include <string.h>

#include "noise.h"

/* Tokens; 0 ends a message. */
enum {
	TOK_END = 0,
	TOK_E,
	TOK_S,
	TOK_EE,
	TOK_ES,
	TOK_SE,
	TOK_SS,
	TOK_PSK,
};

#define PROTOCOL_SUFFIX "_25519_AESGCM_SHA256"

/*
 * The handshake patterns of spec sections 7.4, 7.5 and 18.2. pre_i and
 * pre_r say whether the initiator's or the responder's static key is a
 * pre-message ("-> s", "<- s"); msgs alternate initiator, responder, ...
 * except in the one-way patterns, which have a single message.
 */
struct pattern {
	const char *name;
	bool pre_i, pre_r;
	const char *msgs[NOISE_MAX_MESSAGES];
};

static const struct pattern patterns[] = {
	/* One-way (7.4). */
	{ "N", false, true, { "e, es" } },
	{ "K", true, true, { "e, es, ss" } },
	{ "X", false, true, { "e, es, s, ss" } },
	/* Interactive (7.5). */
	{ "NN", false, false, { "e", "e, ee" } },
	{ "NK", false, true, { "e, es", "e, ee" } },
	{ "NX", false, false, { "e", "e, ee, s, es" } },
	{ "XN", false, false, { "e", "e, ee", "s, se" } },
	{ "XK", false, true, { "e, es", "e, ee", "s, se" } },
	{ "XX", false, false, { "e", "e, ee, s, es", "s, se" } },
	{ "KN", true, false, { "e", "e, ee, se" } },
	{ "KK", true, true, { "e, es, ss", "e, ee, se" } },
	{ "KX", true, false, { "e", "e, ee, se, s, es" } },
	{ "IN", false, false, { "e, s", "e, ee, se" } },
	{ "IK", false, true, { "e, es, s, ss", "e, ee, se" } },
	{ "IX", false, false, { "e, s", "e, ee, se, s, es" } },
	/* Deferred (18.2). */
	{ "NK1", false, true, { "e", "e, ee, es" } },
	{ "NX1", false, false, { "e", "e, ee, s", "es" } },
	{ "X1N", false, false, { "e", "e, ee", "s", "se" } },
	{ "X1K", false, true, { "e, es", "e, ee", "s", "se" } },
	{ "XK1", false, true, { "e", "e, ee, es", "s, se" } },
	{ "X1K1", false, true, { "e", "e, ee, es", "s", "se" } },
	{ "X1X", false, false, { "e", "e, ee, s, es", "s", "se" } },
	{ "XX1", false, false, { "e", "e, ee, s", "es, s, se" } },
	{ "X1X1", false, false, { "e", "e, ee, s", "es, s", "se" } },
	{ "K1N", true, false, { "e", "e, ee", "se" } },
	{ "K1K", true, true, { "e, es", "e, ee", "se" } },
	{ "KK1", true, true, { "e", "e, ee, se, es" } },
	{ "K1K1", true, true, { "e", "e, ee, es", "se" } },
	{ "K1X", true, false, { "e", "e, ee, s, es", "se" } },
	{ "KX1", true, false, { "e", "e, ee, se, s", "es" } },
	{ "K1X1", true, false, { "e", "e, ee, s", "se, es" } },
	{ "I1N", false, false, { "e, s", "e, ee", "se" } },
	{ "I1K", false, true, { "e, es, s", "e, ee", "se" } },
	{ "IK1", false, true, { "e, s", "e, ee, se, es" } },
	{ "I1K1", false, true, { "e, s", "e, ee, es", "se" } },
	{ "I1X", false, false, { "e, s", "e, ee, s, es", "se" } },
	{ "IX1", false, false, { "e, s", "e, ee, se, s", "es" } },
	{ "I1X1", false, false, { "e, s", "e, ee, s", "se, es" } },
};

static bool noise_ready;

/* Starts libsodium and checks for AES-GCM support. */
int
noise_global_init(void)
{
	if (noise_ready)
		return 0;
	if (sodium_init() < 0)
		return SC_ERR_INVALID;
	if (aead_global_init() != 0)
		return SC_ERR_NO_AESNI;
	noise_ready = true;
	return 0;
}

/* ---- CipherState (spec 5.1) ------------------------------------------- */

/* Builds the AESGCM nonce: 4 zero bytes, then n big-endian. */
static void
make_nonce(uint8_t nonce[AEAD_NONCE_LEN], uint64_t n)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (56 - 8 * i));
}

/* InitializeKey(k): n = 0; k is expanded on first use. */
void
noise_cipher_init(struct noise_cipher *cs, const uint8_t *k)
{
	if (cs->cache != NULL)
		aead_cache_put(cs->cache, &cs->x);
	memcpy(cs->k, k, sizeof cs->k);
	cs->expanded = false;
	cs->n = 0;
	cs->has_key = true;
}

/* The expanded key, made now if need be. */
static const struct aead_key *
expanded_key(struct noise_cipher *cs)
{
	if (cs->cache != NULL)
		return aead_cache_get(cs->cache, &cs->x, cs->k);
	if (!cs->expanded) {
		if (cs->x == NULL)
			cs->x = aead_key_new();
		aead_key_expand(cs->x, cs->k);
		cs->expanded = true;
	}
	return cs->x;
}

/* Moves cs's expansion to cache. */
void
noise_cipher_use_cache(struct noise_cipher *cs, struct aead_cache *cache)
{
	if (cs->cache == NULL) {
		aead_key_free(cs->x);
		cs->x = NULL;
		cs->expanded = false;
	} else
		aead_cache_put(cs->cache, &cs->x);
	cs->cache = cache;
}

/*
 * EncryptWithAd (encrypt) or DecryptWithAd: without a key the input is
 * copied through; n = 2^64-1 is reserved (spec 5.1): SC_ERR_NONCE. A
 * ciphertext shorter than its tag is SC_ERR_INVALID, a forged one
 * SC_ERR_DECRYPT, and n advances only on success.
 */
static int
cipher_apply(struct noise_cipher *cs, bool encrypt, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[AEAD_NONCE_LEN];

	if (!cs->has_key) {
		if (len != 0)
			memmove(out, in, len);
		return 0;
	}
	if (!encrypt && len < SC_NOISE_TAG_LEN)
		return SC_ERR_INVALID;
	if (cs->n == UINT64_MAX)
		return SC_ERR_NONCE;
	make_nonce(nonce, cs->n);
	if (encrypt)
		aead_seal(expanded_key(cs), nonce, ad, adlen, in, len, out);
	else if (aead_open(expanded_key(cs), nonce, ad, adlen, in, len, out) !=
	    0)
		return SC_ERR_DECRYPT;
	cs->n++;
	return 0;
}

/* EncryptWithAd(ad, plaintext). */
int
noise_cipher_encrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
    const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	return cipher_apply(cs, true, ad, adlen, pt, ptlen, out);
}

/* DecryptWithAd(ad, ciphertext); n advances only on success. */
int
noise_cipher_decrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	return cipher_apply(cs, false, ad, adlen, ct, ctlen, out);
}

/* Wipes a CipherState and gives its expanded key back. */
void
noise_cipher_wipe(struct noise_cipher *cs)
{
	if (cs->cache != NULL)
		aead_cache_put(cs->cache, &cs->x);
	else
		aead_key_free(cs->x);
	sodium_memzero(cs, sizeof *cs);
}

/* ---- SymmetricState (spec 5.2) ---------------------------------------- */

/* HMAC-SHA256(key, data1 || data2). */
static void
hmac(uint8_t out[SC_NOISE_HASH_LEN], const uint8_t *key, size_t keylen,
    const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, d1, l1);
	if (l2 != 0)
		crypto_auth_hmacsha256_update(&st, d2, l2);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

/* HKDF(chaining_key, input_key_material, num_outputs) of spec 4.3. */
static void
hkdf(const uint8_t ck[SC_NOISE_HASH_LEN], const uint8_t *ikm, size_t ikmlen,
    uint8_t *out1, uint8_t *out2, uint8_t *out3)
{
	uint8_t temp_key[SC_NOISE_HASH_LEN];
	uint8_t one = 0x01, two = 0x02, three = 0x03;

	hmac(temp_key, ck, SC_NOISE_HASH_LEN, ikm, ikmlen, NULL, 0);
	hmac(out1, temp_key, sizeof temp_key, &one, 1, NULL, 0);
	hmac(out2, temp_key, sizeof temp_key, out1, SC_NOISE_HASH_LEN, &two, 1);
	if (out3 != NULL)
		hmac(out3, temp_key, sizeof temp_key, out2, SC_NOISE_HASH_LEN,
		    &three, 1);
	sodium_memzero(temp_key, sizeof temp_key);
}

/* InitializeSymmetric(protocol_name). */
static void
initialize_symmetric(struct noise_symmetric *sym, const char *name)
{
	size_t len = strlen(name);

	if (len <= SC_NOISE_HASH_LEN) {
		memset(sym->h, 0, sizeof sym->h);
		memcpy(sym->h, name, len);
	} else
		crypto_hash_sha256(sym->h, (const uint8_t *)name, len);
	memcpy(sym->ck, sym->h, sizeof sym->ck);
	sym->cs.has_key = false;
	sym->cs.n = 0;
}

/* MixKey(input_key_material). */
static void
mix_key(struct noise_symmetric *sym, const uint8_t *ikm, size_t len)
{
	uint8_t temp_k[SC_NOISE_HASH_LEN];

	hkdf(sym->ck, ikm, len, sym->ck, temp_k, NULL);
	noise_cipher_init(&sym->cs, temp_k);
	sodium_memzero(temp_k, sizeof temp_k);
}

/* MixHash(data). */
static void
mix_hash(struct noise_symmetric *sym, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, sym->h, sizeof sym->h);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, sym->h);
}

/* MixKeyAndHash(input_key_material), for psk tokens. */
static void
mix_key_and_hash(struct noise_symmetric *sym, const uint8_t *ikm, size_t len)
{
	uint8_t temp_h[SC_NOISE_HASH_LEN], temp_k[SC_NOISE_HASH_LEN];

	hkdf(sym->ck, ikm, len, sym->ck, temp_h, temp_k);
	mix_hash(sym, temp_h, sizeof temp_h);
	noise_cipher_init(&sym->cs, temp_k);
	sodium_memzero(temp_h, sizeof temp_h);
	sodium_memzero(temp_k, sizeof temp_k);
}

/* EncryptAndHash(plaintext): out gets len (+16 once keyed) bytes. */
static int
encrypt_and_hash(struct noise_symmetric *sym, const uint8_t *pt, size_t len,
    uint8_t *out, size_t *outlen)
{
	int rc;

	*outlen = len + (sym->cs.has_key ? SC_NOISE_TAG_LEN : 0);
	rc =
	    noise_cipher_encrypt(&sym->cs, sym->h, sizeof sym->h, pt, len, out);
	if (rc != 0)
		return rc;
	mix_hash(sym, out, *outlen);
	return 0;
}

/* DecryptAndHash(ciphertext): out gets len (-16 once keyed) bytes. */
static int
decrypt_and_hash(struct noise_symmetric *sym, const uint8_t *ct, size_t len,
    uint8_t *out)
{
	int rc;

	rc =
	    noise_cipher_decrypt(&sym->cs, sym->h, sizeof sym->h, ct, len, out);
	if (rc != 0)
		return rc;
	mix_hash(sym, ct, len);
	return 0;
}

/* ---- HandshakeState (spec 5.3) ---------------------------------------- */

/* Looks up a pattern with optional psk modifiers: "XXpsk0+psk2". */
static int
load_pattern(struct noise_handshake *hs, const char *protocol_name)
{
	const struct pattern *p = NULL;
	const char *name, *mods, *t;
	char base[8];
	size_t i, len, baselen;
	unsigned m, n, psk;
	uint8_t *msg;

	/* "Noise_" pattern "_25519_AESGCM_SHA256" */
	len = strlen(protocol_name);
	if (strncmp(protocol_name, "Noise_", 6) != 0 ||
	    len < 6 + strlen(PROTOCOL_SUFFIX) + 1 ||
	    strcmp(protocol_name + len - strlen(PROTOCOL_SUFFIX),
		PROTOCOL_SUFFIX) != 0)
		return SC_ERR_UNSUPPORTED;
	name = protocol_name + 6;
	len -= 6 + strlen(PROTOCOL_SUFFIX);

	/* The base pattern is the leading run of [A-Z0-9]. */
	for (baselen = 0; baselen < len; baselen++) {
		if (name[baselen] == 'p')
			break;
	}
	if (baselen == 0 || baselen >= sizeof base)
		return SC_ERR_UNSUPPORTED;
	memcpy(base, name, baselen);
	base[baselen] = '\0';
	for (i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		if (strcmp(patterns[i].name, base) == 0) {
			p = &patterns[i];
			break;
		}
	}
	if (p == NULL)
		return SC_ERR_UNSUPPORTED;

	/* Parse "e, ee, s" strings into token lists. */
	memset(hs->tokens, 0, sizeof hs->tokens);
	for (m = 0; m < NOISE_MAX_MESSAGES && p->msgs[m] != NULL; m++) {
		n = 0;
		for (t = p->msgs[m]; *t != '\0';) {
			if (strncmp(t, "ee", 2) == 0)
				hs->tokens[m][n++] = TOK_EE, t += 2;
			else if (strncmp(t, "es", 2) == 0)
				hs->tokens[m][n++] = TOK_ES, t += 2;
			else if (strncmp(t, "se", 2) == 0)
				hs->tokens[m][n++] = TOK_SE, t += 2;
			else if (strncmp(t, "ss", 2) == 0)
				hs->tokens[m][n++] = TOK_SS, t += 2;
			else if (*t == 'e')
				hs->tokens[m][n++] = TOK_E, t++;
			else if (*t == 's')
				hs->tokens[m][n++] = TOK_S, t++;
			else
				t++; /* ", " */
		}
	}
	hs->n_msgs = m;
	hs->one_way = (m == 1 && strlen(p->name) == 1);

	/* Modifiers: "psk0+psk2"; psk0 opens message 1, pskN ends message N. */
	mods = name + baselen;
	len -= baselen;
	hs->psk_mode = false;
	while (len > 0) {
		if (len < 4 || strncmp(mods, "psk", 3) != 0 || mods[3] < '0' ||
		    mods[3] > '9')
			return SC_ERR_UNSUPPORTED;
		psk = (unsigned)(mods[3] - '0');
		mods += 4;
		len -= 4;
		if (len > 0) {
			if (*mods != '+' || len == 1)
				return SC_ERR_UNSUPPORTED;
			mods++;
			len--;
		}
		if (psk > hs->n_msgs)
			return SC_ERR_UNSUPPORTED;
		msg = hs->tokens[psk == 0 ? 0 : psk - 1];
		n = (unsigned)strlen((const char *)msg);
		if (n >= NOISE_MAX_TOKENS)
			return SC_ERR_UNSUPPORTED;
		if (psk == 0) {
			memmove(msg + 1, msg, n);
			msg[0] = TOK_PSK;
		} else
			msg[n] = TOK_PSK;
		hs->psk_mode = true;
	}
	hs->pre_i_static = p->pre_i;
	hs->pre_r_static = p->pre_r;
	return 0;
}

/* Initialize(): the pattern, the prologue and the pre-messages. */
int
noise_handshake_init(struct noise_handshake *hs, const char *protocol_name,
    bool initiator, const uint8_t *prologue, size_t prologue_len,
    const struct sc_keypair *s, const uint8_t *rs)
{
	int rc;

	memset(hs, 0, sizeof *hs);
	hs->initiator = initiator;
	if ((rc = load_pattern(hs, protocol_name)) != 0)
		goto out;
	if (s != NULL) {
		hs->s = *s;
		hs->has_s = true;
	}
	if (rs != NULL) {
		memcpy(hs->rs, rs, sizeof hs->rs);
		hs->has_rs = true;
	}

	initialize_symmetric(&hs->sym, protocol_name);
	mix_hash(&hs->sym, prologue, prologue_len);

	/* Pre-messages: the initiator's first, then the responder's. */
	rc = SC_ERR_INVALID;
	if (hs->pre_i_static) {
		if (initiator ? !hs->has_s : !hs->has_rs)
			goto out;
		mix_hash(&hs->sym, initiator ? hs->s.public : hs->rs,
		    SC_NOISE_KEY_LEN);
	}
	if (hs->pre_r_static) {
		if (initiator ? !hs->has_rs : !hs->has_s)
			goto out;
		mix_hash(&hs->sym, initiator ? hs->rs : hs->s.public,
		    SC_NOISE_KEY_LEN);
	}
	rc = 0;
out:
	if (rc != 0) {
		noise_handshake_wipe(hs);
		hs->failed = true;
	}
	return rc;
}

/* Queues the next pre-shared key. */
int
noise_handshake_add_psk(struct noise_handshake *hs,
    const uint8_t psk[SC_NOISE_KEY_LEN])
{
	if (hs->n_psks == NOISE_MAX_PSKS)
		return SC_ERR_INVALID;
	memcpy(hs->psks[hs->n_psks++], psk, SC_NOISE_KEY_LEN);
	return 0;
}

/* Fixes the ephemeral key pair (test vectors only). */
void
noise_handshake_set_ephemeral(struct noise_handshake *hs,
    const struct sc_keypair *e)
{
	hs->e = *e;
	hs->has_e = true;
}

void
noise_handshake_reuse(struct noise_handshake *hs, struct noise_reuse *r)
{
	if (!hs->initiator)
		return; /* a responder's ephemeral is always fresh */
	noise_handshake_set_ephemeral(hs, &r->e);
	hs->reuse = r;
}

void
noise_reuse_wipe(struct noise_reuse *r)
{
	sodium_memzero(r, sizeof *r);
}

/* Does the side that sends message number msg equal us? */
static bool
sends(const struct noise_handshake *hs, unsigned msg)
{
	bool initiator_sends = hs->one_way || msg % 2 == 0;

	return initiator_sends == hs->initiator;
}

/* True when the next handshake message is ours to write. */
bool
noise_handshake_write_turn(const struct noise_handshake *hs)
{
	return !hs->failed && hs->msg < hs->n_msgs && sends(hs, hs->msg);
}

/* True when the whole pattern has run. */
bool
noise_handshake_finished(const struct noise_handshake *hs)
{
	return !hs->failed && hs->n_msgs != 0 && hs->msg == hs->n_msgs;
}

/* DH(local, remote) then MixKey of the result. */
static int
mix_dh(struct noise_handshake *hs, const struct sc_keypair *local,
    const uint8_t *remote)
{
	uint8_t shared[SC_NOISE_KEY_LEN];

	/* libsodium refuses an all-zero result (a low-order point). */
	if (crypto_scalarmult(shared, local->secret, remote) != 0) {
		sodium_memzero(shared, sizeof shared);
		return SC_ERR_DH;
	}
	mix_key(&hs->sym, shared, sizeof shared);
	sodium_memzero(shared, sizeof shared);
	return 0;
}

/* es on the initiator's side: DH(e, rs), from the reuse memo when the
 * ephemeral is shared and rs is the one it was computed for. */
static int
mix_es_initiator(struct noise_handshake *hs)
{
	struct noise_reuse *r = hs->reuse;

	if (r == NULL)
		return mix_dh(hs, &hs->e, hs->rs);
	if (!r->has_es || memcmp(r->rs, hs->rs, sizeof r->rs) != 0) {
		if (crypto_scalarmult(r->es, r->e.secret, hs->rs) != 0) {
			r->has_es = false;
			sodium_memzero(r->es, sizeof r->es);
			return SC_ERR_DH;
		}
		memcpy(r->rs, hs->rs, sizeof r->rs);
		r->has_es = true;
	}
	mix_key(&hs->sym, r->es, sizeof r->es);
	return 0;
}

/* The DH tokens ee, es, se, ss, from our side of the pattern. */
static int
dh_token(struct noise_handshake *hs, int tok)
{
	bool i = hs->initiator;

	switch (tok) {
	case TOK_EE:
		/* ee */
		if (!hs->has_e || !hs->has_re)
			return SC_ERR_INVALID;
		return mix_dh(hs, &hs->e, hs->re);
	case TOK_ES:
		/* es: initiator's e with responder's s */
		if (i ? !hs->has_e || !hs->has_rs : !hs->has_s || !hs->has_re)
			return SC_ERR_INVALID;
		return i ? mix_es_initiator(hs) : mix_dh(hs, &hs->s, hs->re);
	case TOK_SE:
		/* se: initiator's s with responder's e */
		if (i ? !hs->has_s || !hs->has_re : !hs->has_e || !hs->has_rs)
			return SC_ERR_INVALID;
		return i ? mix_dh(hs, &hs->s, hs->re) :
			   mix_dh(hs, &hs->e, hs->rs);
	case TOK_SS:
		/* ss */
		if (!hs->has_s || !hs->has_rs)
			return SC_ERR_INVALID;
		return mix_dh(hs, &hs->s, hs->rs);
	}
	return SC_ERR_INVALID;
}

static int psk_token(struct noise_handshake *);

/* The tokens that send nothing: psk and the DH tokens. */
static int
key_token(struct noise_handshake *hs, int tok)
{
	return tok == TOK_PSK ? psk_token(hs) : dh_token(hs, tok);
}

/* psk: MixKeyAndHash(next psk). */
static int
psk_token(struct noise_handshake *hs)
{
	if (hs->next_psk >= hs->n_psks)
		return SC_ERR_INVALID;
	mix_key_and_hash(&hs->sym, hs->psks[hs->next_psk++], SC_NOISE_KEY_LEN);
	return 0;
}

/* Poisons hs after an error, so no half-processed state is ever used. */
static int
fail(struct noise_handshake *hs, int rc)
{
	noise_handshake_wipe(hs);
	hs->failed = true;
	return rc;
}

/* WriteMessage(payload, message_buffer). */
int
noise_handshake_write(struct noise_handshake *hs, const uint8_t *payload,
    size_t plen, uint8_t *out, size_t cap, size_t *outlen)
{
	const uint8_t *tok;
	size_t off = 0, n;
	int rc;

	*outlen = 0;
	if (!noise_handshake_write_turn(hs))
		return SC_ERR_INVALID;
	for (tok = hs->tokens[hs->msg]; *tok != TOK_END; tok++) {
		switch (*tok) {
		case TOK_E:
			/* e: send our ephemeral public key */
			if (!hs->has_e) {
				keys_generate(&hs->e);
				hs->has_e = true;
			}
			if (cap - off < SC_NOISE_KEY_LEN)
				return fail(hs, SC_ERR_TOO_LONG);
			memcpy(out + off, hs->e.public, SC_NOISE_KEY_LEN);
			off += SC_NOISE_KEY_LEN;
			mix_hash(&hs->sym, hs->e.public, SC_NOISE_KEY_LEN);
			if (hs->psk_mode)
				mix_key(&hs->sym, hs->e.public,
				    SC_NOISE_KEY_LEN);
			break;
		case TOK_S:
			/* s: send our static public key, encrypted once keyed
			 */
			if (!hs->has_s)
				return fail(hs, SC_ERR_INVALID);
			n = SC_NOISE_KEY_LEN +
			    (hs->sym.cs.has_key ? SC_NOISE_TAG_LEN : 0);
			if (cap - off < n)
				return fail(hs, SC_ERR_TOO_LONG);
			rc = encrypt_and_hash(&hs->sym, hs->s.public,
			    SC_NOISE_KEY_LEN, out + off, &n);
			if (rc != 0)
				return fail(hs, rc);
			off += n;
			break;
		default:
			/* psk, ee, es, se, ss: the same on both sides */
			if ((rc = key_token(hs, *tok)) != 0)
				return fail(hs, rc);
			break;
		}
	}

	/* The payload, encrypted once a key exists. */
	n = plen + (hs->sym.cs.has_key ? SC_NOISE_TAG_LEN : 0);
	if (cap - off < n)
		return fail(hs, SC_ERR_TOO_LONG);
	if ((rc = encrypt_and_hash(&hs->sym, payload, plen, out + off, &n)) !=
	    0)
		return fail(hs, rc);
	*outlen = off + n;
	hs->msg++;
	return 0;
}

/* ReadMessage(message, payload_buffer). */
int
noise_handshake_read(struct noise_handshake *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t cap, size_t *plen)
{
	const uint8_t *tok;
	size_t off = 0, n;
	int rc;

	*plen = 0;
	if (hs->failed || hs->msg >= hs->n_msgs || sends(hs, hs->msg))
		return SC_ERR_INVALID;
	for (tok = hs->tokens[hs->msg]; *tok != TOK_END; tok++) {
		switch (*tok) {
		case TOK_E:
			/* e: the peer's ephemeral public key, in clear */
			if (len - off < SC_NOISE_KEY_LEN)
				return fail(hs, SC_ERR_HANDSHAKE);
			memcpy(hs->re, msg + off, SC_NOISE_KEY_LEN);
			hs->has_re = true;
			off += SC_NOISE_KEY_LEN;
			mix_hash(&hs->sym, hs->re, SC_NOISE_KEY_LEN);
			if (hs->psk_mode)
				mix_key(&hs->sym, hs->re, SC_NOISE_KEY_LEN);
			break;
		case TOK_S:
			/* s: the peer's static public key */
			n = SC_NOISE_KEY_LEN +
			    (hs->sym.cs.has_key ? SC_NOISE_TAG_LEN : 0);
			if (len - off < n)
				return fail(hs, SC_ERR_HANDSHAKE);
			rc = decrypt_and_hash(&hs->sym, msg + off, n, hs->rs);
			if (rc != 0)
				return fail(hs, rc);
			hs->has_rs = true;
			off += n;
			break;
		default:
			/* psk, ee, es, se, ss: the same on both sides */
			if ((rc = key_token(hs, *tok)) != 0)
				return fail(hs, rc);
			break;
		}
	}

	/* The payload: what is left, with its tag once keyed. */
	n = len - off;
	if (hs->sym.cs.has_key) {
		if (n < SC_NOISE_TAG_LEN)
			return fail(hs, SC_ERR_HANDSHAKE);
		if (n - SC_NOISE_TAG_LEN > cap)
			return fail(hs, SC_ERR_TOO_LONG);
	} else if (n > cap)
		return fail(hs, SC_ERR_TOO_LONG);
	if ((rc = decrypt_and_hash(&hs->sym, msg + off, n, payload)) != 0)
		return fail(hs, rc);
	*plen = n - (hs->sym.cs.has_key ? SC_NOISE_TAG_LEN : 0);
	hs->msg++;
	return 0;
}

/* Split(): two CipherStates, the first for initiator-to-responder. */
int
noise_handshake_split(struct noise_handshake *hs, struct noise_cipher *send,
    struct noise_cipher *recv)
{
	uint8_t k1[SC_NOISE_HASH_LEN], k2[SC_NOISE_HASH_LEN];

	if (!noise_handshake_finished(hs))
		return SC_ERR_INVALID;
	hkdf(hs->sym.ck, NULL, 0, k1, k2, NULL);
	memset(send, 0, sizeof *send); /* new states: nothing to give back */
	memset(recv, 0, sizeof *recv);
	noise_cipher_init(send, hs->initiator ? k1 : k2);
	noise_cipher_init(recv, hs->initiator ? k2 : k1);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	return 0;
}

/* The handshake hash. */
const uint8_t *
noise_handshake_hash(const struct noise_handshake *hs)
{
	return hs->sym.h;
}

/* The remote static key once known. */
const uint8_t *
noise_handshake_remote_static(const struct noise_handshake *hs)
{
	return hs->has_rs ? hs->rs : NULL;
}

/* Wipes every secret; the struct must be initialised again to be used. */
void
noise_handshake_wipe(struct noise_handshake *hs)
{
	noise_cipher_wipe(&hs->sym.cs);
	sodium_memzero(hs, sizeof *hs);
}
