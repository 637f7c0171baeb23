/*
 * server.h: securechatd's internal structures and functions, grouped by
 * the file that owns them.
 *
 * One event loop thread owns every connection and all chat state; the auth
 * pool's worker threads only ever see an auth_job (a copied hash and a
 * copied password), never a session.
 */
#ifndef SC_SERVER_H
#define SC_SERVER_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>

#include "channel.h"
#include "clock.h"
#include "keys.h"
#include "log.h"
#include "msg.h"
#include "pwhash.h"
#include "bucket.h"
#include "sc_limits.h"
#include "store.h"
#include "text.h"
#include "utf8.h"
#include "users.h"
#include "xmalloc.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                             \
	for ((var) = TAILQ_FIRST(head);                                        \
	     (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);            \
	     (var) = (tvar))
#endif

#define SERVER_NAME	    "securechatd"
#define SERVER_IP_BUCKETS   1024
#define SERVER_HEARTBEAT_MS 50
/*
 * The fair loop (session.c). A loop pass starts with the first work done
 * after the loop slept, or where the last pass's timer ended. Sessions
 * handle frames while the pass is younger than SERVER_PASS_WORK_US, at
 * most SERVER_FRAMES_PER_TURN each before the others get a turn; one
 * that must wait joins the ready queue, served in order at the next pass.
 * The output queued in a pass is then written straight to the sockets
 * (as Redis does before it sleeps), as long as the pass is younger than
 * SERVER_PASS_FLUSH_US; only a socket that cannot take it all waits for
 * the loop to say it is writable. A message to many sessions is sent
 * within the same budget, the rest held for the next passes (fanout.c).
 * So no pass runs much longer than SERVER_PASS_FLUSH_US, however large
 * a room, and no more output is queued than a pass makes.
 */
#ifndef SERVER_PASS_WORK_US /* -D for a benchmark of other values */
#define SERVER_PASS_WORK_US 2000
#endif
#ifndef SERVER_PASS_FLUSH_US
#define SERVER_PASS_FLUSH_US 4000
#endif
#define SERVER_FRAMES_PER_TURN 16
/* Dead sessions freed between two looks at the pass clock. */
#define SERVER_REAP_CHECK_EVERY 8
/*
 * Expanded AES-GCM keys (1 KiB each with intel-ipsec-mb) are kept only for
 * sessions that use them: at most SERVER_KEY_CACHE, those unused for
 * SERVER_KEY_SWEEP_MS given back (aead.h); an idle session keeps its two
 * 32-byte keys.
 */
#define SERVER_KEY_CACHE    8192
#define SERVER_KEY_SWEEP_MS 2000

/* ---- config.c ---------------------------------------------------------- */

struct config {
	char *listen; /* IPv4 or IPv6 literal */
	unsigned port;
	char *users_path;
	char *key_path;
	char *log_dir;	   /* "" for no log file */
	char *server_name; /* display name in the server hello */
	enum log_level log_level;
	unsigned workers;    /* 0: one per core */
	unsigned auth_queue; /* pending checks before busy */
	unsigned handshake_timeout_ms;
	unsigned login_timeout_ms;
	unsigned idle_timeout_ms;
	unsigned shutdown_grace_ms;
	unsigned max_connections; /* 0: RLIMIT_NOFILE - fd_reserve */
	unsigned fd_reserve;	  /* descriptors kept for the rest */
	unsigned max_per_ip;
	unsigned max_unauth;		/* not logged in, server-wide */
	unsigned max_unauth_per_prefix; /* not logged in, per prefix */
	unsigned prefix_v4;		/* bits of an IPv4 prefix (/24) */
	unsigned prefix_v6;		/* bits of an IPv6 prefix (/64) */
	unsigned max_auth_failures;	/* per connection, then bye */
	unsigned ip_fail_limit;		/* failed logins per IP per window */
	unsigned ip_fail_window_ms;
	unsigned rate_burst; /* say/msg token bucket */
	unsigned rate_per_sec;
	unsigned req_rate;	 /* request budget: frames/s of any kind */
	unsigned req_burst;	 /* ... at once */
	size_t byte_rate;	 /* ... and bytes/s */
	size_t byte_burst;	 /* ... at once */
	size_t output_cap;	 /* bytes queued to one client */
	size_t output_total_cap; /* bytes queued to all clients */
	size_t msg_in_rate;  /* msg bytes/s one user may be sent by others */
	size_t msg_in_burst; /* ... at once */
	unsigned max_rooms_per_user; /* so that whois fits a frame */
	unsigned stall_log_ms;	     /* log loop stalls above this */
	unsigned log_rate;     /* log lines/s from network input, 0: all */
	unsigned log_repeat;   /* lines per kind and address per 10 s */
	char *database;	       /* history store; "" keeps it in memory */
	unsigned history_days; /* message retention; 0 stores none */
	/* Section 8 and account security. */
	char *motd_path;	       /* message of the day file; "" none */
	unsigned passwd_ends_sessions; /* 1: a changed password ends the
					* user's sessions at reload */
	unsigned min_password_length;  /* securechatctl's minimum */
};

/* Sets every setting to its default. */
void config_defaults(struct config *cfg);

/* Frees the strings cfg owns. */
void config_free(struct config *cfg);

/*
 * Reads a JSON config file over cfg. Returns 0, or -1 with a one-line
 * reason in err.
 */
int config_load_file(struct config *cfg, const char *path, char *err,
    size_t errlen) SC_WUR;

/* Sets one setting by its config-file name from a string (the command
 * line). Returns 0, or -1 with a reason in err. */
int config_set(struct config *cfg, const char *name, const char *value,
    char *err, size_t errlen) SC_WUR;

/* Checks cross-setting rules. Returns 0 or -1 with a reason in err. */
int config_check(const struct config *cfg, char *err, size_t errlen) SC_WUR;

enum config_dump_format {
	CONFIG_DUMP_CONF, /* cfg as a config file, each setting commented */
	CONFIG_DUMP_MAN,  /* every setting as roff .TP entries */
};

/* Writes every setting of the table to f: cfg's values as a commented
 * config file, or the settings with defaults and ranges for the man
 * page. */
void config_dump(FILE *f, const struct config *cfg,
    enum config_dump_format fmt);

/* ---- session.c --------------------------------------------------------- */

enum session_state {
	SESSION_HANDSHAKE, /* Noise handshake running */
	SESSION_AUTH,	   /* handshake done, not logged in */
	SESSION_ACTIVE,	   /* logged in */
	SESSION_CLOSING,   /* bye queued, flushing */
};

/* The allowed-state bits of a command. */
#define STATE_BIT(s) (1u << (s))

struct ipstate;
struct outpage;
struct room;
struct room_member;
struct store;
struct roster_user;
struct server;

struct session {
	TAILQ_ENTRY(session) entry;	   /* server's list */
	TAILQ_ENTRY(session) user_entry;   /* roster user's list */
	TAILQ_ENTRY(session) dead_entry;   /* reap list */
	TAILQ_ENTRY(session) ready_entry;  /* ready queue (fair loop) */
	TAILQ_ENTRY(session) flush_entry;  /* output to write this pass */
	TAILQ_ENTRY(session) unauth_entry; /* not logged in, oldest first */
	struct server *srv;
	evutil_socket_t fd;
	struct event rev;    /* readable (while reading) */
	struct event timer;  /* the next deadline (arm_timer) */
	struct event *wev;   /* writable: made when a socket first fills */
	struct evbuffer *in; /* frames read, not handled; NULL: none */
	struct channel ch;
	enum session_state state;
	struct ipstate *ip;
	struct ipstate *net;		 /* ip's prefix (admit.c) */
	struct roster_user *user;	 /* when ACTIVE */
	char addr[INET6_ADDRSTRLEN + 8]; /* "1.2.3.4:5" or "[::1]:5" */
	char host[INET6_ADDRSTRLEN];	 /* "1.2.3.4" or "::1" (log_peer) */
	uint64_t connected_ms;
	uint64_t last_frame_ms;
	uint64_t deadline_ms;	  /* handshake/login/flush */
	struct bucket tokens;	  /* say and msg (cmd.c) */
	struct bucket req_frames; /* the request budget: frames */
	struct bucket req_bytes;  /* and bytes (session.c) */
	uint64_t paused_until_ms; /* reading paused for the budget */
	unsigned auth_failures;
	unsigned refs;	   /* auth jobs in flight + 1 */
	bool auth_pending; /* input paused for a check */
	bool rate_noted;   /* rate limit logged */
	bool dead;	   /* freed by the reaper */
	bool ready_queued; /* waits for its turn */
	bool flush_queued; /* has output to write this pass */
	bool writing;	   /* waits for the socket to take output */
	bool unauth;	   /* counted as not logged in (admit.c) */
	bool reading;	   /* rev is pending */
	const char *close_reason;
	/* Queued output (session.c): frames not yet written, in pages. */
	struct outpage *out_head, *out_tail;
	size_t out_mem;	  /* what the allocator holds for them */
	unsigned out_pos; /* 1 + index in the server's out_heap, or 0 */
	/* Rooms (room.c). */
	LIST_HEAD(, room_member) rooms; /* this session's memberships */
	uint64_t login_ms;		/* wall clock, for whois since */
};

/* Takes over fd (accepted from peer; ip and net its address's and
 * prefix's records) and starts the handshake. */
void session_accept(struct server *srv, evutil_socket_t fd,
    const struct sockaddr *peer, int peerlen, struct ipstate *ip,
    struct ipstate *net);

/* Encrypts and queues one plaintext; drops a client over its output cap.
 * Returns 0, or -1 when the session is (now) dead. */
int session_send(struct session *s, const void *pt, size_t len);

/* Sends error code (message from msg_code_text) with ref when non-NULL. */
void session_error(struct session *s, enum msg_code code, const char *ref);

/* Sends bye with reason, then closes once the output is flushed. reason
 * must be a static string. */
void session_bye(struct session *s, const char *reason);

/* session_bye() with wire_reason (any length, copied) on the wire and
 * the static log_reason in the log. */
void session_bye_as(struct session *s, const char *log_reason,
    const char *wire_reason);

/* Marks s dead (closed now, freed later from the loop), logging reason. */
void session_kill(struct session *s, const char *reason);

/* Resumes reading after an auth check. */
void session_resume(struct session *s);

/* Drops one reference; frees a dead session with none left. */
void session_unref(struct session *s);

/* Frees every dead session that nothing references. */
void session_reap(struct server *srv);
/* The same within the loop pass's work budget (SERVER_PASS_WORK_US,
 * looked at every SERVER_REAP_CHECK_EVERY sessions): a mass disconnect is
 * freed over several passes. True when some are left. */
bool session_reap_some(struct server *srv);

/*
 * fanout.c: one message to many sessions within the pass's budget; what
 * does not fit is held, in order, for the next passes:
 *	fanout_begin(&f, srv, pt, len);
 *	for each recipient: fanout_add(&f, s);
 *	fanout_end(&f);
 * While a fan-out is held (fanout_busy), sessions handle no new frame.
 */
struct fanout_held;
struct fanout {
	struct server *srv;
	const void *pt;
	size_t len;
	struct fanout_held *held;
	unsigned count;
	bool over; /* the rest is held */
};
void fanout_begin(struct fanout *f, struct server *srv, const void *pt,
    size_t len);
void fanout_add(struct fanout *f, struct session *s);
void fanout_end(struct fanout *f);
bool fanout_busy(const struct server *srv);
/* Sends what was held, in order, while the pass is young. */
void fanout_resume(struct server *srv);
void fanout_free_all(struct server *srv);

/* Work is about to be done in this loop pass: starts the pass's clock
 * if this is its first work, and makes sure the pass timer ends it. */
void session_pass_work(struct server *srv);

/* True once this loop pass is older than us microseconds. */
bool session_pass_older(const struct server *srv, uint64_t us);

/* Gives the ready sessions their turns in order and writes the pass's
 * output (a timer callback, once per loop pass while there is work). */
void session_pass_timer(evutil_socket_t fd, short what, void *arg);

/* ---- cmd.c and cmd-*.c ------------------------------------------------- */

struct cmd_entry {
	enum msg_type type;
	unsigned states; /* STATE_BIT()s where allowed */
	/* Step 4, may be NULL: MSG_CODE_NONE, or rate_limited / busy. */
	enum msg_code (*rate)(struct session *);
	/* Step 6 and the work itself. */
	void (*handler)(struct session *, struct msg *);
};

/* A states bit of its own: step 2 answers forbidden unless the session's
 * user is an operator (section 8). */
#define CMD_OP_ONLY (1u << 31)

extern const struct cmd_entry cmd_login_entry;
extern const struct cmd_entry cmd_say_entry;
extern const struct cmd_entry cmd_msg_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_history_entry;
/* Rooms and the social layer (section 7). */
extern const struct cmd_entry cmd_join_entry;
extern const struct cmd_entry cmd_part_entry;
extern const struct cmd_entry cmd_topic_entry;
extern const struct cmd_entry cmd_names_entry;
extern const struct cmd_entry cmd_rooms_entry;
extern const struct cmd_entry cmd_away_entry;
extern const struct cmd_entry cmd_whois_entry;
/* Operators and moderation (section 8). */
extern const struct cmd_entry cmd_kick_entry;
extern const struct cmd_entry cmd_mute_entry;
extern const struct cmd_entry cmd_unmute_entry;
extern const struct cmd_entry cmd_ban_entry;
extern const struct cmd_entry cmd_unban_entry;

/* Checks one plaintext request in the spec's order and runs it. */
void cmd_dispatch(struct session *s, const uint8_t *buf, size_t len);

/* The say/msg token bucket: rate_limited when empty (takes nothing). */
enum msg_code cmd_check_tokens(struct session *s);

/* Takes one token of s's bucket (after a say/msg succeeded). */
void cmd_take_token(struct session *s);

/* Starts the bucket full (at login). */
void cmd_fill_tokens(struct session *s);

/* cmd-login.c: finishes a login when its check comes back. */
void cmd_login_done(struct session *s, const char *user, size_t user_len,
    bool ok);

/* ---- sorted.c --------------------------------------------------------- */

/* The name of the array element at elem, its length in *len. */
typedef const char *sorted_name_fn(const void *elem, size_t *len);

/* Compares a[0..alen) with b[0..blen) in strcmp order. */
int sorted_compare(const char *a, size_t alen, const char *b, size_t blen);

/* Binary search of base[0..n) (elements of size bytes, sorted by name):
 * the index of name[0..len) (*found true), or where it would go. */
size_t sorted_search(const void *base, size_t n, size_t size, const char *name,
    size_t len, sorted_name_fn *name_of, bool *found);

/* Opens a slot at index at of the array whose pointer is at basep (*n
 * elements of size bytes, room for *cap; grown by doubling from
 * first_cap). Returns the slot, to be filled by the caller. */
void *sorted_insert(void *basep, size_t *n, size_t *cap, size_t size, size_t at,
    size_t first_cap);

/* Removes the element at index at of base[0..*n). */
void sorted_remove(void *base, size_t *n, size_t size, size_t at);

/* ---- roster.c ---------------------------------------------------------- */

struct roster_user {
	char name[SC_USER_MAX_LEN + 1];
	size_t len;
	TAILQ_HEAD(, session) sessions;
	unsigned n_sessions;
	/* Section 7: away ends with the user's last session. */
	bool away;
	char away_text[SC_AWAY_MAX_LEN + 1];
	size_t away_len;
	unsigned mark;	  /* dedup of a fan-out (room_send_neighbours) */
	unsigned n_rooms; /* rooms it is a member of (max_rooms_per_user) */
	/* Private messages from others: a bucket of msg_in_rate bytes a
	 * second holding msg_in_burst (cmd-msg.c). */
	struct bucket inbound;
};

/* What whois needs of a user after it went offline (kept by name). */
struct roster_seen {
	char name[SC_USER_MAX_LEN + 1];
	size_t len;
	uint64_t said_ms;  /* monotonic: last say or msg; 0 never */
	uint64_t login_ms; /* monotonic: latest first-session login; 0 never */
};

/* Adds logged-in session s under name. Returns true when it is the
 * user's first session (the caller then sends presence). */
bool roster_add(struct server *srv, struct session *s, const char *name,
    size_t len);

/* Sends presence of u to every session of the other users. */
void roster_presence(struct server *srv, struct roster_user *u, bool online);

/* Removes s from its user; sends presence when it was the last. */
void roster_remove(struct server *srv, struct session *s);

/* The online user name[0..len), or NULL. */
struct roster_user *roster_find(struct server *srv, const char *name,
    size_t len);

/*
 * Sends m (login_ok, users, names or joined, its other members set) with
 * names[0..n) as its "users", split per section 6 when they do not fit
 * one frame: m with "more": true, then users messages carrying m's room
 * with the next parts, the last without "more". names must be sorted and
 * must live until it returns. Returns 0, or -1 when s died or a part
 * could not be encoded (then s got an internal error).
 */
int roster_send_names(struct session *s, struct msg *m,
    const char *const *names, size_t n);

/* Sends s the online users as login_ok (login_user != NULL) or users,
 * split per section 6. Returns 0 or -1 as roster_send_names. */
int roster_send_users(struct session *s, const char *login_user);

/* The record of user name[0..len), made when create (else NULL when
 * none). Records live as long as the server. */
struct roster_seen *roster_seen(struct server *srv, const char *name,
    size_t len, bool create);

/* Sends pt to every session of u (skipping except). */
void roster_send_user(struct roster_user *u, const void *pt, size_t len,
    struct session *except);

/* Sends pt to every logged-in session. */
void roster_broadcast(struct server *srv, const void *pt, size_t len);
struct fanout;
void roster_fanout_user(struct fanout *f, struct roster_user *u);

/* Frees the roster. */
void roster_free(struct server *srv);

/* ---- room.c ------------------------------------------------------------ */

/* One session's membership of one room: on the room's and the session's
 * lists. */
struct room_member {
	LIST_ENTRY(room_member) room_entry;
	LIST_ENTRY(room_member) session_entry;
	struct room *room;
	struct session *session;
};

/* A user in a room, with how many of its sessions are members. */
struct room_user {
	struct roster_user *user;
	unsigned n_sessions;
};

struct room {
	struct server *srv;
	char name[SC_ROOM_MAX_LEN + 1];
	size_t len;
	char topic[SC_TOPIC_MAX_LEN + 1]; /* "" when none */
	size_t topic_len;
	LIST_HEAD(, room_member) members; /* sessions */
	struct room_user *users;	  /* sorted by name */
	size_t n_users, users_cap;
};

/* Makes the lobby; call once before the loop runs. */
void room_init(struct server *srv);

/* Frees every room (sessions must have left them). */
void room_free_all(struct server *srv);

/* The room name[0..len), or NULL when it was never created. */
struct room *room_find(struct server *srv, const char *name, size_t len);

/* The room name[0..len), created (and persisted) when missing. */
struct room *room_get(struct server *srv, const char *name, size_t len);

/* True when user u (any of its sessions) is a member of r. */
bool room_has_user(const struct room *r, const struct roster_user *u);

/* True when session s itself is a member of r. */
bool room_has_session(const struct room *r, const struct session *s);

/* Creates a room read from storage at startup (or sets the topic of one
 * that exists, the lobby); no events. */
void room_load(struct server *srv, const char *name, const char *topic);

/* Adds s to r (nothing when it is in). Returns true when its user was
 * not a member before; then the other member sessions got room_join
 * when announce. */
bool room_add_session(struct room *r, struct session *s, bool announce);

/* Removes s from r (nothing when it is not in); when it was its user's
 * last session there and announce, the other member sessions get
 * room_part with reason (may be NULL). */
void room_remove_session(struct room *r, struct session *s,
    const struct msg_str *reason, bool announce);

/* s is ending: leaves every room, with room_part where it was the last
 * session of its user and the user stays online (announce). */
void room_session_end(struct session *s, bool announce);

/* Sets r's topic (len 0 clears it) and persists it. */
void room_set_topic(struct server *srv, struct room *r, const char *topic,
    size_t len);

/* Sends pt to every member session of r (skipping except). */
void room_send(struct room *r, const void *pt, size_t len,
    struct session *except);

/* Sends pt once to every session of every user who shares a room with
 * u, and to every session of u. */
void room_send_neighbours(struct server *srv, struct roster_user *u,
    const void *pt, size_t len);

/* Fills names[0..) with r's member user names, sorted; returns the count
 * (at most the users online). */
size_t room_names(const struct room *r, const char **names);

/* The rooms of u's sessions (union, sorted by name) into out[0..max);
 * returns the count. */
size_t room_user_rooms(struct server *srv, struct roster_user *u,
    const char **out, size_t max);

/* ---- admit.c ----------------------------------------------------------- */

/* At start: raises RLIMIT_NOFILE's soft limit to the hard one, derives
 * max_connections (RLIMIT_NOFILE - fd_reserve, or lower when set lower)
 * and max_unauth (0: half of max_connections), opens the spare
 * descriptor. */
void admit_fd_limits(struct server *srv);

/*
 * Decides on a new connection from ip (net: its prefix's record): NULL
 * to admit it (having dropped the oldest connection not logged in when
 * max_unauth was reached), else why it is refused (a static string).
 */
const char *admit_check(struct server *srv, struct ipstate *ip,
    struct ipstate *net);

/* s counts as not logged in, server-wide and in its prefix (at accept). */
void admit_enter(struct session *s);

/* s no longer counts (logged in, closing or dead); idempotent. */
void admit_leave(struct session *s);

/* accept() on lfd failed for want of descriptors: closes the spare
 * descriptor, accepts and closes up to a few waiting connections (they
 * are refused at once instead of hanging), reopens the spare. Returns how
 * many were refused. */
unsigned admit_drain(struct server *srv, evutil_socket_t lfd);

/* Removes every session of u from r (kick): they get parted {room, by,
 * reason?}, the other members room_part {room, user, by, reason?}.
 * False when no session of u is in r. */
bool room_kick_user(struct room *r, struct roster_user *u,
    const struct msg_str *by, const struct msg_str *reason);

/* ---- moderation.c ------------------------------------------------------ */

/*
 * The moderation state (PROTOCOL.md section 8) in memory: a sorted array
 * of store_mod records read from the database at start and on SIGHUP,
 * changed by operator commands (saved through the store's writer), with
 * one timer for the earliest end of a timed ban or mute.
 */
struct moderation {
	struct store_mod *recs; /* sorted by store_mod_compare */
	size_t n, cap;
	struct event *timer;
	uint64_t changes;     /* local changes, to spot a stale reload */
	uint64_t reload_mark; /* changes when the reload was asked */
	bool reloading;
};

/* Loads the state from the database (before the loop runs) and makes
 * the timer. */
void moderation_init(struct server *srv);

/* SIGHUP: reads the state again off the loop; sessions of users banned
 * meanwhile get bye. */
void moderation_reload(struct server *srv);

/* Frees the state. */
void moderation_free(struct server *srv);

/* True when name is an operator. */
bool moderation_is_op(struct server *srv, const char *name, size_t len);

/* The active ban of name, or NULL. */
const struct store_mod *moderation_ban(struct server *srv, const char *name,
    size_t len);

/* True when name may not say in room (NULL: send a msg); *until gets the
 * latest end when every mute that applies is timed, else 0. */
bool moderation_muted(struct server *srv, const char *name, size_t len,
    const char *room, int64_t *until);

/* True when name has no bound devices or fp is one of them. */
bool moderation_device_ok(struct server *srv, const char *name, size_t len,
    const char *fp);

/* Sets (replaces) record m in memory and in the store, rearming the
 * timer. */
void moderation_set(struct server *srv, const struct store_mod *m);

/* Lifts the record of kind, user, key ("" none); false when there was
 * none. */
bool moderation_lift(struct server *srv, enum store_mod_kind kind,
    const char *user, const char *key);

/* Step 6 of an operator command on req->user (and req->room): the
 * error code, or MSG_CODE_NONE; *room gets the room when named.
 * protect: an operator target is forbidden (kick, mute, ban). */
enum msg_code moderation_target(struct session *s, const struct msg *req,
    bool protect, struct room **room);

/* Fills a record of kind for req->user by s's user, with req's seconds
 * (until) and reason. */
void moderation_record(struct session *s, const struct msg *req,
    enum store_mod_kind kind, const char *key, struct store_mod *out);

/* Formats the " for N s (until ...), reason \"...\"" tail of an audit
 * line (reason escaped and cut) into buf; returns buf. */
const char *moderation_why(const struct store_mod *m, char *buf, size_t len);

/* Formats ", reason \"...\"" or ", no reason given" into buf. */
const char *moderation_reason(const char *reason, char *buf, size_t len);

/* Sends error code with ref, and until when it is not 0. */
void moderation_error(struct session *s, enum msg_code code, const char *ref,
    int64_t until);

/* The muted check of say (in room) and msg (room NULL), after their
 * target checks: true when s's user is muted there (s got muted). */
bool moderation_refuse_muted(struct session *s, const char *room,
    const char *ref);

/* Sends bye "<what> by <op>[: <reason>]" ("kicked", "banned": static,
 * also the log's reason) to every session of u. */
void moderation_bye_by(struct roster_user *u, const char *what, const char *op,
    const struct msg_str *reason);

/* Sends bye with reason to every session of u (kick, ban, account
 * changes); log_reason is a static string for the disconnect line. */
void moderation_bye_user(struct roster_user *u, const char *log_reason,
    const char *reason);

/* ---- authpool.c -------------------------------------------------------- */

struct authpool;

/* Starts n worker threads with a queue of qmax pending jobs. */
struct authpool *authpool_new(struct server *srv, unsigned n, unsigned qmax);

/* True when a new job would be refused (busy). */
bool authpool_full(struct authpool *p);

/*
 * Queues a check of password against hash (NULL: the dummy hash, for an
 * unknown user) for session s, which gets a reference until the result
 * comes back. Returns 0 or -1 when the queue is full.
 */
int authpool_submit(struct authpool *p, struct session *s,
    const struct pwhash *hash, const char *user, size_t user_len,
    const char *password, size_t pwlen) SC_WUR;

/* Jobs queued or running. */
unsigned authpool_pending(struct authpool *p);

/* Stops and joins the workers, dropping queued jobs. */
void authpool_free(struct authpool *p);

/* ---- ipstate.c --------------------------------------------------------- */

/* The record of one address, or of one prefix (prefix_v4/prefix_v6
 * bits; then only conns and unauth are used). */
struct ipstate {
	LIST_ENTRY(ipstate) entry;
	uint8_t addr[16]; /* IPv4 mapped into IPv6; cut to the prefix */
	bool prefix;
	unsigned conns;	 /* connections (an address: max_per_ip) */
	unsigned unauth; /* of them not logged in (max_unauth_per_prefix) */
	unsigned fails;
	uint64_t fail_start_ms;
};

/* Finds or makes the record of peer's address; NULL if unsupported. */
struct ipstate *ipstate_get(struct server *srv, const struct sockaddr *peer);

/* Finds or makes the record of peer's address prefix; NULL if
 * unsupported. Frees no other record, so call it after ipstate_get. */
struct ipstate *ipstate_get_prefix(struct server *srv,
    const struct sockaddr *peer);

/* Drops a connection from ip; frees it when it holds nothing. */
void ipstate_release(struct server *srv, struct ipstate *ip);

/* Frees ip when it holds nothing (after a refused connection, which
 * never counted). */
void ipstate_forget_if_idle(struct server *srv, struct ipstate *ip);

/* Records a failed login from ip. */
void ipstate_fail(struct server *srv, struct ipstate *ip);

/* True when ip has too many recent failed logins. */
bool ipstate_throttled(struct server *srv, struct ipstate *ip);

/* Frees every record. */
void ipstate_free_all(struct server *srv);

/* ---- notify.c ---------------------------------------------------------- */

/* Sends state (e.g. "READY=1") to $NOTIFY_SOCKET if set. Returns 0, or
 * -1 (errno set) on failure; no socket is not a failure. */
int notify_send(const char *state);

/* The first listening socket systemd passed (socket activation). */
#define NOTIFY_LISTEN_FDS_START 3
/* At most this many passed sockets are used. */
#define NOTIFY_LISTEN_FDS_MAX 16

/*
 * Socket activation: when $LISTEN_PID is this process, the number of
 * sockets in $LISTEN_FDS (from fd NOTIFY_LISTEN_FDS_START on), each
 * checked to be a listening stream socket and set close-on-exec; 0 when
 * none were passed. The variables are unset either way. -1 with a reason
 * in err when they are malformed or a descriptor is not a listening
 * socket.
 */
int notify_listen_fds(char *err, size_t errlen) SC_WUR;

/*
 * The watchdog interval systemd asked for ($WATCHDOG_USEC, when
 * $WATCHDOG_PID is unset or this process) in microseconds; 0 for none.
 */
uint64_t notify_watchdog_usec(void);

/* Notes that the user or connection count changed. */
void notify_status(struct server *srv);

/* Sends "STATUS=<n> users online, <m> connections" if it changed, at
 * most once a second unless now. */
void notify_flush(struct server *srv, bool now);

/* ---- securechatd.c ----------------------------------------------------- */

struct server {
	struct event_base *base;
	struct config cfg;
	int listen_fds[NOTIFY_LISTEN_FDS_MAX]; /* bound, or passed by systemd */
	size_t n_listen;
	bool socket_activated; /* the sockets came from LISTEN_FDS */
	struct evconnlistener *listeners[NOTIFY_LISTEN_FDS_MAX];
	struct event *listener_retry; /* re-enables accept after EMFILE */
	struct event *sig_term, *sig_int, *sig_hup, *sig_usr1, *sig_usr2;
	struct event *watchdog;	 /* WATCHDOG=1 from the loop itself */
	unsigned test_stall_ms;	 /* SIGUSR2 sleeps this long (tests) */
	struct event *reaper;	 /* frees dead sessions */
	struct event *heartbeat; /* measures loop stalls */
	struct event *shutdown_timer;
	struct sc_keypair key;
	char fingerprint[KEYS_FINGERPRINT_LEN + 1];
	char hello[256]; /* the msg2 payload */
	size_t hello_len;
	struct users *users;
	struct pwhash dummy_hash; /* for unknown users: the median cost */
	struct authpool *auth;
	struct store *store;   /* NULL: no history (it failed to open) */
	struct moderation mod; /* section 8 (moderation.c) */
	char *motd;	       /* the message of the day, or NULL */

	TAILQ_HEAD(, session) sessions;
	TAILQ_HEAD(, session) dead;
	TAILQ_HEAD(session_list, session) ready; /* waiting for their turn */
	struct session_list flush;		 /* output to write this pass */
	struct event *pass_timer;		 /* ends each pass with work */
	TAILQ_HEAD(, fanout_held) fanouts;	 /* held fan-outs, in order */
	unsigned long fanouts_held;		 /* ever held (stats) */
	uint64_t pass_start_us;			 /* the current pass began */
	bool pass_armed;			 /* pass_timer is pending */
	/* Sessions with queued output, a max-heap by out_mem (session.c),
	 * and the sum of their out_mem. */
	struct session **out_heap;
	unsigned out_heap_len, out_heap_cap;
	size_t out_total;
	struct aead_cache *key_cache; /* the sessions' expanded keys */
	unsigned long beats;	      /* heartbeats so far */
	TAILQ_HEAD(, session) unauth; /* not logged in, oldest first */
	unsigned n_unauth;	      /* on that list */
	unsigned n_dying;	      /* killed, not yet reaped */
	int spare_fd;		      /* for admit_drain; -1 if none */
	unsigned n_sessions;
	LIST_HEAD(, ipstate) ips[SERVER_IP_BUCKETS];

	struct roster_user **online; /* sorted by name */
	size_t n_online, online_cap;
	const char **names; /* scratch for users arrays */

	/* Rooms (room.c), sorted by name; the lobby always exists. */
	struct room **rooms;
	size_t n_rooms, rooms_cap;
	struct room *lobby;
	unsigned mark;		   /* fan-out generation (roster_user) */
	struct roster_seen **seen; /* sorted by name (roster.c) */
	size_t n_seen, seen_cap;
	uint64_t started_ms; /* monotonic */

	uint64_t last_msg_id;
	struct evbuffer *hs_out; /* handshake replies, moved to pages at once */
	uint8_t *rbuf;		 /* decrypted plaintext scratch, wiped
				  * after each request */
	char *wbuf;		 /* encoded message scratch */

	uint64_t heartbeat_us; /* monotonic time of last beat */
	uint64_t stall_max_us; /* largest lateness seen */
	uint64_t stall_win_us; /* the same since the last SIGUSR1 */
	uint64_t accept_errors;
	bool accept_paused; /* after EMFILE; retried by timer */
	uint64_t status_ms; /* last STATUS= sent */
	bool status_dirty;
	bool stopping;
};

/* The display name of this server program and version. */
#define SERVER_SOFTWARE SERVER_NAME "/" SC_VERSION

/* Re-enables a listener paused after an accept error. */
void server_listener_retry(struct server *srv);

/* Ends the loop once every session is gone during a shutdown. */
void server_check_stopped(struct server *srv);

/* Makes the hash an unknown user is checked against: the parameters of
 * the median cost of the users file, a random salt, a digest nothing
 * matches (PROTOCOL.md section 3: same time for an unknown name). */
void server_make_dummy_hash(struct server *srv);

#endif /* SC_SERVER_H */
