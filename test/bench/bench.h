/*
 * bench.h: securechat-bench, the load generator of SecureChat. Options
 * (bench.c), the non-blocking client connection every scenario drives
 * (conn.c), the latency histogram (hist.c), the result report (report.c),
 * the server under test (target.c; its RSS comes from test/lib's
 * testlib.h, clocks from common/clock.h) and one entry point per scenario
 * family (chat.c, idle.c, hs.c, mkusers.c).
 *
 * A run is one process. Every scenario but handshakes uses one thread
 * and one libevent loop; handshakes may use several loops (--threads)
 * because the client's X25519 work equals the server's.
 */
#ifndef SC_BENCH_H
#define SC_BENCH_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "channel.h"
#include "clock.h"
#include "keys.h"
#include "testlib.h"
#include "text.h"

#define BENCH_NAME	     "securechat-bench"
#define BENCH_TEXT_LEN	     64	   /* bytes of say / PRIVMSG text */
#define BENCH_READ_CHUNK     65536 /* bytes reserved per read(2) */
#define BENCH_GRACE_SEC	     30	   /* hard deadline beyond --duration */
#define BENCH_SETTLE_MS	     500   /* after setup, before sending */
#define BENCH_IDLE_SETTLE_MS 1000  /* idle: before the second RSS */
#define BENCH_DRAIN_MS	     5000  /* after sending, for stragglers */
#define BENCH_LOGIN_RETRY_MS 50	   /* after a busy reply */
#define BENCH_LOGIN_BUSY_MS  10000 /* then busy is a failure */
#define BENCH_IRC_LINE_MAX   8192  /* longer IRC lines close the conn */
#define BENCH_IRC_CHANNEL    "#bench"
#define BENCH_MAX_THREADS    64
#define BENCH_STATS_WAIT_MS  3000 /* for the daemon's stats line */
/* Connections being set up at once; ngIRCd listens with a backlog of 10. */
#define BENCH_SETUP_SECURECHAT 256
#define BENCH_SETUP_IRC	       8
#define BENCH_HS_FAIL_LIMIT    10000 /* failed handshakes, none done */
/* Above this share of its core the figure is the generator's, not the
 * server's (issue 12, target 3). */
#define BENCH_CPU_BOUND_PCT 80
/*
 * fanout: a loop round lasts at least this (--round-us), so that each
 * read finds several frames and the generator's cost per delivery is
 * mostly decryption, not system calls.
 */
#define BENCH_ROUND_FANOUT_US 0

#define BENCH_EXIT_OK	    0
#define BENCH_EXIT_FAIL	    1 /* a run failed: connect, login... */
#define BENCH_EXIT_DEADLINE 2 /* the hard deadline was hit */
#define BENCH_EXIT_USAGE    64

enum bench_proto {
	BENCH_SECURECHAT,
	BENCH_IRC,
};

/* The command line; read-only once parsed. */
struct bench_opts {
	const char *scenario;
	const char *host;
	unsigned port;
	enum bench_proto proto;
	unsigned receivers;
	unsigned senders;
	unsigned window;
	double rate;
	unsigned sessions;
	unsigned idle_users; /* idle: distinct users, 0 = all */
	bool irc_no_join;    /* irc: ready at 001 (idle) */
	unsigned concurrency;
	unsigned logins;
	unsigned threads;
	unsigned setup_concurrency;
	const char *user_prefix;
	const char *storm_prefix;
	const char *password;
	unsigned sources;
	pid_t server_pid;
	const char *server_log;
	double duration;
	double warmup;
	double deadline;
	bool json;
	bool quickack;
	bool fresh_ephemeral; /* not the load generator's noise_reuse */
	int round_us; /* a loop round's least length; -1 until defaulted */

	struct sockaddr_storage addr; /* host:port resolved */
	socklen_t addr_len;
};

extern struct bench_opts bench_opts;

/* ---- bench.c ----------------------------------------------------------- */

/* Names the phase the hard-deadline message will mention. */
void bench_set_phase(const char *phase);

/* Process CPU time (user + system) in nanoseconds. */
uint64_t bench_cpu_ns(void);

/* Prints a formatted error line to stderr, prefixed with the tool name. */
void bench_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What the generator itself used of its core over an interval. */
struct bench_usage {
	uint64_t wall_ns; /* monotonic */
	uint64_t cpu_ns;  /* the whole process, every thread */
	uint64_t wait_ns; /* the calling thread, runnable but not running */
	bool running;
};

/* Starts an interval now. */
void bench_usage_start(struct bench_usage *u);

/* Ends the interval (once; later calls do nothing): u holds deltas. */
void bench_usage_stop(struct bench_usage *u);

/*
 * Reports bench_cpu_pct (process CPU / wall, in % of one core),
 * bench_wait_pct (the calling thread's run-queue wait / wall) and, when
 * the CPU share is above BENCH_CPU_BOUND_PCT, bound_by "generator" (or
 * "generator (core shared)" when CPU and wait together are). An interval
 * never started reports null. what says what it covers.
 */
void bench_usage_report(const struct bench_usage *u, const char *what);

/* ---- conn.c ------------------------------------------------------------ */

enum conn_state {
	CONN_IDLE = 0, /* no socket */
	CONN_CONNECTING,
	CONN_HANDSHAKE, /* securechat: Noise XX in progress */
	CONN_LOGIN,	/* securechat: login sent */
	CONN_PING,	/* securechat: ping sent after the handshake */
	CONN_WELCOME,	/* irc: NICK/USER sent, waiting for 001 */
	CONN_JOIN,	/* irc: JOIN sent, waiting for 366 */
	CONN_READY,	/* logged in (and joined), or handshake done */
};

/* What a connection is opened for. */
enum conn_goal {
	CONN_GOAL_LOGIN,     /* securechat login / irc registration + JOIN */
	CONN_GOAL_HANDSHAKE, /* securechat handshake then one ping/pong */
};

struct conn;
struct worker;

/* What a scenario wants to hear about its connections. */
struct conn_hooks {
	/* The goal was reached. */
	void (*ready)(struct conn *);
	/* After ready: a plaintext (securechat) or one line without its
	 * CR LF (irc). The hook may close the connection. */
	void (*message)(struct conn *, const uint8_t *, size_t);
	/* Just before a dirty connection's output is written; may queue
	 * more. May be NULL. */
	void (*flush)(struct conn *);
	/* The connection failed or was closed by the peer; it is closed. */
	void (*lost)(struct conn *, const char *reason);
	/* After every loop iteration. May be NULL. */
	void (*after)(struct worker *);
};

struct worker {
	struct event_base *base;
	const struct conn_hooks *hooks;
	void *arg;		  /* the scenario's state */
	TAILQ_HEAD(, conn) dirty; /* output queued, not yet written */
	struct sc_keypair key;	  /* device key of every connection */
	struct noise_reuse reuse; /* the loop's shared ephemeral (noise.h) */
	uint8_t *buf;		  /* one plaintext, SC_MSG_MAX_LEN */
	unsigned next_source;	  /* --sources round robin */
	uint64_t now;		  /* ns: when the last read returned */
	uint64_t round_ns;	  /* a loop round lasts at least this */
	volatile bool stop;

	/* Counters kept by conn.c. */
	uint64_t login_busy;	   /* busy replies, retried */
	uint64_t login_ok_too_big; /* internal error instead of login_ok */
	uint64_t irc_pings;	   /* PING answered */
	uint64_t reads;		   /* read(2) calls that returned data */
};

struct conn {
	struct worker *w;
	int fd;
	unsigned gen; /* bumped on every close */
	struct event *rev, *wev, *timer;
	struct evbuffer *in, *out;
	struct channel ch;
	bool ch_live;
	enum conn_state state;
	enum conn_goal goal;
	const char *prefix; /* user name prefix */
	unsigned user;	    /* user number */
	bool dirty;	    /* on the worker's dirty list */
	bool flushing;	    /* its flush hook is running */
	TAILQ_ENTRY(conn) dirty_entry;

	int role;	/* the scenario's */
	unsigned index; /* the scenario's */
	void *arg;	/* the scenario's */

	uint64_t t_open;  /* ns: conn_open */
	uint64_t t_login; /* ns: login / NICK sent */
	uint64_t t_ready; /* ns: goal reached */
};

/* Sets up a loop with its device key. Returns 0 or SC_ERR_IO. */
int conn_worker_init(struct worker *w, const struct conn_hooks *hooks,
    void *arg) SC_WUR;

/* Frees the loop; every connection must be freed before. */
void conn_worker_free(struct worker *w);

/* Runs the loop until w->stop, writing dirty output after each round. */
void conn_worker_run(struct worker *w);

/*
 * Opens c (zeroed or previously closed) towards --host:--port for goal,
 * as user <prefix><user>. Returns 0, or SC_ERR_IO with why (whylen
 * bytes) saying what failed; c is then closed.
 */
int conn_open(struct conn *c, struct worker *w, enum conn_goal goal,
    const char *prefix, unsigned user, char *why, size_t whylen) SC_WUR;

/* Closes c's socket (with an RST when reset); safe to repeat. */
void conn_close(struct conn *c, bool reset);

/* Closes c and frees its buffers and timer. */
void conn_free(struct conn *c);

/* Queues one plaintext (securechat) or raw line (irc). Returns 0 or a
 * negative SC_ERR_*. */
int conn_send(struct conn *c, const void *data, size_t len) SC_WUR;

/* Puts c on the list written after this loop round. */
void conn_mark_dirty(struct conn *c);

/* True when the connection's socket is open. */
bool conn_is_open(const struct conn *c);

/* ---- hist.c ------------------------------------------------------------ */

/* Latencies in microseconds: exact below 2048 us, then 1024 log-linear
 * buckets per power of two (0.1% precision). */
struct hist {
	uint64_t *counts;
	uint64_t n;
	uint64_t max;
	uint64_t sum;
};

/* Allocates the buckets. Never fails (out of memory is fatal). */
void hist_init(struct hist *h);

/* Frees the buckets. */
void hist_free(struct hist *h);

/* Records one value. */
void hist_add(struct hist *h, uint64_t us);

/* Adds every value of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* The value at quantile q (0..1): the upper edge of its bucket. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Reports count, p50, p90, p99, p99.9 and max under key prefix. */
void hist_report(const struct hist *h, const char *prefix);

/* ---- report.c ---------------------------------------------------------- */

/* Adds one result; text output shows them in this order. */
void report_uint(const char *key, uint64_t v);
void report_num(const char *key, double v);
void report_str(const char *key, const char *v);

/* Adds a sentence saying what a figure means. */
void report_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints everything, as text lines or one JSON object, and frees it. */
void report_print(bool json);

/* ---- target.c ---------------------------------------------------------- */

/* The current size of the server log, or -1 when it cannot be read. */
long target_log_offset(const char *path);

/* Sends SIGUSR1 to the server. Returns 0 or SC_ERR_IO. */
int target_request_stats(pid_t pid) SC_WUR;

/*
 * Waits up to BENCH_STATS_WAIT_MS for a "stats:" line after offset in the
 * server log and returns its largest loop stall since the server started,
 * in ms, or -1.
 */
double target_stall_ms(const char *path, long offset);

/*
 * Ends one stall window of the server and starts the next: the log's
 * size, then SIGUSR1 to --server-pid, whose stats line restarts the
 * server's "since the last stats" stall. Never blocks. Returns the offset
 * to give target_window_ms(), or -1 without --server-log.
 */
long target_mark(void);

/*
 * The largest loop stall of the window that the mark at offset ended (the
 * "since the last stats" figure of the first stats line after offset),
 * waiting up to BENCH_STATS_WAIT_MS for it: ms, or NAN (no mark, no line,
 * or a server without that figure).
 */
double target_window_ms(long offset);

/* The larger of two stalls, NAN when both are. */
double target_stall_max(double a, double b);

/* ---- scenarios --------------------------------------------------------- */

/* chat.c: fanout, latency and login-storm. Returns an exit status. */
int chat_run(void);

/* idle.c: idle sessions and the server's RSS. */
int idle_run(void);

/* hs.c: handshakes/s, and the X25519 bound alone. */
int hs_run(void);
int hs_run_x25519(void);

/* mkusers.c: the make-users subcommand. */
int mkusers_main(int argc, char **argv);

#endif /* SC_BENCH_H */
