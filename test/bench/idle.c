/*
 * idle.c: the idle scenario: N logged-in sessions that send nothing, and
 * what they cost the server in resident memory. RSS is read before the
 * first connection and again once every session is in and a settling
 * second has passed; the sessions are then held for the rest of
 * --duration and closed.
 *
 * Opening stops at the first connection that cannot be made (no ports,
 * no file descriptors, refused by the server): the run then reports how
 * many sessions were reached and why no more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

enum idle_phase {
	IDLE_SETUP,
	IDLE_SETTLE,
	IDLE_HOLD,
	IDLE_DONE,
};

struct idle {
	enum idle_phase phase;
	struct worker w;
	struct conn *conns;
	unsigned n, opened, ready, failed;
	bool stop_opening;
	char why[400];
	uint64_t lost_after;
	char lost_why[400];
	struct event *timer;
	uint64_t t_start, t_ready, t_end;
	long rss_before, rss_after, rss_end;
	long self_before, self_after;
	unsigned alive_end;
	struct bench_usage usage;  /* the setup */
	long mark_setup, mark_end; /* server stall windows */
};

static struct idle idle;

/* Arms the phase timer to fire after ms. */
static void
arm_ms(unsigned ms)
{
	struct timeval tv = { ms / 1000, (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(idle.timer, &tv);
}

/* Moves on once nothing is being set up any more. */
static void
check_setup_done(void)
{
	if (idle.phase != IDLE_SETUP ||
	    idle.opened != idle.ready + idle.failed ||
	    (idle.opened < idle.n && !idle.stop_opening))
		return;
	idle.t_ready = clock_mono_ns();
	bench_usage_stop(&idle.usage);
	idle.mark_setup = target_mark();
	idle.phase = IDLE_SETTLE;
	bench_set_phase("settle");
	arm_ms(BENCH_IDLE_SETTLE_MS);
}

/* Stops opening, keeping the first reason. */
static void
stop_opening(const char *who, const char *why)
{
	if (!idle.stop_opening)
		snprintf(idle.why, sizeof idle.why, "%s: %s", who, why);
	idle.stop_opening = true;
}

/* Opens connections up to the setup concurrency. */
static void
open_more(void)
{
	char why[256], who[64];
	unsigned i;

	while (!idle.stop_opening && idle.opened < idle.n &&
	    idle.opened - idle.ready - idle.failed <
		bench_opts.setup_concurrency) {
		i = idle.opened;
		idle.conns[i].index = i;
		/* SecureChat: K distinct users (several sessions each);
		 * IRC nicks must differ, and those sessions join nothing. */
		if (conn_open(&idle.conns[i], &idle.w, CONN_GOAL_LOGIN,
			bench_opts.user_prefix,
			bench_opts.proto != BENCH_IRC &&
				bench_opts.idle_users > 0 ?
			    i % bench_opts.idle_users :
			    i,
			why, sizeof why) != 0) {
			snprintf(who, sizeof who, "%s%u",
			    bench_opts.user_prefix, i);
			stop_opening(who, why);
			break;
		}
		idle.opened++;
	}
	check_setup_done();
}

/* Hook: a session is logged in. */
static void
idle_ready_hook(struct conn *c)
{
	(void)c;
	idle.ready++;
	open_more();
}

/* Hook: anything after login is drained and ignored. */
static void
idle_message_hook(struct conn *c, const uint8_t *p, size_t len)
{
	(void)c;
	(void)p;
	(void)len;
}

/* Hook: a session failed or was closed. */
static void
idle_lost_hook(struct conn *c, const char *reason)
{
	char who[64];

	snprintf(who, sizeof who, "%s%u", bench_opts.user_prefix, c->user);
	if (c->t_ready == 0) {
		idle.failed++;
		stop_opening(who, reason);
		check_setup_done();
		return;
	}
	if (idle.ready > 0)
		idle.ready--;
	idle.failed++;
	if (idle.lost_after++ == 0)
		snprintf(idle.lost_why, sizeof idle.lost_why, "%s: %s", who,
		    reason);
	check_setup_done();
}

/* The phase timer: settled, then held long enough. */
static void
idle_timer(evutil_socket_t fd, short what, void *arg)
{
	uint64_t held, want;
	unsigned i;

	(void)fd;
	(void)what;
	(void)arg;
	if (idle.phase == IDLE_SETTLE) {
		idle.rss_after = testlib_rss_kib(bench_opts.server_pid);
		idle.self_after = testlib_rss_kib(getpid());
		idle.phase = IDLE_HOLD;
		bench_set_phase("hold");
		held = clock_mono_ns() - idle.t_ready;
		want = (uint64_t)(bench_opts.duration * 1e9);
		arm_ms(want > held ? (unsigned)((want - held) / 1000000u) : 0);
		return;
	}
	idle.rss_end = testlib_rss_kib(bench_opts.server_pid);
	for (i = 0; i < idle.opened; i++) {
		if (idle.conns[i].state == CONN_READY)
			idle.alive_end++;
	}
	idle.t_end = clock_mono_ns();
	idle.phase = IDLE_DONE;
	idle.w.stop = true;
}

static const struct conn_hooks idle_hooks = { idle_ready_hook,
	idle_message_hook, NULL, idle_lost_hook, NULL };

/* Reports the run. */
static void
idle_report(void)
{
	double setup_s = (double)(idle.t_ready - idle.t_start) / 1e9;
	double setup, hold;

	report_str("scenario", "idle");
	report_str("proto",
	    bench_opts.proto == BENCH_IRC ? "irc" : "securechat");
	report_uint("sessions_requested", idle.n);
	report_uint("sessions_reached", idle.ready);
	if (idle.stop_opening)
		report_str("stopped_because", idle.why);
	report_num("setup_s", setup_s);
	report_num("sessions_per_sec_setup",
	    setup_s > 0 ? idle.ready / setup_s : 0);
	report_uint("sources", bench_opts.sources);
	if (idle.rss_before >= 0 && idle.rss_after >= 0) {
		report_uint("server_rss_before_kib", (uint64_t)idle.rss_before);
		report_uint("server_rss_after_kib", (uint64_t)idle.rss_after);
		report_num("server_kib_per_session",
		    idle.ready > 0 ?
			(double)(idle.rss_after - idle.rss_before) /
			    idle.ready :
			0);
		if (idle.rss_end >= 0)
			report_uint("server_rss_end_kib",
			    (uint64_t)idle.rss_end);
		if (idle.rss_after < idle.rss_before)
			report_note("the server's RSS shrank: memory from "
				    "earlier runs was still resident; run idle "
				    "against a freshly started server");
	} else
		report_str("server_kib_per_session", NULL);
	if (idle.self_before >= 0 && idle.self_after >= 0) {
		report_uint("bench_rss_kib", (uint64_t)idle.self_after);
		report_num("bench_kib_per_session",
		    idle.ready > 0 ?
			(double)(idle.self_after - idle.self_before) /
			    idle.ready :
			0);
	}
	report_uint("sessions_alive_at_end", idle.alive_end);
	report_uint("sessions_lost", idle.lost_after);
	if (idle.lost_after > 0)
		report_str("first_lost", idle.lost_why);
	report_uint("login_ok_too_big", idle.w.login_ok_too_big);
	report_uint("irc_pings_answered", idle.w.irc_pings);
	bench_usage_report(&idle.usage, "while the sessions were set up");
	if (bench_opts.server_log != NULL) {
		setup = target_window_ms(idle.mark_setup);
		hold = target_window_ms(idle.mark_end);
		report_num("server_stall_setup_ms", setup);
		report_num("server_stall_run_ms", hold);
		report_num("server_stall_max_ms",
		    target_stall_max(setup, hold));
		report_note("server stall: the daemon's largest event-loop "
			    "stall while the sessions were set up, then while "
			    "they were held idle (run); max: the larger");
	}
	report_note("server_kib_per_session = (VmRSS of --server-pid %d ms "
		    "after the last login - VmRSS before the first connection) "
		    "/ "
		    "sessions reached",
	    BENCH_IDLE_SETTLE_MS);
}

/* Runs the idle scenario. */
int
idle_run(void)
{
	int rc, status = BENCH_EXIT_OK;
	unsigned i;

	memset(&idle, 0, sizeof idle);
	idle.mark_setup = idle.mark_end = -1;
	idle.n = bench_opts.sessions;
	bench_opts.irc_no_join = bench_opts.idle_users > 0;
	if ((idle.conns = calloc(idle.n, sizeof *idle.conns)) == NULL) {
		bench_warn("out of memory");
		return BENCH_EXIT_FAIL;
	}
	if ((rc = conn_worker_init(&idle.w, &idle_hooks, &idle)) != 0) {
		bench_warn("event loop: %s", sc_strerror(rc));
		free(idle.conns);
		return BENCH_EXIT_FAIL;
	}
	if ((idle.timer = evtimer_new(idle.w.base, idle_timer, NULL)) == NULL) {
		bench_warn("out of memory");
		abort();
	}
	idle.rss_before = testlib_rss_kib(bench_opts.server_pid);
	idle.self_before = testlib_rss_kib(getpid());
	idle.rss_after = idle.rss_end = -1;
	bench_set_phase("setup (connect and log in)");
	(void)target_mark(); /* the setup window starts here */
	idle.t_start = clock_mono_ns();
	bench_usage_start(&idle.usage);
	open_more();
	conn_worker_run(&idle.w);
	idle.mark_end = target_mark();
	bench_usage_stop(&idle.usage); /* when setup never ended */

	bench_set_phase("report");
	idle_report();
	if (idle.ready < idle.n || idle.lost_after > 0) {
		status = BENCH_EXIT_FAIL;
		bench_warn("reached %u of %u sessions%s%s", idle.ready, idle.n,
		    idle.stop_opening ? ": " : "",
		    idle.stop_opening ? idle.why : "");
	}
	report_str("status", status == BENCH_EXIT_OK ? "ok" : "incomplete");
	report_print(bench_opts.json);
	for (i = 0; i < idle.n; i++)
		conn_free(&idle.conns[i]);
	free(idle.conns);
	event_free(idle.timer);
	conn_worker_free(&idle.w);
	return status;
}
