/*
 * testlib.h: the helpers that test programs and the benchmark share,
 * besides the e2e harness (harness.h): temporary folders, whole files,
 * the entries of a folder, hex strings, JSON vector files, sleeping
 * against a deadline, another process's memory (its RSS and its
 * contents) and free loopback ports. Clocks are common/clock.h.
 *
 * Nothing here uses cmocka: a helper that can fail says so in its result
 * and the caller asserts, so the benchmark links this too.
 */
#ifndef SC_TESTLIB_H
#define SC_TESTLIB_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Makes a new folder /tmp/<name>-XXXXXX (mode 0700) and puts its path in
 * dir (size bytes). Returns 0, or -1 with errno set.
 */
int testlib_mkdtemp(char *dir, size_t size, const char *name);

/* Removes path and everything below it, never following a symbolic
 * link. Returns 0, or -1 with errno set. */
int testlib_rmtree(const char *path);

/*
 * Reads the whole file at path into a malloc'd, NUL-terminated string
 * (the caller frees it); *len, when len is not NULL, gets its length.
 * NULL with errno set when it cannot be opened or read.
 */
char *testlib_slurp(const char *path, size_t *len);

/* Writes data[0..len) to path with exactly mode (whatever the umask),
 * replacing it. Returns 0, or -1 with errno set. */
int testlib_write_file(const char *path, const void *data, size_t len,
    mode_t mode);

/* How many entries of folder dir other than "." and ".." have names
 * containing part (all of them when part is NULL), or -1 with errno set
 * when it cannot be read. */
int testlib_count_entries(const char *dir, const char *part);

/* Decodes the hex string hex into exactly len bytes at out. Returns 0, or
 * -1 with errno EINVAL when hex is NULL, not hex or not 2 * len digits. */
int testlib_unhex(const char *hex, void *out, size_t len);

/*
 * Decodes the hex string hex into a new malloc'd buffer (the caller
 * frees it) of *len bytes. NULL with errno EINVAL when hex is NULL or
 * not an even number of hex digits.
 */
uint8_t *testlib_unhex_alloc(const char *hex, size_t *len);

/*
 * Loads the JSON file at path into *root (the caller json_decref()s it)
 * and returns its top-level member name, a non-empty array owned by
 * *root. NULL, saying why on stderr, when the file does not parse or has
 * no such array.
 */
json_t *testlib_json_array(const char *path, const char *name, json_t **root);

/* The string member name of obj (owned by obj), or NULL, saying so on
 * stderr, when obj has no such string. */
const char *testlib_json_string(json_t *obj, const char *name);

/* Sleeps ms milliseconds, through signals. */
void testlib_sleep_ms(long ms);

/* Milliseconds from now to deadline (a clock_mono_ms() time): 0 once it
 * has passed, at most INT_MAX; for poll() and bounded waits. */
int testlib_ms_left(uint64_t deadline);

/* Milliseconds since t0 (a clock_mono_ms() time), microseconds since t0
 * (a clock_mono_us() time); negative if t0 is still to come. */
long long testlib_ms_since(uint64_t t0);
long long testlib_us_since(uint64_t t0);

/* The resident set size (VmRSS) of process pid in KiB, or -1 when pid is
 * not above 0 or its status cannot be read. */
long testlib_rss_kib(pid_t pid);

/*
 * Whether the writable memory of process pid (heap, stacks, data, but no
 * mapping over 1 GiB; our child, or readable under ptrace rules) holds
 * needle[0..len): 1 yes,
 * 0 no, -1 with errno set when its maps cannot be read. *scanned gets
 * the bytes read, so that a caller can tell "absent" from "unreadable".
 */
int testlib_mem_find(pid_t pid, const void *needle, size_t len,
    size_t *scanned);

/* A free TCP port on the loopback of family (AF_INET or AF_INET6),
 * bound, read and released; 0 on failure. */
unsigned testlib_free_port(int family);

#endif /* SC_TESTLIB_H */
