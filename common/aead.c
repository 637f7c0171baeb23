/*
 * aead.c: AES-256-GCM on intel-ipsec-mb or libsodium, and the cache of
 * expanded keys (see aead.h).
 *
 * Why two: for 100-200 byte frames, what a chat server sends, libsodium
 * 1.0.18 costs about 230-290 ns a frame here and intel-ipsec-mb 50-75 ns
 * (test/bench/bench_aead.c; OpenSSL 3's EVP is no faster than libsodium
 * at these sizes). intel-ipsec-mb is x86-64 only, so libsodium stays as
 * the portable path.
 *
 * The cache keeps its keys in an array in no particular order; a clock
 * hand walks it to find one to take when it is full, skipping (and
 * clearing the mark of) those used since it last passed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#ifdef SC_HAVE_IPSEC_MB
#include <intel-ipsec-mb.h>
#endif

#include "aead.h"
#include "error.h"
#include "xmalloc.h"

_Static_assert(AEAD_TAG_LEN == crypto_verify_16_BYTES,
    "the tag is checked with crypto_verify_16");

#define AEAD_ALIGN 64

struct aead_key {
	struct aead_key **holder; /* cached: the holder's pointer to it */
	size_t index;		  /* cached: place in the cache's array */
	bool used;		  /* cached: used since the last sweep */
	_Alignas(AEAD_ALIGN) unsigned char data[];
};

struct aead_cache {
	struct aead_key **keys;
	size_t n, max, hand;
	size_t sweep; /* aead_cache_sweep_step's place */
};

enum impl { IMPL_NONE, IMPL_SODIUM, IMPL_IPSEC_MB };

static pthread_once_t once = PTHREAD_ONCE_INIT;
static enum impl impl = IMPL_NONE;
static size_t data_size; /* the expansion's size, rounded up */
static char impl_name[64] = "none";
#ifdef SC_HAVE_IPSEC_MB
static IMB_MGR *mgr; /* only its function table is used: shared */
#endif

/* Rounds n up to a multiple of AEAD_ALIGN. */
static size_t
round_up(size_t n)
{
	return (n + AEAD_ALIGN - 1) / AEAD_ALIGN * AEAD_ALIGN;
}

#ifdef SC_HAVE_IPSEC_MB
/* intel-ipsec-mb, when this CPU runs at least its AVX path (AES-NI). */
static bool
try_ipsec_mb(void)
{
	const char *arch;

	if ((mgr = alloc_mb_mgr(0)) == NULL)
		return false;
	init_mb_mgr_auto(mgr, NULL);
	switch (imb_get_errno(mgr) == 0 ? mgr->used_arch : IMB_ARCH_NONE) {
	case IMB_ARCH_AVX512:
		arch = "avx512";
		break;
	case IMB_ARCH_AVX2:
		arch = "avx2";
		break;
	case IMB_ARCH_AVX:
		arch = "avx";
		break;
	default:
		free_mb_mgr(mgr);
		mgr = NULL;
		return false;
	}
	data_size = round_up(sizeof(struct gcm_key_data));
	snprintf(impl_name, sizeof impl_name, "intel-ipsec-mb %s (%s)",
	    imb_get_version_str(), arch);
	return true;
}
#endif

static void
choose(void)
{
	const char *force = getenv("SC_AEAD_IMPL");
	bool want_sodium = force != NULL && strcmp(force, "libsodium") == 0;

	if (sodium_init() < 0)
		return;
#ifdef SC_HAVE_IPSEC_MB
	if (!want_sodium && crypto_aead_aes256gcm_is_available() &&
	    try_ipsec_mb()) {
		impl = IMPL_IPSEC_MB;
		return;
	}
#else
	(void)want_sodium;
#endif
	if (!crypto_aead_aes256gcm_is_available())
		return;
	data_size = round_up(crypto_aead_aes256gcm_statebytes());
	snprintf(impl_name, sizeof impl_name, "libsodium %s",
	    sodium_version_string());
	impl = IMPL_SODIUM;
}

int
aead_global_init(void)
{
	pthread_once(&once, choose);
	return impl == IMPL_NONE ? SC_ERR_NO_AESNI : 0;
}

const char *
aead_impl(void)
{
	return impl_name;
}

/* ---- keys -------------------------------------------------------------- */

struct aead_key *
aead_key_new(void)
{
	struct aead_key *x;

	if (aead_global_init() != 0) {
		fprintf(stderr, "AES-256-GCM cannot run on this CPU\n");
		abort(); /* noise_global_init() refuses such a machine first */
	}
	x = aligned_alloc(AEAD_ALIGN, sizeof *x + data_size);
	if (x == NULL)
		xnomem();
	memset(x, 0, sizeof *x);
	return x;
}

void
aead_key_free(struct aead_key *x)
{
	if (x == NULL)
		return;
	sodium_memzero(x, sizeof *x + data_size);
	free(x);
}

void
aead_key_expand(struct aead_key *x, const uint8_t *k)
{
#ifdef SC_HAVE_IPSEC_MB
	if (impl == IMPL_IPSEC_MB) {
		IMB_AES256_GCM_PRE(mgr, k, (struct gcm_key_data *)x->data);
		return;
	}
#endif
	crypto_aead_aes256gcm_beforenm((crypto_aead_aes256gcm_state *)x->data,
	    k);
}

void
aead_seal(const struct aead_key *x, const uint8_t *nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
#ifdef SC_HAVE_IPSEC_MB
	if (impl == IMPL_IPSEC_MB) {
		struct gcm_context_data ctx;

		IMB_AES256_GCM_ENC(mgr, (const struct gcm_key_data *)x->data,
		    &ctx, out, in, len, nonce, ad, adlen, out + len,
		    AEAD_TAG_LEN);
		sodium_memzero(&ctx, sizeof ctx);
		return;
	}
#endif
	crypto_aead_aes256gcm_encrypt_detached_afternm(out, out + len, NULL, in,
	    len, ad, adlen, NULL, nonce,
	    (const crypto_aead_aes256gcm_state *)x->data);
}

int
aead_open(const struct aead_key *x, const uint8_t *nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t mlen = len - AEAD_TAG_LEN;

	if (len < AEAD_TAG_LEN)
		return -1;
#ifdef SC_HAVE_IPSEC_MB
	if (impl == IMPL_IPSEC_MB) {
		struct gcm_context_data ctx;
		uint8_t tag[AEAD_TAG_LEN], want[AEAD_TAG_LEN];
		int rc;

		/* in and out may overlap: keep the tag first. */
		memcpy(want, in + mlen, AEAD_TAG_LEN);
		IMB_AES256_GCM_DEC(mgr, (const struct gcm_key_data *)x->data,
		    &ctx, out, in, mlen, nonce, ad, adlen, tag, AEAD_TAG_LEN);
		sodium_memzero(&ctx, sizeof ctx);
		/* crypto_verify_16: constant time, as sodium_memcmp, but
		 * 2 ns instead of 15 (a generator decrypting millions of
		 * frames a second spent 13% of its time there). */
		rc = crypto_verify_16(tag, want);
		if (rc != 0)
			sodium_memzero(out, mlen);
		return rc == 0 ? 0 : -1;
	}
#endif
	if (crypto_aead_aes256gcm_decrypt_detached_afternm(out, NULL, in, mlen,
		in + mlen, ad, adlen, nonce,
		(const crypto_aead_aes256gcm_state *)x->data) != 0) {
		sodium_memzero(out, mlen);
		return -1;
	}
	return 0;
}

/* ---- the cache --------------------------------------------------------- */

struct aead_cache *
aead_cache_new(size_t max)
{
	struct aead_cache *c = xcalloc(1, sizeof *c);

	c->max = max > 0 ? max : 1;
	c->keys = xcalloc(c->max, sizeof *c->keys);
	return c;
}

void
aead_cache_free(struct aead_cache *c)
{
	if (c == NULL)
		return;
	while (c->n > 0)
		aead_cache_put(c, c->keys[c->n - 1]->holder);
	free(c->keys);
	free(c);
}

const struct aead_key *
aead_cache_get(struct aead_cache *c, struct aead_key **slot, const uint8_t *k)
{
	struct aead_key *x = *slot;

	if (x != NULL) {
		x->used = true;
		return x;
	}
	if (c->n < c->max) {
		x = aead_key_new();
		x->index = c->n;
		c->keys[c->n++] = x;
	} else {
		/* Clock: the first not used since the hand last came by. */
		for (;;) {
			if (c->hand >= c->n)
				c->hand = 0;
			x = c->keys[c->hand++];
			if (!x->used)
				break;
			x->used = false;
		}
		*x->holder = NULL;
	}
	aead_key_expand(x, k);
	x->holder = slot;
	x->used = true;
	*slot = x;
	return x;
}

void
aead_cache_put(struct aead_cache *c, struct aead_key **slot)
{
	struct aead_key *x = *slot, *last;

	if (x == NULL)
		return;
	last = c->keys[--c->n];
	c->keys[x->index] = last;
	last->index = x->index;
	*slot = NULL;
	aead_key_free(x);
}

size_t
aead_cache_sweep(struct aead_cache *c)
{
	size_t i, freed = 0;

	/* Downwards: a put moves the last key into the freed place. */
	for (i = c->n; i-- > 0;) {
		if (c->keys[i]->used)
			c->keys[i]->used = false;
		else {
			aead_cache_put(c, c->keys[i]->holder);
			freed++;
		}
	}
	c->hand = 0;
	return freed;
}

size_t
aead_cache_sweep_step(struct aead_cache *c, size_t steps)
{
	struct aead_key *x;
	size_t freed = 0;

	while (steps-- > 0 && c->n > 0) {
		if (c->sweep >= c->n)
			c->sweep = 0;
		x = c->keys[c->sweep];
		if (x->used) {
			x->used = false;
			c->sweep++;
		} else {
			/* The last key moves into this place: looked at
			 * next. */
			aead_cache_put(c, x->holder);
			freed++;
		}
	}
	return freed;
}

size_t
aead_cache_count(const struct aead_cache *c)
{
	return c->n;
}
