/*
 * config.c: securechatd's settings: defaults, the JSON config file and
 * command-line overrides, all through one table of named settings.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <jansson.h>

#include "server.h"

#define CONFIG_FILE_MAX	  (1024 * 1024)
#define CONFIG_VALUE_MAX  4096 /* bytes of a string setting */
#define CONFIG_DUMP_WIDTH 76   /* columns of the config file's comments */

enum setting_kind {
	SET_STRING,
	SET_UINT,    /* unsigned, [min, max] */
	SET_SIZE,    /* size_t bytes, [min, max] */
	SET_SECONDS, /* a number of seconds, stored in ms */
	SET_LEVEL,   /* log level name */
};

struct setting {
	const char *name;
	enum setting_kind kind;
	size_t offset;
	double min, max;  /* numbers; seconds for SET_SECONDS */
	double def;	  /* the default of a number, in its unit */
	const char *text; /* the default of a string or level */
	const char *doc;  /* one sentence for the man page and config file */
};

#define OFF(f) offsetof(struct config, f)
#define MIB    (1024.0 * 1024)

/* Every setting: its name, kind, place, range, default and meaning. */
static const struct setting settings[] = {
	{ "listen", SET_STRING, OFF(listen), 0, 0, 0, SC_DEFAULT_ADDRESS,
	    "IPv4 or IPv6 address to listen on (unused when systemd passes "
	    "the listening socket)." },
	{ "port", SET_UINT, OFF(port), 1, 65535, SC_DEFAULT_PORT, NULL,
	    "TCP port to listen on (unused when systemd passes the "
	    "listening socket)." },
	{ "users", SET_STRING, OFF(users_path), 0, 0, 0, "data/users.json",
	    "The users file (a JSON object of names and password hashes, "
	    "managed with securechatctl); SIGHUP reloads it." },
	{ "key", SET_STRING, OFF(key_path), 0, 0, 0, "data/server.key",
	    "The server's static key, created 0600 on the first start and "
	    "never replaced." },
	{ "log_dir", SET_STRING, OFF(log_dir), 0, 0, 0, "data/logs",
	    "Folder for securechatd.log; empty for no log file. Under "
	    "systemd the default is empty: the journal has every line." },
	{ "server_name", SET_STRING, OFF(server_name), 0, 0, 0, "SecureChat",
	    "Name shown to clients in the server hello (1 to 64 bytes)." },
	{ "log_level", SET_LEVEL, OFF(log_level), 0, 0, 0, "info",
	    "The most verbose level logged: error, warning, notice, info or "
	    "debug." },
	{ "workers", SET_UINT, OFF(workers), 0, 256, 0, NULL,
	    "Password-check threads; 0 means one per core." },
	{ "auth_queue", SET_UINT, OFF(auth_queue), 1, 1000000, 256, NULL,
	    "Logins that may wait for a worker before new ones are answered "
	    "busy." },
	{ "handshake_timeout", SET_SECONDS, OFF(handshake_timeout_ms), 0.05,
	    3600, SC_HANDSHAKE_TIMEOUT_MS / 1000.0, NULL,
	    "Seconds a connection has to finish the Noise handshake." },
	{ "login_timeout", SET_SECONDS, OFF(login_timeout_ms), 0.05, 86400, 10,
	    NULL,
	    "Seconds a connection has to log in after the handshake (it "
	    "holds a slot of max_unauth until then)." },
	{ "idle_timeout", SET_SECONDS, OFF(idle_timeout_ms), 0.05, 86400 * 7,
	    120, NULL,
	    "Seconds without any message from a client before it is "
	    "disconnected." },
	{ "shutdown_grace", SET_SECONDS, OFF(shutdown_grace_ms), 0, 60, 3, NULL,
	    "Seconds clients get to receive their goodbye on SIGTERM." },
	{ "max_connections", SET_UINT, OFF(max_connections), 0, 10000000, 0,
	    NULL,
	    "Connections open at once, more are refused; 0 (and any larger "
	    "value) means the open-file limit minus fd_reserve." },
	{ "fd_reserve", SET_UINT, OFF(fd_reserve), 16, 1000000, 64, NULL,
	    "File descriptors kept free of connections (log, database, key, "
	    "reloads)." },
	{ "max_per_ip", SET_UINT, OFF(max_per_ip), 1, 10000000, 1000, NULL,
	    "Connections open at once from one address (at most "
	    "max_connections)." },
	{ "max_unauth", SET_UINT, OFF(max_unauth), 0, 10000000, 0, NULL,
	    "Connections not logged in yet, server-wide (0: half of "
	    "max_connections); beyond it the oldest of them is dropped for "
	    "the new one." },
	{ "max_unauth_per_prefix", SET_UINT, OFF(max_unauth_per_prefix), 1,
	    10000000, 64, NULL,
	    "Connections not logged in yet from one address prefix; beyond "
	    "it new ones are refused at once." },
	{ "prefix_v4", SET_UINT, OFF(prefix_v4), 8, 32, 24, NULL,
	    "IPv4 prefix length that max_unauth_per_prefix counts by." },
	{ "prefix_v6", SET_UINT, OFF(prefix_v6), 16, 128, 64, NULL,
	    "IPv6 prefix length that max_unauth_per_prefix counts by." },
	{ "max_login_failures", SET_UINT, OFF(max_auth_failures), 1, 1000,
	    SC_MAX_AUTH_FAILURES, NULL,
	    "Failed logins that end a connection." },
	{ "ip_fail_limit", SET_UINT, OFF(ip_fail_limit), 1, 10000000, 20, NULL,
	    "Failed logins from one address within ip_fail_window after "
	    "which its logins are answered busy." },
	{ "ip_fail_window", SET_SECONDS, OFF(ip_fail_window_ms), 0.05, 86400,
	    60, NULL, "Seconds over which ip_fail_limit counts." },
	{ "rate_burst", SET_UINT, OFF(rate_burst), SC_RATE_BURST, 10000000,
	    SC_RATE_BURST, NULL,
	    "Messages (say and msg) a connection may send at once." },
	{ "rate_per_sec", SET_UINT, OFF(rate_per_sec), SC_RATE_PER_SEC,
	    10000000, SC_RATE_PER_SEC, NULL,
	    "Messages per second a connection may send after its burst." },
	{ "req_rate", SET_UINT, OFF(req_rate), 1, 10000000, 100, NULL,
	    "Frames of any kind (ping and malformed ones too) per second a "
	    "connection may send; beyond it the server stops reading it "
	    "until its budget refills." },
	{ "req_burst", SET_UINT, OFF(req_burst), 1, 10000000, 400, NULL,
	    "Frames a connection may send at once before req_rate holds it "
	    "back." },
	{ "byte_rate", SET_SIZE, OFF(byte_rate), 1024, 1024 * MIB, 65536, NULL,
	    "Bytes per second a connection may send; beyond it the server "
	    "stops reading it until its budget refills." },
	{ "byte_burst", SET_SIZE, OFF(byte_burst), SC_FRAME_MAX_WIRE,
	    1024 * MIB, 262144, NULL,
	    "Bytes a connection may send at once before byte_rate holds it "
	    "back (at least one largest frame)." },
	{ "output_cap", SET_SIZE, OFF(output_cap), 2 * SC_FRAME_MAX_WIRE,
	    1024 * MIB, 1 * MIB, NULL,
	    "Bytes queued to one client; a client that does not read is "
	    "disconnected before it is reached." },
	{ "output_total_cap", SET_SIZE, OFF(output_total_cap),
	    2 * SC_FRAME_MAX_WIRE, 1024.0 * 1024 * MIB, 256 * MIB, NULL,
	    "Bytes queued to all clients together (at least output_cap); a "
	    "send that would pass it first disconnects the clients with the "
	    "most output queued." },
	{ "msg_in_rate", SET_SIZE, OFF(msg_in_rate), 1024, 1024 * MIB, 32768,
	    NULL,
	    "Bytes per second of private messages one user may be sent by "
	    "others; beyond it senders get rate_limited." },
	{ "msg_in_burst", SET_SIZE, OFF(msg_in_burst), SC_FRAME_MAX_WIRE,
	    1024 * MIB, 262144, NULL,
	    "Bytes of private messages one user may be sent at once." },
	{ "max_rooms_per_user", SET_UINT, OFF(max_rooms_per_user), 1,
	    SC_USER_ROOMS_MAX, 1000, NULL,
	    "Rooms one user may be in; a join beyond it is answered busy." },
	{ "stall_log_ms", SET_UINT, OFF(stall_log_ms), 1, 60000, 100, NULL,
	    "Event-loop stalls longer than this many milliseconds are "
	    "logged." },
	{ "log_rate", SET_UINT, OFF(log_rate), 0, 1000000, 100, NULL,
	    "Log lines per second that network input may cause (0: no "
	    "bound); the rest are counted in one line every 10 s." },
	{ "log_repeat", SET_UINT, OFF(log_repeat), 1, 1000000, 10, NULL,
	    "Lines of one kind about one address written per 10 s; the rest "
	    "are folded into one \"N more like this\" line." },
	{ "database", SET_STRING, OFF(database), 0, 0, 0, "data/securechat.db",
	    "The history database (SQLite, created 0600); empty keeps "
	    "history in memory only." },
	{ "history_days", SET_UINT, OFF(history_days), 0, 3650, 30, NULL,
	    "Days messages are kept; 0 stores none (rooms and topics still "
	    "persist)." },
	{ "motd", SET_STRING, OFF(motd_path), 0, 0, 0, "",
	    "A file whose text is sent to every user after login (the "
	    "message of the day); empty for none. SIGHUP reloads it." },
	{ "password_change_ends_sessions", SET_UINT, OFF(passwd_ends_sessions),
	    0, 1, 1, NULL,
	    "1: a reload that finds a user's password changed ends that "
	    "user's sessions; 0: they stay." },
	{ "min_password_length", SET_UINT, OFF(min_password_length), 1,
	    SC_PASSWORD_MAX_LEN, 8, NULL,
	    "Shortest password securechatctl accepts without --force." },
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

static int store_number(struct config *, const struct setting *, double, char *,
    size_t);
static int store_string(struct config *, const struct setting *, const char *,
    char *, size_t);

/* Sets every setting to its default from the table. */
void
config_defaults(struct config *cfg)
{
	const struct setting *st;
	char err[256];
	size_t i;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	for (i = 0; i < N_SETTINGS; i++) {
		st = &settings[i];
		if (st->kind == SET_STRING || st->kind == SET_LEVEL)
			rc = store_string(cfg, st, st->text, err, sizeof err);
		else
			rc = store_number(cfg, st, st->def, err, sizeof err);
		if (rc != 0)
			log_fatal("default of %s", err);
	}
}

/* Frees the strings cfg owns. */
void
config_free(struct config *cfg)
{
	free(cfg->listen);
	free(cfg->users_path);
	free(cfg->key_path);
	free(cfg->log_dir);
	free(cfg->server_name);
	free(cfg->database);
	free(cfg->motd_path);
	memset(cfg, 0, sizeof *cfg);
}

/* Finds a setting by name. */
static const struct setting *
find_setting(const char *name)
{
	size_t i;

	for (i = 0; i < N_SETTINGS; i++) {
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	}
	return NULL;
}

/* Stores a number into a numeric setting after the range check. */
static int
store_number(struct config *cfg, const struct setting *st, double v, char *err,
    size_t errlen)
{
	char *p = (char *)cfg + st->offset;

	if (!(v >= st->min && v <= st->max)) {
		snprintf(err, errlen, "%s: %g is out of range (%g to %g)",
		    st->name, v, st->min, st->max);
		return -1;
	}
	/* In range, so a whole number fits the setting's type. */
	if (st->kind != SET_SECONDS && v != (double)(uint64_t)v) {
		snprintf(err, errlen, "%s: not a whole number", st->name);
		return -1;
	}
	switch (st->kind) {
	case SET_UINT:
		*(unsigned *)(void *)p = (unsigned)v;
		return 0;
	case SET_SIZE:
		*(size_t *)(void *)p = (size_t)v;
		return 0;
	case SET_SECONDS:
		*(unsigned *)(void *)p = (unsigned)(v * 1000 + 0.5);
		return 0;
	default:
		break;
	}
	snprintf(err, errlen, "%s: internal error", st->name);
	return -1;
}

/* Stores a string into a string or level setting. */
static int
store_string(struct config *cfg, const struct setting *st, const char *v,
    char *err, size_t errlen)
{
	char *p = (char *)cfg + st->offset, *copy;
	enum log_level level;

	if (st->kind == SET_LEVEL) {
		if (log_level_parse(v, &level) != 0) {
			snprintf(err, errlen,
			    "%s: \"%s\" is not one of error, "
			    "warning, notice, info, debug",
			    st->name, v);
			return -1;
		}
		*(enum log_level *)(void *)p = level;
		return 0;
	}
	if (strlen(v) > CONFIG_VALUE_MAX ||
	    memchr(v, '\n', strlen(v)) != NULL) {
		snprintf(err, errlen, "%s: value too long or multi-line",
		    st->name);
		return -1;
	}
	copy = xstrdup(v);
	free(*(char **)(void *)p);
	*(char **)(void *)p = copy;
	return 0;
}

/* Sets one setting from command-line text. */
int
config_set(struct config *cfg, const char *name, const char *value, char *err,
    size_t errlen)
{
	const struct setting *st = find_setting(name);
	char *end;
	double v;

	if (st == NULL) {
		snprintf(err, errlen, "unknown setting \"%s\"", name);
		return -1;
	}
	if (st->kind == SET_STRING || st->kind == SET_LEVEL)
		return store_string(cfg, st, value, err, errlen);
	errno = 0;
	v = strtod(value, &end);
	if (errno != 0 || end == value || *end != '\0') {
		snprintf(err, errlen, "%s: \"%s\" is not a number", name,
		    value);
		return -1;
	}
	return store_number(cfg, st, v, err, errlen);
}

/*
 * Blanks the comment lines of a config file: a line whose first
 * non-blank character is '#'. JSON strings cannot span lines, so such a
 * line is never inside one; blanking keeps jansson's line numbers right.
 */
static void
blank_comments(char *buf, size_t len)
{
	size_t i = 0, j;

	while (i < len) {
		j = i;
		while (j < len && (buf[j] == ' ' || buf[j] == '\t'))
			j++;
		if (j < len && buf[j] == '#') {
			while (j < len && buf[j] != '\n')
				buf[j++] = ' ';
		}
		while (j < len && buf[j] != '\n')
			j++;
		i = j + 1;
	}
}

/* Reads the whole config file (at most CONFIG_FILE_MAX bytes). */
static int
read_file(const char *path, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f;

	*out = NULL;
	*outlen = 0;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = xmalloc(CONFIG_FILE_MAX + 1);
	while ((n = fread(buf + len, 1, CONFIG_FILE_MAX + 1 - len, f)) > 0) {
		len += n;
		if (len > CONFIG_FILE_MAX)
			break;
	}
	if (ferror(f) || len > CONFIG_FILE_MAX) {
		if (ferror(f))
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    CONFIG_FILE_MAX);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	*out = buf;
	*outlen = len;
	return 0;
}

/* Reads a JSON config file (with # comment lines) over cfg. */
int
config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	const struct setting *st;
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *key;
	char *buf;
	size_t len;
	int rc = -1;

	if (read_file(path, &buf, &len, err, errlen) != 0)
		return -1;
	blank_comments(buf, len);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line,
		    jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		char msg[256];

		if ((st = find_setting(key)) == NULL) {
			snprintf(err, errlen, "%s: unknown setting \"%s\"",
			    path, key);
			goto out;
		}
		if (st->kind == SET_STRING || st->kind == SET_LEVEL) {
			if (!json_is_string(v)) {
				snprintf(err, errlen,
				    "%s: %s: expected a "
				    "string",
				    path, key);
				goto out;
			}
			if (store_string(cfg, st, json_string_value(v), msg,
				sizeof msg) != 0) {
				snprintf(err, errlen, "%s: %s", path, msg);
				goto out;
			}
		} else {
			if (!json_is_number(v) ||
			    (st->kind != SET_SECONDS && !json_is_integer(v))) {
				snprintf(err, errlen, "%s: %s: expected %s",
				    path, key,
				    st->kind == SET_SECONDS ?
					"a number of seconds" :
					"an integer");
				goto out;
			}
			if (store_number(cfg, st, json_number_value(v), msg,
				sizeof msg) != 0) {
				snprintf(err, errlen, "%s: %s", path, msg);
				goto out;
			}
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Checks the rules that tie settings together. */
int
config_check(const struct config *cfg, char *err, size_t errlen)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, cfg->listen, &a4) != 1 &&
	    inet_pton(AF_INET6, cfg->listen, &a6) != 1) {
		snprintf(err, errlen,
		    "listen: \"%s\" is not an IPv4 or IPv6 "
		    "address",
		    cfg->listen);
		return -1;
	}
	if (*cfg->users_path == '\0' || *cfg->key_path == '\0') {
		snprintf(err, errlen, "users and key paths may not be empty");
		return -1;
	}
	if (strlen(cfg->server_name) == 0 ||
	    strlen(cfg->server_name) > MSG_HELLO_FIELD_MAX ||
	    !utf8_valid(cfg->server_name, strlen(cfg->server_name))) {
		snprintf(err, errlen, "server_name: 1 to %d bytes of UTF-8",
		    MSG_HELLO_FIELD_MAX);
		return -1;
	}
	if (cfg->output_total_cap < cfg->output_cap) {
		snprintf(err, errlen, "output_total_cap is below output_cap");
		return -1;
	}
	if (cfg->max_connections != 0 &&
	    cfg->max_per_ip > cfg->max_connections) {
		snprintf(err, errlen, "max_per_ip exceeds max_connections");
		return -1;
	}
	return 0;
}

/* Writes a setting's value as JSON text (strings quoted and escaped). */
static void
print_value(FILE *f, const struct setting *st, const struct config *cfg,
    bool def)
{
	const char *p = (const char *)cfg + st->offset;
	const char *str = NULL;
	char *text;
	json_t *j;

	switch (st->kind) {
	case SET_STRING:
		str = def ? st->text : *(char *const *)(const void *)p;
		break;
	case SET_LEVEL:
		str = def ?
		    st->text :
		    log_level_name(*(const enum log_level *)(const void *)p);
		break;
	case SET_UINT:
	case SET_SIZE:
		if (def)
			fprintf(f, "%.0f", st->def);
		else
			fprintf(f, "%llu",
			    st->kind == SET_UINT ?
				(unsigned long long)*(
				    const unsigned *)(const void *)p :
				(unsigned long long)*(
				    const size_t *)(const void *)p);
		return;
	case SET_SECONDS:
		fprintf(f, "%g",
		    def ? st->def :
			  *(const unsigned *)(const void *)p / 1000.0);
		return;
	}
	j = json_string(str != NULL ? str : "");
	text = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	if (text == NULL)
		xnomem();
	fputs(text, f);
	free(text);
	json_decref(j);
}

/* The accepted values of a setting, in words. */
static void
print_range(FILE *f, const struct setting *st)
{
	switch (st->kind) {
	case SET_STRING:
		fputs("a string", f);
		break;
	case SET_LEVEL:
		fputs("error, warning, notice, info or debug", f);
		break;
	case SET_UINT:
	case SET_SIZE:
		fprintf(f, "an integer from %.0f to %.0f", st->min, st->max);
		break;
	case SET_SECONDS:
		fprintf(f, "seconds from %g to %g", st->min, st->max);
		break;
	}
}

/* Writes text as comment lines of at most CONFIG_DUMP_WIDTH columns. */
static void
print_comment(FILE *f, const char *text)
{
	const char *p = text, *sp;
	size_t col, w;

	while (*p != '\0') {
		fputs("  #", f);
		col = 3;
		do {
			sp = strchr(p, ' ');
			w = sp != NULL ? (size_t)(sp - p) : strlen(p);
			fprintf(f, " %.*s", (int)w, p);
			col += w + 1;
			p += w;
			while (*p == ' ')
				p++;
			sp = strchr(p, ' ');
			w = sp != NULL ? (size_t)(sp - p) : strlen(p);
		} while (*p != '\0' && col + 1 + w <= CONFIG_DUMP_WIDTH);
		fputc('\n', f);
	}
}

/* Writes cfg as a commented config file, or every setting as man page
 * entries (roff), from the settings table. */
void
config_dump(FILE *f, const struct config *cfg, enum config_dump_format fmt)
{
	const struct setting *st;
	size_t i;

	if (fmt == CONFIG_DUMP_CONF)
		fputs("{\n", f);
	for (i = 0; i < N_SETTINGS; i++) {
		st = &settings[i];
		if (fmt == CONFIG_DUMP_MAN) {
			fprintf(f, ".TP\n.B %s\n%s\n.br\nDefault: ", st->name,
			    st->doc != NULL ? st->doc : "");
			print_value(f, st, cfg, true);
			fputs("; ", f);
			print_range(f, st);
			fputs(".\n", f);
			continue;
		}
		if (i != 0)
			fputc('\n', f);
		print_comment(f, st->doc != NULL ? st->doc : st->name);
		fputs("  # Default ", f);
		print_value(f, st, cfg, true);
		fputs("; ", f);
		print_range(f, st);
		fputs(".", f);
		fprintf(f, "\n  \"%s\": ", st->name);
		print_value(f, st, cfg, false);
		fputs(i + 1 < N_SETTINGS ? ",\n" : "\n", f);
	}
	if (fmt == CONFIG_DUMP_CONF)
		fputs("}\n", f);
}
