/*
 * client.h: the securechat client program: struct client and the
 * functions of the files that tie the models (model.h) to the terminal
 * and the server, grouped by the file that owns them: securechat.c (main),
 * net.c, known.c, cmd.c and cmd-*.c, events.c, ui.c, input.c, batch.c.
 */
#ifndef SC_CLIENT_H
#define SC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>

#include "channel.h"
#include "keys.h"
#include "msg.h"
#include "text.h"

#include "model.h"

#define CLIENT_NAME		"securechat"
#define CLIENT_SOFTWARE		CLIENT_NAME "/" SC_VERSION
#define CLIENT_DEFAULT_HOST	SC_DEFAULT_ADDRESS
#define CLIENT_DEFAULT_PORT	SC_DEFAULT_PORT
#define CLIENT_HOST_MAX_LEN	253 /* a DNS name */
#define CLIENT_HOSTPORT_MAX	(CLIENT_HOST_MAX_LEN + sizeof "[]:65535")
#define CLIENT_PATH_MAX		1024		       /* the data folder */
#define CLIENT_FILE_PATH_MAX	(CLIENT_PATH_MAX + 64) /* a file in it */
#define CLIENT_HELLO_MAX	128		       /* our msg1 payload */
#define CLIENT_PING_SECS	30 /* keepalive when nothing was sent */
#define CLIENT_PONG_GRACE	2  /* pings unanswered before a reconnect */
#define CLIENT_BACKOFF_MIN_MS	1000
#define CLIENT_BACKOFF_MAX_MS	30000
#define CLIENT_SIDEBAR_WIDTH	20
#define CLIENT_SIDEBAR_MIN_COLS 60	/* below this the sidebar hides */
#define CLIENT_WHEEL_ROWS	3	/* rows or names per mouse wheel step */
#define CLIENT_LOBBY		"lobby" /* the room every session starts in */
#define CLIENT_HISTORY_PAGE	50	/* stored messages asked at a time */
#define CLIENT_PASTE_CONFIRM	5	/* a paste of more lines asks first */

/* Keys curses does not name (ui.c defines the sequences terminals send
 * for them), and the bracketed paste's start and end marks. */
#define CLIENT_KEY_ALT_LEFT    (KEY_MAX + 1)
#define CLIENT_KEY_ALT_RIGHT   (KEY_MAX + 2)
#define CLIENT_KEY_PASTE_START (KEY_MAX + 3)
#define CLIENT_KEY_PASTE_END   (KEY_MAX + 4)
#define CLIENT_KEY_ALT_PPAGE   (KEY_MAX + 5)
#define CLIENT_KEY_ALT_NPAGE   (KEY_MAX + 6)
#define CLIENT_KEY_ALT_UP      (KEY_MAX + 7)
#define CLIENT_KEY_ALT_DOWN    (KEY_MAX + 8)
#define CLIENT_KEY_ALT_END     (KEY_MAX + 9)
#define CLIENT_KEY_CTRL_END    (KEY_MAX + 10)

enum conn_state {
	CONN_IDLE,	 /* not connected, no retry planned */
	CONN_WAITING,	 /* waiting to reconnect */
	CONN_CONNECTING, /* TCP connect (and name lookup) */
	CONN_HANDSHAKE,
	CONN_OPEN, /* handshake done, not logged in */
	CONN_LOGGING_IN,
	CONN_LOGGED_IN,
};

/* What a bound key does (config.c's "bind KEY ACTION"). */
enum key_action {
	ACTION_PREV_BUFFER,
	ACTION_NEXT_BUFFER,
	ACTION_SCROLL_UP,
	ACTION_SCROLL_DOWN,
	ACTION_SCROLL_BOTTOM,
	ACTION_SIDEBAR_UP,
	ACTION_SIDEBAR_DOWN,
	ACTION_SEARCH,
	ACTION_REDRAW,
	ACTION_HISTORY_PREV,
	ACTION_HISTORY_NEXT,
};

enum key_binding_type {
	KEYB_FUNCTION, /* F<key> */
	KEYB_CTRL,     /* Ctrl and the letter key */
	KEYB_ALT,      /* Alt (Esc first) and the letter key */
};

struct key_binding {
	enum key_binding_type type;
	unsigned key; /* 1..12, or 'a'..'z' */
	enum key_action action;
};

#define CLIENT_BINDINGS_MAX 64

struct client {
	struct event_base *base;
	struct evdns_base *dns;

	/* Options. */
	char *host;
	unsigned port;
	char *user; /* --user: log in after connecting */
	bool batch;
	bool json;
	bool color;
	bool bell;  /* ring once for a line naming us */
	bool mouse; /* capture the mouse (wheel scrolling); off: the
		     * terminal's selection works */
	size_t scrollback;
	struct key_binding bindings[CLIENT_BINDINGS_MAX]; /* from the config */
	size_t n_bindings;

	/* Identity and trust. */
	char data_dir[CLIENT_PATH_MAX];
	char key_path[CLIENT_FILE_PATH_MAX];
	char known_path[CLIENT_FILE_PATH_MAX];
	struct sc_keypair key;
	char server_fp[KEYS_FINGERPRINT_LEN + 1];
	char server_short[KEYS_SHORT_LEN + 1];
	bool key_refused;    /* a changed key: never retry */
	bool accept_new_key; /* --accept-new-key: pin a new server silently */
	bool asking_key;     /* "trust this server key? (y/n)" asked */
	char new_key_fp[KEYS_FINGERPRINT_LEN + 1]; /* the key asked about */

	/* The connection. */
	enum conn_state state;
	struct bufferevent *bev;
	struct channel ch;
	char hello[CLIENT_HELLO_MAX];
	size_t hello_len;
	struct event *retry_timer;
	struct event *ping_timer;
	unsigned backoff_ms;
	unsigned pings_unanswered;
	uint64_t ping_id;
	uint8_t *rbuf; /* plaintext scratch */
	char *wbuf;    /* encode scratch */

	/* Credentials kept for this run (sodium_malloc'd password). */
	char login_user[SC_USER_MAX_LEN + 1];
	char *password;
	size_t password_len;
	bool logged_in_once;

	/* Chat state. */
	char me[SC_USER_MAX_LEN + 1]; /* logged-in user */
	bool is_op;		      /* login_ok said "op": true */
	char **online;		      /* sorted names */
	size_t n_online;
	char part_pending[BUFFER_NAME_MAX + 1]; /* /part sent, parted not
						 * yet back (batch waits) */
	char join_pending[BUFFER_NAME_MAX + 1]; /* /join sent, joined not
						 * yet: select it */
	struct msg parts_head;	 /* a name list's first part (owned) */
	struct name_parts parts; /* and the names so far (section 6) */
	struct sendq *outq;	 /* say/msg paced to the server's rate */
	struct event *outq_timer;

	/* The buffers: rooms, private conversations, the server's. */
	struct buffer_list bufs;

	/* The terminal. */
	struct editor ed;
	struct history hist;
	struct completer comp;
	bool prompting; /* masked password prompt */
	bool pasting;	/* inside a bracketed paste: Enter is a new line */
	size_t confirm_lines;	 /* "send N lines? (y/n)" asked, else 0 */
	struct search search;	 /* Ctrl-R in the current buffer */
	struct editor search_ed; /* the words searched */
	char prompt_user[SC_USER_MAX_LEN + 1];
	size_t sidebar_top; /* first name shown */
	struct event *stdin_ev;
	struct event *sig_winch, *sig_int, *sig_term, *sig_hup;
	bool ui_active;

	/* Batch mode. */
	struct bufferevent *in_bev;
	bool stdin_eof;
	bool want_password_line; /* --user in batch: next line */
	int exit_code;
	bool quitting;
};

/* ---- config.c --------------------------------------------------------- */

/* Sets one option by its config-file name from text ("yes", "4242",
 * "%H:%M "). Returns 0, or -1 with a reason in err. */
int config_set(struct client *c, const char *name, const char *value, char *err,
    size_t errlen) SC_WUR;

/*
 * Reads the config file at path over c's options: "name = value" lines,
 * "bind KEY ACTION", # comments. Returns 0, or -1 with "path:line: why"
 * (or "path: why") in err.
 */
int config_load(struct client *c, const char *path, char *err,
    size_t errlen) SC_WUR;

/* Reads the older config.json (the same settings as a JSON object). */
int config_load_json(struct client *c, const char *path, char *err,
    size_t errlen) SC_WUR;

/* ---- known.c ---------------------------------------------------------- */

#define KNOWN_LINE_MAX 1024 /* one "host:port fingerprint" line */

/* Looks up host:port in the known servers file. Returns 1 and the pinned
 * fingerprint (and its line number) when found, 0 when not, -1 on a
 * read error. */
int known_lookup(const char *path, const char *hostport, char *fp, size_t fplen,
    unsigned *line);

/* Appends "hostport fingerprint" to the file (created 0600). Returns 0 or
 * -1 with errno set. */
int known_add(const char *path, const char *hostport, const char *fp);

/* ---- net.c (first contact) -------------------------------------------- */

/* The answer to "trust this server key and connect? (y/n)": pins the
 * key asked about and connects again, or stays away. */
void net_trust_answer(struct client *c, bool yes);

/* ---- net.c ------------------------------------------------------------- */

/* Starts (or restarts) connecting to the server. */
void net_connect(struct client *c);

/* Connects again now (/connect): drops the link if any, forgets a
 * refused key and the backoff; batch mode goes on. */
void net_reconnect(struct client *c);

/* Closes the connection; plans a retry when retry. */
void net_disconnect(struct client *c, const char *why, bool retry);

/* Encrypts and sends one plaintext. Returns 0 or -1 (not connected). */
int net_send(struct client *c, const char *pt, size_t len);

/* Encodes request m (the message table's client row) and sends it; the
 * encoded copy is wiped afterwards. Returns 0, or -1 when not connected
 * or m does not encode. */
int net_request(struct client *c, const struct msg *m);

/* Sends login with the kept credentials. */
void net_login(struct client *c);

/* Forgets the kept password (wiped). */
void net_forget_password(struct client *c);

/* Keeps user and password (copied, password in sodium_malloc). */
void net_keep_credentials(struct client *c, const char *user,
    const char *password, size_t len);

/* ---- cmd.c and cmd-*.c ----------------------------------------------- */

#define CMD_NEEDS_LOGIN 0x1 /* refused until logged in */
#define CMD_OP		0x4 /* an operator's: /help lists it to them only */
#define CMD_SECRET                                                             \
	0x2 /* the last argument of usage is a secret: it                      \
	     * never reaches the input history */

/*
 * One command the user can type: one cmd-*.c file each, listed once in
 * cmd.c's table, which /help, Tab completion and the usage errors read.
 * The handler gets the rest of the line after the command's name (from
 * the space, if any) and checks its own arguments.
 */
struct cmd_entry {
	const char *name;  /* "/login" */
	const char *usage; /* "<user> [password]", or "" */
	const char *help;  /* one line for /help */
	unsigned flags;	   /* CMD_* */
	void (*handler)(struct client *, const char *args, size_t len);
};

extern const struct cmd_entry cmd_away_entry;
extern const struct cmd_entry cmd_ban_entry;
extern const struct cmd_entry cmd_connect_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_history_entry;
extern const struct cmd_entry cmd_join_entry;
extern const struct cmd_entry cmd_kick_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_login_entry;
extern const struct cmd_entry cmd_me_entry;
extern const struct cmd_entry cmd_msg_entry;
extern const struct cmd_entry cmd_mute_entry;
extern const struct cmd_entry cmd_names_entry;
extern const struct cmd_entry cmd_part_entry;
extern const struct cmd_entry cmd_query_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_reconnect_entry;
extern const struct cmd_entry cmd_rooms_entry;
extern const struct cmd_entry cmd_search_entry;
extern const struct cmd_entry cmd_topic_entry;
extern const struct cmd_entry cmd_unban_entry;
extern const struct cmd_entry cmd_unmute_entry;
extern const struct cmd_entry cmd_whois_entry;
/* Plain text (and "//text"): not in the table, it has no name. */
extern const struct cmd_entry cmd_say_entry;

/* The table, sorted by name. */
extern const struct cmd_entry *const cmd_table[];
extern const size_t cmd_table_len;

/* Runs one input line: a /command, or text to say ("//text" says
 * "/text"). */
void cmd_run(struct client *c, const char *line, size_t len);

/* Runs one entry with its arguments: its state check, then its handler. */
void cmd_run_entry(struct client *c, const struct cmd_entry *e,
    const char *args, size_t len);

/* The entry named name[0..len), or NULL. */
const struct cmd_entry *cmd_find(const char *name, size_t len);

/* The table entry a line runs; NULL for text to say or an unknown
 * command. */
const struct cmd_entry *cmd_of_line(const char *line, size_t len);

/* The table's names in table order, for completion (static storage). */
const char *const *cmd_names(size_t *n);

/*
 * What the input history keeps of a line: the line itself, or for a
 * command with CMD_SECRET only its name and the words before the secret.
 * Returns a new string.
 */
char *cmd_history_line(const char *line, size_t len);

/* Says "usage: NAME USAGE"; strict shows optional arguments as needed. */
void cmd_usage(struct client *c, const struct cmd_entry *e, bool strict);

/* The next space-delimited word of args[*pos..len): returns its length
 * and points *word at it; *pos moves past it. */
size_t cmd_word(const char *args, size_t len, size_t *pos, const char **word);

/* Checks text against the content rules before sending; says why not. */
bool cmd_text_ok(struct client *c, const char *text, size_t len);

/* What an operator command takes after its user (cmd_moderate). */
#define CMD_MOD_ROOM   0x1 /* [#room] */
#define CMD_MOD_TIME   0x2 /* [duration]: 90, 15m, 2h, 7d */
#define CMD_MOD_REASON 0x4 /* [reason...]: the rest of the line */

/* Parses "<user> [#room] [duration] [reason...]" (the parts takes
 * allows, in that order) for e into a request of type and sends it;
 * says the usage or why not otherwise. */
void cmd_moderate(struct client *c, const struct cmd_entry *e,
    enum msg_type type, unsigned takes, const char *args, size_t len);

/* Reads a room name ("rust" or "#rust") into out (BUFFER_NAME_MAX + 1
 * bytes); says why not and returns false when it is not one. */
bool cmd_room_name(struct client *c, const char *word, size_t len, char *out);

/* The room of the current buffer, or NULL (with a remark saying so,
 * naming what for) when it is not a room we are in. */
const char *cmd_current_room(struct client *c, const char *what);

/* Sends text (an action when action) where the current buffer says: a
 * say to its room, or a msg in a private conversation. */
void cmd_send_text(struct client *c, const char *text, size_t len, bool action);

/* ---- outq.c ---------------------------------------------------------- */

/* Queues one say (private false; target the room, "" the lobby) or msg
 * (to target) and sends it when the server's rate allows. */
void outq_line(struct client *c, bool private, const char *target, bool action,
    const char *text, size_t len);

/* Sends the queued lines the rate allows now; plans a timer for more. */
void outq_pump(struct client *c);

/* Lines queued and not yet sent (the status line shows them). */
size_t outq_waiting(const struct client *c);

/* Matches a server message with the oldest line in flight: our echo or
 * an error for say/msg answers it; rate_limited queues it again at the
 * head. True when m needs no showing (the line was queued again). */
bool outq_answer(struct client *c, const struct msg *m);

/* The connection ended: the lines in flight are forgotten. */
void outq_disconnected(struct client *c);

/* Frees the queue. */
void outq_free(struct client *c);

/* ---- events.c ---------------------------------------------------------- */

/* "[HH:MM] ": the stamp every shown line starts with, by default (the
 * config's timestamp may change it). */
#define EVENT_STAMP_DEFAULT    "[%H:%M] "
#define EVENT_STAMP_LEN	       8 /* bytes of the default stamp */
#define EVENT_STAMP_SIZE       64
#define EVENT_STAMP_FORMAT_MAX 32 /* bytes of a strftime format */

/*
 * One server message as it is shown, built once from the parsed message
 * (every string sanitized) and rendered by ui.c into the log or by
 * batch.c onto stdout.
 */
struct event_view {
	bool shown; /* false: nothing to show (pong) */
	enum line_kind kind;
	time_t when;	/* the server's ts, else arrival */
	char *nick;	/* who, for colour; may be NULL */
	char *prefix;	/* "<alice> ", "*a -> b* ", or the
			 * kind's mark ("-- ", "!!! ") */
	char *text;	/* the log's body (chat keeps LF) */
	char *plain;	/* the one-line form batch prints
			 * after the stamp, prefix included */
	bool mine;	/* our own message: never unread */
	bool highlight; /* names us: ring the bell */
};

/* Handles one plaintext from the server: parses it, applies what it
 * changes (state, online list, pings) and shows it. */
void events_handle(struct client *c, const uint8_t *buf, size_t len);

/* The connection ended: forgets the online list, the members of every
 * room and a name list that was arriving in parts. */
void events_disconnected(struct client *c);

/* Replaces the online list with a sorted copy of users[0..n). */
void events_set_online(struct client *c, const char *const *users, size_t n);

/* Asks the stored messages of buffer b (a room or a query) older than
 * before (0: the newest page); the reply shows those b does not show
 * (batch mode: prints them all). */
void events_history_ask(struct client *c, struct buffer *b, uint64_t before);

/* The view of the current buffer (a pane of height rows of width
 * columns) moved up: when its oldest line is on screen, asks the page
 * before it (with a marker on top) or says the history begins there. */
void events_scrolled_up(struct client *c, size_t width, size_t height);

/* Writes "[HH:MM] " for when (local time) into out. */
void events_stamp(char out[EVENT_STAMP_SIZE], time_t when);

/* Sets the stamp's strftime format: at most EVENT_STAMP_FORMAT_MAX bytes
 * of printable ASCII whose output fits. 0 or -1 (the format is kept). */
int events_set_stamp_format(const char *fmt) SC_WUR;

/* Bytes of a stamp in the current format (drawn in the stamp colour). */
size_t events_stamp_len(void);

/* ---- ui.c -------------------------------------------------------------- */

/* Where everything goes on the screen. */
struct ui_layout {
	int rows, cols;
	int chat_y; /* first row of the log (under the buffer bar) */
	int chat_h, chat_w;
	int side_x, side_w; /* side_w 0: hidden */
};

/* Adds a remark of the client to the log and shows it (batch: stderr).
 * The text is raw: it is sanitized here. */
void ui_line(struct client *c, enum line_kind kind, time_t when,
    const char *nick, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Adds a remark to buffer b (NULL: the current one). */
void ui_line_in(struct client *c, struct buffer *b, enum line_kind kind,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds a server event to buffer b's log and shows it. */
void ui_event(struct client *c, struct buffer *b, const struct event_view *v);

/* Rings the terminal bell (when the bell option is on). */
void ui_bell(struct client *c);

/* Makes buffer i current and redraws (the sidebar back at its top). */
void ui_select_buffer(struct client *c, size_t i);

/* Starts curses; false when the terminal cannot be used. */
bool ui_start(struct client *c);

/* Restores the terminal (safe to call twice). */
void ui_stop(struct client *c);

/* Redraws whatever changed (everything when full). */
void ui_redraw(struct client *c, bool full);

/* The online list changed. */
void ui_users_changed(struct client *c);

/* Computes the layout for the terminal's size. */
void ui_layout(struct ui_layout *lo);

/* ---- input.c ----------------------------------------------------------- */

/* Reads and handles every key waiting on the terminal. */
void input_keys(struct client *c);

/* Starts the masked password prompt for user. */
void input_prompt_password(struct client *c, const char *user);

/* Starts (or restarts) searching the current buffer's log for
 * text[0..len) (NULL: the words typed so far, none at first), the view
 * at the newest match; keys then walk the matches. */
void input_search(struct client *c, const char *text, size_t len);

/* ---- batch.c ----------------------------------------------------------- */

/* Starts reading commands from stdin. */
void batch_start(struct client *c);

/* Runs the stdin lines that may run now (after a state change). */
void batch_pump(struct client *c);

/* With --json: prints one received message as it came, re-encoded. */
void batch_json(struct client *c, const struct msg *msg);

/* Prints one received event's plain line (not with --json), and what is
 * not chat as a remark on stderr too. */
void batch_event(struct client *c, const struct event_view *v);

/* Prints a remark of the client (sanitized text) on stderr. */
void batch_remark(const char *text);

#endif /* SC_CLIENT_H */
