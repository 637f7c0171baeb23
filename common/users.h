/*
 * users.h: the users file of PROTOCOL.md section 5: a JSON object mapping
 * user name to password hash string. Loading validates every name and
 * every hash; lookups are by exact bytes. Saving is atomic (temporary file
 * in the same folder, fsync, rename, the old file's mode kept) and done
 * under an exclusive lock on "<path>.lock", so a crash or a concurrent
 * writer never leaves a broken or half-written file.
 */
#ifndef SC_USERS_H
#define SC_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "pwhash.h"
#include "sc_limits.h"

#define USERS_ERR_MAX 256 /* room for a users_* error text */

struct users;

/*
 * Loads and validates path. On success *out is a new table (free with
 * users_free). On failure returns SC_ERR_IO (errno set), SC_ERR_TOO_LONG
 * or SC_ERR_FORMAT, *out is NULL and err (errlen bytes, may be NULL) says
 * what and where, e.g. "users.json: user \"bob\": salt contains '$'".
 */
int users_load(const char *path, struct users **out, char *err,
    size_t errlen) SC_WUR;

/* A new empty table (for a users file that does not exist yet). */
struct users *users_new(void);

/* Frees u. users_free(NULL) does nothing. */
void users_free(struct users *u);

/* Number of users. */
size_t users_count(const struct users *u);

/* The parsed hash of name[0..len), or NULL when there is no such user. */
const struct pwhash *users_find(const struct users *u, const char *name,
    size_t len);

/* The i-th user name in file order (i < users_count), for listing. */
const char *users_name(const struct users *u, size_t i);

/* The i-th user's hash string as stored. */
const char *users_hash_string(const struct users *u, size_t i);

/*
 * Sets name's hash string (adds the user if missing). Returns 0,
 * SC_ERR_INVALID (bad name) or SC_ERR_FORMAT (bad hash; err says why).
 */
int users_set(struct users *u, const char *name, const char *hash, char *err,
    size_t errlen) SC_WUR;

/* Removes name. Returns 0 or SC_ERR_INVALID when there is no such user. */
int users_delete(struct users *u, const char *name) SC_WUR;

/*
 * Editing a users file safely: users_lock() takes an exclusive lock on
 * "<path>.lock" (created 0600, waits for other writers) and loads path (a
 * missing file gives an empty table); users_commit() writes the table back
 * atomically and releases the lock (on failure too, leaving path as it
 * was); users_unlock() releases it without writing. *lockfd is the lock's
 * descriptor (-1 after a failed users_lock; users_unlock(-1) does nothing).
 */
int users_lock(const char *path, int *lockfd, struct users **out, char *err,
    size_t errlen) SC_WUR;
int users_commit(const char *path, int lockfd, const struct users *u, char *err,
    size_t errlen) SC_WUR;
void users_unlock(int lockfd);

#endif /* SC_USERS_H */
