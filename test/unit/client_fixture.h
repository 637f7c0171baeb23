/*
 * client_fixture.h: a struct client without a terminal or a server, for
 * the unit tests of the client program's files (test_cmd.c,
 * test_events.c): its log is readable, and what batch mode writes on
 * stdout or stderr can be captured.
 */
#ifndef SC_CLIENT_FIXTURE_H
#define SC_CLIENT_FIXTURE_H

#include <stdio.h>

#include "client.h"

/* Prepares c: not connected, no terminal, an empty log. */
void fixture_client(struct client *c);

/* Frees what fixture_client() and the tests left in c. */
void fixture_free(struct client *c);

/* The newest log line of any buffer (the test fails when there is
 * none). */
const struct line *fixture_last(const struct client *c);

/* The newest line's prefix after its "[HH:MM] " stamp. */
const char *fixture_last_prefix(const struct client *c);

/* How many lines the buffers have received. */
uint64_t fixture_count(const struct client *c);

/* What is written on one fd while it is captured. */
struct capture {
	int fd;	    /* STDOUT_FILENO or STDERR_FILENO */
	int saved;  /* the fd it was */
	FILE *file; /* where it goes meanwhile */
};

/* Sends what is written on fd (1 or 2) to a file until the end. */
void fixture_capture_start(struct capture *cap, int fd);

/* Ends the capture; returns what was written (a new string). */
char *fixture_capture_end(struct capture *cap);

#endif /* SC_CLIENT_FIXTURE_H */
