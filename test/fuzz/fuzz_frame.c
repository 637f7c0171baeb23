/*
 * fuzz_frame.c: libFuzzer target for the frame reader (frame.h). The input
 * is fed into an evbuffer in chunks and drained frame by frame with
 * frame_peek/frame_body/frame_drain or frame_read, checking every answer
 * against a shadow reading of the same bytes.
 *
 * Input: one control byte (bits 0-1 the read mode, bits 2-4 how many
 * chunk-size bytes follow, bits 5-7 frame_read's buffer size), the
 * chunk-size bytes, then the wire bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz_util.h"

enum read_mode {
	READ_PEEK,	     /* frame_peek, frame_body, frame_drain */
	READ_COPY,	     /* frame_read */
	READ_ALTERNATE,	     /* one, then the other */
	READ_COPY_THEN_PEEK, /* frame_read; peek and drain if too long */
};

/* frame_read buffer sizes bits 5-7 choose from. */
static const size_t read_caps[] = {
	SC_FRAME_MAX_LEN,
	1,
	2,
	16,
	255,
	256,
	4096,
	SC_FRAME_MAX_LEN - 1,
};

/* The bytes a reader has seen so far and what it consumed of them. */
struct shadow {
	const uint8_t *wire;
	size_t fed;  /* appended to the evbuffer */
	size_t used; /* consumed as frames */
	struct evbuffer *in;
	struct evbuffer *out; /* the frames written back */
	uint8_t *copy;	      /* frame_read's buffer */
};

/* The body length the shadow's next header says, or -1 when unbuffered. */
static long
shadow_next_len(const struct shadow *s)
{
	const uint8_t *p = s->wire + s->used;

	if (s->fed - s->used < SC_FRAME_HEADER_LEN)
		return -1;
	return ((long)p[0] << 8) | p[1];
}

/* Checks one frame of body len at the shadow's position and writes it
 * back to out; aborts on any disagreement. */
static void
check_frame(struct shadow *s, const uint8_t *body, size_t len)
{
	uint8_t hdr[SC_FRAME_HEADER_LEN];

	if (len < 1 || len > SC_FRAME_MAX_LEN)
		abort();
	if ((long)len != shadow_next_len(s))
		abort();
	if (s->fed - s->used < SC_FRAME_HEADER_LEN + len)
		abort();
	if (memcmp(body, s->wire + s->used + SC_FRAME_HEADER_LEN, len) != 0)
		abort();
	frame_header(hdr, len);
	if (memcmp(hdr, s->wire + s->used, sizeof hdr) != 0)
		abort();
	if (frame_write(s->out, body, len) != 0)
		abort();
}

/* Checks what frame_peek (or frame_read) said when it found no frame. */
static void
check_none(const struct shadow *s, int rc)
{
	long next = shadow_next_len(s);

	if (rc == 0) {
		if (next > 0 &&
		    s->fed - s->used >= SC_FRAME_HEADER_LEN + (size_t)next)
			abort();
		if (next == 0)
			abort();
		return;
	}
	if (rc != SC_ERR_FRAME_EMPTY || next != 0)
		abort();
}

/* Reads one frame with peek/body/drain. Returns 1, 0 (need more) or -1
 * (stop: an empty frame closes a connection). */
static int
read_peek(struct shadow *s)
{
	const uint8_t *body;
	size_t len;
	int rc;

	rc = frame_peek(s->in, &len);
	if (rc <= 0) {
		check_none(s, rc);
		return rc == 0 ? 0 : -1;
	}
	if (rc != 1 || evbuffer_get_length(s->in) < SC_FRAME_HEADER_LEN + len)
		abort();
	if ((body = frame_body(s->in, len)) == NULL)
		abort();
	check_frame(s, body, len);
	frame_drain(s->in, len);
	s->used += SC_FRAME_HEADER_LEN + len;
	return 1;
}

/* Reads one frame with frame_read into cap bytes; like read_peek. */
static int
read_copy(struct shadow *s, size_t cap, bool peek_if_long)
{
	size_t before = evbuffer_get_length(s->in), len;
	int rc;

	rc = frame_read(s->in, s->copy, cap, &len);
	if (rc == SC_ERR_TOO_LONG) {
		/* The frame stays in place. */
		if (evbuffer_get_length(s->in) != before ||
		    shadow_next_len(s) <= (long)cap || len != 0)
			abort();
		return peek_if_long ? read_peek(s) : -1;
	}
	if (rc <= 0) {
		if (len != 0 || evbuffer_get_length(s->in) != before)
			abort();
		check_none(s, rc);
		return rc == 0 ? 0 : -1;
	}
	if (rc != 1 || len > cap)
		abort();
	check_frame(s, s->copy, len);
	s->used += SC_FRAME_HEADER_LEN + len;
	if (evbuffer_get_length(s->in) != s->fed - s->used)
		abort();
	return 1;
}

/* Checks what frame_write refuses. */
static void
check_write_limits(void)
{
	static const uint8_t byte;
	struct evbuffer *out;

	if ((out = evbuffer_new()) == NULL)
		abort();
	if (frame_write(out, &byte, 0) != SC_ERR_INVALID ||
	    evbuffer_get_length(out) != 0)
		abort();
	evbuffer_free(out);
}

/* Sets up the crypto-free helpers once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	check_write_limits();
	return 0;
}

/* One input: feed it in chunks and drain every whole frame. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input input = { data, size };
	struct fuzz_chunks chunks;
	struct shadow s = { 0 };
	enum read_mode mode;
	size_t cap, n, total, round = 0;
	uint8_t ctl;
	int rc = 0;

	if (!fuzz_take_byte(&input, &ctl))
		return 0;
	mode = (enum read_mode)(ctl & 3);
	cap = read_caps[ctl >> 5];
	fuzz_chunks_take(&chunks, &input, (ctl >> 2) & FUZZ_MAX_CHUNK_SIZES);
	s.wire = input.data;
	total = input.left;
	if ((s.in = evbuffer_new()) == NULL ||
	    (s.out = evbuffer_new()) == NULL || (s.copy = malloc(cap)) == NULL)
		abort();

	while (s.fed < total && rc >= 0) {
		n = fuzz_chunks_next(&chunks, total - s.fed);
		if (evbuffer_add(s.in, s.wire + s.fed, n) != 0)
			abort();
		s.fed += n;
		for (;;) {
			switch (mode) {
			case READ_PEEK:
				rc = read_peek(&s);
				break;
			case READ_COPY:
				rc = read_copy(&s, cap, false);
				break;
			case READ_ALTERNATE:
				rc = round++ % 2 == 0 ?
				    read_peek(&s) :
				    read_copy(&s, cap, false);
				break;
			case READ_COPY_THEN_PEEK:
				rc = read_copy(&s, cap, true);
				break;
			}
			if (evbuffer_get_length(s.in) != s.fed - s.used)
				abort();
			if (rc <= 0)
				break;
		}
	}

	/* Writing the frames back gives exactly the bytes consumed. */
	if (evbuffer_get_length(s.out) != s.used)
		abort();
	if (s.used > 0 &&
	    memcmp(evbuffer_pullup(s.out, -1), s.wire, s.used) != 0)
		abort();

	free(s.copy);
	evbuffer_free(s.out);
	evbuffer_free(s.in);
	return 0;
}
