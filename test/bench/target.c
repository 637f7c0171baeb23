/*
 * target.c: what the bench learns about the server process itself, besides
 * its resident memory (testlib_rss_kib()): for securechatd, its largest
 * event-loop stall from the "stats:" line SIGUSR1 makes it log, since it
 * started and since the previous stats line. A scenario marks the ends of
 * its phases (setup, run) with SIGUSR1 and reads each phase's stall from
 * the line that ended it, after its loop is over.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define STATS_TAG  "stats:"
#define STALL_TAG  "largest loop stall "
#define WINDOW_TAG ", since the last stats "
#define POLL_US	   20000

/* The log's current size. */
long
target_log_offset(const char *path)
{
	struct stat st;

	if (path == NULL || stat(path, &st) != 0)
		return -1;
	return (long)st.st_size;
}

/* SIGUSR1 to the server. */
int
target_request_stats(pid_t pid)
{
	if (pid <= 0 || kill(pid, SIGUSR1) != 0)
		return SC_ERR_IO;
	return 0;
}

/* Looks for a stats line after offset; the figure after tag in ms, -1
 * without a line, -2 when the line has no such figure. */
static double
scan_log(const char *path, long offset, const char *tag)
{
	char line[1024], *p;
	double ms = -1;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fseek(f, offset, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (strstr(line, STATS_TAG) == NULL ||
		    strstr(line, STALL_TAG) == NULL)
			continue;
		p = strstr(line, tag);
		ms = p != NULL ? strtod(p + strlen(tag), NULL) : -2;
		break;
	}
	fclose(f);
	return ms;
}

/* Waits for the stats line after offset; its figure after tag or < 0. */
static double
wait_figure(const char *path, long offset, const char *tag)
{
	uint64_t deadline =
	    clock_mono_ns() + (uint64_t)BENCH_STATS_WAIT_MS * 1000000u;
	double ms;

	if (path == NULL || offset < 0)
		return -1;
	do {
		if ((ms = scan_log(path, offset, tag)) >= 0 || ms == -2)
			return ms;
		usleep(POLL_US);
	} while (clock_mono_ns() < deadline);
	return -1;
}

/* Waits for the stats line and returns its stall since start. */
double
target_stall_ms(const char *path, long offset)
{
	double ms = wait_figure(path, offset, STALL_TAG);

	return ms >= 0 ? ms : -1;
}

/* Ends a stall window. */
long
target_mark(void)
{
	long offset;

	if (bench_opts.server_log == NULL)
		return -1;
	if ((offset = target_log_offset(bench_opts.server_log)) < 0)
		return -1;
	if (target_request_stats(bench_opts.server_pid) != 0) {
		bench_warn("SIGUSR1 to %ld failed",
		    (long)bench_opts.server_pid);
		return -1;
	}
	return offset;
}

/* The stall of the window a mark ended. */
double
target_window_ms(long offset)
{
	double ms = wait_figure(bench_opts.server_log, offset, WINDOW_TAG);

	return ms >= 0 ? ms : NAN;
}

/* The larger stall. */
double
target_stall_max(double a, double b)
{
	if (isnan(a))
		return b;
	if (isnan(b))
		return a;
	return a > b ? a : b;
}
