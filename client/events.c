/*
 * events.c: what the server sends. Each plaintext is parsed once
 * (common/msg.c), changes the client's state once (login, the online
 * list, the buffers and their members, pings) and becomes one
 * event_view, every string of it sanitized, which ui.c puts in the log
 * of the buffer it belongs to or batch.c prints. The wording of every
 * server event is here, for both. Name lists that come in parts
 * (section 6) are put together before any of that. Stored history
 * (section 7) is asked for each room joined and each conversation opened
 * (again after a reconnect) and placed by message id, each id once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "xmalloc.h"

/* Compares for qsort/bsearch of names. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replaces the online list. */
void
events_set_online(struct client *c, const char *const *users, size_t n)
{
	size_t i;

	for (i = 0; i < c->n_online; i++)
		free(c->online[i]);
	free(c->online);
	c->online = NULL;
	c->n_online = 0;
	if (n == 0)
		return;
	c->online = xcalloc(n, sizeof *c->online);
	for (i = 0; i < n; i++)
		c->online[i] = xstrdup(users[i]);
	qsort(c->online, n, sizeof *c->online, name_cmp);
	c->n_online = n;
}

/* Adds or removes one name. */
static void
update_online(struct client *c, const char *user, bool online)
{
	char **hit;
	size_t i;

	hit = c->n_online == 0 ?
	    NULL :
	    bsearch(&user, c->online, c->n_online, sizeof *c->online, name_cmp);
	if (online && hit == NULL) {
		c->online = xreallocarray(c->online, c->n_online + 1,
		    sizeof *c->online);
		c->online[c->n_online++] = xstrdup(user);
		qsort(c->online, c->n_online, sizeof *c->online, name_cmp);
	} else if (!online && hit != NULL) {
		i = (size_t)(hit - c->online);
		free(c->online[i]);
		memmove(&c->online[i], &c->online[i + 1],
		    (c->n_online - i - 1) * sizeof *c->online);
		c->n_online--;
	}
}

/* The stamp's strftime format and the length of what it makes. */
static char stamp_format[EVENT_STAMP_FORMAT_MAX + 1] = EVENT_STAMP_DEFAULT;
static size_t stamp_len = EVENT_STAMP_LEN;

/* strftime with the configured format: the format is the user's own,
 * checked by events_set_stamp_format(), hence not a literal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static size_t
format_stamp(char *out, size_t size, const char *fmt, const struct tm *tm)
{
	return strftime(out, size, fmt, tm);
}
#pragma GCC diagnostic pop

/* The stamp of when, in local time, in the configured format. */
void
events_stamp(char out[EVENT_STAMP_SIZE], time_t when)
{
	struct tm tm;

	localtime_r(&when, &tm);
	if (format_stamp(out, EVENT_STAMP_SIZE, stamp_format, &tm) == 0)
		out[0] = '\0'; /* an empty format, or none fits */
}

/* Sets the stamp format after checking it makes a bounded stamp. */
int
events_set_stamp_format(const char *fmt)
{
	char out[EVENT_STAMP_SIZE];
	size_t i, len = strlen(fmt);
	struct tm tm;
	time_t now = time(NULL);

	if (len > EVENT_STAMP_FORMAT_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		if (fmt[i] < 0x20 || fmt[i] > 0x7e)
			return -1;
	}
	/* The longest names (a Wednesday in September) must fit too. */
	localtime_r(&now, &tm);
	tm.tm_wday = 3;
	tm.tm_mon = 8;
	if (len != 0 && format_stamp(out, sizeof out, fmt, &tm) == 0)
		return -1;
	memcpy(stamp_format, fmt, len + 1);
	localtime_r(&now, &tm);
	stamp_len = len != 0 ? format_stamp(out, sizeof out, fmt, &tm) : 0;
	return 0;
}

/* Bytes of a stamp in the current format. */
size_t
events_stamp_len(void)
{
	return stamp_len;
}

/* A sanitized copy of a network string, on one line. */
static char *
clean(const char *s)
{
	return sanitize_dup(s, strlen(s), false);
}

/* printf into a new string, then sanitized on one line (the parts come
 * from the network: jansson gave them as valid UTF-8, so sanitizing the
 * whole equals sanitizing each part). */
static char *__attribute__((format(printf, 1, 2))) cleanf(const char *fmt, ...)
{
	va_list ap;
	char *raw, *out;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) == -1)
		xnomem();
	va_end(ap);
	out = clean(raw);
	free(raw);
	return out;
}

/* The names of a list, separated by spaces. */
static char *
join(const char *const *users, size_t n)
{
	size_t i, len = 0;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(users[i]) + 1;
	s = xmalloc(len + 1);
	for (s[0] = '\0', len = 0, i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s%s", i == 0 ? "" : " ",
		    users[i]);
	return s;
}

/* The room a say belongs to: its room, or the lobby (an old server). */
static const char *
say_room(const struct msg *m)
{
	return m->room.s != NULL ? m->room.s : CLIENT_LOBBY;
}

/* A chat line: "<from> text" or "*from -> to* text"; an action shows
 * "* from text" (after "*from -> to* " when private). A say naming us
 * is a highlight. Batch mode prints a say of a room other than the
 * lobby as "[#room] <from> text". */
static void
view_chat(struct event_view *v, const struct msg *m, const char *me)
{
	char *to, *flat, *room = NULL;

	v->nick = clean(m->from.s);
	v->mine = strcmp(m->from.s, me) == 0;
	if (m->type == MSG_MSG) {
		v->kind = LINE_PRIVATE;
		to = clean(m->to.s);
		v->prefix = m->action.v ?
		    xasprintf("*%s -> %s* * %s ", v->nick, to, v->nick) :
		    xasprintf("*%s -> %s* ", v->nick, to);
		free(to);
	} else {
		v->kind = v->mine ? LINE_OWN : LINE_CHAT;
		if (!v->mine && buffer_names_me(m->text.s, m->text.len, me)) {
			v->kind = LINE_HIGHLIGHT;
			v->highlight = true;
		}
		v->prefix = m->action.v ? xasprintf("* %s ", v->nick) :
					  xasprintf("<%s> ", v->nick);
		if (strcmp(say_room(m), CLIENT_LOBBY) != 0)
			room = cleanf("[#%s] ", say_room(m));
	}
	v->when = m->ts.v > 0 ? (time_t)(m->ts.v / 1000) : time(NULL);
	v->text = sanitize_dup(m->text.s, m->text.len, true);
	flat = sanitize_dup(m->text.s, m->text.len, false);
	v->plain =
	    xasprintf("%s%s%s", room != NULL ? room : "", v->prefix, flat);
	free(flat);
	free(room);
}

/* "#room (3 users): alice bob carol". */
static char *
names_text(const char *room, const char *const *users, size_t n)
{
	char *names = join(users, n), *s;

	s = cleanf("#%s (%zu user%s): %s", room, n, n == 1 ? "" : "s", names);
	free(names);
	return s;
}

/* " by op" and ": reason", as far as they are there. */
static char *
by_reason(const struct msg *m)
{
	return cleanf("%s%s%s%s", m->by.s != NULL ? " by " : "",
	    m->by.s != NULL ? m->by.s : "", m->reason.s != NULL ? ": " : "",
	    m->reason.s != NULL ? m->reason.s : "");
}

/* Appends sep (when *s is not empty) and the new string item to *s,
 * then frees item. */
static void
append(char **s, const char *sep, char *item)
{
	char *t;

	t = xasprintf("%s%s%s", *s, **s != '\0' ? sep : "", item);
	free(*s);
	free(item);
	*s = t;
}

/* The rooms list: a count, then one line a room ("#x (3): topic");
 * entries that are not {room, users, topic} objects are skipped. The
 * plain line separates the rooms with "; ". */
static void
view_rooms(struct event_view *v, const struct msg *m)
{
	json_t *e, *room, *users, *topic;
	char *lines = xstrdup(""), *plain = xstrdup(""), *item;
	size_t i, n = 0;

	json_array_foreach(m->room_list.v, i, e)
	{
		room = json_object_get(e, "room");
		users = json_object_get(e, "users");
		topic = json_object_get(e, "topic");
		if (!json_is_string(room) || !json_is_integer(users))
			continue;
		item = cleanf("#%s (%lld)%s%s", json_string_value(room),
		    (long long)json_integer_value(users),
		    json_is_string(topic) && json_string_length(topic) > 0 ?
			": " :
			"",
		    json_is_string(topic) ? json_string_value(topic) : "");
		append(&plain, "; ", xstrdup(item));
		append(&lines, "\n", item);
		n++;
	}
	v->text = xasprintf("%zu room%s%s%s", n, n == 1 ? "" : "s",
	    n > 0 ? ":\n" : "", lines);
	v->plain = xasprintf("%srooms: %s", scrollback_mark(LINE_INFO), plain);
	free(lines);
	free(plain);
}

/* "5s", "3m 20s", "2h 5m", "4d 3h". */
static void
duration(char *out, size_t cap, long long s)
{
	if (s < 60)
		snprintf(out, cap, "%llds", s);
	else if (s < 3600)
		snprintf(out, cap, "%lldm %llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, cap, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, cap, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

/* whois: "bob: online, 2 sessions, idle 5s", then the rooms, the away
 * text and the time of the first session, a line each (plain: "; "). */
static void
view_whois(struct event_view *v, const struct msg *m)
{
	char idle[64], since[64];
	char *lines, *rooms = xstrdup(""), *nl;
	const char *p;
	struct tm tm;
	time_t t;
	size_t i;

	duration(idle, sizeof idle, (long long)m->idle_s.v);
	lines = cleanf("%s: %s, %lld session%s, idle %s", m->user.s,
	    m->online.v ? "online" : "offline", (long long)m->sessions.v,
	    m->sessions.v == 1 ? "" : "s", idle);
	for (i = 0; i < m->room_names.n; i++)
		append(&rooms, " ", xasprintf("#%s", m->room_names.v[i]));
	if (m->room_names.n > 0)
		append(&lines, "\n", cleanf("rooms: %s", rooms));
	if (m->away.s != NULL)
		append(&lines, "\n", cleanf("away: %s", m->away.s));
	if (m->since.set) {
		t = (time_t)(m->since.v / 1000);
		localtime_r(&t, &tm);
		strftime(since, sizeof since, "%Y-%m-%d %H:%M", &tm);
		append(&lines, "\n", xasprintf("online since %s", since));
	}
	free(rooms);
	v->text = lines;
	/* One line for batch mode: "; " where the log has LF. */
	v->plain = xstrdup(scrollback_mark(LINE_INFO));
	for (p = lines; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		append(&v->plain, "", xasprintf("%.*s; ", (int)(nl - p), p));
	append(&v->plain, "", xstrdup(p));
}

/* Builds the view of one message; me decides which says are our own. */
/* Writes " until <local time>" (the date too unless today) of an
 * until in ms, or "" when absent. */
static void
until_text(char *out, size_t cap, const struct msg *m)
{
	time_t t, now = time(NULL);
	struct tm tm, today;

	out[0] = '\0';
	if (!m->until.set || m->until.v <= 0)
		return;
	t = (time_t)(m->until.v / 1000);
	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(out, cap, " until %H:%M:%S", &tm);
	else
		strftime(out, cap, " until %Y-%m-%d %H:%M", &tm);
}

/* The moderation errors (section 8) in words, with their end: true
 * when m was one. */
static bool
error_text(struct event_view *v, const struct msg *m)
{
	char until[64];

	until_text(until, sizeof until, m);
	switch (m->code) {
	case MSG_CODE_MUTED:
		v->text = xasprintf("you are muted%s%s: nothing was sent",
		    m->ref.s != NULL && strcmp(m->ref.s, "say") == 0 ? " here" :
								       "",
		    until);
		return true;
	case MSG_CODE_BANNED:
		v->text = xasprintf("you are banned from this server%s", until);
		return true;
	case MSG_CODE_FORBIDDEN:
		v->text = xstrdup("not allowed: only operators may kick, mute "
				  "or ban, and never an operator");
		return true;
	default:
		return false;
	}
}

static void
view_build(struct event_view *v, const struct msg *m, const char *me)
{
	const char *words, *mark;
	char *names, *extra;

	memset(v, 0, sizeof *v);
	v->shown = true;
	v->when = time(NULL);
	switch (m->type) {
	case MSG_SAY:
	case MSG_MSG:
		view_chat(v, m, me);
		return;
	case MSG_LOGIN_OK:
		v->kind = LINE_INFO;
		names = join(m->users.v, m->users.n);
		v->text =
		    cleanf("logged in as %s%s; %zu user%s online", m->user.s,
			m->op.v ? " (operator: /help lists /kick, "
				  "/mute, /ban)" :
				  "",
			m->users.n, m->users.n == 1 ? "" : "s");
		v->plain = cleanf("%slogged in as %s; online: %s",
		    scrollback_mark(v->kind), m->user.s, names);
		free(names);
		break;
	case MSG_USERS:
		v->kind = LINE_INFO;
		if (m->room.s != NULL) { /* a stray part: the room's names */
			v->text = names_text(m->room.s, m->users.v, m->users.n);
			break;
		}
		names = join(m->users.v, m->users.n);
		v->text = cleanf("%zu user%s online: %s", m->users.n,
		    m->users.n == 1 ? "" : "s", names);
		v->plain =
		    cleanf("%sonline: %s", scrollback_mark(v->kind), names);
		free(names);
		break;
	case MSG_PRESENCE:
		v->kind = LINE_INFO;
		v->nick = clean(m->user.s);
		v->text = cleanf("%s %s", m->user.s,
		    m->online.v ? "is online" : "went offline");
		break;
	case MSG_NOTICE:
		v->kind = LINE_NOTICE;
		if (m->motd.v) { /* its lines kept, each sanitized */
			extra = sanitize_dup(m->text.s, m->text.len, true);
			v->text = xasprintf("message of the day:\n%s", extra);
			free(extra);
			extra = sanitize_dup(m->text.s, m->text.len, false);
			v->plain = xasprintf("%smotd: %s",
			    scrollback_mark(v->kind), extra);
			free(extra);
			break;
		}
		v->text = sanitize_dup(m->text.s, m->text.len, false);
		break;
	case MSG_ERROR:
		/* In words: ours for the codes we know, else the server's. */
		v->kind = LINE_ERROR;
		if (error_text(v, m))
			break;
		words = m->code != MSG_CODE_NONE ? msg_code_text(m->code) :
						   m->message.s;
		v->text = clean(words);
		break;
	case MSG_JOINED:
		v->kind = LINE_INFO;
		names = join(m->users.v, m->users.n);
		if (m->topic.len > 0) {
			v->text = cleanf("you joined #%s (topic: %s)",
			    m->room.s, m->topic.s);
			v->plain = cleanf("%sjoined #%s; topic: %s; users: %s",
			    scrollback_mark(v->kind), m->room.s, m->topic.s,
			    names);
		} else {
			v->text =
			    cleanf("you joined #%s (no topic)", m->room.s);
			v->plain = cleanf("%sjoined #%s; users: %s",
			    scrollback_mark(v->kind), m->room.s, names);
		}
		free(names);
		break;
	case MSG_ROOM_JOIN:
		v->kind = LINE_INFO;
		v->nick = clean(m->user.s);
		v->text = cleanf("%s joined #%s", m->user.s, m->room.s);
		break;
	case MSG_ROOM_PART:
		v->kind = LINE_INFO;
		v->nick = clean(m->user.s);
		extra = by_reason(m);
		v->text = m->by.s != NULL ?
		    cleanf("%s was kicked from #%s%s", m->user.s, m->room.s,
			extra) :
		    cleanf("%s left #%s%s", m->user.s, m->room.s, extra);
		free(extra);
		break;
	case MSG_PARTED:
		v->kind = LINE_INFO;
		extra = by_reason(m);
		v->text = m->by.s != NULL ?
		    cleanf("you were kicked from #%s%s", m->room.s, extra) :
		    cleanf("you left #%s%s", m->room.s, extra);
		free(extra);
		break;
	case MSG_TOPIC:
		v->kind = LINE_INFO;
		if (m->by.s != NULL) {
			v->nick = clean(m->by.s);
			v->text = m->topic.len == 0 ?
			    cleanf("%s cleared the topic of #%s", m->by.s,
				m->room.s) :
			    cleanf("%s set the topic of #%s: %s", m->by.s,
				m->room.s, m->topic.s);
		} else
			v->text = m->topic.len == 0 ?
			    cleanf("#%s has no topic", m->room.s) :
			    cleanf("topic of #%s: %s", m->room.s, m->topic.s);
		break;
	case MSG_NAMES:
		v->kind = LINE_INFO;
		v->text = names_text(m->room.s, m->users.v, m->users.n);
		break;
	case MSG_ROOMS:
		v->kind = LINE_INFO;
		view_rooms(v, m);
		break;
	case MSG_AWAY:
		v->kind = LINE_INFO;
		v->nick = clean(m->user.s);
		v->text = m->text.s != NULL ?
		    cleanf("%s is away: %s", m->user.s, m->text.s) :
		    cleanf("%s is back", m->user.s);
		break;
	case MSG_WHOIS:
		v->kind = LINE_INFO;
		view_whois(v, m);
		break;
	case MSG_BYE:
		v->kind = LINE_NOTICE;
		v->text = cleanf("the server says goodbye: %s", m->reason.s);
		/* Batch mode has always said it shorter, as a remark. */
		v->plain = cleanf("%sbye: %s", scrollback_mark(LINE_INFO),
		    m->reason.s);
		break;
	default:
		v->shown = false; /* pong: nothing to show */
		return;
	}
	mark = scrollback_mark(v->kind);
	v->prefix = xstrdup(mark);
	if (v->plain == NULL)
		v->plain = xasprintf("%s%s", mark, v->text);
}

/* Frees what a view holds. */
static void
view_free(struct event_view *v)
{
	free(v->nick);
	free(v->prefix);
	free(v->text);
	free(v->plain);
	memset(v, 0, sizeof *v);
}

/* Shows v in buffer b too (the terminal only: batch prints once). */
static void
show_also(struct client *c, struct buffer *b, const struct event_view *v)
{
	if (!c->batch && b != NULL && v->shown)
		ui_event(c, b, v);
}

/* Asks the newest page of b's history by itself: the terminal only
 * (batch mode prints what it is asked for, /history). */
static void
history_auto(struct client *c, struct buffer *b)
{
	if (!c->batch)
		events_history_ask(c, b, 0);
}

/* Logged in: the lobby holds everyone online and becomes current; the
 * rooms we were in before a reconnect are joined again. */
static struct buffer *
logged_in(struct client *c, const struct msg *m)
{
	struct msg join = { .type = MSG_JOIN };
	struct buffer *b;
	size_t i;

	b = buffer_open(&c->bufs, BUFFER_ROOM, CLIENT_LOBBY);
	buffer_set_members(b, m->users.v, m->users.n);
	b->parted = false;
	for (i = 1; i < c->bufs.n; i++) {
		b = c->bufs.v[i];
		if (b->kind != BUFFER_ROOM || b->parted ||
		    strcmp(b->name, CLIENT_LOBBY) == 0)
			continue;
		join.room = MSG_STR(b->name);
		(void)net_request(c, &join);
	}
	/* The lobby is joined by logging in; the others on joined. */
	for (i = 1; i < c->bufs.n; i++) {
		b = c->bufs.v[i];
		if (b->kind == BUFFER_QUERY ||
		    (b->kind == BUFFER_ROOM &&
			strcmp(b->name, CLIENT_LOBBY) == 0))
			history_auto(c, b);
	}
	b = buffer_find(&c->bufs, BUFFER_ROOM, CLIENT_LOBBY);
	ui_select_buffer(c, buffer_number(&c->bufs, b));
	return b;
}

/* A user came online (into the lobby) or went offline (out of every
 * room): the member lists change, and the rooms concerned and the
 * private conversation with the user show it too. */
static void
presence(struct client *c, const struct msg *m, const struct event_view *v)
{
	struct buffer *b;
	size_t i;

	update_online(c, m->user.s, m->online.v);
	for (i = 1; i < c->bufs.n; i++) {
		b = c->bufs.v[i];
		if (b->kind == BUFFER_QUERY && strcmp(b->name, m->user.s) == 0)
			show_also(c, b, v);
		if (b->kind != BUFFER_ROOM || b->parted)
			continue;
		if (m->online.v && strcmp(b->name, CLIENT_LOBBY) == 0 &&
		    buffer_add_member(b, m->user.s))
			show_also(c, b, v);
		else if (!m->online.v && buffer_remove_member(b, m->user.s))
			show_also(c, b, v);
	}
	ui_users_changed(c);
}

/* The private conversation with the other party of msg m. */
static struct buffer *
query_of(struct client *c, const struct msg *m)
{
	const char *other = strcmp(m->from.s, c->me) == 0 ? m->to.s : m->from.s;
	bool fresh = buffer_find(&c->bufs, BUFFER_QUERY, other) == NULL;
	const char *both[2];
	struct buffer *b;

	b = buffer_open(&c->bufs, BUFFER_QUERY, other);
	if (fresh)
		history_auto(c, b);
	if (b->n_members == 0 && c->me[0] != '\0') {
		both[0] = c->me;
		both[1] = other;
		buffer_set_members(b, both, strcmp(c->me, other) == 0 ? 1 : 2);
	}
	return b;
}

/* joined: the room's buffer, its members and topic; it becomes current
 * when it is new or the one /join asked for. */
static struct buffer *
joined(struct client *c, const struct msg *m)
{
	bool fresh = buffer_find(&c->bufs, BUFFER_ROOM, m->room.s) == NULL;
	struct buffer *b = buffer_open(&c->bufs, BUFFER_ROOM, m->room.s);

	buffer_set_members(b, m->users.v, m->users.n);
	buffer_set_topic(b, m->topic.s);
	b->parted = false;
	history_auto(c, b);
	if (fresh || strcmp(c->join_pending, m->room.s) == 0)
		ui_select_buffer(c, buffer_number(&c->bufs, b));
	if (strcmp(c->join_pending, m->room.s) == 0)
		c->join_pending[0] = '\0';
	return b;
}

/* Asks the page of b's history before before (0: the newest). */
void
events_history_ask(struct client *c, struct buffer *b, uint64_t before)
{
	struct msg m = { .type = MSG_HISTORY };

	if (b->kind == BUFFER_SERVER)
		return;
	if (b->kind == BUFFER_ROOM)
		m.room = MSG_STR(b->name);
	else
		m.with = MSG_STR(b->name);
	if (before > 0)
		m.before = MSG_INT(before);
	m.limit = MSG_INT(CLIENT_HISTORY_PAGE);
	(void)net_request(c, &m);
}

/* Puts a remark of the client at the top of b's log. */
static void
remark_on_top(struct client *c, struct buffer *b, const char *text)
{
	char ts[EVENT_STAMP_SIZE], *prefix;

	events_stamp(ts, time(NULL));
	prefix = xasprintf("%s%s", ts, scrollback_mark(LINE_INFO));
	buffer_insert_line(&c->bufs, b, 0, true, LINE_INFO, time(NULL), prefix,
	    NULL, text);
	free(prefix);
}

#define HISTORY_LOADING "loading older messages..."
#define HISTORY_BEGINS	"beginning of history"

/* The view moved up: the page before the oldest line, once on screen. */
void
events_scrolled_up(struct client *c, size_t width, size_t height)
{
	struct buffer *b = buffer_current(&c->bufs);

	if (b->kind == BUFFER_SERVER || b->hist_loading || b->hist_done ||
	    !b->hist_known || c->state != CONN_LOGGED_IN ||
	    !scrollback_top_visible(&b->sb, width, height))
		return;
	if (!b->hist_more) {
		b->hist_done = true;
		remark_on_top(c, b, HISTORY_BEGINS);
		ui_redraw(c, false);
		return;
	}
	b->hist_loading = true;
	remark_on_top(c, b, HISTORY_LOADING);
	events_history_ask(c, b, buffer_oldest_id(b));
	ui_redraw(c, false);
}

/* One stored message of a history reply, shown in b unless it is
 * already (the terminal), or printed (batch mode). Returns true when it
 * was added to b's log. */
static bool
history_one(struct client *c, struct buffer *b, json_t *e, bool at_top,
    size_t pos, uint64_t *oldest, bool *overlap)
{
	char ts[EVENT_STAMP_SIZE], *raw, *prefix;
	struct event_view v;
	struct msg m;
	bool added = false;

	if ((raw = json_dumps(e, JSON_COMPACT)) == NULL)
		return false;
	if (msg_event_parse(&m, (const uint8_t *)raw, strlen(raw)) != 0 ||
	    (m.type != MSG_SAY && m.type != MSG_MSG) || !m.id.set ||
	    m.id.v <= 0)
		goto out;
	/* A room's history holds its says, a conversation's its msgs. */
	if (b != NULL &&
	    (b->kind == BUFFER_ROOM ?
		    m.type != MSG_SAY || strcmp(say_room(&m), b->name) != 0 :
		    m.type != MSG_MSG))
		goto out;
	if (*oldest == 0 || (uint64_t)m.id.v < *oldest)
		*oldest = (uint64_t)m.id.v;
	if (b != NULL && buffer_id_shown(b, (uint64_t)m.id.v))
		*overlap = true;
	view_build(&v, &m, c->me);
	if (c->batch)
		batch_event(c, &v);
	else if (b != NULL && buffer_id_mark(b, (uint64_t)m.id.v)) {
		events_stamp(ts, v.when);
		prefix = xasprintf("%s%s", ts, v.prefix);
		if (at_top)
			added =
			    scrollback_insert(&b->sb, pos, v.kind, v.when,
				prefix, v.nick, v.text, (uint64_t)m.id.v) != 0;
		else
			added = buffer_insert_line(&c->bufs, b,
				    (uint64_t)m.id.v, false, v.kind, v.when,
				    prefix, v.nick, v.text) != 0;
		free(prefix);
		/* Missed while away (a reconnect): unread like live lines. */
		if (added && !at_top && b->hist_known && !v.mine &&
		    b != buffer_current(&c->bufs) && v.kind != LINE_OWN) {
			b->unread++;
			b->highlight = b->highlight || v.highlight;
		}
	}
	view_free(&v);
out:
	msg_clear(&m);
	free(raw);
	return added;
}

/* Removes the loading marker from the top of b's log, if it is there. */
static void
loading_done(struct buffer *b)
{
	const struct line *top;

	top = scrollback_get(&b->sb, scrollback_first(&b->sb));
	if (top != NULL && top->id == 0 &&
	    strcmp(top->text, HISTORY_LOADING) == 0)
		scrollback_remove(&b->sb, top->seq);
	b->hist_loading = false;
}

/* A history reply: its messages where they belong, oldest first. The
 * reply does not repeat before: while an older page is loading, the
 * buffer's reply is that page (replies come in order), which goes on
 * top in place of the loading marker. */
static struct buffer *
history_reply(struct client *c, const struct msg *m)
{
	struct buffer *b = NULL;
	size_t i, pos = 0;
	bool page = false, overlap = false;
	uint64_t oldest = 0;
	json_t *e;

	if (m->room.s != NULL)
		b = buffer_find(&c->bufs, BUFFER_ROOM, m->room.s);
	else if (m->with.s != NULL)
		b = buffer_find(&c->bufs, BUFFER_QUERY, m->with.s);
	if (b != NULL && b->hist_loading) {
		page = true;
		loading_done(b);
	}
	json_array_foreach(m->messages.v, i, e)
	{
		if (history_one(c, b, e, page, pos, &oldest, &overlap))
			pos++;
	}
	if (b == NULL)
		return NULL;
	/* After a reconnect: a gap longer than a page is asked page by
	 * page, back to the messages shown before. */
	if (!c->batch && !page && b->hist_known && !overlap && m->more.v &&
	    oldest > 0 && buffer_oldest_id(b) < oldest)
		events_history_ask(c, b, oldest);
	/* A page says whether older ones exist; the newest page (again
	 * after a reconnect) can only tell of more. */
	b->hist_more = page ? m->more.v : (m->more.v || b->hist_more);
	b->hist_known = true;
	if (page && !m->more.v && !b->hist_done) {
		b->hist_done = true;
		remark_on_top(c, b, HISTORY_BEGINS);
	}
	return NULL; /* nothing more to show: the lines are in */
}

/* What a message changes, done once whatever shows it; returns the
 * buffer it is shown in (NULL: none). */
static struct buffer *
apply(struct client *c, const struct msg *m, const struct event_view *v)
{
	struct buffer *b = buffer_current(&c->bufs);

	switch (m->type) {
	case MSG_LOGIN_OK:
		c->state = CONN_LOGGED_IN;
		c->logged_in_once = true;
		snprintf(c->me, sizeof c->me, "%s", m->user.s);
		c->is_op = m->op.v;
		events_set_online(c, m->users.v, m->users.n);
		b = logged_in(c, m);
		ui_users_changed(c);
		break;
	case MSG_SAY:
		b = buffer_open(&c->bufs, BUFFER_ROOM, say_room(m));
		break;
	case MSG_MSG:
		b = query_of(c, m);
		break;
	case MSG_PRESENCE:
		presence(c, m, v);
		b = buffer_server(&c->bufs);
		break;
	case MSG_USERS:
		if (m->room.s == NULL)
			events_set_online(c, m->users.v, m->users.n);
		else if ((b = buffer_find(&c->bufs, BUFFER_ROOM, m->room.s)) !=
		    NULL)
			buffer_set_members(b, m->users.v, m->users.n);
		else
			b = buffer_current(&c->bufs);
		ui_users_changed(c);
		break;
	case MSG_JOINED:
		b = joined(c, m);
		break;
	case MSG_ROOM_JOIN:
		b = buffer_open(&c->bufs, BUFFER_ROOM, m->room.s);
		buffer_add_member(b, m->user.s);
		break;
	case MSG_ROOM_PART:
		b = buffer_open(&c->bufs, BUFFER_ROOM, m->room.s);
		buffer_remove_member(b, m->user.s);
		break;
	case MSG_PARTED:
		b = buffer_open(&c->bufs, BUFFER_ROOM, m->room.s);
		b->parted = true;
		buffer_set_members(b, NULL, 0);
		if (strcmp(c->join_pending, m->room.s) == 0)
			c->join_pending[0] = '\0';
		if (strcmp(c->part_pending, m->room.s) == 0)
			c->part_pending[0] = '\0';
		break;
	case MSG_TOPIC:
		b = buffer_open(&c->bufs, BUFFER_ROOM, m->room.s);
		buffer_set_topic(b, m->topic.s);
		break;
	case MSG_NAMES:
		if ((b = buffer_find(&c->bufs, BUFFER_ROOM, m->room.s)) != NULL)
			buffer_set_members(b, m->users.v, m->users.n);
		else
			b = buffer_current(&c->bufs);
		break;
	case MSG_AWAY:
		/* Ours is the answer; another's goes to our conversation
		 * with them, else to the server buffer. */
		if (strcmp(m->user.s, c->me) != 0 &&
		    (b = buffer_find(&c->bufs, BUFFER_QUERY, m->user.s)) ==
			NULL)
			b = buffer_server(&c->bufs);
		break;
	case MSG_NOTICE:
		/* Where the user looks, and in the server buffer. */
		if (b != buffer_server(&c->bufs))
			show_also(c, buffer_server(&c->bufs), v);
		break;
	case MSG_PONG:
		c->pings_unanswered = 0;
		break;
	case MSG_HISTORY:
		b = history_reply(c, m);
		break;
	case MSG_ERROR:
		if (m->ref.s != NULL && strcmp(m->ref.s, "join") == 0)
			c->join_pending[0] = '\0';
		if (m->ref.s != NULL && strcmp(m->ref.s, "part") == 0)
			c->part_pending[0] = '\0';
		/* A refused login: back to connected, and in batch mode out. */
		if (c->state != CONN_LOGGING_IN || m->ref.s == NULL ||
		    strcmp(m->ref.s, "login") != 0)
			break;
		c->state = CONN_OPEN;
		if (m->code == MSG_CODE_AUTH_FAILED) {
			net_forget_password(c);
			/* Not stuck: the terminal asks again. */
			if (!c->batch && c->login_user[0] != '\0')
				input_prompt_password(c, c->login_user);
		}
		if (c->batch) {
			c->exit_code = 1;
			event_base_loopexit(c->base, NULL);
		}
		break;
	default:
		break;
	}
	return b;
}

/* Applies and shows one whole message. */
static void
handle_one(struct client *c, const struct msg *m)
{
	struct event_view v;
	struct buffer *b;

	if (outq_answer(c, m))
		return; /* refused as too fast: queued again */
	view_build(&v, m, c->me);
	b = apply(c, m, &v);
	/* A chat message is shown once in its buffer (history may have
	 * shown it already, or may later). */
	if (!c->batch && b != NULL && m->id.set && m->id.v > 0 &&
	    (m->type == MSG_SAY || m->type == MSG_MSG) &&
	    !buffer_id_mark(b, (uint64_t)m->id.v))
		b = NULL;
	if (c->batch)
		batch_event(c, &v);
	else if (b != NULL) {
		ui_event(c, b, &v);
		if (m->id.set && (m->type == MSG_SAY || m->type == MSG_MSG))
			scrollback_set_id(&b->sb, scrollback_last(&b->sb),
			    (uint64_t)m->id.v);
	}
	if (v.highlight)
		ui_bell(c);
	view_free(&v);
}

/* True for the messages whose name list may come in parts. */
static bool
has_parts(enum msg_type t)
{
	return t == MSG_LOGIN_OK || t == MSG_USERS || t == MSG_NAMES ||
	    t == MSG_JOINED;
}

/* The last part came (or the parts broke off): handles the first
 * message with every name. */
static void
parts_finish(struct client *c)
{
	struct msg *head = &c->parts_head;

	if (!c->parts.open)
		return;
	free((void *)head->users.v);
	head->users = MSG_LIST((const char *const *)c->parts.v, c->parts.n);
	head->more = MSG_BOOL(false);
	handle_one(c, head);
	head->users.v = NULL; /* the names are the parts' */
	msg_clear(head);
	name_parts_clear(&c->parts);
}

/* Forgets what belonged to the connection that ended. */
void
events_disconnected(struct client *c)
{
	size_t i;

	msg_clear(&c->parts_head);
	name_parts_clear(&c->parts);
	events_set_online(c, NULL, 0);
	c->join_pending[0] = '\0';
	c->part_pending[0] = '\0';
	outq_disconnected(c);
	for (i = 1; i < c->bufs.n; i++) {
		if (c->bufs.v[i]->kind == BUFFER_ROOM)
			buffer_set_members(c->bufs.v[i], NULL, 0);
		if (c->bufs.v[i]->hist_loading) /* its answer is lost */
			loading_done(c->bufs.v[i]);
	}
}

/* Handles one plaintext from the server. */
void
events_handle(struct client *c, const uint8_t *buf, size_t len)
{
	struct msg msg;

	if (msg_event_parse(&msg, buf, len) != 0) {
		msg_clear(&msg);
		parts_finish(c);
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "ignored a malformed message from the server");
		goto out;
	}
	if (c->batch && c->json)
		batch_json(c, &msg);
	/* Section 6: the following parts of a name list. */
	if (c->parts.open) {
		if (msg.type == MSG_USERS &&
		    name_parts_add(&c->parts, msg.room.s, msg.users.v,
			msg.users.n)) {
			if (!msg.more.v)
				parts_finish(c);
			msg_clear(&msg);
			goto out;
		}
		parts_finish(c); /* broken off: use what came */
	}
	if (has_parts(msg.type) && msg.more.v) {
		c->parts_head = msg; /* kept until the last part */
		name_parts_start(&c->parts, msg.room.s, msg.users.v,
		    msg.users.n);
		goto out;
	}
	handle_one(c, &msg);
	msg_clear(&msg);
out:
	outq_pump(c); /* logged in again, or a line refused */
	if (c->batch)
		batch_pump(c);
	ui_redraw(c, false);
}
