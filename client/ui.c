/*
 * ui.c: the full-screen terminal's drawing: the chat log on the left, the
 * online users on the right, a status line and the input line, drawn with
 * ncursesw from the models (scrollback, editor, online list) every time
 * something changes, so a resize or Ctrl-L loses nothing. Keys are
 * input.c's.
 *
 * Everything from the network passes through sanitize_text() before it
 * reaches a curses call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <sodium.h>

#include "client.h"
#include "utf8.h"
#include "xmalloc.h"

/* Colour pairs. */
enum {
	PAIR_NICK0 = 1, /* 1..6: nick colours */
	PAIR_OWN = 7,
	PAIR_PRIVATE,
	PAIR_NOTICE,
	PAIR_ERROR,
	PAIR_INFO,
	PAIR_STATUS,
	PAIR_TIME,
};
#define NICK_COLOURS 6

static bool has_colour;

/* The attribute of a nick: a stable colour from a hash of the name. */
static attr_t
nick_attr(const char *nick)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	if (nick == NULL)
		return A_BOLD;
	for (p = (const unsigned char *)nick; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	if (!has_colour)
		return A_BOLD;
	return COLOR_PAIR(PAIR_NICK0 + (int)(h % NICK_COLOURS)) | A_BOLD;
}

/* The attribute of a line kind's prefix and of its text. */
static void
kind_attrs(const struct line *l, attr_t *prefix, attr_t *text)
{
	*text = A_NORMAL;
	switch (l->kind) {
	case LINE_CHAT:
		*prefix = nick_attr(l->nick);
		break;
	case LINE_OWN:
		*prefix = has_colour ? COLOR_PAIR(PAIR_OWN) | A_BOLD :
				       A_BOLD | A_UNDERLINE;
		break;
	case LINE_PRIVATE:
		*prefix = has_colour ? COLOR_PAIR(PAIR_PRIVATE) | A_BOLD :
				       A_BOLD | A_UNDERLINE;
		*text = has_colour ? COLOR_PAIR(PAIR_PRIVATE) : A_UNDERLINE;
		break;
	case LINE_NOTICE:
		*prefix =
		    has_colour ? COLOR_PAIR(PAIR_NOTICE) | A_BOLD : A_BOLD;
		*text = has_colour ? COLOR_PAIR(PAIR_NOTICE) : A_BOLD;
		break;
	case LINE_ERROR:
		*prefix =
		    has_colour ? COLOR_PAIR(PAIR_ERROR) | A_BOLD : A_REVERSE;
		*text = has_colour ? COLOR_PAIR(PAIR_ERROR) : A_BOLD;
		break;
	case LINE_INFO:
	default:
		*prefix = has_colour ? COLOR_PAIR(PAIR_INFO) : A_DIM;
		*text = has_colour ? COLOR_PAIR(PAIR_INFO) : A_DIM;
		break;
	}
}

/* Adds one line to the log (or in batch mode, a remark to stderr). */
static void
add_line(struct client *c, enum line_kind kind, time_t when, const char *nick,
    const char *prefix_body, const char *text)
{
	char ts[EVENT_STAMP_SIZE], *prefix;

	if (c->batch) {
		/* Local remarks go to stderr; events were printed already. */
		if (kind == LINE_ERROR || kind == LINE_INFO ||
		    kind == LINE_NOTICE)
			batch_remark(text);
		return;
	}
	events_stamp(ts, when);
	prefix = xasprintf("%s%s", ts, prefix_body);
	scrollback_add(&c->sb, kind, when, prefix, nick, text);
	free(prefix);
	ui_redraw(c, false);
}

/* A remark of the client, printf-style, as long as it needs to be. */
void
ui_line(struct client *c, enum line_kind kind, time_t when, const char *nick,
    const char *fmt, ...)
{
	char *raw, *clean, *snick = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) == -1)
		xnomem();
	va_end(ap);
	clean = sanitize_dup(raw, strlen(raw), false);
	if (nick != NULL)
		snick = sanitize_dup(nick, strlen(nick), false);
	add_line(c, kind, when, snick, scrollback_mark(kind), clean);
	free(raw);
	free(clean);
	free(snick);
}

/* A server event (already sanitized by events.c). */
void
ui_event(struct client *c, const struct event_view *v)
{
	if (v->shown)
		add_line(c, v->kind, v->when, v->nick, v->prefix, v->text);
}

/* The online list changed: keep the sidebar position sane. */
void
ui_users_changed(struct client *c)
{
	if (c->sidebar_top > c->n_online)
		c->sidebar_top = c->n_online;
	ui_redraw(c, false);
}

/* ---- drawing ----------------------------------------------------------- */

/* Computes where everything goes for the terminal size. */
void
ui_layout(struct ui_layout *lo)
{
	getmaxyx(stdscr, lo->rows, lo->cols);
	lo->chat_h = lo->rows - 2;
	if (lo->chat_h < 1)
		lo->chat_h = 1;
	if (lo->cols >= CLIENT_SIDEBAR_MIN_COLS) {
		lo->side_w = CLIENT_SIDEBAR_WIDTH;
		lo->chat_w = lo->cols - lo->side_w - 1;
		lo->side_x = lo->chat_w + 1;
	} else {
		lo->side_w = 0;
		lo->chat_w = lo->cols;
		lo->side_x = lo->cols;
	}
	if (lo->chat_w < 1)
		lo->chat_w = 1;
}

/* Draws s[0..len) at (y, x) with attr. */
static void
put(int y, int x, const char *s, size_t len, attr_t attr)
{
	if (len == 0)
		return;
	attrset(attr);
	mvaddnstr(y, x, s, (int)len);
	attrset(A_NORMAL);
}

/* Draws one wrapped row of a line, colouring the prefix parts. */
static void
draw_row(int y, const struct line *l, const char *full, size_t ts_len,
    size_t prefix_len, const struct wrap_row *r)
{
	attr_t pa, ta, ts = has_colour ? COLOR_PAIR(PAIR_TIME) : A_DIM;
	size_t a = r->off, b = r->off + r->len, cut;
	int x = (int)r->indent;

	kind_attrs(l, &pa, &ta);
	while (a < b) {
		attr_t at;

		if (a < ts_len) {
			cut = ts_len < b ? ts_len : b;
			at = ts;
		} else if (a < prefix_len) {
			cut = prefix_len < b ? prefix_len : b;
			at = pa;
		} else {
			cut = b;
			at = ta;
		}
		put(y, x, full + a, cut - a, at);
		x += (int)wrap_width(full + a, cut - a);
		a = cut;
	}
}

/* Draws the chat log from the view's bottom line upward. */
static void
draw_chat(struct client *c, const struct ui_layout *lo)
{
	const struct line *l;
	struct wrap_row *rows;
	uint64_t seq, first;
	size_t skip, n, i, plen, tlen, pw;
	char *full;
	int y = lo->chat_h - 1;

	if (!scrollback_view(&c->sb, &seq, &skip))
		return;
	first = scrollback_first(&c->sb);
	for (; y >= 0 && seq >= first; seq--) {
		if ((l = scrollback_get(&c->sb, seq)) == NULL)
			break;
		plen = strlen(l->prefix);
		tlen = strlen(l->text);
		full = xmalloc(plen + tlen + 1);
		memcpy(full, l->prefix, plen);
		memcpy(full + plen, l->text, tlen + 1);
		pw = wrap_width(l->prefix, plen);
		n = wrap_text(full, plen + tlen, (size_t)lo->chat_w, pw, NULL,
		    0);
		rows = xcalloc(n, sizeof *rows);
		wrap_text(full, plen + tlen, (size_t)lo->chat_w, pw, rows, n);
		/* The stamp "[HH:MM] " is the first bytes of the prefix. */
		for (i = n > skip ? n - skip : 0; i > 0 && y >= 0; i--, y--)
			draw_row(y, l, full,
			    plen >= EVENT_STAMP_LEN ? EVENT_STAMP_LEN : plen,
			    plen, &rows[i - 1]);
		skip = 0;
		free(rows);
		free(full);
	}
}

/* Draws the sidebar: title with the count, names, scroll markers. */
static void
draw_sidebar(struct client *c, const struct ui_layout *lo)
{
	char title[64], mark[64], *name;
	int y, avail, shown, above, below;
	size_t i, top, w, len, full;
	attr_t at;

	if (lo->side_w == 0)
		return;
	attrset(has_colour ? COLOR_PAIR(PAIR_INFO) : A_NORMAL);
	mvvline(0, lo->side_x - 1, ACS_VLINE, lo->chat_h);
	attrset(A_NORMAL);
	snprintf(title, sizeof title, "Online (%zu)", c->n_online);
	put(0, lo->side_x, title, strlen(title), A_BOLD);

	avail = lo->chat_h - 1;
	if (avail <= 0)
		return;
	/* Clamp the scroll position, then leave room for markers. */
	top = c->sidebar_top;
	if (c->n_online <= (size_t)avail)
		top = 0;
	else if (top > c->n_online - (size_t)avail + 1)
		top = c->n_online - (size_t)avail + 1;
	c->sidebar_top = top;
	above = (int)top;
	shown = avail - (above > 0 ? 1 : 0);
	below = (int)c->n_online - above - shown;
	if (below > 0)
		shown--, below++;
	if (shown < 0)
		shown = 0;
	y = 1;
	if (above > 0) {
		snprintf(mark, sizeof mark, "\xe2\x86\x91 %d more", above);
		put(y++, lo->side_x, mark, strlen(mark), A_DIM);
	}
	for (i = top; i < c->n_online && y < 1 + (above > 0) + shown; i++) {
		name = sanitize_dup(c->online[i], strlen(c->online[i]), false);
		len = full = strlen(name);
		w = (size_t)lo->side_w - 1;
		/* Cut to the column width on a character boundary. */
		while (wrap_width(name, len) > w && len > 0)
			len = utf8_cut(name, full, len - 1);
		at = strcmp(c->online[i], c->me) == 0 ?
		    A_BOLD | A_UNDERLINE :
		    nick_attr(c->online[i]) & ~A_BOLD;
		put(y++, lo->side_x + 1, name, len, at);
		free(name);
	}
	if (below > 0) {
		snprintf(mark, sizeof mark, "\xe2\x86\x93 %d more", below);
		put(lo->chat_h - 1, lo->side_x, mark, strlen(mark), A_DIM);
	}
}

/* The connection state in words. */
static const char *
state_words(struct client *c)
{
	switch (c->state) {
	case CONN_IDLE:
		return c->key_refused ? "KEY REFUSED" : "disconnected";
	case CONN_WAITING:
		return "disconnected, retrying";
	case CONN_CONNECTING:
		return "connecting";
	case CONN_HANDSHAKE:
		return "handshake";
	case CONN_OPEN:
		return "connected";
	case CONN_LOGGING_IN:
		return "logging in";
	case CONN_LOGGED_IN:
		return "logged in";
	}
	return "?";
}

/* The status line. */
static void
draw_status(struct client *c, const struct ui_layout *lo)
{
	char left[512], right[64];
	attr_t at = has_colour ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE;
	size_t l, r;
	int y = lo->chat_h;

	snprintf(left, sizeof left, " %s:%u | %s | key %s | %s", c->host,
	    c->port, state_words(c),
	    c->server_short[0] != '\0' ? c->server_short : "?",
	    c->me[0] != '\0' ? c->me : "-");
	right[0] = '\0';
	if (!c->sb.at_bottom) {
		if (c->sb.unseen > 0)
			snprintf(right, sizeof right, "-- MORE (%zu new) -- ",
			    c->sb.unseen);
		else
			snprintf(right, sizeof right, "-- SCROLLED -- ");
	}
	attrset(at);
	mvhline(y, 0, ' ', lo->cols);
	l = strlen(left);
	r = strlen(right);
	if ((int)l > lo->cols)
		l = (size_t)lo->cols;
	mvaddnstr(y, 0, left, (int)l);
	if (r > 0 && (int)(l + r) <= lo->cols)
		mvaddnstr(y, lo->cols - (int)r, right, (int)r);
	else if (r > 0)
		mvaddnstr(y, 0, right, lo->cols);
	attrset(A_NORMAL);
}

/* The input line, scrolled horizontally to keep the cursor visible. */
static void
draw_input(struct client *c, const struct ui_layout *lo)
{
	char prompt[96], *shown;
	size_t plen, pw, start = 0, cur_w, i, n;
	int y = lo->rows - 1, avail;

	if (c->prompting)
		snprintf(prompt, sizeof prompt,
		    "password for %s: ", c->prompt_user);
	else
		snprintf(prompt, sizeof prompt, "> ");
	plen = strlen(prompt);
	pw = wrap_width(prompt, plen);
	move(y, 0);
	clrtoeol();
	put(y, 0, prompt, plen, A_BOLD);
	avail = lo->cols - (int)pw - 1;
	if (avail < 1)
		return;

	/* What to show: the text, or one '*' per character when masked. */
	if (c->ed.masked) {
		for (n = 0, i = 0; i < c->ed.len;
		     i += wrap_char_len(c->ed.buf + i, c->ed.len - i))
			n++;
		shown = xmalloc(n + 1);
		memset(shown, '*', n);
		shown[n] = '\0';
		for (cur_w = 0, i = 0; i < c->ed.cursor;
		     i += wrap_char_len(c->ed.buf + i, c->ed.len - i))
			cur_w++;
	} else {
		shown = sanitize_dup(c->ed.buf, c->ed.len, false);
		cur_w = wrap_width(c->ed.buf, c->ed.cursor);
	}
	/* Scroll so the cursor column fits. */
	n = strlen(shown);
	while (cur_w - wrap_width(shown, start) >= (size_t)avail && start < n)
		start += wrap_char_len(shown + start, n - start);
	i = start;
	while (i < n &&
	    wrap_width(shown + start, i - start) +
		    (size_t)wrap_char_width(shown + i, n - i) <=
		(size_t)avail)
		i += wrap_char_len(shown + i, n - i);
	put(y, (int)pw, shown + start, i - start, A_NORMAL);
	move(y, (int)(pw + cur_w - wrap_width(shown, start)));
	if (c->ed.masked)
		sodium_memzero(shown, n);
	free(shown);
}

/* Redraws the screen from the models. */
void
ui_redraw(struct client *c, bool full)
{
	struct ui_layout lo;

	if (!c->ui_active)
		return;
	if (full)
		clearok(curscr, TRUE);
	ui_layout(&lo);
	erase();
	draw_chat(c, &lo);
	draw_sidebar(c, &lo);
	draw_status(c, &lo);
	draw_input(c, &lo);
	refresh();
}

/* Starts curses. */
bool
ui_start(struct client *c)
{
	if (initscr() == NULL)
		return false;
	c->ui_active = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	mousemask(BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		| BUTTON5_PRESSED
#endif
	    ,
	    NULL);
	has_colour = c->color && has_colors() && start_color() == OK;
	if (has_colour) {
		static const short nick_colours[NICK_COLOURS] = {
			COLOR_GREEN,
			COLOR_YELLOW,
			COLOR_BLUE,
			COLOR_MAGENTA,
			COLOR_CYAN,
			COLOR_RED,
		};
		int i;

		use_default_colors();
		for (i = 0; i < NICK_COLOURS; i++)
			init_pair((short)(PAIR_NICK0 + i), nick_colours[i], -1);
		init_pair(PAIR_OWN, COLOR_WHITE, -1);
		init_pair(PAIR_PRIVATE, COLOR_MAGENTA, -1);
		init_pair(PAIR_NOTICE, COLOR_YELLOW, -1);
		init_pair(PAIR_ERROR, COLOR_RED, -1);
		init_pair(PAIR_INFO, COLOR_CYAN, -1);
		init_pair(PAIR_STATUS, COLOR_WHITE, COLOR_BLUE);
		init_pair(PAIR_TIME, COLOR_BLUE, -1);
	}
	ui_redraw(c, true);
	return true;
}

/* Restores the terminal. */
void
ui_stop(struct client *c)
{
	if (!c->ui_active)
		return;
	c->ui_active = false;
	endwin();
}
