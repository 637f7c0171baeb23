/*
 * users.c: the users file (PROTOCOL.md section 5): loading and checking it,
 * lookups by name, edits, and saving it atomically under a lock.
 *
 * A table keeps its entries twice: in file order (for listing and saving,
 * so an edit changes only the lines it touches) and sorted by name bytes
 * (for lookups by binary search, which stay fast with thousands of users).
 * Both arrays point to the same heap entries.
 *
 * Saving goes through fsutil_write_atomic(): "<file>.tmp-<16 hex>" next to
 * the file, renamed over it. A writer killed before the rename leaves only
 * that temporary behind, which the next writer (holding the lock) removes.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "escape.h"
#include "log.h"
#include "text.h"
#include "fsutil.h"
#include "users.h"
#include "utf8.h"
#include "xmalloc.h"

#define USERS_LOCK_SUFFIX ".lock"
#define USERS_LOCK_MODE	  0600
#define USERS_NEW_MODE	  0600	/* a users file that did not exist */
#define USERS_READ_CHUNK  65536 /* first read buffer, grown by doubling */
#define USERS_JSON_INDENT 2
/* A bad name quoted in err: printable ASCII other than '"' and '\', the
 * rest \xNN, cut with "..." after SC_SHOWN_NAME_MAX bytes. */
#define USERS_SHOWN_FLAGS ESCAPE_QUOTED
#define USERS_SHOWN_SIZE  ESCAPE_SHOWN_SIZE(SC_SHOWN_NAME_MAX)

/* One user: the name, the hash string as stored and its parsed form. */
struct users_entry {
	char *name;
	size_t name_len;
	char *hash_string;
	struct pwhash hash;
};

struct users {
	struct users_entry **order;  /* file order */
	struct users_entry **sorted; /* by name bytes */
	size_t count;
	size_t cap;
};

/* What a sorted-array search looks for. */
struct users_key {
	const char *name;
	size_t len;
};

/* Writes a formatted message into err (errlen bytes) if there is room. */
static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* How a file is named in messages: its whole path as given, so that an
 * operator knows which file is meant. */
static const char *
file_label(const char *path)
{
	return path;
}

/* Orders a key against an entry by name bytes, then by length. */
static int
compare_key(const struct users_key *k, const struct users_entry *e)
{
	size_t n;
	int c;

	n = k->len < e->name_len ? k->len : e->name_len;
	if (n > 0 && (c = memcmp(k->name, e->name, n)) != 0)
		return c;
	if (k->len == e->name_len)
		return 0;
	return k->len < e->name_len ? -1 : 1;
}

/* qsort comparison of two entry pointers. */
static int
compare_entries(const void *a, const void *b)
{
	const struct users_entry *ea = *(struct users_entry *const *)a;
	const struct users_entry *eb = *(struct users_entry *const *)b;
	struct users_key k = { ea->name, ea->name_len };

	return compare_key(&k, eb);
}

/*
 * Finds name[0..len) in u->sorted. Returns true and its position in *pos,
 * or false and the position where it would go.
 */
static bool
search(const struct users *u, const char *name, size_t len, size_t *pos)
{
	struct users_key k = { name, len };
	size_t lo = 0, hi = u->count, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = compare_key(&k, u->sorted[mid]);
		if (c == 0) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return false;
}

/* Makes room for one more entry in both arrays. */
static void
grow(struct users *u)
{
	size_t cap;

	if (u->count < u->cap)
		return;
	cap = u->cap == 0 ? 16 : u->cap * 2;
	u->order = xreallocarray(u->order, cap, sizeof *u->order);
	u->sorted = xreallocarray(u->sorted, cap, sizeof *u->sorted);
	u->cap = cap;
}

/* A new entry holding copies of name and hash_string and the parsed h. */
static struct users_entry *
entry_new(const char *name, size_t len, const char *hash_string,
    const struct pwhash *h)
{
	struct users_entry *e;

	e = xcalloc(1, sizeof *e);
	e->name = xstrndup(name, len);
	e->hash_string = xstrdup(hash_string);
	e->name_len = len;
	e->hash = *h;
	return e;
}

/* Frees e. */
static void
entry_free(struct users_entry *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->hash_string);
	free(e);
}

/*
 * Checks hash_string for name and parses it into h. Returns 0 or
 * SC_ERR_FORMAT with err saying why.
 */
static int
check_hash(const char *label, const char *name, const char *hash_string,
    size_t hash_len, struct pwhash *h, char *err, size_t errlen)
{
	const char *reason = NULL;

	if (strlen(hash_string) != hash_len)
		reason = "hash string contains a NUL byte";
	else if (!utf8_valid(hash_string, hash_len))
		reason = "hash string is not valid UTF-8";
	else if (pwhash_parse(hash_string, h, &reason) != 0 && reason == NULL)
		reason = "malformed hash string";
	if (reason == NULL)
		return 0;
	if (label != NULL)
		set_err(err, errlen, "%s: user \"%s\": %s", label, name,
		    reason);
	else
		set_err(err, errlen, "user \"%s\": %s", name, reason);
	return SC_ERR_FORMAT;
}

/* Returns a new empty table. */
struct users *
users_new(void)
{
	return xcalloc(1, sizeof(struct users));
}

/* Frees u and every entry in it. */
void
users_free(struct users *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->count; i++)
		entry_free(u->order[i]);
	free(u->order);
	free(u->sorted);
	free(u);
}

/* Returns how many users u holds. */
size_t
users_count(const struct users *u)
{
	return u == NULL ? 0 : u->count;
}

/* Finds name[0..len) by exact bytes; NULL when absent. */
const struct pwhash *
users_find(const struct users *u, const char *name, size_t len)
{
	size_t pos;

	if (u == NULL || name == NULL || !search(u, name, len, &pos))
		return NULL;
	return &u->sorted[pos]->hash;
}

/* Returns the i-th name in file order, NULL when out of range. */
const char *
users_name(const struct users *u, size_t i)
{
	if (u == NULL || i >= u->count)
		return NULL;
	return u->order[i]->name;
}

/* Returns the i-th hash string in file order, NULL when out of range. */
const char *
users_hash_string(const struct users *u, size_t i)
{
	if (u == NULL || i >= u->count)
		return NULL;
	return u->order[i]->hash_string;
}

/* Sets or adds name with hash, after checking both. */
int
users_set(struct users *u, const char *name, const char *hash, char *err,
    size_t errlen)
{
	struct users_entry *e;
	struct pwhash h;
	char shown[USERS_SHOWN_SIZE];
	size_t len, pos;
	char *copy;
	int rc;

	if (err != NULL && errlen > 0)
		*err = '\0';
	if (u == NULL || name == NULL || hash == NULL) {
		set_err(err, errlen, "no table, name or hash");
		return SC_ERR_INVALID;
	}
	len = strlen(name);
	if (!text_user_valid(name, len)) {
		set_err(err, errlen,
		    "bad user name \"%s\": 1 to %d bytes of "
		    "A-Z a-z 0-9 _ . -",
		    escape_shown(shown, sizeof shown, name, len,
			SC_SHOWN_NAME_MAX, USERS_SHOWN_FLAGS),
		    SC_USER_MAX_LEN);
		return SC_ERR_INVALID;
	}
	rc = check_hash(NULL, name, hash, strlen(hash), &h, err, errlen);
	if (rc != 0)
		return rc;

	if (search(u, name, len, &pos)) {
		e = u->sorted[pos];
		copy = xstrdup(hash);
		free(e->hash_string);
		e->hash_string = copy;
		e->hash = h;
		return 0;
	}
	grow(u);
	e = entry_new(name, len, hash, &h);
	memmove(&u->sorted[pos + 1], &u->sorted[pos],
	    (u->count - pos) * sizeof *u->sorted);
	u->sorted[pos] = e;
	u->order[u->count++] = e;
	return 0;
}

/* Removes name from both arrays. */
int
users_delete(struct users *u, const char *name)
{
	struct users_entry *e;
	size_t pos, i;

	if (u == NULL || name == NULL || !search(u, name, strlen(name), &pos))
		return SC_ERR_INVALID;
	e = u->sorted[pos];
	memmove(&u->sorted[pos], &u->sorted[pos + 1],
	    (u->count - pos - 1) * sizeof *u->sorted);
	for (i = 0; i < u->count; i++) {
		if (u->order[i] == e)
			break;
	}
	memmove(&u->order[i], &u->order[i + 1],
	    (u->count - i - 1) * sizeof *u->order);
	u->count--;
	entry_free(e);
	return 0;
}

/*
 * Reads all of fd into a new buffer (*out, *len; free it), at most
 * SC_USERS_FILE_MAX bytes. hint is the size fstat gave. Returns 0, SC_ERR_IO
 * or SC_ERR_TOO_LONG.
 */
static int
read_file(int fd, size_t hint, char **out, size_t *len)
{
	char *buf = NULL;
	size_t cap, used = 0;
	ssize_t n;
	int saved;

	*out = NULL;
	*len = 0;
	/* One byte over the limit tells a file that grew past it. */
	cap = hint < USERS_READ_CHUNK ? USERS_READ_CHUNK : hint + 1;
	if (cap > (size_t)SC_USERS_FILE_MAX + 1)
		cap = (size_t)SC_USERS_FILE_MAX + 1;
	buf = xmalloc(cap);
	for (;;) {
		if (used == cap) {
			if (cap > SC_USERS_FILE_MAX) {
				free(buf);
				return SC_ERR_TOO_LONG;
			}
			cap *= 2;
			if (cap > (size_t)SC_USERS_FILE_MAX + 1)
				cap = (size_t)SC_USERS_FILE_MAX + 1;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + used, cap - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			free(buf);
			errno = saved;
			return SC_ERR_IO;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > SC_USERS_FILE_MAX) {
		free(buf);
		return SC_ERR_TOO_LONG;
	}
	*out = buf;
	*len = used;
	return 0;
}

/*
 * Builds a table from the JSON text buf[0..len). Returns 0 or
 * SC_ERR_FORMAT with err naming label, the user and the reason.
 */
static int
parse_users(const char *label, const char *buf, size_t len, struct users **out,
    char *err, size_t errlen)
{
	struct users *u = NULL;
	json_error_t jerr;
	json_t *root = NULL, *value;
	const char *key;
	struct pwhash h;
	char shown[USERS_SHOWN_SIZE];
	size_t key_len, i;
	int rc = SC_ERR_FORMAT;

	*out = NULL;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* jansson quotes the text near the error: keep it inert. */
		for (i = 0; jerr.text[i] != '\0'; i++) {
			if ((unsigned char)jerr.text[i] < 0x20 ||
			    jerr.text[i] == 0x7f)
				jerr.text[i] = '?';
		}
		set_err(err, errlen, "%s: line %d, column %d: %s", label,
		    jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		set_err(err, errlen,
		    "%s: not a JSON object mapping user "
		    "names to password hashes",
		    label);
		goto out;
	}

	u = users_new();
	json_object_keylen_foreach(root, key, key_len, value)
	{
		if (!text_user_valid(key, key_len)) {
			set_err(err, errlen,
			    "%s: bad user name \"%s\": 1 to %d "
			    "bytes of A-Z a-z 0-9 _ . -",
			    label,
			    escape_shown(shown, sizeof shown, key, key_len,
				SC_SHOWN_NAME_MAX, USERS_SHOWN_FLAGS),
			    SC_USER_MAX_LEN);
			goto out;
		}
		if (!json_is_string(value)) {
			set_err(err, errlen,
			    "%s: user \"%s\": the hash is not "
			    "a JSON string",
			    label, key);
			goto out;
		}
		if (check_hash(label, key, json_string_value(value),
			json_string_length(value), &h, err, errlen) != 0)
			goto out;
		grow(u);
		u->order[u->count] = u->sorted[u->count] =
		    entry_new(key, key_len, json_string_value(value), &h);
		u->count++;
	}
	if (u->count > 1)
		qsort(u->sorted, u->count, sizeof *u->sorted, compare_entries);
	/* JSON_REJECT_DUPLICATES saw to this; an invariant, checked cheaply. */
	for (i = 1; i < u->count; i++) {
		if (compare_entries(&u->sorted[i - 1], &u->sorted[i]) == 0) {
			set_err(err, errlen, "%s: user \"%s\" appears twice",
			    label, u->sorted[i]->name);
			goto out;
		}
	}
	*out = u;
	u = NULL;
	rc = 0;

out:
	users_free(u);
	json_decref(root);
	return rc;
}

/* Clears err; false (err set, errno EINVAL) when path names no file. */
static bool
path_named(const char *path, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		*err = '\0';
	if (path == NULL || *path == '\0') {
		set_err(err, errlen, "no users file named");
		errno = EINVAL;
		return false;
	}
	return true;
}

/* Loads and checks the users file path. */
int
users_load(const char *path, struct users **out, char *err, size_t errlen)
{
	struct stat st;
	const char *label;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1, rc = SC_ERR_IO, saved;

	*out = NULL;
	if (!path_named(path, err, errlen))
		return SC_ERR_IO;
	label = file_label(path);

	/*
	 * No O_NOFOLLOW: deployments may link the users file from elsewhere.
	 * O_NONBLOCK only keeps a FIFO from blocking the open.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		set_err(err, errlen, "%s: %s", label, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		set_err(err, errlen, "%s: %s", label, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		set_err(err, errlen, "%s: not a regular file", label);
		goto out;
	}
	if (st.st_size > SC_USERS_FILE_MAX) {
		set_err(err, errlen, "%s: larger than %d bytes", label,
		    SC_USERS_FILE_MAX);
		rc = SC_ERR_TOO_LONG;
		goto out;
	}
	rc = read_file(fd, (size_t)st.st_size, &buf, &len);
	if (rc == SC_ERR_TOO_LONG) {
		set_err(err, errlen, "%s: larger than %d bytes", label,
		    SC_USERS_FILE_MAX);
		goto out;
	}
	if (rc != 0) {
		set_err(err, errlen, "%s: %s", label, strerror(errno));
		goto out;
	}
	rc = parse_users(label, buf, len, out, err, errlen);

out:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(buf);
	errno = saved;
	return rc;
}

/* Takes the writers' lock of path and loads it (missing: empty). */
int
users_lock(const char *path, int *lockfd, struct users **out, char *err,
    size_t errlen)
{
	char *lockpath = NULL;
	int fd = -1, rc = SC_ERR_IO, saved;

	*lockfd = -1;
	*out = NULL;
	if (!path_named(path, err, errlen))
		return SC_ERR_IO;
	lockpath = xasprintf("%s%s", path, USERS_LOCK_SUFFIX);

	fd =
	    open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		USERS_LOCK_MODE);
	if (fd == -1) {
		set_err(err, errlen, "%s: %s", file_label(lockpath),
		    strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		set_err(err, errlen, "%s: lock: %s", file_label(lockpath),
		    strerror(errno));
		goto out;
	}

	rc = users_load(path, out, err, errlen);
	if (rc == SC_ERR_IO && errno == ENOENT) {
		*out = users_new();
		if (err != NULL && errlen > 0)
			*err = '\0';
		rc = 0;
	}
	if (rc == 0) {
		*lockfd = fd;
		fd = -1;
	}

out:
	saved = errno;
	if (fd != -1)
		close(fd); /* releases the lock */
	free(lockpath);
	errno = saved;
	return rc;
}

/* Releases the lock taken by users_lock. */
void
users_unlock(int lockfd)
{
	if (lockfd != -1)
		close(lockfd);
}

/* Returns u as the text of a users file: indented JSON and a newline. */
static char *
encode_users(const struct users *u)
{
	json_t *root, *s;
	char *text, *line;
	size_t i, len;

	/* jansson returns NULL only when out of memory here. */
	if ((root = json_object()) == NULL)
		xnomem();
	for (i = 0; i < u->count; i++) {
		/* Names are checked ASCII and hashes checked UTF-8. */
		if ((s = json_string(u->order[i]->hash_string)) == NULL ||
		    json_object_set_new(root, u->order[i]->name, s) != 0)
			xnomem();
	}
	text = json_dumps(root,
	    JSON_INDENT(USERS_JSON_INDENT) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		xnomem();
	len = strlen(text);
	line = xmalloc(len + 2);
	memcpy(line, text, len);
	line[len] = '\n';
	line[len + 1] = '\0';
	free(text);
	return line;
}

/*
 * The file a commit replaces: path itself, or where it points when it is
 * a symbolic link (renaming over the link would swap it for a plain
 * file). Returns a new string or NULL with errno set.
 */
static char *
commit_target(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			return NULL;
	} else if (S_ISLNK(st.st_mode))
		return realpath(path, NULL);
	return xstrdup(path);
}

/* Writes u to path through a temporary file, then releases lockfd. */
int
users_commit(const char *path, int lockfd, const struct users *u, char *err,
    size_t errlen)
{
	enum fsutil_step step;
	const char *label;
	char *target = NULL, *text = NULL;
	int rc = SC_ERR_IO, saved;

	if (err != NULL && errlen > 0)
		*err = '\0';
	if (path == NULL || *path == '\0' || u == NULL) {
		set_err(err, errlen, "no users file or table");
		errno = EINVAL;
		goto out;
	}
	label = file_label(path);

	if ((target = commit_target(path)) == NULL) {
		set_err(err, errlen, "%s: %s", label, strerror(errno));
		goto out;
	}
	text = encode_users(u);
	/* We hold the lock: temporaries found are from killed writers. */
	rc = fsutil_write_atomic(target, text, strlen(text), USERS_NEW_MODE,
	    FSUTIL_KEEP_MODE | FSUTIL_KEEP_OWNER | FSUTIL_REMOVE_STALE, &step);
	switch (step) {
	case FSUTIL_STEP_NONE:
		break;
	case FSUTIL_STEP_STAT:
		set_err(err, errlen, "%s: %s", label, strerror(errno));
		break;
	case FSUTIL_STEP_CREATE:
		set_err(err, errlen, "%s: temporary file: %s", label,
		    strerror(errno));
		break;
	case FSUTIL_STEP_CHMOD:
		set_err(err, errlen, "%s: chmod: %s", label, strerror(errno));
		break;
	case FSUTIL_STEP_WRITE:
		set_err(err, errlen, "%s: write: %s", label, strerror(errno));
		break;
	case FSUTIL_STEP_PLACE:
		set_err(err, errlen, "%s: rename: %s", label, strerror(errno));
		break;
	case FSUTIL_STEP_SYNC_DIR:
		set_err(err, errlen,
		    "%s: saved, but syncing its folder "
		    "failed: %s",
		    label, strerror(errno));
		break;
	}

out:
	saved = errno;
	free(text);
	free(target);
	users_unlock(lockfd);
	errno = saved;
	return rc;
}
