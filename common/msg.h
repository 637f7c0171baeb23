/*
 * msg.h: the JSON messages of PROTOCOL.md sections 2-4, described once.
 *
 * Every message type is one row of the message table (msg.c): its wire
 * name, its direction, and its members in wire order, each with a rule
 * kind (user name, text, integer range, boolean, name list, ...).
 * Decoding, the spec's check order, encoding and the fuzz dictionary all
 * walk that table; nothing else in the tree lists a message's members.
 *
 * A parsed or to-be-encoded message is one struct msg: one field per
 * member name of the whole protocol, each a small value struct that says
 * whether the member is present. Parsing uses jload (the strict JSON
 * rules of section 3); encoders write compact UTF-8 JSON into a caller
 * buffer.
 */
#ifndef SC_MSG_H
#define SC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "sc_limits.h"

/* Message types; a type sent both ways has one row per direction. */
enum msg_type {
	MSG_UNKNOWN = 0,
	MSG_LOGIN,
	MSG_SAY,
	MSG_MSG,
	MSG_LIST,
	MSG_PING,
	MSG_QUIT,
	MSG_LOGIN_OK,
	MSG_PRESENCE,
	MSG_USERS,
	MSG_PONG,
	MSG_NOTICE,
	MSG_ERROR,
	MSG_BYE,
	/* Rooms, history and the social layer (section 7). */
	MSG_JOIN,
	MSG_JOINED,
	MSG_ROOM_JOIN,
	MSG_PART,
	MSG_PARTED,
	MSG_ROOM_PART,
	MSG_TOPIC,
	MSG_NAMES,
	MSG_ROOMS,
	MSG_HISTORY,
	MSG_AWAY,
	MSG_WHOIS,
	/* Operators and moderation (section 8). */
	MSG_KICK,
	MSG_MUTE,
	MSG_UNMUTE,
	MSG_BAN,
	MSG_UNBAN,
	MSG_TYPE_COUNT /* not a type: the number of them */
};

/* The error codes of section 3. */
enum msg_code {
	MSG_CODE_NONE = 0,
	MSG_CODE_BAD_REQUEST,
	MSG_CODE_AUTH_REQUIRED,
	MSG_CODE_AUTH_FAILED,
	MSG_CODE_ALREADY_LOGGED_IN,
	MSG_CODE_BUSY,
	MSG_CODE_RATE_LIMITED,
	MSG_CODE_NOT_ONLINE,
	MSG_CODE_TOO_LONG,
	MSG_CODE_INTERNAL,
	MSG_CODE_NOT_MEMBER,
	MSG_CODE_NO_SUCH_USER,
	MSG_CODE_NO_SUCH_ROOM,
	/* Section 8. */
	MSG_CODE_FORBIDDEN,
	MSG_CODE_MUTED,
	MSG_CODE_BANNED,
	MSG_CODE_COUNT /* not a code: the number of them */
};

/* ---- Member values ------------------------------------------------------ */

/* A string member: s == NULL when absent. Parsed strings point into the
 * message's tree; strings to encode are the caller's. */
struct msg_str {
	const char *s;
	size_t len; /* bytes, without a NUL */
};

struct msg_int {
	int64_t v;
	bool set;
};

struct msg_bool {
	bool v;
	bool set;
};

/* A JSON array kept whole (rooms, history messages): borrowed from the
 * tree when parsed; the encoder takes a reference of its own. */
struct msg_json {
	json_t *v;
};

/* A list of names: v is malloc'd (pointers into the tree) when parsed. */
struct msg_list {
	const char *const *v;
	size_t n;
	bool set;
};

/* Member value constructors. */
#define MSG_STR(str)	   ((struct msg_str){ (str), strlen(str) })
#define MSG_STRN(str, n)   ((struct msg_str){ (str), (n) })
#define MSG_INT(x)	   ((struct msg_int){ (int64_t)(x), true })
#define MSG_BOOL(x)	   ((struct msg_bool){ (x), true })
#define MSG_LIST(a, count) ((struct msg_list){ (a), (count), true })

/*
 * One message of either direction. Only the members of its type's row
 * are looked at; the others stay cleared.
 */
struct msg {
	json_t *root; /* parsed: the tree, owned */
	enum msg_type type;

	/* Requests: the request's type for error refs (section 3). */
	bool has_ref;
	char ref_type[SC_REF_MAX_LEN + 1];

	struct msg_str user;
	struct msg_str password;
	struct msg_str from;
	struct msg_str to;
	struct msg_str text;
	struct msg_str message;
	struct msg_str ref;
	struct msg_str reason;
	struct msg_str code_name; /* error: the code as on the wire */
	enum msg_code code;	  /* error: MSG_CODE_NONE if unknown */
	struct msg_int id;
	struct msg_int ts;
	struct msg_bool online;
	struct msg_bool action; /* say, msg: /me */
	struct msg_list users;

	/* Sections 6 and 7. */
	struct msg_bool more; /* a name list continues */
	struct msg_str room;
	struct msg_str topic;
	struct msg_str by;
	struct msg_str with;	    /* history of a private conversation */
	struct msg_str away;	    /* whois: the away text */
	struct msg_int before;	    /* history */
	struct msg_int limit;	    /* history */
	struct msg_int sessions;    /* whois */
	struct msg_int idle_s;	    /* whois */
	struct msg_int since;	    /* whois */
	struct msg_list room_names; /* whois: "rooms" */
	struct msg_json room_list;  /* rooms: "rooms" */
	struct msg_json messages;   /* history */

	/* Section 8. */
	struct msg_int seconds; /* mute, ban: how long */
	struct msg_int until;	/* error muted/banned: the end, ms */
	struct msg_bool op;	/* login_ok: an operator */
	struct msg_bool motd;	/* notice: the message of the day */
};

/* ---- The table ---------------------------------------------------------- */

enum msg_dir {
	MSG_C2S = 1, /* client -> server: a request */
	MSG_S2C = 2, /* server -> client: an event */
};

/* What a member holds and which rules its value follows. */
enum msg_kind {
	MSG_K_USER,	/* string; content: a user name */
	MSG_K_TEXT,	/* string; content: the text rules, max bytes */
	MSG_K_PASSWORD, /* string; content: the password rules */
	MSG_K_STRING,	/* string; no content rule */
	MSG_K_CODE,	/* string naming an error code (code_name) */
	MSG_K_INT,	/* JSON integer (no fraction, exponent, -0) */
	MSG_K_BOOL,
	MSG_K_NAMES, /* array of strings */
	MSG_K_ROOM,  /* string; content: a room name */
	MSG_K_ARRAY, /* any JSON array, kept whole */
};

#define MSG_REQUIRED 0x1u /* absent: bad_request (or a bad event) */
#define MSG_EMPTY_OK 0x2u /* MSG_K_TEXT: "" allowed (a topic) */

struct msg_member {
	const char *name;
	enum msg_kind kind;
	unsigned flags;
	size_t off;	  /* of the value struct in struct msg */
	int64_t min, max; /* MSG_K_INT range; MSG_K_TEXT max bytes */
};

#define MSG_MAX_MEMBERS 8

struct msg_row {
	enum msg_type type;
	const char *name; /* "login_ok" */
	enum msg_dir dir;
	struct msg_member members[MSG_MAX_MEMBERS]; /* name NULL ends */
};

/* Walks the members of row (a full row has no terminator). */
#define MSG_FOREACH_MEMBER(row, mb)                                            \
	for ((mb) = (row)->members;                                            \
	     (mb) < (row)->members + MSG_MAX_MEMBERS && (mb)->name != NULL;    \
	     (mb)++)

/* The table: msg_rows[0..msg_rows_count). */
extern const struct msg_row msg_rows[];
extern const size_t msg_rows_count;

/* The row of type t in direction dir, or NULL. */
const struct msg_row *msg_row_find(enum msg_type t, enum msg_dir dir);

/* Returns the wire name of t ("login_ok"), or "unknown". */
const char *msg_type_name(enum msg_type t);

/* Returns the wire name of c ("bad_request"); "" for MSG_CODE_NONE. */
const char *msg_code_name(enum msg_code c);

/* Returns a sentence for people ("the server is busy, try again later"). */
const char *msg_code_text(enum msg_code c);

/* Parses a wire code name; MSG_CODE_NONE if it is not one. */
enum msg_code msg_code_parse(const char *name);

/*
 * Writes a libFuzzer dictionary of every type name, member name and
 * error code of the table (one quoted JSON string a line) to f.
 */
void msg_write_dict(FILE *f);

/* ---- Requests, parsed by the server in the spec's order ----------------- */

/*
 * Step 1: plaintext, JSON, object, string "type" naming a request.
 * Returns MSG_CODE_NONE or MSG_CODE_BAD_REQUEST; has_ref is set when the
 * JSON was fine and the type is at most SC_REF_MAX_LEN bytes (also for an
 * unknown type). m is cleared on entry; call msg_clear() afterwards in
 * every case.
 */
enum msg_code msg_request_parse(struct msg *m, const uint8_t *buf, size_t len);

/* Step 3: members present with the right JSON types. MSG_CODE_NONE or
 * MSG_CODE_BAD_REQUEST. */
enum msg_code msg_request_members(struct msg *m);

/* Step 5: the content rules (sections 4 and 7) of the members present,
 * integer ranges included: MSG_CODE_TOO_LONG when any text is too long,
 * else MSG_CODE_BAD_REQUEST when any member breaks a rule, else
 * MSG_CODE_NONE. */
enum msg_code msg_request_content(const struct msg *m);

/* ---- Events, parsed by clients ------------------------------------------ */

/*
 * Parses and checks one server plaintext: the JSON rules of section 3, a
 * known event type, members present with the right types and integers in
 * range (no content rules: clients sanitise what they show). Returns 0,
 * or SC_ERR_FORMAT. m is cleared on entry and on failure; call
 * msg_clear() afterwards.
 */
int msg_event_parse(struct msg *m, const uint8_t *buf, size_t len) SC_WUR;

/* Frees what m holds and clears it. Safe on a cleared message. */
void msg_clear(struct msg *m);

/* ---- Encoding ----------------------------------------------------------- */

/*
 * Writes m as one compact JSON object (no NUL) of its type's row in
 * direction dir into buf[0..cap) and its length into *len: "type" first,
 * then the members present, in the row's order. Returns 0,
 * SC_ERR_TOO_LONG when it does not fit, or SC_ERR_INVALID for an unknown
 * type, a required member missing, a string that is not valid UTF-8 or
 * holds U+0000, or an integer out of its range. Content rules are not
 * checked: the sender checks what it sends.
 */
int msg_encode(const struct msg *m, enum msg_dir dir, char *buf, size_t cap,
    size_t *len) SC_WUR;

/* An error event: message NULL means msg_code_text(code); ref NULL none. */
int msg_encode_error(char *buf, size_t cap, size_t *len, enum msg_code code,
    const char *message, const char *ref) SC_WUR;

/* ---- Handshake payloads (section 2) ------------------------------------- */

#define MSG_HELLO_FIELD_MAX 64

struct msg_hello {
	char client[MSG_HELLO_FIELD_MAX + 1]; /* msg1; "" when absent */
	char server[MSG_HELLO_FIELD_MAX + 1]; /* msg2; "" when absent */
	char name[MSG_HELLO_FIELD_MAX + 1];   /* msg2; "" when absent */
};

/*
 * Checks a handshake payload: the JSON rules of section 3 and a JSON
 * object; when need_proto, "proto" must be the integer 1 (no fraction or
 * exponent). Copies client/server/name when they are strings (cut at
 * MSG_HELLO_FIELD_MAX bytes on a UTF-8 boundary). out may be NULL.
 * Returns 0 or SC_ERR_PAYLOAD.
 */
int msg_hello_check(const uint8_t *buf, size_t len, bool need_proto,
    struct msg_hello *out) SC_WUR;

/* {"proto":1,"client":"<client>"} */
int msg_encode_client_hello(char *buf, size_t cap, size_t *len,
    const char *client) SC_WUR;
/* {"proto":1,"server":"<server>","name":"<name>"} */
int msg_encode_server_hello(char *buf, size_t cap, size_t *len,
    const char *server, const char *name) SC_WUR;

#endif /* SC_MSG_H */
