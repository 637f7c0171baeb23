/*
 * testlib.c: the helpers every test program used to carry a copy of:
 * temporary folders, whole files, folder entries, hex strings, JSON
 * vector files, sleeps and deadlines, another
 * process's RSS and memory, free loopback ports. See testlib.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "testlib.h"
#include "xmalloc.h"

#define SLURP_CHUNK 65536	  /* bytes read at a time */
#define MEM_CHUNK   (1024 * 1024) /* bytes of memory read at a time */
/* Larger mappings are reserved address space (sanitizer shadow), not
 * data: reading them would take hours. */
#define MEM_MAPPING_MAX (1024ULL * 1024 * 1024)

/* Makes /tmp/<name>-XXXXXX. */
int
testlib_mkdtemp(char *dir, size_t size, const char *name)
{
	int n = snprintf(dir, size, "/tmp/%s-XXXXXX", name);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* nftw callback removing one entry (children come first). */
static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a tree, depth first, without following links. */
int
testlib_rmtree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Reads a whole file (also /proc files, whose size says nothing). */
char *
testlib_slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t used = 0, cap = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (cap - used < SLURP_CHUNK) {
			cap = cap * 2 + 2 * SLURP_CHUNK;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	saved = errno;
	close(fd);
	if (n == -1) {
		free(buf);
		errno = saved;
		return NULL;
	}
	buf[used] = '\0';
	if (len != NULL)
		*len = used;
	return buf;
}

/* Replaces path with data, mode set with fchmod (the umask aside). */
int
testlib_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1)
		return -1;
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Counts the entries of dir whose names contain part. */
int
testlib_count_entries(const char *dir, const char *part)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    (part == NULL || strstr(de->d_name, part) != NULL))
			n++;
	}
	closedir(d);
	return n;
}

/* Decodes exactly len bytes of hex, every digit a hex one. */
int
testlib_unhex(const char *hex, void *out, size_t len)
{
	size_t n;

	if (hex == NULL || strlen(hex) != 2 * len) {
		errno = EINVAL;
		return -1;
	}
	if (sodium_hex2bin(out, len, hex, 2 * len, NULL, &n, NULL) != 0 ||
	    n != len) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Decodes hex into a buffer of its own size (one spare byte, so that ""
 * gives a buffer too). */
uint8_t *
testlib_unhex_alloc(const char *hex, size_t *len)
{
	uint8_t *p;

	*len = 0;
	if (hex == NULL || strlen(hex) % 2 != 0) {
		errno = EINVAL;
		return NULL;
	}
	p = xmalloc(strlen(hex) / 2 + 1);
	if (testlib_unhex(hex, p, strlen(hex) / 2) == -1) {
		free(p);
		return NULL;
	}
	*len = strlen(hex) / 2;
	return p;
}

/* Loads a vector file and finds its array, refusing duplicate keys. */
json_t *
testlib_json_array(const char *path, const char *name, json_t **root)
{
	json_error_t error;
	json_t *array;

	*root = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &error);
	if (*root == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, error.line, error.text);
		return NULL;
	}
	array = json_object_get(*root, name);
	if (!json_is_array(array) || json_array_size(array) == 0) {
		fprintf(stderr, "%s: no array \"%s\" with members\n", path,
		    name);
		return NULL;
	}
	return array;
}

/* Looks up a string member. */
const char *
testlib_json_string(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	if (!json_is_string(v)) {
		fprintf(stderr, "member \"%s\" missing\n", name);
		return NULL;
	}
	return json_string_value(v);
}

/* Sleeps ms milliseconds. */
void
testlib_sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) == -1 && errno == EINTR)
		;
}

/* What is left of a wait until deadline, in milliseconds. */
int
testlib_ms_left(uint64_t deadline)
{
	uint64_t now = clock_mono_ms();

	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

/* Milliseconds elapsed since t0, signed for the caller's arithmetic. */
long long
testlib_ms_since(uint64_t t0)
{
	return (long long)clock_mono_ms() - (long long)t0;
}

/* Microseconds elapsed since t0, signed. */
long long
testlib_us_since(uint64_t t0)
{
	return (long long)clock_mono_us() - (long long)t0;
}

/* VmRSS of pid in KiB, from /proc/PID/status. */
long
testlib_rss_kib(pid_t pid)
{
	char path[64], *buf, *p;
	long kib = -1;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((buf = testlib_slurp(path, NULL)) == NULL)
		return -1;
	if ((p = strstr(buf, "\nVmRSS:")) != NULL)
		kib = strtol(p + 7, NULL, 10);
	free(buf);
	return kib;
}

/*
 * Scans the writable mappings of pid (/proc/PID/maps) up to
 * MEM_MAPPING_MAX through /proc/PID/mem, a chunk at a time, keeping the
 * last len - 1 bytes of a chunk so that a needle across two chunks is
 * found too. A mapping that cannot be read (a guard page) is skipped.
 */
int
testlib_mem_find(pid_t pid, const void *needle, size_t len, size_t *scanned)
{
	unsigned long long lo, hi, at;
	char path[64], perms[5], *line = NULL;
	size_t linecap = 0, keep, total, n;
	uint8_t *buf;
	ssize_t got;
	FILE *maps;
	int fd, found = 0;

	*scanned = 0;
	if (len == 0 || len > MEM_CHUNK) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
	if ((maps = fopen(path, "re")) == NULL)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/mem", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fclose(maps);
		return -1;
	}
	buf = xmalloc(MEM_CHUNK + len);
	while (!found && getline(&line, &linecap, maps) != -1) {
		if (sscanf(line, "%llx-%llx %4s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || perms[1] != 'w' ||
		    hi - lo > MEM_MAPPING_MAX)
			continue;
		keep = 0;
		for (at = lo; at < hi && !found; at += n) {
			n = hi - at < MEM_CHUNK ? (size_t)(hi - at) : MEM_CHUNK;
			got = pread(fd, buf + keep, n, (off_t)at);
			if (got <= 0)
				break;
			n = (size_t)got;
			*scanned += n;
			total = keep + n;
			found = memmem(buf, total, needle, len) != NULL;
			keep = total < len ? total : len - 1;
			memmove(buf, buf + total - keep, keep);
		}
	}
	free(line);
	free(buf);
	close(fd);
	fclose(maps);
	return found;
}

/* Binds port 0 on the loopback of family and reads the port it got. */
unsigned
testlib_free_port(int family)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;
	socklen_t len;
	unsigned port = 0;
	int fd;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *in;
	} else {
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof *in6;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		port = family == AF_INET ? ntohs(in->sin_port) :
					   ntohs(in6->sin6_port);
	close(fd);
	return port;
}
