/*
 * test_fsutil.c: unit tests for common/fsutil.c: the atomic write (a
 * table of successes and failures, each checking the result, the step,
 * the mode, the file left behind and that no temporary is), clean-up of
 * stale temporaries, keeping the owner, folder syncing and mkdir -p.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "testlib.h"

#define NEW_TEXT    "new contents\n"
#define OLD_TEXT    "old contents, longer than the new ones\n"
#define BIG_LEN	    4096 /* written under a 1024-byte RLIMIT_FSIZE */
#define SMALL_FSIZE 1024

/* A temporary directory per test and a file path in it. */
struct fixture {
	char dir[64];
	char path[128];
};

/* What is at the path before a write. */
enum before {
	BEFORE_NOTHING,
	BEFORE_FILE,	    /* OLD_TEXT, mode old_mode */
	BEFORE_FOLDER,	    /* an empty folder */
	BEFORE_NO_FOLDER,   /* path is in a folder that does not exist */
	BEFORE_FILE_PARENT, /* path is below a regular file */
	BEFORE_EMPTY_PATH,  /* path is "" */
};

/* What should be at the path after it. */
enum after {
	AFTER_NEW,     /* the new contents, mode want_mode */
	AFTER_OLD,     /* OLD_TEXT, mode old_mode */
	AFTER_FOLDER,  /* still the folder */
	AFTER_NOTHING, /* nothing */
};

/* One call of fsutil_write_atomic and what it must do. */
struct write_case {
	const char *name;
	enum before before;
	mode_t old_mode;
	mode_t mode;
	unsigned int flags;
	bool big; /* BIG_LEN bytes, FSIZE limited */
	int rc;
	int err; /* errno on failure */
	enum fsutil_step step;
	enum after after;
	mode_t want_mode;
};

static const struct write_case write_cases[] = {
	{ "new file", BEFORE_NOTHING, 0, 0600, 0, false, 0, 0, FSUTIL_STEP_NONE,
	    AFTER_NEW, 0600 },
	{ "new file 0640 (no umask)", BEFORE_NOTHING, 0, 0640, 0, false, 0, 0,
	    FSUTIL_STEP_NONE, AFTER_NEW, 0640 },
	{ "replace, mode given", BEFORE_FILE, 0644, 0600, 0, false, 0, 0,
	    FSUTIL_STEP_NONE, AFTER_NEW, 0600 },
	{ "replace, mode kept", BEFORE_FILE, 0640, 0600, FSUTIL_KEEP_MODE,
	    false, 0, 0, FSUTIL_STEP_NONE, AFTER_NEW, 0640 },
	{ "keep mode of nothing", BEFORE_NOTHING, 0, 0600, FSUTIL_KEEP_MODE,
	    false, 0, 0, FSUTIL_STEP_NONE, AFTER_NEW, 0600 },
	{ "exclusive, new", BEFORE_NOTHING, 0, 0600, FSUTIL_EXCLUSIVE, false, 0,
	    0, FSUTIL_STEP_NONE, AFTER_NEW, 0600 },
	{ "exclusive, existing", BEFORE_FILE, 0644, 0600, FSUTIL_EXCLUSIVE,
	    false, SC_ERR_IO, EEXIST, FSUTIL_STEP_PLACE, AFTER_OLD, 0644 },
	{ "target is a folder", BEFORE_FOLDER, 0, 0600, 0, false, SC_ERR_IO,
	    EISDIR, FSUTIL_STEP_PLACE, AFTER_FOLDER, 0 },
	{ "folder missing", BEFORE_NO_FOLDER, 0, 0600, 0, false, SC_ERR_IO,
	    ENOENT, FSUTIL_STEP_CREATE, AFTER_NOTHING, 0 },
	{ "below a file", BEFORE_FILE_PARENT, 0, 0600, 0, false, SC_ERR_IO,
	    ENOTDIR, FSUTIL_STEP_CREATE, AFTER_NOTHING, 0 },
	{ "below a file, keep mode", BEFORE_FILE_PARENT, 0, 0600,
	    FSUTIL_KEEP_MODE, false, SC_ERR_IO, ENOTDIR, FSUTIL_STEP_STAT,
	    AFTER_NOTHING, 0 },
	{ "empty path", BEFORE_EMPTY_PATH, 0, 0600, 0, false, SC_ERR_IO, EINVAL,
	    FSUTIL_STEP_CREATE, AFTER_NOTHING, 0 },
	{ "write fails, old kept", BEFORE_FILE, 0640, 0600, FSUTIL_KEEP_MODE,
	    true, SC_ERR_IO, EFBIG, FSUTIL_STEP_WRITE, AFTER_OLD, 0640 },
	{ "write fails, nothing there", BEFORE_NOTHING, 0, 0600, 0, true,
	    SC_ERR_IO, EFBIG, FSUTIL_STEP_WRITE, AFTER_NOTHING, 0 },
};

/* Makes a temporary directory. */
static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	if (testlib_mkdtemp(f->dir, sizeof f->dir, "test_fsutil") == -1) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/data.json", f->dir);
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

/* Asserts path holds exactly len bytes of want. */
static void
assert_contents(const char *path, const char *want, size_t len)
{
	char *buf;
	size_t n;

	buf = testlib_slurp(path, &n);
	assert_non_null(buf);
	assert_int_equal(n, len);
	assert_memory_equal(buf, want, len);
	free(buf);
}

/* Calls fsutil_write_atomic with data under RLIMIT_FSIZE if big. */
static int
write_limited(const char *path, const char *data, size_t len, mode_t mode,
    unsigned int flags, enum fsutil_step *step, bool big)
{
	struct rlimit saved, small;
	void (*old)(int) = SIG_DFL;
	int rc, err;

	if (big) {
		old = signal(SIGXFSZ, SIG_IGN);
		assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
		small = saved;
		small.rlim_cur = SMALL_FSIZE;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	}
	errno = 0;
	rc = fsutil_write_atomic(path, data, len, mode, flags, step);
	err = errno;
	if (big) {
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
		signal(SIGXFSZ, old);
	}
	errno = err;
	return rc;
}

/* Every row of write_cases, each in a fresh folder. */
static void
test_write_table(void **state)
{
	const struct write_case *c;
	struct fixture *f = *state;
	enum fsutil_step step;
	struct stat st;
	char path[192], dir[128], *big;
	const char *data;
	size_t i, len;
	mode_t old_umask;
	bool temporary;
	int rc, err, entries;

	big = malloc(BIG_LEN);
	assert_non_null(big);
	memset(big, 'b', BIG_LEN);
	old_umask = umask(077);
	for (i = 0; i < sizeof write_cases / sizeof write_cases[0]; i++) {
		c = &write_cases[i];
		snprintf(dir, sizeof dir, "%s/case%zu", f->dir, i);
		assert_int_equal(mkdir(dir, 0700), 0);
		snprintf(path, sizeof path, "%s/data.json", dir);
		entries = 0;
		switch (c->before) {
		case BEFORE_NOTHING:
			break;
		case BEFORE_FILE:
			assert_int_equal(testlib_write_file(path, OLD_TEXT,
					     strlen(OLD_TEXT), c->old_mode),
			    0);
			entries = 1;
			break;
		case BEFORE_FOLDER:
			assert_int_equal(mkdir(path, 0700), 0);
			entries = 1;
			break;
		case BEFORE_NO_FOLDER:
			snprintf(path, sizeof path, "%s/missing/data.json",
			    dir);
			break;
		case BEFORE_FILE_PARENT:
			snprintf(path, sizeof path, "%s/file", dir);
			assert_int_equal(testlib_write_file(path, "x",
					     strlen("x"), 0600),
			    0);
			snprintf(path, sizeof path, "%s/file/data.json", dir);
			entries = 1;
			break;
		case BEFORE_EMPTY_PATH:
			path[0] = '\0';
			break;
		}

		data = c->big ? big : NEW_TEXT;
		len = c->big ? BIG_LEN : strlen(NEW_TEXT);
		step = (enum fsutil_step) - 1;
		rc = write_limited(path, data, len, c->mode, c->flags, &step,
		    c->big);
		err = errno;
		if (rc != c->rc || step != c->step)
			fail_msg("%s: rc %d step %d, want %d step %d (%s)",
			    c->name, rc, (int)step, c->rc, (int)c->step,
			    strerror(err));
		if (c->rc != 0 && err != c->err)
			fail_msg("%s: errno %s, want %s", c->name,
			    strerror(err), strerror(c->err));

		switch (c->after) {
		case AFTER_NEW:
			assert_contents(path, data, len);
			entries = 1;
			break;
		case AFTER_OLD:
			assert_contents(path, OLD_TEXT, strlen(OLD_TEXT));
			break;
		case AFTER_FOLDER:
			assert_int_equal(stat(path, &st), 0);
			assert_true(S_ISDIR(st.st_mode));
			break;
		case AFTER_NOTHING:
			if (*path != '\0')
				assert_int_equal(access(path, F_OK), -1);
			break;
		}
		if (c->after == AFTER_NEW || c->after == AFTER_OLD) {
			assert_int_equal(stat(path, &st), 0);
			if ((st.st_mode & 07777) != c->want_mode)
				fail_msg("%s: mode %o, want %o", c->name,
				    (unsigned)(st.st_mode & 07777),
				    (unsigned)c->want_mode);
		}
		/* The file or what was there, and no temporary. */
		temporary = testlib_count_entries(dir, FSUTIL_TMP_PREFIX) > 0;
		if (testlib_count_entries(dir, NULL) != entries || temporary)
			fail_msg("%s: left %s in the folder", c->name,
			    temporary ? "a temporary" : "an extra file");
	}
	umask(old_umask);
	free(big);
}

/* Zero bytes make an empty file; a NULL step is allowed. */
static void
test_write_empty(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(testlib_write_file(f->path, OLD_TEXT, strlen(OLD_TEXT),
			     0600),
	    0);
	assert_int_equal(fsutil_write_atomic(f->path, "", 0, 0600, 0, NULL), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(fsutil_write_atomic(NULL, "x", 1, 0600, 0, NULL),
	    SC_ERR_IO);
	assert_int_equal(errno, EINVAL);
}

/* Temporaries of the path go with FSUTIL_REMOVE_STALE; look-alikes and
 * other files' temporaries stay, and nothing goes without the flag. */
static void
test_remove_stale(void **state)
{
	static const char *stale[] = {
		"data.json.tmp-0123456789abcdef",
		"data.json.tmp-ffffffffffffffff",
	};
	static const char *kept[] = {
		"data.json.tmp-0123456789ABCDEF",
		"data.json.tmp-0123456789abcde",
		"data.json.tmp-0123456789abcdef0",
		"data.json.tmp-0123456789abcdeg",
		"data.json.tmp-",
		"other.json.tmp-0123456789abcdef",
		"data.json.bak",
	};
	struct fixture *f = *state;
	char path[192];
	size_t i;
	int n;

	for (i = 0; i < sizeof stale / sizeof stale[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, stale[i]);
		assert_int_equal(testlib_write_file(path, "{\"half",
				     strlen("{\"half"), 0600),
		    0);
	}
	for (i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, kept[i]);
		assert_int_equal(testlib_write_file(path, "keep",
				     strlen("keep"), 0600),
		    0);
	}
	n = (int)(sizeof stale / sizeof stale[0] +
	    sizeof kept / sizeof kept[0]);

	assert_int_equal(fsutil_write_atomic(f->path, "{}", 2, 0600, 0, NULL),
	    0);
	assert_int_equal(testlib_count_entries(f->dir, NULL), n + 1);

	assert_int_equal(fsutil_write_atomic(f->path, "{}", 2, 0600,
			     FSUTIL_REMOVE_STALE, NULL),
	    0);
	for (i = 0; i < sizeof stale / sizeof stale[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, stale[i]);
		assert_int_equal(access(path, F_OK), -1);
	}
	for (i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, kept[i]);
		assert_int_equal(access(path, F_OK), 0);
	}
	assert_int_equal(testlib_count_entries(f->dir, NULL),
	    1 + (int)(sizeof kept / sizeof kept[0]));
}

/* As root, FSUTIL_KEEP_OWNER keeps the replaced file's owner and group;
 * without it the new file is ours. */
static void
test_keep_owner(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	if (geteuid() != 0) {
		print_message("not root: owner not tested\n");
		return;
	}
	assert_int_equal(testlib_write_file(f->path, OLD_TEXT, strlen(OLD_TEXT),
			     0640),
	    0);
	assert_int_equal(chown(f->path, 1234, 5678), 0);
	assert_int_equal(fsutil_write_atomic(f->path, "a", 1, 0600,
			     FSUTIL_KEEP_MODE | FSUTIL_KEEP_OWNER, NULL),
	    0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 0640);

	assert_int_equal(fsutil_write_atomic(f->path, "b", 1, 0600,
			     FSUTIL_KEEP_MODE, NULL),
	    0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0640);
}

/* Folder syncing: relative, absolute, at the root and missing. */
static void
test_sync_parent(void **state)
{
	struct fixture *f = *state;
	char path[192];

	assert_int_equal(fsutil_sync_parent(f->path), 0);
	assert_int_equal(fsutil_sync_parent("relative-name"), 0);
	assert_int_equal(fsutil_sync_parent("/etc"), 0);
	snprintf(path, sizeof path, "%s/missing/x", f->dir);
	errno = 0;
	assert_int_equal(fsutil_sync_parent(path), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
}

/* mkdir -p: nested, again, below a file, empty. */
static void
test_mkdirs(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char path[192];

	snprintf(path, sizeof path, "%s/a/b/c", f->dir);
	assert_int_equal(fsutil_mkdirs(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fsutil_mkdirs(path, 0700), 0);

	assert_int_equal(testlib_write_file(f->path, "x", strlen("x"), 0600),
	    0);
	snprintf(path, sizeof path, "%s/sub", f->path);
	errno = 0;
	assert_int_equal(fsutil_mkdirs(path, 0700), SC_ERR_IO);
	assert_int_equal(errno, ENOTDIR);

	errno = 0;
	assert_int_equal(fsutil_mkdirs("", 0700), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove_stale, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keep_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_parent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
	};

	return cmocka_run_group_tests_name("fsutil", tests, NULL, NULL);
}
