/*
 * securechatctl.c: the administration tool. Adds, re-passwords, removes
 * and lists the users of a users file (PROTOCOL.md section 5), editing it
 * under the users_lock() lock with an atomic save, and prints the server
 * key's fingerprint for clients to pin, creates the server's database
 * (initdb) and manages the moderation state kept there (operators, bans,
 * mutes, device bindings: PROTOCOL.md section 8): the options, the
 * command table and the commands.
 *
 * The database is the only channel to a running securechatd: it reads
 * the moderation state again on SIGHUP, so every change here says so.
 *
 * New passwords come from ctl-prompt.c (the terminal, or one line of
 * standard input). They are kept in fixed buffers wiped on every path.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "ctl.h"
#include "escape.h"
#include "keys.h"
#include "log.h"
#include "text.h"
#include "pwhash.h"
#include "sc_limits.h"
#include "store.h"
#include "server.h"
#include "users.h"

#define CTL_USERS_DEFAULT    "data/users.json"
#define CTL_KEY_DEFAULT	     "data/server.key"
#define CTL_DATABASE_DEFAULT "data/securechat.db"
#define CTL_EXIT_FAIL	     1 /* the operation failed */
#define CTL_EXIT_USAGE	     2 /* bad command line */

/* Which options a command accepts. */
#define CTL_OPT_USERS	       0x1
#define CTL_OPT_KEY	       0x2
#define CTL_OPT_PASSWORD_STDIN 0x4
#define CTL_OPT_DATABASE       0x8
#define CTL_OPT_FOR	       0x10
#define CTL_OPT_REASON	       0x20
#define CTL_OPT_ROOM	       0x40
#define CTL_OPT_FORCE	       0x80
#define CTL_OPT_CONFIG	       0x100
#define CTL_OPT_LAST	       CTL_OPT_CONFIG
#define CTL_SIGHUP_NOTE                                                        \
	"a running securechatd sees it after SIGHUP (systemctl reload "        \
	"securechatd)"

/* The command line after option parsing. */
struct ctl_options {
	const char *users;
	const char *key;
	const char *database;
	const char *reason; /* --reason */
	const char *room;   /* --room */
	long long seconds;  /* --for; 0: no end */
	bool password_stdin;
	bool force;
	unsigned min_password; /* characters: setting min_password_length */
	unsigned int given;    /* CTL_OPT_* seen */
};

/* One command: its name, argument counts, options and handler. A command
 * with CTL_ARG_USER takes a user name first. */
struct ctl_command {
	const char *name;
	int min_args, max_args;
	unsigned int options;
	int (*run)(const struct ctl_options *, int, char **);
};

static int cmd_useradd(const struct ctl_options *, int, char **);
static int cmd_passwd(const struct ctl_options *, int, char **);
static int cmd_userdel(const struct ctl_options *, int, char **);
static int cmd_list(const struct ctl_options *, int, char **);
static int cmd_fingerprint(const struct ctl_options *, int, char **);
static int cmd_initdb(const struct ctl_options *, int, char **);
static int cmd_op(const struct ctl_options *, int, char **);
static int cmd_ban(const struct ctl_options *, int, char **);
static int cmd_unban(const struct ctl_options *, int, char **);
static int cmd_bans(const struct ctl_options *, int, char **);
static int cmd_mute(const struct ctl_options *, int, char **);
static int cmd_unmute(const struct ctl_options *, int, char **);
static int cmd_mutes(const struct ctl_options *, int, char **);
static int cmd_device(const struct ctl_options *, int, char **);

#define PW_OPTS                                                                \
	(CTL_OPT_USERS | CTL_OPT_PASSWORD_STDIN | CTL_OPT_FORCE |              \
	    CTL_OPT_CONFIG)
#define DB_USERS (CTL_OPT_DATABASE | CTL_OPT_USERS)

static const struct ctl_command ctl_commands[] = {
	{ "useradd", 1, 1, PW_OPTS, cmd_useradd },
	{ "passwd", 1, 1, PW_OPTS, cmd_passwd },
	{ "userdel", 1, 1, CTL_OPT_USERS, cmd_userdel },
	{ "list", 0, 0, CTL_OPT_USERS, cmd_list },
	{ "fingerprint", 0, 0, CTL_OPT_KEY, cmd_fingerprint },
	{ "initdb", 0, 0, CTL_OPT_DATABASE, cmd_initdb },
	{ "op", 1, 2, DB_USERS, cmd_op },
	{ "ban", 1, 1, DB_USERS | CTL_OPT_FOR | CTL_OPT_REASON, cmd_ban },
	{ "unban", 1, 1, CTL_OPT_DATABASE, cmd_unban },
	{ "bans", 0, 0, CTL_OPT_DATABASE, cmd_bans },
	{ "mute", 1, 1, DB_USERS | CTL_OPT_FOR | CTL_OPT_REASON | CTL_OPT_ROOM,
	    cmd_mute },
	{ "unmute", 1, 1, CTL_OPT_DATABASE | CTL_OPT_ROOM, cmd_unmute },
	{ "mutes", 0, 0, CTL_OPT_DATABASE, cmd_mutes },
	{ "device", 1, 3, DB_USERS, cmd_device },
};

/* Prints "securechatctl: <message>" on stderr. */
void
ctl_complain(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CTL_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The default of the setting min_password_length. */
static unsigned
cfg_default_min(void)
{
	struct config cfg;
	unsigned n;

	config_defaults(&cfg);
	n = cfg.min_password_length;
	config_free(&cfg);
	return n;
}

/* Prints the usage text on f. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [--users FILE] useradd [--password-stdin] [--force] "
	    "NAME\n"
	    "       %s [--users FILE] passwd [--password-stdin] [--force] "
	    "NAME\n"
	    "       %s [--users FILE] userdel NAME\n"
	    "       %s [--users FILE] list\n"
	    "       %s fingerprint [--key FILE]\n"
	    "       %s initdb [--database FILE]\n"
	    "       %s [--database FILE] op add|del NAME | op list\n"
	    "       %s [--database FILE] ban NAME [--for DURATION] "
	    "[--reason TEXT]\n"
	    "       %s [--database FILE] unban NAME | bans\n"
	    "       %s [--database FILE] mute NAME [--room ROOM] "
	    "[--for DURATION]\n"
	    "                                [--reason TEXT]\n"
	    "       %s [--database FILE] unmute NAME [--room ROOM] | mutes\n"
	    "       %s [--database FILE] device add|del NAME FINGERPRINT | "
	    "device list [NAME]\n"
	    "       %s --help | --version\n"
	    "\n"
	    "  --users FILE       users file (default %s)\n"
	    "  --key FILE         server key file (default %s)\n"
	    "  --database FILE    the server's database (default %s),\n"
	    "                     created with its tables when missing\n"
	    "  --password-stdin   read the password as one line of standard\n"
	    "                     input instead of twice from the terminal\n"
	    "  --force            accept a password shorter than the "
	    "minimum\n"
	    "  --config FILE      securechatd's config file, for its\n"
	    "                     min_password_length (default %u "
	    "characters)\n"
	    "  --for DURATION     a timed ban or mute: 90, 90s, 15m, 2h, 7d\n"
	    "  --reason TEXT      why (shown to the user and logged)\n"
	    "  --room ROOM        a mute in one room only\n"
	    "\n"
	    "Operators, bans, mutes and device bindings live in the database;\n"
	    "op add, ban, mute and device add check NAME in the users file\n"
	    "(--users) and refuse to ban or mute an operator.\n"
	    "a running securechatd reads them again on SIGHUP (systemctl "
	    "reload\n"
	    "securechatd), which also ends the sessions of banned users.\n"
	    "A device FINGERPRINT is the 64 hex digits securechat "
	    "--fingerprint\n"
	    "prints; once a user has one, only bound devices may log in.\n"
	    "\n"
	    "NAME is 1 to %d bytes of A-Z a-z 0-9 _ . - (put -- before a name\n"
	    "starting with '-'). Exit status: 0 done, 1 failed, 2 usage "
	    "error.\n",
	    CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME,
	    CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME,
	    CTL_NAME, CTL_USERS_DEFAULT, CTL_KEY_DEFAULT, CTL_DATABASE_DEFAULT,
	    cfg_default_min(), SC_USER_MAX_LEN);
}

/*
 * Copies s into out (size bytes) for quoting in a message: printable
 * ASCII other than '"' and '\' as is, anything else as \xNN, cut with
 * "..." when long, so a hostile argument cannot drive the terminal.
 */
static const char *
shown(const char *s, char *out, size_t size)
{
	return escape_shown(out, size, s, strlen(s), SC_SHOWN_NAME_MAX,
	    ESCAPE_QUOTED);
}

/*
 * Loads the users file without the lock; a missing file is an empty
 * table when missing_ok. Returns 0 or -1 with a message printed.
 */
static int
load(const char *path, bool missing_ok, struct users **u)
{
	char err[USERS_ERR_MAX];
	int rc;

	rc = users_load(path, u, err, sizeof err);
	if (rc == SC_ERR_IO && errno == ENOENT && missing_ok) {
		*u = users_new();
		return 0;
	}
	if (rc != 0) {
		ctl_complain("%s", err);
		return -1;
	}
	return 0;
}

/*
 * Checks that name is present (or absent when adding) in u; prints why
 * not and returns false otherwise.
 */
static bool
check_presence(const struct users *u, const char *path, const char *name,
    bool adding)
{
	bool present;

	present = users_find(u, name, strlen(name)) != NULL;
	if (adding && present) {
		ctl_complain("user \"%s\" already exists in %s", name, path);
		return false;
	}
	if (!adding && !present) {
		ctl_complain("no user \"%s\" in %s", name, path);
		return false;
	}
	return true;
}

/*
 * Locks the users file at path and checks name again (another writer may
 * have been quicker): absent when adding, else present. Then sets its
 * hash, or deletes it when hash is NULL, and commits. Returns 0 or
 * CTL_EXIT_FAIL with a message printed.
 */
static int
edit_locked(const char *path, const char *name, bool adding, const char *hash)
{
	struct users *u = NULL;
	char err[USERS_ERR_MAX];
	int lockfd = -1, rc, status = CTL_EXIT_FAIL;

	if ((rc = users_lock(path, &lockfd, &u, err, sizeof err)) != 0) {
		ctl_complain("%s", err);
		goto out;
	}
	if (!check_presence(u, path, name, adding))
		goto out;
	if (hash != NULL &&
	    (rc = users_set(u, name, hash, err, sizeof err)) != 0) {
		ctl_complain("%s", err);
		goto out;
	}
	if (hash == NULL && users_delete(u, name) != 0) {
		ctl_complain("no user \"%s\" in %s", name, path);
		goto out;
	}
	rc = users_commit(path, lockfd, u, err, sizeof err);
	lockfd = -1;
	if (rc != 0) {
		ctl_complain("%s", err);
		goto out;
	}
	status = 0;

out:
	users_unlock(lockfd);
	users_free(u);
	return status;
}

/* The characters (code points) of the UTF-8 string s[0..len). */
static size_t
characters(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/*
 * useradd and passwd: checks name first (so a typo fails before the
 * prompt), asks for the password and hashes it without holding the lock,
 * then locks, checks again, sets and commits.
 */
static int
set_password(const struct ctl_options *o, const char *name, bool adding)
{
	struct users *u = NULL;
	char pw[CTL_PW_SIZE];
	char hash[SC_PWHASH_MAX_LEN];
	size_t pwlen = 0;
	int rc, status = CTL_EXIT_FAIL;

	if (load(o->users, adding, &u) != 0)
		goto out;
	if (!check_presence(u, o->users, name, adding))
		goto out;
	users_free(u);
	u = NULL;

	if (ctl_prompt_password(o->password_stdin, name, pw, sizeof pw,
		&pwlen) != 0)
		goto out;
	if (!o->force && characters(pw, pwlen) < o->min_password) {
		ctl_complain("password too short: at least %u characters "
			     "(--force accepts a shorter one)",
		    o->min_password);
		goto out;
	}
	rc = pwhash_create(pw, pwlen, SC_PBKDF2_DEFAULT_ITERATIONS, hash,
	    sizeof hash);
	sodium_memzero(pw, sizeof pw);
	if (rc != 0) {
		ctl_complain("cannot hash the password: %s", sc_strerror(rc));
		goto out;
	}
	status = edit_locked(o->users, name, adding, hash);

out:
	users_free(u);
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(hash, sizeof hash);
	return status;
}

/* useradd NAME: adds a user that does not exist yet. */
static int
cmd_useradd(const struct ctl_options *o, int argc, char **argv)
{
	(void)argc;
	return set_password(o, argv[0], true);
}

/* passwd NAME: sets an existing user's password. */
static int
cmd_passwd(const struct ctl_options *o, int argc, char **argv)
{
	(void)argc;
	return set_password(o, argv[0], false);
}

/* userdel NAME: removes a user. */
static int
cmd_userdel(const struct ctl_options *o, int argc, char **argv)
{
	struct users *u = NULL;

	(void)argc;
	if (load(o->users, false, &u) != 0)
		return CTL_EXIT_FAIL;
	users_free(u);
	return edit_locked(o->users, argv[0], false, NULL);
}

/* list: prints the user names, one a line, in file order. */
static int
cmd_list(const struct ctl_options *o, int argc, char **argv)
{
	struct users *u = NULL;
	size_t i;

	(void)argc;
	(void)argv;
	if (load(o->users, false, &u) != 0)
		return CTL_EXIT_FAIL;
	/* Names were checked to be [A-Za-z0-9_.-]: safe to print. */
	for (i = 0; i < users_count(u); i++)
		printf("%s\n", users_name(u, i));
	users_free(u);
	return 0;
}

/* fingerprint: prints the SHA-256 of the server's public key. */
static int
cmd_fingerprint(const struct ctl_options *o, int argc, char **argv)
{
	struct sc_keypair kp;
	char fp[KEYS_FINGERPRINT_LEN + 1];
	int rc;

	(void)argc;
	(void)argv;
	rc = keys_load(o->key, &kp);
	switch (rc) {
	case 0:
		break;
	case SC_ERR_IO:
		ctl_complain("%s: %s", o->key, strerror(errno));
		return CTL_EXIT_FAIL;
	case SC_ERR_PERM:
		ctl_complain("%s: group or others may access it (chmod 600 it)",
		    o->key);
		return CTL_EXIT_FAIL;
	case SC_ERR_FORMAT:
		ctl_complain("%s: not a key file (64 lowercase hex digits and "
			     "a "
			     "newline)",
		    o->key);
		return CTL_EXIT_FAIL;
	default:
		ctl_complain("%s: %s", o->key, sc_strerror(rc));
		return CTL_EXIT_FAIL;
	}
	keys_fingerprint(kp.public, fp);
	keys_wipe(&kp);
	printf("%s\n", fp);
	return 0;
}

/* ---- moderation (PROTOCOL.md section 8) -------------------------------- */

/* Fills "admin:<login>" (the login cut to a user name's characters) into
 * by: who set a record from this tool. */
static void
admin_name(char *by, size_t size)
{
	struct passwd *pw = getpwuid(getuid());
	const char *login = pw != NULL ? pw->pw_name : "unknown";
	size_t i, n = 0;
	char clean[SC_USER_MAX_LEN + 1];

	for (i = 0; login[i] != '\0' && n < SC_USER_MAX_LEN; i++) {
		if (text_user_valid(&login[i], 1))
			clean[n++] = login[i];
	}
	clean[n] = '\0';
	snprintf(by, size, "admin:%s", n > 0 ? clean : "unknown");
}

/* Checks that name is a user of the users file; says why not. */
static bool
known_user(const struct ctl_options *o, const char *name)
{
	struct users *u = NULL;
	bool ok;

	if (load(o->users, false, &u) != 0)
		return false;
	ok = check_presence(u, o->users, name, false);
	users_free(u);
	return ok;
}

/* What list_kind() prints and filters on. */
struct ctl_listing {
	enum store_mod_kind kind;
	const char *user; /* NULL: every user */
	int64_t now;
	size_t n;
	bool found; /* is_op(): the user's record exists */
};

/* Prints one record (a store_mod_cb): names are safe, reasons escaped. */
static void
print_record(const struct store_mod *m, void *arg)
{
	struct ctl_listing *l = arg;
	char buf[ESCAPE_SHOWN_SIZE(SC_TEXT_MAX_LEN)], when[32];
	time_t t;
	struct tm tm;

	if (m->kind != l->kind || (l->user != NULL && strcmp(m->user, l->user)))
		return;
	if (m->until != 0 && m->until <= l->now)
		return; /* ended: the server drops it */
	l->n++;
	switch (m->kind) {
	case STORE_MOD_OP:
		printf("%s\n", m->user);
		return;
	case STORE_MOD_DEVICE:
		printf("%s %s\n", m->user, m->key);
		return;
	default:
		break;
	}
	printf("%s", m->user);
	if (m->kind == STORE_MOD_MUTE)
		printf(m->key[0] != '\0' ? " #%s" : " everywhere", m->key);
	if (m->until != 0) {
		t = (time_t)(m->until / 1000);
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf(" until %s", when);
	} else
		printf(" until lifted");
	printf(" by %s", m->by);
	if (m->reason != NULL)
		printf(" reason \"%s\"",
		    escape_shown(buf, sizeof buf, m->reason, strlen(m->reason),
			SC_TEXT_MAX_LEN, ESCAPE_QUOTED | ESCAPE_UTF8));
	printf("\n");
}

/* Notes whether the user's record of the listing's kind exists. */
static void
find_record(const struct store_mod *m, void *arg)
{
	struct ctl_listing *l = arg;

	if (m->kind == l->kind && strcmp(m->user, l->user) == 0 &&
	    (m->until == 0 || m->until > l->now))
		l->found = true;
}

/* Lists the active records of kind (of user, when not NULL). */
static int
list_kind(const struct ctl_options *o, enum store_mod_kind kind,
    const char *user)
{
	struct ctl_listing l = { kind, user, (int64_t)clock_now_ms(), 0,
		false };
	char err[512];

	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	if (store_mod_file_list(o->database, print_record, &l, err,
		sizeof err) != 0) {
		ctl_complain("%s", err);
		return CTL_EXIT_FAIL;
	}
	return 0;
}

/* True when user has a record of kind (an operator, a ban); -1 when the
 * database cannot be read (said). */
static int
has_record(const struct ctl_options *o, enum store_mod_kind kind,
    const char *user)
{
	struct ctl_listing l = { kind, user, (int64_t)clock_now_ms(), 0,
		false };
	char err[512];

	if (store_mod_file_list(o->database, find_record, &l, err,
		sizeof err) != 0) {
		ctl_complain("%s", err);
		return -1;
	}
	return l.found;
}

/* Saves one record of kind for user (key, --for, --reason). */
static int
save(const struct ctl_options *o, enum store_mod_kind kind, const char *user,
    const char *key)
{
	struct store_mod m = { .kind = kind };
	char err[512];

	snprintf(m.user, sizeof m.user, "%s", user);
	snprintf(m.key, sizeof m.key, "%s", key);
	m.since = (int64_t)clock_now_ms();
	if (o->seconds > 0)
		m.until = m.since + o->seconds * 1000;
	admin_name(m.by, sizeof m.by);
	m.reason = (char *)o->reason;
	if (store_mod_file_set(o->database, &m, err, sizeof err) != 0) {
		ctl_complain("%s", err);
		return CTL_EXIT_FAIL;
	}
	return 0;
}

/* Removes one record; "was not" is said, not a failure. */
static int
lift(const struct ctl_options *o, enum store_mod_kind kind, const char *user,
    const char *key, const char *what)
{
	char err[512];
	bool existed;

	if (store_mod_file_del(o->database, kind, user, key, &existed, err,
		sizeof err) != 0) {
		ctl_complain("%s", err);
		return CTL_EXIT_FAIL;
	}
	if (!existed)
		printf("%s: nothing to remove\n", what);
	else
		printf("%s: removed; %s\n", what, CTL_SIGHUP_NOTE);
	return 0;
}

/* op add|del NAME, op list. */
static int
cmd_op(const struct ctl_options *o, int argc, char **argv)
{
	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return list_kind(o, STORE_MOD_OP, NULL);
	if (argc != 2 ||
	    (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "del") != 0)) {
		ctl_complain("usage: op add NAME | op del NAME | op list");
		return CTL_EXIT_USAGE;
	}
	if (!text_user_valid(argv[1], strlen(argv[1]))) {
		ctl_complain("bad user name (see --help)");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[0], "del") == 0)
		return lift(o, STORE_MOD_OP, argv[1], "", "operator");
	if (!known_user(o, argv[1]) || save(o, STORE_MOD_OP, argv[1], "") != 0)
		return CTL_EXIT_FAIL;
	printf("%s is an operator; %s\n", argv[1], CTL_SIGHUP_NOTE);
	return 0;
}

/* Refuses an operator as the target of ban or mute, as the server does. */
static bool
not_operator(const struct ctl_options *o, const char *user)
{
	int rc = has_record(o, STORE_MOD_OP, user);

	if (rc == 1)
		ctl_complain("%s is an operator (op del %s first)", user, user);
	return rc == 0;
}

/* ban NAME [--for D] [--reason TEXT]. */
static int
cmd_ban(const struct ctl_options *o, int argc, char **argv)
{
	(void)argc;
	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	if (!known_user(o, argv[0]) || !not_operator(o, argv[0]) ||
	    save(o, STORE_MOD_BAN, argv[0], "") != 0)
		return CTL_EXIT_FAIL;
	printf("%s is banned %s; %s\n", argv[0],
	    o->seconds > 0 ? "for a while" : "until unbanned", CTL_SIGHUP_NOTE);
	return 0;
}

/* unban NAME. */
static int
cmd_unban(const struct ctl_options *o, int argc, char **argv)
{
	(void)argc;
	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	return lift(o, STORE_MOD_BAN, argv[0], "", "ban");
}

/* bans: the active bans. */
static int
cmd_bans(const struct ctl_options *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return list_kind(o, STORE_MOD_BAN, NULL);
}

/* Checks --room; "" when absent. */
static const char *
room_of(const struct ctl_options *o)
{
	const char *r = o->room != NULL ? o->room : "";

	if (*r == '#')
		r++;
	if (o->room != NULL && !text_room_valid(r, strlen(r))) {
		ctl_complain("bad room name: 1 to %d bytes of a-z 0-9 _ -",
		    SC_ROOM_MAX_LEN);
		return NULL;
	}
	return r;
}

/* mute NAME [--room R] [--for D] [--reason TEXT]. */
static int
cmd_mute(const struct ctl_options *o, int argc, char **argv)
{
	const char *room;

	(void)argc;
	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	if ((room = room_of(o)) == NULL)
		return CTL_EXIT_USAGE;
	if (!known_user(o, argv[0]) || !not_operator(o, argv[0]) ||
	    save(o, STORE_MOD_MUTE, argv[0], room) != 0)
		return CTL_EXIT_FAIL;
	printf("%s is muted %s%s; %s\n", argv[0],
	    *room != '\0' ? "in #" : "everywhere", room, CTL_SIGHUP_NOTE);
	return 0;
}

/* unmute NAME [--room R]. */
static int
cmd_unmute(const struct ctl_options *o, int argc, char **argv)
{
	const char *room;

	(void)argc;
	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	if ((room = room_of(o)) == NULL)
		return CTL_EXIT_USAGE;
	return lift(o, STORE_MOD_MUTE, argv[0], room, "mute");
}

/* mutes: the active mutes. */
static int
cmd_mutes(const struct ctl_options *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return list_kind(o, STORE_MOD_MUTE, NULL);
}

/* True when fp is 64 lowercase hex digits. */
static bool
fingerprint_valid(const char *fp)
{
	size_t i;

	for (i = 0; fp[i] != '\0'; i++) {
		if (!((fp[i] >= '0' && fp[i] <= '9') ||
			(fp[i] >= 'a' && fp[i] <= 'f')))
			return false;
	}
	return i == SC_DEVICE_FP_LEN;
}

/* device add|del NAME FINGERPRINT, device list [NAME]. */
static int
cmd_device(const struct ctl_options *o, int argc, char **argv)
{
	bool list = strcmp(argv[0], "list") == 0;

	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	if (list ? argc > 2 :
		   argc != 3 ||
		    (strcmp(argv[0], "add") != 0 &&
			strcmp(argv[0], "del") != 0)) {
		ctl_complain("usage: device add|del NAME FINGERPRINT | device "
			     "list [NAME]");
		return CTL_EXIT_USAGE;
	}
	if (argc >= 2 && !text_user_valid(argv[1], strlen(argv[1]))) {
		ctl_complain("bad user name (see --help)");
		return CTL_EXIT_USAGE;
	}
	if (list)
		return list_kind(o, STORE_MOD_DEVICE,
		    argc == 2 ? argv[1] : NULL);
	if (!fingerprint_valid(argv[2])) {
		ctl_complain("bad fingerprint: 64 lowercase hex digits (what "
			     "securechat --fingerprint prints)");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[0], "del") == 0)
		return lift(o, STORE_MOD_DEVICE, argv[1], argv[2],
		    "device binding");
	if (!known_user(o, argv[1]) ||
	    save(o, STORE_MOD_DEVICE, argv[1], argv[2]) != 0)
		return CTL_EXIT_FAIL;
	printf("device %.16s... bound to %s: only bound devices may log in "
	       "as %s; %s\n",
	    argv[2], argv[1], argv[1], CTL_SIGHUP_NOTE);
	return 0;
}

/* Returns the command called name, or NULL. */
static const struct ctl_command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++) {
		if (strcmp(ctl_commands[i].name, name) == 0)
			return &ctl_commands[i];
	}
	return NULL;
}

/* Returns the long option name for a CTL_OPT_* bit. */
static const char *
option_name(unsigned int bit)
{
	switch (bit) {
	case CTL_OPT_USERS:
		return "--users";
	case CTL_OPT_KEY:
		return "--key";
	case CTL_OPT_DATABASE:
		return "--database";
	case CTL_OPT_FOR:
		return "--for";
	case CTL_OPT_REASON:
		return "--reason";
	case CTL_OPT_ROOM:
		return "--room";
	case CTL_OPT_FORCE:
		return "--force";
	case CTL_OPT_CONFIG:
		return "--config";
	}
	return "--password-stdin";
}

/* initdb: creates the database with its tables when missing (the
 * daemon does too; this lets an administrator make it ahead, as the
 * user who will own it). */
static int
cmd_initdb(const struct ctl_options *o, int argc, char **argv)
{
	char err[512];
	uint64_t last_id;
	size_t rooms;

	(void)argc;
	(void)argv;
	log_init(CTL_NAME, LOG_LEVEL_WARNING);
	if (store_init_file(o->database, &last_id, &rooms, err, sizeof err) !=
	    0) {
		ctl_complain("%s", err);
		return CTL_EXIT_FAIL;
	}
	printf("database %s ready: %zu room%s, last message id %llu\n",
	    o->database, rooms, rooms == 1 ? "" : "s",
	    (unsigned long long)last_id);
	return 0;
}

/* Parses the command line, checks it, and runs one command. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "users", required_argument, NULL, 'u' },
		{ "key", required_argument, NULL, 'k' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "database", required_argument, NULL, 'd' },
		{ "for", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'r' },
		{ "room", required_argument, NULL, 'R' },
		{ "force", no_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ctl_command *cmd;
	const char *config = NULL;
	struct config cfg;
	char err[512];
	struct ctl_options o;
	char buf[ESCAPE_SHOWN_SIZE(SC_SHOWN_NAME_MAX)];
	unsigned int bit;
	int ch, status;

	memset(&o, 0, sizeof o);
	o.users = CTL_USERS_DEFAULT;
	o.key = CTL_KEY_DEFAULT;
	o.database = CTL_DATABASE_DEFAULT;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			o.users = optarg;
			o.given |= CTL_OPT_USERS;
			break;
		case 'k':
			o.key = optarg;
			o.given |= CTL_OPT_KEY;
			break;
		case 'd':
			o.database = optarg;
			o.given |= CTL_OPT_DATABASE;
			break;
		case 'p':
			o.password_stdin = true;
			o.given |= CTL_OPT_PASSWORD_STDIN;
			break;
		case 'f':
			if (!text_duration_parse(optarg, strlen(optarg),
				SC_MOD_SECONDS_MAX, &o.seconds)) {
				ctl_complain("bad duration '%s': a number of "
					     "seconds, or with m, h or d "
					     "(15m, 2h, 7d)",
				    shown(optarg, buf, sizeof buf));
				return CTL_EXIT_USAGE;
			}
			o.given |= CTL_OPT_FOR;
			break;
		case 'r':
			if (text_check(optarg, strlen(optarg), SC_TEXT_MAX_LEN,
				false) != TEXT_OK) {
				ctl_complain("bad reason: 1 to %d bytes of "
					     "UTF-8 text without control "
					     "characters",
				    SC_TEXT_MAX_LEN);
				return CTL_EXIT_USAGE;
			}
			o.reason = optarg;
			o.given |= CTL_OPT_REASON;
			break;
		case 'R':
			o.room = optarg;
			o.given |= CTL_OPT_ROOM;
			break;
		case 'F':
			o.force = true;
			o.given |= CTL_OPT_FORCE;
			break;
		case 'c':
			config = optarg;
			o.given |= CTL_OPT_CONFIG;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : CTL_EXIT_FAIL;
		case 'V':
			printf("%s %s\n", CTL_NAME, SC_VERSION);
			return fflush(stdout) == 0 ? 0 : CTL_EXIT_FAIL;
		case ':':
			ctl_complain("option '%s' needs an argument (see "
				     "--help)",
			    shown(argv[optind - 1], buf, sizeof buf));
			return CTL_EXIT_USAGE;
		default:
			if (optopt != 0)
				ctl_complain("unknown option '-%c' (see "
					     "--help)",
				    optopt >= 0x20 && optopt < 0x7f ? optopt :
								      '?');
			else
				ctl_complain("unknown option '%s' (see --help)",
				    shown(argv[optind - 1], buf, sizeof buf));
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		ctl_complain("no command given (see --help)");
		return CTL_EXIT_USAGE;
	}
	if ((cmd = find_command(argv[0])) == NULL) {
		ctl_complain("unknown command \"%s\" (see --help)",
		    shown(argv[0], buf, sizeof buf));
		return CTL_EXIT_USAGE;
	}
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
		if (cmd->max_args == 0)
			ctl_complain("%s takes no arguments (see --help)",
			    cmd->name);
		else if (cmd->max_args == 1)
			ctl_complain("%s takes one user name (see --help)",
			    cmd->name);
		else
			ctl_complain("%s: wrong number of arguments (see "
				     "--help)",
			    cmd->name);
		return CTL_EXIT_USAGE;
	}
	for (bit = CTL_OPT_USERS; bit <= CTL_OPT_LAST; bit <<= 1) {
		if ((o.given & bit) && !(cmd->options & bit)) {
			ctl_complain("%s does not apply to %s (see --help)",
			    option_name(bit), cmd->name);
			return CTL_EXIT_USAGE;
		}
	}
	if (*o.users == '\0' || *o.key == '\0' || *o.database == '\0') {
		ctl_complain("empty file name (see --help)");
		return CTL_EXIT_USAGE;
	}
	if (cmd->max_args == 1 && !text_user_valid(argv[1], strlen(argv[1]))) {
		ctl_complain("bad user name \"%s\": 1 to %d bytes of A-Z a-z "
			     "0-9 _ . -",
		    shown(argv[1], buf, sizeof buf), SC_USER_MAX_LEN);
		return CTL_EXIT_USAGE;
	}

	/* The password minimum: the daemon's setting, from its file. */
	config_defaults(&cfg);
	if (config != NULL &&
	    config_load_file(&cfg, config, err, sizeof err) != 0) {
		ctl_complain("%s", err);
		config_free(&cfg);
		return CTL_EXIT_USAGE;
	}
	o.min_password = cfg.min_password_length;
	config_free(&cfg);

	if (sodium_init() < 0) {
		ctl_complain("cannot initialise libsodium");
		return CTL_EXIT_FAIL;
	}
	status = cmd->run(&o, argc - 1, argv + 1);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_complain("standard output: %s", strerror(errno));
		status = CTL_EXIT_FAIL;
	}
	return status;
}
