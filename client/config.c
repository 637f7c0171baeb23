/*
 * config.c: the client's config file, $XDG_CONFIG_HOME/securechat/config:
 * one "name = value" per line (server, port, user, colors, bell, mouse,
 * scrollback, timestamp), "bind KEY ACTION" for key bindings that differ
 * from the defaults, # comments. One table of settings; a bad line is an
 * error naming the file and the line. The older config.json (a JSON
 * object of the same settings) is still read when there is no config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client.h"
#include "xmalloc.h"

#define CONFIG_FILE_MAX	 (64 * 1024) /* bytes of the config file */
#define CONFIG_LINE_MAX	 1024	     /* bytes of one line */
#define CONFIG_VALUE_MAX 256	     /* bytes of a value */

enum config_kind {
	CFG_STRING, /* host names, user names */
	CFG_PORT,   /* 1 to 65535 */
	CFG_BOOL,   /* yes/no, true/false, on/off */
	CFG_LINES,  /* SCROLLBACK_MIN to SCROLLBACK_MAX */
	CFG_STAMP,  /* a strftime format */
};

struct config_setting {
	const char *name;
	enum config_kind kind;
	size_t offset; /* in struct client */
};

#define OFF(f) offsetof(struct client, f)

/* Every setting of the file. */
static const struct config_setting settings[] = {
	{ "server", CFG_STRING, OFF(host) },
	{ "host", CFG_STRING, OFF(host) },
	{ "port", CFG_PORT, OFF(port) },
	{ "user", CFG_STRING, OFF(user) },
	{ "colors", CFG_BOOL, OFF(color) },
	{ "color", CFG_BOOL, OFF(color) },
	{ "bell", CFG_BOOL, OFF(bell) },
	{ "mouse", CFG_BOOL, OFF(mouse) },
	{ "scrollback", CFG_LINES, OFF(scrollback) },
	{ "timestamp", CFG_STAMP, 0 },
};

/* The actions a key can be bound to. */
static const struct {
	const char *name;
	enum key_action action;
} actions[] = {
	{ "prev-buffer", ACTION_PREV_BUFFER },
	{ "next-buffer", ACTION_NEXT_BUFFER },
	{ "scroll-up", ACTION_SCROLL_UP },
	{ "scroll-down", ACTION_SCROLL_DOWN },
	{ "scroll-bottom", ACTION_SCROLL_BOTTOM },
	{ "sidebar-up", ACTION_SIDEBAR_UP },
	{ "sidebar-down", ACTION_SIDEBAR_DOWN },
	{ "search", ACTION_SEARCH },
	{ "redraw", ACTION_REDRAW },
	{ "history-prev", ACTION_HISTORY_PREV },
	{ "history-next", ACTION_HISTORY_NEXT },
};

/* Parses "yes"/"no" and their synonyms. */
static bool
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Parses a whole decimal number in [min, max]. */
static bool
parse_number(const char *v, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long n;
	char *end;

	if (*v < '0' || *v > '9')
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* Sets one setting from its text. 0, or -1 with a reason in err. */
int
config_set(struct client *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	const struct config_setting *st = NULL;
	char *p = (char *)c;
	unsigned long long n;
	size_t i;
	bool b;

	for (i = 0; i < sizeof settings / sizeof settings[0]; i++) {
		if (strcmp(settings[i].name, name) == 0)
			st = &settings[i];
	}
	if (st == NULL) {
		snprintf(err, errlen, "unknown setting \"%.64s\"", name);
		return -1;
	}
	p += st->offset;
	switch (st->kind) {
	case CFG_STRING:
		if (*value == '\0' || strlen(value) > CONFIG_VALUE_MAX) {
			snprintf(err, errlen, "%s: 1 to %d bytes", name,
			    CONFIG_VALUE_MAX);
			return -1;
		}
		free(*(char **)(void *)p);
		*(char **)(void *)p = xstrdup(value);
		return 0;
	case CFG_PORT:
		if (!parse_number(value, 1, 65535, &n)) {
			snprintf(err, errlen, "%s: \"%.64s\" is not 1 to 65535",
			    name, value);
			return -1;
		}
		*(unsigned *)(void *)p = (unsigned)n;
		return 0;
	case CFG_BOOL:
		if (!parse_bool(value, &b)) {
			snprintf(err, errlen, "%s: \"%.64s\" is not yes or no",
			    name, value);
			return -1;
		}
		*(bool *)(void *)p = b;
		return 0;
	case CFG_LINES:
		if (!parse_number(value, SCROLLBACK_MIN, SCROLLBACK_MAX, &n)) {
			snprintf(err, errlen, "%s: \"%.64s\" is not %d to %d",
			    name, value, SCROLLBACK_MIN, SCROLLBACK_MAX);
			return -1;
		}
		*(size_t *)(void *)p = (size_t)n;
		return 0;
	case CFG_STAMP:
		if (events_set_stamp_format(value) != 0) {
			snprintf(err, errlen,
			    "%s: at most %d bytes of printable text whose "
			    "time fits in %d bytes",
			    name, EVENT_STAMP_FORMAT_MAX, EVENT_STAMP_SIZE - 1);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "%s: internal error", name);
	return -1;
}

/* Parses a key name: F1..F12, C-a..C-z, M-a..M-z. */
static bool
parse_key(const char *s, struct key_binding *kb)
{
	unsigned long long n;

	memset(kb, 0, sizeof *kb);
	if (s[0] == 'F' && parse_number(s + 1, 1, 12, &n)) {
		kb->type = KEYB_FUNCTION;
		kb->key = (unsigned)n;
		return true;
	}
	if ((s[0] == 'C' || s[0] == 'M') && s[1] == '-' && s[2] >= 'a' &&
	    s[2] <= 'z' && s[3] == '\0') {
		kb->type = s[0] == 'C' ? KEYB_CTRL : KEYB_ALT;
		kb->key = (unsigned)s[2];
		return true;
	}
	return false;
}

/* Adds "bind KEY ACTION" (args is "KEY ACTION"). */
static int
config_bind(struct client *c, char *args, char *err, size_t errlen)
{
	struct key_binding kb;
	char *key = args, *action, *extra;
	size_t i;

	action = key + strcspn(key, " \t");
	if (*action != '\0')
		*action++ = '\0';
	action += strspn(action, " \t");
	extra = action + strcspn(action, " \t");
	if (*key == '\0' || *action == '\0' || *extra != '\0') {
		snprintf(err, errlen, "bind: expected \"bind KEY ACTION\"");
		return -1;
	}
	if (!parse_key(key, &kb)) {
		snprintf(err, errlen,
		    "bind: \"%.32s\" is not a key (F1..F12, C-a..C-z, "
		    "M-a..M-z)",
		    key);
		return -1;
	}
	for (i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		if (strcmp(actions[i].name, action) == 0)
			break;
	}
	if (i == sizeof actions / sizeof actions[0]) {
		snprintf(err, errlen, "bind: unknown action \"%.32s\"", action);
		return -1;
	}
	kb.action = actions[i].action;
	/* A key bound again takes its last action. */
	for (i = 0; i < c->n_bindings; i++) {
		if (c->bindings[i].type == kb.type &&
		    c->bindings[i].key == kb.key) {
			c->bindings[i] = kb;
			return 0;
		}
	}
	if (c->n_bindings == CLIENT_BINDINGS_MAX) {
		snprintf(err, errlen, "bind: more than %d bindings",
		    CLIENT_BINDINGS_MAX);
		return -1;
	}
	c->bindings[c->n_bindings++] = kb;
	return 0;
}

/* Takes a value: bare (trailing blanks dropped) or "quoted" with \" and
 * \\ escapes; rewritten in place. */
static int
unquote(char *v, char *err, size_t errlen)
{
	char *in, *out;

	if (*v != '"')
		return 0;
	for (in = v + 1, out = v; *in != '"'; in++) {
		if (*in == '\0') {
			snprintf(err, errlen, "unterminated quote");
			return -1;
		}
		if (*in == '\\' && (in[1] == '"' || in[1] == '\\'))
			in++;
		*out++ = *in;
	}
	if (in[1] != '\0') {
		snprintf(err, errlen, "text after the closing quote");
		return -1;
	}
	*out = '\0';
	return 0;
}

/* Handles one line (modified in place); 0, or -1 with a reason. */
static int
config_line(struct client *c, char *line, char *err, size_t errlen)
{
	char *name, *eq, *value, *end;
	size_t i;

	name = line + strspn(line, " \t");
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (*name == '\0' || *name == '#')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (((unsigned char)name[i] < 0x20 && name[i] != '\t') ||
		    name[i] == 0x7f) {
			snprintf(err, errlen, "a control character");
			return -1;
		}
	}
	if (strncmp(name, "bind", 4) == 0 &&
	    (name[4] == ' ' || name[4] == '\t'))
		return config_bind(c, name + 5 + strspn(name + 5, " \t"), err,
		    errlen);
	if ((eq = strchr(name, '=')) == NULL) {
		snprintf(err, errlen, "expected \"name = value\"");
		return -1;
	}
	value = eq + 1 + strspn(eq + 1, " \t");
	end = eq;
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	if (unquote(value, err, errlen) != 0)
		return -1;
	return config_set(c, name, value, err, errlen);
}

/* Reads one line of f into line (without its end of line): its length,
 * or -1 at the end of the file. Longer lines are cut at max + 1. */
static long
read_line(FILE *f, char *line, size_t max, size_t *total)
{
	size_t len = 0;
	int ch;

	while ((ch = getc(f)) != EOF) {
		(*total)++;
		if (ch == '\n')
			break;
		if (len <= max)
			line[len++] = (char)ch;
	}
	if (ch == EOF && len == 0)
		return -1;
	if (len > 0 && len <= max && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return (long)len;
}

/* Reads path's lines over c's options. */
int
config_load(struct client *c, const char *path, char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 2], msg[256];
	size_t total = 0;
	unsigned lineno = 0;
	long len;
	int rc = -1;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = read_line(f, line, CONFIG_LINE_MAX, &total)) >= 0) {
		lineno++;
		if (total > CONFIG_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    CONFIG_FILE_MAX);
			goto out;
		}
		if (len > CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: longer than %d bytes",
			    path, lineno, CONFIG_LINE_MAX);
			goto out;
		}
		if (strlen(line) != (size_t)len) {
			snprintf(err, errlen, "%s:%u: a NUL byte", path,
			    lineno);
			goto out;
		}
		if (config_line(c, line, msg, sizeof msg) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* Reads the older JSON config: each member goes through config_set. */
int
config_load_json(struct client *c, const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	char text[32], msg[256];
	const char *value;
	int rc = -1;

	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (json_is_string(v))
			value = json_string_value(v);
		else if (json_is_boolean(v))
			value = json_is_true(v) ? "yes" : "no";
		else if (json_is_integer(v) && json_integer_value(v) >= 0) {
			snprintf(text, sizeof text, "%lld",
			    (long long)json_integer_value(v));
			value = text;
		} else
			value = "";
		if (config_set(c, key, value, msg, sizeof msg) != 0) {
			snprintf(err, errlen, "%s: %s", path, msg);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
