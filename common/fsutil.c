/*
 * fsutil.c: the one atomic file write (temporary file in the same folder,
 * fsync, rename or link, folder fsync), with the naming and clean-up of
 * its temporaries, and folder syncing and creation for the files we write.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "log.h"
#include "xmalloc.h"

#define FSUTIL_TMP_MODE 0600 /* a temporary until it is finished */

/* Returns the folder part of path as a new string ("." when none). */
static char *
parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* The last component of path (path itself when it ends in '/'). */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash[1] == '\0')
		return path;
	return slash + 1;
}

/* Says whether name is one of base's temporary names: base + prefix +
 * exactly FSUTIL_TMP_RANDOM * 2 lowercase hex digits. */
static bool
is_temporary(const char *name, const char *base)
{
	size_t blen = strlen(base), plen = strlen(FSUTIL_TMP_PREFIX), i;

	if (strlen(name) != blen + plen + FSUTIL_TMP_RANDOM * 2 ||
	    strncmp(name, base, blen) != 0 ||
	    strncmp(name + blen, FSUTIL_TMP_PREFIX, plen) != 0)
		return false;
	for (i = blen + plen; name[i] != '\0'; i++) {
		if ((name[i] < '0' || name[i] > '9') &&
		    (name[i] < 'a' || name[i] > 'f'))
			return false;
	}
	return true;
}

/*
 * Removes temporaries of path left by writers killed mid-write. Only
 * lock holders make them and the caller holds the lock: any found is
 * stale. Best effort.
 */
static void
remove_stale(const char *path)
{
	struct dirent *de;
	DIR *d;
	char *dir;

	dir = parent_dir(path);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (is_temporary(de->d_name, base_name(path)))
				(void)unlinkat(dirfd(d), de->d_name, 0);
		}
		closedir(d);
	}
	free(dir);
}

/* Returns a new temporary name for path: path, prefix, random hex. */
static char *
temp_name(const char *path)
{
	uint8_t nonce[FSUTIL_TMP_RANDOM];
	char hex[FSUTIL_TMP_RANDOM * 2 + 1];

	if (sodium_init() < 0)
		abort();
	randombytes_buf(nonce, sizeof nonce);
	sodium_bin2hex(hex, sizeof hex, nonce, sizeof nonce);
	return xasprintf("%s%s%s", path, FSUTIL_TMP_PREFIX, hex);
}

/* Writes all of buf to fd. */
static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return SC_ERR_IO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes data to a temporary next to path and moves it into place. */
int
fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    unsigned int flags, enum fsutil_step *step)
{
	enum fsutil_step failed = FSUTIL_STEP_CREATE;
	struct stat st;
	char *tmp = NULL;
	bool existed = false, made = false;
	int fd = -1, rc = SC_ERR_IO, saved;

	memset(&st, 0, sizeof st);
	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		goto out;
	}
	if (flags & (FSUTIL_KEEP_MODE | FSUTIL_KEEP_OWNER)) {
		if (stat(path, &st) == 0) {
			existed = true;
			if (flags & FSUTIL_KEEP_MODE)
				mode = st.st_mode & 07777;
		} else if (errno != ENOENT) {
			failed = FSUTIL_STEP_STAT;
			goto out;
		}
	}
	if (flags & FSUTIL_REMOVE_STALE)
		remove_stale(path);

	tmp = temp_name(path);
	fd = open(tmp,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
	    FSUTIL_TMP_MODE);
	if (fd == -1)
		goto out;
	made = true;
	/* Root edits a file another user must still own; best effort. */
	if ((flags & FSUTIL_KEEP_OWNER) && existed && geteuid() == 0 &&
	    fchown(fd, st.st_uid, st.st_gid) == -1)
		log_debug("%s: keeping owner: %s", base_name(path),
		    strerror(errno));
	/* After fchown, which may clear set-id bits; not subject to umask. */
	failed = FSUTIL_STEP_CHMOD;
	if (fchmod(fd, mode) == -1)
		goto out;
	failed = FSUTIL_STEP_WRITE;
	if (write_all(fd, data, len) != 0 || fsync(fd) == -1)
		goto out;
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	failed = FSUTIL_STEP_PLACE;
	if (flags & FSUTIL_EXCLUSIVE) {
		if (link(tmp, path) == -1)
			goto out; /* the temporary is removed below */
	} else {
		if (rename(tmp, path) == -1)
			goto out;
		made = false; /* it is path now */
	}
	failed = FSUTIL_STEP_SYNC_DIR;
	if (fsutil_sync_parent(path) != 0)
		goto out;
	failed = FSUTIL_STEP_NONE;
	rc = 0;

out:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (made)
		unlink(tmp);
	free(tmp);
	if (step != NULL)
		*step = failed;
	errno = saved;
	return rc;
}

/* fsyncs the folder holding path. */
int
fsutil_sync_parent(const char *path)
{
	char *dir = parent_dir(path);
	int fd, rc = 0, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (fsync(fd) == -1 && errno != EINVAL))
		rc = SC_ERR_IO;
	saved = errno;
	if (fd != -1)
		close(fd);
	free(dir);
	errno = saved;
	return rc;
}

/* mkdir -p. */
int
fsutil_mkdirs(const char *path, mode_t mode)
{
	char *buf, *p;
	int rc = 0, saved;

	if (*path == '\0') {
		errno = ENOENT;
		return SC_ERR_IO;
	}
	buf = xstrdup(path);
	for (p = buf + 1; *p != '\0' && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			rc = SC_ERR_IO;
		*p = '/';
	}
	if (rc == 0 && mkdir(buf, mode) == -1 && errno != EEXIST)
		rc = SC_ERR_IO;
	saved = errno;
	free(buf);
	errno = saved;
	return rc;
}
