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

#include "model.h"

#define CLIENT_NAME		"securechat"
#define CLIENT_SOFTWARE		CLIENT_NAME "/" SC_VERSION
#define CLIENT_DEFAULT_HOST	"127.0.0.1"
#define CLIENT_DEFAULT_PORT	65432
#define CLIENT_PING_SECS	30	/* keepalive when nothing was sent */
#define CLIENT_PONG_GRACE	2	/* pings unanswered before a reconnect */
#define CLIENT_BACKOFF_MIN_MS	1000
#define CLIENT_BACKOFF_MAX_MS	30000
#define CLIENT_SIDEBAR_WIDTH	20
#define CLIENT_SIDEBAR_MIN_COLS	60	/* below this the sidebar hides */

enum conn_state {
	CONN_IDLE,		/* not connected, no retry planned */
	CONN_WAITING,		/* waiting to reconnect */
	CONN_CONNECTING,	/* TCP connect (and name lookup) */
	CONN_HANDSHAKE,
	CONN_OPEN,		/* handshake done, not logged in */
	CONN_LOGGING_IN,
	CONN_LOGGED_IN,
};

struct client {
	struct event_base *base;
	struct evdns_base *dns;

	/* Options. */
	char *host;
	unsigned port;
	char *user;			/* --user: log in after connecting */
	bool batch;
	bool json;
	bool color;
	size_t scrollback;

	/* Identity and trust. */
	char data_dir[1024];
	char key_path[1100];
	char known_path[1100];
	struct sc_keypair key;
	char server_fp[KEYS_FINGERPRINT_LEN + 1];
	char server_short[KEYS_SHORT_LEN + 1];
	bool key_refused;		/* a changed key: never retry */

	/* The connection. */
	enum conn_state state;
	struct bufferevent *bev;
	struct channel ch;
	char hello[128];
	size_t hello_len;
	struct event *retry_timer;
	struct event *ping_timer;
	unsigned backoff_ms;
	unsigned pings_unanswered;
	uint64_t ping_id;
	uint8_t *rbuf;			/* plaintext scratch */
	char *wbuf;			/* encode scratch */

	/* Credentials kept for this run (sodium_malloc'd password). */
	char login_user[SC_USER_MAX_LEN + 1];
	char *password;
	size_t password_len;
	bool logged_in_once;

	/* Chat state. */
	char me[SC_USER_MAX_LEN + 1];	/* logged-in user */
	char **online;			/* sorted names */
	size_t n_online;

	/* The terminal. */
	struct scrollback sb;
	struct editor ed;
	struct history hist;
	struct completer comp;
	bool prompting;			/* masked password prompt */
	char prompt_user[SC_USER_MAX_LEN + 1];
	size_t sidebar_top;		/* first name shown */
	struct event *stdin_ev;
	struct event *sig_winch, *sig_int, *sig_term, *sig_hup;
	bool ui_active;

	/* Batch mode. */
	struct bufferevent *in_bev;
	bool stdin_eof;
	bool want_password_line;	/* --user in batch: next line */
	int exit_code;
	bool quitting;
};

/* ---- known.c ---------------------------------------------------------- */

/* Looks up host:port in the known servers file. Returns 1 and the pinned
 * fingerprint (and its line number) when found, 0 when not, -1 on a
 * read error. */
int known_lookup(const char *path, const char *hostport, char *fp,
    size_t fplen, unsigned *line);

/* Appends "hostport fingerprint" to the file (created 0600). Returns 0 or
 * -1 with errno set. */
int known_add(const char *path, const char *hostport, const char *fp);

/* ---- net.c ------------------------------------------------------------- */

/* Starts (or restarts) connecting to the server. */
void net_connect(struct client *c);

/* Closes the connection; plans a retry when retry. */
void net_disconnect(struct client *c, const char *why, bool retry);

/* Encrypts and sends one plaintext. Returns 0 or -1 (not connected). */
int net_send(struct client *c, const char *pt, size_t len);

/* Sends login with the kept credentials. */
void net_login(struct client *c);

/* Forgets the kept password (wiped). */
void net_forget_password(struct client *c);

/* Keeps user and password (copied, password in sodium_malloc). */
void net_keep_credentials(struct client *c, const char *user,
    const char *password, size_t len);

/* ---- commands.c -------------------------------------------------------- */

/* The command names, for completion and /help. */
extern const char *const commands_names[];
extern const size_t commands_count;

/* Runs one input line (a /command or text to say). */
void commands_run(struct client *c, const char *line, size_t len);

/* Handles one plaintext from the server. */
void commands_event(struct client *c, const uint8_t *buf, size_t len);

/* ---- ui.c -------------------------------------------------------------- */

/* Adds a line to the log and shows it (batch: prints it). text is raw:
 * it is sanitized here. */
void ui_line(struct client *c, enum line_kind kind, time_t when,
    const char *nick, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Adds a chat line from parts that came from the network. */
void ui_chat(struct client *c, enum line_kind kind, time_t when,
    const char *from, const char *to, const char *text, size_t text_len);

/* Starts curses; false when the terminal cannot be used. */
bool ui_start(struct client *c);

/* Restores the terminal (safe to call twice). */
void ui_stop(struct client *c);

/* Redraws whatever changed (everything when full). */
void ui_redraw(struct client *c, bool full);

/* Reads and handles every key waiting on the terminal. */
void ui_keys(struct client *c);

/* The online list changed. */
void ui_users_changed(struct client *c);

/* Starts the masked password prompt for user. */
void ui_prompt_password(struct client *c, const char *user);

/* ---- batch.c ----------------------------------------------------------- */

/* Starts reading commands from stdin. */
void batch_start(struct client *c);

/* Runs the stdin lines that may run now (after a state change). */
void batch_pump(struct client *c);

/* Prints one received event (text or JSON line). */
void batch_event(struct client *c, const uint8_t *buf, size_t len,
    const struct msg_event *ev);

#endif /* SC_CLIENT_H */
