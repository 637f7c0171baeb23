/*
 * msg.c: the JSON messages of PROTOCOL.md sections 2-4. Parsing checks the
 * JSON rules of section 3 (jansson rejects bad UTF-8, lone surrogates,
 * escaped U+0000 and duplicate keys; we add the object and depth rules and
 * catch ping's "id":-0 on the raw bytes), then members and content in the
 * spec's order. Encoders build a jansson tree and dump it compactly into the
 * caller's buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "log.h"
#include "msg.h"

/* The types a client may send, then the types a server may send. */
#define CLIENT_FIRST	MSG_LOGIN
#define CLIENT_LAST	MSG_QUIT
#define SERVER_FIRST	MSG_SAY
#define SERVER_LAST	MSG_BYE

/* Builds one object member by member; the first error sticks. */
struct enc {
	json_t	*obj;
	int	 rc;
};

/* Dies: out of memory is fatal. */
static void __attribute__((noreturn))
nomem(void)
{
	log_fatal("msg: out of memory");
}

/* Returns the wire name of t ("login_ok"), or "unknown". */
const char *
msg_type_name(enum msg_type t)
{
	switch (t) {
	case MSG_UNKNOWN:	break;
	case MSG_LOGIN:		return "login";
	case MSG_SAY:		return "say";
	case MSG_MSG:		return "msg";
	case MSG_LIST:		return "list";
	case MSG_PING:		return "ping";
	case MSG_QUIT:		return "quit";
	case MSG_LOGIN_OK:	return "login_ok";
	case MSG_PRESENCE:	return "presence";
	case MSG_USERS:		return "users";
	case MSG_PONG:		return "pong";
	case MSG_NOTICE:	return "notice";
	case MSG_ERROR:		return "error";
	case MSG_BYE:		return "bye";
	}
	return "unknown";
}

/* Returns the wire name of c; "" for MSG_CODE_NONE or a bad code. */
const char *
msg_code_name(enum msg_code c)
{
	switch (c) {
	case MSG_CODE_NONE:		break;
	case MSG_CODE_BAD_REQUEST:	return "bad_request";
	case MSG_CODE_AUTH_REQUIRED:	return "auth_required";
	case MSG_CODE_AUTH_FAILED:	return "auth_failed";
	case MSG_CODE_ALREADY_LOGGED_IN: return "already_logged_in";
	case MSG_CODE_BUSY:		return "busy";
	case MSG_CODE_RATE_LIMITED:	return "rate_limited";
	case MSG_CODE_NOT_ONLINE:	return "not_online";
	case MSG_CODE_TOO_LONG:		return "too_long";
	case MSG_CODE_INTERNAL:		return "internal";
	}
	return "";
}

/* Returns a short sentence about c for people to read. */
const char *
msg_code_text(enum msg_code c)
{
	switch (c) {
	case MSG_CODE_NONE:
		return "no error";
	case MSG_CODE_BAD_REQUEST:
		return "the server did not understand the request";
	case MSG_CODE_AUTH_REQUIRED:
		return "log in first";
	case MSG_CODE_AUTH_FAILED:
		return "wrong user name or password";
	case MSG_CODE_ALREADY_LOGGED_IN:
		return "you are already logged in";
	case MSG_CODE_BUSY:
		return "the server is busy, try again later";
	case MSG_CODE_RATE_LIMITED:
		return "too many messages, slow down";
	case MSG_CODE_NOT_ONLINE:
		return "that user is not online";
	case MSG_CODE_TOO_LONG:
		return "the message is too long";
	case MSG_CODE_INTERNAL:
		return "the server had an internal error";
	}
	return "unknown error";
}

/* Returns the code named name, or MSG_CODE_NONE. */
enum msg_code
msg_code_parse(const char *name)
{
	enum msg_code	c;

	if (name == NULL || *name == '\0')
		return MSG_CODE_NONE;
	for (c = MSG_CODE_BAD_REQUEST; c <= MSG_CODE_INTERNAL; c++) {
		if (strcmp(name, msg_code_name(c)) == 0)
			return c;
	}
	return MSG_CODE_NONE;
}

/* Returns the type in first..last whose name is s[0..len), or MSG_UNKNOWN. */
static enum msg_type
type_lookup(const char *s, size_t len, enum msg_type first,
    enum msg_type last)
{
	enum msg_type	 t;
	const char	*name;

	for (t = first; t <= last; t++) {
		name = msg_type_name(t);
		if (strlen(name) == len && memcmp(name, s, len) == 0)
			return t;
	}
	return MSG_UNKNOWN;
}

/* ---- Content rules ---------------------------------------------------- */

/* True if s[0..len) is 1-32 bytes of [A-Za-z0-9_.-]. */
bool
msg_user_valid(const char *s, size_t len)
{
	size_t	i;
	char	c;

	if (s == NULL || len == 0 || len > SC_USER_MAX_LEN)
		return false;
	for (i = 0; i < len; i++) {
		c = s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
			continue;
		return false;
	}
	return true;
}

/* True if s[0..len) is valid UTF-8: shortest forms, no surrogates, at most
 * U+10FFFF (RFC 3629 table 3-7). */
bool
msg_utf8_valid(const char *s, size_t len)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0, need, k;
	uint8_t		 c, lo, hi;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c == 0xe0) {
			need = 2;
			lo = 0xa0;
		} else if (c == 0xed) {
			need = 2;
			hi = 0x9f;
		} else if (c >= 0xe1 && c <= 0xef)
			need = 2;
		else if (c == 0xf0) {
			need = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			need = 3;
		else if (c == 0xf4) {
			need = 3;
			hi = 0x8f;
		} else
			return false;
		if (len - i <= need)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (k = 2; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += need + 1;
	}
	return true;
}

/* Checks message text: too long first, then the other rules of section 4. */
enum msg_code
msg_text_check(const char *s, size_t len)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i;

	if (len > SC_TEXT_MAX_LEN)
		return MSG_CODE_TOO_LONG;
	if (s == NULL || len == 0 || !msg_utf8_valid(s, len))
		return MSG_CODE_BAD_REQUEST;
	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
			return MSG_CODE_BAD_REQUEST;
		if (p[i] == 0x7f)
			return MSG_CODE_BAD_REQUEST;
		/* U+0080-U+009F are C2 80-C2 9F; valid UTF-8 has i + 1. */
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return MSG_CODE_BAD_REQUEST;
	}
	return MSG_CODE_NONE;
}

/* True if s[0..len) is valid UTF-8 of 1-1024 bytes without U+0000. */
bool
msg_password_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > SC_PASSWORD_MAX_LEN)
		return false;
	if (memchr(s, '\0', len) != NULL)
		return false;
	return msg_utf8_valid(s, len);
}

/* ---- JSON rules of section 3 ------------------------------------------ */

/* True if the container j, at nesting level level, and everything in it
 * stay within SC_JSON_MAX_DEPTH. Recursion stops one level past the limit. */
static bool
depth_ok(json_t *j, int level)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	if (level > SC_JSON_MAX_DEPTH)
		return false;
	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			if ((json_is_object(v) || json_is_array(v)) &&
			    !depth_ok(v, level + 1))
				return false;
		}
	} else {
		json_array_foreach(j, i, v) {
			if ((json_is_object(v) || json_is_array(v)) &&
			    !depth_ok(v, level + 1))
				return false;
		}
	}
	return true;
}

/* The end of the JSON number at p[i] per RFC 8259, or i when there is
 * none; *real says whether it has a fraction or an exponent. */
static size_t
number_end(const uint8_t *p, size_t len, size_t i, bool *real)
{
	size_t j = i, d;

	*real = false;
	if (j < len && p[j] == '-')
		j++;
	if (j < len && p[j] == '0')
		j++;
	else if (j < len && p[j] >= '1' && p[j] <= '9') {
		while (j < len && p[j] >= '0' && p[j] <= '9')
			j++;
	} else
		return i;
	if (j < len && p[j] == '.') {
		for (d = ++j; j < len && p[j] >= '0' && p[j] <= '9'; j++)
			;
		if (j == d)
			return i;
		*real = true;
	}
	if (j < len && (p[j] == 'e' || p[j] == 'E')) {
		j++;
		if (j < len && (p[j] == '+' || p[j] == '-'))
			j++;
		for (d = j; j < len && p[j] >= '0' && p[j] <= '9'; j++)
			;
		if (j == d)
			return i;
		*real = true;
	}
	return j;
}

/*
 * jansson refuses numbers it cannot hold (integers beyond int64, reals
 * beyond a double), but they are valid JSON: such a document must still
 * be answered as JSON. Parses a copy in which each such number is
 * replaced by 0.5, a value of the same JSON kind that no member accepts
 * as an integer: an out-of-range "id" is then a mistyped member, and one
 * in an unknown member is ignored. Returns a new reference, or NULL.
 */
static json_t *
load_big_numbers(const uint8_t *buf, size_t len)
{
	json_error_t	 error;
	json_t		*root;
	char		*copy, *num;
	size_t		 i = 0, j, o = 0, run;
	bool		 in_string = false, real;
	double		 d;

	/* Only numbers of 5 bytes or more overflow ("1e309"), and each
	 * becomes 3 bytes: the copy is never longer than the original. */
	if ((copy = malloc(len + 1)) == NULL)
		log_fatal("out of memory");
	while (i < len) {
		if (in_string) {
			if (buf[i] == '\\' && i + 1 < len)
				copy[o++] = (char)buf[i++];
			else if (buf[i] == '"')
				in_string = false;
			copy[o++] = (char)buf[i++];
			continue;
		}
		if (buf[i] == '"')
			in_string = true;
		if (buf[i] != '-' && (buf[i] < '0' || buf[i] > '9')) {
			copy[o++] = (char)buf[i++];
			continue;
		}
		/* A number token (RFC 8259: -?int frac? exp?): anything else
		 * is copied as it is and left for jansson to refuse. */
		for (run = i; run < len && (buf[run] == '-' ||
		    buf[run] == '+' || buf[run] == '.' || buf[run] == 'e' ||
		    buf[run] == 'E' || (buf[run] >= '0' && buf[run] <= '9'));
		    run++)
			;
		j = number_end(buf, len, i, &real);
		if (j != run) {
			/* Not one valid number: the whole run stays. */
			memcpy(copy + o, buf + i, run - i);
			o += run - i;
			i = run;
			continue;
		}
		if ((num = strndup((const char *)buf + i, j - i)) == NULL)
			log_fatal("out of memory");
		errno = 0;
		if (real) {
			d = strtod(num, NULL);
			real = errno == ERANGE && (d == HUGE_VAL ||
			    d == -HUGE_VAL);
		} else {
			(void)strtoll(num, NULL, 10);
			real = errno == ERANGE;
		}
		free(num);
		if (real) {
			memcpy(copy + o, "0.5", 3);
			o += 3;
		} else {
			memcpy(copy + o, buf + i, j - i);
			o += j - i;
		}
		i = j;
	}
	root = json_loadb(copy, o, JSON_REJECT_DUPLICATES, &error);
	free(copy);
	return root;
}

/* Parses buf[0..len) as one JSON object obeying the rules of section 3.
 * Returns a new reference, or NULL. */
static json_t *
load_object(const uint8_t *buf, size_t len, size_t max)
{
	json_t		*root;
	json_error_t	 error;

	if (buf == NULL || len == 0 || len > max)
		return NULL;
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
	    &error);
	if (root == NULL && json_error_code(&error) ==
	    json_error_numeric_overflow)
		root = load_big_numbers(buf, len);
	if (root == NULL)
		return NULL;
	if (!json_is_object(root) || !depth_ok(root, 1)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Returns the index of the first byte at or after i that is not JSON
 * whitespace. */
static size_t
skip_ws(const uint8_t *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
	    p[i] == '\r'))
		i++;
	return i;
}

/* Returns the index just past the JSON string whose quote is at p[i]. */
static size_t
skip_string(const uint8_t *p, size_t len, size_t i)
{
	for (i++; i < len && p[i] != '"'; i++) {
		if (p[i] == '\\')
			i++;
	}
	return i + 1;
}

/* Returns the index just past the JSON value starting at p[i]. */
static size_t
skip_value(const uint8_t *p, size_t len, size_t i)
{
	size_t	open = 0;

	if (i >= len)
		return len;
	if (p[i] == '"')
		return skip_string(p, len, i);
	if (p[i] == '{' || p[i] == '[') {
		do {
			if (p[i] == '"') {
				i = skip_string(p, len, i);
				continue;
			}
			if (p[i] == '{' || p[i] == '[')
				open++;
			else if (p[i] == '}' || p[i] == ']')
				open--;
			i++;
		} while (i < len && open > 0);
		return i;
	}
	while (i < len && p[i] != ',' && p[i] != '}' && p[i] != ']' &&
	    p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
		i++;
	return i;
}

/* Returns the value of hex digit c, or -1. */
static int
hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* True if the JSON string whose quote is at p[i] decodes to "id"; *next
 * gets the index just past it. */
static bool
key_is_id(const uint8_t *p, size_t len, size_t i, size_t *next)
{
	static const char	 want[] = "id";
	size_t			 n = 0, k;
	bool			 match = true;
	int			 c, h;

	for (i++; i < len && p[i] != '"'; ) {
		if (p[i] != '\\') {
			c = p[i++];
		} else if (i + 1 < len && p[i + 1] == 'u' && i + 5 < len) {
			/* \uXXXX; a surrogate half never matches. */
			c = 0;
			for (k = 2; k < 6 && c >= 0; k++) {
				h = hex_value(p[i + k]);
				c = h < 0 ? -1 : c * 16 + h;
			}
			i += 6;
		} else {
			c = -1;		/* \" \\ \/ \b \f \n \r \t */
			i += 2;
		}
		if (n < sizeof want - 1 && c == want[n])
			n++;
		else
			match = false;
	}
	*next = i + 1;
	return match && n == sizeof want - 1;
}

/*
 * True if the top-level member "id" of the JSON object in p[0..len) is the
 * token -0. Jansson reads -0 as the integer 0, so only the raw bytes tell.
 * p must already have passed load_object(); one linear pass.
 */
static bool
id_is_negative_zero(const uint8_t *p, size_t len)
{
	size_t	i;
	bool	is_id;

	i = skip_ws(p, len, 0);
	if (i >= len || p[i] != '{')
		return false;
	for (i++;;) {
		i = skip_ws(p, len, i);
		if (i >= len || p[i] != '"')
			return false;
		is_id = key_is_id(p, len, i, &i);
		i = skip_ws(p, len, i);
		if (i >= len || p[i] != ':')
			return false;
		i = skip_ws(p, len, i + 1);
		if (is_id) {
			return len - i >= 2 && p[i] == '-' && p[i + 1] == '0' &&
			    (len - i == 2 || (p[i + 2] != '.' &&
			    p[i + 2] != 'e' && p[i + 2] != 'E'));
		}
		i = skip_ws(p, len, skip_value(p, len, i));
		if (i >= len || p[i] != ',')
			return false;
		i++;
	}
}

/* ---- Client requests -------------------------------------------------- */

/* Step 1: parses buf into req; MSG_CODE_NONE or MSG_CODE_BAD_REQUEST. */
enum msg_code
msg_request_parse(struct msg_request *req, const uint8_t *buf, size_t len)
{
	json_t		*type, *id;
	const char	*name;
	size_t		 n;

	memset(req, 0, sizeof *req);
	req->root = load_object(buf, len, SC_MSG_MAX_LEN);
	if (req->root == NULL)
		return MSG_CODE_BAD_REQUEST;
	type = json_object_get(req->root, "type");
	if (!json_is_string(type))
		return MSG_CODE_BAD_REQUEST;

	name = json_string_value(type);
	n = json_string_length(type);
	if (n <= SC_REF_MAX_LEN) {
		memcpy(req->ref, name, n);
		req->ref[n] = '\0';
		req->has_ref = true;
	}
	req->type = type_lookup(name, n, CLIENT_FIRST, CLIENT_LAST);
	if (req->type == MSG_UNKNOWN)
		return MSG_CODE_BAD_REQUEST;

	/*
	 * The struct keeps no raw bytes, so a top-level "id":-0 is recorded
	 * in the tree: it becomes the real -0.0, which step 3 refuses like
	 * any other number with a fraction or exponent.
	 */
	id = json_object_get(req->root, "id");
	if (json_is_integer(id) && json_integer_value(id) == 0 &&
	    id_is_negative_zero(buf, len)) {
		if (json_object_set_new(req->root, "id", json_real(-0.0)) != 0)
			nomem();
	}
	return MSG_CODE_NONE;
}

/* Finds the string member key of obj: sets *s and *len, returns true. */
static bool
get_string(json_t *obj, const char *key, const char **s, size_t *len)
{
	json_t	*v;

	v = json_object_get(obj, key);
	if (!json_is_string(v))
		return false;
	*s = json_string_value(v);
	if (len != NULL)
		*len = json_string_length(v);
	return true;
}

/* Step 3: members present with the right JSON types. */
enum msg_code
msg_request_members(struct msg_request *req)
{
	json_t		*id;
	json_int_t	 v;

	req->user = req->password = req->to = req->text = NULL;
	req->user_len = req->password_len = req->to_len = req->text_len = 0;
	req->has_id = false;
	req->id = 0;
	if (req->root == NULL)
		return MSG_CODE_BAD_REQUEST;

	switch (req->type) {
	case MSG_LOGIN:
		if (!get_string(req->root, "user", &req->user, &req->user_len))
			return MSG_CODE_BAD_REQUEST;
		if (!get_string(req->root, "password", &req->password,
		    &req->password_len))
			return MSG_CODE_BAD_REQUEST;
		return MSG_CODE_NONE;
	case MSG_MSG:
		if (!get_string(req->root, "to", &req->to, &req->to_len))
			return MSG_CODE_BAD_REQUEST;
		/* FALLTHROUGH */
	case MSG_SAY:
		if (!get_string(req->root, "text", &req->text, &req->text_len))
			return MSG_CODE_BAD_REQUEST;
		return MSG_CODE_NONE;
	case MSG_LIST:
	case MSG_QUIT:
		return MSG_CODE_NONE;
	case MSG_PING:
		id = json_object_get(req->root, "id");
		if (id == NULL)
			return MSG_CODE_NONE;
		if (!json_is_integer(id))
			return MSG_CODE_BAD_REQUEST;
		v = json_integer_value(id);
		if (v < 0 || v > SC_PING_ID_MAX)
			return MSG_CODE_BAD_REQUEST;
		req->has_id = true;
		req->id = (uint64_t)v;
		return MSG_CODE_NONE;
	default:
		return MSG_CODE_BAD_REQUEST;
	}
}

/* Step 5: the content rules of section 4. */
enum msg_code
msg_request_content(const struct msg_request *req)
{
	enum msg_code	code;

	switch (req->type) {
	case MSG_LOGIN:
		if (!msg_user_valid(req->user, req->user_len) ||
		    !msg_password_valid(req->password, req->password_len))
			return MSG_CODE_BAD_REQUEST;
		return MSG_CODE_NONE;
	case MSG_SAY:
		return msg_text_check(req->text, req->text_len);
	case MSG_MSG:
		/* too_long before bad_request, whichever member is bad. */
		code = msg_text_check(req->text, req->text_len);
		if (code == MSG_CODE_TOO_LONG)
			return code;
		if (!msg_user_valid(req->to, req->to_len))
			return MSG_CODE_BAD_REQUEST;
		return code;
	case MSG_LIST:
	case MSG_PING:
	case MSG_QUIT:
		return MSG_CODE_NONE;
	default:
		return MSG_CODE_BAD_REQUEST;
	}
}

/* Frees the request's tree and clears it. */
void
msg_request_clear(struct msg_request *req)
{
	if (req == NULL)
		return;
	json_decref(req->root);
	memset(req, 0, sizeof *req);
}

/* ---- Server events ---------------------------------------------------- */

/* Finds the integer member key of obj in min..max: sets *out. */
static bool
get_int(json_t *obj, const char *key, json_int_t min, json_int_t max,
    json_int_t *out)
{
	json_t	*v;

	v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return *out >= min && *out <= max;
}

/* Finds the array of strings "users" in obj: sets a malloc'd array of
 * pointers into obj. */
static bool
get_users(json_t *obj, const char ***users, size_t *n_users)
{
	json_t		 *a, *v;
	const char	**list;
	size_t		  i, n;

	a = json_object_get(obj, "users");
	if (!json_is_array(a))
		return false;
	n = json_array_size(a);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return false;
	}
	*n_users = n;
	if (n == 0)
		return true;
	if ((list = calloc(n, sizeof *list)) == NULL)
		nomem();
	json_array_foreach(a, i, v)
		list[i] = json_string_value(v);
	*users = list;
	return true;
}

/* Checks the members of an event of a known type. */
static bool
event_members(struct msg_event *ev)
{
	json_t		*root = ev->root, *v;
	json_int_t	 n;

	switch (ev->type) {
	case MSG_SAY:
	case MSG_MSG:
		if (!get_int(root, "id", 1, INT64_MAX, &n))
			return false;
		ev->id = (uint64_t)n;
		ev->has_id = true;
		if (!get_int(root, "ts", INT64_MIN, INT64_MAX, &n))
			return false;
		ev->ts = n;
		if (!get_string(root, "from", &ev->from, NULL) ||
		    !get_string(root, "text", &ev->text, &ev->text_len))
			return false;
		return ev->type == MSG_SAY ||
		    get_string(root, "to", &ev->to, NULL);
	case MSG_LOGIN_OK:
		return get_string(root, "user", &ev->user, NULL) &&
		    get_users(root, &ev->users, &ev->n_users);
	case MSG_PRESENCE:
		v = json_object_get(root, "online");
		if (!json_is_boolean(v))
			return false;
		ev->online = json_is_true(v);
		return get_string(root, "user", &ev->user, NULL);
	case MSG_USERS:
		return get_users(root, &ev->users, &ev->n_users);
	case MSG_PONG:
		if (json_object_get(root, "id") == NULL)
			return true;
		if (!get_int(root, "id", 0, INT64_MAX, &n))
			return false;
		ev->id = (uint64_t)n;
		ev->has_id = true;
		return true;
	case MSG_NOTICE:
		return get_string(root, "text", &ev->text, &ev->text_len);
	case MSG_ERROR:
		if (!get_string(root, "code", &ev->code_name, NULL) ||
		    !get_string(root, "message", &ev->message, NULL))
			return false;
		ev->code = msg_code_parse(ev->code_name);
		if (json_object_get(root, "ref") == NULL)
			return true;
		return get_string(root, "ref", &ev->ref, NULL);
	case MSG_BYE:
		return get_string(root, "reason", &ev->reason, NULL);
	default:
		return false;
	}
}

/* Parses and checks one server plaintext; 0 or SC_ERR_FORMAT. */
int
msg_event_parse(struct msg_event *ev, const uint8_t *buf, size_t len)
{
	const char	*name;
	size_t		 n;

	memset(ev, 0, sizeof *ev);
	ev->root = load_object(buf, len, SC_MSG_MAX_LEN);
	if (ev->root == NULL)
		goto fail;
	if (!get_string(ev->root, "type", &name, &n))
		goto fail;
	ev->type = type_lookup(name, n, SERVER_FIRST, SERVER_LAST);
	if (ev->type == MSG_UNKNOWN || !event_members(ev))
		goto fail;
	return 0;

fail:
	msg_event_clear(ev);
	return SC_ERR_FORMAT;
}

/* Frees the event's tree and users array and clears it. */
void
msg_event_clear(struct msg_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->users);
	json_decref(ev->root);
	memset(ev, 0, sizeof *ev);
}

/* ---- Handshake payloads ----------------------------------------------- */

/* Copies the string member key of obj into dst, cut at
 * MSG_HELLO_FIELD_MAX bytes on a UTF-8 boundary; "" if not a string. */
static void
copy_field(json_t *obj, const char *key, char dst[MSG_HELLO_FIELD_MAX + 1])
{
	const char	*s;
	size_t		 n;

	dst[0] = '\0';
	if (!get_string(obj, key, &s, &n))
		return;
	if (n > MSG_HELLO_FIELD_MAX) {
		n = MSG_HELLO_FIELD_MAX;
		while (n > 0 && ((uint8_t)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Checks a handshake payload; 0 or SC_ERR_PAYLOAD. */
int
msg_hello_check(const uint8_t *buf, size_t len, bool need_proto,
    struct msg_hello *out)
{
	json_t		*root;
	json_int_t	 proto;
	int		 rc = SC_ERR_PAYLOAD;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if ((root = load_object(buf, len, SC_HELLO_MAX_LEN)) == NULL)
		return SC_ERR_PAYLOAD;
	if (need_proto && !get_int(root, "proto", SC_PROTO_VERSION,
	    SC_PROTO_VERSION, &proto))
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

/* ---- Encoders --------------------------------------------------------- */

/* Starts an object, with "type" first unless type is NULL. */
static void
enc_start(struct enc *e, const char *type)
{
	e->rc = 0;
	if ((e->obj = json_object()) == NULL)
		nomem();
	if (type != NULL &&
	    json_object_set_new(e->obj, "type", json_string(type)) != 0)
		nomem();
}

/* Adds member key = v, a new reference. */
static void
enc_set(struct enc *e, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(e->obj, key, v) != 0)
		nomem();
}

/* Adds string member key = s[0..len): valid UTF-8 without U+0000. */
static void
enc_strn(struct enc *e, const char *key, const char *s, size_t len)
{
	if (e->rc != 0)
		return;
	if (s == NULL || memchr(s, '\0', len) != NULL ||
	    !msg_utf8_valid(s, len)) {
		e->rc = SC_ERR_INVALID;
		return;
	}
	enc_set(e, key, json_stringn(s, len));
}

/* Adds string member key = the C string s. */
static void
enc_str(struct enc *e, const char *key, const char *s)
{
	if (s == NULL) {
		e->rc = SC_ERR_INVALID;
		return;
	}
	enc_strn(e, key, s, strlen(s));
}

/* Adds integer member key = v. */
static void
enc_int(struct enc *e, const char *key, int64_t v)
{
	if (e->rc == 0)
		enc_set(e, key, json_integer(v));
}

/* Adds integer member key = v, which must lie in min..max (max at most
 * INT64_MAX). */
static void
enc_uint(struct enc *e, const char *key, uint64_t v, uint64_t min,
    uint64_t max)
{
	if (e->rc != 0)
		return;
	if (v < min || v > max) {
		e->rc = SC_ERR_INVALID;
		return;
	}
	enc_set(e, key, json_integer((json_int_t)v));
}

/* Adds the member "users", an array of n C strings. */
static void
enc_users(struct enc *e, const char *const *users, size_t n)
{
	json_t	*a;
	size_t	 i, ulen;

	if (e->rc != 0)
		return;
	if (users == NULL && n != 0) {
		e->rc = SC_ERR_INVALID;
		return;
	}
	if ((a = json_array()) == NULL)
		nomem();
	for (i = 0; i < n; i++) {
		if (users[i] == NULL ||
		    !msg_utf8_valid(users[i], ulen = strlen(users[i]))) {
			json_decref(a);
			e->rc = SC_ERR_INVALID;
			return;
		}
		if (json_array_append_new(a, json_stringn(users[i], ulen)) != 0)
			nomem();
	}
	enc_set(e, "users", a);
}

/* Dumps the object compactly into buf[0..cap) and frees it. Returns 0,
 * the first member error, or SC_ERR_TOO_LONG. */
static int
enc_finish(struct enc *e, char *buf, size_t cap, size_t *len)
{
	size_t	n;
	int	rc = e->rc;

	if (rc == 0 && len == NULL)
		rc = SC_ERR_INVALID;
	if (rc == 0 && buf == NULL && cap != 0)
		rc = SC_ERR_INVALID;
	if (rc == 0) {
		/* Never writes past cap; returns the size it needed. */
		n = json_dumpb(e->obj, buf, cap, JSON_COMPACT);
		if (n == 0)
			nomem();	/* members were checked: only OOM */
		if (n > cap)
			rc = SC_ERR_TOO_LONG;
		else
			*len = n;
	}
	json_decref(e->obj);
	e->obj = NULL;
	return rc;
}

/* Clears the length out-parameter, if any. */
static void
clear_len(size_t *len)
{
	if (len != NULL)
		*len = 0;
}

/* {"proto":1,"client":"<client>"} */
int
msg_encode_client_hello(char *buf, size_t cap, size_t *len,
    const char *client)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, NULL);
	enc_int(&e, "proto", SC_PROTO_VERSION);
	enc_str(&e, "client", client);
	return enc_finish(&e, buf, cap, len);
}

/* {"proto":1,"server":"<server>","name":"<name>"} */
int
msg_encode_server_hello(char *buf, size_t cap, size_t *len,
    const char *server, const char *name)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, NULL);
	enc_int(&e, "proto", SC_PROTO_VERSION);
	enc_str(&e, "server", server);
	enc_str(&e, "name", name);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"login","user":...,"password":...} */
int
msg_encode_login(char *buf, size_t cap, size_t *len, const char *user,
    const char *password, size_t pwlen)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "login");
	enc_str(&e, "user", user);
	enc_strn(&e, "password", password, pwlen);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"say","text":...} */
int
msg_encode_say_request(char *buf, size_t cap, size_t *len, const char *text,
    size_t text_len)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "say");
	enc_strn(&e, "text", text, text_len);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"msg","to":...,"text":...} */
int
msg_encode_msg_request(char *buf, size_t cap, size_t *len, const char *to,
    const char *text, size_t text_len)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "msg");
	enc_str(&e, "to", to);
	enc_strn(&e, "text", text, text_len);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"list"} */
int
msg_encode_list(char *buf, size_t cap, size_t *len)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "list");
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"ping"} or {"type":"ping","id":N}, N at most 2^53-1. */
int
msg_encode_ping(char *buf, size_t cap, size_t *len, bool has_id, uint64_t id)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "ping");
	if (has_id)
		enc_uint(&e, "id", id, 0, SC_PING_ID_MAX);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"quit"} */
int
msg_encode_quit(char *buf, size_t cap, size_t *len)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "quit");
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"login_ok","user":...,"users":[...]} */
int
msg_encode_login_ok(char *buf, size_t cap, size_t *len, const char *user,
    const char *const *users, size_t n_users)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "login_ok");
	enc_str(&e, "user", user);
	enc_users(&e, users, n_users);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"say","id":N,"ts":T,"from":...,"text":...}; N positive. */
int
msg_encode_say(char *buf, size_t cap, size_t *len, uint64_t id, int64_t ts,
    const char *from, const char *text, size_t text_len)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "say");
	enc_uint(&e, "id", id, 1, INT64_MAX);
	enc_int(&e, "ts", ts);
	enc_str(&e, "from", from);
	enc_strn(&e, "text", text, text_len);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"msg","id":N,"ts":T,"from":...,"to":...,"text":...}. */
int
msg_encode_msg(char *buf, size_t cap, size_t *len, uint64_t id, int64_t ts,
    const char *from, const char *to, const char *text, size_t text_len)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "msg");
	enc_uint(&e, "id", id, 1, INT64_MAX);
	enc_int(&e, "ts", ts);
	enc_str(&e, "from", from);
	enc_str(&e, "to", to);
	enc_strn(&e, "text", text, text_len);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"presence","user":...,"online":true|false} */
int
msg_encode_presence(char *buf, size_t cap, size_t *len, const char *user,
    bool online)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "presence");
	enc_str(&e, "user", user);
	if (e.rc == 0)
		enc_set(&e, "online", json_boolean(online));
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"users","users":[...]} */
int
msg_encode_users(char *buf, size_t cap, size_t *len,
    const char *const *users, size_t n_users)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "users");
	enc_users(&e, users, n_users);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"pong"} or {"type":"pong","id":N}, N at most 2^53-1. */
int
msg_encode_pong(char *buf, size_t cap, size_t *len, bool has_id, uint64_t id)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "pong");
	if (has_id)
		enc_uint(&e, "id", id, 0, SC_PING_ID_MAX);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"notice","text":...} */
int
msg_encode_notice(char *buf, size_t cap, size_t *len, const char *text)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "notice");
	enc_str(&e, "text", text);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"error","code":...,"message":...[,"ref":...]} */
int
msg_encode_error(char *buf, size_t cap, size_t *len, enum msg_code code,
    const char *message, const char *ref)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "error");
	if (*msg_code_name(code) == '\0')
		e.rc = SC_ERR_INVALID;
	enc_str(&e, "code", msg_code_name(code));
	enc_str(&e, "message", message != NULL ? message :
	    msg_code_text(code));
	if (ref != NULL)
		enc_str(&e, "ref", ref);
	return enc_finish(&e, buf, cap, len);
}

/* {"type":"bye","reason":...} */
int
msg_encode_bye(char *buf, size_t cap, size_t *len, const char *reason)
{
	struct enc	e;

	clear_len(len);
	enc_start(&e, "bye");
	enc_str(&e, "reason", reason);
	return enc_finish(&e, buf, cap, len);
}
