/*
 * msg.c: the message table of PROTOCOL.md sections 3-4 and the code that
 * walks it. Each message type is one row (name, direction, members with
 * their rule kinds); parsing a request in the spec's order, parsing an
 * event, encoding either and writing the fuzz dictionary all read the
 * rows, so a new message is a new row. The strict JSON rules live in
 * jload.c, the content rules in text.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jload.h"
#include "msg.h"
#include "text.h"
#include "utf8.h"
#include "xmalloc.h"

/* The table reads as a table, one member a line. */
/* clang-format off */
#define F(field)	offsetof(struct msg, field)
#define REQ		MSG_REQUIRED

/* A member: name, kind, flags, field, then the kind's range. */
#define USER(n, fl, f)		{ n, MSG_K_USER, fl, F(f), 0, 0 }
#define TEXT(n, fl, f, max)	{ n, MSG_K_TEXT, fl, F(f), 0, max }
#define PASSWORD(n, fl, f)	{ n, MSG_K_PASSWORD, fl, F(f), 0, 0 }
#define STRING(n, fl, f)	{ n, MSG_K_STRING, fl, F(f), 0, 0 }
#define CODE(n, fl, f)		{ n, MSG_K_CODE, fl, F(f), 0, 0 }
#define INT(n, fl, f, lo, hi)	{ n, MSG_K_INT, fl, F(f), lo, hi }
#define BOOL(n, fl, f)		{ n, MSG_K_BOOL, fl, F(f), 0, 0 }
#define NAMES(n, fl, f)		{ n, MSG_K_NAMES, fl, F(f), 0, 0 }
#define ROOM(n, fl, f)		{ n, MSG_K_ROOM, fl, F(f), 0, 0 }
#define ARRAY(n, fl, f)		{ n, MSG_K_ARRAY, fl, F(f), 0, 0 }
#define EMPTY_OK		MSG_EMPTY_OK

/*
 * The messages of the protocol, one row each, members in wire order.
 * Requests (MSG_C2S) get the content rules at step 5; events (MSG_S2C)
 * only the JSON types and integer ranges.
 */
const struct msg_row msg_rows[] = {
	/* Client -> server. */
	{ MSG_LOGIN, "login", MSG_C2S, {
		USER("user", REQ, user),
		PASSWORD("password", REQ, password) } },
	{ MSG_SAY, "say", MSG_C2S, {
		TEXT("text", REQ, text, SC_TEXT_MAX_LEN),
		ROOM("room", 0, room),
		BOOL("action", 0, action) } },
	{ MSG_MSG, "msg", MSG_C2S, {
		USER("to", REQ, to),
		TEXT("text", REQ, text, SC_TEXT_MAX_LEN),
		BOOL("action", 0, action) } },
	{ .type = MSG_LIST, .name = "list", .dir = MSG_C2S },
	{ MSG_PING, "ping", MSG_C2S, {
		INT("id", 0, id, 0, SC_PING_ID_MAX) } },
	{ .type = MSG_QUIT, .name = "quit", .dir = MSG_C2S },
	{ MSG_JOIN, "join", MSG_C2S, {
		ROOM("room", REQ, room) } },
	{ MSG_PART, "part", MSG_C2S, {
		ROOM("room", REQ, room),
		TEXT("reason", 0, reason, SC_TEXT_MAX_LEN) } },
	{ MSG_TOPIC, "topic", MSG_C2S, {
		ROOM("room", REQ, room),
		TEXT("topic", EMPTY_OK, topic, SC_TOPIC_MAX_LEN) } },
	{ MSG_NAMES, "names", MSG_C2S, {
		ROOM("room", REQ, room) } },
	{ .type = MSG_ROOMS, .name = "rooms", .dir = MSG_C2S },
	{ MSG_HISTORY, "history", MSG_C2S, {
		ROOM("room", 0, room),
		USER("with", 0, with),
		INT("before", 0, before, 1, SC_ID_MAX),
		INT("limit", 0, limit, 1, SC_HISTORY_MAX_LIMIT) } },
	{ MSG_AWAY, "away", MSG_C2S, {
		TEXT("text", 0, text, SC_AWAY_MAX_LEN) } },
	{ MSG_WHOIS, "whois", MSG_C2S, {
		USER("user", REQ, user) } },
	{ MSG_KICK, "kick", MSG_C2S, {
		USER("user", REQ, user),
		ROOM("room", 0, room),
		TEXT("reason", 0, reason, SC_TEXT_MAX_LEN) } },
	{ MSG_MUTE, "mute", MSG_C2S, {
		USER("user", REQ, user),
		ROOM("room", 0, room),
		INT("seconds", 0, seconds, 1, SC_MOD_SECONDS_MAX),
		TEXT("reason", 0, reason, SC_TEXT_MAX_LEN) } },
	{ MSG_UNMUTE, "unmute", MSG_C2S, {
		USER("user", REQ, user),
		ROOM("room", 0, room) } },
	{ MSG_BAN, "ban", MSG_C2S, {
		USER("user", REQ, user),
		INT("seconds", 0, seconds, 1, SC_MOD_SECONDS_MAX),
		TEXT("reason", 0, reason, SC_TEXT_MAX_LEN) } },
	{ MSG_UNBAN, "unban", MSG_C2S, {
		USER("user", REQ, user) } },

	/* Server -> client. */
	{ MSG_LOGIN_OK, "login_ok", MSG_S2C, {
		USER("user", REQ, user),
		NAMES("users", REQ, users),
		BOOL("more", 0, more),
		BOOL("op", 0, op) } },
	{ MSG_SAY, "say", MSG_S2C, {
		INT("id", REQ, id, 1, INT64_MAX),
		INT("ts", REQ, ts, INT64_MIN, INT64_MAX),
		ROOM("room", 0, room),
		USER("from", REQ, from),
		TEXT("text", REQ, text, SC_TEXT_MAX_LEN),
		BOOL("action", 0, action) } },
	{ MSG_MSG, "msg", MSG_S2C, {
		INT("id", REQ, id, 1, INT64_MAX),
		INT("ts", REQ, ts, INT64_MIN, INT64_MAX),
		USER("from", REQ, from),
		USER("to", REQ, to),
		TEXT("text", REQ, text, SC_TEXT_MAX_LEN),
		BOOL("action", 0, action) } },
	{ MSG_PRESENCE, "presence", MSG_S2C, {
		USER("user", REQ, user),
		BOOL("online", REQ, online) } },
	{ MSG_USERS, "users", MSG_S2C, {
		ROOM("room", 0, room),
		NAMES("users", REQ, users),
		BOOL("more", 0, more) } },
	{ MSG_PONG, "pong", MSG_S2C, {
		INT("id", 0, id, 0, SC_PING_ID_MAX) } },
	{ MSG_NOTICE, "notice", MSG_S2C, {
		STRING("text", REQ, text),
		BOOL("motd", 0, motd) } },
	{ MSG_ERROR, "error", MSG_S2C, {
		CODE("code", REQ, code_name),
		STRING("message", REQ, message),
		STRING("ref", 0, ref),
		INT("until", 0, until, 0, INT64_MAX) } },
	{ MSG_BYE, "bye", MSG_S2C, {
		STRING("reason", REQ, reason) } },
	{ MSG_JOINED, "joined", MSG_S2C, {
		ROOM("room", REQ, room),
		STRING("topic", REQ, topic),
		NAMES("users", REQ, users),
		BOOL("more", 0, more) } },
	{ MSG_ROOM_JOIN, "room_join", MSG_S2C, {
		ROOM("room", REQ, room),
		USER("user", REQ, user) } },
	{ MSG_PARTED, "parted", MSG_S2C, {
		ROOM("room", REQ, room),
		USER("by", 0, by),
		STRING("reason", 0, reason) } },
	{ MSG_ROOM_PART, "room_part", MSG_S2C, {
		ROOM("room", REQ, room),
		USER("user", REQ, user),
		USER("by", 0, by),
		STRING("reason", 0, reason) } },
	{ MSG_TOPIC, "topic", MSG_S2C, {
		ROOM("room", REQ, room),
		STRING("topic", REQ, topic),
		USER("by", 0, by),
		INT("ts", 0, ts, INT64_MIN, INT64_MAX) } },
	{ MSG_NAMES, "names", MSG_S2C, {
		ROOM("room", REQ, room),
		NAMES("users", REQ, users),
		BOOL("more", 0, more) } },
	{ MSG_ROOMS, "rooms", MSG_S2C, {
		ARRAY("rooms", REQ, room_list) } },
	{ MSG_HISTORY, "history", MSG_S2C, {
		ROOM("room", 0, room),
		USER("with", 0, with),
		ARRAY("messages", REQ, messages),
		BOOL("more", REQ, more) } },
	{ MSG_AWAY, "away", MSG_S2C, {
		USER("user", REQ, user),
		STRING("text", 0, text) } },
	{ MSG_WHOIS, "whois", MSG_S2C, {
		USER("user", REQ, user),
		BOOL("online", REQ, online),
		INT("sessions", REQ, sessions, 0, INT64_MAX),
		NAMES("rooms", REQ, room_names),
		STRING("away", 0, away),
		INT("idle_s", REQ, idle_s, 0, INT64_MAX),
		INT("since", 0, since, INT64_MIN, INT64_MAX) } },
};
/* clang-format on */
const size_t msg_rows_count = sizeof msg_rows / sizeof msg_rows[0];

/* The error codes: wire name and a sentence for people. */
static const struct {
	enum msg_code code;
	const char *name;
	const char *text;
} codes[] = {
	{ MSG_CODE_BAD_REQUEST, "bad_request",
	    "the server did not understand the request" },
	{ MSG_CODE_AUTH_REQUIRED, "auth_required", "log in first" },
	{ MSG_CODE_AUTH_FAILED, "auth_failed", "wrong user name or password" },
	{ MSG_CODE_ALREADY_LOGGED_IN, "already_logged_in",
	    "you are already logged in" },
	{ MSG_CODE_BUSY, "busy", "the server is busy, try again later" },
	{ MSG_CODE_RATE_LIMITED, "rate_limited",
	    "too many messages, slow down" },
	{ MSG_CODE_NOT_ONLINE, "not_online", "that user is not online" },
	{ MSG_CODE_TOO_LONG, "too_long", "the message is too long" },
	{ MSG_CODE_INTERNAL, "internal", "the server had an internal error" },
	{ MSG_CODE_NOT_MEMBER, "not_member", "you are not in that room" },
	{ MSG_CODE_NO_SUCH_USER, "no_such_user", "there is no such user" },
	{ MSG_CODE_NO_SUCH_ROOM, "no_such_room", "there is no such room" },
	{ MSG_CODE_FORBIDDEN, "forbidden", "you are not allowed to do that" },
	{ MSG_CODE_MUTED, "muted", "you are muted" },
	{ MSG_CODE_BANNED, "banned", "you are banned from this server" },
};
#define N_CODES (sizeof codes / sizeof codes[0])

/* ---- Names -------------------------------------------------------------- */

/* The row of type t in direction dir, or NULL. */
const struct msg_row *
msg_row_find(enum msg_type t, enum msg_dir dir)
{
	size_t i;

	for (i = 0; i < msg_rows_count; i++) {
		if (msg_rows[i].type == t && msg_rows[i].dir == dir)
			return &msg_rows[i];
	}
	return NULL;
}

/* The row in direction dir named s[0..len), or NULL. */
static const struct msg_row *
row_lookup(const char *s, size_t len, enum msg_dir dir)
{
	size_t i;

	for (i = 0; i < msg_rows_count; i++) {
		if (msg_rows[i].dir == dir && strlen(msg_rows[i].name) == len &&
		    memcmp(msg_rows[i].name, s, len) == 0)
			return &msg_rows[i];
	}
	return NULL;
}

/* Returns the wire name of t, or "unknown". */
const char *
msg_type_name(enum msg_type t)
{
	size_t i;

	for (i = 0; i < msg_rows_count; i++) {
		if (msg_rows[i].type == t)
			return msg_rows[i].name;
	}
	return "unknown";
}

/* Returns the wire name of c; "" for MSG_CODE_NONE or a bad code. */
const char *
msg_code_name(enum msg_code c)
{
	size_t i;

	for (i = 0; i < N_CODES; i++) {
		if (codes[i].code == c)
			return codes[i].name;
	}
	return "";
}

/* Returns a short sentence about c for people to read. */
const char *
msg_code_text(enum msg_code c)
{
	size_t i;

	if (c == MSG_CODE_NONE)
		return "no error";
	for (i = 0; i < N_CODES; i++) {
		if (codes[i].code == c)
			return codes[i].text;
	}
	return "unknown error";
}

/* Returns the code named name, or MSG_CODE_NONE. */
enum msg_code
msg_code_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return MSG_CODE_NONE;
	for (i = 0; i < N_CODES; i++) {
		if (strcmp(name, codes[i].name) == 0)
			return codes[i].code;
	}
	return MSG_CODE_NONE;
}

/* Prints "\"word\"" to f unless seen[0..*n) has it; remembers it. */
static void
dict_word(FILE *f, const char *word, const char **seen, size_t *n, size_t cap)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp(seen[i], word) == 0)
			return;
	}
	if (*n < cap)
		seen[(*n)++] = word;
	fprintf(f, "\"\\\"%s\\\"\"\n", word);
}

/* Writes every type, member and code name as a libFuzzer dictionary. */
void
msg_write_dict(FILE *f)
{
	const char *seen[(MSG_MAX_MEMBERS + 1) * 64 + N_CODES];
	const struct msg_member *mb;
	size_t i, n = 0, cap = sizeof seen / sizeof seen[0];

	fprintf(f, "# generated from the message table (common/msg.c)\n");
	dict_word(f, "type", seen, &n, cap);
	for (i = 0; i < msg_rows_count; i++) {
		dict_word(f, msg_rows[i].name, seen, &n, cap);
		MSG_FOREACH_MEMBER(&msg_rows[i], mb)
		dict_word(f, mb->name, seen, &n, cap);
	}
	for (i = 0; i < N_CODES; i++)
		dict_word(f, codes[i].name, seen, &n, cap);
}

/* ---- Member values ------------------------------------------------------ */

/* The value struct of member mb in m. */
#define VALUE(m, mb, type)  ((type *)((char *)(m) + (mb)->off))
#define CVALUE(m, mb, type) ((const type *)((const char *)(m) + (mb)->off))

/* True for the kinds held in a struct msg_str. */
static bool
is_string_kind(enum msg_kind k)
{
	return k == MSG_K_USER || k == MSG_K_TEXT || k == MSG_K_PASSWORD ||
	    k == MSG_K_STRING || k == MSG_K_CODE || k == MSG_K_ROOM;
}

/* Reads the array of strings v into a new list of pointers into it. */
static bool
read_names(json_t *v, struct msg_list *out)
{
	const char **list;
	json_t *e;
	size_t i, n;

	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return false;
	}
	n = json_array_size(v);
	list = n == 0 ? NULL : xcalloc(n, sizeof *list);
	json_array_foreach(v, i, e) list[i] = json_string_value(e);
	out->v = list;
	out->n = n;
	out->set = true;
	return true;
}

/*
 * Reads member mb of m->root into m with its JSON type checked (and its
 * integer range when check_range). Returns false for a missing required
 * member, a mistyped one, or an integer out of range.
 */
static bool
read_member(struct msg *m, const struct msg_member *mb, bool check_range)
{
	struct msg_str *s;
	struct msg_int *i;
	struct msg_bool *b;
	json_t *v;

	if ((v = json_object_get(m->root, mb->name)) == NULL)
		return (mb->flags & MSG_REQUIRED) == 0;
	if (is_string_kind(mb->kind)) {
		if (!json_is_string(v))
			return false;
		s = VALUE(m, mb, struct msg_str);
		s->s = json_string_value(v);
		s->len = json_string_length(v);
		if (mb->kind == MSG_K_CODE)
			m->code = msg_code_parse(s->s);
		return true;
	}
	switch (mb->kind) {
	case MSG_K_INT:
		/* jload turned -0 and out-of-range numbers into reals. */
		if (!json_is_integer(v))
			return false;
		i = VALUE(m, mb, struct msg_int);
		i->v = json_integer_value(v);
		i->set = true;
		return !check_range || (i->v >= mb->min && i->v <= mb->max);
	case MSG_K_BOOL:
		if (!json_is_boolean(v))
			return false;
		b = VALUE(m, mb, struct msg_bool);
		b->v = json_is_true(v);
		b->set = true;
		return true;
	case MSG_K_NAMES:
		return read_names(v, VALUE(m, mb, struct msg_list));
	case MSG_K_ARRAY:
		if (!json_is_array(v))
			return false;
		VALUE(m, mb, struct msg_json)->v = v;
		return true;
	default:
		return false;
	}
}

/* The content verdict of one member present in a request. */
static enum msg_code
member_content(const struct msg *m, const struct msg_member *mb)
{
	const struct msg_str *s = CVALUE(m, mb, struct msg_str);
	const struct msg_int *i = CVALUE(m, mb, struct msg_int);

	/* Only reached without members read when called out of order. */
	if ((mb->flags & MSG_REQUIRED) != 0 &&
	    (is_string_kind(mb->kind) ? s->s == NULL :
					mb->kind == MSG_K_INT && !i->set))
		return MSG_CODE_BAD_REQUEST;
	switch (mb->kind) {
	case MSG_K_USER:
		if (s->s != NULL && !text_user_valid(s->s, s->len))
			return MSG_CODE_BAD_REQUEST;
		break;
	case MSG_K_ROOM:
		if (s->s != NULL && !text_room_valid(s->s, s->len))
			return MSG_CODE_BAD_REQUEST;
		break;
	case MSG_K_PASSWORD:
		if (s->s != NULL && !text_password_valid(s->s, s->len))
			return MSG_CODE_BAD_REQUEST;
		break;
	case MSG_K_TEXT:
		if (s->s == NULL)
			break;
		switch (text_check(s->s, s->len, (size_t)mb->max,
		    (mb->flags & MSG_EMPTY_OK) != 0)) {
		case TEXT_OK:
			break;
		case TEXT_TOO_LONG:
			return MSG_CODE_TOO_LONG;
		default:
			return MSG_CODE_BAD_REQUEST;
		}
		break;
	case MSG_K_INT:
		if (i->set && (i->v < mb->min || i->v > mb->max))
			return MSG_CODE_BAD_REQUEST;
		break;
	default:
		break;
	}
	return MSG_CODE_NONE;
}

/* ---- Requests ----------------------------------------------------------- */

/* Step 1: parses buf into m; MSG_CODE_NONE or MSG_CODE_BAD_REQUEST. */
enum msg_code
msg_request_parse(struct msg *m, const uint8_t *buf, size_t len)
{
	const struct msg_row *row;
	const char *name;
	json_t *type;
	size_t n;

	memset(m, 0, sizeof *m);
	m->root = jload_object(buf, len, SC_MSG_MAX_LEN);
	if (m->root == NULL)
		return MSG_CODE_BAD_REQUEST;
	type = json_object_get(m->root, "type");
	if (!json_is_string(type))
		return MSG_CODE_BAD_REQUEST;

	name = json_string_value(type);
	n = json_string_length(type);
	if (n <= SC_REF_MAX_LEN) {
		memcpy(m->ref_type, name, n);
		m->ref_type[n] = '\0';
		m->has_ref = true;
	}
	if ((row = row_lookup(name, n, MSG_C2S)) == NULL)
		return MSG_CODE_BAD_REQUEST;
	m->type = row->type;
	return MSG_CODE_NONE;
}

/* Step 3: members present with the right JSON types. */
enum msg_code
msg_request_members(struct msg *m)
{
	const struct msg_member *mb;
	const struct msg_row *row;

	if (m->root == NULL || (row = msg_row_find(m->type, MSG_C2S)) == NULL)
		return MSG_CODE_BAD_REQUEST;
	MSG_FOREACH_MEMBER(row, mb)
	{
		if (!read_member(m, mb, false))
			return MSG_CODE_BAD_REQUEST;
	}
	return MSG_CODE_NONE;
}

/* Step 5: the content rules; too_long before bad_request. */
enum msg_code
msg_request_content(const struct msg *m)
{
	const struct msg_member *mb;
	const struct msg_row *row;
	enum msg_code code, worst = MSG_CODE_NONE;

	if ((row = msg_row_find(m->type, MSG_C2S)) == NULL)
		return MSG_CODE_BAD_REQUEST;
	MSG_FOREACH_MEMBER(row, mb)
	{
		code = member_content(m, mb);
		if (code == MSG_CODE_TOO_LONG)
			return code;
		if (code != MSG_CODE_NONE)
			worst = code;
	}
	return worst;
}

/* ---- Events ------------------------------------------------------------- */

/* Parses and checks one server plaintext; 0 or SC_ERR_FORMAT. */
int
msg_event_parse(struct msg *m, const uint8_t *buf, size_t len)
{
	const struct msg_member *mb;
	const struct msg_row *row;
	json_t *type;

	memset(m, 0, sizeof *m);
	if ((m->root = jload_object(buf, len, SC_MSG_MAX_LEN)) == NULL)
		goto fail;
	type = json_object_get(m->root, "type");
	if (!json_is_string(type))
		goto fail;
	row = row_lookup(json_string_value(type), json_string_length(type),
	    MSG_S2C);
	if (row == NULL)
		goto fail;
	m->type = row->type;
	MSG_FOREACH_MEMBER(row, mb)
	{
		if (!read_member(m, mb, true))
			goto fail;
	}
	return 0;

fail:
	msg_clear(m);
	return SC_ERR_FORMAT;
}

/* Frees the tree and the name lists and clears m. */
void
msg_clear(struct msg *m)
{
	if (m == NULL)
		return;
	free((void *)m->users.v);
	free((void *)m->room_names.v);
	json_decref(m->root);
	memset(m, 0, sizeof *m);
}

/* ---- Encoding ----------------------------------------------------------- */

/* Sets key of obj to the new reference v. */
static void
set_member(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		xnomem();
}

/* A JSON string of s[0..len): valid UTF-8 without U+0000, else NULL. */
static json_t *
new_string(const char *s, size_t len)
{
	json_t *v;

	if (s == NULL || memchr(s, '\0', len) != NULL || !utf8_valid(s, len))
		return NULL;
	if ((v = json_stringn(s, len)) == NULL)
		xnomem();
	return v;
}

/* An array of the names in l, or NULL if one is not valid UTF-8. */
static json_t *
new_names(const struct msg_list *l)
{
	json_t *a, *v;
	size_t i;

	if (l->v == NULL && l->n != 0)
		return NULL;
	if ((a = json_array()) == NULL)
		xnomem();
	for (i = 0; i < l->n; i++) {
		if (l->v[i] == NULL ||
		    (v = new_string(l->v[i], strlen(l->v[i]))) == NULL) {
			json_decref(a);
			return NULL;
		}
		if (json_array_append_new(a, v) != 0)
			xnomem();
	}
	return a;
}

/*
 * Adds member mb of m to obj. Returns 1 when added, 0 when absent, or
 * SC_ERR_INVALID for a value the member cannot hold.
 */
static int
write_member(json_t *obj, const struct msg *m, const struct msg_member *mb)
{
	const struct msg_str *s;
	const struct msg_int *i;
	const struct msg_bool *b;
	const struct msg_list *l;
	json_t *v;

	if (mb->kind == MSG_K_CODE) {
		if (m->code == MSG_CODE_NONE)
			return 0;
		if (*msg_code_name(m->code) == '\0')
			return SC_ERR_INVALID;
		set_member(obj, mb->name,
		    new_string(msg_code_name(m->code),
			strlen(msg_code_name(m->code))));
		return 1;
	}
	if (is_string_kind(mb->kind)) {
		s = CVALUE(m, mb, struct msg_str);
		if (s->s == NULL)
			return 0;
		if ((v = new_string(s->s, s->len)) == NULL)
			return SC_ERR_INVALID;
		set_member(obj, mb->name, v);
		return 1;
	}
	switch (mb->kind) {
	case MSG_K_INT:
		i = CVALUE(m, mb, struct msg_int);
		if (!i->set)
			return 0;
		if (i->v < mb->min || i->v > mb->max)
			return SC_ERR_INVALID;
		set_member(obj, mb->name, json_integer(i->v));
		return 1;
	case MSG_K_BOOL:
		b = CVALUE(m, mb, struct msg_bool);
		if (!b->set)
			return 0;
		set_member(obj, mb->name, json_boolean(b->v));
		return 1;
	case MSG_K_NAMES:
		l = CVALUE(m, mb, struct msg_list);
		if (!l->set)
			return 0;
		if ((v = new_names(l)) == NULL)
			return SC_ERR_INVALID;
		set_member(obj, mb->name, v);
		return 1;
	case MSG_K_ARRAY:
		v = CVALUE(m, mb, struct msg_json)->v;
		if (v == NULL)
			return 0;
		if (!json_is_array(v))
			return SC_ERR_INVALID;
		set_member(obj, mb->name, json_incref(v));
		return 1;
	default:
		return SC_ERR_INVALID;
	}
}

/* Dumps obj compactly into buf[0..cap) and frees it. Returns 0 or
 * SC_ERR_TOO_LONG. */
static int
dump(json_t *obj, char *buf, size_t cap, size_t *len)
{
	size_t n;
	int rc = 0;

	/* Never writes past cap; returns the size it needed. */
	n = json_dumpb(obj, buf, cap, JSON_COMPACT);
	if (n == 0)
		xnomem(); /* members were checked: only OOM */
	if (n > cap)
		rc = SC_ERR_TOO_LONG;
	else
		*len = n;
	json_decref(obj);
	return rc;
}

/* Encodes m per its row in direction dir. */
int
msg_encode(const struct msg *m, enum msg_dir dir, char *buf, size_t cap,
    size_t *len)
{
	const struct msg_member *mb;
	const struct msg_row *row;
	json_t *obj;
	int rc;

	if (len != NULL)
		*len = 0;
	if (m == NULL || len == NULL || (buf == NULL && cap != 0))
		return SC_ERR_INVALID;
	if ((row = msg_row_find(m->type, dir)) == NULL)
		return SC_ERR_INVALID;
	if ((obj = json_object()) == NULL)
		xnomem();
	set_member(obj, "type", json_string(row->name));
	MSG_FOREACH_MEMBER(row, mb)
	{
		rc = write_member(obj, m, mb);
		if (rc == 0 && (mb->flags & MSG_REQUIRED) != 0)
			rc = SC_ERR_INVALID;
		if (rc < 0) {
			json_decref(obj);
			return rc;
		}
	}
	return dump(obj, buf, cap, len);
}

/* {"type":"error","code":...,"message":...[,"ref":...]} */
int
msg_encode_error(char *buf, size_t cap, size_t *len, enum msg_code code,
    const char *message, const char *ref)
{
	struct msg m = { .type = MSG_ERROR, .code = code };

	if (message == NULL)
		message = msg_code_text(code);
	m.message = MSG_STR(message);
	if (ref != NULL)
		m.ref = MSG_STR(ref);
	return msg_encode(&m, MSG_S2C, buf, cap, len);
}

/* ---- Handshake payloads ------------------------------------------------- */

/* Copies the string member key of obj into dst, cut at
 * MSG_HELLO_FIELD_MAX bytes on a UTF-8 boundary; "" if not a string. */
static void
copy_field(json_t *obj, const char *key, char dst[MSG_HELLO_FIELD_MAX + 1])
{
	json_t *v = json_object_get(obj, key);
	size_t n;

	dst[0] = '\0';
	if (!json_is_string(v))
		return;
	n = utf8_cut(json_string_value(v), json_string_length(v),
	    MSG_HELLO_FIELD_MAX);
	memcpy(dst, json_string_value(v), n);
	dst[n] = '\0';
}

/* Checks a handshake payload; 0 or SC_ERR_PAYLOAD. */
int
msg_hello_check(const uint8_t *buf, size_t len, bool need_proto,
    struct msg_hello *out)
{
	json_t *root, *proto;
	int rc = SC_ERR_PAYLOAD;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if ((root = jload_object(buf, len, SC_HELLO_MAX_LEN)) == NULL)
		return SC_ERR_PAYLOAD;
	proto = json_object_get(root, "proto");
	if (need_proto &&
	    (!json_is_integer(proto) ||
		json_integer_value(proto) != SC_PROTO_VERSION))
		goto out;
	if (out != NULL) {
		copy_field(root, "client", out->client);
		copy_field(root, "server", out->server);
		copy_field(root, "name", out->name);
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Encodes a hello: "proto" then the string members keys[i] = vals[i]. */
static int
encode_hello(char *buf, size_t cap, size_t *len, const char *const *keys,
    const char *const *vals, size_t n)
{
	json_t *obj, *v;
	size_t i;

	if (len != NULL)
		*len = 0;
	if (len == NULL || (buf == NULL && cap != 0))
		return SC_ERR_INVALID;
	if ((obj = json_object()) == NULL)
		xnomem();
	set_member(obj, "proto", json_integer(SC_PROTO_VERSION));
	for (i = 0; i < n; i++) {
		if (vals[i] == NULL ||
		    (v = new_string(vals[i], strlen(vals[i]))) == NULL) {
			json_decref(obj);
			return SC_ERR_INVALID;
		}
		set_member(obj, keys[i], v);
	}
	return dump(obj, buf, cap, len);
}

/* {"proto":1,"client":"<client>"} */
int
msg_encode_client_hello(char *buf, size_t cap, size_t *len, const char *client)
{
	static const char *const keys[] = { "client" };

	return encode_hello(buf, cap, len, keys, &client, 1);
}

/* {"proto":1,"server":"<server>","name":"<name>"} */
int
msg_encode_server_hello(char *buf, size_t cap, size_t *len, const char *server,
    const char *name)
{
	static const char *const keys[] = { "server", "name" };
	const char *vals[] = { server, name };

	return encode_hello(buf, cap, len, keys, vals, 2);
}
