/*
 * noise.h: the Noise Protocol Framework (revision 34) for
 * Noise_*_25519_AESGCM_SHA256 on libsodium: CipherState, SymmetricState
 * and HandshakeState as the spec names them.
 *
 * SecureChat speaks XX (PROTOCOL.md section 2); the handshake engine runs
 * every interactive, one-way and deferred pattern of the spec, with psk
 * modifiers, so the official test vectors can check all of it.
 *
 * All structs hold secrets: wipe them with the *_wipe functions.
 */
#ifndef SC_NOISE_H
#define SC_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "aead.h"
#include "error.h"
#include "keys.h"
#include "sc_limits.h"

#define NOISE_MAX_PSKS	   4
#define NOISE_MAX_MESSAGES 4 /* handshake messages in a pattern */
#define NOISE_MAX_TOKENS   8 /* tokens in one message */

/*
 * CipherState: an AES-256-GCM key and the nonce n. The key is expanded on
 * first use, into memory of the cipher's own or, after
 * noise_cipher_use_cache(), into a shared cache that may take it back
 * while it is unused (aead.h). A keyed cipher must not be copied.
 */
struct noise_cipher {
	uint8_t k[AEAD_KEY_LEN];
	uint64_t n;
	struct aead_key *x;	  /* the expansion, or NULL */
	struct aead_cache *cache; /* NULL: x is the cipher's own */
	bool has_key;
	bool expanded; /* own x holds k expanded */
};

/* SymmetricState: CipherState, chaining key and handshake hash. */
struct noise_symmetric {
	struct noise_cipher cs;
	uint8_t ck[SC_NOISE_HASH_LEN];
	uint8_t h[SC_NOISE_HASH_LEN];
};

/*
 * A load generator's shortcut, never for a real client: one ephemeral key
 * pair for many initiator handshakes, and DH(e, rs) for one responder
 * static key computed once. Reusing an ephemeral gives up what it is
 * for (each handshake's forward secrecy and unlinkability), so only
 * securechat-bench uses it, to make its side of a handshake cost half
 * of the responder's X25519 work: the responder sees well-formed
 * handshakes and cannot tell.
 */
struct noise_reuse {
	struct sc_keypair e;	      /* the shared ephemeral */
	uint8_t rs[SC_NOISE_KEY_LEN]; /* the remote static of es */
	uint8_t es[SC_NOISE_KEY_LEN]; /* DH(e, rs) */
	bool has_es;
};

/* HandshakeState. */
struct noise_handshake {
	struct noise_symmetric sym;
	/* The pattern's messages, each a 0-terminated list of tokens. */
	uint8_t tokens[NOISE_MAX_MESSAGES][NOISE_MAX_TOKENS + 1];
	unsigned n_msgs;
	bool one_way;		      /* N, K, X: the initiator sends all */
	bool pre_i_static;	      /* pre-message "-> s" */
	bool pre_r_static;	      /* pre-message "<- s" */
	struct sc_keypair s;	      /* local static */
	struct sc_keypair e;	      /* local ephemeral */
	uint8_t rs[SC_NOISE_KEY_LEN]; /* remote static */
	uint8_t re[SC_NOISE_KEY_LEN]; /* remote ephemeral */
	bool has_s, has_e, has_rs, has_re;
	bool initiator;
	bool psk_mode;
	bool failed;  /* an error happened: unusable */
	unsigned msg; /* index of the next message */
	unsigned n_psks, next_psk;
	uint8_t psks[NOISE_MAX_PSKS][SC_NOISE_KEY_LEN];
	struct noise_reuse *reuse; /* load generators only, else NULL */
};

/*
 * Initialises libsodium and checks the CPU can run AES-256-GCM. Returns 0,
 * SC_ERR_NO_AESNI, or SC_ERR_INVALID when libsodium cannot start. Call once
 * before anything else in this module (repeated calls are harmless).
 */
int noise_global_init(void) SC_WUR;

/* ---- CipherState ------------------------------------------------------ */

/* InitializeKey(k) with a 32-byte key; n = 0. cs is zeroed, wiped or
 * initialised before; wipe it with noise_cipher_wipe() when done. */
void noise_cipher_init(struct noise_cipher *cs, const uint8_t *k);

/*
 * EncryptWithAd: writes ptlen + 16 bytes to out (or a copy of pt when the
 * cipher has no key). out may not overlap pt. Returns 0 or SC_ERR_NONCE.
 */
int noise_cipher_encrypt(struct noise_cipher *cs, const uint8_t *ad,
    size_t adlen, const uint8_t *pt, size_t ptlen, uint8_t *out) SC_WUR;

/*
 * DecryptWithAd: writes ctlen - 16 bytes to out. Returns 0, SC_ERR_DECRYPT
 * (the nonce is not advanced then), SC_ERR_NONCE or SC_ERR_INVALID (ctlen
 * shorter than a tag).
 */
int noise_cipher_decrypt(struct noise_cipher *cs, const uint8_t *ad,
    size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t *out) SC_WUR;

/* Wipes the key and nonce. */
void noise_cipher_wipe(struct noise_cipher *cs);

/* Keeps cs's expanded key in cache from now on (before its first use). */
void noise_cipher_use_cache(struct noise_cipher *cs, struct aead_cache *cache);

/* ---- HandshakeState --------------------------------------------------- */

/*
 * Initialize(): protocol_name like "Noise_XX_25519_AESGCM_SHA256" (psk
 * modifiers allowed), the role, the prologue, and the keys the pattern's
 * pre-messages need: s (local static, may be NULL when the pattern sends
 * none) and rs (remote static, may be NULL). Returns 0, SC_ERR_UNSUPPORTED
 * or SC_ERR_INVALID (a key the pattern needs is missing).
 */
int noise_handshake_init(struct noise_handshake *hs, const char *protocol_name,
    bool initiator, const uint8_t *prologue, size_t prologue_len,
    const struct sc_keypair *s, const uint8_t *rs) SC_WUR;

/* Adds the next pre-shared key, in the order the psk tokens use them. */
int noise_handshake_add_psk(struct noise_handshake *hs,
    const uint8_t psk[SC_NOISE_KEY_LEN]) SC_WUR;

/* Fixes the local ephemeral key instead of a random one (test vectors). */
void noise_handshake_set_ephemeral(struct noise_handshake *hs,
    const struct sc_keypair *e);

/*
 * Initiator only: takes the ephemeral key from r (which must hold one,
 * see keys_generate) and keeps es for r's remote static in r. r must
 * outlive the handshake; wipe it with noise_reuse_wipe(). Load
 * generators only (struct noise_reuse).
 */
void noise_handshake_reuse(struct noise_handshake *hs, struct noise_reuse *r);

/* Wipes r's keys. */
void noise_reuse_wipe(struct noise_reuse *r);

/* True when the next handshake message is ours to write. */
bool noise_handshake_write_turn(const struct noise_handshake *hs);

/* True when every handshake message has been written or read. */
bool noise_handshake_finished(const struct noise_handshake *hs);

/*
 * WriteMessage(payload): writes the next handshake message into out (cap
 * bytes) and its length into *outlen. Returns 0 or a negative SC_ERR_*;
 * after an error hs is unusable.
 */
int noise_handshake_write(struct noise_handshake *hs, const uint8_t *payload,
    size_t plen, uint8_t *out, size_t cap, size_t *outlen) SC_WUR;

/*
 * ReadMessage(msg): processes the next handshake message and writes its
 * payload into payload (cap bytes) and *plen. Returns 0, SC_ERR_HANDSHAKE
 * (wrong size), SC_ERR_DECRYPT, SC_ERR_DH, SC_ERR_TOO_LONG (cap too small)
 * or SC_ERR_INVALID (not our turn); after an error hs is unusable.
 */
int noise_handshake_read(struct noise_handshake *hs, const uint8_t *msg,
    size_t len, uint8_t *payload, size_t cap, size_t *plen) SC_WUR;

/*
 * Split(): once finished, sets the two transport CipherStates: send is
 * what this side encrypts with (the first for the initiator), recv what it
 * decrypts with (both overwritten: wipe them when done). Returns 0 or
 * SC_ERR_INVALID (not finished).
 */
int noise_handshake_split(struct noise_handshake *hs, struct noise_cipher *send,
    struct noise_cipher *recv) SC_WUR;

/* The handshake hash h (valid once finished; channel binding). */
const uint8_t *noise_handshake_hash(const struct noise_handshake *hs);

/* The remote static key, or NULL when none is known yet. */
const uint8_t *noise_handshake_remote_static(const struct noise_handshake *hs);

/* Wipes every secret in hs. */
void noise_handshake_wipe(struct noise_handshake *hs);

#endif /* SC_NOISE_H */
