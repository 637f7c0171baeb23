/*
 * known.c: the servers this client trusts, pinned on first use as
 * OpenSSH does with known_hosts: one "host:port fingerprint" line each in
 * $XDG_DATA_HOME/securechat/known_servers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

/* Finds hostport's pinned fingerprint. */
int
known_lookup(const char *path, const char *hostport, char *fp, size_t fplen,
    unsigned *line)
{
	char buf[KNOWN_LINE_MAX], *sp, *nl;
	unsigned n = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(buf, sizeof buf, f) != NULL) {
		n++;
		if ((nl = strchr(buf, '\n')) != NULL)
			*nl = '\0';
		if (buf[0] == '#' || (sp = strchr(buf, ' ')) == NULL)
			continue;
		*sp++ = '\0';
		if (strcmp(buf, hostport) != 0)
			continue;
		snprintf(fp, fplen, "%s", sp);
		if (line != NULL)
			*line = n;
		fclose(f);
		return 1;
	}
	fclose(f);
	return 0;
}

/* Appends a pin. */
int
known_add(const char *path, const char *hostport, const char *fp)
{
	char buf[KNOWN_LINE_MAX];
	int fd, n, saved;

	n = snprintf(buf, sizeof buf, "%s %s\n", hostport, fp);
	if (n < 0 || (size_t)n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}
