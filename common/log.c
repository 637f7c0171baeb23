/*
 * log.c: leveled, thread-safe log lines to stderr (or the systemd journal
 * through stderr) and an optional append-only file.
 *
 * Every line is built in a fixed buffer and written with one write(2) per
 * destination while holding one mutex, so lines from several threads never
 * interleave. The text is escaped by escape_bytes() (common/escape.c):
 * control characters, DEL, C1 controls and bytes that are not UTF-8
 * appear as "\xNN" and a backslash as "\\", so a line never carries a raw
 * newline or escape sequence.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "escape.h"
#include "log.h"
#include "logfold.h"
#include "sc_limits.h"
#include "xmalloc.h"

#define LOG_TRUNCATED "..."
#define LOG_FILE_MODE 0640

/* One line being built; adds that do not fit set cut and are dropped. */
struct line {
	char buf[SC_LOG_LINE_MAX];
	size_t len;
	bool cut;
};

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static char progname[SC_LOG_PROGNAME_MAX + 1] = "securechat";
static enum log_level max_level = LOG_LEVEL_INFO;
static bool to_stderr = true;
static bool journal;
static int file_fd = -1;
static char *file_path;
/* Lines caused by network input (log_peer); per_sec 0 until set. */
static struct logfold peer_fold;

static const struct {
	const char *name;  /* for log_level_parse */
	const char *label; /* in log lines */
	enum log_level level;
} levels[] = {
	{ "error", "ERROR", LOG_LEVEL_ERR },
	{ "warning", "WARNING", LOG_LEVEL_WARNING },
	{ "notice", "NOTICE", LOG_LEVEL_NOTICE },
	{ "info", "INFO", LOG_LEVEL_INFO },
	{ "debug", "DEBUG", LOG_LEVEL_DEBUG },
};

/* Clamps level into the range we name. */
static enum log_level
clamp_level(enum log_level level)
{
	if ((int)level < LOG_LEVEL_ERR)
		return LOG_LEVEL_ERR;
	if ((int)level > LOG_LEVEL_DEBUG)
		return LOG_LEVEL_DEBUG;
	return level;
}

/* The index in levels[] of level (clamped into range). */
static size_t
level_index(enum log_level level)
{
	size_t i;

	level = clamp_level(level);
	for (i = 0; i < sizeof levels / sizeof levels[0] - 1; i++) {
		if (levels[i].level == level)
			break;
	}
	return i;
}

/* Returns the upper-case label of level. */
static const char *
level_label(enum log_level level)
{
	return levels[level_index(level)].label;
}

/* Parses a decimal unsigned number of at least one digit at *s. */
static bool
parse_number(const char **s, uintmax_t *out)
{
	const char *p = *s;
	char *end;

	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	*out = strtoumax(p, &end, 10);
	if (errno != 0)
		return false;
	*s = end;
	return true;
}

/* Says whether JOURNAL_STREAM names the device and inode of stderr. */
static bool
stderr_is_journal(void)
{
	const char *env;
	struct stat st;
	uintmax_t dev, ino;

	env = getenv("JOURNAL_STREAM");
	if (env == NULL)
		return false;
	if (!parse_number(&env, &dev) || *env++ != ':')
		return false;
	if (!parse_number(&env, &ino) || *env != '\0')
		return false;
	if (fstat(STDERR_FILENO, &st) == -1)
		return false;
	return dev == (uintmax_t)st.st_dev && ino == (uintmax_t)st.st_ino;
}

/* Appends n bytes to l if they all fit before the truncation marker. */
static void
line_add(struct line *l, const char *s, size_t n)
{
	size_t limit = sizeof l->buf - sizeof LOG_TRUNCATED; /* + '\n' */

	if (l->cut || n > limit - l->len) {
		l->cut = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Appends a NUL-terminated string to l. */
static void
line_str(struct line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* Appends text to l, escaped so it holds no control character. */
static void
line_text(struct line *l, const char *text)
{
	size_t limit = sizeof l->buf - sizeof LOG_TRUNCATED; /* + '\n' */
	bool cut;

	if (l->cut)
		return;
	l->len += escape_bytes(l->buf + l->len, limit - l->len, text,
	    strlen(text), ESCAPE_UTF8, &cut);
	if (cut)
		l->cut = true;
}

/* Ends l with the truncation marker if needed and a newline. */
static void
line_end(struct line *l, bool cut)
{
	if (cut || l->cut) {
		memcpy(l->buf + l->len, LOG_TRUNCATED, strlen(LOG_TRUNCATED));
		l->len += strlen(LOG_TRUNCATED);
	}
	l->buf[l->len++] = '\n';
}

/* Appends the UTC time "YYYY-MM-DDTHH:MM:SS.mmmZ" of ms (milliseconds
 * since the epoch, clock_now_ms) to l. */
static void
line_time(struct line *l, uint64_t ms)
{
	struct tm tm;
	time_t sec = (time_t)(ms / 1000);
	char buf[64];
	size_t n;

	if (gmtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof buf - n, ".%03uZ", (unsigned int)(ms % 1000));
	line_str(l, buf);
}

/* Writes all of buf to fd with one write(2) unless it comes back short. */
static void
write_line(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Sets the program name and level and looks for the journal. */
void
log_init(const char *name, enum log_level level)
{
	const char *slash;

	pthread_mutex_lock(&log_mutex);
	if (name != NULL) {
		if ((slash = strrchr(name, '/')) != NULL && slash[1] != '\0')
			name = slash + 1;
		snprintf(progname, sizeof progname, "%s", name);
	}
	max_level = clamp_level(level);
	journal = stderr_is_journal();
	pthread_mutex_unlock(&log_mutex);
}

/* Sets the most verbose level written. */
void
log_set_level(enum log_level level)
{
	pthread_mutex_lock(&log_mutex);
	max_level = clamp_level(level);
	pthread_mutex_unlock(&log_mutex);
}

/* Returns the config name of level ("info"). */
const char *
log_level_name(enum log_level level)
{
	return levels[level_index(level)].name;
}

/* Says whether stderr is the systemd journal. */
bool
log_is_journal(void)
{
	return journal;
}

/* Parses a level name; *out is left alone on failure. */
int
log_level_parse(const char *name, enum log_level *out)
{
	size_t i;

	if (name == NULL)
		return SC_ERR_INVALID;
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		if (strcmp(name, levels[i].name) == 0) {
			*out = levels[i].level;
			return 0;
		}
	}
	return SC_ERR_INVALID;
}

/* Opens path for appending, returning the descriptor or -1. */
static int
open_append(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    LOG_FILE_MODE);
}

/* Switches the log file to path. */
int
log_open_file(const char *path)
{
	char *copy;
	int fd;

	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return SC_ERR_IO;
	}
	if ((fd = open_append(path)) == -1)
		return SC_ERR_IO;
	copy = xstrdup(path);

	pthread_mutex_lock(&log_mutex);
	if (file_fd != -1)
		close(file_fd);
	file_fd = fd;
	free(file_path);
	file_path = copy;
	pthread_mutex_unlock(&log_mutex);
	return 0;
}

/* Reopens the log file by its name, keeping the old one on failure. */
int
log_reopen(void)
{
	int fd, rc = 0, saved;

	pthread_mutex_lock(&log_mutex);
	if (file_fd == -1)
		goto out;
	if ((fd = open_append(file_path)) == -1) {
		rc = SC_ERR_IO;
		goto out;
	}
	close(file_fd);
	file_fd = fd;
out:
	saved = errno;
	pthread_mutex_unlock(&log_mutex);
	errno = saved;
	return rc;
}

/* Closes the log file. */
void
log_close(void)
{
	pthread_mutex_lock(&log_mutex);
	if (file_fd != -1)
		close(file_fd);
	file_fd = -1;
	free(file_path);
	file_path = NULL;
	pthread_mutex_unlock(&log_mutex);
}

/* Turns writing to stderr on or off. */
void
log_set_stderr(bool on)
{
	pthread_mutex_lock(&log_mutex);
	to_stderr = on;
	pthread_mutex_unlock(&log_mutex);
}

/* Writes text (cut: it was truncated) at level to every destination;
 * the caller holds the mutex. */
static void
write_locked(enum log_level level, const char *text, bool cut, uint64_t now)
{
	char prefix[64];
	struct line l;

	level = clamp_level(level);
	if (to_stderr) {
		memset(&l, 0, sizeof l);
		if (journal) {
			snprintf(prefix, sizeof prefix, "<%d>", (int)level);
			line_str(&l, prefix);
		} else {
			line_time(&l, now);
			line_str(&l, " ");
			line_text(&l, progname);
			snprintf(prefix, sizeof prefix,
			    "[%ld]: %s: ", (long)getpid(), level_label(level));
			line_str(&l, prefix);
		}
		line_text(&l, text);
		line_end(&l, cut);
		write_line(STDERR_FILENO, l.buf, l.len);
	}
	if (file_fd != -1) {
		memset(&l, 0, sizeof l);
		line_time(&l, now);
		line_str(&l, " ");
		line_str(&l, level_label(level));
		line_str(&l, " ");
		line_text(&l, text);
		line_end(&l, cut);
		write_line(file_fd, l.buf, l.len);
	}
}

/* Formats fmt into text; returns true when it was cut. */
static bool
format_text(char *text, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(text, size, fmt, ap);

	if (n < 0) {
		snprintf(text, size, "(bad log format)");
		n = 0;
	}
	return (size_t)n >= size;
}

/* True when a line at level would be written anywhere; mutex held. */
static bool
wanted_locked(enum log_level level)
{
	return level <= max_level && (to_stderr || file_fd != -1);
}

/* Formats one line and writes it to every destination; keeps errno. */
void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char text[SC_LOG_LINE_MAX];
	bool cut;
	int saved = errno;

	pthread_mutex_lock(&log_mutex);
	if (!wanted_locked(level))
		goto out;
	errno = saved; /* for %m */
	cut = format_text(text, sizeof text, fmt, ap);
	write_locked(level, text, cut, clock_now_ms());
out:
	pthread_mutex_unlock(&log_mutex);
	errno = saved;
}

/* Sets the limits of lines caused by network input. */
void
log_set_peer_limits(unsigned per_sec, unsigned repeat)
{
	pthread_mutex_lock(&log_mutex);
	logfold_init(&peer_fold, per_sec, repeat, clock_mono_ms());
	pthread_mutex_unlock(&log_mutex);
}

/* Writes a line caused by network input from peer, unless folded or
 * over the rate (logfold.h). */
void
log_peer(enum log_level level, const char *peer, const char *fmt, ...)
{
	struct logfold_report report;
	char text[SC_LOG_LINE_MAX];
	va_list ap;
	bool write, cut;
	int saved = errno;

	pthread_mutex_lock(&log_mutex);
	if (!wanted_locked(level))
		goto out;
	write = logfold_line(&peer_fold, fmt, peer != NULL ? peer : "?",
	    (int)level, clock_mono_ms(), &report);
	if (report.text[0] != '\0')
		write_locked((enum log_level)report.level, report.text, false,
		    clock_now_ms());
	if (!write)
		goto out;
	errno = saved;
	va_start(ap, fmt);
	cut = format_text(text, sizeof text, fmt, ap);
	va_end(ap);
	write_locked(level, text, cut, clock_now_ms());
out:
	pthread_mutex_unlock(&log_mutex);
	errno = saved;
}

/* Writes the fold reports that are due. */
void
log_peer_flush(void)
{
	struct logfold_report report;
	uint64_t mono = clock_mono_ms();

	pthread_mutex_lock(&log_mutex);
	while (logfold_due(&peer_fold, mono, &report)) {
		if (wanted_locked((enum log_level)report.level))
			write_locked((enum log_level)report.level, report.text,
			    false, clock_now_ms());
	}
	pthread_mutex_unlock(&log_mutex);
}

/* Formats and writes one line at level. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* Logs at LOG_LEVEL_ERR and exits with status 1. */
void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
