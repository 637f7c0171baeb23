/*
 * frame.h: the 2-byte big-endian length-prefixed frames of PROTOCOL.md
 * section 1, read from and written to libevent evbuffers.
 *
 * A reader never needs more than one maximal frame (SC_FRAME_MAX_WIRE
 * bytes) buffered: callers set that as their read high-watermark, so a
 * peer can never make us hold more than one frame before it is handled.
 */
#ifndef SC_FRAME_H
#define SC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "error.h"
#include "sc_limits.h"

/*
 * Looks at the start of in. Returns 1 and sets *len to the frame's body
 * length when a whole frame is buffered; 0 when more bytes are needed;
 * SC_ERR_FRAME_EMPTY when the length field is 0. Consumes nothing.
 */
int frame_peek(struct evbuffer *in, size_t *len) SC_WUR;

/*
 * Returns a pointer to the body of the whole frame at the start of in
 * (len from frame_peek), made contiguous in the evbuffer. The pointer is
 * valid until in is changed; frame_drain() consumes the frame.
 */
const uint8_t *frame_body(struct evbuffer *in, size_t len);

/* Removes one frame of body length len from the start of in. */
void frame_drain(struct evbuffer *in, size_t len);

/*
 * Copies the next frame's body into buf (cap bytes) and consumes it.
 * Returns 1 with *len set, 0 when no whole frame is buffered,
 * SC_ERR_FRAME_EMPTY, or SC_ERR_TOO_LONG when the body exceeds cap (the
 * frame is left in place).
 */
int frame_read(struct evbuffer *in, uint8_t *buf, size_t cap,
    size_t *len) SC_WUR;

/* Appends one frame holding data[0..len) to out. Returns 0, or
 * SC_ERR_INVALID for len 0 or above SC_FRAME_MAX_LEN. */
int frame_write(struct evbuffer *out, const uint8_t *data, size_t len) SC_WUR;

/* Writes the 2-byte header for a body of len bytes into hdr. */
void frame_header(uint8_t hdr[SC_FRAME_HEADER_LEN], size_t len);

#endif /* SC_FRAME_H */
