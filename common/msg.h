/*
 * msg.h: the JSON messages of PROTOCOL.md sections 2-4: hello payloads,
 * client requests with their validation in the spec's order, server events,
 * and encoders for every message in both directions.
 *
 * Parsing uses jansson (json_loadb with an explicit length and
 * JSON_REJECT_DUPLICATES). Encoders write compact UTF-8 JSON into a caller
 * buffer and never allocate beyond jansson's own temporaries.
 */
#ifndef SC_MSG_H
#define SC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "sc_limits.h"

enum msg_type {
	MSG_UNKNOWN = 0,
	/* client -> server */
	MSG_LOGIN,
	MSG_SAY,		/* both directions */
	MSG_MSG,		/* both directions */
	MSG_LIST,
	MSG_PING,
	MSG_QUIT,
	/* server -> client */
	MSG_LOGIN_OK,
	MSG_PRESENCE,
	MSG_USERS,
	MSG_PONG,
	MSG_NOTICE,
	MSG_ERROR,
	MSG_BYE,
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
};

/* Returns the wire name of t ("login_ok"), or "unknown". */
const char *msg_type_name(enum msg_type t);

/* Returns the wire name of c ("bad_request"); "" for MSG_CODE_NONE. */
const char *msg_code_name(enum msg_code c);

/* Returns a sentence for people ("the server is busy, try again later"). */
const char *msg_code_text(enum msg_code c);

/* Parses a wire code name; MSG_CODE_NONE if it is not one. */
enum msg_code msg_code_parse(const char *name);

/* ---- Content rules (section 4) ---------------------------------------- */

/* True if s[0..len) is 1-32 bytes of [A-Za-z0-9_.-]. */
bool msg_user_valid(const char *s, size_t len);

/* MSG_CODE_NONE, MSG_CODE_TOO_LONG (over 4096 bytes, checked first) or
 * MSG_CODE_BAD_REQUEST (empty, bad UTF-8, C0 but TAB/LF, DEL, C1). */
enum msg_code msg_text_check(const char *s, size_t len);

/* True if s[0..len) is valid UTF-8 of 1-1024 bytes without U+0000. */
bool msg_password_valid(const char *s, size_t len);

/* True if s[0..len) is valid UTF-8 (no surrogates, no overlongs). */
bool msg_utf8_valid(const char *s, size_t len);

/* ---- Client requests, parsed by the server ---------------------------- */

/*
 * A request being checked. The string pointers point into root and live
 * until msg_request_clear(). Lengths are byte counts.
 */
struct msg_request {
	json_t *root;			/* owned */
	enum msg_type type;		/* MSG_UNKNOWN for an unknown type */
	bool has_ref;			/* ref is the request's type */
	char ref[SC_REF_MAX_LEN + 1];

	/* Set by msg_request_members(). */
	const char *user;		/* login */
	size_t user_len;
	const char *password;		/* login */
	size_t password_len;
	const char *to;			/* msg */
	size_t to_len;
	const char *text;		/* say, msg */
	size_t text_len;
	bool has_id;			/* ping */
	uint64_t id;
};

/*
 * Step 1: plaintext, JSON, object, string "type". Returns MSG_CODE_NONE or
 * MSG_CODE_BAD_REQUEST; on failure has_ref is false unless the JSON was
 * fine and only the type is unknown (then has_ref follows the 32-byte
 * rule). req is cleared on entry; call msg_request_clear() afterwards in
 * every case.
 */
enum msg_code msg_request_parse(struct msg_request *req, const uint8_t *buf,
    size_t len);

/* Step 3: members present with the right JSON types (and ping's id in
 * range, not -0, no fraction or exponent). MSG_CODE_NONE or BAD_REQUEST. */
enum msg_code msg_request_members(struct msg_request *req);

/* Step 5: the content rules of section 4 for the request's members.
 * MSG_CODE_NONE, MSG_CODE_TOO_LONG or MSG_CODE_BAD_REQUEST. */
enum msg_code msg_request_content(const struct msg_request *req);

/* Frees what the request holds and clears it. Safe on a cleared request. */
void msg_request_clear(struct msg_request *req);

/* ---- Server events, parsed by clients --------------------------------- */

struct msg_event {
	json_t *root;			/* owned */
	enum msg_type type;
	uint64_t id;			/* say, msg; pong when has_id */
	bool has_id;
	int64_t ts;			/* say, msg */
	const char *user;		/* login_ok, presence */
	const char *from;		/* say, msg */
	const char *to;			/* msg */
	const char *text;		/* say, msg, notice */
	size_t text_len;
	bool online;			/* presence */
	const char **users;		/* login_ok, users: malloc'd array */
	size_t n_users;
	enum msg_code code;		/* error; MSG_CODE_NONE if unknown */
	const char *code_name;		/* error: the code as received */
	const char *message;		/* error */
	const char *ref;		/* error, NULL when absent */
	const char *reason;		/* bye */
};

/*
 * Parses and checks one server plaintext (JSON rules of section 3, a known
 * type, members present with the right types). Returns 0, or
 * SC_ERR_FORMAT for anything else. ev is cleared on entry; call
 * msg_event_clear() afterwards in every case.
 */
int msg_event_parse(struct msg_event *ev, const uint8_t *buf, size_t len) SC_WUR;

/* Frees what the event holds and clears it. Safe on a cleared event. */
void msg_event_clear(struct msg_event *ev);

/* ---- Handshake payloads (section 2) ----------------------------------- */

#define MSG_HELLO_FIELD_MAX	64

struct msg_hello {
	char client[MSG_HELLO_FIELD_MAX + 1];	/* msg1; "" when absent */
	char server[MSG_HELLO_FIELD_MAX + 1];	/* msg2; "" when absent */
	char name[MSG_HELLO_FIELD_MAX + 1];	/* msg2; "" when absent */
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

/* ---- Encoders ---------------------------------------------------------- */
/*
 * Each writes one compact JSON object (no NUL) into buf[0..cap) and its
 * length into *len. Returns 0, or SC_ERR_TOO_LONG when it does not fit,
 * or SC_ERR_INVALID for strings that are not valid UTF-8.
 */

/* Client -> server. */
int msg_encode_login(char *buf, size_t cap, size_t *len, const char *user,
    const char *password, size_t pwlen) SC_WUR;
int msg_encode_say_request(char *buf, size_t cap, size_t *len,
    const char *text, size_t text_len) SC_WUR;
int msg_encode_msg_request(char *buf, size_t cap, size_t *len,
    const char *to, const char *text, size_t text_len) SC_WUR;
int msg_encode_list(char *buf, size_t cap, size_t *len) SC_WUR;
int msg_encode_ping(char *buf, size_t cap, size_t *len, bool has_id,
    uint64_t id) SC_WUR;
int msg_encode_quit(char *buf, size_t cap, size_t *len) SC_WUR;

/* Server -> client. */
int msg_encode_login_ok(char *buf, size_t cap, size_t *len, const char *user,
    const char *const *users, size_t n_users) SC_WUR;
int msg_encode_say(char *buf, size_t cap, size_t *len, uint64_t id,
    int64_t ts, const char *from, const char *text, size_t text_len) SC_WUR;
int msg_encode_msg(char *buf, size_t cap, size_t *len, uint64_t id,
    int64_t ts, const char *from, const char *to, const char *text,
    size_t text_len) SC_WUR;
int msg_encode_presence(char *buf, size_t cap, size_t *len, const char *user,
    bool online) SC_WUR;
int msg_encode_users(char *buf, size_t cap, size_t *len,
    const char *const *users, size_t n_users) SC_WUR;
int msg_encode_pong(char *buf, size_t cap, size_t *len, bool has_id,
    uint64_t id) SC_WUR;
int msg_encode_notice(char *buf, size_t cap, size_t *len,
    const char *text) SC_WUR;
/* message NULL: msg_code_text(code). ref NULL: omitted. */
int msg_encode_error(char *buf, size_t cap, size_t *len, enum msg_code code,
    const char *message, const char *ref) SC_WUR;
int msg_encode_bye(char *buf, size_t cap, size_t *len,
    const char *reason) SC_WUR;

#endif /* SC_MSG_H */
