/*
 * fsutil.h: small file-system helpers shared by the key files, the users
 * file and the programs' data folders.
 */
#ifndef SC_FSUTIL_H
#define SC_FSUTIL_H

#include <sys/types.h>

#include "error.h"

/*
 * fsyncs the folder holding path, so a rename into it survives a crash.
 * Returns 0 or SC_ERR_IO (errno set); a file system that cannot sync a
 * folder (EINVAL) is not an error.
 */
int fsutil_sync_parent(const char *path) SC_WUR;

/* mkdir -p path with mode for every folder it creates. Returns 0 or
 * SC_ERR_IO (errno set). */
int fsutil_mkdirs(const char *path, mode_t mode) SC_WUR;

#endif /* SC_FSUTIL_H */
