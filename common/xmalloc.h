/*
 * xmalloc.h: the one out-of-memory policy. Running out of memory is fatal
 * (STYLE.md): these never return NULL; they log "out of memory" and exit.
 * Sizes are checked for overflow. Memory is freed with free(), and
 * x_free(NULL)-style calls on NULL do nothing, as free() does.
 */
#ifndef SC_XMALLOC_H
#define SC_XMALLOC_H

#include <stddef.h>

/* malloc(size), size 0 allowed (returns a unique pointer). */
void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));

/* calloc(n, size) with overflow check. */
void *xcalloc(size_t n, size_t size) __attribute__((malloc, returns_nonnull));

/* realloc(p, n * size) with overflow check; p may be NULL. */
void *xreallocarray(void *p, size_t n, size_t size)
    __attribute__((returns_nonnull));

/* strdup(s). */
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));

/* A NUL-terminated copy of s[0..len) (which may hold no NUL). */
char *xstrndup(const char *s, size_t len)
    __attribute__((malloc, returns_nonnull));

/* A malloc'd copy of buf[0..len). */
void *xmemdup(const void *buf, size_t len)
    __attribute__((malloc, returns_nonnull));

/* asprintf(); the result is always a new string. */
char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), malloc, returns_nonnull));

/* Dies with "out of memory" (for allocators this family does not wrap,
 * such as jansson's or libevent's returning NULL). */
void xnomem(void) __attribute__((noreturn));

#endif /* SC_XMALLOC_H */
