/*
 * test_channel.c: two channel endpoints in one process, joined by two
 * evbuffers: the XX handshake with hellos, transport both ways, and every
 * failure PROTOCOL.md names (tampering, replay, zero length, wrong
 * prologue, bad hellos, a refused server key, oversized frames).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "channel.h"
#include "frame.h"

#define CLIENT_HELLO "{\"proto\":1,\"client\":\"test/1\"}"
#define SERVER_HELLO "{\"proto\":1,\"server\":\"testd/1\",\"name\":\"Test\"}"

struct pair {
	struct sc_keypair ckey, skey;
	struct channel c, s;
	struct evbuffer *c2s, *s2c;
	uint8_t *buf;
	size_t len;
	int refuse;	  /* check_peer answer */
	uint8_t seen[32]; /* key check_peer saw */
};

/* The client's key check. */
static int
check_peer(void *arg, const uint8_t key[32])
{
	struct pair *p = arg;

	memcpy(p->seen, key, 32);
	return p->refuse;
}

/* Builds both endpoints with the given hellos. */
static struct pair *
pair_new(const char *chello, const char *shello)
{
	struct pair *p = calloc(1, sizeof *p);
	struct channel_config cc = { 0 }, sc = { 0 };

	keys_generate(&p->ckey);
	keys_generate(&p->skey);
	p->c2s = evbuffer_new();
	p->s2c = evbuffer_new();
	p->buf = malloc(SC_MSG_MAX_LEN);
	cc.role = CHANNEL_INITIATOR;
	cc.local = &p->ckey;
	cc.hello = chello;
	cc.hello_len = strlen(chello);
	cc.check_peer = check_peer;
	cc.check_peer_arg = p;
	sc.role = CHANNEL_RESPONDER;
	sc.local = &p->skey;
	sc.hello = shello;
	sc.hello_len = strlen(shello);
	assert_int_equal(channel_init(&p->c, &cc), 0);
	assert_int_equal(channel_init(&p->s, &sc), 0);
	return p;
}

/* Frees both endpoints. */
static void
pair_free(struct pair *p)
{
	channel_free(&p->c);
	channel_free(&p->s);
	evbuffer_free(p->c2s);
	evbuffer_free(p->s2c);
	free(p->buf);
	free(p);
}

/* Server reads from c2s. */
static int
sread(struct pair *p)
{
	return channel_read(&p->s, p->c2s, p->s2c, p->buf, SC_MSG_MAX_LEN,
	    &p->len);
}

/* Client reads from s2c. */
static int
cread(struct pair *p)
{
	return channel_read(&p->c, p->s2c, p->c2s, p->buf, SC_MSG_MAX_LEN,
	    &p->len);
}

/* Runs the whole handshake, checking sizes and hellos on the way. */
static void
handshake(struct pair *p)
{
	const struct msg_hello *h;

	assert_int_equal(channel_start(&p->c, p->c2s), 0);
	/* msg1 = 32 + len(payload), framed. */
	assert_int_equal(evbuffer_get_length(p->c2s),
	    2 + 32 + strlen(CLIENT_HELLO));
	assert_int_equal(channel_start(&p->s, p->s2c), 0);
	assert_int_equal(evbuffer_get_length(p->s2c), 0);
	assert_int_equal(sread(p), CHANNEL_PROGRESS);
	/* msg2 = 32 + 48 + len(payload) + 16. */
	assert_int_equal(evbuffer_get_length(p->s2c),
	    2 + 32 + 48 + strlen(SERVER_HELLO) + 16);
	assert_int_equal(cread(p), CHANNEL_READY);
	assert_int_equal(p->c.state, CHANNEL_OPEN);
	assert_memory_equal(p->seen, p->skey.public, 32);
	h = channel_peer_hello(&p->c);
	assert_non_null(h);
	assert_string_equal(h->server, "testd/1");
	assert_string_equal(h->name, "Test");
	/* msg3 = 48 + len("{}") + 16. */
	assert_int_equal(evbuffer_get_length(p->c2s), 2 + 48 + 2 + 16);
	assert_int_equal(sread(p), CHANNEL_READY);
	h = channel_peer_hello(&p->s);
	assert_non_null(h);
	assert_string_equal(h->client, "test/1");
	assert_memory_equal(channel_remote_static(&p->s), p->ckey.public, 32);
	assert_memory_equal(channel_remote_static(&p->c), p->skey.public, 32);
	assert_memory_equal(p->s.handshake_hash, p->c.handshake_hash, 32);
}

/*
 * Plays a raw Noise client with prologue in hs: sends msg1 with
 * CLIENT_HELLO and returns what reading the server's msg2 gives.
 */
static int
raw_client_msg2(struct pair *p, struct noise_handshake *hs,
    const char *prologue)
{
	uint8_t m[512], pl[512];
	size_t mlen, plen, flen;

	assert_int_equal(noise_handshake_init(hs, CHANNEL_PROTOCOL, true,
			     (const uint8_t *)prologue, strlen(prologue),
			     &p->ckey, NULL),
	    0);
	assert_int_equal(noise_handshake_write(hs,
			     (const uint8_t *)CLIENT_HELLO,
			     strlen(CLIENT_HELLO), m, sizeof m, &mlen),
	    0);
	assert_int_equal(frame_write(p->c2s, m, mlen), 0);
	assert_int_equal(sread(p), CHANNEL_PROGRESS);
	assert_int_equal(frame_read(p->s2c, m, sizeof m, &flen), 1);
	return noise_handshake_read(hs, m, flen, pl, sizeof pl, &plen);
}

/* Sends msg3 carrying payload from the raw client in hs; returns what
 * the server's read of it gives. */
static int
raw_client_msg3(struct pair *p, struct noise_handshake *hs, const char *payload)
{
	uint8_t m[512];
	size_t mlen;

	assert_int_equal(noise_handshake_write(hs, (const uint8_t *)payload,
			     strlen(payload), m, sizeof m, &mlen),
	    0);
	assert_int_equal(frame_write(p->c2s, m, mlen), 0);
	return sread(p);
}

/* Handshake, then messages both ways, up to the largest plaintext. */
static void
test_handshake_and_transport(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	uint8_t *big = malloc(SC_MSG_MAX_LEN);
	int i;

	(void)state;
	handshake(p);
	for (i = 0; i < 100; i++) {
		assert_int_equal(channel_write(&p->c, p->c2s,
				     "{\"type\":\"ping\"}", 15),
		    0);
		assert_int_equal(channel_write(&p->s, p->s2c,
				     "{\"type\":\"pong\"}", 15),
		    0);
	}
	for (i = 0; i < 100; i++) {
		assert_int_equal(sread(p), CHANNEL_MESSAGE);
		assert_int_equal(p->len, 15);
		assert_memory_equal(p->buf, "{\"type\":\"ping\"}", 15);
		assert_int_equal(cread(p), CHANNEL_MESSAGE);
		assert_memory_equal(p->buf, "{\"type\":\"pong\"}", 15);
	}
	assert_int_equal(sread(p), CHANNEL_AGAIN);
	/* The hello is gone once the next read happened. */
	assert_null(channel_peer_hello(&p->s));
	/* 65519 bytes of plaintext make a 65535-byte frame. */
	memset(big, 'a', SC_MSG_MAX_LEN);
	assert_int_equal(channel_write(&p->c, p->c2s, big, SC_MSG_MAX_LEN), 0);
	assert_int_equal(evbuffer_get_length(p->c2s), SC_FRAME_MAX_WIRE);
	assert_int_equal(sread(p), CHANNEL_MESSAGE);
	assert_int_equal(p->len, SC_MSG_MAX_LEN);
	assert_memory_equal(p->buf, big, SC_MSG_MAX_LEN);
	assert_int_equal(channel_write(&p->c, p->c2s, big, SC_MSG_MAX_LEN + 1),
	    SC_ERR_TOO_LONG);
	free(big);
	pair_free(p);
}

/* Every byte of the handshake delivered one at a time still works. */
static void
test_trickle(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	struct evbuffer *hold = evbuffer_new();
	uint8_t byte;
	int rc, ready = 0;

	(void)state;
	assert_int_equal(channel_start(&p->c, p->c2s), 0);
	/* Move c2s to hold, then feed it back byte by byte. */
	while (ready < 2) {
		evbuffer_add_buffer(hold, p->c2s);
		while (evbuffer_remove(hold, &byte, 1) == 1) {
			evbuffer_add(p->c2s, &byte, 1);
			rc = sread(p);
			assert_true(rc >= 0);
			if (rc == CHANNEL_READY)
				ready++;
		}
		evbuffer_add_buffer(hold, p->s2c);
		while (evbuffer_remove(hold, &byte, 1) == 1) {
			evbuffer_add(p->s2c, &byte, 1);
			rc = cread(p);
			assert_true(rc >= 0);
			if (rc == CHANNEL_READY)
				ready++;
		}
	}
	assert_int_equal(p->s.state, CHANNEL_OPEN);
	assert_int_equal(p->c.state, CHANNEL_OPEN);
	evbuffer_free(hold);
	pair_free(p);
}

/* A flipped bit anywhere in a transport frame closes the channel. */
static void
test_flipped_bit(void **state)
{
	struct pair *p;
	uint8_t *wire;
	size_t len, k;

	(void)state;
	for (k = 2; k < 2 + 5 + 16; k++) {
		p = pair_new(CLIENT_HELLO, SERVER_HELLO);
		handshake(p);
		assert_int_equal(channel_write(&p->c, p->c2s, "hello", 5), 0);
		len = evbuffer_get_length(p->c2s);
		wire = evbuffer_pullup(p->c2s, (ev_ssize_t)len);
		wire[k] ^= 0x04;
		assert_int_equal(sread(p), SC_ERR_DECRYPT);
		assert_int_equal(p->s.state, CHANNEL_CLOSED);
		/* Closed for good. */
		assert_int_equal(sread(p), SC_ERR_CLOSED);
		assert_int_equal(channel_write(&p->s, p->s2c, "x", 1),
		    SC_ERR_INVALID);
		pair_free(p);
	}
}

/* A replayed frame fails: nonces are implicit. */
static void
test_replay(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	struct evbuffer *copy = evbuffer_new();

	(void)state;
	handshake(p);
	assert_int_equal(channel_write(&p->c, p->c2s, "one", 3), 0);
	evbuffer_add(copy, evbuffer_pullup(p->c2s, -1),
	    evbuffer_get_length(p->c2s));
	assert_int_equal(sread(p), CHANNEL_MESSAGE);
	evbuffer_add_buffer(p->c2s, copy);
	assert_int_equal(sread(p), SC_ERR_DECRYPT);
	evbuffer_free(copy);
	pair_free(p);
}

/* A zero-length frame is an error in the handshake and afterwards. */
static void
test_zero_length(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	const uint8_t zero[2] = { 0, 0 };

	(void)state;
	evbuffer_add(p->c2s, zero, 2);
	assert_int_equal(sread(p), SC_ERR_FRAME_EMPTY);
	pair_free(p);

	p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	handshake(p);
	assert_int_equal(channel_write(&p->c, p->c2s, "ok", 2), 0);
	evbuffer_add(p->c2s, zero, 2);
	/* The frame before it is handled, then the error. */
	assert_int_equal(sread(p), CHANNEL_MESSAGE);
	assert_int_equal(sread(p), SC_ERR_FRAME_EMPTY);
	pair_free(p);
}

/* A transport frame shorter than a tag fails to decrypt. */
static void
test_short_transport_frame(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	const uint8_t f[] = { 0, 3, 1, 2, 3 };

	(void)state;
	handshake(p);
	evbuffer_add(p->c2s, f, sizeof f);
	assert_int_equal(sread(p), SC_ERR_DECRYPT);
	pair_free(p);
}

/* A client with another prologue: the server's msg2 fails to decrypt. */
static void
test_wrong_prologue(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	struct noise_handshake hs;

	(void)state;
	assert_int_equal(raw_client_msg2(p, &hs, "securechat/2"),
	    SC_ERR_DECRYPT);

	/* The same raw Noise with the right prologue interoperates. */
	pair_free(p);
	p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	assert_int_equal(raw_client_msg2(p, &hs, SC_PROLOGUE), 0);
	assert_int_equal(raw_client_msg3(p, &hs, "{}"), CHANNEL_READY);
	noise_handshake_wipe(&hs);
	pair_free(p);
}

/* Client hellos the server must refuse without sending msg2. */
static void
test_bad_client_hello(void **state)
{
	static const char *bad[] = {
		"",
		"{}",
		"[]",
		"not json",
		"{\"proto\":2}",
		"{\"proto\":1.0}",
		"{\"proto\":1e0}",
		"{\"proto\":\"1\"}",
		"{\"proto\":true}",
		"{\"proto\":1,\"proto\":1}",
		"{\"proto\":1,\"x\":\"\\ud800\"}",
		"{\"proto\":1,\"x\":\"\\u0000\"}",
		"{\"proto\":1}   x",
		"{\"proto\":1,\"client\":\"\xff\"}",
	};
	struct pair *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = pair_new(bad[i][0] ? bad[i] : " ", SERVER_HELLO);
		assert_int_equal(channel_start(&p->c, p->c2s), 0);
		if (bad[i][0] == '\0') {
			/* An empty payload: msg1 is only e. */
			evbuffer_drain(p->c2s, evbuffer_get_length(p->c2s));
			evbuffer_add(p->c2s, "\x00\x20", 2);
			evbuffer_add(p->c2s, p->ckey.public, 32);
		}
		assert_int_equal(sread(p), SC_ERR_PAYLOAD);
		assert_int_equal(evbuffer_get_length(p->s2c), 0);
		assert_int_equal(p->s.state, CHANNEL_CLOSED);
		pair_free(p);
	}
	/* Extra members are fine (forward compatibility). */
	p = pair_new("{\"client\":\"x\",\"proto\":1,\"extra\":[1,{}]}",
	    SERVER_HELLO);
	assert_int_equal(channel_start(&p->c, p->c2s), 0);
	assert_int_equal(sread(p), CHANNEL_PROGRESS);
	pair_free(p);
}

/* Server hellos the client must refuse without sending msg3. */
static void
test_bad_server_hello(void **state)
{
	static const char *bad[] = {
		"{\"proto\":2,\"server\":\"x\",\"name\":\"y\"}",
		"{\"server\":\"x\"}",
		"[1]",
		"{\"proto\":1,\"proto\":1}",
	};
	struct pair *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = pair_new(CLIENT_HELLO, bad[i]);
		assert_int_equal(channel_start(&p->c, p->c2s), 0);
		assert_int_equal(sread(p), CHANNEL_PROGRESS);
		evbuffer_drain(p->c2s, evbuffer_get_length(p->c2s));
		assert_int_equal(cread(p), SC_ERR_PAYLOAD);
		assert_int_equal(evbuffer_get_length(p->c2s), 0);
		pair_free(p);
	}
}

/* msg3 must carry a JSON object, and have a sane size. */
static void
test_bad_msg3(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	struct noise_handshake hs;
	uint8_t m[512];

	(void)state;
	assert_int_equal(raw_client_msg2(p, &hs, SC_PROLOGUE), 0);
	assert_int_equal(raw_client_msg3(p, &hs, "[]"), SC_ERR_PAYLOAD);
	assert_int_equal(p->s.state, CHANNEL_CLOSED);
	noise_handshake_wipe(&hs);
	pair_free(p);

	/* A truncated msg3 (47 bytes) is malformed. */
	p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	assert_int_equal(channel_start(&p->c, p->c2s), 0);
	assert_int_equal(sread(p), CHANNEL_PROGRESS);
	memset(m, 1, 47);
	assert_int_equal(frame_write(p->c2s, m, 47), 0);
	assert_int_equal(sread(p), SC_ERR_HANDSHAKE);
	pair_free(p);
}

/* A refused server key stops the client before msg3. */
static void
test_refused_key(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);

	(void)state;
	p->refuse = 1;
	assert_int_equal(channel_start(&p->c, p->c2s), 0);
	assert_int_equal(sread(p), CHANNEL_PROGRESS);
	assert_int_equal(cread(p), SC_ERR_PEER_KEY);
	assert_memory_equal(p->seen, p->skey.public, 32);
	assert_int_equal(evbuffer_get_length(p->c2s), 0);
	assert_int_equal(p->c.state, CHANNEL_CLOSED);
	pair_free(p);
}

/* A frame above max_frame is refused from its header alone. */
static void
test_max_frame(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	const uint8_t hdr[2] = { 0x00, 101 };

	(void)state;
	handshake(p);
	channel_set_max_frame(&p->s, 100);
	evbuffer_add(p->c2s, hdr, 2);
	assert_int_equal(sread(p), SC_ERR_TOO_LONG);
	pair_free(p);

	/* A frame at the limit is fine. */
	p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	handshake(p);
	channel_set_max_frame(&p->s, 100);
	assert_int_equal(channel_write(&p->c, p->c2s, p->buf, 84), 0);
	assert_int_equal(sread(p), CHANNEL_MESSAGE);
	/* A transport plaintext larger than the caller's buffer. */
	assert_int_equal(channel_write(&p->c, p->c2s, p->buf, 50), 0);
	assert_int_equal(channel_read(&p->s, p->c2s, p->s2c, p->buf, 49,
			     &p->len),
	    SC_ERR_TOO_LONG);
	pair_free(p);
}

/* Writing before the handshake is over is refused. */
static void
test_write_before_open(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	struct channel_config bad = { 0 };
	struct channel ch;

	(void)state;
	assert_int_equal(channel_write(&p->c, p->c2s, "x", 1), SC_ERR_INVALID);
	assert_int_equal(channel_init(&ch, &bad), SC_ERR_INVALID);
	channel_free(&ch);
	pair_free(p);
}

/*
 * channel_seal writes into caller memory exactly the frame channel_write
 * appends: interleaved, the peer reads them in order; a plaintext over
 * the limit or a channel not open writes nothing.
 */
static void
test_seal(void **state)
{
	struct pair *p = pair_new(CLIENT_HELLO, SERVER_HELLO);
	static uint8_t frame[SC_FRAME_MAX_WIRE], big[SC_MSG_MAX_LEN + 1];
	char pt[32];
	int i;

	(void)state;
	memset(frame, 0x5a, sizeof frame);
	assert_int_equal(channel_seal(&p->s, "x", 1, frame), SC_ERR_INVALID);
	assert_int_equal(frame[0], 0x5a);
	handshake(p);
	for (i = 0; i < 6; i++) {
		snprintf(pt, sizeof pt, "{\"n\":%d}", i);
		if (i % 2 == 0) {
			assert_int_equal(channel_seal(&p->s, pt, strlen(pt),
					     frame),
			    0);
			assert_int_equal(frame[0] << 8 | frame[1],
			    strlen(pt) + SC_NOISE_TAG_LEN);
			assert_int_equal(frame[CHANNEL_FRAME_LEN(strlen(pt))],
			    0x5a);
			evbuffer_add(p->s2c, frame,
			    CHANNEL_FRAME_LEN(strlen(pt)));
		} else
			assert_int_equal(channel_write(&p->s, p->s2c, pt,
					     strlen(pt)),
			    0);
	}
	for (i = 0; i < 6; i++) {
		snprintf(pt, sizeof pt, "{\"n\":%d}", i);
		assert_int_equal(cread(p), CHANNEL_MESSAGE);
		assert_int_equal(p->len, strlen(pt));
		assert_memory_equal(p->buf, pt, strlen(pt));
	}
	/* The largest plaintext fills a maximal frame; one more byte is
	 * refused before anything is written. */
	memset(big, 'b', sizeof big);
	assert_int_equal(channel_seal(&p->s, big, SC_MSG_MAX_LEN, frame), 0);
	assert_int_equal(frame[0] << 8 | frame[1], SC_FRAME_MAX_LEN);
	memset(frame, 0x5a, 2);
	assert_int_equal(channel_seal(&p->s, big, SC_MSG_MAX_LEN + 1, frame),
	    SC_ERR_TOO_LONG);
	assert_int_equal(frame[0], 0x5a);
	pair_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_transport),
		cmocka_unit_test(test_trickle),
		cmocka_unit_test(test_flipped_bit),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_short_transport_frame),
		cmocka_unit_test(test_wrong_prologue),
		cmocka_unit_test(test_bad_client_hello),
		cmocka_unit_test(test_bad_server_hello),
		cmocka_unit_test(test_bad_msg3),
		cmocka_unit_test(test_refused_key),
		cmocka_unit_test(test_max_frame),
		cmocka_unit_test(test_write_before_open),
		cmocka_unit_test(test_seal),
	};

	if (noise_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
