/*
 * input.c: the keyboard: keys and the mouse wheel arrive through libevent
 * on stdin (securechat.c), edit the input line, walk the history, scroll
 * the current buffer, switch buffers (Alt+0..9, Alt+Left/Right, Ctrl-N,
 * Ctrl-P), complete, search the log (Ctrl-R), take a bracketed paste
 * as one message of several lines (asking first for more than
 * CLIENT_PASTE_CONFIRM), and Enter runs the line (cmd.c) or answers the
 * masked password prompt. Drawing is ui.c's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "client.h"

/* Starts the masked password prompt. */
void
input_prompt_password(struct client *c, const char *user)
{
	if (c->batch)
		return;
	snprintf(c->prompt_user, sizeof c->prompt_user, "%s", user);
	editor_wipe(&c->ed);
	c->ed.masked = true;
	c->prompting = true;
	ui_redraw(c, false);
}

/* The current buffer's log. */
static struct scrollback *
current_log(struct client *c)
{
	return &buffer_current(&c->bufs)->sb;
}

/* The lines of the input (a paste keeps its line feeds). */
static size_t
input_lines(const struct editor *e)
{
	size_t i, n = 1;

	for (i = 0; i < e->len; i++)
		n += e->buf[i] == '\n';
	return n;
}

/* Enter: submit the password, or run the line (a long paste is
 * confirmed first unless confirmed). */
static void
submit(struct client *c, bool confirmed)
{
	size_t lines;

	const struct cmd_entry *e;
	char *hist;
	bool secret;

	if (c->prompting) {
		c->prompting = false;
		c->ed.masked = false;
		if (c->ed.len == 0 ||
		    !text_password_valid(c->ed.buf, c->ed.len)) {
			ui_line(c, LINE_ERROR, time(NULL), NULL,
			    "no password entered: not logging in");
			editor_wipe(&c->ed);
			return;
		}
		net_keep_credentials(c, c->prompt_user, c->ed.buf, c->ed.len);
		editor_wipe(&c->ed);
		if (c->state == CONN_OPEN)
			net_login(c);
		return;
	}
	/* A paste's last line feeds end nothing: dropped. */
	editor_end(&c->ed);
	while (c->ed.len > 0 && (c->ed.buf[c->ed.len - 1] == '\n'))
		editor_backspace(&c->ed);
	if (c->ed.len == 0)
		return;
	lines = input_lines(&c->ed);
	if (lines > CLIENT_PASTE_CONFIRM && !confirmed) {
		c->confirm_lines = lines;
		return;
	}
	/* Never keep a secret (a password) in the history. */
	e = cmd_of_line(c->ed.buf, c->ed.len);
	secret = e != NULL && (e->flags & CMD_SECRET);
	hist = cmd_history_line(c->ed.buf, c->ed.len);
	history_add(&c->hist, hist);
	free(hist);
	/* A line that is too long stays in the editor to be fixed. */
	if (c->ed.buf[0] != '/' &&
	    text_check(c->ed.buf, c->ed.len, SC_TEXT_MAX_LEN, false) ==
		TEXT_TOO_LONG) {
		cmd_run(c, c->ed.buf, c->ed.len);
		return;
	}
	cmd_run(c, c->ed.buf, c->ed.len);
	if (secret)
		editor_wipe(&c->ed);
	else
		editor_clear(&c->ed);
	scrollback_bottom(current_log(c));
}

/* Shows the current match of the search in the current log. */
static void
search_jump(struct client *c)
{
	search_show(current_log(c), search_current(&c->search));
}

/* Starts (or restarts) searching the current log for text[0..len). */
void
input_search(struct client *c, const char *text, size_t len)
{
	if (!c->search.active)
		editor_clear(&c->search_ed);
	if (text != NULL && (text != c->search_ed.buf))
		editor_set(&c->search_ed, text, len);
	(void)search_start(&c->search, current_log(c), c->search_ed.buf,
	    c->search_ed.len);
	search_jump(c);
}

/* A key while searching: Ctrl-R/Up older, Ctrl-S/Down newer, Enter
 * ends there, Esc ends back at the bottom; text edits the words. */
static void
search_key(struct client *c, int rc, wint_t k)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	if ((rc == OK && k == 18) || (rc == KEY_CODE_YES && k == KEY_UP)) {
		if (search_older(&c->search))
			search_jump(c);
		return;
	}
	if ((rc == OK && k == 19) || (rc == KEY_CODE_YES && k == KEY_DOWN)) {
		if (search_newer(&c->search))
			search_jump(c);
		return;
	}
	if ((rc == OK && (k == '\r' || k == '\n')) ||
	    (rc == KEY_CODE_YES && k == KEY_ENTER)) {
		search_end(&c->search);
		return;
	}
	if (rc == OK && k == 27) {
		search_end(&c->search);
		scrollback_bottom(current_log(c));
		return;
	}
	if ((rc == OK && (k == 8 || k == 127)) ||
	    (rc == KEY_CODE_YES && k == KEY_BACKSPACE)) {
		editor_backspace(&c->search_ed);
		input_search(c, c->search_ed.buf, c->search_ed.len);
		return;
	}
	if (rc == KEY_CODE_YES && k == KEY_RESIZE) {
		ui_redraw(c, true);
		return;
	}
	if (rc != OK || k < 0x20 || (k >= 0x7f && k < 0xa0))
		return;
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)k, &st);
	if (n == (size_t)-1 || editor_insert(&c->search_ed, mb, n) != 0)
		return;
	input_search(c, c->search_ed.buf, c->search_ed.len);
}

/* The answer to "trust this server key and connect? (y/n)". */
static void
trust_key(struct client *c, int rc, wint_t k)
{
	if (rc == OK && (k == 'y' || k == 'Y'))
		net_trust_answer(c, true);
	else if (rc == OK && (k == 'n' || k == 'N' || k == 27))
		net_trust_answer(c, false);
}

/* The answer to "send N lines? (y/n)". */
static void
confirm_key(struct client *c, int rc, wint_t k)
{
	if (rc == OK && (k == 'y' || k == 'Y')) {
		c->confirm_lines = 0;
		submit(c, true);
	} else if (rc == OK && (k == 'n' || k == 'N' || k == 27)) {
		c->confirm_lines = 0;
		ui_line(c, LINE_INFO, time(NULL), NULL,
		    "not sent: the lines stay in the input line");
	}
}

/* Scrolls the sidebar by delta names. */
static void
scroll_sidebar(struct client *c, long delta)
{
	struct buffer *b = buffer_current(&c->bufs);
	long top = (long)c->sidebar_top + delta;
	long n = (long)(b->kind == BUFFER_SERVER ? c->n_online : b->n_members);

	if (top < 0)
		top = 0;
	if (top > n)
		top = n;
	c->sidebar_top = (size_t)top;
}

/* A function key or other curses key code. */
static void
key_code(struct client *c, wint_t k)
{
	struct ui_layout lo;
	MEVENT me;

	ui_layout(&lo);
	switch (k) {
	case KEY_LEFT:
		editor_left(&c->ed);
		break;
	case KEY_RIGHT:
		editor_right(&c->ed);
		break;
	case KEY_HOME:
		editor_home(&c->ed);
		break;
	case KEY_END:
		editor_end(&c->ed);
		scrollback_bottom(current_log(c));
		break;
	case KEY_BACKSPACE:
		editor_backspace(&c->ed);
		break;
	case KEY_DC:
		editor_delete(&c->ed);
		break;
	case KEY_UP:
		if (!c->prompting)
			history_prev(&c->hist, &c->ed);
		break;
	case KEY_DOWN:
		if (!c->prompting)
			history_next(&c->hist, &c->ed);
		break;
	case KEY_PPAGE:
		scrollback_scroll(current_log(c), lo.chat_h - 1,
		    (size_t)lo.chat_w);
		events_scrolled_up(c, (size_t)lo.chat_w, (size_t)lo.chat_h);
		break;
	case KEY_NPAGE:
		scrollback_scroll(current_log(c), -(long)(lo.chat_h - 1),
		    (size_t)lo.chat_w);
		break;
	case KEY_F(11):
	case CLIENT_KEY_ALT_PPAGE:
	case CLIENT_KEY_ALT_UP:
		scroll_sidebar(c, -(long)(lo.chat_h - 2));
		break;
	case KEY_F(12):
	case CLIENT_KEY_ALT_NPAGE:
	case CLIENT_KEY_ALT_DOWN:
		scroll_sidebar(c, lo.chat_h - 2);
		break;
	case CLIENT_KEY_ALT_END:
	case CLIENT_KEY_CTRL_END:
		scrollback_bottom(current_log(c));
		break;
	case CLIENT_KEY_PASTE_START:
		c->pasting = true;
		break;
	case CLIENT_KEY_PASTE_END:
		c->pasting = false;
		break;
	case KEY_ENTER:
		submit(c, false);
		break;
	case CLIENT_KEY_ALT_LEFT:
		buffer_select_next(&c->bufs, -1);
		c->sidebar_top = 0;
		break;
	case CLIENT_KEY_ALT_RIGHT:
		buffer_select_next(&c->bufs, 1);
		c->sidebar_top = 0;
		break;
	case KEY_RESIZE:
		ui_redraw(c, true);
		return;
	case KEY_MOUSE:
		if (getmouse(&me) != OK)
			break;
		if (me.bstate & (BUTTON4_PRESSED)) {
			if (lo.side_w > 0 && me.x >= lo.side_x)
				scroll_sidebar(c, -CLIENT_WHEEL_ROWS);
			else
				scrollback_scroll(current_log(c),
				    CLIENT_WHEEL_ROWS, (size_t)lo.chat_w);
		}
#ifdef BUTTON5_PRESSED
		if (me.bstate & (BUTTON5_PRESSED)) {
			if (lo.side_w > 0 && me.x >= lo.side_x)
				scroll_sidebar(c, CLIENT_WHEEL_ROWS);
			else
				scrollback_scroll(current_log(c),
				    -CLIENT_WHEEL_ROWS, (size_t)lo.chat_w);
		}
#endif
		break;
	default:
		break;
	}
}

/* A character or control key. */
static void
key_char(struct client *c, wint_t k)
{
	const char *const *names;
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	/* In a paste, a line feed is part of the text (and a tab a
	 * space); a password takes neither. */
	if (c->pasting && (k == '\r' || k == '\n' || k == '\t')) {
		if (c->prompting)
			return;
		if (editor_insert(&c->ed, k == '\t' ? " " : "\n", 1) != 0)
			beep();
		return;
	}
	switch (k) {
	case 1:
		editor_home(&c->ed);
		return; /* ^A */
	case 5:
		editor_end(&c->ed);
		return; /* ^E */
	case 21:
		editor_kill_start(&c->ed);
		return; /* ^U */
	case 11:
		editor_kill_end(&c->ed);
		return; /* ^K */
	case 23:
		editor_kill_word(&c->ed);
		return; /* ^W */
	case 12:
		ui_redraw(c, true);
		return; /* ^L */
	case 18:
		if (!c->prompting)
			input_search(c, NULL, 0);
		return; /* ^R */
	case 14:
		ui_select_buffer(c, (c->bufs.current + 1) % c->bufs.n);
		return; /* ^N */
	case 16:
		ui_select_buffer(c,
		    (c->bufs.current + c->bufs.n - 1) % c->bufs.n);
		return; /* ^P */
	case 8:
	case 127:
		editor_backspace(&c->ed);
		return;
	case '\t':
		names = cmd_names(&n);
		if (!c->prompting &&
		    !complete_tab(&c->comp, &c->ed, names, n,
			(const char *const *)c->online, c->n_online))
			beep();
		return;
	case '\r':
	case '\n':
		submit(c, false);
		return;
	case 27: /* Esc */
		if (c->prompting) {
			c->prompting = false;
			c->ed.masked = false;
			editor_wipe(&c->ed);
			ui_line(c, LINE_INFO, time(NULL), NULL,
			    "login cancelled");
		}
		return;
	default:
		break;
	}
	if (k < 0x20 || (k >= 0x7f && k < 0xa0))
		return; /* other controls are not text */
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)k, &st);
	if (n == (size_t)-1)
		return;
	if (editor_insert(&c->ed, mb, n) != 0)
		beep();
}

/* Esc then a key at once: Alt+0..9 selects that buffer, Alt+Left and
 * Alt+Right (when sent as Esc and an arrow) the one before or after,
 * Alt+PgUp/PgDn/Up/Down scroll the sidebar, Alt+End the log to the
 * bottom. False when it is no Alt key we know. */
static bool
alt_key(struct client *c, int rc, wint_t k)
{
	if (rc == OK && k >= '0' && k <= '9') {
		ui_select_buffer(c, (size_t)(k - '0'));
		return true;
	}
	if (rc == KEY_CODE_YES && (k == KEY_PPAGE || k == KEY_UP)) {
		key_code(c, CLIENT_KEY_ALT_PPAGE);
		return true;
	}
	if (rc == KEY_CODE_YES && (k == KEY_NPAGE || k == KEY_DOWN)) {
		key_code(c, CLIENT_KEY_ALT_NPAGE);
		return true;
	}
	if (rc == KEY_CODE_YES && k == KEY_END) {
		key_code(c, CLIENT_KEY_ALT_END);
		return true;
	}
	if (rc == KEY_CODE_YES && (k == KEY_LEFT || k == KEY_RIGHT)) {
		ui_select_buffer(c,
		    k == KEY_LEFT ?
			(c->bufs.current + c->bufs.n - 1) % c->bufs.n :
			(c->bufs.current + 1) % c->bufs.n);
		return true;
	}
	return false;
}

/* What each action of a binding does: the default key that does it. */
static const struct {
	bool is_char; /* a control character for key_char() */
	wint_t key;   /* else a key code for key_code() */
} action_keys[] = {
	[ACTION_PREV_BUFFER] = { false, CLIENT_KEY_ALT_LEFT },
	[ACTION_NEXT_BUFFER] = { false, CLIENT_KEY_ALT_RIGHT },
	[ACTION_SCROLL_UP] = { false, KEY_PPAGE },
	[ACTION_SCROLL_DOWN] = { false, KEY_NPAGE },
	[ACTION_SCROLL_BOTTOM] = { false, CLIENT_KEY_ALT_END },
	[ACTION_SIDEBAR_UP] = { false, CLIENT_KEY_ALT_PPAGE },
	[ACTION_SIDEBAR_DOWN] = { false, CLIENT_KEY_ALT_NPAGE },
	[ACTION_SEARCH] = { true, 18 }, /* ^R */
	[ACTION_REDRAW] = { true, 12 }, /* ^L */
	[ACTION_HISTORY_PREV] = { false, KEY_UP },
	[ACTION_HISTORY_NEXT] = { false, KEY_DOWN },
};

/* Runs what a bound key does, through the default key of that action. */
static void
run_action(struct client *c, enum key_action action)
{
	if (action_keys[action].is_char)
		key_char(c, action_keys[action].key);
	else
		key_code(c, action_keys[action].key);
}

/* A key the config binds (not while a password is typed): runs its
 * action and says true. alt: Esc came first. */
static bool
bound_key(struct client *c, bool alt, int rc, wint_t k)
{
	enum key_binding_type type;
	unsigned key;
	size_t i;

	if (c->n_bindings == 0 || c->prompting)
		return false;
	if (alt && rc == OK && k >= 'a' && k <= 'z') {
		type = KEYB_ALT;
		key = (unsigned)k;
	} else if (!alt && rc == KEY_CODE_YES && k >= KEY_F(1) &&
	    k <= KEY_F(12)) {
		type = KEYB_FUNCTION;
		key = (unsigned)(k - KEY_F0);
	} else if (!alt && rc == OK && k >= 1 && k <= 26) {
		type = KEYB_CTRL;
		key = 'a' + (unsigned)k - 1;
	} else
		return false;
	for (i = 0; i < c->n_bindings; i++) {
		if (c->bindings[i].type == type && c->bindings[i].key == key) {
			run_action(c, c->bindings[i].action);
			return true;
		}
	}
	return false;
}

/* Handles every key waiting. */
void
input_keys(struct client *c)
{
	wint_t k;
	int rc;

	while ((rc = get_wch(&k)) != ERR) {
		if (!(rc == OK && k == '\t'))
			complete_reset(&c->comp);
		/* Esc followed at once by a key is an Alt key. */
		if (rc == OK && k == 27 && !c->prompting) {
			wint_t k2;
			int rc2 = get_wch(&k2);

			if (rc2 != ERR && !c->search.active &&
			    c->confirm_lines == 0 &&
			    bound_key(c, true, rc2, k2))
				continue;
			if (rc2 != ERR && alt_key(c, rc2, k2))
				continue;
			if (rc2 != ERR) {
				k = k2;
				rc = rc2;
			}
		}
		if (rc == KEY_CODE_YES &&
		    (k == CLIENT_KEY_PASTE_START || k == CLIENT_KEY_PASTE_END))
			key_code(c, k);
		else if (c->asking_key)
			trust_key(c, rc, k);
		else if (c->confirm_lines > 0)
			confirm_key(c, rc, k);
		else if (c->search.active)
			search_key(c, rc, k);
		else if (bound_key(c, false, rc, k))
			;
		else if (rc == KEY_CODE_YES)
			key_code(c, k);
		else
			key_char(c, k);
		if (c->quitting && !c->ui_active)
			return;
	}
	ui_redraw(c, false);
}
