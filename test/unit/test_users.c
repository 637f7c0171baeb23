/*
 * test_users.c: unit tests for common/users.c: loading a users file
 * (valid, malformed, not a file, too large), lookups, edits, and the
 * locked atomic save (mode, order, symbolic links, failures that must
 * leave the old file alone).
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "users.h"
#include "testlib.h"

/* From test/data/pwhash-werkzeug.json (werkzeug 2.2.2). */
#define HASH_PW                                                                \
	"pbkdf2:sha256:1000$hPR3E5ApKii5Bhko$fbdcf3169536d"                    \
	"50ad14beb475a89396859572d2ccba093dbde0855921f96af9e"
#define HASH_HUNTER2                                                           \
	"pbkdf2:sha256:1$x1UErPtNwkmRX3R2$c0f834ca987211a"                     \
	"ad82607c62c04b9b87e7f3b9961daaba9d35e74447757232a"
#define HASH_SCRYPT_PW                                                         \
	"scrypt:1024:8:1$yRRXpqTld2Ie7O1g$663d437a03fbd4b"                     \
	"73f53d06f325b03c4bba7717e8ef5b45bb2f61e8d190ae0256298e36e7bdf255dc"   \
	"a2166143957335803f9c89fca6a4647b55fba66c91c7ae2"

#define MANY_USERS 5000

/* A temporary directory per test and a users file path in it. */
struct fixture {
	char dir[64];
	char path[128];
	char lock[160];
};

/* Makes a temporary directory. */
static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	if (testlib_mkdtemp(f->dir, sizeof f->dir, "test_users") == -1) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/users.json", f->dir);
	snprintf(f->lock, sizeof f->lock, "%s.lock", f->path);
	*state = f;
	return 0;
}

/* Removes the temporary directory. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

/* Writes the string s to path with mode 0600. */
static void
write_string(const char *path, const char *s)
{
	assert_int_equal(testlib_write_file(path, s, strlen(s), 0600), 0);
}

/* Says whether s contains needle, printing both when it does not. */
static bool
has(const char *s, const char *needle)
{
	if (strstr(s, needle) != NULL)
		return true;
	print_message("\"%s\" lacks \"%s\"\n", s, needle);
	return false;
}

/* Says whether the lock on path is free (taken and released at once). */
static bool
lock_free(const char *lock)
{
	bool free_now;
	int fd;

	fd = open(lock, O_RDWR);
	assert_true(fd != -1);
	free_now = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return free_now;
}

/* A file with three users, not in sorted order, loads in file order. */
static void
test_load_valid(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	const struct pwhash *h;
	char err[USERS_ERR_MAX];

	write_string(f->path,
	    "{\n"
	    "  \"zed\": \"" HASH_PW "\",\n"
	    "  \"alice\": \"" HASH_HUNTER2 "\",\n"
	    "  \"Bob.x_y-9\": \"" HASH_SCRYPT_PW "\"\n"
	    "}\n");
	assert_int_equal(users_load(f->path, &u, err, sizeof err), 0);
	assert_int_equal(users_count(u), 3);
	assert_string_equal(users_name(u, 0), "zed");
	assert_string_equal(users_name(u, 1), "alice");
	assert_string_equal(users_name(u, 2), "Bob.x_y-9");
	assert_string_equal(users_hash_string(u, 0), HASH_PW);
	assert_string_equal(users_hash_string(u, 1), HASH_HUNTER2);
	assert_string_equal(users_hash_string(u, 2), HASH_SCRYPT_PW);
	assert_null(users_name(u, 3));
	assert_null(users_hash_string(u, 3));

	/* Present: each finds its own hash, which verifies. */
	h = users_find(u, "zed", 3);
	assert_non_null(h);
	assert_int_equal(h->kind, PWHASH_PBKDF2_SHA256);
	assert_int_equal(h->iterations, 1000);
	assert_int_equal(pwhash_verify(h, "pw", 2), 0);
	h = users_find(u, "alice", 5);
	assert_non_null(h);
	assert_int_equal(h->iterations, 1);
	assert_int_equal(pwhash_verify(h, "hunter2", 7), 0);
	assert_int_equal(pwhash_verify(h, "hunter3", 7), SC_ERR_MISMATCH);
	h = users_find(u, "Bob.x_y-9", 9);
	assert_non_null(h);
	assert_int_equal(h->kind, PWHASH_SCRYPT);
	assert_int_equal(pwhash_verify(h, "pw", 2), 0);

	/* The length counts, not a NUL: "alicex" cut to 5 is alice. */
	assert_non_null(users_find(u, "alicex", 5));
	assert_ptr_equal(users_find(u, "alicex", 5), users_find(u, "alice", 5));

	/* Absent, case differs, prefixes and extensions. */
	assert_null(users_find(u, "carol", 5));
	assert_null(users_find(u, "Alice", 5));
	assert_null(users_find(u, "ALICE", 5));
	assert_null(users_find(u, "ZED", 3));
	assert_null(users_find(u, "bob.x_y-9", 9));
	assert_null(users_find(u, "alic", 4));
	assert_null(users_find(u, "a", 1));
	assert_null(users_find(u, "alice2", 6));
	assert_null(users_find(u, "alice ", 6));
	assert_null(users_find(u, "ze", 2));
	assert_null(users_find(u, "zedd", 4));
	assert_null(users_find(u, "", 0));
	assert_null(users_find(u, NULL, 0));
	assert_null(users_find(NULL, "alice", 5));
	users_free(u);

	/* An empty object is an empty table; layout does not matter. */
	write_string(f->path, " \n\t{ }\n\n");
	assert_int_equal(users_load(f->path, &u, err, sizeof err), 0);
	assert_int_equal(users_count(u), 0);
	assert_null(users_find(u, "alice", 5));
	users_free(u);

	/* err may be NULL. */
	write_string(f->path, "{\"a\":\"" HASH_PW "\"}");
	assert_int_equal(users_load(f->path, &u, NULL, 0), 0);
	assert_int_equal(users_count(u), 1);
	users_free(u);
	users_free(NULL);
}

/* Thousands of users: every one is found, in file order, quickly. */
static void
test_load_many(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	char err[USERS_ERR_MAX], name[32];
	char *text, *p;
	size_t i, cap;

	cap = MANY_USERS * (sizeof HASH_PW + 40) + 16;
	text = malloc(cap);
	assert_non_null(text);
	p = text;
	*p++ = '{';
	/* Descending names, so file order is not sorted order. */
	for (i = 0; i < MANY_USERS; i++)
		p += sprintf(p, "%s\"u%05zu\":\"%s\"", i == 0 ? "" : ",",
		    (size_t)MANY_USERS - i, HASH_PW);
	*p++ = '}';
	assert_int_equal(testlib_write_file(f->path, text, (size_t)(p - text),
			     0600),
	    0);
	free(text);

	assert_int_equal(users_load(f->path, &u, err, sizeof err), 0);
	assert_int_equal(users_count(u), MANY_USERS);
	for (i = 0; i < MANY_USERS; i++) {
		snprintf(name, sizeof name, "u%05zu", (size_t)MANY_USERS - i);
		assert_string_equal(users_name(u, i), name);
		assert_non_null(users_find(u, name, strlen(name)));
	}
	assert_null(users_find(u, "u00000", 6));
	assert_null(users_find(u, "u99999", 6));
	assert_null(users_find(u, "u0001", 5));
	users_free(u);
}

/* Malformed files are refused with a message naming file, user, reason. */
static void
test_load_malformed(void **state)
{
	static const struct {
		const char *name;
		const char *data;
		size_t len;
		const char *says; /* in err, after "users.json: " */
	} rows[] = {
#define ROW(name, s, says) { name, s, sizeof s - 1, says }
		ROW("empty file", "", "line "),
		ROW("whitespace only", " \n", "line "),
		ROW("not JSON", "alice: " HASH_PW "\n", "line 1"),
		ROW("truncated", "{\"alice\": \"" HASH_PW "\"", "line 1"),
		ROW("trailing garbage", "{} x", "line 1"),
		ROW("two objects", "{}{}", "line 1"),
		ROW("line number", "{\n\n\"a\": 1 2}", "line 3"),
		ROW("array", "[\"" HASH_PW "\"]", "not a JSON object"),
		ROW("empty array", "[]", "not a JSON object"),
		ROW("string", "\"" HASH_PW "\"", "line 1"),
		ROW("number", "42", "line 1"),
		ROW("null", "null", "line 1"),
		ROW("duplicate keys",
		    "{\"alice\":\"" HASH_PW "\","
		    "\"alice\":\"" HASH_HUNTER2 "\"}",
		    "duplicate"),
		ROW("duplicate keys apart",
		    "{\"alice\":\"" HASH_PW "\","
		    "\"bob\":\"" HASH_PW "\",\"alice\":\"" HASH_PW "\"}",
		    "duplicate"),
		ROW("name with space", "{\"a b\":\"" HASH_PW "\"}",
		    "bad user name \"a b\""),
		ROW("empty name", "{\"\":\"" HASH_PW "\"}",
		    "bad user name \"\""),
		ROW("33-byte name",
		    "{\"abcdefghijklmnopqrstuvwxyz0123456\":\"" HASH_PW "\"}",
		    "bad user name \"abcdefghij"),
		ROW("name with @", "{\"a@b\":\"" HASH_PW "\"}",
		    "bad user name \"a@b\""),
		ROW("name with slash", "{\"a/b\":\"" HASH_PW "\"}",
		    "bad user name"),
		ROW("non-ASCII name", "{\"\xc3\xa9t\xc3\xa9\":\"" HASH_PW "\"}",
		    "bad user name \"\\xc3\\xa9t"),
		ROW("control in name", "{\"a\\u001bb\":\"" HASH_PW "\"}",
		    "bad user name \"a\\x1bb\""),
		ROW("quote in name", "{\"a\\\"b\":\"" HASH_PW "\"}",
		    "bad user name \"a\\x22b\""),
		ROW("NUL in name", "{\"a\\u0000b\":\"" HASH_PW "\"}", ""),
		ROW("number value", "{\"alice\":1}",
		    "user \"alice\": the hash is not a JSON string"),
		ROW("null value", "{\"alice\":null}",
		    "user \"alice\": the hash is not a JSON string"),
		ROW("object value", "{\"alice\":{}}",
		    "user \"alice\": the hash is not a JSON string"),
		ROW("array value", "{\"alice\":[\"" HASH_PW "\"]}",
		    "user \"alice\": the hash is not a JSON string"),
		ROW("true value", "{\"alice\":true}",
		    "user \"alice\": the hash is not a JSON string"),
		ROW("bad hash", "{\"alice\":\"" HASH_PW "\",\"bob\":\"nope\"}",
		    "user \"bob\": missing '$'"),
		ROW("empty hash", "{\"alice\":\"\"}",
		    "user \"alice\": hash string is empty"),
		ROW("salt with $",
		    "{\"alice\":\"pbkdf2:sha256:1000$ab$cd$"
		    "fbdcf3169536d50ad14beb475a89396859572d2ccba093dbde0855921f"
		    "96"
		    "af9e\"}",
		    "user \"alice\": more than two '$'"),
		ROW("unknown method",
		    "{\"alice\":\"md5$salt$"
		    "fbdcf3169536d50ad14beb475a89396859572d2ccba093dbde0855921f"
		    "96"
		    "af9e\"}",
		    "user \"alice\": "),
		ROW("short digest",
		    "{\"alice\":\"pbkdf2:sha256:1000$salt$"
		    "fbdcf3\"}",
		    "user \"alice\": digest"),
		ROW("NUL in hash",
		    "{\"alice\":\"pbkdf2:sha256:1000$salt\\u0000"
		    "$fbdcf3169536d50ad14beb475a89396859572d2ccba093dbde0855921"
		    "f96"
		    "af9e\"}",
		    "line 1"),
		ROW("bad UTF-8", "{\"alice\":\"\xff\"}", "line 1"),
		ROW("good then bad",
		    "{\"alice\":\"" HASH_PW "\",\"bob\":\"" HASH_PW
		    "\",\"c d\":\"" HASH_PW "\"}",
		    "bad user name"),
#undef ROW
	};
	struct fixture *f = *state;
	struct users *u;
	char err[USERS_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		print_message("row: %s\n", rows[i].name);
		assert_int_equal(testlib_write_file(f->path, rows[i].data,
				     rows[i].len, 0600),
		    0);
		u = (struct users *)1;
		memset(err, 0, sizeof err);
		assert_int_equal(users_load(f->path, &u, err, sizeof err),
		    SC_ERR_FORMAT);
		assert_null(u);
		assert_true(has(err, "users.json: "));
		assert_true(has(err, rows[i].says));
		/* Tiny or absent message buffers are fine too. */
		assert_int_equal(users_load(f->path, &u, err, 8),
		    SC_ERR_FORMAT);
		assert_int_equal(strlen(err), 7);
		assert_int_equal(users_load(f->path, &u, NULL, 0),
		    SC_ERR_FORMAT);
	}
}

/* Missing files, folders and FIFOs fail cleanly; symlinks are followed. */
static void
test_load_not_file(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	char err[USERS_ERR_MAX], path[192];

	errno = 0;
	assert_int_equal(users_load(f->path, &u, err, sizeof err), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_null(u);
	assert_true(has(err, "users.json: No such file"));

	assert_int_equal(mkdir(f->path, 0700), 0);
	errno = 0;
	assert_int_equal(users_load(f->path, &u, err, sizeof err), SC_ERR_IO);
	assert_int_equal(errno, EISDIR);
	assert_true(has(err, "users.json: "));
	assert_int_equal(rmdir(f->path), 0);

	/* Must not block waiting for a writer. */
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(users_load(f->path, &u, err, sizeof err), SC_ERR_IO);
	assert_true(has(err, "not a regular file"));
	assert_int_equal(unlink(f->path), 0);

	assert_int_equal(users_load("", &u, err, sizeof err), SC_ERR_IO);

	/* A deployment may link the users file from elsewhere. */
	snprintf(path, sizeof path, "%s/real.json", f->dir);
	write_string(path, "{\"alice\":\"" HASH_PW "\"}");
	assert_int_equal(symlink("real.json", f->path), 0);
	assert_int_equal(users_load(f->path, &u, err, sizeof err), 0);
	assert_non_null(users_find(u, "alice", 5));
	users_free(u);
}

/* A file over SC_USERS_FILE_MAX is refused before it is read. */
static void
test_load_too_large(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	char err[USERS_ERR_MAX];
	int fd;

	/* Sparse: costs no disk. */
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(ftruncate(fd, (off_t)SC_USERS_FILE_MAX + 1), 0);
	close(fd);
	assert_int_equal(users_load(f->path, &u, err, sizeof err),
	    SC_ERR_TOO_LONG);
	assert_null(u);
	assert_true(has(err, "users.json: larger than"));
}

/* users_set adds and replaces, users_delete removes; order is kept. */
static void
test_set_delete(void **state)
{
	struct users *u;
	const struct pwhash *h;
	char err[USERS_ERR_MAX];

	(void)state;
	u = users_new();
	assert_int_equal(users_count(u), 0);

	/* Refusals change nothing. */
	assert_int_equal(users_set(u, "a b", HASH_PW, err, sizeof err),
	    SC_ERR_INVALID);
	assert_true(has(err, "bad user name \"a b\""));
	assert_int_equal(users_set(u, "", HASH_PW, err, sizeof err),
	    SC_ERR_INVALID);
	assert_int_equal(users_set(u, "abcdefghijklmnopqrstuvwxyz0123456",
			     HASH_PW, err, sizeof err),
	    SC_ERR_INVALID);
	assert_int_equal(users_set(u, "alice", "nope", err, sizeof err),
	    SC_ERR_FORMAT);
	assert_true(has(err, "user \"alice\": missing '$'"));
	assert_int_equal(users_set(u, "alice",
			     "pbkdf2:sha256:1000$\xff\xfe$"
			     "fbdcf3169536d50ad14beb475a89396859572d2ccba093dbd"
			     "e0855921f96af9e",
			     err, sizeof err),
	    SC_ERR_FORMAT);
	assert_true(has(err, "UTF-8"));
	assert_int_equal(users_set(u, "alice", HASH_PW, NULL, 0), 0);
	assert_int_equal(users_delete(u, "alice"), 0);
	assert_int_equal(users_count(u), 0);

	/* Adds go to the end. */
	assert_int_equal(users_set(u, "mallory", HASH_PW, err, sizeof err), 0);
	assert_int_equal(users_set(u, "alice", HASH_PW, err, sizeof err), 0);
	assert_int_equal(users_set(u, "zed", HASH_SCRYPT_PW, err, sizeof err),
	    0);
	assert_int_equal(users_count(u), 3);
	assert_string_equal(users_name(u, 0), "mallory");
	assert_string_equal(users_name(u, 1), "alice");
	assert_string_equal(users_name(u, 2), "zed");

	/* Replacing keeps the place. */
	assert_int_equal(users_set(u, "alice", HASH_HUNTER2, err, sizeof err),
	    0);
	assert_int_equal(users_count(u), 3);
	assert_string_equal(users_name(u, 1), "alice");
	assert_string_equal(users_hash_string(u, 1), HASH_HUNTER2);
	h = users_find(u, "alice", 5);
	assert_non_null(h);
	assert_int_equal(pwhash_verify(h, "hunter2", 7), 0);

	/* Deleting. */
	assert_int_equal(users_delete(u, "bob"), SC_ERR_INVALID);
	assert_int_equal(users_delete(u, "Alice"), SC_ERR_INVALID);
	assert_int_equal(users_delete(u, "alic"), SC_ERR_INVALID);
	assert_int_equal(users_delete(u, "alice"), 0);
	assert_int_equal(users_delete(u, "alice"), SC_ERR_INVALID);
	assert_int_equal(users_count(u), 2);
	assert_null(users_find(u, "alice", 5));
	assert_string_equal(users_name(u, 0), "mallory");
	assert_string_equal(users_name(u, 1), "zed");
	assert_non_null(users_find(u, "mallory", 7));
	assert_non_null(users_find(u, "zed", 3));
	assert_int_equal(users_delete(u, "zed"), 0);
	assert_int_equal(users_delete(u, "mallory"), 0);
	assert_int_equal(users_count(u), 0);
	assert_null(users_name(u, 0));
	users_free(u);
}

/* Many adds and deletes in scattered order keep lookups right. */
static void
test_set_delete_many(void **state)
{
	struct users *u;
	char name[32];
	bool present[MANY_USERS / 5];
	size_t i, j, n = MANY_USERS / 5;

	(void)state;
	u = users_new();
	memset(present, 0, sizeof present);
	for (i = 0; i < n; i++) {
		j = (i * 7919) % n; /* a permutation: 7919 is prime */
		snprintf(name, sizeof name, "user%zu", j);
		assert_int_equal(users_set(u, name, HASH_PW, NULL, 0), 0);
		present[j] = true;
	}
	assert_int_equal(users_count(u), n);
	for (i = 0; i < n; i += 3) {
		j = (i * 104729) % n;
		snprintf(name, sizeof name, "user%zu", j);
		assert_int_equal(users_delete(u, name),
		    present[j] ? 0 : SC_ERR_INVALID);
		present[j] = false;
	}
	for (j = 0, i = 0; j < n; j++) {
		snprintf(name, sizeof name, "user%zu", j);
		assert_int_equal(users_find(u, name, strlen(name)) != NULL,
		    present[j]);
		i += present[j];
	}
	assert_int_equal(users_count(u), i);
	users_free(u);
}

/* Lock a missing file, add users, commit; the text and mode are right. */
static void
test_commit_round_trip(void **state)
{
	struct fixture *f = *state;
	struct users *u, *back;
	struct stat st;
	char err[USERS_ERR_MAX];
	char *text;
	int lockfd;
	mode_t old;

	old = umask(022);
	lockfd = 1234;
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_true(lockfd >= 0);
	assert_int_equal(users_count(u), 0);
	assert_int_equal(stat(f->lock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_false(lock_free(f->lock));

	assert_int_equal(users_set(u, "zed", HASH_PW, err, sizeof err), 0);
	assert_int_equal(users_set(u, "alice", HASH_HUNTER2, err, sizeof err),
	    0);
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err), 0);
	users_free(u);
	assert_true(lock_free(f->lock));

	text = testlib_slurp(f->path, NULL);
	assert_non_null(text);
	assert_string_equal(text,
	    "{\n"
	    "  \"zed\": \"" HASH_PW "\",\n"
	    "  \"alice\": \"" HASH_HUNTER2 "\"\n"
	    "}\n");
	free(text);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600); /* new file */
	/* The file and its lock. */
	assert_int_equal(testlib_count_entries(f->dir, NULL), 2);

	/* An existing 0640 file stays 0640, whatever the umask. */
	assert_int_equal(chmod(f->path, 0640), 0);
	umask(077);
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_int_equal(users_count(u), 2);
	assert_int_equal(users_set(u, "bob", HASH_SCRYPT_PW, err, sizeof err),
	    0);
	assert_int_equal(users_delete(u, "zed"), 0);
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err), 0);
	users_free(u);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(testlib_count_entries(f->dir, NULL), 2);
	assert_int_equal(users_load(f->path, &back, err, sizeof err), 0);
	assert_int_equal(users_count(back), 2);
	assert_string_equal(users_name(back, 0), "alice");
	assert_string_equal(users_name(back, 1), "bob");
	assert_string_equal(users_hash_string(back, 1), HASH_SCRYPT_PW);
	users_free(back);

	/* Other modes too. */
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	users_free(u);

	/* Unlock without writing; an empty table is "{}". */
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_false(lock_free(f->lock));
	users_unlock(lockfd);
	assert_true(lock_free(f->lock));
	assert_int_equal(users_delete(u, "alice"), 0);
	assert_int_equal(users_delete(u, "bob"), 0);
	assert_int_equal(users_lock(f->path, &lockfd, &back, err, sizeof err),
	    0);
	users_free(back);
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err), 0);
	users_free(u);
	text = testlib_slurp(f->path, NULL);
	assert_non_null(text);
	assert_string_equal(text, "{}\n");
	free(text);
	users_unlock(-1);
	umask(old);
}

/* Temporaries left by a killed writer go; look-alikes stay. */
static void
test_commit_stale(void **state)
{
	static const char *stale[] = {
		"users.json.tmp-0123456789abcdef",
		"users.json.tmp-ffffffffffffffff",
	};
	static const char *kept[] = {
		"users.json.tmp-0123456789ABCDEF",
		"users.json.tmp-0123456789abcde",
		"users.json.tmp-0123456789abcdef0",
		"users.json.tmp-0123456789abcdeg",
		"other.json.tmp-0123456789abcdef",
		"users.json.bak",
	};
	struct fixture *f = *state;
	struct users *u;
	char err[USERS_ERR_MAX], path[256];
	size_t i;
	int lockfd;

	for (i = 0; i < sizeof stale / sizeof stale[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, stale[i]);
		write_string(path, "{\"half");
	}
	for (i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, kept[i]);
		write_string(path, "keep");
	}
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_int_equal(users_set(u, "alice", HASH_PW, err, sizeof err), 0);
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err), 0);
	users_free(u);
	for (i = 0; i < sizeof stale / sizeof stale[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, stale[i]);
		assert_int_equal(access(path, F_OK), -1);
	}
	for (i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, kept[i]);
		assert_int_equal(access(path, F_OK), 0);
	}
	/* users.json, its lock and the look-alikes. */
	assert_int_equal(testlib_count_entries(f->dir, NULL),
	    2 + (int)(sizeof kept / sizeof kept[0]));
}

/* A malformed file cannot be locked for editing: nothing to lose. */
static void
test_lock_malformed(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	char err[USERS_ERR_MAX];
	int lockfd;

	write_string(f->path, "{\"a b\":\"" HASH_PW "\"}");
	lockfd = 99;
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err),
	    SC_ERR_FORMAT);
	assert_int_equal(lockfd, -1);
	assert_null(u);
	assert_true(has(err, "users.json: bad user name"));
	assert_true(lock_free(f->lock));

	/* No folder for the lock. */
	snprintf(err, sizeof err, "x");
	assert_int_equal(users_lock("/nonexistent/dir/users.json", &lockfd, &u,
			     err, sizeof err),
	    SC_ERR_IO);
	assert_int_equal(lockfd, -1);
	assert_true(has(err, "users.json.lock"));
}

/* A symbolic link stays a link; the file it names is replaced. */
static void
test_commit_symlink(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	struct stat st;
	char err[USERS_ERR_MAX], real[192], sub[160];
	char *text;
	int lockfd;

	snprintf(sub, sizeof sub, "%s/real", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(real, sizeof real, "%s/users.json", sub);
	assert_int_equal(testlib_write_file(real, "{}", 2, 0640), 0);
	assert_int_equal(symlink("real/users.json", f->path), 0);

	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_int_equal(users_set(u, "alice", HASH_PW, err, sizeof err), 0);
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err), 0);
	users_free(u);

	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	text = testlib_slurp(real, NULL);
	assert_non_null(text);
	assert_true(has(text, "\"alice\""));
	free(text);
	/* No temporary; the link, the lock and real/. */
	assert_int_equal(testlib_count_entries(sub, NULL), 1);
	assert_int_equal(testlib_count_entries(f->dir, NULL), 3);
}

/* Root keeps the owner of the file it rewrites. */
static void
test_commit_owner(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	struct stat st;
	char err[USERS_ERR_MAX];
	int lockfd;

	if (geteuid() != 0) {
		skip();
		return;
	}
	write_string(f->path, "{}");
	assert_int_equal(chown(f->path, 1234, 5678), 0);
	assert_int_equal(chmod(f->path, 0640), 0);
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_int_equal(users_set(u, "alice", HASH_PW, err, sizeof err), 0);
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err), 0);
	users_free(u);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 0640);
}

/*
 * A write that fails (file size limit, which binds root too) leaves the
 * old file byte for byte, no temporary, and the lock released.
 */
static void
test_commit_write_fails(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	struct rlimit saved, small;
	char err[USERS_ERR_MAX], name[32];
	char *before, *after;
	void (*old_handler)(int);
	int lockfd, i;

	write_string(f->path, "{\n  \"alice\": \"" HASH_PW "\"\n}\n");
	assert_int_equal(chmod(f->path, 0640), 0);
	before = testlib_slurp(f->path, NULL);
	assert_non_null(before);

	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof name, "user%d", i);
		assert_int_equal(users_set(u, name, HASH_PW, NULL, 0), 0);
	}

	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	small = saved;
	small.rlim_cur = 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	errno = 0;
	assert_int_equal(users_commit(f->path, lockfd, u, err, sizeof err),
	    SC_ERR_IO);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, old_handler);
	assert_true(has(err, "users.json: write: "));
	users_free(u);

	after = testlib_slurp(f->path, NULL);
	assert_non_null(after);
	assert_string_equal(after, before);
	free(before);
	free(after);
	/* The file and its lock. */
	assert_int_equal(testlib_count_entries(f->dir, NULL), 2);
	assert_true(lock_free(f->lock));
}

/* A rename that fails (target is a folder) and a missing folder. */
static void
test_commit_rename_fails(void **state)
{
	struct fixture *f = *state;
	struct users *u;
	struct stat st;
	char err[USERS_ERR_MAX], path[192];
	int lockfd;

	/* Lock a good file, then commit to a folder's name. */
	write_string(f->path, "{}");
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_int_equal(users_set(u, "alice", HASH_PW, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/folder.json", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(users_commit(path, lockfd, u, err, sizeof err),
	    SC_ERR_IO);
	assert_true(has(err, "folder.json: rename: "));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_true(lock_free(f->lock));
	users_free(u);
	/* users.json, its lock, the folder: the temporary is gone. */
	assert_int_equal(testlib_count_entries(f->dir, NULL), 3);

	/* A folder that does not exist. */
	assert_int_equal(users_lock(f->path, &lockfd, &u, err, sizeof err), 0);
	assert_int_equal(users_commit("/nonexistent/dir/users.json", lockfd, u,
			     err, sizeof err),
	    SC_ERR_IO);
	assert_true(has(err, "users.json: "));
	assert_true(lock_free(f->lock));
	users_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_valid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_many, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_not_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_too_large, setup,
		    teardown),
		cmocka_unit_test(test_set_delete),
		cmocka_unit_test(test_set_delete_many),
		cmocka_unit_test_setup_teardown(test_commit_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_stale, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_symlink, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_write_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_rename_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
