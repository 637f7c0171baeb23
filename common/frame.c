/* frame.c: length-prefixed frames on evbuffers (PROTOCOL.md section 1). */
#include <string.h>

#include "frame.h"

/* Returns 1 with *len when a whole frame is buffered, 0 or an error. */
int
frame_peek(struct evbuffer *in, size_t *len)
{
	uint8_t hdr[SC_FRAME_HEADER_LEN];
	size_t body;

	*len = 0;
	if (evbuffer_copyout(in, hdr, sizeof hdr) < (ev_ssize_t)sizeof hdr)
		return 0;
	body = ((size_t)hdr[0] << 8) | hdr[1];
	if (body == 0)
		return SC_ERR_FRAME_EMPTY;
	if (evbuffer_get_length(in) < SC_FRAME_HEADER_LEN + body)
		return 0;
	*len = body;
	return 1;
}

/* Returns the contiguous body of the buffered frame of length len. */
const uint8_t *
frame_body(struct evbuffer *in, size_t len)
{
	const uint8_t *p;

	p = evbuffer_pullup(in, (ev_ssize_t)(SC_FRAME_HEADER_LEN + len));
	return p == NULL ? NULL : p + SC_FRAME_HEADER_LEN;
}

/* Consumes one frame of body length len. */
void
frame_drain(struct evbuffer *in, size_t len)
{
	evbuffer_drain(in, SC_FRAME_HEADER_LEN + len);
}

/* Copies out and consumes the next whole frame. */
int
frame_read(struct evbuffer *in, uint8_t *buf, size_t cap, size_t *len)
{
	size_t body;
	int rc;

	*len = 0;
	if ((rc = frame_peek(in, &body)) <= 0)
		return rc;
	if (body > cap)
		return SC_ERR_TOO_LONG;
	evbuffer_drain(in, SC_FRAME_HEADER_LEN);
	if (evbuffer_remove(in, buf, body) != (int)body)
		return SC_ERR_INVALID; /* cannot happen: peek saw it all */
	*len = body;
	return 1;
}

/* Writes the big-endian length header. */
void
frame_header(uint8_t hdr[SC_FRAME_HEADER_LEN], size_t len)
{
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
}

/* Appends one frame to out. */
int
frame_write(struct evbuffer *out, const uint8_t *data, size_t len)
{
	uint8_t hdr[SC_FRAME_HEADER_LEN];

	if (len == 0 || len > SC_FRAME_MAX_LEN)
		return SC_ERR_INVALID;
	frame_header(hdr, len);
	if (evbuffer_expand(out, sizeof hdr + len) != 0 ||
	    evbuffer_add(out, hdr, sizeof hdr) != 0 ||
	    evbuffer_add(out, data, len) != 0)
		return SC_ERR_IO;
	return 0;
}
