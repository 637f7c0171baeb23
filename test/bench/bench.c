/*
 * bench.c: securechat-bench's main: the command line, the limits every run
 * starts with (open files, the hard deadline) and small shared helpers.
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "noise.h"

#define STR_(x) #x
#define STR(x)	STR_(x) /* a number macro as a string */

struct bench_opts bench_opts;

static const char *volatile phase = "start";
static char deadline_tail[128];

enum {
	OPT_HOST = 256,
	OPT_PORT,
	OPT_PROTO,
	OPT_RECEIVERS,
	OPT_SENDERS,
	OPT_WINDOW,
	OPT_RATE,
	OPT_SESSIONS,
	OPT_CONCURRENCY,
	OPT_LOGINS,
	OPT_THREADS,
	OPT_SETUP,
	OPT_PREFIX,
	OPT_STORM_PREFIX,
	OPT_PASSWORD,
	OPT_SOURCES,
	OPT_PID,
	OPT_LOG,
	OPT_DURATION,
	OPT_WARMUP,
	OPT_DEADLINE,
	OPT_JSON,
	OPT_QUICKACK,
	OPT_FRESH_EPHEMERAL,
	OPT_IDLE_USERS,
	OPT_ROUND,
	OPT_HELP,
};

static const struct option long_options[] = { { "host", required_argument, NULL,
						  OPT_HOST },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "receivers", required_argument, NULL, OPT_RECEIVERS },
	{ "senders", required_argument, NULL, OPT_SENDERS },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "sessions", required_argument, NULL, OPT_SESSIONS },
	{ "idle-users", required_argument, NULL, OPT_IDLE_USERS },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "logins", required_argument, NULL, OPT_LOGINS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "setup-concurrency", required_argument, NULL, OPT_SETUP },
	{ "user-prefix", required_argument, NULL, OPT_PREFIX },
	{ "storm-prefix", required_argument, NULL, OPT_STORM_PREFIX },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "sources", required_argument, NULL, OPT_SOURCES },
	{ "server-pid", required_argument, NULL, OPT_PID },
	{ "server-log", required_argument, NULL, OPT_LOG },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "deadline", required_argument, NULL, OPT_DEADLINE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quickack", no_argument, NULL, OPT_QUICKACK },
	{ "fresh-ephemeral", no_argument, NULL, OPT_FRESH_EPHEMERAL },
	{ "round-us", required_argument, NULL, OPT_ROUND },
	{ "help", no_argument, NULL, OPT_HELP }, { NULL, 0, NULL, 0 } };

/* Prints the usage text to f. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " BENCH_NAME " SCENARIO [options]\n"
	    "       " BENCH_NAME
	    " make-users --count N [--iterations I] --out FILE\n"
	    "                        [--user-prefix P] [--password PW] "
	    "[--append]\n"
	    "\n"
	    "Scenarios: fanout, latency, idle, handshakes, login-storm, "
	    "x25519.\n"
	    "\n"
	    "  --host ADDR            server address (127.0.0.1)\n"
	    "  --port N               server port (65432; 6667 with --proto "
	    "irc)\n"
	    "  --proto P              securechat or irc (fanout, latency, "
	    "idle)\n"
	    "  --receivers N          logged-in receivers (fanout, latency, "
	    "storm: 50)\n"
	    "  --senders S            senders (2)\n"
	    "  --window W             unacknowledged messages per sender (64)\n"
	    "  --rate R               offered messages/s (latency, storm: "
	    "200)\n"
	    "  --sessions N           idle sessions (idle: 500)\n"
	    "  --idle-users K         idle: sessions log in as K distinct "
	    "users (0: one\n"
	    "                         user each; presence then costs N^2); IRC "
	    "idle\n"
	    "                         sessions register without joining a "
	    "channel\n"
	    "  --concurrency C        parallel handshake loops (handshakes: "
	    "64)\n"
	    "  --threads T            event loops for handshakes (1)\n"
	    "  --logins L             concurrent logins (login-storm: 10)\n"
	    "  --setup-concurrency K  connections being set up at once (256; "
	    "irc 8,\n"
	    "                         as ngIRCd listens with a backlog of 10)\n"
	    "  --user-prefix P        users are P0..Pn (bench)\n"
	    "  --storm-prefix P       login-storm users, real hashes (storm)\n"
	    "  --password PW          every user's password (password123)\n"
	    "  --sources K            bind to 127.0.0.1..127.0.0.K round robin "
	    "(1)\n"
	    "  --server-pid PID       server to read RSS from and send SIGUSR1 "
	    "to\n"
	    "  --server-log FILE      server log with the SIGUSR1 stats line\n"
	    "  --duration SEC         measured run (10)\n"
	    "  --warmup SEC           excluded from the steady window (2)\n"
	    "  --deadline SEC         hard limit for the whole run (duration + "
	    "30)\n"
	    "  --json                 print one JSON object instead of text\n"
	    "  --quickack             set TCP_QUICKACK after every read\n"
	    "  --fresh-ephemeral      a new ephemeral key per handshake "
	    "(default:\n"
	    "                         one per thread, and its es computed "
	    "once)\n"
	    "  --round-us U           each loop round lasts at least U us, so "
	    "that a\n"
	    "                         read finds several frames (fanout: " STR(
		BENCH_ROUND_FANOUT_US) "; else 0)\n");
}

/* "securechat-bench: <message>" and a newline on stderr. */
static void __attribute__((format(printf, 1, 0)))
vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, BENCH_NAME ": ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

/* Prints a usage error and exits. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(BENCH_EXIT_USAGE);
}

/* Process CPU time in nanoseconds. */
uint64_t
bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The calling thread's run-queue wait in ns (schedstat), or 0. */
static uint64_t
thread_wait_ns(void)
{
	unsigned long long run, wait;
	FILE *f;
	int n;

	if ((f = fopen("/proc/thread-self/schedstat", "r")) == NULL)
		return 0;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? (uint64_t)wait : 0;
}

/* Starts an interval. */
void
bench_usage_start(struct bench_usage *u)
{
	u->wall_ns = clock_mono_ns();
	u->cpu_ns = bench_cpu_ns();
	u->wait_ns = thread_wait_ns();
	u->running = true;
}

/* Ends the interval. */
void
bench_usage_stop(struct bench_usage *u)
{
	if (!u->running)
		return;
	u->wall_ns = clock_mono_ns() - u->wall_ns;
	u->cpu_ns = bench_cpu_ns() - u->cpu_ns;
	u->wait_ns = thread_wait_ns() - u->wait_ns;
	u->running = false;
}

/* Reports the generator's share of its core. */
void
bench_usage_report(const struct bench_usage *u, const char *what)
{
	double wall = (double)u->wall_ns, cpu = NAN, wait = NAN;

	if (!u->running && u->wall_ns > 0) {
		cpu = (double)u->cpu_ns * 100 / wall;
		wait = (double)u->wait_ns * 100 / wall;
	}
	report_num("bench_cpu_pct", cpu);
	report_num("bench_wait_pct", wait);
	if (cpu > BENCH_CPU_BOUND_PCT) {
		report_str("bound_by", "generator");
		report_note("bound by the generator: it used %.0f%% of a core "
			    "(more than %d%%) %s, so the figures are its "
			    "limit, not the server's",
		    cpu, BENCH_CPU_BOUND_PCT, what);
	} else if (cpu + wait > BENCH_CPU_BOUND_PCT) {
		/* Busy or waiting for its core nearly all the time: as much
		 * the generator's limit as if it had used the core. */
		report_str("bound_by", "generator (core shared)");
		report_note("bound by the generator's core: it ran %.0f%% and "
			    "waited for its core %.0f%% of the time %s (more "
			    "than %d%% together), so the figures are not the "
			    "server's",
		    cpu, wait, what, BENCH_CPU_BOUND_PCT);
	}
	report_note("bench_cpu_pct: the generator's CPU time / wall time %s "
		    "(all threads, %% of one core); bench_wait_pct: its main "
		    "loop's time runnable but waiting for its core (other "
		    "processes, or its own threads)",
	    what);
}

/* Names the current phase for the deadline message. */
void
bench_set_phase(const char *p)
{
	phase = p;
}

/* One error line on stderr. */
void
bench_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

/* SIGALRM: the hard deadline. Only async-signal-safe calls. */
static void
deadline_handler(int sig)
{
	static const char head[] = BENCH_NAME ": hard deadline hit during ";
	const char *p = phase;

	(void)sig;
	(void)!write(STDERR_FILENO, head, sizeof head - 1);
	(void)!write(STDERR_FILENO, p, strlen(p));
	(void)!write(STDERR_FILENO, deadline_tail, strlen(deadline_tail));
	_exit(BENCH_EXIT_DEADLINE);
}

/* Arms the hard deadline: the process ends after sec seconds whatever
 * it is doing. */
static void
arm_deadline(double sec)
{
	struct itimerval it;
	struct sigaction sa;

	snprintf(deadline_tail, sizeof deadline_tail,
	    " (%.0f s); giving up; "
	    "--deadline allows more\n",
	    sec);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = deadline_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = (time_t)sec;
	it.it_value.tv_usec = (suseconds_t)((sec - floor(sec)) * 1e6);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Raises the open-files limit to the hard limit. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Parses an unsigned option within [min, max]. */
static unsigned
parse_uint(const char *name, const char *s, unsigned min, unsigned max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		usage_error("--%s: \"%s\" is not a number from %u to %u", name,
		    s, min, max);
	return (unsigned)v;
}

/* Parses a positive number of seconds or a rate. */
static double
parse_double(const char *name, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
		usage_error("--%s: \"%s\" is not a number from %g to %g", name,
		    s, min, max);
	return v;
}

/* Resolves --host and --port into bench_opts.addr. */
static void
resolve(void)
{
	struct addrinfo hints, *res;
	char port[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof port, "%u", bench_opts.port);
	if ((rc = getaddrinfo(bench_opts.host, port, &hints, &res)) != 0)
		usage_error("--host %s: %s", bench_opts.host, gai_strerror(rc));
	memcpy(&bench_opts.addr, res->ai_addr, res->ai_addrlen);
	bench_opts.addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	if (bench_opts.sources > 1 && bench_opts.addr.ss_family != AF_INET)
		usage_error("--sources needs an IPv4 server address");
}

/* Fills in the defaults. */
static void
defaults(void)
{
	memset(&bench_opts, 0, sizeof bench_opts);
	bench_opts.host = "127.0.0.1";
	bench_opts.proto = BENCH_SECURECHAT;
	bench_opts.receivers = 50;
	bench_opts.senders = 2;
	bench_opts.window = 64;
	bench_opts.rate = 200;
	bench_opts.sessions = 500;
	bench_opts.concurrency = 64;
	bench_opts.logins = 10;
	bench_opts.threads = 1;
	bench_opts.user_prefix = "bench";
	bench_opts.storm_prefix = "storm";
	bench_opts.password = "password123";
	bench_opts.sources = 1;
	bench_opts.duration = 10;
	bench_opts.warmup = 2;
	bench_opts.round_us = -1; /* the scenario's default */
}

/* Parses the options after the scenario name. */
static void
parse_options(int argc, char **argv)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (ch) {
		case OPT_HOST:
			bench_opts.host = optarg;
			break;
		case OPT_PORT:
			bench_opts.port = parse_uint("port", optarg, 1, 65535);
			break;
		case OPT_PROTO:
			if (strcmp(optarg, "securechat") == 0)
				bench_opts.proto = BENCH_SECURECHAT;
			else if (strcmp(optarg, "irc") == 0)
				bench_opts.proto = BENCH_IRC;
			else
				usage_error("--proto: securechat or irc");
			break;
		case OPT_RECEIVERS:
			bench_opts.receivers =
			    parse_uint("receivers", optarg, 1, 1000000);
			break;
		case OPT_SENDERS:
			bench_opts.senders =
			    parse_uint("senders", optarg, 1, 10000);
			break;
		case OPT_WINDOW:
			bench_opts.window =
			    parse_uint("window", optarg, 1, 1000000);
			break;
		case OPT_RATE:
			bench_opts.rate =
			    parse_double("rate", optarg, 0.1, 1e8);
			break;
		case OPT_SESSIONS:
			bench_opts.sessions =
			    parse_uint("sessions", optarg, 1, 10000000);
			break;
		case OPT_IDLE_USERS:
			bench_opts.idle_users =
			    parse_uint("idle-users", optarg, 0, 10000000);
			break;
		case OPT_CONCURRENCY:
			bench_opts.concurrency =
			    parse_uint("concurrency", optarg, 1, 1000000);
			break;
		case OPT_LOGINS:
			bench_opts.logins =
			    parse_uint("logins", optarg, 1, 1000000);
			break;
		case OPT_THREADS:
			bench_opts.threads =
			    parse_uint("threads", optarg, 1, BENCH_MAX_THREADS);
			break;
		case OPT_SETUP:
			bench_opts.setup_concurrency =
			    parse_uint("setup-concurrency", optarg, 1, 1000000);
			break;
		case OPT_PREFIX:
			bench_opts.user_prefix = optarg;
			break;
		case OPT_STORM_PREFIX:
			bench_opts.storm_prefix = optarg;
			break;
		case OPT_PASSWORD:
			bench_opts.password = optarg;
			break;
		case OPT_SOURCES:
			bench_opts.sources =
			    parse_uint("sources", optarg, 1, 254);
			break;
		case OPT_PID:
			bench_opts.server_pid = (pid_t)parse_uint("server-pid",
			    optarg, 1, 1u << 30);
			break;
		case OPT_LOG:
			bench_opts.server_log = optarg;
			break;
		case OPT_DURATION:
			bench_opts.duration =
			    parse_double("duration", optarg, 0.5, 86400);
			break;
		case OPT_WARMUP:
			bench_opts.warmup =
			    parse_double("warmup", optarg, 0, 86400);
			break;
		case OPT_DEADLINE:
			bench_opts.deadline =
			    parse_double("deadline", optarg, 1, 7 * 86400);
			break;
		case OPT_JSON:
			bench_opts.json = true;
			break;
		case OPT_QUICKACK:
			bench_opts.quickack = true;
			break;
		case OPT_FRESH_EPHEMERAL:
			bench_opts.fresh_ephemeral = true;
			break;
		case OPT_ROUND:
			bench_opts.round_us =
			    (int)parse_uint("round-us", optarg, 0, 1000000);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(BENCH_EXIT_OK);
		default:
			usage(stderr);
			exit(BENCH_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument \"%s\"", argv[optind]);
}

/* Checks the options that depend on each other. */
static void
check_options(void)
{
	const char *s = bench_opts.scenario;
	size_t plen = strlen(bench_opts.user_prefix);

	if (bench_opts.port == 0)
		bench_opts.port = bench_opts.proto == BENCH_IRC ? 6667 : 65432;
	if (bench_opts.setup_concurrency == 0)
		bench_opts.setup_concurrency = bench_opts.proto == BENCH_IRC ?
		    BENCH_SETUP_IRC :
		    BENCH_SETUP_SECURECHAT;
	if (bench_opts.warmup >= bench_opts.duration &&
	    strcmp(s, "idle") != 0 && strcmp(s, "x25519") != 0)
		usage_error("--warmup must be shorter than --duration");
	if (bench_opts.deadline == 0)
		bench_opts.deadline = bench_opts.duration + BENCH_GRACE_SEC;
	if (bench_opts.round_us < 0)
		bench_opts.round_us =
		    strcmp(s, "fanout") == 0 ? BENCH_ROUND_FANOUT_US : 0;
	if (bench_opts.proto == BENCH_IRC && strcmp(s, "fanout") != 0 &&
	    strcmp(s, "latency") != 0 && strcmp(s, "idle") != 0)
		usage_error("--proto irc is for fanout, latency and idle");
	if (plen == 0 || plen > SC_USER_MAX_LEN - 8 ||
	    !text_user_valid(bench_opts.user_prefix, plen))
		usage_error("--user-prefix: 1 to %d of [A-Za-z0-9_.-]",
		    SC_USER_MAX_LEN - 8);
	plen = strlen(bench_opts.storm_prefix);
	if (plen == 0 || plen > SC_USER_MAX_LEN - 8 ||
	    !text_user_valid(bench_opts.storm_prefix, plen))
		usage_error("--storm-prefix: 1 to %d of [A-Za-z0-9_.-]",
		    SC_USER_MAX_LEN - 8);
	if (!text_password_valid(bench_opts.password,
		strlen(bench_opts.password)))
		usage_error("--password: 1 to 1024 bytes of UTF-8");
	if (strcmp(s, "login-storm") == 0 &&
	    strcmp(bench_opts.user_prefix, bench_opts.storm_prefix) == 0)
		usage_error("--storm-prefix must differ from --user-prefix");
	if (bench_opts.server_log != NULL && bench_opts.server_pid == 0)
		usage_error("--server-log needs --server-pid");
	resolve();
}

/* Runs one scenario. */
int
main(int argc, char **argv)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 &&
		    (strcmp(argv[1], "--help") == 0 ||
			strcmp(argv[1], "-h") == 0)) {
			usage(stdout);
			return BENCH_EXIT_OK;
		}
		usage_error("no scenario given");
	}
	if ((rc = noise_global_init()) != 0) {
		bench_warn("crypto: %s", sc_strerror(rc));
		return BENCH_EXIT_FAIL;
	}
	if (strcmp(argv[1], "make-users") == 0)
		return mkusers_main(argc - 1, argv + 1);

	defaults();
	bench_opts.scenario = argv[1];
	parse_options(argc - 1, argv + 1);
	check_options();
	raise_nofile();
	arm_deadline(bench_opts.deadline);

	if (strcmp(argv[1], "fanout") == 0 || strcmp(argv[1], "latency") == 0 ||
	    strcmp(argv[1], "login-storm") == 0)
		rc = chat_run();
	else if (strcmp(argv[1], "idle") == 0)
		rc = idle_run();
	else if (strcmp(argv[1], "handshakes") == 0)
		rc = hs_run();
	else if (strcmp(argv[1], "x25519") == 0)
		rc = hs_run_x25519();
	else
		usage_error("unknown scenario \"%s\"", argv[1]);
	return rc;
}
