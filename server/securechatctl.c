/*
 * securechatctl.c: the administration tool. Adds, re-passwords, removes
 * and lists the users of a users file (PROTOCOL.md section 5), editing it
 * under the users_lock() lock with an atomic save, and prints the server
 * key's fingerprint for clients to pin, and creates the server's database
 * (initdb; later it manages operators there): the options, the command
 * table and the commands.
 *
 * New passwords come from ctl-prompt.c (the terminal, or one line of
 * standard input). They are kept in fixed buffers wiped on every path.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "escape.h"
#include "keys.h"
#include "log.h"
#include "text.h"
#include "pwhash.h"
#include "sc_limits.h"
#include "store.h"
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

/* The command line after option parsing. */
struct ctl_options {
	const char *users;
	const char *key;
	const char *database;
	bool password_stdin;
	unsigned int given; /* CTL_OPT_* seen */
};

/* One command: its name, argument count, options and handler. */
struct ctl_command {
	const char *name;
	int nargs;
	unsigned int options;
	int (*run)(const struct ctl_options *, char **);
};

static int cmd_useradd(const struct ctl_options *, char **);
static int cmd_passwd(const struct ctl_options *, char **);
static int cmd_userdel(const struct ctl_options *, char **);
static int cmd_list(const struct ctl_options *, char **);
static int cmd_fingerprint(const struct ctl_options *, char **);
static int cmd_initdb(const struct ctl_options *, char **);

static const struct ctl_command ctl_commands[] = {
	{ "useradd", 1, CTL_OPT_USERS | CTL_OPT_PASSWORD_STDIN, cmd_useradd },
	{ "passwd", 1, CTL_OPT_USERS | CTL_OPT_PASSWORD_STDIN, cmd_passwd },
	{ "userdel", 1, CTL_OPT_USERS, cmd_userdel },
	{ "list", 0, CTL_OPT_USERS, cmd_list },
	{ "fingerprint", 0, CTL_OPT_KEY, cmd_fingerprint },
	{ "initdb", 0, CTL_OPT_DATABASE, cmd_initdb },
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

/* Prints the usage text on f. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [--users FILE] useradd [--password-stdin] NAME\n"
	    "       %s [--users FILE] passwd [--password-stdin] NAME\n"
	    "       %s [--users FILE] userdel NAME\n"
	    "       %s [--users FILE] list\n"
	    "       %s fingerprint [--key FILE]\n"
	    "       %s initdb [--database FILE]\n"
	    "       %s --help | --version\n"
	    "\n"
	    "  --users FILE       users file (default %s)\n"
	    "  --key FILE         server key file (default %s)\n"
	    "  --database FILE    the server's database (default %s):\n"
	    "                     initdb creates it with its tables when "
	    "missing\n"
	    "  --password-stdin   read the password as one line of standard\n"
	    "                     input instead of twice from the terminal\n"
	    "\n"
	    "NAME is 1 to %d bytes of A-Z a-z 0-9 _ . - (put -- before a name\n"
	    "starting with '-'). Exit status: 0 done, 1 failed, 2 usage "
	    "error.\n",
	    CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME,
	    CTL_NAME, CTL_USERS_DEFAULT, CTL_KEY_DEFAULT, CTL_DATABASE_DEFAULT,
	    SC_USER_MAX_LEN);
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
cmd_useradd(const struct ctl_options *o, char **argv)
{
	return set_password(o, argv[0], true);
}

/* passwd NAME: sets an existing user's password. */
static int
cmd_passwd(const struct ctl_options *o, char **argv)
{
	return set_password(o, argv[0], false);
}

/* userdel NAME: removes a user. */
static int
cmd_userdel(const struct ctl_options *o, char **argv)
{
	struct users *u = NULL;

	if (load(o->users, false, &u) != 0)
		return CTL_EXIT_FAIL;
	users_free(u);
	return edit_locked(o->users, argv[0], false, NULL);
}

/* list: prints the user names, one a line, in file order. */
static int
cmd_list(const struct ctl_options *o, char **argv)
{
	struct users *u = NULL;
	size_t i;

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
cmd_fingerprint(const struct ctl_options *o, char **argv)
{
	struct sc_keypair kp;
	char fp[KEYS_FINGERPRINT_LEN + 1];
	int rc;

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
	}
	return "--password-stdin";
}

/* initdb: creates the database with its tables when missing (the
 * daemon does too; this lets an administrator make it ahead, as the
 * user who will own it). */
static int
cmd_initdb(const struct ctl_options *o, char **argv)
{
	char err[512];
	uint64_t last_id;
	size_t rooms;

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
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ctl_command *cmd;
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
	if (argc - 1 != cmd->nargs) {
		ctl_complain("%s takes %s (see --help)", cmd->name,
		    cmd->nargs == 0 ? "no arguments" : "one user name");
		return CTL_EXIT_USAGE;
	}
	for (bit = CTL_OPT_USERS; bit <= CTL_OPT_DATABASE; bit <<= 1) {
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
	if (cmd->nargs == 1 && !text_user_valid(argv[1], strlen(argv[1]))) {
		ctl_complain("bad user name \"%s\": 1 to %d bytes of A-Z a-z "
			     "0-9 _ . -",
		    shown(argv[1], buf, sizeof buf), SC_USER_MAX_LEN);
		return CTL_EXIT_USAGE;
	}

	if (sodium_init() < 0) {
		ctl_complain("cannot initialise libsodium");
		return CTL_EXIT_FAIL;
	}
	status = cmd->run(&o, argv + 1);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_complain("standard output: %s", strerror(errno));
		status = CTL_EXIT_FAIL;
	}
	return status;
}
