/*
 * hs.c: the handshakes scenario, and the X25519 bound it is compared with.
 *
 * C loops each connect, run Noise XX, send one ping and wait for its pong
 * (so the server has surely processed msg3), then close with an RST (no
 * TIME_WAIT on our side) and start over. A handshake counts when its pong
 * arrives inside the steady window.
 *
 * A real initiator does as much X25519 work as the responder (a key
 * generation and three DH), so the generator would be as busy as the
 * server. Unless --fresh-ephemeral, each loop reuses one ephemeral key
 * and computes its es with the server's static once (noise.h, struct
 * noise_reuse: a load generator's shortcut), leaving two DH per
 * handshake (ee, se); --threads T runs T event loops (one per thread,
 * nothing shared but the options) for a machine with cores to spare.
 *
 * The bound: the responder's X25519 operations per handshake, as noise.c
 * does them: one key generation (crypto_scalarmult_base) for e and three
 * DH (crypto_scalarmult) for ee, es and se, timed in a tight loop on one
 * core. Symmetric crypto, hashing and I/O come on top of that.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bench.h"

#define X25519_BOUND_SEC   1.0 /* measuring time in handshakes */
#define X25519_CHECK_EVERY 64  /* operations between clock reads */
#define REOPEN_RETRY_MS	   10

struct hs_loop {
	struct worker w;
	pthread_t thread;
	bool threaded;
	struct conn *conns;
	unsigned n;
	struct conn **reopen; /* closed, to open again */
	unsigned n_reopen;
	struct event *stop_ev, *retry_ev;
	uint64_t t0, t_steady, t_end;
	uint64_t done, done_steady, failed;
	struct hist lat;
	char error[256];
};

struct x25519_bound {
	double base_us; /* one crypto_scalarmult_base */
	double dh_us;	/* one crypto_scalarmult */
	double per_sec; /* handshakes/s on one core */
};

/* Times op kind (base or DH) for seconds; microseconds per operation. */
static double
time_op(bool base, double seconds)
{
	uint8_t sk[crypto_scalarmult_SCALARBYTES];
	uint8_t pk[crypto_scalarmult_BYTES], out[crypto_scalarmult_BYTES];
	uint64_t start = clock_mono_ns(), stop, n = 0;
	unsigned i;
	int bad = 0;

	randombytes_buf(sk, sizeof sk);
	if (crypto_scalarmult_base(pk, sk) != 0)
		return NAN;
	stop = start + (uint64_t)(seconds * 1e9);
	do {
		for (i = 0; i < X25519_CHECK_EVERY; i++) {
			if (base)
				bad |= crypto_scalarmult_base(out, sk);
			else
				bad |= crypto_scalarmult(out, sk, pk);
			sk[i % sizeof sk] ^= out[0]; /* no folding */
		}
		n += X25519_CHECK_EVERY;
	} while (clock_mono_ns() < stop);
	sodium_memzero(sk, sizeof sk);
	if (bad != 0)
		return NAN; /* all-zero DH: impossible with a real pk */
	return (double)(clock_mono_ns() - start) / 1e3 / (double)n;
}

/* Measures the bound: 1 base multiplication + 3 DH per handshake. */
static void
measure_bound(struct x25519_bound *b, double seconds)
{
	b->base_us = time_op(true, seconds / 4);
	b->dh_us = time_op(false, seconds * 3 / 4);
	b->per_sec = 1e6 / (b->base_us + 3 * b->dh_us);
}

/* Reports the bound. */
static void
report_bound(const struct x25519_bound *b)
{
	report_num("x25519_base_us", b->base_us);
	report_num("x25519_dh_us", b->dh_us);
	report_num("x25519_bound_per_sec", b->per_sec);
	report_note(
	    "x25519 bound: handshakes/s one core could do if the "
	    "responder's X25519 work (1 scalarmult_base for e, 3 scalarmult "
	    "for ee, es, se) were all it did");
}

/* Opens c again, or queues it for the retry timer. */
static void
reopen(struct hs_loop *l, struct conn *c)
{
	char why[256];

	if (conn_open(c, &l->w, CONN_GOAL_HANDSHAKE, bench_opts.user_prefix,
		c->index, why, sizeof why) == 0)
		return;
	l->failed++;
	if (l->error[0] == '\0')
		snprintf(l->error, sizeof l->error, "%s", why);
	l->reopen[l->n_reopen++] = c;
	if (!evtimer_pending(l->retry_ev, NULL)) {
		struct timeval tv = { 0, REOPEN_RETRY_MS * 1000 };

		evtimer_add(l->retry_ev, &tv);
	}
}

/* Hook: the pong came back: one handshake done. */
static void
hs_ready_hook(struct conn *c)
{
	struct hs_loop *l = c->w->arg;

	l->done++;
	if (c->t_ready >= l->t_steady && c->t_ready < l->t_end) {
		l->done_steady++;
		hist_add(&l->lat, (c->t_ready - c->t_open) / 1000);
	}
	conn_close(c, true);
	l->reopen[l->n_reopen++] = c;
}

/* Hook: nothing is expected after the pong. */
static void
hs_message_hook(struct conn *c, const uint8_t *p, size_t len)
{
	(void)c;
	(void)p;
	(void)len;
}

/* Hook: a handshake failed. */
static void
hs_lost_hook(struct conn *c, const char *reason)
{
	struct hs_loop *l = c->w->arg;

	l->failed++;
	if (l->error[0] == '\0')
		snprintf(l->error, sizeof l->error, "%s", reason);
	l->reopen[l->n_reopen++] = c;
	if (l->failed >= BENCH_HS_FAIL_LIMIT && l->done == 0)
		l->w.stop = true;
}

/* Hook: after each round, start the loops that just finished. */
static void
hs_after_hook(struct worker *w)
{
	struct hs_loop *l = w->arg;
	unsigned n = l->n_reopen;
	struct conn *batch[64];
	unsigned i, k;

	if (w->stop || evtimer_pending(l->retry_ev, NULL))
		return;
	while (n > 0 && !w->stop) {
		k = n < 64 ? n : 64;
		for (i = 0; i < k; i++)
			batch[i] = l->reopen[--n];
		l->n_reopen = n;
		for (i = 0; i < k; i++)
			reopen(l, batch[i]);
		n = l->n_reopen;
		if (evtimer_pending(l->retry_ev, NULL))
			break;
	}
}

/* The retry timer only wakes the loop; the after hook reopens. */
static void
retry_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* The end of the run. */
static void
stop_timer(evutil_socket_t fd, short what, void *arg)
{
	struct hs_loop *l = arg;

	(void)fd;
	(void)what;
	l->w.stop = true;
}

static const struct conn_hooks hs_hooks = { hs_ready_hook, hs_message_hook,
	NULL, hs_lost_hook, hs_after_hook };

/* One loop's whole run (a thread's body for all but the first). */
static void *
hs_loop_main(void *arg)
{
	struct hs_loop *l = arg;
	struct timeval tv;
	unsigned i;

	l->t0 = clock_mono_ns();
	l->t_steady = l->t0 + (uint64_t)(bench_opts.warmup * 1e9);
	l->t_end = l->t0 + (uint64_t)(bench_opts.duration * 1e9);
	tv.tv_sec = (time_t)bench_opts.duration;
	tv.tv_usec =
	    (suseconds_t)((bench_opts.duration - floor(bench_opts.duration)) *
		1e6);
	evtimer_add(l->stop_ev, &tv);
	for (i = 0; i < l->n; i++) {
		l->conns[i].index = i;
		reopen(l, &l->conns[i]);
	}
	conn_worker_run(&l->w);
	for (i = 0; i < l->n; i++)
		conn_close(&l->conns[i], true);
	return NULL;
}

/* Prepares one loop with n connections. */
static int
hs_loop_init(struct hs_loop *l, unsigned n)
{
	int rc;

	memset(l, 0, sizeof *l);
	if ((rc = conn_worker_init(&l->w, &hs_hooks, l)) != 0)
		return rc;
	l->n = n;
	l->conns = calloc(n, sizeof *l->conns);
	l->reopen = calloc(n, sizeof *l->reopen);
	l->stop_ev = evtimer_new(l->w.base, stop_timer, l);
	l->retry_ev = evtimer_new(l->w.base, retry_timer, l);
	if (l->conns == NULL || l->reopen == NULL || l->stop_ev == NULL ||
	    l->retry_ev == NULL) {
		bench_warn("out of memory");
		abort();
	}
	hist_init(&l->lat);
	return 0;
}

/* Frees one loop. */
static void
hs_loop_free(struct hs_loop *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		conn_free(&l->conns[i]);
	free(l->conns);
	free(l->reopen);
	event_free(l->stop_ev);
	event_free(l->retry_ev);
	hist_free(&l->lat);
	conn_worker_free(&l->w);
}

/* Runs the handshakes scenario. */
int
hs_run(void)
{
	unsigned t, nt = bench_opts.threads, c = bench_opts.concurrency;
	struct x25519_bound bound;
	struct hs_loop *loops;
	uint64_t done = 0, failed = 0;
	double steady = bench_opts.duration - bench_opts.warmup, rate;
	const char *error = NULL;
	struct hist lat;
	struct bench_usage usage;
	long mark_end;
	int rc, status = BENCH_EXIT_OK;

	if (nt > c)
		nt = c;
	bench_set_phase("x25519 bound");
	measure_bound(&bound, X25519_BOUND_SEC);

	if ((loops = calloc(nt, sizeof *loops)) == NULL) {
		bench_warn("out of memory");
		return BENCH_EXIT_FAIL;
	}
	for (t = 0; t < nt; t++) {
		if ((rc = hs_loop_init(&loops[t], c / nt + (t < c % nt))) !=
		    0) {
			bench_warn("event loop: %s", sc_strerror(rc));
			return BENCH_EXIT_FAIL;
		}
	}
	bench_set_phase("handshakes");
	(void)target_mark(); /* the run's stall window starts here */
	bench_usage_start(&usage);
	for (t = 1; t < nt; t++) {
		if ((rc = pthread_create(&loops[t].thread, NULL, hs_loop_main,
			 &loops[t])) != 0) {
			bench_warn("pthread_create: %s", strerror(rc));
			return BENCH_EXIT_FAIL;
		}
		loops[t].threaded = true;
	}
	hs_loop_main(&loops[0]);
	for (t = 1; t < nt; t++) {
		if (loops[t].threaded)
			pthread_join(loops[t].thread, NULL);
	}
	bench_usage_stop(&usage);
	mark_end = target_mark();

	hist_init(&lat);
	for (t = 0; t < nt; t++) {
		done += loops[t].done_steady;
		failed += loops[t].failed;
		hist_merge(&lat, &loops[t].lat);
		if (error == NULL && loops[t].error[0] != '\0')
			error = loops[t].error;
	}
	rate = (double)done / steady;
	report_str("scenario", "handshakes");
	report_uint("concurrency", c);
	report_uint("threads", nt);
	report_num("duration_s", bench_opts.duration);
	report_num("warmup_s", bench_opts.warmup);
	report_uint("handshakes", done);
	report_uint("handshakes_failed", failed);
	if (error != NULL)
		report_str("first_failure", error);
	report_num("handshakes_per_sec", rate);
	hist_report(&lat, "handshake");
	report_bound(&bound);
	report_num("bound_ratio", rate / bound.per_sec);
	bench_usage_report(&usage, "during the run");
	if (bench_opts.server_log != NULL) {
		report_num("server_stall_run_ms", target_window_ms(mark_end));
		report_num("server_stall_max_ms", target_window_ms(mark_end));
		report_note("server stall: the daemon's largest event-loop "
			    "stall during the run");
	}
	report_note("handshakes_per_sec: connect + Noise XX + ping/pong "
		    "completed inside the steady window, per second; "
		    "bound_ratio = that / x25519 bound");
	if (done == 0) {
		status = BENCH_EXIT_FAIL;
		bench_warn("no handshake completed%s%s",
		    error != NULL ? ": " : "", error != NULL ? error : "");
	}
	report_str("status", status == BENCH_EXIT_OK ? "ok" : "failed");
	report_print(bench_opts.json);
	hist_free(&lat);
	for (t = 0; t < nt; t++)
		hs_loop_free(&loops[t]);
	free(loops);
	return status;
}

/* Runs the x25519 scenario: the bound alone. */
int
hs_run_x25519(void)
{
	struct x25519_bound bound;
	double seconds = bench_opts.duration < 3 ? bench_opts.duration : 3;

	bench_set_phase("x25519 bound");
	measure_bound(&bound, seconds);
	report_str("scenario", "x25519");
	report_num("measured_s", seconds);
	report_bound(&bound);
	report_print(bench_opts.json);
	return BENCH_EXIT_OK;
}
