/*
 * client_fixture.c: a struct client for unit tests; see client_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "client_fixture.h"
#include "xmalloc.h"

/* Prepares a client that is not connected and has no terminal. */
void
fixture_client(struct client *c)
{
	assert_true(sodium_init() >= 0); /* the password's sodium_malloc */
	memset(c, 0, sizeof *c);
	c->base = event_base_new();
	assert_non_null(c->base);
	c->host = xstrdup(CLIENT_DEFAULT_HOST);
	c->port = CLIENT_DEFAULT_PORT;
	c->rbuf = xmalloc(SC_MSG_MAX_LEN);
	c->wbuf = xmalloc(SC_MSG_MAX_LEN);
	c->state = CONN_IDLE;
	c->bell = true;
	buffer_list_init(&c->bufs, SCROLLBACK_MIN);
	history_init(&c->hist);
	complete_init(&c->comp);
	editor_clear(&c->ed);
}

/* Frees the client's memory. */
void
fixture_free(struct client *c)
{
	events_disconnected(c);
	net_forget_password(c);
	outq_free(c);
	search_end(&c->search);
	buffer_list_free(&c->bufs);
	history_free(&c->hist);
	complete_free(&c->comp);
	free(c->host);
	free(c->rbuf);
	free(c->wbuf);
	event_base_free(c->base);
	memset(c, 0, sizeof *c);
}

/* The newest line, whichever buffer it went to. */
const struct line *
fixture_last(const struct client *c)
{
	const struct line *l;

	assert_non_null(c->bufs.newest);
	l = scrollback_get(&c->bufs.newest->sb,
	    scrollback_last(&c->bufs.newest->sb));
	assert_non_null(l);
	return l;
}

/* The newest prefix without its stamp. */
const char *
fixture_last_prefix(const struct client *c)
{
	const struct line *l = fixture_last(c);

	assert_true(strlen(l->prefix) >= EVENT_STAMP_LEN);
	assert_int_equal(l->prefix[0], '[');
	assert_int_equal(l->prefix[EVENT_STAMP_LEN - 1], ' ');
	return l->prefix + EVENT_STAMP_LEN;
}

/* Lines received so far. */
uint64_t
fixture_count(const struct client *c)
{
	return c->bufs.lines;
}

/* Redirects fd into a temporary file. */
void
fixture_capture_start(struct capture *cap, int fd)
{
	fflush(fd == STDOUT_FILENO ? stdout : stderr);
	cap->fd = fd;
	cap->file = tmpfile();
	assert_non_null(cap->file);
	cap->saved = dup(fd);
	assert_true(cap->saved >= 0);
	assert_true(dup2(fileno(cap->file), fd) >= 0);
}

/* Restores the fd and returns what it received. */
char *
fixture_capture_end(struct capture *cap)
{
	long n;
	char *out;

	fflush(cap->fd == STDOUT_FILENO ? stdout : stderr);
	assert_true(dup2(cap->saved, cap->fd) >= 0);
	close(cap->saved);
	assert_int_equal(fseek(cap->file, 0, SEEK_END), 0);
	n = ftell(cap->file);
	assert_true(n >= 0);
	out = xmalloc((size_t)n + 1);
	rewind(cap->file);
	assert_int_equal(fread(out, 1, (size_t)n, cap->file), (size_t)n);
	out[n] = '\0';
	fclose(cap->file);
	memset(cap, 0, sizeof *cap);
	return out;
}
