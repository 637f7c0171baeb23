/*
 * channel.h: one connection's secure channel. Ties framing (frame.h) and
 * Noise XX (noise.h) together as PROTOCOL.md section 2 specifies: drives
 * the handshake as initiator (client) or responder (server) with the
 * "securechat/1" prologue and the hello payloads, then turns incoming
 * frames into plaintexts and plaintexts into outgoing frames.
 *
 * The channel owns no buffers of its own: bytes come from and go to the
 * caller's evbuffers, plaintexts land in a caller buffer. During the
 * handshake it holds one heap block; afterwards only the two transport
 * CipherStates. Any error closes the channel for good: the caller then
 * closes the connection, as section 1 requires.
 */
#ifndef SC_CHANNEL_H
#define SC_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "error.h"
#include "keys.h"
#include "msg.h"
#include "noise.h"

#define CHANNEL_PROTOCOL "Noise_XX_25519_AESGCM_SHA256"

enum channel_role {
	CHANNEL_INITIATOR, /* the client */
	CHANNEL_RESPONDER, /* the server */
};

enum channel_state {
	CHANNEL_HANDSHAKE,
	CHANNEL_OPEN,
	CHANNEL_CLOSED,
};

/* What channel_read() found. Errors are negative SC_ERR_* codes. */
enum channel_event {
	CHANNEL_AGAIN = 0, /* no whole frame buffered: read more */
	CHANNEL_PROGRESS,  /* a handshake message was handled */
	CHANNEL_READY,	   /* the handshake just finished */
	CHANNEL_MESSAGE,   /* a transport plaintext is in the buffer */
};

struct channel_config {
	enum channel_role role;
	const struct sc_keypair *local; /* our static key (copied) */
	/*
	 * Our hello payload: msg1's for the initiator, msg2's for the
	 * responder (JSON text, see msg_encode_*_hello). Not copied: it
	 * must live until the handshake is over.
	 */
	const char *hello;
	size_t hello_len;
	/*
	 * Initiator only, may be NULL: called with the server's static key
	 * once msg2 is verified and before msg3 is sent. Returning non-zero
	 * refuses the key: channel_read() fails with SC_ERR_PEER_KEY.
	 */
	int (*check_peer)(void *arg, const uint8_t key[SC_NOISE_KEY_LEN]);
	void *check_peer_arg;
	/* May be NULL: where the transport keys are expanded (aead.h), for
	 * a process with many channels; it must outlive the channel. */
	struct aead_cache *key_cache;
	/* Initiator, load generators only (noise.h, struct noise_reuse):
	 * one ephemeral and its es for many handshakes. Else NULL. */
	struct noise_reuse *reuse;
};

struct channel_hs;

struct channel {
	enum channel_role role;
	enum channel_state state;
	uint16_t max_frame;	/* frames above this are refused */
	struct channel_hs *hs;	/* handshake-time state, or NULL */
	struct noise_cipher tx; /* transport: what we send */
	struct noise_cipher rx; /* transport: what we receive */
	uint8_t remote_static[SC_NOISE_KEY_LEN];
	bool has_remote_static;
	uint8_t handshake_hash[SC_NOISE_HASH_LEN];
};

/*
 * Prepares ch for one connection. Returns 0 or SC_ERR_INVALID (missing
 * key or hello). ch must be released with channel_free().
 */
int channel_init(struct channel *ch, const struct channel_config *cfg) SC_WUR;

/* Wipes every secret and frees the handshake state. Safe to repeat. */
void channel_free(struct channel *ch);

/* Refuses frames longer than max (1..65535) from now on; for example a
 * tighter limit before login. */
void channel_set_max_frame(struct channel *ch, size_t max);

/*
 * Initiator: writes msg1 into out. Responder: does nothing. Returns 0 or a
 * negative SC_ERR_*.
 */
int channel_start(struct channel *ch, struct evbuffer *out) SC_WUR;

/*
 * Handles at most one frame from in. Handshake replies (msg2, msg3) are
 * written to out. Returns a channel_event, or a negative SC_ERR_* after
 * which the channel is closed: SC_ERR_FRAME_EMPTY, SC_ERR_TOO_LONG (frame
 * above max_frame, or plaintext above cap), SC_ERR_HANDSHAKE,
 * SC_ERR_DECRYPT, SC_ERR_DH, SC_ERR_PAYLOAD (a hello payload broke
 * section 2), SC_ERR_PEER_KEY, SC_ERR_NONCE. For CHANNEL_MESSAGE the
 * plaintext is in buf[0..*len); cap should be SC_MSG_MAX_LEN.
 */
int channel_read(struct channel *ch, struct evbuffer *in, struct evbuffer *out,
    uint8_t *buf, size_t cap, size_t *len) SC_WUR;

/* The bytes of the frame that carries a plaintext of len bytes. */
#define CHANNEL_FRAME_LEN(len) (SC_FRAME_HEADER_LEN + (len) + SC_NOISE_TAG_LEN)

/*
 * Encrypts pt[0..len) into one frame (header and ciphertext) at out,
 * which must hold CHANNEL_FRAME_LEN(len) bytes: for a caller that owns
 * its output memory. Returns what channel_write() returns but SC_ERR_IO.
 */
int channel_seal(struct channel *ch, const void *pt, size_t len,
    uint8_t *out) SC_WUR;

/*
 * Encrypts pt[0..len) into one frame appended to out. Returns 0,
 * SC_ERR_INVALID (channel not open), SC_ERR_TOO_LONG (len above
 * SC_MSG_MAX_LEN) or SC_ERR_NONCE.
 */
int channel_write(struct channel *ch, struct evbuffer *out, const void *pt,
    size_t len) SC_WUR;

/*
 * The peer's hello as received (client name for the responder, server
 * and display name for the initiator). Valid from CHANNEL_READY until the
 * next channel_read() or channel_free(); NULL otherwise.
 */
const struct msg_hello *channel_peer_hello(const struct channel *ch);

/* The peer's static key once the handshake revealed it, else NULL. */
const uint8_t *channel_remote_static(const struct channel *ch);

#endif /* SC_CHANNEL_H */
