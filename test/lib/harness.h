/*
 * harness.h: what the end-to-end tests share: a real securechatd started
 * on 127.0.0.1 with a free port and a temporary data folder (tserver_*),
 * and a blocking test client built on common/ (tclient_*).
 *
 * Every wait is bounded (HARNESS_TIMEOUT_MS by default); a test that
 * waits longer fails instead of hanging.
 */
#ifndef SC_HARNESS_H
#define SC_HARNESS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "channel.h"
#include "clock.h"
#include "keys.h"
#include "msg.h"
#include "testlib.h"

/* 5 s, times $SC_TIMEOUT_SCALE (for slow runs: valgrind). */
#define HARNESS_TIMEOUT_MS harness_timeout_ms()
int harness_timeout_ms(void);
#define HARNESS_PASSWORD "password123"
/* Iterations of the test users' hashes: cheap, but real PBKDF2. */
#define HARNESS_ITERATIONS 1000

struct tserver {
	pid_t pid;
	unsigned port;
	char dir[64];	  /* temporary data folder */
	char users[128];  /* its users.json */
	char config[128]; /* its config.json */
	char log[128];	  /* its securechatd.log */
	char key[128];	  /* its server.key */
	char notify[128]; /* NOTIFY_SOCKET path */
	int notify_fd;	  /* our end of it */
	char fingerprint[KEYS_FINGERPRINT_LEN + 1];
};

/*
 * Prepares ts without a server: a new temporary folder with a users file
 * of users (NULL-terminated names, all with HARNESS_PASSWORD), the paths
 * of its config, log and key, and a bound notify socket. Fails the test
 * on any error.
 */
void tserver_prepare(struct tserver *ts, const char *const *users);

/* Writes ts's config file: listen, port (also set in ts), the folder's
 * paths (the history database too, unless extra_config has "database"),
 * log level debug, log_rate 0 (every line written) unless extra_config
 * sets it, and extra_config (JSON members without braces,
 * may be NULL). */
void tserver_write_config(struct tserver *ts, const char *listen, unsigned port,
    const char *extra_config);

/*
 * tserver_prepare(), tserver_write_config() on 127.0.0.1 and a free port,
 * then starts securechatd with --config and waits for READY=1 on its
 * notify socket. Fails the test on any error.
 */
void tserver_start(struct tserver *ts, const char *const *users,
    const char *extra_config);

/* Starts securechatd on ts's prepared folder and config (again, after
 * tserver_halt) and waits for READY=1; fails the test otherwise. */
void tserver_launch(struct tserver *ts);

/* Sends SIGTERM and waits, keeping the folder (tserver_launch may start
 * it again); returns the exit status (or -1). */
int tserver_halt(struct tserver *ts);

/* Same, with testuser and anotheruser. */
void tserver_start_default(struct tserver *ts, const char *extra_config);

/* Sends SIGTERM and waits; returns the exit status (or -1 on a signal
 * death / timeout). Removes the temporary folder. */
int tserver_stop(struct tserver *ts);

/* Waits for the next notify datagram (timeout_ms); returns a malloc'd
 * string or NULL. */
char *tserver_notify(struct tserver *ts, int timeout_ms);

/* True when the server's log file contains needle. */
bool tserver_log_has(struct tserver *ts, const char *needle);

/* Waits up to timeout_ms for needle to appear in the log. */
bool tserver_log_wait(struct tserver *ts, const char *needle, int timeout_ms);

/* Writes a users file entry line for name with password pw at path. */
void tserver_write_users(const char *path, const char *const *names,
    const char *pw, unsigned iterations);

struct tclient {
	int fd;
	struct channel ch;
	struct sc_keypair key;
	struct evbuffer *in, *out;
	uint8_t *buf;
	char hello[128];
};

/* Connects to 127.0.0.1:port; no handshake yet. NULL on failure. */
struct tclient *tclient_connect_raw(unsigned port);

/* Connects to 127.0.0.1:port from the IPv4 source address src (any
 * loopback address, e.g. "127.0.1.2"; NULL: the default); no handshake
 * yet. NULL on failure. */
struct tclient *tclient_connect_from(unsigned port, const char *src);

/* Connects and completes the handshake; fails the test otherwise. */
struct tclient *tclient_connect(unsigned port);

/* Runs the handshake on a raw client. Returns 0 or a negative error. */
int tclient_handshake(struct tclient *c);

/* Closes and frees. tclient_free(NULL) does nothing. */
void tclient_free(struct tclient *c);

/* Reads what the socket has into c->in, waiting up to timeout_ms (0 when
 * negative): 1 got some, 0 timeout, -1 closed or failed. */
int tclient_fill(struct tclient *c, int timeout_ms);

/* Sends whatever c->out holds (what the channel queued, or raw bytes a
 * test put there); fails the test otherwise. */
void tclient_send_out(struct tclient *c);

/* Writes raw bytes to the socket. Returns 0 or -1. */
int tclient_send_raw(struct tclient *c, const void *p, size_t len);

/* Encrypts one plaintext as a frame and sends it. */
void tclient_send(struct tclient *c, const char *json);
void tclient_sendn(struct tclient *c, const void *pt, size_t len);

/*
 * Receives one plaintext within timeout_ms as parsed JSON (caller
 * decrefs). NULL on timeout or close (*closed says which, may be NULL).
 */
json_t *tclient_recv(struct tclient *c, int timeout_ms, bool *closed);

/* Receives one message and checks its type; fails the test otherwise. */
json_t *tclient_expect(struct tclient *c, const char *type);

/* Fails the test unless j (NULL: nothing came) is a message of the given
 * type; returns j. */
json_t *tclient_check_type(json_t *j, const char *type);

/* Receives an error and checks code and ref (NULL: no ref allowed). */
void tclient_expect_error(struct tclient *c, const char *code, const char *ref);

/* True when nothing arrives within timeout_ms (connection still open). */
bool tclient_quiet(struct tclient *c, int timeout_ms);

/* True when the server closes the connection within timeout_ms
 * (plaintexts before the close are skipped). */
bool tclient_wait_closed(struct tclient *c, int timeout_ms);

/* Logs in; expects login_ok and returns it (caller decrefs). */
json_t *tclient_login(struct tclient *c, const char *user);

/* Connects, handshakes and logs in. */
struct tclient *tclient_login_new(unsigned port, const char *user);

/* The string member name of o, or "" when absent. */
const char *jstr(json_t *o, const char *name);

#endif /* SC_HARNESS_H */
