/*
 * ctl-prompt.c: how securechatctl gets a new password: one line of
 * standard input (--password-stdin), or asked twice on the controlling
 * terminal with echo off. Passwords are read a byte at a time into the
 * caller's fixed buffer (no stdio copy) and the second copy is wiped; the
 * terminal is restored on every path, including SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT and SIGTSTP.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "text.h"

#define CTL_TTY "/dev/tty"

/* What read_line() found. */
enum ctl_line {
	CTL_LINE_OK,	   /* a line (maybe empty), '\n' removed */
	CTL_LINE_EOF,	   /* end of file before any byte */
	CTL_LINE_TOO_LONG, /* more than the buffer holds */
	CTL_LINE_ERROR,	   /* read failed, errno set */
};

/* The terminal being read with echo off, for the signal handler. */
static volatile sig_atomic_t tty_active;
static int tty_fd = -1;
static struct termios tty_saved;
static struct termios tty_noecho;
static const int tty_signals[] = {
	SIGINT,
	SIGTERM,
	SIGHUP,
	SIGQUIT,
	SIGTSTP,
};
#define TTY_NSIGNALS (sizeof tty_signals / sizeof tty_signals[0])
static struct sigaction tty_old[TTY_NSIGNALS];
static bool tty_caught[TTY_NSIGNALS];

/*
 * Restores the terminal, then lets sig take its default action. After a
 * stop (SIGTSTP) and SIGCONT, turns echo off again and goes on reading.
 */
static void
tty_signal(int sig)
{
	struct sigaction sa;
	sigset_t set;
	int saved = errno;

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
	sigset_t set;
	size_t i;

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
	struct sigaction sa;
	size_t i;
	int fd;

	fd = open(CTL_TTY, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		ctl_complain("cannot open %s to ask for the password: %s (use "
			     "--password-stdin)",
		    CTL_TTY, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tty_saved) == -1) {
		ctl_complain("%s: %s", CTL_TTY, strerror(errno));
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
		ctl_complain("%s: cannot turn echo off: %s", CTL_TTY,
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
	size_t i;

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
	size_t len = strlen(s);
	ssize_t n;

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
	ssize_t n;
	char c;

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
		ctl_complain("no password on standard input");
		return -1;
	case CTL_LINE_TOO_LONG:
		ctl_complain("password is longer than %d bytes",
		    SC_PASSWORD_MAX_LEN);
		return -1;
	case CTL_LINE_ERROR:
		ctl_complain("standard input: %s", strerror(errno));
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
	enum ctl_line r;

	put(tty_fd, prompt);
	r = read_line(tty_fd, pw, size, len);
	put(tty_fd, "\n"); /* the newline typed was not echoed */
	switch (r) {
	case CTL_LINE_OK:
		return 0;
	case CTL_LINE_EOF:
		ctl_complain("no password entered");
		break;
	case CTL_LINE_TOO_LONG:
		ctl_complain("password is longer than %d bytes",
		    SC_PASSWORD_MAX_LEN);
		break;
	case CTL_LINE_ERROR:
		ctl_complain("%s: %s", CTL_TTY, strerror(errno));
		break;
	}
	return -1;
}

/* Asks for name's new password twice on the terminal. Returns 0 or -1. */
static int
password_tty(const char *name, char *pw, size_t size, size_t *len)
{
	char again[CTL_PW_SIZE];
	char prompt[64 + SC_USER_MAX_LEN];
	size_t again_len = 0;
	int rc = -1;

	if (tty_open() != 0)
		return -1;
	snprintf(prompt, sizeof prompt, "New password for %s: ", name);
	if (ask_tty(prompt, pw, size, len) != 0)
		goto out;
	if (ask_tty("Retype new password: ", again, sizeof again, &again_len) !=
	    0)
		goto out;
	if (again_len != *len || sodium_memcmp(again, pw, *len) != 0) {
		ctl_complain("passwords do not match");
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
int
ctl_prompt_password(bool from_stdin, const char *name, char *pw, size_t size,
    size_t *len)
{
	int rc;

	*len = 0;
	if (from_stdin)
		rc = password_stdin(pw, size, len);
	else
		rc = password_tty(name, pw, size, len);
	if (rc != 0)
		return -1;
	if (*len == 0) {
		ctl_complain("the password is empty");
		return -1;
	}
	if (*len > SC_PASSWORD_MAX_LEN) {
		ctl_complain("password is longer than %d bytes",
		    SC_PASSWORD_MAX_LEN);
		return -1;
	}
	if (!text_password_valid(pw, *len)) {
		ctl_complain("the password must be valid UTF-8 without NUL "
			     "bytes");
		return -1;
	}
	return 0;
}
