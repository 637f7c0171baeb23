/* fsutil.c: folder syncing and creation for the files we write. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

/* fsyncs the folder holding path. */
int
fsutil_sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int fd, rc = 0, saved;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		abort();
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
	int rc = 0;

	if (*path == '\0') {
		errno = ENOENT;
		return SC_ERR_IO;
	}
	if ((buf = strdup(path)) == NULL)
		abort();
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
	free(buf);
	return rc;
}
