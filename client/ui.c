/*
 * ui.c: the full-screen terminal's drawing: the buffer bar on top, the
 * current buffer's log on the left and its members on the right, a
 * status line and the input line, drawn with ncursesw from the models
 * (buffers, editor, online list) every time something changes, so a
 * resize or Ctrl-L loses nothing. Keys are input.c's.
 *
 * Everything from the network passes through sanitize_text() before it
 * reaches a curses call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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
	PAIR_HIGHLIGHT,
	PAIR_BAR,
};
#define NICK_COLOURS 6
#define PASTE_ON     "\033[?2004h" /* bracketed paste on */
#define PASTE_OFF    "\033[?2004l"

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
	case LINE_HIGHLIGHT:
		*prefix = has_colour ? COLOR_PAIR(PAIR_HIGHLIGHT) | A_BOLD :
				       A_REVERSE | A_BOLD;
		*text =
		    has_colour ? COLOR_PAIR(PAIR_HIGHLIGHT) | A_BOLD : A_BOLD;
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

/* Adds one line to buffer b's log (or in batch mode, a remark to
 * stderr). */
static void
add_line(struct client *c, struct buffer *b, enum line_kind kind, time_t when,
    const char *nick, const char *prefix_body, const char *text, bool mine)
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
	buffer_add_line(&c->bufs, b, kind, when, prefix, nick, text, mine);
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
	add_line(c, buffer_current(&c->bufs), kind, when, snick,
	    scrollback_mark(kind), clean, false);
	free(raw);
	free(clean);
	free(snick);
}

/* A remark of the client in buffer b, printf-style. */
void
ui_line_in(struct client *c, struct buffer *b, enum line_kind kind,
    const char *fmt, ...)
{
	char *raw, *clean;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) == -1)
		xnomem();
	va_end(ap);
	clean = sanitize_dup(raw, strlen(raw), false);
	add_line(c, b != NULL ? b : buffer_current(&c->bufs), kind, time(NULL),
	    NULL, scrollback_mark(kind), clean, false);
	free(raw);
	free(clean);
}

/* A server event (already sanitized by events.c). */
void
ui_event(struct client *c, struct buffer *b, const struct event_view *v)
{
	if (v->shown)
		add_line(c, b, v->kind, v->when, v->nick, v->prefix, v->text,
		    v->mine);
}

/* One bell for a line naming us. */
void
ui_bell(struct client *c)
{
	if (c->bell && c->ui_active)
		beep();
}

/* Makes buffer i current. */
void
ui_select_buffer(struct client *c, size_t i)
{
	if (i >= c->bufs.n)
		return;
	buffer_select(&c->bufs, i);
	c->sidebar_top = 0;
	search_end(&c->search); /* its matches were the other log's */
	ui_redraw(c, false);
}

/* The names the sidebar shows: the current buffer's members, or in the
 * server buffer everyone online. */
static char *const *
side_names(struct client *c, size_t *n)
{
	struct buffer *b = buffer_current(&c->bufs);

	if (b->kind == BUFFER_SERVER) {
		*n = c->n_online;
		return c->online;
	}
	*n = b->n_members;
	return b->members;
}

/* The online list changed: keep the sidebar position sane. */
void
ui_users_changed(struct client *c)
{
	size_t n;

	side_names(c, &n);
	if (c->sidebar_top > n)
		c->sidebar_top = n;
	ui_redraw(c, false);
}

/* ---- drawing ----------------------------------------------------------- */

/* Computes where everything goes for the terminal size. */
void
ui_layout(struct ui_layout *lo)
{
	getmaxyx(stdscr, lo->rows, lo->cols);
	lo->chat_y = 1; /* under the buffer bar */
	lo->chat_h = lo->rows - 3;
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
	const struct scrollback *sb = &buffer_current(&c->bufs)->sb;
	const struct line *l;
	struct wrap_row *rows;
	uint64_t seq, first;
	size_t skip, n, i, plen, tlen, pw;
	char *full;
	int y = lo->chat_h - 1;

	if (!scrollback_view(sb, &seq, &skip))
		return;
	first = scrollback_first(sb);
	for (; y >= 0 && seq >= first; seq--) {
		if ((l = scrollback_get(sb, seq)) == NULL)
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
		/* The stamp ("[HH:MM] ") is the first bytes of the prefix. */
		for (i = n > skip ? n - skip : 0; i > 0 && y >= 0; i--, y--)
			draw_row(lo->chat_y + y, l, full,
			    plen >= events_stamp_len() ? events_stamp_len() :
							 plen,
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
	struct buffer *b = buffer_current(&c->bufs);
	char title[BUFFER_LABEL_MAX + 64], label[BUFFER_LABEL_MAX + 1];
	char mark[64], *name, *stitle;
	char *const *names;
	int y, avail, shown, above, below;
	size_t i, top, w, len, full, count;
	attr_t at;

	if (lo->side_w == 0)
		return;
	names = side_names(c, &count);
	attrset(has_colour ? COLOR_PAIR(PAIR_INFO) : A_NORMAL);
	mvvline(lo->chat_y, lo->side_x - 1, ACS_VLINE, lo->chat_h);
	attrset(A_NORMAL);
	buffer_label(b, label, sizeof label);
	if (b->kind == BUFFER_SERVER)
		snprintf(title, sizeof title, "Online (%zu)", count);
	else
		snprintf(title, sizeof title, "%s (%zu)", label, count);
	stitle = sanitize_dup(title, strlen(title), false);
	len = full = strlen(stitle);
	while (wrap_width(stitle, len) > (size_t)lo->side_w && len > 0)
		len = utf8_cut(stitle, full, len - 1);
	put(lo->chat_y, lo->side_x, stitle, len, A_BOLD);
	free(stitle);

	avail = lo->chat_h - 1;
	if (avail <= 0)
		return;
	/* Clamp the scroll position, then leave room for markers. */
	top = c->sidebar_top;
	if (count <= (size_t)avail)
		top = 0;
	else if (top > count - (size_t)avail + 1)
		top = count - (size_t)avail + 1;
	c->sidebar_top = top;
	above = (int)top;
	shown = avail - (above > 0 ? 1 : 0);
	below = (int)count - above - shown;
	if (below > 0)
		shown--, below++;
	if (shown < 0)
		shown = 0;
	y = lo->chat_y + 1;
	if (above > 0) {
		snprintf(mark, sizeof mark, "\xe2\x86\x91 %d more", above);
		put(y++, lo->side_x, mark, strlen(mark), A_DIM);
	}
	for (i = top; i < count && y < lo->chat_y + 1 + (above > 0) + shown;
	     i++) {
		name = sanitize_dup(names[i], strlen(names[i]), false);
		len = full = strlen(name);
		w = (size_t)lo->side_w - 1;
		/* Cut to the column width on a character boundary. */
		while (wrap_width(name, len) > w && len > 0)
			len = utf8_cut(name, full, len - 1);
		at = strcmp(names[i], c->me) == 0 ?
		    A_BOLD | A_UNDERLINE :
		    nick_attr(names[i]) & ~A_BOLD;
		put(y++, lo->side_x + 1, name, len, at);
		free(name);
	}
	if (below > 0) {
		snprintf(mark, sizeof mark, "\xe2\x86\x93 %d more", below);
		put(lo->chat_y + lo->chat_h - 1, lo->side_x, mark, strlen(mark),
		    A_DIM);
	}
}

/* The connection state in words. */
static const char *
state_words(struct client *c)
{
	switch (c->state) {
	case CONN_IDLE:
		if (c->asking_key)
			return "new server key: trust it? (y/n)";
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
	struct buffer *b = buffer_current(&c->bufs);
	char left[1024], right[160], label[BUFFER_LABEL_MAX + 1], *clean;
	attr_t at = has_colour ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE;
	size_t l, r;
	int y = lo->chat_y + lo->chat_h;

	buffer_label(b, label, sizeof label);
	snprintf(left, sizeof left, " %s:%u | %s | key %s | %s | %s%s%s%s",
	    c->host, c->port, state_words(c),
	    c->server_short[0] != '\0' ? c->server_short : "?",
	    c->me[0] != '\0' ? c->me : "-", label, b->parted ? " (left)" : "",
	    b->topic != NULL && b->topic[0] != '\0' ? ": " : "",
	    b->topic != NULL ? b->topic : "");
	/* The host, names and topic came from outside: one clean line. */
	clean = sanitize_dup(left, strlen(left), false);
	snprintf(left, sizeof left, "%s", clean);
	free(clean);
	right[0] = '\0';
	if (c->search.active) {
		char st[sizeof right - 2];

		if (c->search.len == 0)
			snprintf(st, sizeof st, "search (type the words)");
		else
			search_status(&c->search, st, sizeof st);
		clean = sanitize_dup(st, strlen(st), false);
		snprintf(right, sizeof right, "%s ", clean);
		free(clean);
	} else if (outq_waiting(c) > 0)
		snprintf(right, sizeof right, "%zu queued ", outq_waiting(c));
	if (!b->sb.at_bottom) {
		r = strlen(right);
		if (b->sb.unseen > 0)
			snprintf(right + r, sizeof right - r,
			    "-- MORE (%zu new) -- ", b->sb.unseen);
		else
			snprintf(right + r, sizeof right - r,
			    "-- SCROLLED -- ");
	}
	attrset(at);
	mvhline(y, 0, ' ', lo->cols);
	l = strlen(left);
	r = strlen(right);
	while (wrap_width(left, l) > (size_t)lo->cols && l > 0)
		l = utf8_cut(left, strlen(left), l - 1);
	mvaddnstr(y, 0, left, (int)l);
	if (r > 0 && (int)(l + r) <= lo->cols)
		mvaddnstr(y, lo->cols - (int)r, right, (int)r);
	else if (r > 0)
		mvaddnstr(y, 0, right, lo->cols);
	attrset(A_NORMAL);
}

/* The buffer bar: every buffer with its number and marks; the current
 * one in bold, the highlighted ones in their colour. */
static void
draw_bar(struct client *c, const struct ui_layout *lo)
{
	attr_t base = has_colour ? COLOR_PAIR(PAIR_BAR) : A_REVERSE, at;
	char item[BUFFER_BAR_ITEM_MAX + 1], *s;
	const struct buffer *b;
	size_t i, len, w;
	int x = 0;

	attrset(base);
	mvhline(0, 0, ' ', lo->cols);
	attrset(A_NORMAL);
	for (i = 0; i < c->bufs.n && x < lo->cols; i++) {
		b = c->bufs.v[i];
		item[0] = ' ';
		buffer_bar_item(&c->bufs, i, item + (i > 0),
		    sizeof item - (i > 0));
		s = sanitize_dup(item, strlen(item), false);
		len = strlen(s);
		while ((w = wrap_width(s, len)) > (size_t)(lo->cols - x) &&
		    len > 0)
			len = utf8_cut(s, strlen(s), len - 1);
		at = base;
		if (i == c->bufs.current)
			at |= A_BOLD | A_UNDERLINE;
		else if (b->highlight && has_colour)
			at = COLOR_PAIR(PAIR_HIGHLIGHT) | A_BOLD;
		else if (b->unread > 0)
			at |= A_BOLD;
		put(0, x, s, len, at);
		x += (int)wrap_width(s, len);
		free(s);
	}
}

/* The input line, scrolled horizontally to keep the cursor visible. */
static void
draw_input(struct client *c, const struct ui_layout *lo)
{
	const struct editor *ed = c->search.active ? &c->search_ed : &c->ed;
	char prompt[96], *shown;
	size_t plen, pw, start = 0, cur_w, i, n;
	int y = lo->rows - 1, avail;

	if (c->asking_key || c->confirm_lines > 0) {
		if (c->asking_key)
			snprintf(prompt, sizeof prompt,
			    "trust this server key and connect? (y/n) ");
		else
			snprintf(prompt, sizeof prompt,
			    "send %zu lines? (y/n) ", c->confirm_lines);
		move(y, 0);
		clrtoeol();
		put(y, 0, prompt, strlen(prompt), A_BOLD);
		return;
	}
	if (c->search.active)
		snprintf(prompt, sizeof prompt, "search: ");
	else if (c->prompting)
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
	if (ed->masked) {
		for (n = 0, i = 0; i < ed->len;
		     i += wrap_char_len(ed->buf + i, ed->len - i))
			n++;
		shown = xmalloc(n + 1);
		memset(shown, '*', n);
		shown[n] = '\0';
		for (cur_w = 0, i = 0; i < ed->cursor;
		     i += wrap_char_len(ed->buf + i, ed->len - i))
			cur_w++;
	} else {
		shown = sanitize_dup(ed->buf, ed->len, false);
		cur_w = wrap_width(ed->buf, ed->cursor);
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
	if (ed->masked)
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
	draw_bar(c, &lo);
	draw_chat(c, &lo);
	draw_sidebar(c, &lo);
	draw_status(c, &lo);
	draw_input(c, &lo);
	refresh();
}

/* Ctrl-S and Ctrl-Q reach the client (Ctrl-S: the newer search match)
 * instead of pausing the terminal. */
static void
no_flow_control(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &t) != 0)
		return;
	t.c_iflag &= ~(tcflag_t)IXON;
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* Starts curses. */
bool
ui_start(struct client *c)
{
	if (initscr() == NULL)
		return false;
	c->ui_active = true;
	cbreak();
	no_flow_control();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	/* The mouse only when asked: captured, the terminal's own
	 * selection needs Shift. */
	if (c->mouse)
		mousemask(BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
			| BUTTON5_PRESSED
#endif
		    ,
		    NULL);
	/* Bracketed paste: a pasted block comes between marks, so its
	 * lines make one message instead of one each. */
	fputs(PASTE_ON, stdout);
	fflush(stdout);
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
		init_pair(PAIR_HIGHLIGHT, COLOR_YELLOW, -1);
		init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
	}
	/* Alt+Left and Alt+Right as xterm, tmux and rxvt send them. */
	define_key("\033[1;3D", CLIENT_KEY_ALT_LEFT);
	define_key("\033[1;3C", CLIENT_KEY_ALT_RIGHT);
	define_key("\033[1;9D", CLIENT_KEY_ALT_LEFT);
	define_key("\033[1;9C", CLIENT_KEY_ALT_RIGHT);
	define_key("\033\033[D", CLIENT_KEY_ALT_LEFT);
	define_key("\033\033[C", CLIENT_KEY_ALT_RIGHT);
	define_key("\033[200~", CLIENT_KEY_PASTE_START);
	define_key("\033[201~", CLIENT_KEY_PASTE_END);
	/* Alt+PgUp/PgDn/Up/Down scroll the sidebar (F11/F12 may be the
	 * terminal's); Alt+End and Ctrl-End jump the log to the bottom. */
	define_key("\033[5;3~", CLIENT_KEY_ALT_PPAGE);
	define_key("\033[6;3~", CLIENT_KEY_ALT_NPAGE);
	define_key("\033[1;3A", CLIENT_KEY_ALT_UP);
	define_key("\033[1;3B", CLIENT_KEY_ALT_DOWN);
	define_key("\033[1;3F", CLIENT_KEY_ALT_END);
	define_key("\033[1;5F", CLIENT_KEY_CTRL_END);
	define_key("\033[8;5~", CLIENT_KEY_CTRL_END);
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
	fputs(PASTE_OFF, stdout);
	fflush(stdout);
}
