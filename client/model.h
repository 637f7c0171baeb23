/*
 * model.h: the securechat client's models: sanitize.c, wrap.c,
 * scrollback.c, buffer.c, editor.c, history.c, complete.c,
 * sendq.c and search.c. They know nothing
 * of curses, sockets or the event loop, so the unit tests link them alone (the
 * scclient_models library). The program's header is client.h.
 */
#ifndef SC_CLIENT_MODEL_H
#define SC_CLIENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "sc_limits.h"

/* ---- sanitize.c -------------------------------------------------------- */

/*
 * Everything received is displayed only after sanitize_text(): invalid
 * UTF-8 becomes U+FFFD; C0 controls (except TAB, which becomes one space)
 * become their Unicode control pictures (ESC shows as U+241B), DEL as
 * U+2421; C1 controls (U+0080-U+009F), bidirectional overrides, embeddings
 * and isolates (U+202A-U+202E, U+2066-U+2069) and other invisible format
 * characters that can reorder or hide text (U+200E, U+200F, U+061C,
 * U+FEFF, U+2028, U+2029) become U+FFFD. LF becomes a control picture too
 * unless keep_newlines. So the result never holds a byte the terminal
 * would interpret.
 */

/* Worst-case growth: every input byte may become a 3-byte picture. */
#define SANITIZE_MAX_GROWTH 3

/*
 * Sanitises in[0..len) into out (cap bytes, NUL-terminated, cut on a
 * character boundary if too small). Returns the output length.
 */
size_t sanitize_text(const char *in, size_t len, char *out, size_t cap,
    bool keep_newlines);

/* The same into a new malloc'd string. */
char *sanitize_dup(const char *in, size_t len, bool keep_newlines);

/* True when s[0..len) needs no change (safe to show as it is). */
bool sanitize_is_clean(const char *s, size_t len, bool keep_newlines);

/* ---- wrap.c ------------------------------------------------------------ */

/*
 * Display widths and line wrapping for sanitized UTF-8 (needs a UTF-8
 * LC_CTYPE): wide characters take 2 columns, combining characters 0 and
 * stay with the character before them; a wide character is never split
 * across rows.
 */

/* Columns that s[0..len) takes. */
size_t wrap_width(const char *s, size_t len);

/* Byte length of the character at s (1..4; 1 for a bad byte). */
size_t wrap_char_len(const char *s, size_t len);

/* Columns of the character at s (0, 1 or 2). */
int wrap_char_width(const char *s, size_t len);

#define WRAP_NARROW_INDENT 2 /* columns, when the prefix's is too wide */

struct wrap_row {
	size_t off;    /* byte offset into the text */
	size_t len;    /* bytes on this row */
	size_t indent; /* leading columns of indent on this row */
};

/*
 * Splits text[0..len) into rows of at most width columns; rows after the
 * first start with indent columns (indent < width, else 0; when a word
 * after the first indent columns fits a row only with less indent, rows
 * after the first start at WRAP_NARROW_INDENT instead). Breaks at the
 * last space that fits (a space of the prefix too) when there is one,
 * else mid-word; LF ends a row.
 * Writes up to max rows into rows (may be NULL to count). Returns the
 * number of rows the text needs (>= 1).
 */
size_t wrap_text(const char *text, size_t len, size_t width, size_t indent,
    struct wrap_row *rows, size_t max);

/* ---- scrollback.c ------------------------------------------------------ */

enum line_kind {
	LINE_CHAT,	/* [HH:MM] <nick> text */
	LINE_OWN,	/* our own say */
	LINE_PRIVATE,	/* [HH:MM] *from -> to* text */
	LINE_NOTICE,	/* from the server */
	LINE_ERROR,	/* errors, local or the server's */
	LINE_INFO,	/* the client's own remarks */
	LINE_HIGHLIGHT, /* chat that names us */
};

struct line {
	uint64_t seq; /* 1, 2, ... in arrival order */
	enum line_kind kind;
	time_t when;
	char *prefix; /* "[12:34] <alice> " (sanitized) */
	char *nick;   /* who, for colour (may be NULL) */
	char *text;   /* sanitized body */
	uint64_t id;  /* the server's message id; 0 for other lines */
};

#define SCROLLBACK_DEFAULT 10000
#define SCROLLBACK_MIN	   100
#define SCROLLBACK_MAX	   10000000 /* the config's ceiling */

/*
 * The chat log: a ring of the last cap lines, and a view. The view is
 * either at the bottom (follows new lines) or anchored at a line and row
 * counted from the bottom of the pane; while anchored, new lines do not
 * move it and count as unseen.
 */
struct scrollback {
	struct line *lines;	 /* ring */
	size_t cap, count, head; /* head: index of the oldest */
	uint64_t next_seq;
	bool at_bottom;
	uint64_t anchor_seq; /* bottom line of the view when scrolled */
	size_t anchor_row;   /* rows of that line hidden below the view */
	size_t unseen;	     /* lines added while scrolled up */
};

/* Prepares an empty log of cap lines (at least SCROLLBACK_MIN). */
void scrollback_init(struct scrollback *sb, size_t cap);

/* Frees every line. */
void scrollback_free(struct scrollback *sb);

/* The mark a line of kind starts with after its stamp: "-- " (info),
 * "-!- " (notice), "!!! " (error), "" for chat (its prefix names who). */
const char *scrollback_mark(enum line_kind kind);

/* Adds a line (the strings are copied; text must be sanitized). Returns
 * its seq. The oldest line is dropped when full. */
uint64_t scrollback_add(struct scrollback *sb, enum line_kind kind, time_t when,
    const char *prefix, const char *nick, const char *text);

/*
 * Inserts a line so that pos lines come before it (0: at the top; pos at
 * or past the count: at the bottom), with message id (0: none). The lines
 * after it move down one seq, and the view stays on the line it showed.
 * When full the oldest line is dropped first (so a line inserted at the
 * top of a full log is dropped at once: returns 0). Returns its seq.
 */
uint64_t scrollback_insert(struct scrollback *sb, size_t pos,
    enum line_kind kind, time_t when, const char *prefix, const char *nick,
    const char *text, uint64_t id);

/* Removes the line with seq (the lines after it move up one seq); false
 * when there is none. */
bool scrollback_remove(struct scrollback *sb, uint64_t seq);

/* Sets the message id of the line with seq (ignored when there is none). */
void scrollback_set_id(struct scrollback *sb, uint64_t seq, uint64_t id);

/* Where a message with id goes: the number of lines before the first
 * line with a greater id (the count when there is none). */
size_t scrollback_pos_of_id(const struct scrollback *sb, uint64_t id);

/* True when the oldest line is on screen in a pane of height rows of
 * width columns (an empty log too). */
bool scrollback_top_visible(const struct scrollback *sb, size_t width,
    size_t height);

/* The line with seq, or NULL if dropped or never added. */
const struct line *scrollback_get(const struct scrollback *sb, uint64_t seq);

/* The newest and oldest seq (0 when empty). */
uint64_t scrollback_last(const struct scrollback *sb);
uint64_t scrollback_first(const struct scrollback *sb);

/* Rows a line takes at width (prefix + text, wrapped, indent = prefix). */
size_t scrollback_line_rows(const struct line *l, size_t width);

/*
 * Scrolls the view by delta rows (positive: up, towards older lines) for
 * a pane of width columns. Scrolling down to the bottom (or past it)
 * returns to following mode and clears unseen.
 */
void scrollback_scroll(struct scrollback *sb, long delta, size_t width);

/* Jumps back to the newest line (End). */
void scrollback_bottom(struct scrollback *sb);

/*
 * The view for a pane of height rows: *seq is the bottom line, *skip how
 * many of its last rows are hidden. Lines above fill the pane upward.
 * Returns false when the log is empty.
 */
bool scrollback_view(const struct scrollback *sb, uint64_t *seq, size_t *skip);

/* ---- buffer.c --------------------------------------------------------- */

/*
 * Buffers, as in WeeChat: the server buffer (notices, the client's
 * remarks before login), one per room and one per private conversation
 * (a "query"), each with its own log, its members (sorted by strcmp),
 * an unread count and a highlight mark. The list is numbered from 0 (the
 * server buffer, which is never closed); one buffer is current.
 */
enum buffer_kind {
	BUFFER_SERVER,
	BUFFER_ROOM,  /* name: the room, shown "#name" */
	BUFFER_QUERY, /* name: the other user, shown "@name" */
};

#define BUFFER_NAME_MAX	    32 /* SC_ROOM_MAX_LEN and SC_USER_MAX_LEN */
#define BUFFER_LABEL_MAX    (BUFFER_NAME_MAX + 2)
#define BUFFER_BAR_ITEM_MAX (BUFFER_LABEL_MAX + 48) /* "12:(#x)(34)*" */

struct buffer {
	enum buffer_kind kind;
	char name[BUFFER_NAME_MAX + 1]; /* "" for the server buffer */
	struct scrollback sb;
	char **members; /* sorted, owned */
	size_t n_members;
	char *topic;	/* rooms: NULL or "" when none */
	size_t unread;	/* chat lines added while not current */
	bool highlight; /* a line naming us arrived while not current */
	bool parted;	/* a room we left (the buffer stays) */
	/* Stored history (PROTOCOL.md section 7). */
	uint64_t *ids; /* message ids shown, sorted, owned */
	size_t n_ids;
	bool hist_known;   /* a history reply came */
	bool hist_more;	   /* older messages exist on the server */
	bool hist_loading; /* an older page was asked (marker on top) */
	bool hist_done;	   /* "beginning of history" is shown */
};

struct buffer_list {
	struct buffer **v; /* v[0]: the server buffer */
	size_t n;
	size_t current;
	size_t sb_cap;	       /* lines of each new buffer's log */
	uint64_t lines;	       /* lines added to any buffer */
	struct buffer *newest; /* the buffer of the newest line */
};

/* Prepares a list holding only the server buffer (current). */
void buffer_list_init(struct buffer_list *bl, size_t sb_cap);

/* Frees every buffer. */
void buffer_list_free(struct buffer_list *bl);

/* The buffer of kind named name (server: any name), or NULL. */
struct buffer *buffer_find(const struct buffer_list *bl, enum buffer_kind kind,
    const char *name);

/* Finds or appends the buffer of kind named name (cut to
 * BUFFER_NAME_MAX); never NULL. */
struct buffer *buffer_open(struct buffer_list *bl, enum buffer_kind kind,
    const char *name);

/* Closes b and frees it (not the server buffer: false); the current
 * buffer becomes the one before it. */
bool buffer_close(struct buffer_list *bl, struct buffer *b);

/* The current buffer and the server buffer; never NULL. */
struct buffer *buffer_current(const struct buffer_list *bl);
struct buffer *buffer_server(const struct buffer_list *bl);

/* The number of b in the list (its index). */
size_t buffer_number(const struct buffer_list *bl, const struct buffer *b);

/* Makes buffer i current (ignored when out of range): its unread count
 * and highlight mark are cleared. */
void buffer_select(struct buffer_list *bl, size_t i);

/* Selects the next (delta 1) or previous (-1) buffer, wrapping. */
void buffer_select_next(struct buffer_list *bl, int delta);

/*
 * Adds a line to b's log (the strings are copied; text sanitized).
 * While b is not current, chat lines (CHAT, PRIVATE, HIGHLIGHT) that are
 * not mine count as unread and a HIGHLIGHT line marks b. Returns the
 * line's seq in b.
 */
uint64_t buffer_add_line(struct buffer_list *bl, struct buffer *b,
    enum line_kind kind, time_t when, const char *prefix, const char *nick,
    const char *text, bool mine);

/*
 * Adds a line with message id where it belongs: at the top (at_top: an
 * older page), else before the first line with a greater id, else at
 * the bottom. Never unread. Returns its seq in b (0: dropped).
 */
uint64_t buffer_insert_line(struct buffer_list *bl, struct buffer *b,
    uint64_t id, bool at_top, enum line_kind kind, time_t when,
    const char *prefix, const char *nick, const char *text);

/* True when b shows (or showed) the message with id. */
bool buffer_id_shown(const struct buffer *b, uint64_t id);

/* Notes that b shows the message with id; false when it already did. */
bool buffer_id_mark(struct buffer *b, uint64_t id);

/* The oldest message id b shows, 0 when none. */
uint64_t buffer_oldest_id(const struct buffer *b);

/* Replaces the members with a sorted copy of names[0..n) (duplicates
 * dropped). */
void buffer_set_members(struct buffer *b, const char *const *names, size_t n);

/* Adds or removes one member; true when the list changed. */
bool buffer_add_member(struct buffer *b, const char *name);
bool buffer_remove_member(struct buffer *b, const char *name);

/* True when name is a member of b. */
bool buffer_has_member(const struct buffer *b, const char *name);

/* Replaces the topic (a copy; NULL clears it). */
void buffer_set_topic(struct buffer *b, const char *topic);

/* "server", "#room" or "@user" into out (BUFFER_LABEL_MAX + 1 bytes). */
void buffer_label(const struct buffer *b, char *out, size_t cap);

/*
 * Buffer i in the bar: "2:#rust(3)*", its number, label, unread count in
 * parentheses and "*" when highlighted; a parted room shows as
 * "(#room)". Names are as they are: sanitize before showing.
 */
void buffer_bar_item(const struct buffer_list *bl, size_t i, char *out,
    size_t cap);

/* The whole bar, "0:server 1:#lobby 2:#rust(3) 3:@bob*": a new string. */
char *buffer_bar(const struct buffer_list *bl);

/*
 * True when text[0..len) names me as a word: the name, compared
 * case-insensitively (ASCII), neither preceded nor followed by a letter,
 * digit or '_'. False for an empty me.
 */
bool buffer_names_me(const char *text, size_t len, const char *me);

/*
 * A name list arriving in parts (PROTOCOL.md section 6): a first part
 * with "more": true, then users messages carrying the same room (or
 * none) until one without more. The parts are concatenated here.
 */
struct name_parts {
	bool open; /* a first part came, the last not yet */
	char room[BUFFER_NAME_MAX + 1]; /* the parts' room, "" when none */
	char **v;			/* the names so far, owned */
	size_t n;
};

/* Starts a list with its first part (copied); room may be NULL. */
void name_parts_start(struct name_parts *np, const char *room,
    const char *const *names, size_t n);

/* Adds a following part when its room matches the first's (NULL = "");
 * false (nothing added) otherwise. */
bool name_parts_add(struct name_parts *np, const char *room,
    const char *const *names, size_t n);

/* Frees the names and closes the list. */
void name_parts_clear(struct name_parts *np);

/* ---- sendq.c ----------------------------------------------------------- */

#define SENDQ_MAX 1024 /* lines queued or in flight; more are refused */

/* One say (to a room; "" is the lobby) or msg (to a user). */
struct sendq_item {
	bool private; /* msg to target, else say in room target */
	bool action;
	char target[BUFFER_NAME_MAX + 1];
	char *text; /* owned */
	size_t len;
};

/*
 * The outgoing say/msg lines, paced by a mirror of the server's token
 * bucket: burst tokens, per_sec more each second. items[head..] holds
 * first the n_sent lines in flight (sent, not yet answered), then the
 * waiting ones.
 */
struct sendq {
	struct sendq_item items[SENDQ_MAX]; /* ring */
	size_t head, count, n_sent;
	unsigned burst, per_sec;
	uint64_t tokens_milli; /* thousandths of a token */
	uint64_t last_ms;      /* the caller's clock at the last refill */
};

/* Prepares an empty queue with a full bucket at now_ms. */
void sendq_init(struct sendq *q, unsigned burst, unsigned per_sec,
    uint64_t now_ms);
/* Frees every line. */
void sendq_free(struct sendq *q);
/* Queues a copy of text[0..len) for target (NULL: ""). Returns 0,
 * SC_ERR_TOO_LONG when the queue is full or SC_ERR_INVALID for a
 * target too long. */
int sendq_push(struct sendq *q, bool private, const char *target, bool action,
    const char *text, size_t len) SC_WUR;
/* Lines waiting (not counting those in flight). */
size_t sendq_waiting(const struct sendq *q);
/* The line to send now (owned by the queue), or NULL when none waits or
 * the bucket is empty. Call sendq_sent() once it went out. */
const struct sendq_item *sendq_next(struct sendq *q, uint64_t now_ms);
/* Milliseconds until sendq_next() gives a line: 0 now, -1 none waits. */
long sendq_wait_ms(struct sendq *q, uint64_t now_ms);
/* The line sendq_next() gave was sent: one token paid, now in flight. */
void sendq_sent(struct sendq *q, uint64_t now_ms);
/* The oldest line in flight was answered (echoed or refused for good):
 * dropped. False when none was in flight. */
bool sendq_answered(struct sendq *q);
/* The oldest line in flight came back rate_limited: it waits again, at
 * the head, and the bucket is empty at now_ms. False when none. */
bool sendq_refused(struct sendq *q, uint64_t now_ms);
/* The connection ended: the lines in flight are dropped. */
void sendq_disconnected(struct sendq *q);

/* ---- search.c ---------------------------------------------------------- */

/*
 * A search of one log (Ctrl-R, /search): the lines whose sanitized text
 * holds the words (ASCII case-insensitive), oldest first; the walk
 * starts at the newest. The matches are those present at the start.
 */
struct search {
	bool active;
	char *text; /* what is searched, owned */
	size_t len;
	uint64_t *seqs; /* the matching lines, oldest first, owned */
	size_t n;
	size_t cur; /* index into seqs of the match shown */
};

/* True when l's text holds text[0..len) (case-insensitive ASCII). */
bool search_line_matches(const struct line *l, const char *text, size_t len);
/* Starts (or restarts) a search of sb; returns the number of matches. */
size_t search_start(struct search *s, const struct scrollback *sb,
    const char *text, size_t len);
/* Ends the search and frees it (safe on a zeroed one). */
void search_end(struct search *s);
/* The seq of the match shown, or 0 (none). */
uint64_t search_current(const struct search *s);
/* Moves to the older (Ctrl-R, Up) or newer (Ctrl-S, Down) match; false
 * at the end (nothing moves). */
bool search_older(struct search *s);
bool search_newer(struct search *s);
/* The status words, "search: text (k of n)" (k = 1 the newest) or
 * "search: text: no match", into out; "" when inactive. */
void search_status(const struct search *s, char *out, size_t cap);
/* Scrolls sb's view so that line seq is at the bottom of the pane. */
void search_show(struct scrollback *sb, uint64_t seq);

/* ---- editor.c ---------------------------------------------------------- */

#define EDITOR_MAX 16384 /* bytes in the input line */

/* The input line: UTF-8 text and a cursor on a character boundary. */
struct editor {
	char buf[EDITOR_MAX + 1];
	size_t len;    /* bytes */
	size_t cursor; /* byte offset */
	bool masked;   /* show '*' per character (passwords) */
};

void editor_clear(struct editor *e);
/* Replaces the text; the cursor goes to the end. */
void editor_set(struct editor *e, const char *s, size_t len);
/* Inserts s[0..len) (valid UTF-8) at the cursor. Returns 0 or
 * SC_ERR_TOO_LONG (nothing inserted). */
int editor_insert(struct editor *e, const char *s, size_t len) SC_WUR;
void editor_left(struct editor *e); /* one character */
void editor_right(struct editor *e);
void editor_home(struct editor *e); /* Ctrl-A, Home */
void editor_end(struct editor *e);  /* Ctrl-E, End */
void editor_backspace(struct editor *e);
void editor_delete(struct editor *e);
void editor_kill_start(struct editor *e); /* Ctrl-U */
void editor_kill_end(struct editor *e);	  /* Ctrl-K */
void editor_kill_word(struct editor *e);  /* Ctrl-W: the word before */
/* Wipes the buffer (sodium_memzero) and clears it: for passwords. */
void editor_wipe(struct editor *e);

/* ---- history.c --------------------------------------------------------- */

#define HISTORY_MAX 500

/* Lines entered, newest last; Up/Down walk them, keeping the draft. */
struct history {
	char *items[HISTORY_MAX];
	size_t count;
	size_t pos;  /* == count: at the draft */
	char *draft; /* what was typed before walking */
};

void history_init(struct history *h);
void history_free(struct history *h);
/* Adds a line (not empty, not the same as the newest); resets the walk. */
void history_add(struct history *h, const char *line);
/* Up: the older entry into e (saving the draft first). False at the top. */
bool history_prev(struct history *h, struct editor *e);
/* Down: the newer entry, or the draft at the bottom. False at the draft. */
bool history_next(struct history *h, struct editor *e);

/* ---- complete.c -------------------------------------------------------- */

/*
 * Tab completion of the word before the cursor: "/com" at the start of
 * the line against the command names, anything else against the user
 * names (case-insensitive prefix); a nick completed at the start of the
 * line gets ": ", elsewhere " ", a command gets " ". Pressing Tab again
 * cycles through the other matches; any other key ends the cycle.
 */
struct completer {
	bool active;
	size_t word_start; /* byte offset of the word being completed */
	char *prefix;	   /* what was typed */
	size_t index;	   /* match shown now */
};

void complete_init(struct completer *c);
void complete_free(struct completer *c);
/* Ends a cycle (any key but Tab). */
void complete_reset(struct completer *c);
/*
 * Completes in e against commands[] and names[] (sorted or not). Returns
 * true when it changed the line.
 */
bool complete_tab(struct completer *c, struct editor *e,
    const char *const *commands, size_t n_commands, const char *const *names,
    size_t n_names);

#endif /* SC_CLIENT_MODEL_H */
