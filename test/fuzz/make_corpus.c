/*
 * make_corpus.c: writes the seed corpora of test/fuzz/corpus/<target>/:
 * frames, every request, event and hello of PROTOCOL.md, users files and
 * hash strings (werkzeug's from test/data/pwhash-werkzeug.json, the
 * example data/users.json, and tiny ones cheap enough to verify), and
 * recorded handshakes for the fuzz targets' fixed keys.
 *
 * Usage: make_corpus CORPUS_DIR SOURCE_DIR. Built with the fuzz targets
 * (target fuzz_corpus runs it on the source tree); the output is
 * committed. It uses the targets' deterministic randombytes, so a
 * recorded msg1/msg3 (msg2) is exactly what the raw modes of
 * fuzz_noise_responder (fuzz_noise_initiator) need to get past the
 * handshake.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "channel.h"
#include "frame.h"
#include "fuzz_util.h"
#include "pbkdf2.h"
#include "pwhash.h"

#define CTL_SCRIPTED	 0x01
#define CTL_FLAG	 0x02 /* login (responder), refuse (initiator) */
#define CTL_CHUNKS_SHIFT 2

/* The password and salt of the tiny hashes made here. */
#define TINY_PASSWORD "pw"
#define TINY_SALT     "fuzzsaltfuzzsalt"

static const char *corpus_dir;
static const char *source_dir;

/* Writes data[0..len) to corpus_dir/target/name. */
static void
write_seed(const char *target, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", corpus_dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof path, "%s/%s/%s", corpus_dir, target, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Writes a string seed. */
static void
write_str(const char *target, const char *name, const char *s)
{
	write_seed(target, name, s, strlen(s));
}

/* Writes the contents of b as a seed and empties b. */
static void
write_buf(const char *target, const char *name, struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);

	write_seed(target, name, len > 0 ? evbuffer_pullup(b, -1) : NULL, len);
	evbuffer_drain(b, len);
}

/* A new evbuffer; exits when out of memory. */
static struct evbuffer *
buf_new(void)
{
	struct evbuffer *b;

	if ((b = evbuffer_new()) == NULL)
		abort();
	return b;
}

/* Appends one frame of s, or of len raw bytes. */
static void
add_frame(struct evbuffer *b, const void *data, size_t len)
{
	if (frame_write(b, data, len) != 0)
		abort();
}

/* ---- fuzz_frame ------------------------------------------------------ */

/* Frames in every read mode, whole, chunked, empty, cut and oversized. */
static void
frame_seeds(void)
{
	static const uint8_t sizes[] = { 0, 3, 254 };
	struct evbuffer *b = buf_new();
	uint8_t *big;
	size_t i;

	evbuffer_add(b, "\x00", 1);
	add_frame(b, "hello", 5);
	write_buf("fuzz_frame", "peek-one", b);

	evbuffer_add(b, "\x01", 1);
	add_frame(b, "a", 1);
	add_frame(b, "{\"type\":\"list\"}", 15);
	write_buf("fuzz_frame", "copy-two", b);

	evbuffer_add(b, "\x0e", 1); /* alternate, 3 chunk sizes */
	evbuffer_add(b, sizes, sizeof sizes);
	for (i = 0; i < 6; i++)
		add_frame(b, "0123456789abcdef", 1 + i * 3);
	write_buf("fuzz_frame", "alternate-chunked", b);

	evbuffer_add(b, "\x63", 1); /* copy then peek, 16-byte buffer */
	add_frame(b, "0123456789abcdefXYZ", 19);
	add_frame(b, "short", 5);
	write_buf("fuzz_frame", "copy-too-long", b);

	evbuffer_add(b, "\x21", 1); /* copy, 1-byte buffer */
	add_frame(b, "x", 1);
	add_frame(b, "yz", 2);
	write_buf("fuzz_frame", "copy-cap-one", b);

	evbuffer_add(b, "\x00\x00\x00", 3);
	write_buf("fuzz_frame", "empty-frame", b);

	evbuffer_add(b, "\x04\x00\x00\x64", 4); /* one 1-byte chunk */
	evbuffer_add(b, "truncated", 9);
	write_buf("fuzz_frame", "truncated", b);

	evbuffer_add(b, "\x00\xff", 2); /* a lone header byte */
	write_buf("fuzz_frame", "half-header", b);

	if ((big = calloc(1, SC_FRAME_MAX_LEN)) == NULL)
		abort();
	memset(big, 'm', SC_FRAME_MAX_LEN);
	evbuffer_add(b, "\x02", 1);
	add_frame(b, big, SC_FRAME_MAX_LEN);
	add_frame(b, "after", 5);
	write_buf("fuzz_frame", "max-frame", b);
	free(big);
	evbuffer_free(b);
}

/* ---- fuzz_msg --------------------------------------------------------- */

/* Every request, event and hello, and malformed ones. */
static void
msg_seeds(void)
{
	static const struct {
		const char *name;
		const char *json;
	} seeds[] = {
		/* requests */
		{ "req-login",
		    "{\"type\":\"login\",\"user\":\"alice\","
		    "\"password\":\"secret\"}" },
		{ "req-login-unicode",
		    "{\"type\":\"login\","
		    "\"user\":\"b.o-b_1\","
		    "\"password\":\"p\\u00e4ss \\ud83d\\udd11\"}" },
		{ "req-say", "{\"type\":\"say\",\"text\":\"hello, world\"}" },
		{ "req-say-escapes",
		    "{\"type\":\"say\",\"text\":"
		    "\"tab\\there\\nline \\\"q\\\" \\\\ \\u00e9 \\u20ac\"}" },
		{ "req-say-c1", "{\"type\":\"say\",\"text\":\"\\u0085\"}" },
		{ "req-say-del", "{\"type\":\"say\",\"text\":\"\\u007f\"}" },
		{ "req-say-empty", "{\"type\":\"say\",\"text\":\"\"}" },
		{ "req-msg",
		    "{\"type\":\"msg\",\"to\":\"bob\","
		    "\"text\":\"hi bob\"}" },
		{ "req-msg-bad-to",
		    "{\"type\":\"msg\",\"to\":\"b b\","
		    "\"text\":\"x\"}" },
		{ "req-list", "{\"type\":\"list\"}" },
		{ "req-ping", "{\"type\":\"ping\"}" },
		{ "req-ping-id",
		    "{\"type\":\"ping\","
		    "\"id\":9007199254740991}" },
		{ "req-ping-big",
		    "{\"type\":\"ping\","
		    "\"id\":9007199254740992}" },
		{ "req-ping-neg0", "{\"type\":\"ping\",\"id\":-0}" },
		{ "req-ping-real", "{\"type\":\"ping\",\"id\":1.0}" },
		{ "req-ping-exp", "{\"type\":\"ping\",\"id\":1e3}" },
		{ "req-ping-huge",
		    "{\"type\":\"ping\",\"id\":"
		    "123456789012345678901234567890}" },
		{ "req-quit", "{\"type\":\"quit\",\"extra\":[1,2,{}]}" },
		{ "req-unknown", "{\"type\":\"dance\"}" },
		{ "req-server-type", "{\"type\":\"pong\"}" },
		{ "req-dup",
		    "{\"type\":\"say\",\"type\":\"say\","
		    "\"text\":\"x\"}" },
		{ "req-deep",
		    "{\"type\":\"list\",\"a\":[[[[[[[[[[[[[[[[[[[["
		    "[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}" },
		{ "req-nul", "{\"type\":\"say\",\"text\":\"a\\u0000b\"}" },
		{ "req-lone-surrogate",
		    "{\"type\":\"say\",\"text\":"
		    "\"\\ud800\"}" },
		{ "req-not-object", "[\"type\",\"say\"]" },
		{ "req-trailing", "{\"type\":\"list\"} {}" },
		{ "bad-utf8",
		    "{\"type\":\"say\",\"text\":\""
		    "\xc0\xaf\xed\xa0\x80"
		    "\xf4\x90\x80\x80\"}" },
		/* events */
		{ "ev-login-ok",
		    "{\"type\":\"login_ok\",\"user\":\"alice\","
		    "\"users\":[\"alice\",\"bob\"]}" },
		{ "ev-say",
		    "{\"type\":\"say\",\"id\":1,\"ts\":1700000000000,"
		    "\"from\":\"bob\",\"text\":\"hi\"}" },
		{ "ev-msg",
		    "{\"type\":\"msg\",\"id\":2,\"ts\":-1,"
		    "\"from\":\"bob\",\"to\":\"alice\",\"text\":\"psst\"}" },
		{ "ev-presence",
		    "{\"type\":\"presence\",\"user\":\"carol\","
		    "\"online\":false}" },
		{ "ev-users", "{\"type\":\"users\",\"users\":[]}" },
		{ "ev-pong", "{\"type\":\"pong\",\"id\":0}" },
		{ "ev-notice",
		    "{\"type\":\"notice\","
		    "\"text\":\"maintenance\"}" },
		{ "ev-error",
		    "{\"type\":\"error\",\"code\":\"rate_limited\","
		    "\"message\":\"slow down\",\"ref\":\"say\"}" },
		{ "ev-error-unknown",
		    "{\"type\":\"error\","
		    "\"code\":\"new_code\","
		    "\"message\":\"?\"}" },
		{ "ev-bye", "{\"type\":\"bye\",\"reason\":\"shutdown\"}" },
		/* hellos */
		{ "hello-client", FUZZ_CLIENT_HELLO },
		{ "hello-server", FUZZ_SERVER_HELLO },
		{ "hello-proto2", "{\"proto\":2}" },
		{ "hello-proto-real", "{\"proto\":1.0}" },
		{ "hello-long-name",
		    "{\"proto\":1,\"name\":\"\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\"}" },
		{ "hello-empty", "{}" },
	};
	size_t i;

	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		write_str("fuzz_msg", seeds[i].name, seeds[i].json);
}

/* ---- fuzz_users ------------------------------------------------------- */

/* Reads a whole file from the source tree into a new string. */
static char *
read_source(const char *rel)
{
	char path[PATH_MAX], *s;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", source_dir, rel);
	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	if ((s = malloc((size_t)n + 1)) == NULL ||
	    fread(s, 1, (size_t)n, f) != (size_t)n)
		abort();
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Writes "hash\0password" as a seed. */
static void
write_hash_seed(const char *name, const char *hash, const char *pw,
    size_t pwlen)
{
	struct evbuffer *b = buf_new();

	evbuffer_add(b, hash, strlen(hash) + 1);
	evbuffer_add(b, pw, pwlen);
	write_buf("fuzz_users", name, b);
	evbuffer_free(b);
}

/* A pbkdf2 or scrypt hash of TINY_PASSWORD cheap enough to verify. */
static void
tiny_hash(char *out, size_t cap, bool scrypt, unsigned n, unsigned r,
    unsigned p)
{
	uint8_t dk[SC_SCRYPT_DK_LEN];
	char hex[2 * SC_SCRYPT_DK_LEN + 1];
	size_t dklen = scrypt ? SC_SCRYPT_DK_LEN : SC_PBKDF2_DK_LEN;

	if (scrypt) {
		if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)
							      TINY_PASSWORD,
			strlen(TINY_PASSWORD), (const uint8_t *)TINY_SALT,
			strlen(TINY_SALT), n, r, p, dk, dklen) != 0)
			abort();
		sodium_bin2hex(hex, sizeof hex, dk, dklen);
		snprintf(out, cap, "scrypt:%u:%u:%u$%s$%s", n, r, p, TINY_SALT,
		    hex);
	} else {
		pbkdf2_hmac_sha256((const uint8_t *)TINY_PASSWORD,
		    strlen(TINY_PASSWORD), (const uint8_t *)TINY_SALT,
		    strlen(TINY_SALT), n, dk, dklen);
		sodium_bin2hex(hex, sizeof hex, dk, dklen);
		snprintf(out, cap, "pbkdf2:sha256:%u$%s$%s", n, TINY_SALT, hex);
	}
	if (pwhash_verify_string(out, TINY_PASSWORD, strlen(TINY_PASSWORD)) !=
	    0)
		abort();
}

/* Users files and hash strings. */
static void
users_seeds(void)
{
	static const struct {
		const char *name;
		const char *text;
	} bad[] = {
		{ "users-empty", "{}" },
		{ "users-not-object", "[]" },
		{ "users-bad-name", "{\"bad name\":\"pbkdf2:sha256:1$s$00\"}" },
		{ "users-dup", "{\"a\":\"x\",\"a\":\"y\"}" },
		{ "users-not-string", "{\"a\":1}" },
		{ "users-bad-hash", "{\"a\":\"pbkdf2:sha256:1$s$zz\"}" },
		{ "hash-no-iterations", "pbkdf2:sha256$salt$00" },
		{ "hash-leading-zero",
		    "pbkdf2:sha256:01$salt$"
		    "00000000000000000000000000000000"
		    "00000000000000000000000000000000" },
		{ "hash-scrypt-n3", "scrypt:3:1:1$salt$00" },
		{ "hash-scrypt-huge", "scrypt:1099511627776:8:1$salt$00" },
		{ "hash-sha1", "pbkdf2:sha1:1000$salt$00" },
		{ "hash-dollar-salt", "pbkdf2:sha256:1$a$b$00" },
	};
	char tiny[4][SC_PWHASH_MAX_LEN], name[32], *text;
	json_t *root, *hashes, *users, *h;
	const char *hash, *pwhex;
	uint8_t pw[SC_PASSWORD_MAX_LEN];
	size_t i, pwlen;
	json_error_t jerr;

	text = read_source("data/users.json");
	write_str("fuzz_users", "users-example", text);
	free(text);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		write_str("fuzz_users", bad[i].name, bad[i].text);

	/* Werkzeug's hashes: each with its password, and all as one file. */
	text = read_source("test/data/pwhash-werkzeug.json");
	if ((root = json_loads(text, JSON_ALLOW_NUL, &jerr)) == NULL)
		abort();
	free(text);
	hashes = json_object_get(root, "hashes");
	if ((users = json_object()) == NULL)
		abort();
	json_array_foreach(hashes, i, h)
	{
		hash = json_string_value(json_object_get(h, "hash"));
		pwhex = json_string_value(json_object_get(h, "password_hex"));
		if (hash == NULL || pwhex == NULL ||
		    sodium_hex2bin(pw, sizeof pw, pwhex, strlen(pwhex), NULL,
			&pwlen, NULL) != 0)
			abort();
		snprintf(name, sizeof name, "hash-werkzeug-%02zu", i);
		write_hash_seed(name, hash, (const char *)pw, pwlen);
		snprintf(name, sizeof name, "user%02zu", i);
		json_object_set_new(users, name, json_string(hash));
	}
	text = json_dumps(users, JSON_INDENT(2));
	write_str("fuzz_users", "users-werkzeug", text);
	free(text);
	json_decref(users);
	json_decref(root);

	/* Tiny hashes that the target verifies. */
	tiny_hash(tiny[0], sizeof tiny[0], false, 1, 0, 0);
	tiny_hash(tiny[1], sizeof tiny[1], false, 100, 0, 0);
	tiny_hash(tiny[2], sizeof tiny[2], true, 16, 1, 1);
	tiny_hash(tiny[3], sizeof tiny[3], true, 2, 8, 4);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "hash-tiny-%zu", i);
		write_hash_seed(name, tiny[i], TINY_PASSWORD,
		    strlen(TINY_PASSWORD));
		snprintf(name, sizeof name, "hash-tiny-%zu-wrong", i);
		write_hash_seed(name, tiny[i], "PW", 2);
	}
	if ((users = json_pack("{s:s, s:s, s:s}", "alice", tiny[0], "bob.b",
		 tiny[2], "c_3-d", tiny[1])) == NULL)
		abort();
	text = json_dumps(users, JSON_INDENT(2));
	write_str("fuzz_users", "users-tiny", text);
	free(text);
	json_decref(users);
}

/* ---- the Noise targets ----------------------------------------------- */

/* The requests a client sends after the handshake. */
static const char *const requests[] = {
	"{\"type\":\"login\",\"user\":\"alice\",\"password\":\"secret\"}",
	"{\"type\":\"say\",\"text\":\"hello\"}",
	"{\"type\":\"msg\",\"to\":\"bob\",\"text\":\"hi\"}",
	"{\"type\":\"ping\",\"id\":7}",
	"{\"type\":\"list\"}",
	"{\"type\":\"quit\"}",
};

/* The events a server sends after the handshake. */
static const char *const events[] = {
	"{\"type\":\"login_ok\",\"user\":\"alice\",\"users\":[\"alice\"]}",
	"{\"type\":\"say\",\"id\":1,\"ts\":1,\"from\":\"bob\",\"text\":\"yo\"}",
	"{\"type\":\"presence\",\"user\":\"bob\",\"online\":true}",
	"{\"type\":\"error\",\"code\":\"bad_request\",\"message\":\"no\"}",
	"{\"type\":\"pong\",\"id\":7}",
	"{\"type\":\"bye\",\"reason\":\"quit\"}",
};

#define N_REQUESTS (sizeof requests / sizeof requests[0])
#define N_EVENTS   (sizeof events / sizeof events[0])

/* Writes ctl, the chunk-size bytes and the recorded wire bytes. */
static void
write_raw(const char *target, const char *name, uint8_t ctl,
    const uint8_t *sizes, size_t nsizes, struct evbuffer *wire)
{
	struct evbuffer *b = buf_new();

	ctl |= (uint8_t)(nsizes << CTL_CHUNKS_SHIFT);
	evbuffer_add(b, &ctl, 1);
	evbuffer_add(b, sizes, nsizes);
	evbuffer_add(b, evbuffer_pullup(wire, -1), evbuffer_get_length(wire));
	write_buf(target, name, b);
	evbuffer_free(b);
}

/* Writes a scripted seed: ctl, then each string as a record. */
static void
write_scripted(const char *target, const char *name, uint8_t ctl,
    const char *const *recs, size_t n)
{
	struct evbuffer *b = buf_new();
	size_t i;

	ctl |= CTL_SCRIPTED;
	evbuffer_add(b, &ctl, 1);
	for (i = 0; i < n; i++)
		fuzz_add_record(b, recs[i], strlen(recs[i]));
	write_buf(target, name, b);
	evbuffer_free(b);
}

/* Runs the fixed initiator against a channel responder, as the raw mode
 * of fuzz_noise_responder will, recording what the initiator sends:
 * msg1 (with hello), msg3 and n requests; msg1 only if the responder
 * refuses the hello. */
static void
record_client(const char *hello, size_t n, struct evbuffer *wire)
{
	struct sc_keypair server_key, client_key, client_e;
	struct channel_config cfg = { 0 };
	struct noise_handshake ini;
	struct noise_cipher c2s, s2c;
	struct channel ch;
	struct evbuffer *rx = buf_new(), *tx = buf_new();
	uint8_t msg[SC_FRAME_MAX_LEN], pl[SC_FRAME_MAX_LEN];
	size_t len, plen, i;

	fuzz_keypair(&server_key, FUZZ_KEY_SERVER);
	fuzz_keypair(&client_key, FUZZ_KEY_CLIENT);
	fuzz_keypair(&client_e, FUZZ_KEY_CLIENT_E);
	fuzz_rng_reset();
	cfg.role = CHANNEL_RESPONDER;
	cfg.local = &server_key;
	cfg.hello = FUZZ_SERVER_HELLO;
	cfg.hello_len = strlen(FUZZ_SERVER_HELLO);
	if (channel_init(&ch, &cfg) != 0 ||
	    noise_handshake_init(&ini, CHANNEL_PROTOCOL, true,
		(const uint8_t *)SC_PROLOGUE, strlen(SC_PROLOGUE), &client_key,
		NULL) != 0)
		abort();
	noise_handshake_set_ephemeral(&ini, &client_e);

	if (noise_handshake_write(&ini, (const uint8_t *)hello, strlen(hello),
		msg, sizeof msg, &len) != 0)
		abort();
	add_frame(wire, msg, len);
	add_frame(rx, msg, len);
	if (channel_read(&ch, rx, tx, pl, sizeof pl, &plen) != CHANNEL_PROGRESS)
		goto out; /* a refused hello: msg1 only */
	if (frame_read(tx, msg, sizeof msg, &len) != 1 ||
	    noise_handshake_read(&ini, msg, len, pl, sizeof pl, &plen) != 0)
		abort();
	if (noise_handshake_write(&ini, (const uint8_t *)FUZZ_MSG3_PAYLOAD,
		strlen(FUZZ_MSG3_PAYLOAD), msg, sizeof msg, &len) != 0)
		abort();
	add_frame(wire, msg, len);
	add_frame(rx, msg, len);
	if (channel_read(&ch, rx, tx, pl, sizeof pl, &plen) != CHANNEL_READY ||
	    noise_handshake_split(&ini, &c2s, &s2c) != 0)
		abort();
	for (i = 0; i < n; i++) {
		len = strlen(requests[i]);
		if (noise_cipher_encrypt(&c2s, NULL, 0,
			(const uint8_t *)requests[i], len, msg) != 0)
			abort();
		add_frame(wire, msg, len + SC_NOISE_TAG_LEN);
	}
	noise_cipher_wipe(&c2s);
	noise_cipher_wipe(&s2c);
out:
	noise_handshake_wipe(&ini);
	channel_free(&ch);
	evbuffer_free(rx);
	evbuffer_free(tx);
}

/* Runs the fixed responder against a channel initiator, as the raw mode
 * of fuzz_noise_initiator will, recording what the responder sends:
 * msg2 (with hello) and n events. */
static void
record_server(const char *hello, size_t n, struct evbuffer *wire)
{
	struct sc_keypair server_key, client_key, server_e;
	struct channel_config cfg = { 0 };
	struct noise_handshake rsp;
	struct noise_cipher c2s, s2c;
	struct channel ch;
	struct evbuffer *rx = buf_new(), *tx = buf_new();
	uint8_t msg[SC_FRAME_MAX_LEN], pl[SC_FRAME_MAX_LEN];
	size_t len, plen, i;

	fuzz_keypair(&server_key, FUZZ_KEY_SERVER);
	fuzz_keypair(&client_key, FUZZ_KEY_CLIENT);
	fuzz_keypair(&server_e, FUZZ_KEY_SERVER_E);
	fuzz_rng_reset();
	cfg.role = CHANNEL_INITIATOR;
	cfg.local = &client_key;
	cfg.hello = FUZZ_CLIENT_HELLO;
	cfg.hello_len = strlen(FUZZ_CLIENT_HELLO);
	if (channel_init(&ch, &cfg) != 0 || channel_start(&ch, tx) != 0 ||
	    noise_handshake_init(&rsp, CHANNEL_PROTOCOL, false,
		(const uint8_t *)SC_PROLOGUE, strlen(SC_PROLOGUE), &server_key,
		NULL) != 0)
		abort();
	noise_handshake_set_ephemeral(&rsp, &server_e);

	if (frame_read(tx, msg, sizeof msg, &len) != 1 ||
	    noise_handshake_read(&rsp, msg, len, pl, sizeof pl, &plen) != 0)
		abort();
	if (noise_handshake_write(&rsp, (const uint8_t *)hello, strlen(hello),
		msg, sizeof msg, &len) != 0)
		abort();
	add_frame(wire, msg, len);
	add_frame(rx, msg, len);
	if (channel_read(&ch, rx, tx, pl, sizeof pl, &plen) != CHANNEL_READY)
		abort();
	if (frame_read(tx, msg, sizeof msg, &len) != 1 ||
	    noise_handshake_read(&rsp, msg, len, pl, sizeof pl, &plen) != 0 ||
	    noise_handshake_split(&rsp, &s2c, &c2s) != 0)
		abort();
	for (i = 0; i < n; i++) {
		len = strlen(events[i]);
		if (noise_cipher_encrypt(&s2c, NULL, 0,
			(const uint8_t *)events[i], len, msg) != 0)
			abort();
		add_frame(wire, msg, len + SC_NOISE_TAG_LEN);
	}
	noise_cipher_wipe(&c2s);
	noise_cipher_wipe(&s2c);
	noise_handshake_wipe(&rsp);
	channel_free(&ch);
	evbuffer_free(rx);
	evbuffer_free(tx);
}

/* Recorded handshakes and scripted payloads for the responder. */
static void
responder_seeds(void)
{
	static const uint8_t sizes[] = { 1, 31, 200 };
	const char *recs[2 + N_REQUESTS];
	struct evbuffer *wire = buf_new();
	const char *t = "fuzz_noise_responder";
	size_t i;

	record_client(FUZZ_CLIENT_HELLO, 0, wire);
	write_raw(t, "raw-handshake", 0, NULL, 0, wire);
	evbuffer_drain(wire, evbuffer_get_length(wire));
	record_client(FUZZ_CLIENT_HELLO, N_REQUESTS, wire);
	write_raw(t, "raw-session", CTL_FLAG, NULL, 0, wire);
	write_raw(t, "raw-session-chunked", 0, sizes, sizeof sizes, wire);
	evbuffer_drain(wire, evbuffer_get_length(wire));
	record_client("{\"proto\":1}", 1, wire);
	write_raw(t, "raw-minimal-hello", 0, NULL, 0, wire);
	evbuffer_drain(wire, evbuffer_get_length(wire));
	record_client("{\"proto\":2}", 0, wire); /* refused: msg1 only */
	write_raw(t, "raw-bad-proto", 0, NULL, 0, wire);
	evbuffer_free(wire);

	recs[0] = FUZZ_CLIENT_HELLO;
	recs[1] = FUZZ_MSG3_PAYLOAD;
	for (i = 0; i < N_REQUESTS; i++)
		recs[2 + i] = requests[i];
	write_scripted(t, "scripted-session", 0, recs, 2 + N_REQUESTS);
	write_scripted(t, "scripted-login", CTL_FLAG, recs, 2 + N_REQUESTS);
	recs[1] = "{\"any\":[1,\"object\"]}";
	write_scripted(t, "scripted-msg3-object", 0, recs, 3);
	recs[1] = "[]";
	write_scripted(t, "scripted-msg3-array", 0, recs, 2);
	recs[0] = "{\"proto\":1.0}";
	write_scripted(t, "scripted-proto-real", 0, recs, 1);
}

/* Recorded handshakes and scripted payloads for the initiator. */
static void
initiator_seeds(void)
{
	static const uint8_t sizes[] = { 0, 15, 99 };
	const char *recs[1 + N_EVENTS];
	struct evbuffer *wire = buf_new();
	const char *t = "fuzz_noise_initiator";
	size_t i;

	record_server(FUZZ_SERVER_HELLO, 0, wire);
	write_raw(t, "raw-handshake", 0, NULL, 0, wire);
	write_raw(t, "raw-handshake-refused", CTL_FLAG, NULL, 0, wire);
	evbuffer_drain(wire, evbuffer_get_length(wire));
	record_server(FUZZ_SERVER_HELLO, N_EVENTS, wire);
	write_raw(t, "raw-session", 0, NULL, 0, wire);
	write_raw(t, "raw-session-chunked", 0, sizes, sizeof sizes, wire);
	evbuffer_free(wire);

	recs[0] = FUZZ_SERVER_HELLO;
	for (i = 0; i < N_EVENTS; i++)
		recs[1 + i] = events[i];
	write_scripted(t, "scripted-session", 0, recs, 1 + N_EVENTS);
	write_scripted(t, "scripted-refused", CTL_FLAG, recs, 1);
	recs[0] = "{\"proto\":1,\"server\":\"x\"}";
	write_scripted(t, "scripted-no-name", 0, recs, 2);
	recs[0] = "{\"proto\":\"1\"}";
	write_scripted(t, "scripted-proto-string", 0, recs, 1);
}

/* Writes every seed corpus. */
int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: make_corpus CORPUS_DIR SOURCE_DIR\n");
		return 2;
	}
	corpus_dir = argv[1];
	source_dir = argv[2];
	if (mkdir(corpus_dir, 0755) != 0 && errno != EEXIST) {
		perror(corpus_dir);
		return 1;
	}
	fuzz_init();
	frame_seeds();
	msg_seeds();
	users_seeds();
	responder_seeds();
	initiator_seeds();
	return 0;
}
