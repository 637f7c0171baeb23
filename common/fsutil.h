/*
 * fsutil.h: small file-system helpers shared by the key files, the users
 * file and the programs' data folders: the one atomic file write, folder
 * syncing and folder creation.
 */
#ifndef SC_FSUTIL_H
#define SC_FSUTIL_H

#include <sys/types.h>

#include <stddef.h>

#include "error.h"

/* A temporary file is "<path>.tmp-" and FSUTIL_TMP_RANDOM random bytes in
 * lowercase hex, in the folder of path. */
#define FSUTIL_TMP_PREFIX ".tmp-"
#define FSUTIL_TMP_RANDOM 8

/* fsutil_write_atomic() flags. */
#define FSUTIL_EXCLUSIVE    0x1 /* fail with EEXIST if path exists */
#define FSUTIL_KEEP_MODE    0x2 /* an existing path's mode, not mode */
#define FSUTIL_KEEP_OWNER   0x4 /* as root: an existing path's owner */
#define FSUTIL_REMOVE_STALE 0x8 /* first remove temporaries of path */

/* The step of fsutil_write_atomic() that failed, to say so to people. */
enum fsutil_step {
	FSUTIL_STEP_NONE,     /* none: it succeeded */
	FSUTIL_STEP_STAT,     /* looking at the existing path (KEEP_*) */
	FSUTIL_STEP_CREATE,   /* creating the temporary file */
	FSUTIL_STEP_CHMOD,    /* setting its mode */
	FSUTIL_STEP_WRITE,    /* writing, fsyncing or closing it */
	FSUTIL_STEP_PLACE,    /* renaming it over path (linking: EXCLUSIVE) */
	FSUTIL_STEP_SYNC_DIR, /* syncing the folder: the file is in place */
};

/*
 * Writes data[0..len) to path so that a reader or a crash sees the old
 * file or the new one, never a part of either: a temporary file created
 * 0600 next to path (FSUTIL_TMP_PREFIX), given mode (not subject to the
 * umask), written, fsynced, renamed over path (or, with FSUTIL_EXCLUSIVE,
 * linked to path, which fails with EEXIST when path exists, so two
 * creators never replace each other), then path's folder fsynced.
 *
 * FSUTIL_KEEP_MODE gives the file the mode of the file it replaces (mode
 * when there is none); FSUTIL_KEEP_OWNER, run as root, its owner and group
 * as well (best effort: a failure is only logged at debug level).
 * FSUTIL_REMOVE_STALE first removes temporaries of path left by writers
 * killed mid-write: only for callers holding a lock that keeps every other
 * writer of path out. path must not be a symbolic link to replace.
 *
 * Returns 0 or SC_ERR_IO with errno set and *step (may be NULL) naming
 * what failed. On failure the temporary file is gone and path is as it
 * was, except after FSUTIL_STEP_SYNC_DIR, when the new file is in place.
 * data is written from where it is, never copied: wiping it is the
 * caller's business.
 */
int fsutil_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, unsigned int flags, enum fsutil_step *step) SC_WUR;

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
