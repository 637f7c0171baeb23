/*
 * securechatctl.c: the administration tool. Adds, re-passwords, removes
 * and lists the users of a users file (PROTOCOL.md section 5), editing it
 * under the users_lock() lock with an atomic save, and prints the server
 * key's fingerprint for clients to pin.
 *
 * Passwords come from the controlling terminal with echo off (asked twice)
 * or, with --password-stdin, as one line of standard input. They are kept
 * in fixed buffers wiped on every path; the terminal is restored on every
 * path too, including SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGTSTP.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "escape.h"
#include "keys.h"
#include "msg.h"
#include "pwhash.h"
#include "sc_limits.h"
#include "users.h"

#define CTL_NAME		"securechatctl"
#define CTL_USERS_DEFAULT	"data/users.json"
#define CTL_KEY_DEFAULT		"data/server.key"
#define CTL_TTY			"/dev/tty"
#define CTL_EXIT_FAIL		1	/* the operation failed */
#define CTL_EXIT_USAGE		2	/* bad command line */
/* A password, and room for the '\r' of a CRLF line or one byte too many. */
#define CTL_PW_SIZE		(SC_PASSWORD_MAX_LEN + 2)

/* Which options a command accepts. */
#define CTL_OPT_USERS		0x1
#define CTL_OPT_KEY		0x2
#define CTL_OPT_PASSWORD_STDIN	0x4

/* The command line after option parsing. */
struct ctl_options {
	const char	*users;
	const char	*key;
	bool		 password_stdin;
	unsigned int	 given;		/* CTL_OPT_* seen */
};

/* One command: its name, argument count, options and handler. */
struct ctl_command {
	const char	*name;
	int		 nargs;
	unsigned int	 options;
	int		(*run)(const struct ctl_options *, char **);
};

/* What read_line() found. */
enum ctl_line {
	CTL_LINE_OK,		/* a line (maybe empty), '\n' removed */
	CTL_LINE_EOF,		/* end of file before any byte */
	CTL_LINE_TOO_LONG,	/* more than the buffer holds */
	CTL_LINE_ERROR,		/* read failed, errno set */
};

/* The terminal being read with echo off, for the signal handler. */
static volatile sig_atomic_t	 tty_active;
static int			 tty_fd = -1;
static struct termios		 tty_saved;
static struct termios		 tty_noecho;
static const int		 tty_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP,
};
#define TTY_NSIGNALS	(sizeof tty_signals / sizeof tty_signals[0])
static struct sigaction		 tty_old[TTY_NSIGNALS];
static bool			 tty_caught[TTY_NSIGNALS];

static int	cmd_useradd(const struct ctl_options *, char **);
static int	cmd_passwd(const struct ctl_options *, char **);
static int	cmd_userdel(const struct ctl_options *, char **);
static int	cmd_list(const struct ctl_options *, char **);
static int	cmd_fingerprint(const struct ctl_options *, char **);

static const struct ctl_command	ctl_commands[] = {
	{ "useradd", 1, CTL_OPT_USERS | CTL_OPT_PASSWORD_STDIN, cmd_useradd },
	{ "passwd", 1, CTL_OPT_USERS | CTL_OPT_PASSWORD_STDIN, cmd_passwd },
	{ "userdel", 1, CTL_OPT_USERS, cmd_userdel },
	{ "list", 0, CTL_OPT_USERS, cmd_list },
	{ "fingerprint", 0, CTL_OPT_KEY, cmd_fingerprint },
};

/* Prints "securechatctl: <message>" on stderr. */
static void __attribute__((format(printf, 1, 2)))
complain(const char *fmt, ...)
{
	va_list	ap;

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
	    "       %s --help | --version\n"
	    "\n"
	    "  --users FILE       users file (default %s)\n"
	    "  --key FILE         server key file (default %s)\n"
	    "  --password-stdin   read the password as one line of standard\n"
	    "                     input instead of twice from the terminal\n"
	    "\n"
	    "NAME is 1 to %d bytes of A-Z a-z 0-9 _ . - (put -- before a name\n"
	    "starting with '-'). Exit status: 0 done, 1 failed, 2 usage error.\n",
	    CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME, CTL_NAME,
	    CTL_USERS_DEFAULT, CTL_KEY_DEFAULT, SC_USER_MAX_LEN);
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
 * Restores the terminal, then lets sig take its default action. After a
 * stop (SIGTSTP) and SIGCONT, turns echo off again and goes on reading.
 */
static void
tty_signal(int sig)
{
	struct sigaction	sa;
	sigset_t		set;
	int			saved = errno;

	if (tty_active)
		(void)tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	(void)sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(sig);

	/* Still here: we were stopped and continued. */
	sa.sa_handler = tty_signal;
	sa.sa_flags = SA_RESTART;
	(void)sigaction(sig, &sa, NULL);
	if (tty_active)
		(void)tcsetattr(tty_fd, TCSAFLUSH, &tty_noecho);
	errno = saved;
}

/* Blocks (how SIG_BLOCK) or unblocks the signals tty_signal handles. */
static void
tty_mask(int how)
{
	sigset_t	set;
	size_t		i;

	sigemptyset(&set);
	for (i = 0; i < TTY_NSIGNALS; i++)
		sigaddset(&set, tty_signals[i]);
	(void)sigprocmask(how, &set, NULL);
}

/*
 * Opens the controlling terminal and turns its echo off, with handlers
 * that turn it back on if a signal ends the program. Returns 0 or -1
 * with a message printed.
 */
static int
tty_open(void)
{
	struct sigaction	sa;
	size_t			i;
	int			fd;

	fd = open(CTL_TTY, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		complain("cannot open %s to ask for the password: %s (use "
		    "--password-stdin)", CTL_TTY, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tty_saved) == -1) {
		complain("%s: %s", CTL_TTY, strerror(errno));
		close(fd);
		return -1;
	}
	tty_noecho = tty_saved;
	tty_noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	tty_noecho.c_lflag |= ICANON;

	tty_mask(SIG_BLOCK);
	tty_fd = fd;
	tty_active = 1;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tty_signal;
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < TTY_NSIGNALS; i++) {
		tty_caught[i] = false;
		if (sigaction(tty_signals[i], NULL, &tty_old[i]) == -1)
			continue;
		/* Keep what nohup and friends asked for. */
		if (tty_old[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(tty_signals[i], &sa, NULL) == 0)
			tty_caught[i] = true;
	}
	if (tcsetattr(fd, TCSAFLUSH, &tty_noecho) == -1) {
		complain("%s: cannot turn echo off: %s", CTL_TTY,
		    strerror(errno));
		tty_active = 0;
		for (i = 0; i < TTY_NSIGNALS; i++) {
			if (tty_caught[i])
				(void)sigaction(tty_signals[i], &tty_old[i],
				    NULL);
		}
		tty_fd = -1;
		tty_mask(SIG_UNBLOCK);
		close(fd);
		return -1;
	}
	tty_mask(SIG_UNBLOCK);
	return 0;
}

/* Turns echo back on, puts the old handlers back and closes the tty. */
static void
tty_close(void)
{
	size_t	i;

	if (tty_fd == -1)
		return;
	tty_mask(SIG_BLOCK);
	(void)tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	tty_active = 0;
	for (i = 0; i < TTY_NSIGNALS; i++) {
		if (tty_caught[i])
			(void)sigaction(tty_signals[i], &tty_old[i], NULL);
		tty_caught[i] = false;
	}
	close(tty_fd);
	tty_fd = -1;
	tty_mask(SIG_UNBLOCK);
}

/* Writes s to fd, ignoring failures (prompts only). */
static void
put(int fd, const char *s)
{
	size_t	len = strlen(s);
	ssize_t	n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/*
 * Reads one line from fd a byte at a time (so nothing past it is
 * consumed, and no stdio buffer keeps a copy) into buf (size bytes, no
 * NUL added). *len gets its length without the '\n'.
 */
static enum ctl_line
read_line(int fd, char *buf, size_t size, size_t *len)
{
	ssize_t	n;
	char	c;

	*len = 0;
	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return CTL_LINE_ERROR;
		if (n == 0)
			return *len == 0 ? CTL_LINE_EOF : CTL_LINE_OK;
		if (c == '\n')
			return CTL_LINE_OK;
		if (*len == size) {
			c = 0;
			return CTL_LINE_TOO_LONG;
		}
		buf[(*len)++] = c;
		c = 0;
	}
}

/* Reads the password line of standard input into pw. Returns 0 or -1. */
static int
password_stdin(char *pw, size_t size, size_t *len)
{
	switch (read_line(STDIN_FILENO, pw, size, len)) {
	case CTL_LINE_OK:
		break;
	case CTL_LINE_EOF:
		complain("no password on standard input");
		return -1;
	case CTL_LINE_TOO_LONG:
		complain("password is longer than %d bytes",
		    SC_PASSWORD_MAX_LEN);
		return -1;
	case CTL_LINE_ERROR:
		complain("standard input: %s", strerror(errno));
		return -1;
	}
	if (*len > 0 && pw[*len - 1] == '\r')
		(*len)--;
	return 0;
}

/* Asks for one line on the terminal with echo off. Returns 0 or -1. */
static int
ask_tty(const char *prompt, char *pw, size_t size, size_t *len)
{
	enum ctl_line	r;

	put(tty_fd, prompt);
	r = read_line(tty_fd, pw, size, len);
	put(tty_fd, "\n");	/* the newline typed was not echoed */
	switch (r) {
	case CTL_LINE_OK:
		return 0;
	case CTL_LINE_EOF:
		complain("no password entered");
		break;
	case CTL_LINE_TOO_LONG:
		complain("password is longer than %d bytes",
		    SC_PASSWORD_MAX_LEN);
		break;
	case CTL_LINE_ERROR:
		complain("%s: %s", CTL_TTY, strerror(errno));
		break;
	}
	return -1;
}

/* Asks for name's new password twice on the terminal. Returns 0 or -1. */
static int
password_tty(const char *name, char *pw, size_t size, size_t *len)
{
	char	again[CTL_PW_SIZE];
	char	prompt[64 + SC_USER_MAX_LEN];
	size_t	again_len = 0;
	int	rc = -1;

	if (tty_open() != 0)
		return -1;
	snprintf(prompt, sizeof prompt, "New password for %s: ", name);
	if (ask_tty(prompt, pw, size, len) != 0)
		goto out;
	if (ask_tty("Retype new password: ", again, sizeof again,
	    &again_len) != 0)
		goto out;
	if (again_len != *len || sodium_memcmp(again, pw, *len) != 0) {
		complain("passwords do not match");
		goto out;
	}
	rc = 0;

out:
	tty_close();
	sodium_memzero(again, sizeof again);
	return rc;
}

/*
 * Gets and checks name's new password into pw: from standard input or
 * the terminal. Returns 0 or -1 with a message printed.
 */
static int
get_password(const struct ctl_options *o, const char *name, char *pw,
    size_t size, size_t *len)
{
	int	rc;

	*len = 0;
	if (o->password_stdin)
		rc = password_stdin(pw, size, len);
	else
		rc = password_tty(name, pw, size, len);
	if (rc != 0)
		return -1;
	if (*len == 0) {
		complain("the password is empty");
		return -1;
	}
	if (*len > SC_PASSWORD_MAX_LEN) {
		complain("password is longer than %d bytes",
		    SC_PASSWORD_MAX_LEN);
		return -1;
	}
	if (!msg_password_valid(pw, *len)) {
		complain("the password must be valid UTF-8 without NUL bytes");
		return -1;
	}
	return 0;
}

/*
 * Loads the users file without the lock; a missing file is an empty
 * table when missing_ok. Returns 0 or -1 with a message printed.
 */
static int
load(const char *path, bool missing_ok, struct users **u)
{
	char	err[USERS_ERR_MAX];
	int	rc;

	rc = users_load(path, u, err, sizeof err);
	if (rc == SC_ERR_IO && errno == ENOENT && missing_ok) {
		*u = users_new();
		return 0;
	}
	if (rc != 0) {
		complain("%s", err);
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
	bool	present;

	present = users_find(u, name, strlen(name)) != NULL;
	if (adding && present) {
		complain("user \"%s\" already exists in %s", name, path);
		return false;
	}
	if (!adding && !present) {
		complain("no user \"%s\" in %s", name, path);
		return false;
	}
	return true;
}

/*
 * useradd and passwd: checks name first (so a typo fails before the
 * prompt), asks for the password and hashes it without holding the lock,
 * then locks, checks again, sets and commits.
 */
static int
set_password(const struct ctl_options *o, const char *name, bool adding)
{
	struct users	*u = NULL;
	char		 pw[CTL_PW_SIZE];
	char		 hash[SC_PWHASH_MAX_LEN];
	char		 err[USERS_ERR_MAX];
	size_t		 pwlen = 0;
	int		 lockfd = -1, rc, status = CTL_EXIT_FAIL;

	if (load(o->users, adding, &u) != 0)
		goto out;
	if (!check_presence(u, o->users, name, adding))
		goto out;
	users_free(u);
	u = NULL;

	if (get_password(o, name, pw, sizeof pw, &pwlen) != 0)
		goto out;
	rc = pwhash_create(pw, pwlen, SC_PBKDF2_DEFAULT_ITERATIONS, hash,
	    sizeof hash);
	sodium_memzero(pw, sizeof pw);
	if (rc != 0) {
		complain("cannot hash the password: %s", sc_strerror(rc));
		goto out;
	}

	if ((rc = users_lock(o->users, &lockfd, &u, err, sizeof err)) != 0) {
		complain("%s", err);
		goto out;
	}
	/* Another writer may have been quicker. */
	if (!check_presence(u, o->users, name, adding))
		goto out;
	if ((rc = users_set(u, name, hash, err, sizeof err)) != 0) {
		complain("%s", err);
		goto out;
	}
	rc = users_commit(o->users, lockfd, u, err, sizeof err);
	lockfd = -1;
	if (rc != 0) {
		complain("%s", err);
		goto out;
	}
	status = 0;

out:
	users_unlock(lockfd);
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
	struct users	*u = NULL;
	char		 err[USERS_ERR_MAX];
	int		 lockfd = -1, rc, status = CTL_EXIT_FAIL;

	if (load(o->users, false, &u) != 0)
		goto out;
	users_free(u);
	u = NULL;
	if ((rc = users_lock(o->users, &lockfd, &u, err, sizeof err)) != 0) {
		complain("%s", err);
		goto out;
	}
	if (!check_presence(u, o->users, argv[0], false))
		goto out;
	if (users_delete(u, argv[0]) != 0) {
		complain("no user \"%s\" in %s", argv[0], o->users);
		goto out;
	}
	rc = users_commit(o->users, lockfd, u, err, sizeof err);
	lockfd = -1;
	if (rc != 0) {
		complain("%s", err);
		goto out;
	}
	status = 0;

out:
	users_unlock(lockfd);
	users_free(u);
	return status;
}

/* list: prints the user names, one a line, in file order. */
static int
cmd_list(const struct ctl_options *o, char **argv)
{
	struct users	*u = NULL;
	size_t		 i;

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
	struct sc_keypair	kp;
	char			fp[KEYS_FINGERPRINT_LEN + 1];
	int			rc;

	(void)argv;
	rc = keys_load(o->key, &kp);
	switch (rc) {
	case 0:
		break;
	case SC_ERR_IO:
		complain("%s: %s", o->key, strerror(errno));
		return CTL_EXIT_FAIL;
	case SC_ERR_PERM:
		complain("%s: group or others may access it (chmod 600 it)",
		    o->key);
		return CTL_EXIT_FAIL;
	case SC_ERR_FORMAT:
		complain("%s: not a key file (64 lowercase hex digits and a "
		    "newline)", o->key);
		return CTL_EXIT_FAIL;
	default:
		complain("%s: %s", o->key, sc_strerror(rc));
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
	size_t	i;

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
	}
	return "--password-stdin";
}

/* Parses the command line, checks it, and runs one command. */
int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "users", required_argument, NULL, 'u' },
		{ "key", required_argument, NULL, 'k' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ctl_command	*cmd;
	struct ctl_options		 o;
	char				 buf[ESCAPE_SHOWN_SIZE(SC_SHOWN_NAME_MAX)];
	unsigned int			 bit;
	int				 ch, status;

	memset(&o, 0, sizeof o);
	o.users = CTL_USERS_DEFAULT;
	o.key = CTL_KEY_DEFAULT;

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
			complain("option '%s' needs an argument (see --help)",
			    shown(argv[optind - 1], buf, sizeof buf));
			return CTL_EXIT_USAGE;
		default:
			if (optopt != 0)
				complain("unknown option '-%c' (see --help)",
				    optopt >= 0x20 && optopt < 0x7f ?
				    optopt : '?');
			else
				complain("unknown option '%s' (see --help)",
				    shown(argv[optind - 1], buf, sizeof buf));
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		complain("no command given (see --help)");
		return CTL_EXIT_USAGE;
	}
	if ((cmd = find_command(argv[0])) == NULL) {
		complain("unknown command \"%s\" (see --help)",
		    shown(argv[0], buf, sizeof buf));
		return CTL_EXIT_USAGE;
	}
	if (argc - 1 != cmd->nargs) {
		complain("%s takes %s (see --help)", cmd->name,
		    cmd->nargs == 0 ? "no arguments" : "one user name");
		return CTL_EXIT_USAGE;
	}
	for (bit = CTL_OPT_USERS; bit <= CTL_OPT_PASSWORD_STDIN; bit <<= 1) {
		if ((o.given & bit) && !(cmd->options & bit)) {
			complain("%s does not apply to %s (see --help)",
			    option_name(bit), cmd->name);
			return CTL_EXIT_USAGE;
		}
	}
	if (*o.users == '\0' || *o.key == '\0') {
		complain("empty file name (see --help)");
		return CTL_EXIT_USAGE;
	}
	if (cmd->nargs == 1 && !msg_user_valid(argv[1], strlen(argv[1]))) {
		complain("bad user name \"%s\": 1 to %d bytes of A-Z a-z 0-9 "
		    "_ . -", shown(argv[1], buf, sizeof buf), SC_USER_MAX_LEN);
		return CTL_EXIT_USAGE;
	}

	if (sodium_init() < 0) {
		complain("cannot initialise libsodium");
		return CTL_EXIT_FAIL;
	}
	status = cmd->run(&o, argv + 1);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		complain("standard output: %s", strerror(errno));
		status = CTL_EXIT_FAIL;
	}
	return status;
}
