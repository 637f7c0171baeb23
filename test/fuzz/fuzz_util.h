/*
 * fuzz_util.h: what the libFuzzer targets of test/fuzz/ and their corpus
 * generator share: a deterministic randombytes for libsodium (so every
 * "random" ephemeral key is the same on every run), the fixed key pairs,
 * the fixed hellos, and the input readers (chunk sizes, length-prefixed
 * records) that split one fuzzer input into pieces.
 */
#ifndef SC_FUZZ_UTIL_H
#define SC_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "keys.h"

/* The fixed keys: each secret is 32 copies of its tag byte. */
#define FUZZ_KEY_SERVER	  0x53 /* responder static */
#define FUZZ_KEY_CLIENT	  0x43 /* initiator static */
#define FUZZ_KEY_CLIENT_E 0x65 /* the real initiator's ephemeral */
#define FUZZ_KEY_SERVER_E 0x45 /* the real responder's ephemeral */

/* The hellos the channels under test send. */
#define FUZZ_CLIENT_HELLO "{\"proto\":1,\"client\":\"fuzz/1\"}"
#define FUZZ_SERVER_HELLO                                                      \
	"{\"proto\":1,\"server\":\"fuzzd/1\",\"name\":\"Fuzz\"}"
#define FUZZ_MSG3_PAYLOAD "{}" /* what channel.c's initiator sends */

/* Most chunk-size bytes an input may start with. */
#define FUZZ_MAX_CHUNK_SIZES 7

/* A record header: 2-byte big-endian length, as a frame header. */
#define FUZZ_RECORD_HEADER_LEN 2

/* Where the next piece of an input comes from. */
struct fuzz_input {
	const uint8_t *data;
	size_t left;
};

/* Chunk sizes for feeding wire bytes; none means all at once. */
struct fuzz_chunks {
	const uint8_t *sizes;
	size_t n;
	size_t next;
};

/* libFuzzer's entry points. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Installs the deterministic randombytes and starts libsodium and the
 * Noise module. Aborts on failure. Call once, before anything else.
 */
void fuzz_init(void);

/* Restarts the deterministic random stream (call at each input). */
void fuzz_rng_reset(void);

/* Sets kp to the fixed key pair for tag (FUZZ_KEY_*). */
void fuzz_keypair(struct sc_keypair *kp, uint8_t tag);

/* Takes one byte from in; false when in is empty. */
bool fuzz_take_byte(struct fuzz_input *in, uint8_t *b);

/* Takes n chunk-size bytes (fewer if in is shorter) from in into c. */
void fuzz_chunks_take(struct fuzz_chunks *c, struct fuzz_input *in, size_t n);

/* The size of the next chunk (1..256 by the size bytes), at most left. */
size_t fuzz_chunks_next(struct fuzz_chunks *c, size_t left);

/*
 * Takes the next record from in: a 2-byte big-endian length, then that
 * many bytes (or all that is left when fewer). Returns false when in has
 * no header left.
 */
bool fuzz_take_record(struct fuzz_input *in, const uint8_t **rec, size_t *len);

/* Appends a record header and rec[0..len) to out (corpus generator). */
void fuzz_add_record(struct evbuffer *out, const void *rec, size_t len);

#endif /* SC_FUZZ_UTIL_H */
