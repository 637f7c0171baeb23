/*
 * channel.c: a connection's secure channel: frames in, Noise XX with the
 * SecureChat prologue and hello payloads, AES-GCM transport frames out.
 *
 *	-> e			msg1: client hello in clear
 *	<- e, ee, s, es		msg2: server hello, encrypted
 *	-> s, se		msg3: {} (any JSON object), encrypted
 */
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "frame.h"
#include "xmalloc.h"

/* The msg3 payload a SecureChat initiator sends. */
#define MSG3_PAYLOAD "{}"

/* What the channel needs only until the handshake is over. */
struct channel_hs {
	struct noise_handshake noise;
	struct msg_hello peer;
	const char *hello;
	size_t hello_len;
	int (*check_peer)(void *, const uint8_t *);
	void *check_peer_arg;
	struct aead_cache *key_cache; /* for the transport keys, or NULL */
	bool done; /* READY was returned; free on next read */
};

/* Wipes and frees the handshake block. */
static void
free_hs(struct channel *ch)
{
	if (ch->hs == NULL)
		return;
	noise_handshake_wipe(&ch->hs->noise);
	sodium_memzero(ch->hs, sizeof *ch->hs);
	free(ch->hs);
	ch->hs = NULL;
}

/* Closes the channel after an error and returns the error. */
static int
channel_fail(struct channel *ch, int rc)
{
	free_hs(ch);
	noise_cipher_wipe(&ch->tx);
	noise_cipher_wipe(&ch->rx);
	ch->state = CHANNEL_CLOSED;
	return rc;
}

/* Prepares a channel for one connection. */
int
channel_init(struct channel *ch, const struct channel_config *cfg)
{
	struct channel_hs *hs;
	int rc;

	memset(ch, 0, sizeof *ch);
	ch->state = CHANNEL_CLOSED;
	if (cfg->local == NULL || cfg->hello == NULL || cfg->hello_len == 0 ||
	    cfg->hello_len > SC_HELLO_MAX_LEN - SC_HANDSHAKE_OVERHEAD)
		return SC_ERR_INVALID;
	hs = xcalloc(1, sizeof *hs);
	rc = noise_handshake_init(&hs->noise, CHANNEL_PROTOCOL,
	    cfg->role == CHANNEL_INITIATOR, (const uint8_t *)SC_PROLOGUE,
	    strlen(SC_PROLOGUE), cfg->local, NULL);
	if (rc != 0) {
		free(hs);
		return rc;
	}
	if (cfg->reuse != NULL)
		noise_handshake_reuse(&hs->noise, cfg->reuse);
	hs->hello = cfg->hello;
	hs->hello_len = cfg->hello_len;
	hs->check_peer = cfg->check_peer;
	hs->check_peer_arg = cfg->check_peer_arg;
	hs->key_cache = cfg->key_cache;
	ch->hs = hs;
	ch->role = cfg->role;
	ch->state = CHANNEL_HANDSHAKE;
	ch->max_frame = SC_FRAME_MAX_LEN;
	return 0;
}

/* Releases everything the channel holds. */
void
channel_free(struct channel *ch)
{
	free_hs(ch);
	noise_cipher_wipe(&ch->tx);
	noise_cipher_wipe(&ch->rx);
	sodium_memzero(ch, sizeof *ch);
	ch->state = CHANNEL_CLOSED;
}

/* Sets the largest frame accepted from now on. */
void
channel_set_max_frame(struct channel *ch, size_t max)
{
	if (max < 1)
		max = 1;
	if (max > SC_FRAME_MAX_LEN)
		max = SC_FRAME_MAX_LEN;
	ch->max_frame = (uint16_t)max;
}

/* Writes the next handshake message, framed, straight into out. */
static int
write_handshake(struct channel *ch, struct evbuffer *out, const char *payload,
    size_t plen)
{
	struct evbuffer_iovec vec;
	size_t cap = plen + SC_HANDSHAKE_OVERHEAD, len;
	int rc;

	if (cap > SC_FRAME_MAX_LEN)
		cap = SC_FRAME_MAX_LEN;
	if (evbuffer_reserve_space(out, (ev_ssize_t)(SC_FRAME_HEADER_LEN + cap),
		&vec, 1) != 1)
		return SC_ERR_IO;
	rc = noise_handshake_write(&ch->hs->noise, (const uint8_t *)payload,
	    plen, (uint8_t *)vec.iov_base + SC_FRAME_HEADER_LEN, cap, &len);
	if (rc != 0)
		return rc;
	frame_header(vec.iov_base, len);
	vec.iov_len = SC_FRAME_HEADER_LEN + len;
	if (evbuffer_commit_space(out, &vec, 1) != 0)
		return SC_ERR_IO;
	return 0;
}

/* Initiator: sends msg1. */
int
channel_start(struct channel *ch, struct evbuffer *out)
{
	int rc;

	if (ch->state != CHANNEL_HANDSHAKE)
		return SC_ERR_INVALID;
	if (ch->role != CHANNEL_INITIATOR)
		return 0;
	/* -> e, with the client hello */
	if ((rc = write_handshake(ch, out, ch->hs->hello, ch->hs->hello_len)) !=
	    0)
		return channel_fail(ch, rc);
	return 0;
}

/* Split() into the transport CipherStates and drop nothing yet. */
static int
finish(struct channel *ch)
{
	struct noise_handshake *n = &ch->hs->noise;
	int rc;

	if ((rc = noise_handshake_split(n, &ch->tx, &ch->rx)) != 0)
		return rc;
	if (ch->hs->key_cache != NULL) {
		noise_cipher_use_cache(&ch->tx, ch->hs->key_cache);
		noise_cipher_use_cache(&ch->rx, ch->hs->key_cache);
	}
	memcpy(ch->remote_static, noise_handshake_remote_static(n),
	    SC_NOISE_KEY_LEN);
	ch->has_remote_static = true;
	memcpy(ch->handshake_hash, noise_handshake_hash(n), SC_NOISE_HASH_LEN);
	noise_handshake_wipe(n);
	ch->hs->done = true;
	ch->state = CHANNEL_OPEN;
	return CHANNEL_READY;
}

/* Responder: msg1 then msg3. */
static int
respond(struct channel *ch, const uint8_t *body, size_t len,
    struct evbuffer *out, uint8_t *buf, size_t cap)
{
	struct channel_hs *hs = ch->hs;
	size_t plen;
	int rc;

	if (hs->noise.msg == 0) {
		/* -> e: the client hello is in clear; check it first. */
		if ((rc = noise_handshake_read(&hs->noise, body, len, buf, cap,
			 &plen)) != 0)
			return rc;
		if (msg_hello_check(buf, plen, true, &hs->peer) != 0)
			return SC_ERR_PAYLOAD;
		/* <- e, ee, s, es: with the server hello */
		if ((rc = write_handshake(ch, out, hs->hello, hs->hello_len)) !=
		    0)
			return rc;
		return CHANNEL_PROGRESS;
	}

	/* -> s, se: msg3 is exactly 48 + payload + 16 bytes. */
	if (len < SC_NOISE_KEY_LEN + 2 * SC_NOISE_TAG_LEN)
		return SC_ERR_HANDSHAKE;
	if ((rc = noise_handshake_read(&hs->noise, body, len, buf, cap,
		 &plen)) != 0)
		return rc;
	if (msg_hello_check(buf, plen, false, NULL) != 0)
		return SC_ERR_PAYLOAD;
	return finish(ch);
}

/* Initiator: msg2, then send msg3. */
static int
initiate(struct channel *ch, const uint8_t *body, size_t len,
    struct evbuffer *out, uint8_t *buf, size_t cap)
{
	struct channel_hs *hs = ch->hs;
	const uint8_t *rs;
	size_t plen;
	int rc;

	/* <- e, ee, s, es */
	if (len < 2 * SC_NOISE_KEY_LEN + 2 * SC_NOISE_TAG_LEN)
		return SC_ERR_HANDSHAKE;
	if ((rc = noise_handshake_read(&hs->noise, body, len, buf, cap,
		 &plen)) != 0)
		return rc;
	if (msg_hello_check(buf, plen, true, &hs->peer) != 0)
		return SC_ERR_PAYLOAD;
	rs = noise_handshake_remote_static(&hs->noise);
	if (hs->check_peer != NULL &&
	    hs->check_peer(hs->check_peer_arg, rs) != 0)
		return SC_ERR_PEER_KEY;
	/* -> s, se */
	if ((rc = write_handshake(ch, out, MSG3_PAYLOAD,
		 strlen(MSG3_PAYLOAD))) != 0)
		return rc;
	return finish(ch);
}

/* Handles at most one frame. */
int
channel_read(struct channel *ch, struct evbuffer *in, struct evbuffer *out,
    uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t hdr[SC_FRAME_HEADER_LEN];
	const uint8_t *body;
	size_t flen;
	int rc;

	*len = 0;
	if (ch->hs != NULL && ch->hs->done)
		free_hs(ch);
	if (ch->state == CHANNEL_CLOSED)
		return SC_ERR_CLOSED;

	/* Refuse an oversized frame on sight of its header. */
	if (evbuffer_copyout(in, hdr, sizeof hdr) == (ev_ssize_t)sizeof hdr &&
	    (((size_t)hdr[0] << 8) | hdr[1]) > ch->max_frame)
		return channel_fail(ch, SC_ERR_TOO_LONG);
	if ((rc = frame_peek(in, &flen)) <= 0)
		return rc == 0 ? CHANNEL_AGAIN : channel_fail(ch, rc);
	if ((body = frame_body(in, flen)) == NULL)
		return channel_fail(ch, SC_ERR_IO);

	if (ch->state == CHANNEL_HANDSHAKE) {
		if (ch->role == CHANNEL_RESPONDER)
			rc = respond(ch, body, flen, out, buf, cap);
		else
			rc = initiate(ch, body, flen, out, buf, cap);
		frame_drain(in, flen);
		if (rc < 0)
			return channel_fail(ch, rc);
		return rc;
	}

	/* Transport: one AES-GCM ciphertext per frame, empty AD. */
	if (flen < SC_NOISE_TAG_LEN)
		return channel_fail(ch, SC_ERR_DECRYPT);
	if (flen - SC_NOISE_TAG_LEN > cap)
		return channel_fail(ch, SC_ERR_TOO_LONG);
	rc = noise_cipher_decrypt(&ch->rx, NULL, 0, body, flen, buf);
	frame_drain(in, flen);
	if (rc != 0)
		return channel_fail(ch, rc);
	*len = flen - SC_NOISE_TAG_LEN;
	return CHANNEL_MESSAGE;
}

/* Encrypts one plaintext into one frame at out. */
int
channel_seal(struct channel *ch, const void *pt, size_t len, uint8_t *out)
{
	int rc;

	if (ch->state != CHANNEL_OPEN)
		return SC_ERR_INVALID;
	if (len > SC_MSG_MAX_LEN)
		return SC_ERR_TOO_LONG;
	rc = noise_cipher_encrypt(&ch->tx, NULL, 0, pt, len,
	    out + SC_FRAME_HEADER_LEN);
	if (rc != 0)
		return channel_fail(ch, rc);
	frame_header(out, len + SC_NOISE_TAG_LEN);
	return 0;
}

/* Encrypts one plaintext into one frame on out. */
int
channel_write(struct channel *ch, struct evbuffer *out, const void *pt,
    size_t len)
{
	struct evbuffer_iovec vec;
	int rc;

	if (ch->state != CHANNEL_OPEN)
		return SC_ERR_INVALID;
	if (len > SC_MSG_MAX_LEN)
		return SC_ERR_TOO_LONG;
	if (evbuffer_reserve_space(out, (ev_ssize_t)CHANNEL_FRAME_LEN(len),
		&vec, 1) != 1)
		return SC_ERR_IO;
	if ((rc = channel_seal(ch, pt, len, vec.iov_base)) != 0)
		return rc;
	vec.iov_len = CHANNEL_FRAME_LEN(len);
	if (evbuffer_commit_space(out, &vec, 1) != 0)
		return SC_ERR_IO;
	return 0;
}

/* The peer's hello, right after READY. */
const struct msg_hello *
channel_peer_hello(const struct channel *ch)
{
	return ch->hs != NULL && ch->hs->done ? &ch->hs->peer : NULL;
}

/* The peer's static key once known. */
const uint8_t *
channel_remote_static(const struct channel *ch)
{
	return ch->has_remote_static ? ch->remote_static : NULL;
}
