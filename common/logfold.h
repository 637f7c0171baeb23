/*
 * logfold.h: folding of repeated log lines caused by network input, and
 * a bound on how fast such lines can grow the log.
 *
 * A line has a kind (its printf format, a static string) and a peer (an
 * address, without the port). Of each kind and peer, the first `repeat`
 * lines of a LOGFOLD_WINDOW_MS window are written; the rest are counted,
 * and when the window ends one report line says "<kind> <peer>: N more
 * like this in the last 10 s". Over all kinds and peers, every line and
 * report written takes a token of one bucket of `per_sec` lines a second
 * (holding one second's worth); without a token a line is left out and
 * counted, and that count is reported once a window, without a token.
 * So network input adds at most per_sec lines a second, plus one line
 * every LOGFOLD_WINDOW_MS.
 *
 * Pure logic, not thread-safe (log.c locks); the caller passes monotonic
 * milliseconds, so tests can drive the time.
 */
#ifndef SC_LOGFOLD_H
#define SC_LOGFOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGFOLD_WINDOW_MS  10000
#define LOGFOLD_SLOTS	   1024 /* kinds x peers followed at once */
#define LOGFOLD_WAYS	   4	/* slots a kind and peer may take */
#define LOGFOLD_PEER_MAX   47	/* "[" IPv6 "]" fits */
#define LOGFOLD_KIND_MAX   40	/* bytes of a kind's label in a report */
#define LOGFOLD_REPORT_MAX 160	/* a report line's text */

/* One kind of line from one peer in the current window. */
struct logfold_slot {
	const char *kind; /* NULL: free */
	char peer[LOGFOLD_PEER_MAX + 1];
	uint64_t start_ms;
	uint64_t folded; /* lines counted, not written */
	unsigned written;
	int level;
};

struct logfold {
	unsigned per_sec; /* 0: no limit, no folding */
	unsigned repeat;  /* lines written per kind, peer and window */
	uint64_t tokens_milli, tokens_ms;
	uint64_t dropped; /* lines left out for want of a token */
	uint64_t dropped_start_ms;
	int dropped_level; /* the most severe left out */
	struct logfold_slot slots[LOGFOLD_SLOTS];
};

/* A line to write: text without newline, at level (a syslog priority). */
struct logfold_report {
	char text[LOGFOLD_REPORT_MAX];
	int level;
};

/* Starts f empty with its bucket full. per_sec 0 turns the limit and the
 * folding off; repeat 0 counts as 1. */
void logfold_init(struct logfold *f, unsigned per_sec, unsigned repeat,
    uint64_t now_ms);

/*
 * Decides on one line of kind (its format; compared by address) from peer
 * (cut to LOGFOLD_PEER_MAX bytes) at level and time now_ms. Returns true
 * when the line is to be written. When a window of another line ends or
 * is pushed out by this one, *report gets its report to write first
 * (report->text is "" when there is none).
 */
bool logfold_line(struct logfold *f, const char *kind, const char *peer,
    int level, uint64_t now_ms, struct logfold_report *report);

/*
 * Fills *report with the next report due at now_ms (a window that ended
 * with lines folded, or the count of lines left out) and returns true;
 * false when none is due. Call until it returns false, about once a
 * second.
 */
bool logfold_due(struct logfold *f, uint64_t now_ms,
    struct logfold_report *report);

#endif /* SC_LOGFOLD_H */
