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

#define CONFIG_FILE_MAX	 (1024 * 1024)
#define CONFIG_VALUE_MAX 4096 /* bytes of a string setting */

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
};

#define OFF(f) offsetof(struct config, f)
#define MIB    (1024.0 * 1024)

/* Every setting: its name, kind, place, range and default. */
static const struct setting settings[] = {
	{ "listen", SET_STRING, OFF(listen), 0, 0, 0, SC_DEFAULT_ADDRESS },
	{ "port", SET_UINT, OFF(port), 1, 65535, SC_DEFAULT_PORT, NULL },
	{ "users", SET_STRING, OFF(users_path), 0, 0, 0, "data/users.json" },
	{ "key", SET_STRING, OFF(key_path), 0, 0, 0, "data/server.key" },
	{ "log_dir", SET_STRING, OFF(log_dir), 0, 0, 0, "data/logs" },
	{ "server_name", SET_STRING, OFF(server_name), 0, 0, 0, "SecureChat" },
	{ "log_level", SET_LEVEL, OFF(log_level), 0, 0, 0, "info" },
	{ "workers", SET_UINT, OFF(workers), 0, 256, 0, NULL },
	{ "auth_queue", SET_UINT, OFF(auth_queue), 1, 1000000, 256, NULL },
	{ "handshake_timeout", SET_SECONDS, OFF(handshake_timeout_ms), 0.05,
	    3600, SC_HANDSHAKE_TIMEOUT_MS / 1000.0, NULL },
	{ "login_timeout", SET_SECONDS, OFF(login_timeout_ms), 0.05, 86400, 60,
	    NULL },
	{ "idle_timeout", SET_SECONDS, OFF(idle_timeout_ms), 0.05, 86400 * 7,
	    120, NULL },
	{ "shutdown_grace", SET_SECONDS, OFF(shutdown_grace_ms), 0, 60, 3,
	    NULL },
	{ "max_connections", SET_UINT, OFF(max_connections), 1, 10000000, 20000,
	    NULL },
	{ "max_per_ip", SET_UINT, OFF(max_per_ip), 1, 10000000, 1000, NULL },
	{ "max_login_failures", SET_UINT, OFF(max_auth_failures), 1, 1000,
	    SC_MAX_AUTH_FAILURES, NULL },
	{ "ip_fail_limit", SET_UINT, OFF(ip_fail_limit), 1, 10000000, 20,
	    NULL },
	{ "ip_fail_window", SET_SECONDS, OFF(ip_fail_window_ms), 0.05, 86400,
	    60, NULL },
	{ "rate_burst", SET_UINT, OFF(rate_burst), SC_RATE_BURST, 10000000,
	    SC_RATE_BURST, NULL },
	{ "rate_per_sec", SET_UINT, OFF(rate_per_sec), SC_RATE_PER_SEC,
	    10000000, SC_RATE_PER_SEC, NULL },
	{ "output_cap", SET_SIZE, OFF(output_cap), 2 * SC_FRAME_MAX_WIRE,
	    1024 * MIB, 1 * MIB, NULL },
	{ "stall_log_ms", SET_UINT, OFF(stall_log_ms), 1, 60000, 100, NULL },
	{ "database", SET_STRING, OFF(database), 0, 0, 0,
	    "data/securechat.db" },
	{ "history_days", SET_UINT, OFF(history_days), 0, 3650, 30, NULL },
	{ "motd", SET_STRING, OFF(motd_path), 0, 0, 0, "" },
	{ "password_change_ends_sessions", SET_UINT, OFF(passwd_ends_sessions),
	    0, 1, 1, NULL },
	{ "min_password_length", SET_UINT, OFF(min_password_length), 1,
	    SC_PASSWORD_MAX_LEN, 8, NULL },
};

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
	for (i = 0; i < sizeof settings / sizeof settings[0]; i++) {
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

	for (i = 0; i < sizeof settings / sizeof settings[0]; i++) {
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

/* Reads a JSON config file over cfg. */
int
config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	const struct setting *st;
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *key;
	int rc = -1;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    CONFIG_FILE_MAX);
		fclose(f);
		return -1;
	}
	rewind(f);
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
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
	if (cfg->max_per_ip > cfg->max_connections) {
		snprintf(err, errlen, "max_per_ip exceeds max_connections");
		return -1;
	}
	return 0;
}
