/*
 * xmalloc.c: allocation that never fails (out of memory is fatal). The
 * one place that decides what running out of memory does: log it and
 * exit, as OpenSSH's xmalloc.c does.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/* Dies: logs and exits without unwinding anything. */
void
xnomem(void)
{
	log_fatal("out of memory");
}

/* malloc that dies instead of returning NULL. */
void *
xmalloc(size_t size)
{
	void *p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		xnomem();
	return p;
}

/* calloc that dies instead of returning NULL. */
void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		xnomem();
	return p;
}

/* realloc of n elements of size bytes, checked for overflow. */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		xnomem();
	if (n == 0 || size == 0)
		n = size = 1;
	if ((q = realloc(p, n * size)) == NULL)
		xnomem();
	return q;
}

/* strdup that dies instead of returning NULL. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* A NUL-terminated copy of s[0..len). */
char *
xstrndup(const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		xnomem();
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A copy of buf[0..len). */
void *
xmemdup(const void *buf, size_t len)
{
	void *p = xmalloc(len);

	if (len > 0)
		memcpy(p, buf, len);
	return p;
}

/* asprintf that dies instead of failing. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		xnomem();
	return s;
}
