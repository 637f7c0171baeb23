/*
 * securechat.c: the client's main: options and the config file, the data
 * folder with the device key and the pinned servers, the full-screen
 * terminal or batch mode, signals, and the event loop that drives the
 * socket, the keyboard and the timers on one thread.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <jansson.h>
#include <sodium.h>

#include "client.h"
#include "fsutil.h"
#include "xmalloc.h"

#define EXIT_USAGE 2

static struct client client;

/* Prints the usage text; the commands come from cmd.c's table. */
static void
usage(FILE *f)
{
	const struct cmd_entry *e;
	size_t i;

	fprintf(f,
	    "usage: securechat [options]\n"
	    "\n"
	    "A full-screen terminal client for SecureChat servers.\n"
	    "\n"
	    "  -H, --host HOST     server (default %s)\n"
	    "  -p, --port PORT     port (default %d)\n"
	    "  -u, --user USER     log in as USER (the password is asked for)\n"
	    "  -b, --batch         read commands from stdin, print events on "
	    "stdout\n"
	    "                      (the default when stdin is not a terminal)\n"
	    "  -j, --json          in batch mode, print events as JSON lines\n"
	    "      --no-color      do not use colours\n"
	    "      --no-bell       no bell for a message naming you\n"
	    "      --mouse         use the mouse wheel to scroll (the "
	    "terminal's own\n"
	    "                      selection then needs Shift)\n"
	    "      --accept-new-key  trust a server never seen before without "
	    "asking\n"
	    "                      (scripts, batch mode); a changed key is "
	    "still refused\n"
	    "      --fingerprint   print this device's key fingerprint (for "
	    "the\n"
	    "                      administrator's securechatctl device add) "
	    "and exit\n"
	    "  -h, --help          show this help and exit\n"
	    "  -V, --version       show the version and exit\n"
	    "\n"
	    "Config: $XDG_CONFIG_HOME/securechat/config (\"name = value\" "
	    "lines: server,\n"
	    "port, user, colors, bell, mouse, scrollback, timestamp; \"bind "
	    "KEY ACTION\";\n"
	    "see securechat(1)). Data: $XDG_DATA_HOME/securechat/ "
	    "(client.key,\n"
	    "known_servers).\n"
	    "\n"
	    "Commands:",
	    CLIENT_DEFAULT_HOST, CLIENT_DEFAULT_PORT);
	for (i = 0; i < cmd_table_len; i++) {
		e = cmd_table[i];
		fprintf(f, "%s %s%s%s", i == 0 ? "" : ",", e->name,
		    e->usage[0] != '\0' ? " " : "", e->usage);
	}
	fprintf(f,
	    ";\n"
	    "anything else is said in the current buffer (its room, or the "
	    "private\n"
	    "conversation). In batch mode with --user, the first line of stdin "
	    "is the\n"
	    "password.\n");
}

/* One line on stderr, exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("securechat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

/* One line on stderr, exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	ui_stop(&client);
	fputs("securechat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* $XDG_<kind>_HOME/securechat, or ~/<fallback>/securechat. */
static void
xdg_dir(char *out, size_t len, const char *var, const char *fallback)
{
	const char *base = getenv(var), *home = getenv("HOME");

	if (base != NULL && base[0] == '/')
		snprintf(out, len, "%s/securechat", base);
	else
		snprintf(out, len, "%s/%s/securechat",
		    home != NULL ? home : ".", fallback);
}

/* Replaces a string option. */
static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* Parses a port number. */
static unsigned
parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
		die_usage("bad port \"%s\": 1 to 65535", s);
	return (unsigned)v;
}

/* Reads the optional config file: config, else the older config.json. */
static void
load_config(struct client *c)
{
	char dir[CLIENT_PATH_MAX], path[CLIENT_FILE_PATH_MAX], err[512];
	int rc;

	xdg_dir(dir, sizeof dir, "XDG_CONFIG_HOME", ".config");
	snprintf(path, sizeof path, "%s/config", dir);
	if (access(path, F_OK) == 0)
		rc = config_load(c, path, err, sizeof err);
	else {
		snprintf(path, sizeof path, "%s/config.json", dir);
		if (access(path, F_OK) != 0)
			return;
		rc = config_load_json(c, path, err, sizeof err);
	}
	if (rc != 0)
		die_usage("%s", err);
}

/* Parses the command line over the config file. */
static bool print_fingerprint; /* --fingerprint */

static void
parse_args(struct client *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "batch", no_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-color", no_argument, NULL, 1 },
		{ "no-bell", no_argument, NULL, 2 },
		{ "mouse", no_argument, NULL, 3 },
		{ "accept-new-key", no_argument, NULL, 4 },
		{ "fingerprint", no_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":H:p:u:bjhV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'H':
			set_str(&c->host, optarg);
			break;
		case 'p':
			c->port = parse_port(optarg);
			break;
		case 'u':
			set_str(&c->user, optarg);
			break;
		case 'b':
			c->batch = true;
			break;
		case 'j':
			c->json = true;
			break;
		case 1:
			c->color = false;
			break;
		case 2:
			c->bell = false;
			break;
		case 3:
			c->mouse = true;
			break;
		case 4:
			c->accept_new_key = true;
			break;
		case 5:
			print_fingerprint = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("securechat %s\n", SC_VERSION);
			exit(0);
		case ':':
			die_usage("option %s needs a value (see --help)",
			    argv[optind - 1]);
		default:
			die_usage("unknown option %s (see --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument \"%s\" (see --help)",
		    argv[optind]);
	if (c->user != NULL && !text_user_valid(c->user, strlen(c->user)))
		die_usage("bad user name \"%s\": 1 to 32 characters of "
			  "A-Z a-z 0-9 _ . -",
		    c->user);
	if (*c->host == '\0' || strlen(c->host) > CLIENT_HOST_MAX_LEN)
		die_usage("bad host name");
	if (c->json && !c->batch && isatty(STDIN_FILENO))
		die_usage("--json needs batch mode");
}

/* The device key and the known servers file. */
static void
setup_identity(struct client *c)
{
	bool created;
	int rc;

	xdg_dir(c->data_dir, sizeof c->data_dir, "XDG_DATA_HOME",
	    ".local/share");
	if (fsutil_mkdirs(c->data_dir, 0700) != 0)
		die("cannot create %s: %s", c->data_dir, strerror(errno));
	snprintf(c->key_path, sizeof c->key_path, "%s/client.key", c->data_dir);
	snprintf(c->known_path, sizeof c->known_path, "%s/known_servers",
	    c->data_dir);
	rc = keys_load_or_create(c->key_path, &c->key, &created);
	if (rc != 0)
		die("device key %s: %s", c->key_path,
		    rc == SC_ERR_IO ? strerror(errno) : sc_strerror(rc));
}

/* Keys waiting on the terminal. */
static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	input_keys(arg);
}

/* The terminal changed size. */
static void
winch_cb(evutil_socket_t sig, short what, void *arg)
{
	struct client *c = arg;
	struct winsize ws;

	(void)sig;
	(void)what;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	ui_redraw(c, true);
}

/* SIGINT, SIGTERM, SIGHUP: leave cleanly. */
static void
quit_cb(evutil_socket_t sig, short what, void *arg)
{
	struct client *c = arg;

	(void)what;
	if (c->quitting || sig == SIGHUP || c->state < CONN_OPEN) {
		c->quitting = true;
		event_base_loopexit(c->base, NULL);
		return;
	}
	cmd_run_entry(c, &cmd_quit_entry, "", 0);
}

/* A crash: give the terminal back before dying. */
static void
fatal_signal(int sig)
{
	if (client.ui_active)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Restores the terminal at exit, whatever the path. */
static void
restore_at_exit(void)
{
	ui_stop(&client);
}

int
main(int argc, char **argv)
{
	struct client *c = &client;

	setlocale(LC_ALL, "");
	c->host = xstrdup(CLIENT_DEFAULT_HOST);
	c->port = CLIENT_DEFAULT_PORT;
	c->color = true;
	c->bell = true;
	c->scrollback = SCROLLBACK_DEFAULT;
	load_config(c);
	parse_args(c, argc, argv);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		c->batch = true;

	if (noise_global_init() != 0)
		die("this CPU cannot run AES-256-GCM (AES-NI/PCLMUL missing)");
	setup_identity(c);
	if (print_fingerprint) {
		char fp[KEYS_FINGERPRINT_LEN + 1];

		keys_fingerprint(c->key.public, fp);
		keys_wipe(&c->key);
		printf("%s\n", fp);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (msg_encode_client_hello(c->hello, sizeof c->hello, &c->hello_len,
		CLIENT_SOFTWARE) != 0)
		die("cannot encode the hello");
	c->rbuf = xmalloc(SC_MSG_MAX_LEN);
	c->wbuf = xmalloc(SC_MSG_MAX_LEN);
	buffer_list_init(&c->bufs, c->scrollback);
	history_init(&c->hist);
	complete_init(&c->comp);
	editor_clear(&c->ed);

	if ((c->base = event_base_new()) == NULL)
		die("cannot start libevent");
	c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	c->sig_int = evsignal_new(c->base, SIGINT, quit_cb, c);
	c->sig_term = evsignal_new(c->base, SIGTERM, quit_cb, c);
	c->sig_hup = evsignal_new(c->base, SIGHUP, quit_cb, c);
	evsignal_add(c->sig_int, NULL);
	evsignal_add(c->sig_term, NULL);
	evsignal_add(c->sig_hup, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGSEGV, fatal_signal);
	signal(SIGBUS, fatal_signal);
	signal(SIGABRT, fatal_signal);
	signal(SIGFPE, fatal_signal);
	atexit(restore_at_exit);

	if (c->batch)
		batch_start(c);
	else {
		if (!ui_start(c))
			die("cannot use this terminal (TERM=%s)",
			    getenv("TERM") != NULL ? getenv("TERM") : "");
		c->stdin_ev = event_new(c->base, STDIN_FILENO,
		    EV_READ | EV_PERSIST, stdin_cb, c);
		c->sig_winch = evsignal_new(c->base, SIGWINCH, winch_cb, c);
		event_add(c->stdin_ev, NULL);
		evsignal_add(c->sig_winch, NULL);
		ui_line(c, LINE_INFO, time(NULL), NULL,
		    "securechat %s; "
		    "/help for commands",
		    SC_VERSION);
	}
	net_connect(c);
	event_base_dispatch(c->base);

	ui_stop(c);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	channel_free(&c->ch);
	outq_free(c);
	search_end(&c->search);
	net_forget_password(c);
	keys_wipe(&c->key);
	editor_wipe(&c->ed);
	return c->exit_code;
}
