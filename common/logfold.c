/*
 * logfold.c: which log lines caused by network input are written, which
 * are folded into "N more like this" reports, and which are left out to
 * keep the log under its rate (see logfold.h).
 */
#include <stdio.h>
#include <string.h>

#include "logfold.h"

/* Starts f empty with a full bucket. */
void
logfold_init(struct logfold *f, unsigned per_sec, unsigned repeat,
    uint64_t now_ms)
{
	memset(f, 0, sizeof *f);
	f->per_sec = per_sec;
	f->repeat = repeat > 0 ? repeat : 1;
	f->tokens_milli = (uint64_t)per_sec * 1000;
	f->tokens_ms = now_ms;
}

/* FNV-1a over the kind's address and the peer: the first slot of the
 * set of LOGFOLD_WAYS where kind and peer may be kept. */
static size_t
set_of(const char *kind, const char *peer, size_t peer_len)
{
	uintptr_t k = (uintptr_t)kind;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof k; i++) {
		h ^= (uint8_t)(k >> (8 * i));
		h *= 16777619u;
	}
	for (i = 0; i < peer_len; i++) {
		h ^= (uint8_t)peer[i];
		h *= 16777619u;
	}
	return (h % (LOGFOLD_SLOTS / LOGFOLD_WAYS)) * LOGFOLD_WAYS;
}

/* Takes one token of the bucket (refilled for the time passed). */
static bool
take_token(struct logfold *f, uint64_t now_ms)
{
	uint64_t max = (uint64_t)f->per_sec * 1000;

	if (now_ms > f->tokens_ms) {
		f->tokens_milli += (now_ms - f->tokens_ms) * f->per_sec;
		if (f->tokens_milli > max)
			f->tokens_milli = max;
	}
	f->tokens_ms = now_ms;
	if (f->tokens_milli < 1000)
		return false;
	f->tokens_milli -= 1000;
	return true;
}

/* Counts a line left out for want of a token. */
static void
drop(struct logfold *f, int level, uint64_t now_ms)
{
	if (f->dropped++ == 0) {
		f->dropped_start_ms = now_ms;
		f->dropped_level = level;
	} else if (level < f->dropped_level)
		f->dropped_level = level;
}

/* The label of a kind: its format up to the first '%' or ':', without
 * trailing blanks, at most LOGFOLD_KIND_MAX bytes. */
static int
label_len(const char *kind)
{
	size_t n = strcspn(kind, "%:");

	while (n > 0 && kind[n - 1] == ' ')
		n--;
	return (int)(n > LOGFOLD_KIND_MAX ? LOGFOLD_KIND_MAX : n);
}

/* Ends sl's window: its report (when lines were folded and a token is
 * left) into *report; frees the slot. */
static void
close_slot(struct logfold *f, struct logfold_slot *sl, uint64_t now_ms,
    struct logfold_report *report)
{
	report->text[0] = '\0';
	if (sl->folded > 0) {
		if (take_token(f, now_ms)) {
			snprintf(report->text, sizeof report->text,
			    "%.*s %s: %llu more like this in the last 10 s",
			    label_len(sl->kind), sl->kind, sl->peer,
			    (unsigned long long)sl->folded);
			report->level = sl->level;
		} else
			drop(f, sl->level, now_ms);
	}
	sl->kind = NULL;
}

/* Decides on one line; see logfold.h. */
bool
logfold_line(struct logfold *f, const char *kind, const char *peer, int level,
    uint64_t now_ms, struct logfold_report *report)
{
	size_t plen = strnlen(peer, LOGFOLD_PEER_MAX), i;
	struct logfold_slot *set, *sl = NULL;

	report->text[0] = '\0';
	if (f->per_sec == 0)
		return true;
	/* Its slot in the set, else a free one, else the oldest. */
	set = &f->slots[set_of(kind, peer, plen)];
	for (i = 0; i < LOGFOLD_WAYS && sl == NULL; i++) {
		if (set[i].kind == kind &&
		    strncmp(set[i].peer, peer, plen) == 0 &&
		    set[i].peer[plen] == '\0')
			sl = &set[i];
	}
	for (i = 0; i < LOGFOLD_WAYS && sl == NULL; i++) {
		if (set[i].kind == NULL)
			sl = &set[i];
	}
	if (sl == NULL) {
		sl = &set[0];
		for (i = 1; i < LOGFOLD_WAYS; i++) {
			if (set[i].start_ms < sl->start_ms)
				sl = &set[i];
		}
		close_slot(f, sl, now_ms, report); /* pushed out */
	} else if (sl->kind != NULL &&
	    now_ms - sl->start_ms >= LOGFOLD_WINDOW_MS)
		close_slot(f, sl, now_ms, report); /* its window ended */
	if (sl->kind == NULL) {
		sl->kind = kind;
		memcpy(sl->peer, peer, plen);
		sl->peer[plen] = '\0';
		sl->start_ms = now_ms;
		sl->folded = 0;
		sl->written = 0;
	}
	if (level < sl->level || sl->written + sl->folded == 0)
		sl->level = level;
	if (sl->written >= f->repeat) {
		sl->folded++;
		return false;
	}
	if (!take_token(f, now_ms)) {
		/* Left out, and counted as such: not folded. */
		drop(f, level, now_ms);
		return false;
	}
	sl->written++;
	return true;
}

/* The next report due; see logfold.h. */
bool
logfold_due(struct logfold *f, uint64_t now_ms, struct logfold_report *report)
{
	struct logfold_slot *sl;
	size_t i;

	report->text[0] = '\0';
	if (f->per_sec == 0)
		return false;
	for (i = 0; i < LOGFOLD_SLOTS; i++) {
		sl = &f->slots[i];
		if (sl->kind == NULL ||
		    now_ms - sl->start_ms < LOGFOLD_WINDOW_MS)
			continue;
		close_slot(f, sl, now_ms, report);
		if (report->text[0] != '\0')
			return true;
	}
	if (f->dropped > 0 &&
	    now_ms - f->dropped_start_ms >= LOGFOLD_WINDOW_MS) {
		snprintf(report->text, sizeof report->text,
		    "log rate limit: %llu lines from network input left out "
		    "in the last 10 s",
		    (unsigned long long)f->dropped);
		report->level = f->dropped_level;
		f->dropped = 0;
		return true;
	}
	return false;
}
