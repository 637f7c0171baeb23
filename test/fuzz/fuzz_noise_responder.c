/*
 * fuzz_noise_responder.c: libFuzzer target for the server side of the
 * secure channel (channel.h as CHANNEL_RESPONDER, with noise.h under it):
 * msg1 and its client hello, msg2 written back, msg3 and its payload, then
 * transport frames whose plaintexts go through the server's request checks.
 *
 * Input: one control byte, then by its bit 0:
 *   0 (raw): bits 2-4 say how many chunk-size bytes follow; the rest is
 *     wire bytes, fed to the channel in chunks of those sizes.
 *   1 (scripted): length-prefixed records (2-byte big-endian length): the
 *     msg1 payload, the msg3 payload, then transport plaintexts. A real
 *     initiator with fixed keys encrypts them, so the fuzzer controls the
 *     plaintexts the responder decrypts and checks.
 * Bit 1 plays a login: the frame limit rises from the pre-login 8192 bytes
 * to 65535 once the handshake is over, as securechatd does.
 *
 * Every key, including the channel's own ephemeral, is fixed (fuzz_util.c),
 * so a recorded msg1/msg3 pair from the fixed initiator passes in raw mode
 * too.
 */
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "frame.h"
#include "fuzz_util.h"

#define CTL_SCRIPTED	 0x01
#define CTL_LOGIN	 0x02
#define CTL_CHUNKS_SHIFT 2

/* Room for a frame body and the tag of a plaintext that is too long. */
#define WIRE_CAP (SC_FRAME_MAX_LEN + SC_NOISE_TAG_LEN)

static uint8_t *plain;	 /* the channel's plaintext buffer */
static uint8_t *wire;	 /* a handshake or transport message */
static uint8_t *payload; /* what the real initiator decrypts */
static struct sc_keypair server_key, client_key, client_e;

/* The server's checks of one request, in its order. */
static void
serve_request(const uint8_t *buf, size_t len)
{
	struct msg req;
	enum msg_code code;

	code = msg_request_parse(&req, buf, len);
	if (code == MSG_CODE_NONE)
		code = msg_request_members(&req);
	if (code == MSG_CODE_NONE)
		code = msg_request_content(&req);
	msg_clear(&req);
}

/* A new responder channel as securechatd sets one up. */
static void
responder_new(struct channel *ch)
{
	struct channel_config cfg = { 0 };

	cfg.role = CHANNEL_RESPONDER;
	cfg.local = &server_key;
	cfg.hello = FUZZ_SERVER_HELLO;
	cfg.hello_len = strlen(FUZZ_SERVER_HELLO);
	if (channel_init(ch, &cfg) != 0)
		abort();
	channel_set_max_frame(ch, SC_PRELOGIN_MAX_FRAME);
}

/* What follows READY: the peer's hello and key are known; answer once. */
static void
check_ready(struct channel *ch, struct evbuffer *out, bool login)
{
	if (ch->state != CHANNEL_OPEN || channel_peer_hello(ch) == NULL ||
	    channel_remote_static(ch) == NULL)
		abort();
	if (login)
		channel_set_max_frame(ch, SC_FRAME_MAX_LEN);
	if (channel_write(ch, out, FUZZ_MSG3_PAYLOAD,
		strlen(FUZZ_MSG3_PAYLOAD)) != 0)
		abort();
}

/* Raw mode: the input is the client's side of the wire. */
static void
run_raw(struct fuzz_input *in, uint8_t ctl)
{
	struct fuzz_chunks chunks;
	struct channel ch;
	struct evbuffer *rx, *tx;
	size_t n, len;
	int rc = 0;

	fuzz_chunks_take(&chunks, in,
	    (ctl >> CTL_CHUNKS_SHIFT) & FUZZ_MAX_CHUNK_SIZES);
	if ((rx = evbuffer_new()) == NULL || (tx = evbuffer_new()) == NULL)
		abort();
	responder_new(&ch);
	while (in->left > 0 && rc >= 0) {
		n = fuzz_chunks_next(&chunks, in->left);
		if (evbuffer_add(rx, in->data, n) != 0)
			abort();
		in->data += n;
		in->left -= n;
		while ((rc = channel_read(&ch, rx, tx, plain, SC_MSG_MAX_LEN,
			    &len)) > 0) {
			switch (rc) {
			case CHANNEL_PROGRESS:
				if (evbuffer_get_length(tx) == 0)
					abort();
				break;
			case CHANNEL_READY:
				check_ready(&ch, tx, ctl & CTL_LOGIN);
				break;
			case CHANNEL_MESSAGE:
				if (len > SC_MSG_MAX_LEN)
					abort();
				serve_request(plain, len);
				break;
			default:
				abort();
			}
		}
		if (rc < 0 && ch.state != CHANNEL_CLOSED)
			abort();
	}
	channel_free(&ch);
	evbuffer_free(tx);
	evbuffer_free(rx);
}

/* The answer channel_read must give for a frame of body len carrying a
 * payload that msg_hello_check accepts (ok) or not. */
static int
expected(const struct channel *ch, size_t len, bool ok, int success)
{
	if (len > ch->max_frame)
		return SC_ERR_TOO_LONG;
	return ok ? success : SC_ERR_PAYLOAD;
}

/* Sends wire[0..len) as one frame. False when it cannot be one. */
static bool
send_frame(struct evbuffer *rx, size_t len)
{
	if (len == 0 || len > SC_FRAME_MAX_LEN)
		return false;
	if (frame_write(rx, wire, len) != 0)
		abort();
	return true;
}

/* Scripted mode: a real initiator encrypts the fuzzer's plaintexts. */
static void
run_scripted(struct fuzz_input *in, uint8_t ctl)
{
	struct noise_handshake ini;
	struct noise_cipher c2s = { 0 }, s2c = { 0 };
	struct msg_hello hello = { 0 };
	struct channel ch;
	struct evbuffer *rx, *tx;
	const uint8_t *rec;
	size_t reclen, wlen, len, plen;
	bool ok;
	int rc;

	if ((rx = evbuffer_new()) == NULL || (tx = evbuffer_new()) == NULL)
		abort();
	responder_new(&ch);
	if (noise_handshake_init(&ini, CHANNEL_PROTOCOL, true,
		(const uint8_t *)SC_PROLOGUE, strlen(SC_PROLOGUE), &client_key,
		NULL) != 0)
		abort();
	noise_handshake_set_ephemeral(&ini, &client_e);

	/* -> e, with the fuzzer's client hello */
	if (!fuzz_take_record(in, &rec, &reclen))
		goto out;
	if (noise_handshake_write(&ini, rec, reclen, wire, SC_FRAME_MAX_LEN,
		&wlen) != 0 ||
	    !send_frame(rx, wlen))
		goto out;
	ok = msg_hello_check(rec, reclen, true, &hello) == 0;
	rc = channel_read(&ch, rx, tx, plain, SC_MSG_MAX_LEN, &len);
	if (rc != expected(&ch, wlen, ok, CHANNEL_PROGRESS))
		abort();
	if (rc != CHANNEL_PROGRESS)
		goto out;

	/* <- e, ee, s, es: the real initiator must accept it. */
	if (frame_read(tx, wire, SC_FRAME_MAX_LEN, &wlen) != 1 ||
	    evbuffer_get_length(tx) != 0)
		abort();
	if (noise_handshake_read(&ini, wire, wlen, payload, SC_FRAME_MAX_LEN,
		&plen) != 0)
		abort();
	if (plen != strlen(FUZZ_SERVER_HELLO) ||
	    memcmp(payload, FUZZ_SERVER_HELLO, plen) != 0 ||
	    memcmp(noise_handshake_remote_static(&ini), server_key.public,
		SC_NOISE_KEY_LEN) != 0)
		abort();

	/* -> s, se, with the fuzzer's msg3 payload */
	if (!fuzz_take_record(in, &rec, &reclen))
		goto out;
	if (noise_handshake_write(&ini, rec, reclen, wire, SC_FRAME_MAX_LEN,
		&wlen) != 0 ||
	    !send_frame(rx, wlen))
		goto out;
	ok = msg_hello_check(rec, reclen, false, NULL) == 0;
	rc = channel_read(&ch, rx, tx, plain, SC_MSG_MAX_LEN, &len);
	if (rc != expected(&ch, wlen, ok, CHANNEL_READY))
		abort();
	if (rc != CHANNEL_READY)
		goto out;
	if (strcmp(channel_peer_hello(&ch)->client, hello.client) != 0 ||
	    memcmp(channel_remote_static(&ch), client_key.public,
		SC_NOISE_KEY_LEN) != 0 ||
	    memcmp(ch.handshake_hash, noise_handshake_hash(&ini),
		SC_NOISE_HASH_LEN) != 0)
		abort();
	if (noise_handshake_split(&ini, &c2s, &s2c) != 0)
		abort();
	check_ready(&ch, tx, ctl & CTL_LOGIN);
	if (frame_read(tx, wire, SC_FRAME_MAX_LEN, &wlen) != 1 ||
	    noise_cipher_decrypt(&s2c, NULL, 0, wire, wlen, payload) != 0 ||
	    wlen - SC_NOISE_TAG_LEN != strlen(FUZZ_MSG3_PAYLOAD))
		abort();

	/* Transport: each record one request, echoed back. */
	while (fuzz_take_record(in, &rec, &reclen)) {
		if (reclen > SC_MSG_MAX_LEN)
			break;
		if (noise_cipher_encrypt(&c2s, NULL, 0, rec, reclen, wire) != 0)
			abort();
		wlen = reclen + SC_NOISE_TAG_LEN;
		if (!send_frame(rx, wlen))
			break;
		rc = channel_read(&ch, rx, tx, plain, SC_MSG_MAX_LEN, &len);
		if (wlen > ch.max_frame) {
			if (rc != SC_ERR_TOO_LONG)
				abort();
			break;
		}
		if (rc != CHANNEL_MESSAGE || len != reclen ||
		    (len > 0 && memcmp(plain, rec, len) != 0))
			abort();
		serve_request(plain, len);
		if (channel_write(&ch, tx, plain, len) != 0)
			abort();
		if (frame_read(tx, wire, SC_FRAME_MAX_LEN, &wlen) != 1 ||
		    noise_cipher_decrypt(&s2c, NULL, 0, wire, wlen, payload) !=
			0 ||
		    wlen - SC_NOISE_TAG_LEN != reclen ||
		    (reclen > 0 && memcmp(payload, rec, reclen) != 0))
			abort();
	}

out:
	noise_cipher_wipe(&c2s);
	noise_cipher_wipe(&s2c);
	noise_handshake_wipe(&ini);
	channel_free(&ch);
	evbuffer_free(tx);
	evbuffer_free(rx);
}

/* Fixed keys and buffers, once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_keypair(&server_key, FUZZ_KEY_SERVER);
	fuzz_keypair(&client_key, FUZZ_KEY_CLIENT);
	fuzz_keypair(&client_e, FUZZ_KEY_CLIENT_E);
	if ((plain = malloc(SC_MSG_MAX_LEN)) == NULL ||
	    (wire = malloc(WIRE_CAP)) == NULL ||
	    (payload = malloc(SC_FRAME_MAX_LEN)) == NULL)
		abort();
	return 0;
}

/* One input: one connection to the server side. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t ctl;

	if (!fuzz_take_byte(&in, &ctl))
		return 0;
	fuzz_rng_reset();
	if (ctl & CTL_SCRIPTED)
		run_scripted(&in, ctl);
	else
		run_raw(&in, ctl);
	return 0;
}
