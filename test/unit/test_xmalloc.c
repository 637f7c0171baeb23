/*
 * test_xmalloc.c: unit tests for common/xmalloc.c: ordinary allocations
 * work (sizes 0 included), and every overflowing or impossible request
 * dies, run in a forked child that must exit non-zero with "out of
 * memory" on stderr.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "xmalloc.h"

#define NOMEM_TEXT   "out of memory"
#define CHILD_OUTPUT 4096 /* bytes of the child's stderr read */

/* One request that must die, made in a child. */
struct fatal_case {
	const char *name;
	void (*call)(void);
};

/* Keeps the compiler from dropping an unused result. */
static void *volatile sink;

/* n * size overflows size_t. */
static void
realloc_overflow(void)
{
	sink = xreallocarray(NULL, SIZE_MAX / 2 + 1, 2);
}

/* The other operand order. */
static void
realloc_overflow_swapped(void)
{
	sink = xreallocarray(NULL, 2, SIZE_MAX / 2 + 1);
}

/* Growing a real block past size_t. */
static void
realloc_grow_overflow(void)
{
	void *p = xmalloc(16);

	sink = xreallocarray(p, SIZE_MAX / 8 + 1, 8);
}

/* calloc's n * size overflows too. */
static void
calloc_overflow(void)
{
	sink = xcalloc(SIZE_MAX / 2 + 1, 2);
}

/* More than any address space. */
static void
malloc_huge(void)
{
	sink = xmalloc(SIZE_MAX);
}

/* A copy one byte longer than size_t holds. */
static void
strndup_huge(void)
{
	sink = xstrndup("x", SIZE_MAX);
}

/* A copy of more than any address space. */
static void
memdup_huge(void)
{
	sink = xmemdup("x", SIZE_MAX);
}

/* The policy itself, as jansson or libevent callers use it. */
static void
nomem(void)
{
	xnomem();
}

static const struct fatal_case fatal_cases[] = {
	{ "xreallocarray n * size overflow", realloc_overflow },
	{ "xreallocarray size * n overflow", realloc_overflow_swapped },
	{ "xreallocarray growing overflow", realloc_grow_overflow },
	{ "xcalloc overflow", calloc_overflow },
	{ "xmalloc(SIZE_MAX)", malloc_huge },
	{ "xstrndup(SIZE_MAX)", strndup_huge },
	{ "xmemdup(SIZE_MAX)", memdup_huge },
	{ "xnomem", nomem },
};

/*
 * Runs call in a child with stderr into a pipe. Returns its wait status
 * and its stderr (NUL-terminated, at most CHILD_OUTPUT - 1 bytes) in out.
 */
static int
run_child(void (*call)(void), char out[CHILD_OUTPUT])
{
	pid_t pid;
	size_t len = 0;
	ssize_t n;
	int fds[2], status;

	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDERR_FILENO) == -1)
			_exit(99);
		call();
		_exit(0); /* it should not have come back */
	}
	close(fds[1]);
	while (len < CHILD_OUTPUT - 1 &&
	    (n = read(fds[0], out + len, CHILD_OUTPUT - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Every fatal row exits non-zero and says why on stderr. */
static void
test_fatal(void **state)
{
	char out[CHILD_OUTPUT];
	size_t i;
	int status;

	(void)state;
	for (i = 0; i < sizeof fatal_cases / sizeof fatal_cases[0]; i++) {
		status = run_child(fatal_cases[i].call, out);
		if (!WIFEXITED(status) || WEXITSTATUS(status) == 0)
			fail_msg("%s: did not exit with failure (status %#x)",
			    fatal_cases[i].name, (unsigned)status);
		if (strstr(out, NOMEM_TEXT) == NULL)
			fail_msg("%s: stderr is \"%s\"", fatal_cases[i].name,
			    out);
	}
}

/* Size 0 gives distinct, freeable pointers; calloc zeroes. */
static void
test_sizes(void **state)
{
	unsigned char *a, *b, *c;
	size_t i;

	(void)state;
	a = xmalloc(0);
	b = xmalloc(0);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	free(a);
	free(b);

	a = xcalloc(0, 8);
	b = xcalloc(8, 0);
	assert_non_null(a);
	assert_non_null(b);
	free(a);
	free(b);

	c = xcalloc(1000, 3);
	for (i = 0; i < 3000; i++)
		assert_int_equal(c[i], 0);
	free(c);
}

/* xreallocarray keeps the contents while it grows and shrinks. */
static void
test_resize(void **state)
{
	uint32_t *p = NULL;
	size_t n, i;

	(void)state;
	for (n = 1; n <= 4096; n *= 2) {
		p = xreallocarray(p, n, sizeof *p);
		for (i = n / 2; i < n; i++)
			p[i] = (uint32_t)i;
		for (i = 0; i < n; i++)
			assert_int_equal(p[i], i);
	}
	p = xreallocarray(p, 3, sizeof *p);
	assert_int_equal(p[2], 2);
	p = xreallocarray(p, 0, sizeof *p);
	assert_non_null(p);
	free(p);
}

/* String and memory copies. */
static void
test_copies(void **state)
{
	static const char bytes[] = { 'a', '\0', 'b', '\0', 'c' };
	char *s;
	void *m;

	(void)state;
	s = xstrdup("hello");
	assert_string_equal(s, "hello");
	free(s);
	s = xstrdup("");
	assert_string_equal(s, "");
	free(s);

	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = xstrndup("a\0b", 3); /* copies len bytes, NULs and all */
	assert_memory_equal(s, "a\0b", 4);
	free(s);
	s = xstrndup("", 0);
	assert_string_equal(s, "");
	free(s);

	m = xmemdup(bytes, sizeof bytes);
	assert_memory_equal(m, bytes, sizeof bytes);
	free(m);
	m = xmemdup(bytes, 0);
	assert_non_null(m);
	free(m);

	s = xasprintf("%s-%d-%c", "x", 42, 'z');
	assert_string_equal(s, "x-42-z");
	free(s);
	s = xasprintf("%s", "");
	assert_string_equal(s, "");
	free(s);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_copies),
		cmocka_unit_test(test_fatal),
	};

	return cmocka_run_group_tests_name("xmalloc", tests, NULL, NULL);
}
