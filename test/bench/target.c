/*
 * target.c: what the bench learns about the server process itself, besides
 * its resident memory (testlib_rss_kib()): for securechatd, its largest
 * event-loop stall from the "stats:" line SIGUSR1 makes it log.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define STATS_TAG "stats:"
#define STALL_TAG "largest loop stall "
#define POLL_US	  20000

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

/* Looks for a stats line after offset; the stall in ms or -1. */
static double
scan_log(const char *path, long offset)
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
		    (p = strstr(line, STALL_TAG)) == NULL)
			continue;
		ms = strtod(p + strlen(STALL_TAG), NULL);
		break;
	}
	fclose(f);
	return ms;
}

/* Waits for the stats line and returns its stall. */
double
target_stall_ms(const char *path, long offset)
{
	uint64_t deadline =
	    clock_mono_ns() + (uint64_t)BENCH_STATS_WAIT_MS * 1000000u;
	double ms;

	if (path == NULL || offset < 0)
		return -1;
	do {
		if ((ms = scan_log(path, offset)) >= 0)
			return ms;
		usleep(POLL_US);
	} while (clock_mono_ns() < deadline);
	return -1;
}
