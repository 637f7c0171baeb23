/*
 * fuzz_msg.c: libFuzzer target for the JSON messages (msg.h). The input is
 * checked as the server checks a request (parse, members, content, in that
 * order), as a client parses a server event, and as both sides check a
 * hello. A request that passes is encoded again (the request and the
 * event the server would send) and parsed back: the text, names and ids
 * must come back byte for byte. An event that parses and that the
 * encoders accept is encoded again and must parse back to the same event.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "msg.h"

/* The sender and time of the events the round trip encodes. */
#define FUZZ_FROM	"alice"
#define FUZZ_EVENT_ID	42
#define FUZZ_EVENT_TS	1700000000000LL

static char *enc;	/* SC_MSG_MAX_LEN bytes for the encoders */

/* Aborts unless a[0..alen) and b[0..blen) are the same bytes. */
static void
same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen || (alen > 0 && memcmp(a, b, alen) != 0))
		abort();
}

/* Parses an encoded request back through all three steps. */
static void
reparse_request(const char *buf, size_t len, struct msg_request *out)
{
	if (msg_request_parse(out, (const uint8_t *)buf, len) !=
	    MSG_CODE_NONE || msg_request_members(out) != MSG_CODE_NONE ||
	    msg_request_content(out) != MSG_CODE_NONE)
		abort();
}

/* say and msg: the request again, and the event the server sends. */
static void
round_trip_text(const struct msg_request *req)
{
	struct msg_request again;
	struct msg_event ev;
	size_t len;
	int rc;

	if (req->type == MSG_SAY)
		rc = msg_encode_say_request(enc, SC_MSG_MAX_LEN, &len,
		    req->text, req->text_len);
	else
		rc = msg_encode_msg_request(enc, SC_MSG_MAX_LEN, &len, req->to,
		    req->text, req->text_len);
	if (rc != 0)
		abort();
	reparse_request(enc, len, &again);
	if (again.type != req->type)
		abort();
	same_bytes(again.text, again.text_len, req->text, req->text_len);
	if (req->type == MSG_MSG)
		same_bytes(again.to, again.to_len, req->to, req->to_len);
	msg_request_clear(&again);

	if (req->type == MSG_SAY)
		rc = msg_encode_say(enc, SC_MSG_MAX_LEN, &len, FUZZ_EVENT_ID,
		    FUZZ_EVENT_TS, FUZZ_FROM, req->text, req->text_len);
	else
		rc = msg_encode_msg(enc, SC_MSG_MAX_LEN, &len, FUZZ_EVENT_ID,
		    FUZZ_EVENT_TS, FUZZ_FROM, req->to, req->text,
		    req->text_len);
	if (rc != 0)
		abort();
	if (msg_event_parse(&ev, (const uint8_t *)enc, len) != 0)
		abort();
	if (ev.type != req->type || ev.id != FUZZ_EVENT_ID ||
	    ev.ts != FUZZ_EVENT_TS || strcmp(ev.from, FUZZ_FROM) != 0)
		abort();
	same_bytes(ev.text, ev.text_len, req->text, req->text_len);
	if (req->type == MSG_MSG)
		same_bytes(ev.to, strlen(ev.to), req->to, req->to_len);
	msg_event_clear(&ev);
}

/* login: the request encoded again gives the same user and password. */
static void
round_trip_login(const struct msg_request *req)
{
	struct msg_request again;
	char user[SC_USER_MAX_LEN + 1];
	size_t len;

	memcpy(user, req->user, req->user_len);
	user[req->user_len] = '\0';
	if (msg_encode_login(enc, SC_MSG_MAX_LEN, &len, user, req->password,
	    req->password_len) != 0)
		abort();
	reparse_request(enc, len, &again);
	if (again.type != MSG_LOGIN)
		abort();
	same_bytes(again.user, again.user_len, req->user, req->user_len);
	same_bytes(again.password, again.password_len, req->password,
	    req->password_len);
	msg_request_clear(&again);
}

/* ping: the request again, and the pong, keep the id. */
static void
round_trip_ping(const struct msg_request *req)
{
	struct msg_request again;
	struct msg_event ev;
	size_t len;

	if (msg_encode_ping(enc, SC_MSG_MAX_LEN, &len, req->has_id,
	    req->id) != 0)
		abort();
	reparse_request(enc, len, &again);
	if (again.type != MSG_PING || again.has_id != req->has_id ||
	    again.id != req->id)
		abort();
	msg_request_clear(&again);

	if (msg_encode_pong(enc, SC_MSG_MAX_LEN, &len, req->has_id,
	    req->id) != 0)
		abort();
	if (msg_event_parse(&ev, (const uint8_t *)enc, len) != 0)
		abort();
	if (ev.type != MSG_PONG || ev.has_id != req->has_id ||
	    ev.id != req->id)
		abort();
	msg_event_clear(&ev);
}

/* The server's checks, in its order, then the round trips. */
static void
check_request(const uint8_t *data, size_t size)
{
	struct msg_request req;
	enum msg_code code;

	code = msg_request_parse(&req, data, size);
	if (req.has_ref && strlen(req.ref) > SC_REF_MAX_LEN)
		abort();
	if (code == MSG_CODE_NONE)
		code = msg_request_members(&req);
	if (code == MSG_CODE_NONE)
		code = msg_request_content(&req);
	if (code == MSG_CODE_NONE) {
		switch (req.type) {
		case MSG_SAY:
		case MSG_MSG:
			round_trip_text(&req);
			break;
		case MSG_LOGIN:
			round_trip_login(&req);
			break;
		case MSG_PING:
			round_trip_ping(&req);
			break;
		default:
			break;
		}
	}
	if (msg_code_name(code) == NULL)
		abort();
	msg_request_clear(&req);
}

/* Aborts unless both strings are absent or both are the same. */
static void
same_string(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		abort();
}

/* Encodes ev again as a server would; returns the encoder's answer. */
static int
encode_event(const struct msg_event *ev, size_t *len)
{
	switch (ev->type) {
	case MSG_SAY:
		return msg_encode_say(enc, SC_MSG_MAX_LEN, len, ev->id, ev->ts,
		    ev->from, ev->text, ev->text_len);
	case MSG_MSG:
		return msg_encode_msg(enc, SC_MSG_MAX_LEN, len, ev->id, ev->ts,
		    ev->from, ev->to, ev->text, ev->text_len);
	case MSG_LOGIN_OK:
		return msg_encode_login_ok(enc, SC_MSG_MAX_LEN, len, ev->user,
		    ev->users, ev->n_users);
	case MSG_PRESENCE:
		return msg_encode_presence(enc, SC_MSG_MAX_LEN, len, ev->user,
		    ev->online);
	case MSG_USERS:
		return msg_encode_users(enc, SC_MSG_MAX_LEN, len, ev->users,
		    ev->n_users);
	case MSG_PONG:
		return msg_encode_pong(enc, SC_MSG_MAX_LEN, len, ev->has_id,
		    ev->id);
	case MSG_NOTICE:
		return msg_encode_notice(enc, SC_MSG_MAX_LEN, len, ev->text);
	case MSG_ERROR:
		return msg_encode_error(enc, SC_MSG_MAX_LEN, len, ev->code,
		    ev->message, ev->ref);
	case MSG_BYE:
		return msg_encode_bye(enc, SC_MSG_MAX_LEN, len, ev->reason);
	default:
		abort();
	}
}

/*
 * An event the encoders accept parses back to the same event. (They may
 * refuse what a client accepts, e.g. an unknown error code.)
 */
static void
round_trip_event(const struct msg_event *ev)
{
	struct msg_event again;
	size_t len, i;

	if (encode_event(ev, &len) != 0)
		return;
	if (msg_event_parse(&again, (const uint8_t *)enc, len) != 0)
		abort();
	if (again.type != ev->type || again.id != ev->id ||
	    again.has_id != ev->has_id || again.ts != ev->ts ||
	    again.online != ev->online || again.code != ev->code ||
	    again.n_users != ev->n_users)
		abort();
	same_string(again.user, ev->user);
	same_string(again.from, ev->from);
	same_string(again.to, ev->to);
	same_bytes(again.text, again.text_len, ev->text, ev->text_len);
	same_string(again.code_name, ev->code_name);
	same_string(again.message, ev->message);
	same_string(again.ref, ev->ref);
	same_string(again.reason, ev->reason);
	for (i = 0; i < ev->n_users; i++)
		same_string(again.users[i], ev->users[i]);
	msg_event_clear(&again);
}

/* A client's parse of a server event, then its round trip. */
static void
check_event(const uint8_t *data, size_t size)
{
	struct msg_event ev;
	size_t i;

	if (msg_event_parse(&ev, data, size) == 0) {
		if (ev.type == MSG_UNKNOWN || ev.root == NULL)
			abort();
		for (i = 0; i < ev.n_users; i++)
			if (ev.users[i] == NULL)
				abort();
		if ((ev.type == MSG_SAY || ev.type == MSG_MSG) &&
		    (ev.text == NULL || ev.from == NULL || ev.id == 0))
			abort();
		round_trip_event(&ev);
	}
	msg_event_clear(&ev);
}

/* Both sides' hello checks. */
static void
check_hello(const uint8_t *data, size_t size)
{
	struct msg_hello h;
	int with, without;

	with = msg_hello_check(data, size, true, &h);
	if (with == 0 && (strlen(h.client) > MSG_HELLO_FIELD_MAX ||
	    strlen(h.server) > MSG_HELLO_FIELD_MAX ||
	    strlen(h.name) > MSG_HELLO_FIELD_MAX ||
	    !msg_utf8_valid(h.client, strlen(h.client)) ||
	    !msg_utf8_valid(h.server, strlen(h.server)) ||
	    !msg_utf8_valid(h.name, strlen(h.name))))
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
	bool utf8 = msg_utf8_valid(s, size);

	if (msg_text_check(s, size) == MSG_CODE_NONE && !utf8)
		abort();
	if (msg_password_valid(s, size) && !utf8)
		abort();
	if (msg_user_valid(s, size) && !utf8)
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
