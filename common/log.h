/*
 * log.h: leveled logging to stderr and optionally to a file.
 *
 * Lines on stderr carry a timestamp unless stderr is the systemd journal
 * (JOURNAL_STREAM names stderr's device:inode), in which case each line is
 * "<N>text" with N the syslog priority and no timestamp of our own. The
 * file always gets "YYYY-MM-DDTHH:MM:SS.mmmZ LEVEL text". log_reopen()
 * reopens the file (for logrotate, on SIGHUP). Thread-safe: worker threads
 * may log. Never pass passwords, message text or keys.
 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "error.h"

/* syslog priorities. */
enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Sets the program name and the most verbose level written. Reads
 * JOURNAL_STREAM once. May be called again. */
void log_init(const char *progname, enum log_level level);

/* Sets the most verbose level written. */
void log_set_level(enum log_level level);

/* The config name of level ("error" ... "debug"); static storage. */
const char *log_level_name(enum log_level level);

/* True when JOURNAL_STREAM names stderr (the process runs under systemd
 * with its output going to the journal). */
bool log_is_journal(void);

/* Parses "error", "warning", "notice", "info", "debug" into *out.
 * Returns 0 or SC_ERR_INVALID. */
int log_level_parse(const char *name, enum log_level *out) SC_WUR;

/* Appends to path from now on (created 0640 if missing). Returns 0 or
 * SC_ERR_IO with errno set; the previous file, if any, stays open then. */
int log_open_file(const char *path) SC_WUR;

/* Reopens the current log file by name. Returns 0 or SC_ERR_IO (the old
 * descriptor is kept on failure). No file open: does nothing, returns 0. */
int log_reopen(void) SC_WUR;

/* Closes the log file; later lines go to stderr only. */
void log_close(void);

/* Stops writing to stderr (for tests and quiet tools) or starts again. */
void log_set_stderr(bool on);

/* Writes one line at level (a trailing newline is added). */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Lines caused by network input (a peer's connection or requests): kind
 * is fmt itself, peer the address without the port. Of each kind and
 * peer, `repeat` lines per 10 s are written and the rest folded into one
 * "N more like this in the last 10 s" line; all of them together write
 * at most per_sec lines a second (plus one report of the lines left out
 * every 10 s). per_sec 0 (the start) writes every line. See logfold.h.
 */
void log_set_peer_limits(unsigned per_sec, unsigned repeat);

/* Writes one line at level caused by peer (may be NULL), within the
 * limits above. */
void log_peer(enum log_level level, const char *peer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the "more like this" reports that are due; call about once a
 * second. */
void log_peer_flush(void);

/* Logs at LOG_LEVEL_ERR and exits with status 1. */
void log_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...)	log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* SC_LOG_H */
