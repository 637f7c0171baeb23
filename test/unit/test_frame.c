/*
 * test_frame.c: length-prefixed frames on evbuffers: whole, split,
 * truncated, zero-length, maximal and oversized frames.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "frame.h"

/* Appends raw bytes. */
static void
add(struct evbuffer *b, const void *p, size_t n)
{
	assert_int_equal(evbuffer_add(b, p, n), 0);
}

/* A frame written is read back, byte for byte, with its header. */
static void
test_roundtrip(void **state)
{
	static const size_t sizes[] = { 1, 2, 255, 256, 4096, 65534, 65535 };
	struct evbuffer *b = evbuffer_new();
	uint8_t *data = malloc(SC_FRAME_MAX_LEN),
		*back = malloc(SC_FRAME_MAX_LEN);
	uint8_t hdr[2];
	size_t i, j, len;

	(void)state;
	for (i = 0; i < SC_FRAME_MAX_LEN; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(frame_write(b, data, sizes[i]), 0);
		assert_int_equal(evbuffer_get_length(b), sizes[i] + 2);
		assert_int_equal(evbuffer_copyout(b, hdr, 2), 2);
		/* Big-endian length. */
		assert_int_equal(hdr[0], sizes[i] >> 8);
		assert_int_equal(hdr[1], sizes[i] & 0xff);
		assert_int_equal(frame_read(b, back, SC_FRAME_MAX_LEN, &len),
		    1);
		assert_int_equal(len, sizes[i]);
		assert_memory_equal(back, data, len);
		assert_int_equal(evbuffer_get_length(b), 0);
	}
	/* Several frames back to back come out in order. */
	for (j = 1; j <= 5; j++)
		assert_int_equal(frame_write(b, data + j, j), 0);
	for (j = 1; j <= 5; j++) {
		assert_int_equal(frame_read(b, back, 16, &len), 1);
		assert_int_equal(len, j);
		assert_memory_equal(back, data + j, j);
	}
	assert_int_equal(frame_read(b, back, 16, &len), 0);
	evbuffer_free(b);
	free(data);
	free(back);
}

/* Bytes that arrive one at a time make a frame only when all are in. */
static void
test_byte_by_byte(void **state)
{
	struct evbuffer *b = evbuffer_new();
	const uint8_t wire[] = { 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0x00 };
	uint8_t back[8];
	size_t i, len;

	(void)state;
	for (i = 0; i < 6; i++) {
		add(b, wire + i, 1);
		assert_int_equal(frame_read(b, back, sizeof back, &len), 0);
		assert_int_equal(frame_peek(b, &len), 0);
	}
	add(b, wire + 6, 1);
	assert_int_equal(frame_peek(b, &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(frame_body(b, len), "hello", 5);
	frame_drain(b, len);
	assert_int_equal(evbuffer_get_length(b), 0);
	/* One byte of the next header: not a frame yet. */
	add(b, wire + 7, 1);
	assert_int_equal(frame_peek(b, &len), 0);
	evbuffer_free(b);
}

/* A zero length is an error, also after a valid frame. */
static void
test_zero_length(void **state)
{
	struct evbuffer *b = evbuffer_new();
	const uint8_t wire[] = { 0x00, 0x01, 'x', 0x00, 0x00, 0x00, 0x01 };
	uint8_t back[8];
	size_t len;

	(void)state;
	add(b, wire, sizeof wire);
	assert_int_equal(frame_read(b, back, sizeof back, &len), 1);
	assert_int_equal(frame_read(b, back, sizeof back, &len),
	    SC_ERR_FRAME_EMPTY);
	assert_int_equal(frame_peek(b, &len), SC_ERR_FRAME_EMPTY);
	evbuffer_free(b);
}

/* Truncated frames stay pending; oversized bodies and writes fail. */
static void
test_limits(void **state)
{
	struct evbuffer *b = evbuffer_new();
	uint8_t hdr[2] = { 0xff, 0xff }, back[16], *big;
	size_t len;

	(void)state;
	big = calloc(1, SC_FRAME_MAX_LEN + 1);
	/* 65535 announced, 65534 present: still waiting. */
	add(b, hdr, 2);
	add(b, big, SC_FRAME_MAX_LEN - 1);
	assert_int_equal(frame_peek(b, &len), 0);
	add(b, big, 1);
	assert_int_equal(frame_peek(b, &len), 1);
	assert_int_equal(len, SC_FRAME_MAX_LEN);
	/* The caller's buffer is too small: refused, left in place. */
	assert_int_equal(frame_read(b, back, sizeof back, &len),
	    SC_ERR_TOO_LONG);
	assert_int_equal(evbuffer_get_length(b), SC_FRAME_MAX_WIRE);
	evbuffer_drain(b, evbuffer_get_length(b));
	/* Nothing to write and too much to write. */
	assert_int_equal(frame_write(b, big, 0), SC_ERR_INVALID);
	assert_int_equal(frame_write(b, big, SC_FRAME_MAX_LEN + 1),
	    SC_ERR_INVALID);
	assert_int_equal(evbuffer_get_length(b), 0);
	free(big);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
