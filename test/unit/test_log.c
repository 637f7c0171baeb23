/*
 * test_log.c: unit tests for common/log.c: level names and filtering, the
 * file and stderr line formats, the journal prefix mode, reopening after
 * logrotate, escaping, truncation and whole lines under concurrency.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "testlib.h"

#define TEST_LINE_MAX	  2048 /* log.c's bound, newline included */
#define TEST_TS_LEN	  24   /* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
#define TEST_THREADS	  8
#define TEST_THREAD_LINES 400

/* A temporary directory per test and the paths used in it. */
struct fixture {
	char dir[64];
	char log[128];
	char err[128];
	int saved_stderr;
};

/* Makes a temporary directory and resets the logger. */
static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	if (testlib_mkdtemp(f->dir, sizeof f->dir, "test_log") == -1) {
		free(f);
		return -1;
	}
	snprintf(f->log, sizeof f->log, "%s/app.log", f->dir);
	snprintf(f->err, sizeof f->err, "%s/stderr", f->dir);
	f->saved_stderr = -1;
	unsetenv("JOURNAL_STREAM");
	log_init("test_log", LOG_LEVEL_DEBUG);
	log_set_stderr(false);
	*state = f;
	return 0;
}

/* Puts stderr back, closes the log file and removes the directory. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	log_close();
	log_set_stderr(false);
	if (f->saved_stderr != -1) {
		dup2(f->saved_stderr, STDERR_FILENO);
		close(f->saved_stderr);
	}
	unsetenv("JOURNAL_STREAM");
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

/* Points fd 2 at a fresh file f->err. */
static void
capture_stderr(struct fixture *f)
{
	int fd;

	fd = open(f->err, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	assert_true(fd != -1);
	if (f->saved_stderr == -1) {
		f->saved_stderr = dup(STDERR_FILENO);
		assert_true(f->saved_stderr != -1);
	}
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Counts the newlines in s. */
static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Says whether s starts with "YYYY-MM-DDTHH:MM:SS.mmmZ". */
static int
is_timestamp(const char *s)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;

	for (i = 0; i < TEST_TS_LEN; i++) {
		if (pattern[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return 0;
		} else if (s[i] != pattern[i])
			return 0;
	}
	return 1;
}

/* Checks one file line "TS LEVEL text\n" and returns its text part. */
static const char *
file_text(const char *line, const char *level)
{
	size_t n = strlen(level);

	assert_true(is_timestamp(line));
	assert_int_equal(line[TEST_TS_LEN], ' ');
	assert_memory_equal(line + TEST_TS_LEN + 1, level, n);
	assert_int_equal(line[TEST_TS_LEN + 1 + n], ' ');
	return line + TEST_TS_LEN + n + 2;
}

/* Every name parses to its level; anything else is refused. */
static void
test_level_parse(void **state)
{
	static const struct {
		const char *name;
		int rc;
		enum log_level level;
	} rows[] = {
		{ "error", 0, LOG_LEVEL_ERR },
		{ "warning", 0, LOG_LEVEL_WARNING },
		{ "notice", 0, LOG_LEVEL_NOTICE },
		{ "info", 0, LOG_LEVEL_INFO },
		{ "debug", 0, LOG_LEVEL_DEBUG },
		{ "", SC_ERR_INVALID, 0 },
		{ "err", SC_ERR_INVALID, 0 },
		{ "warn", SC_ERR_INVALID, 0 },
		{ "ERROR", SC_ERR_INVALID, 0 },
		{ "Info", SC_ERR_INVALID, 0 },
		{ "debug ", SC_ERR_INVALID, 0 },
		{ " debug", SC_ERR_INVALID, 0 },
		{ "debugx", SC_ERR_INVALID, 0 },
		{ "7", SC_ERR_INVALID, 0 },
		{ "crit", SC_ERR_INVALID, 0 },
	};
	enum log_level level;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		level = (enum log_level)99;
		assert_int_equal(log_level_parse(rows[i].name, &level),
		    rows[i].rc);
		if (rows[i].rc == 0)
			assert_int_equal(level, rows[i].level);
		else
			assert_int_equal(level, 99);
	}
	assert_int_equal(log_level_parse(NULL, &level), SC_ERR_INVALID);
}

/* Only lines at or above the set level are written. */
static void
test_level_filter(void **state)
{
	struct fixture *f = *state;
	char *s, *line;

	assert_int_equal(log_open_file(f->log), 0);
	log_set_level(LOG_LEVEL_NOTICE);
	log_err("e1");
	log_warn("w1");
	log_notice("n1");
	log_info("i1");
	log_debug("d1");
	log_init("test_log", LOG_LEVEL_ERR);
	log_warn("w2");
	log_err("e2");
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("d2");

	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 5);
	line = strtok(s, "\n");
	assert_string_equal(file_text(line, "ERROR"), "e1");
	line = strtok(NULL, "\n");
	assert_string_equal(file_text(line, "WARNING"), "w1");
	line = strtok(NULL, "\n");
	assert_string_equal(file_text(line, "NOTICE"), "n1");
	line = strtok(NULL, "\n");
	assert_string_equal(file_text(line, "ERROR"), "e2");
	line = strtok(NULL, "\n");
	assert_string_equal(file_text(line, "DEBUG"), "d2");
	free(s);
}

/* The file gets "TS LEVEL text\n", created 0640 and appended to. */
static void
test_file_output(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	mode_t old;
	char *s, *line;
	int fd;

	old = umask(022);
	assert_int_equal(log_open_file(f->log), 0);
	umask(old);
	assert_int_equal(stat(f->log, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	log_info("hello %s %d", "world", 42);
	errno = EACCES;
	log_warn("failed: %m");
	assert_int_equal(errno, EACCES); /* logging keeps errno */
	log_close();
	log_info("after close"); /* goes nowhere */

	/* Appends to what is there. */
	fd = open(f->log, O_WRONLY | O_APPEND);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "old\n", 4), 4);
	close(fd);
	assert_int_equal(log_open_file(f->log), 0);
	log_err("again");

	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 4);
	line = strtok(s, "\n");
	assert_string_equal(file_text(line, "INFO"), "hello world 42");
	line = strtok(NULL, "\n");
	assert_string_equal(file_text(line, "WARNING"),
	    "failed: Permission denied");
	line = strtok(NULL, "\n");
	assert_string_equal(line, "old");
	line = strtok(NULL, "\n");
	assert_string_equal(file_text(line, "ERROR"), "again");
	free(s);
}

/* Opening a bad path fails with errno and keeps the previous file. */
static void
test_open_failure(void **state)
{
	struct fixture *f = *state;
	char bad[192], *s;

	assert_int_equal(log_reopen(), 0); /* no file: nothing to do */
	assert_int_equal(log_open_file(f->log), 0);
	snprintf(bad, sizeof bad, "%s/missing/app.log", f->dir);
	errno = 0;
	assert_int_equal(log_open_file(bad), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(log_open_file(f->dir), SC_ERR_IO);
	assert_int_equal(errno, EISDIR);
	log_info("still here");
	assert_int_equal(log_reopen(), 0);
	log_info("and here");

	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, " INFO still here\n"));
	assert_non_null(strstr(s, " INFO and here\n"));
	free(s);
}

/* After a rename, reopen starts a new file; the old one keeps its lines;
 * a failed reopen keeps the old descriptor. */
static void
test_reopen_after_rename(void **state)
{
	struct fixture *f = *state;
	char rotated[192], sub[192], subl[192], *s;

	assert_int_equal(log_open_file(f->log), 0);
	log_info("one");
	snprintf(rotated, sizeof rotated, "%s.1", f->log);
	assert_int_equal(rename(f->log, rotated), 0);
	log_info("two"); /* still the renamed file */
	assert_int_equal(log_reopen(), 0);
	log_info("three");
	log_info("four");

	s = testlib_slurp(rotated, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, " INFO one\n"));
	assert_non_null(strstr(s, " INFO two\n"));
	assert_null(strstr(s, "three"));
	free(s);
	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, " INFO three\n"));
	assert_non_null(strstr(s, " INFO four\n"));
	free(s);

	/* The directory vanishes: reopen fails, lines go to the old file. */
	snprintf(sub, sizeof sub, "%s/sub", f->dir);
	snprintf(subl, sizeof subl, "%s/sub/x.log", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(log_open_file(subl), 0);
	log_info("five");
	snprintf(rotated, sizeof rotated, "%s/moved.log", f->dir);
	assert_int_equal(rename(subl, rotated), 0);
	assert_int_equal(rmdir(sub), 0);
	errno = 0;
	assert_int_equal(log_reopen(), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
	log_info("six");
	s = testlib_slurp(rotated, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, " INFO six\n"));
	free(s);
}

/* On a plain stderr, lines are "TS prog[pid]: LEVEL: text". */
static void
test_stderr_format(void **state)
{
	struct fixture *f = *state;
	char want[128], *s;

	capture_stderr(f);
	log_init("/usr/bin/scserver", LOG_LEVEL_INFO);
	log_set_stderr(true);
	log_warn("disk %d%% full", 93);
	log_debug("hidden");
	log_set_stderr(false);
	log_err("not on stderr");

	s = testlib_slurp(f->err, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 1);
	assert_true(is_timestamp(s));
	snprintf(want, sizeof want, " scserver[%ld]: WARNING: disk 93%% full\n",
	    (long)getpid());
	assert_string_equal(s + TEST_TS_LEN, want);
	free(s);
}

/* Sets JOURNAL_STREAM to fd 2's device and inode plus the deltas. */
static void
set_journal_stream(unsigned int ddev, unsigned int dino)
{
	struct stat st;
	char buf[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(buf, sizeof buf, "%ju:%ju", (uintmax_t)st.st_dev + ddev,
	    (uintmax_t)st.st_ino + dino);
	assert_int_equal(setenv("JOURNAL_STREAM", buf, 1), 0);
}

/* Asserts one stderr line in timestamp format (not journal format). */
static void
assert_timestamped(struct fixture *f, const char *text)
{
	char *s;

	capture_stderr(f);
	log_init("test_log", LOG_LEVEL_DEBUG);
	log_set_stderr(true);
	log_warn("%s", text);
	log_set_stderr(false);
	s = testlib_slurp(f->err, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 1);
	assert_true(is_timestamp(s));
	assert_non_null(strstr(s, ": WARNING: "));
	free(s);
}

/* When JOURNAL_STREAM names stderr, lines are "<N>text" only. */
static void
test_journal(void **state)
{
	struct fixture *f = *state;
	char old[160], *s, *line;

	capture_stderr(f);
	set_journal_stream(0, 0);
	log_init("test_log", LOG_LEVEL_DEBUG);
	assert_int_equal(log_open_file(f->log), 0);
	log_set_stderr(true);
	log_warn("hello journal");
	log_err("bad\nthing");
	log_debug("dbg");
	log_notice("n");
	log_info("i");
	log_set_stderr(false);

	s = testlib_slurp(f->err, NULL);
	assert_non_null(s);
	assert_string_equal(s,
	    "<4>hello journal\n<3>bad\\x0athing\n<7>dbg\n"
	    "<5>n\n<6>i\n");
	free(s);
	/* The file keeps its timestamps. */
	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	line = strtok(s, "\n");
	assert_string_equal(file_text(line, "WARNING"), "hello journal");
	free(s);

	/* Stderr moves to another file (the old one stays, so its inode
	 * number is not reused): log_init notices. */
	snprintf(old, sizeof old, "%s.old", f->err);
	assert_int_equal(rename(f->err, old), 0);
	capture_stderr(f);
	log_init("test_log", LOG_LEVEL_DEBUG);
	log_set_stderr(true);
	log_warn("moved");
	log_set_stderr(false);
	s = testlib_slurp(f->err, NULL);
	assert_non_null(s);
	assert_true(is_timestamp(s));
	free(s);
}

/* A JOURNAL_STREAM that does not name stderr leaves timestamps on. */
static void
test_journal_mismatch(void **state)
{
	static const char *bad[] = {
		"",
		":",
		"1",
		"1:",
		":1",
		"x:y",
		"-1:-1",
		" 1:1",
		"99999999999999999999999999:1",
	};
	struct fixture *f = *state;
	struct stat st;
	char buf[96];
	size_t i;

	capture_stderr(f);
	set_journal_stream(0, 1);
	assert_timestamped(f, "other inode");
	set_journal_stream(1, 0);
	assert_timestamped(f, "other device");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(setenv("JOURNAL_STREAM", bad[i], 1), 0);
		assert_timestamped(f, bad[i]);
	}
	/* Right numbers with trailing junk. */
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(buf, sizeof buf, "%ju:%ju ", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", buf, 1), 0);
	assert_timestamped(f, "junk");
	unsetenv("JOURNAL_STREAM");
	assert_timestamped(f, "unset");
}

/* Control characters, DEL, backslash, C1 and bad UTF-8 are escaped. */
static void
test_escape(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} rows[] = {
		{ "plain text", "plain text" },
		{ "a\nb", "a\\x0ab" },
		{ "\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m" },
		{ "cr\rlf\ntab\t", "cr\\x0dlf\\x0atab\\x09" },
		{ "del\x7f", "del\\x7f" },
		{ "back\\slash", "back\\\\slash" },
		{ "bell\a", "bell\\x07" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
		    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91" },
		{ "csi\xc2\x9b"
		  "31m",
		    "csi\\xc2\\x9b31m" },
		{ "nbsp\xc2\xa0", "nbsp\xc2\xa0" },
		{ "bad\xff\xfe", "bad\\xff\\xfe" },
		{ "lone\x9b", "lone\\x9b" },
		{ "cut\xe2\x82", "cut\\xe2\\x82" },
		{ "", "" },
	};
	struct fixture *f = *state;
	char *s, *line;
	size_t i;

	assert_int_equal(log_open_file(f->log), 0);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		log_info("%s", rows[i].in);
	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), sizeof rows / sizeof rows[0]);
	line = s;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		*strchr(line, '\n') = '\0';
		assert_string_equal(file_text(line, "INFO"), rows[i].out);
		line += strlen(line) + 1;
	}
	free(s);
}

/* Asserts s holds one line of at most the bound, ending in "...\n". */
static const char *
assert_truncated(const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(count_lines(s), 1);
	assert_true(len <= TEST_LINE_MAX);
	assert_true(len > TEST_LINE_MAX - 8);
	assert_string_equal(s + len - 4, "...\n");
	return s + len - 4;
}

/* Logs big to f->log, then asserts the line is cut after whole copies
 * of unit[0..ulen) and removes the file. */
static void
assert_cut_in_units(struct fixture *f, const char *big, const char *unit,
    size_t ulen)
{
	const char *end, *p;
	char *s;

	assert_int_equal(log_open_file(f->log), 0);
	log_info("%s", big);
	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	end = assert_truncated(s);
	p = file_text(s, "INFO");
	assert_int_equal((end - p) % ulen, 0);
	for (; p < end; p += ulen)
		assert_memory_equal(p, unit, ulen);
	free(s);
	log_close();
	unlink(f->log);
}

/* Long lines are cut to the bound with a "..." marker, never inside an
 * escape or a UTF-8 character. */
static void
test_truncation(void **state)
{
	struct fixture *f = *state;
	char *big, *s;
	const char *end, *p;
	size_t i;

	big = malloc(5001);
	assert_non_null(big);
	memset(big, 'x', 5000);
	big[5000] = '\0';

	assert_int_equal(log_open_file(f->log), 0);
	capture_stderr(f);
	log_set_stderr(true);
	log_info("%s", big);
	log_set_stderr(false);
	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	end = assert_truncated(s);
	for (p = file_text(s, "INFO"); p < end; p++)
		assert_int_equal(*p, 'x');
	free(s);
	s = testlib_slurp(f->err, NULL);
	assert_non_null(s);
	end = assert_truncated(s);
	assert_int_equal(end[-1], 'x');
	free(s);
	log_close();
	unlink(f->log);

	/* Escapes are kept whole. */
	memset(big, '\x01', 5000);
	assert_cut_in_units(f, big, "\\x01", 4);

	/* So are three-byte characters, whatever the prefix length. */
	for (i = 0; i + 3 <= 5000; i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	big[4998] = '\0';
	assert_cut_in_units(f, big, "\xe2\x82\xac", 3);

	/* A line just within the bound is not cut. */
	assert_int_equal(log_open_file(f->log), 0);
	memset(big, 'y', 1000);
	big[1000] = '\0';
	log_info("%s", big);
	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 1);
	assert_int_equal(strlen(file_text(s, "INFO")), 1001);
	assert_null(strstr(s, "..."));
	free(s);
	free(big);
}

/* Arguments for one logging thread. */
struct writer {
	pthread_t thread;
	int id;
};

/* Logs TEST_THREAD_LINES numbered lines. */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	char pad[301];
	int i;

	memset(pad, 'a' + w->id, sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	for (i = 0; i < TEST_THREAD_LINES; i++)
		log_info("t%d n%d %s end", w->id, i, pad);
	return NULL;
}

/* Checks that buf holds only whole lines, every one exactly once. */
static void
check_concurrent(char *buf, int file)
{
	int seen[TEST_THREADS][TEST_THREAD_LINES];
	char *line, *save, *text, *end;
	int id, n, len, total = 0, k;

	memset(seen, 0, sizeof seen);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (file)
			text = (char *)file_text(line, "INFO");
		else {
			assert_true(is_timestamp(line));
			text = strstr(line, ": INFO: ");
			assert_non_null(text);
			text += strlen(": INFO: ");
		}
		assert_int_equal(sscanf(text, "t%d n%d %n", &id, &n, &len), 2);
		assert_true(id >= 0 && id < TEST_THREADS);
		assert_true(n >= 0 && n < TEST_THREAD_LINES);
		assert_int_equal(strlen(text + len), 300 + 4);
		for (k = 0; k < 300; k++)
			assert_int_equal(text[len + k], 'a' + id);
		end = text + len + 300;
		assert_string_equal(end, " end");
		seen[id][n]++;
		total++;
	}
	assert_int_equal(total, TEST_THREADS * TEST_THREAD_LINES);
	for (id = 0; id < TEST_THREADS; id++) {
		for (n = 0; n < TEST_THREAD_LINES; n++)
			assert_int_equal(seen[id][n], 1);
	}
}

/* Several threads logging at once produce only whole lines. */
static void
test_concurrent(void **state)
{
	struct fixture *f = *state;
	struct writer w[TEST_THREADS];
	char *s;
	int i;

	assert_int_equal(log_open_file(f->log), 0);
	capture_stderr(f);
	log_set_stderr(true);
	for (i = 0; i < TEST_THREADS; i++) {
		w[i].id = i;
		assert_int_equal(pthread_create(&w[i].thread, NULL, writer_main,
				     &w[i]),
		    0);
	}
	/* Rotation while the writers run loses no line. */
	assert_int_equal(log_reopen(), 0);
	for (i = 0; i < TEST_THREADS; i++)
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
	log_set_stderr(false);

	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	check_concurrent(s, 1);
	free(s);
	s = testlib_slurp(f->err, NULL);
	assert_non_null(s);
	check_concurrent(s, 0);
	free(s);
}

/* log_fatal logs at ERROR and exits with status 1. */
static void
test_fatal(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	int status;
	char *s;

	assert_int_equal(log_open_file(f->log), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		log_fatal("cannot continue: %d", 7);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	s = testlib_slurp(f->log, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 1);
	assert_string_equal(file_text(s, "ERROR"), "cannot continue: 7\n");
	free(s);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_level_parse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_level_filter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_output, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_rename, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stderr_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_mismatch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fatal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
