/*
 * fuzz_util.c: the deterministic randombytes, fixed keys and input
 * readers shared by the fuzz targets (see fuzz_util.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz_util.h"
#include "noise.h"

/* Any fixed value: the stream only has to be the same on every run. */
#define RNG_SEED 0x5ecc4a7f0220ULL

static uint64_t rng_state = RNG_SEED;

/* splitmix64: the next 64 bits of the stream. */
static uint64_t
rng_next(void)
{
	uint64_t z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* randombytes: the implementation's name. */
static const char *
rng_name(void)
{
	return "securechat-fuzz";
}

/* randombytes: 32 bits. */
static uint32_t
rng_random(void)
{
	return (uint32_t)(rng_next() >> 32);
}

/* randombytes: fills buf with size bytes. */
static void
rng_buf(void *const buf, const size_t size)
{
	uint8_t *p = buf;
	uint64_t v;
	size_t i, n;

	for (i = 0; i < size; i += n) {
		v = rng_next();
		n = size - i < sizeof v ? size - i : sizeof v;
		memcpy(p + i, &v, n);
	}
}

static randombytes_implementation fuzz_rng = {
	.implementation_name = rng_name,
	.random = rng_random,
	.stir = NULL,
	.uniform = NULL,
	.buf = rng_buf,
	.close = NULL,
};

/* Installs the deterministic randombytes and starts the crypto. */
void
fuzz_init(void)
{
	if (randombytes_set_implementation(&fuzz_rng) != 0)
		abort();
	if (noise_global_init() != 0)
		abort();
	fuzz_rng_reset();
}

/* Restarts the random stream. */
void
fuzz_rng_reset(void)
{
	rng_state = RNG_SEED;
}

/* The fixed key pair for tag. */
void
fuzz_keypair(struct sc_keypair *kp, uint8_t tag)
{
	uint8_t secret[SC_NOISE_KEY_LEN];

	memset(secret, tag, sizeof secret);
	keys_from_secret(kp, secret);
}

/* Takes one byte. */
bool
fuzz_take_byte(struct fuzz_input *in, uint8_t *b)
{
	if (in->left == 0)
		return false;
	*b = in->data[0];
	in->data++;
	in->left--;
	return true;
}

/* Takes up to n chunk-size bytes. */
void
fuzz_chunks_take(struct fuzz_chunks *c, struct fuzz_input *in, size_t n)
{
	if (n > in->left)
		n = in->left;
	c->sizes = in->data;
	c->n = n;
	c->next = 0;
	in->data += n;
	in->left -= n;
}

/* The next chunk size, cycling through the size bytes. */
size_t
fuzz_chunks_next(struct fuzz_chunks *c, size_t left)
{
	size_t size;

	if (c->n == 0)
		return left;
	size = (size_t)c->sizes[c->next] + 1;
	c->next = (c->next + 1) % c->n;
	return size < left ? size : left;
}

/* Takes one length-prefixed record. */
bool
fuzz_take_record(struct fuzz_input *in, const uint8_t **rec, size_t *len)
{
	size_t n;

	*rec = NULL;
	*len = 0;
	if (in->left < FUZZ_RECORD_HEADER_LEN)
		return false;
	n = ((size_t)in->data[0] << 8) | in->data[1];
	in->data += FUZZ_RECORD_HEADER_LEN;
	in->left -= FUZZ_RECORD_HEADER_LEN;
	if (n > in->left)
		n = in->left;
	*rec = in->data;
	*len = n;
	in->data += n;
	in->left -= n;
	return true;
}

/* Appends one record. */
void
fuzz_add_record(struct evbuffer *out, const void *rec, size_t len)
{
	uint8_t hdr[FUZZ_RECORD_HEADER_LEN];

	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
	if (evbuffer_add(out, hdr, sizeof hdr) != 0 ||
	    evbuffer_add(out, rec, len) != 0)
		abort();
}
