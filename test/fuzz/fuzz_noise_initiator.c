/*
 * fuzz_noise_initiator.c: libFuzzer target for the client side of the
 * secure channel (channel.h as CHANNEL_INITIATOR, with noise.h under it):
 * msg1 written, msg2 read with its server hello and the server key check,
 * msg3 written, then transport frames whose plaintexts go through the
 * client's event parser.
 *
 * Input: one control byte, then by its bit 0:
 *   0 (raw): bits 2-4 say how many chunk-size bytes follow; the rest is
 *     wire bytes from the server, fed to the channel in chunks.
 *   1 (scripted): length-prefixed records (2-byte big-endian length): the
 *     msg2 payload (the server hello), then transport plaintexts. A real
 *     responder with fixed keys encrypts them, so the fuzzer controls the
 *     plaintexts the initiator decrypts and checks.
 * Bit 1 makes the key check refuse the server's key.
 *
 * Every key, including the channel's own ephemeral, is fixed (fuzz_util.c),
 * so a recorded msg2 from the fixed responder passes in raw mode too.
 */
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "frame.h"
#include "fuzz_util.h"

#define CTL_SCRIPTED	 0x01
#define CTL_REFUSE	 0x02
#define CTL_CHUNKS_SHIFT 2

/* Room for a frame body and the tag of a plaintext that is too long. */
#define WIRE_CAP (SC_FRAME_MAX_LEN + SC_NOISE_TAG_LEN)

/* What the key check was asked, and what it answers. */
struct peer_check {
	bool refuse;
	bool called;
	uint8_t key[SC_NOISE_KEY_LEN];
};

static uint8_t *plain;	 /* the channel's plaintext buffer */
static uint8_t *wire;	 /* a handshake or transport message */
static uint8_t *payload; /* what the real responder decrypts */
static struct sc_keypair server_key, client_key, server_e;

/* The client's key check: records the key, answers as told. */
static int
check_peer(void *arg, const uint8_t key[SC_NOISE_KEY_LEN])
{
	struct peer_check *pc = arg;

	pc->called = true;
	memcpy(pc->key, key, SC_NOISE_KEY_LEN);
	return pc->refuse ? -1 : 0;
}

/* The client's parse of one server event. */
static void
handle_event(const uint8_t *buf, size_t len)
{
	struct msg ev;

	if (msg_event_parse(&ev, buf, len) == 0 && ev.type == MSG_UNKNOWN)
		abort();
	msg_clear(&ev);
}

/* A new initiator channel with its msg1 written to tx. */
static void
initiator_new(struct channel *ch, struct peer_check *pc, struct evbuffer *tx)
{
	struct channel_config cfg = { 0 };

	cfg.role = CHANNEL_INITIATOR;
	cfg.local = &client_key;
	cfg.hello = FUZZ_CLIENT_HELLO;
	cfg.hello_len = strlen(FUZZ_CLIENT_HELLO);
	cfg.check_peer = check_peer;
	cfg.check_peer_arg = pc;
	if (channel_init(ch, &cfg) != 0 || channel_start(ch, tx) != 0)
		abort();
}

/* What follows READY: the key was accepted, msg3 is out; answer once. */
static void
check_ready(struct channel *ch, const struct peer_check *pc,
    struct evbuffer *tx)
{
	if (ch->state != CHANNEL_OPEN || channel_peer_hello(ch) == NULL ||
	    pc->refuse || !pc->called ||
	    memcmp(channel_remote_static(ch), pc->key, SC_NOISE_KEY_LEN) != 0)
		abort();
	if (channel_write(ch, tx, FUZZ_MSG3_PAYLOAD,
		strlen(FUZZ_MSG3_PAYLOAD)) != 0)
		abort();
}

/* Raw mode: the input is the server's side of the wire. */
static void
run_raw(struct fuzz_input *in, uint8_t ctl)
{
	struct peer_check pc = { 0 };
	struct fuzz_chunks chunks;
	struct channel ch;
	struct evbuffer *rx, *tx;
	size_t n, len;
	int rc = 0;

	pc.refuse = ctl & CTL_REFUSE;
	fuzz_chunks_take(&chunks, in,
	    (ctl >> CTL_CHUNKS_SHIFT) & FUZZ_MAX_CHUNK_SIZES);
	if ((rx = evbuffer_new()) == NULL || (tx = evbuffer_new()) == NULL)
		abort();
	initiator_new(&ch, &pc, tx);
	while (in->left > 0 && rc >= 0) {
		n = fuzz_chunks_next(&chunks, in->left);
		if (evbuffer_add(rx, in->data, n) != 0)
			abort();
		in->data += n;
		in->left -= n;
		while ((rc = channel_read(&ch, rx, tx, plain, SC_MSG_MAX_LEN,
			    &len)) > 0) {
			switch (rc) {
			case CHANNEL_READY:
				check_ready(&ch, &pc, tx);
				break;
			case CHANNEL_MESSAGE:
				if (len > SC_MSG_MAX_LEN)
					abort();
				handle_event(plain, len);
				break;
			default:
				/* An initiator never sees PROGRESS. */
				abort();
			}
		}
		if (rc < 0 && ch.state != CHANNEL_CLOSED)
			abort();
		if (rc == SC_ERR_PEER_KEY && !pc.refuse)
			abort();
	}
	channel_free(&ch);
	evbuffer_free(tx);
	evbuffer_free(rx);
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

/* Scripted mode: a real responder encrypts the fuzzer's plaintexts. */
static void
run_scripted(struct fuzz_input *in, uint8_t ctl)
{
	struct noise_handshake rsp;
	struct noise_cipher c2s = { 0 }, s2c = { 0 };
	struct peer_check pc = { 0 };
	const struct msg_hello *got;
	struct msg_hello hello = { 0 };
	struct channel ch;
	struct evbuffer *rx, *tx;
	const uint8_t *rec;
	size_t reclen, wlen, len, plen;
	int rc, want;

	pc.refuse = ctl & CTL_REFUSE;
	if ((rx = evbuffer_new()) == NULL || (tx = evbuffer_new()) == NULL)
		abort();
	initiator_new(&ch, &pc, tx);
	if (noise_handshake_init(&rsp, CHANNEL_PROTOCOL, false,
		(const uint8_t *)SC_PROLOGUE, strlen(SC_PROLOGUE), &server_key,
		NULL) != 0)
		abort();
	noise_handshake_set_ephemeral(&rsp, &server_e);

	/* -> e: the real responder must accept the channel's msg1. */
	if (frame_read(tx, wire, SC_FRAME_MAX_LEN, &wlen) != 1 ||
	    evbuffer_get_length(tx) != 0)
		abort();
	if (noise_handshake_read(&rsp, wire, wlen, payload, SC_FRAME_MAX_LEN,
		&plen) != 0 ||
	    plen != strlen(FUZZ_CLIENT_HELLO) ||
	    memcmp(payload, FUZZ_CLIENT_HELLO, plen) != 0)
		abort();

	/* <- e, ee, s, es, with the fuzzer's server hello */
	if (!fuzz_take_record(in, &rec, &reclen))
		goto out;
	if (noise_handshake_write(&rsp, rec, reclen, wire, SC_FRAME_MAX_LEN,
		&wlen) != 0 ||
	    !send_frame(rx, wlen))
		goto out;
	if (msg_hello_check(rec, reclen, true, &hello) != 0)
		want = SC_ERR_PAYLOAD;
	else if (pc.refuse)
		want = SC_ERR_PEER_KEY;
	else
		want = CHANNEL_READY;
	rc = channel_read(&ch, rx, tx, plain, SC_MSG_MAX_LEN, &len);
	if (rc != want)
		abort();
	if (want != SC_ERR_PAYLOAD &&
	    (!pc.called ||
		memcmp(pc.key, server_key.public, SC_NOISE_KEY_LEN) != 0))
		abort();
	if (rc != CHANNEL_READY) {
		if (ch.state != CHANNEL_CLOSED || evbuffer_get_length(tx) != 0)
			abort();
		goto out;
	}
	got = channel_peer_hello(&ch);
	if (strcmp(got->server, hello.server) != 0 ||
	    strcmp(got->name, hello.name) != 0)
		abort();

	/* -> s, se: the real responder must accept msg3. */
	if (frame_read(tx, wire, SC_FRAME_MAX_LEN, &wlen) != 1 ||
	    evbuffer_get_length(tx) != 0)
		abort();
	if (noise_handshake_read(&rsp, wire, wlen, payload, SC_FRAME_MAX_LEN,
		&plen) != 0 ||
	    plen != strlen(FUZZ_MSG3_PAYLOAD) ||
	    memcmp(payload, FUZZ_MSG3_PAYLOAD, plen) != 0 ||
	    memcmp(noise_handshake_remote_static(&rsp), client_key.public,
		SC_NOISE_KEY_LEN) != 0 ||
	    memcmp(ch.handshake_hash, noise_handshake_hash(&rsp),
		SC_NOISE_HASH_LEN) != 0)
		abort();
	if (noise_handshake_split(&rsp, &s2c, &c2s) != 0)
		abort();
	check_ready(&ch, &pc, tx);
	if (frame_read(tx, wire, SC_FRAME_MAX_LEN, &wlen) != 1 ||
	    noise_cipher_decrypt(&c2s, NULL, 0, wire, wlen, payload) != 0 ||
	    wlen - SC_NOISE_TAG_LEN != strlen(FUZZ_MSG3_PAYLOAD))
		abort();

	/* Transport: each record one event, echoed back. */
	while (fuzz_take_record(in, &rec, &reclen)) {
		if (reclen > SC_MSG_MAX_LEN)
			break;
		if (noise_cipher_encrypt(&s2c, NULL, 0, rec, reclen, wire) != 0)
			abort();
		wlen = reclen + SC_NOISE_TAG_LEN;
		if (!send_frame(rx, wlen))
			break;
		rc = channel_read(&ch, rx, tx, plain, SC_MSG_MAX_LEN, &len);
		if (rc != CHANNEL_MESSAGE || len != reclen ||
		    (len > 0 && memcmp(plain, rec, len) != 0))
			abort();
		handle_event(plain, len);
		if (channel_write(&ch, tx, plain, len) != 0)
			abort();
		if (frame_read(tx, wire, SC_FRAME_MAX_LEN, &wlen) != 1 ||
		    noise_cipher_decrypt(&c2s, NULL, 0, wire, wlen, payload) !=
			0 ||
		    wlen - SC_NOISE_TAG_LEN != reclen ||
		    (reclen > 0 && memcmp(payload, rec, reclen) != 0))
			abort();
	}

out:
	noise_cipher_wipe(&c2s);
	noise_cipher_wipe(&s2c);
	noise_handshake_wipe(&rsp);
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
	fuzz_keypair(&server_e, FUZZ_KEY_SERVER_E);
	if ((plain = malloc(SC_MSG_MAX_LEN)) == NULL ||
	    (wire = malloc(WIRE_CAP)) == NULL ||
	    (payload = malloc(WIRE_CAP)) == NULL)
		abort();
	return 0;
}

/* One input: one connection to the client side. */
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
