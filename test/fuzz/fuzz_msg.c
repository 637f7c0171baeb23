/*
 * fuzz_msg.c: libFuzzer target for the JSON messages (msg.h). The input is
 * checked as the server checks a request (parse, members, content, in that
 * order), as a client parses a server event, and as both sides check a
 * hello. A request that passes is encoded again (the request and the
 * answer the server would send) and parsed back: every member of the
 * message table's row must come back byte for byte. An event that parses
 * and that the encoder accepts is encoded again and must parse back to
 * the same event.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "msg.h"
#include "text.h"
#include "utf8.h"

/* The sender and time of the events the round trip encodes. */
#define FUZZ_FROM     "alice"
#define FUZZ_EVENT_ID 42
#define FUZZ_EVENT_TS 1700000000000LL

static char *enc; /* SC_MSG_MAX_LEN bytes for the encoders */

/* Aborts unless a[0..alen) and b[0..blen) are the same bytes. */
static void
same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen || (alen > 0 && memcmp(a, b, alen) != 0))
		abort();
}

/* Aborts unless a and b hold the same value for every member of row. */
static void
same_members(const struct msg_row *row, const struct msg *a,
    const struct msg *b)
{
	const struct msg_member *mb;
	const struct msg_str *sa, *sb;
	const struct msg_int *ia, *ib;
	const struct msg_bool *ba, *bb;
	const struct msg_list *la, *lb;
	size_t i;

	if (a->type != b->type || a->code != b->code)
		abort();
	MSG_FOREACH_MEMBER(row, mb)
	{
		switch (mb->kind) {
		case MSG_K_INT:
			ia = (const void *)((const char *)a + mb->off);
			ib = (const void *)((const char *)b + mb->off);
			if (ia->set != ib->set || (ia->set && ia->v != ib->v))
				abort();
			break;
		case MSG_K_BOOL:
			ba = (const void *)((const char *)a + mb->off);
			bb = (const void *)((const char *)b + mb->off);
			if (ba->set != bb->set || (ba->set && ba->v != bb->v))
				abort();
			break;
		case MSG_K_NAMES:
			la = (const void *)((const char *)a + mb->off);
			lb = (const void *)((const char *)b + mb->off);
			if (la->set != lb->set || la->n != lb->n)
				abort();
			for (i = 0; i < la->n; i++)
				same_bytes(la->v[i], strlen(la->v[i]), lb->v[i],
				    strlen(lb->v[i]));
			break;
		default: /* the string kinds */
			sa = (const void *)((const char *)a + mb->off);
			sb = (const void *)((const char *)b + mb->off);
			if ((sa->s == NULL) != (sb->s == NULL))
				abort();
			if (sa->s != NULL)
				same_bytes(sa->s, sa->len, sb->s, sb->len);
			break;
		}
	}
}

/* A request that passed every step, encoded again, parses back the same
 * through all three steps. */
static void
round_trip_request(const struct msg *req)
{
	struct msg again;
	size_t len;

	if (msg_encode(req, MSG_C2S, enc, SC_MSG_MAX_LEN, &len) != 0)
		abort();
	if (msg_request_parse(&again, (const uint8_t *)enc, len) !=
		MSG_CODE_NONE ||
	    msg_request_members(&again) != MSG_CODE_NONE ||
	    msg_request_content(&again) != MSG_CODE_NONE)
		abort();
	same_members(msg_row_find(req->type, MSG_C2S), req, &again);
	msg_clear(&again);
}

/* say and msg: the event the server sends for the request carries its
 * text and target byte for byte; ping: the pong keeps the id. */
static void
round_trip_answer(const struct msg *req)
{
	struct msg out = { .type = req->type }, ev;
	size_t len;

	switch (req->type) {
	case MSG_SAY:
	case MSG_MSG:
		out.id = MSG_INT(FUZZ_EVENT_ID);
		out.ts = MSG_INT(FUZZ_EVENT_TS);
		out.from = MSG_STR(FUZZ_FROM);
		out.to = req->to;
		out.text = req->text;
		break;
	case MSG_PING:
		out.type = MSG_PONG;
		out.id = req->id;
		break;
	default:
		return;
	}
	if (msg_encode(&out, MSG_S2C, enc, SC_MSG_MAX_LEN, &len) != 0)
		abort();
	if (msg_event_parse(&ev, (const uint8_t *)enc, len) != 0)
		abort();
	same_members(msg_row_find(out.type, MSG_S2C), &out, &ev);
	msg_clear(&ev);
}

/* The server's checks, in its order, then the round trips. */
static void
check_request(const uint8_t *data, size_t size)
{
	struct msg req;
	enum msg_code code;

	code = msg_request_parse(&req, data, size);
	if (req.has_ref && strlen(req.ref_type) > SC_REF_MAX_LEN)
		abort();
	if (code == MSG_CODE_NONE)
		code = msg_request_members(&req);
	if (code == MSG_CODE_NONE)
		code = msg_request_content(&req);
	if (code == MSG_CODE_NONE) {
		round_trip_request(&req);
		round_trip_answer(&req);
	}
	if (msg_code_name(code) == NULL)
		abort();
	msg_clear(&req);
}

/*
 * A client's parse of a server event; an event the encoder accepts
 * parses back to the same event. (The encoder may refuse what a client
 * accepts, e.g. an unknown error code.)
 */
static void
check_event(const uint8_t *data, size_t size)
{
	struct msg ev, again;
	size_t len, i;

	if (msg_event_parse(&ev, data, size) != 0) {
		if (ev.root != NULL || ev.type != MSG_UNKNOWN)
			abort();
		return;
	}
	if (ev.type == MSG_UNKNOWN || ev.root == NULL)
		abort();
	for (i = 0; i < ev.users.n; i++)
		if (ev.users.v[i] == NULL)
			abort();
	if ((ev.type == MSG_SAY || ev.type == MSG_MSG) &&
	    (ev.text.s == NULL || ev.from.s == NULL || ev.id.v <= 0))
		abort();
	if (msg_encode(&ev, MSG_S2C, enc, SC_MSG_MAX_LEN, &len) == 0) {
		if (msg_event_parse(&again, (const uint8_t *)enc, len) != 0)
			abort();
		same_members(msg_row_find(ev.type, MSG_S2C), &ev, &again);
		msg_clear(&again);
	}
	msg_clear(&ev);
}

/* Both sides' hello checks. */
static void
check_hello(const uint8_t *data, size_t size)
{
	struct msg_hello h;
	int with, without;

	with = msg_hello_check(data, size, true, &h);
	if (with == 0 &&
	    (strlen(h.client) > MSG_HELLO_FIELD_MAX ||
		strlen(h.server) > MSG_HELLO_FIELD_MAX ||
		strlen(h.name) > MSG_HELLO_FIELD_MAX ||
		!utf8_valid(h.client, strlen(h.client)) ||
		!utf8_valid(h.server, strlen(h.server)) ||
		!utf8_valid(h.name, strlen(h.name))))
		abort();
	without = msg_hello_check(data, size, false, NULL);
	if (with == 0 && without != 0)
		abort();
	if ((with != 0 && with != SC_ERR_PAYLOAD) ||
	    (without != 0 && without != SC_ERR_PAYLOAD))
		abort();
}

/* The content rules on the raw bytes agree with the UTF-8 check. */
static void
check_content_rules(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	bool utf8 = utf8_valid(s, size);

	if (text_check(s, size, SC_TEXT_MAX_LEN, true) == TEXT_OK && !utf8)
		abort();
	if (text_password_valid(s, size) && !utf8)
		abort();
	if ((text_user_valid(s, size) || text_room_valid(s, size)) && !utf8)
		abort();
}

/* Allocates the encoders' buffer once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	if ((enc = malloc(SC_MSG_MAX_LEN)) == NULL)
		abort();
	return 0;
}

/* One input: every parser of msg.h on the same bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_event(data, size);
	check_hello(data, size);
	check_content_rules(data, size);
	return 0;
}
