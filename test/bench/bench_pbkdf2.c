/*
 * bench_pbkdf2.c: times our PBKDF2-HMAC-SHA256 (common/pwhash.c) against
 * OpenSSL's at the PROTOCOL.md count of 600000 iterations. Not a test.
 *
 * libcrypto is not a project dependency, so OpenSSL is timed by running
 * "openssl kdf ... PBKDF2" as a process; the same command with iter:1
 * measures the process start-up, which is reported and subtracted. The
 * portable SHA-256 is timed by running this program again with
 * SC_SHA256_IMPL=portable, since the choice is made once per process.
 * Every output, ours and OpenSSL's, is checked against a known vector.
 *
 * usage: bench_pbkdf2 [-n runs] [-o openssl-binary]
 */
#include <ctype.h>
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "sc_limits.h"
#include "pbkdf2.h"
#include "sha256.h"

#define BENCH_PASSWORD	     "password123"
#define BENCH_SALT	     "abcdefghijklmnop"
#define BENCH_ITERATIONS     SC_PBKDF2_DEFAULT_ITERATIONS
#define BENCH_ITERATIONS_STR "600000"
#define BENCH_DK_LEN	     32
#define BENCH_DEFAULT_RUNS   9
#define BENCH_MAX_RUNS	     1000
#define BENCH_OUTPUT_MAX     4096

/*
 * PBKDF2-HMAC-SHA256(BENCH_PASSWORD, BENCH_SALT, 600000, 32), computed
 * with Python 3.11 hashlib.pbkdf2_hmac; OpenSSL prints the same bytes.
 */
static const char bench_dk_hex[] =
    "e164c2e03f39e47c2ba2a71265ff970bffcca3656a90a162df7b6144a324517b";

_Static_assert(BENCH_ITERATIONS == 600000, "bench_dk_hex is for 600000");

extern char **environ;

/* Median, minimum and maximum of a set of runs, in milliseconds. */
struct timing {
	double median;
	double min;
	double max;
};

/* Prints how to run this and exits. */
static void
usage(void)
{
	fprintf(stderr, "usage: bench_pbkdf2 [-n runs] [-o openssl]\n");
	exit(2);
}

/* Orders doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts ms[0..n) and summarises it. */
static struct timing
summarise(double *ms, size_t n)
{
	struct timing t;

	qsort(ms, n, sizeof *ms, cmp_double);
	t.min = ms[0];
	t.max = ms[n - 1];
	t.median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
	return t;
}

/* Runs our PBKDF2 once on the bench inputs; false if the key is wrong. */
static bool
ours_once(double *ms)
{
	uint8_t dk[BENCH_DK_LEN], want[BENCH_DK_LEN];
	size_t len;
	double t0;

	if (sodium_hex2bin(want, sizeof want, bench_dk_hex,
		strlen(bench_dk_hex), NULL, &len, NULL) != 0 ||
	    len != sizeof want)
		return false;
	t0 = clock_mono_s();
	pbkdf2_hmac_sha256((const uint8_t *)BENCH_PASSWORD,
	    strlen(BENCH_PASSWORD), (const uint8_t *)BENCH_SALT,
	    strlen(BENCH_SALT), BENCH_ITERATIONS, dk, sizeof dk);
	*ms = (clock_mono_s() - t0) * 1e3;
	return memcmp(dk, want, sizeof dk) == 0;
}

/* Times n runs of our PBKDF2, each checked; false on a wrong key. */
static bool
time_ours(size_t n, struct timing *t)
{
	double ms[BENCH_MAX_RUNS];
	size_t i;

	for (i = 0; i < n; i++) {
		if (!ours_once(&ms[i]))
			return false;
	}
	*t = summarise(ms, n);
	return true;
}

/*
 * Runs argv (found on PATH) with envp, its standard output read into out
 * (NUL-terminated, truncated to cap), and times it from spawn to exit.
 * Returns false if it could not run or did not exit with status 0.
 */
static bool
run_capture(char *const argv[], char *const envp[], char *out, size_t cap,
    double *ms)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	size_t used = 0;
	ssize_t r;
	char discard[256];
	int fds[2], status, error;
	double t0;

	if (pipe(fds) != 0)
		return false;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);

	t0 = clock_mono_s();
	error = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (error != 0) {
		close(fds[0]);
		fprintf(stderr, "bench_pbkdf2: %s: %s\n", argv[0],
		    strerror(error));
		return false;
	}
	for (;;) {
		if (used + 1 < cap)
			r = read(fds[0], out + used, cap - 1 - used);
		else
			r = read(fds[0], discard, sizeof discard);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (used + 1 < cap)
			used += (size_t)r;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return false;
	}
	*ms = (clock_mono_s() - t0) * 1e3;
	out[used] = '\0';
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Strips the ':' and whitespace from OpenSSL's hex and lowercases it. */
static void
normalise_hex(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == ':' || isspace((unsigned char)*s))
			continue;
		*w++ = (char)tolower((unsigned char)*s);
	}
	*w = '\0';
}

/*
 * Times n runs of "openssl kdf" with the given iteration count; with
 * check, each output must be the known key. False if any run failed.
 */
static bool
time_openssl(const char *openssl, const char *iter_opt, bool check, size_t n,
    struct timing *t)
{
	char *argv[] = { (char *)openssl, "kdf", "-keylen", "32", "-kdfopt",
		"digest:SHA256", "-kdfopt", "pass:" BENCH_PASSWORD, "-kdfopt",
		"salt:" BENCH_SALT, "-kdfopt", (char *)iter_opt, "PBKDF2",
		NULL };
	char out[BENCH_OUTPUT_MAX];
	double ms[BENCH_MAX_RUNS], warm;
	size_t i;

	/* One untimed run to fill the page cache. */
	if (!run_capture(argv, environ, out, sizeof out, &warm))
		return false;
	for (i = 0; i < n; i++) {
		if (!run_capture(argv, environ, out, sizeof out, &ms[i]))
			return false;
		normalise_hex(out);
		if (check && strcmp(out, bench_dk_hex) != 0) {
			fprintf(stderr,
			    "bench_pbkdf2: openssl printed %s, "
			    "want %s\n",
			    out, bench_dk_hex);
			return false;
		}
	}
	*t = summarise(ms, n);
	return true;
}

/*
 * Runs this program again with SC_SHA256_IMPL=portable and -q, and reads
 * back its timing. False if that did not work.
 */
static bool
time_portable(size_t n, struct timing *t)
{
	char **envp;
	char *argv[5], runs[32], out[BENCH_OUTPUT_MAX];
	size_t count = 0, i, j = 0;
	double ms;
	bool ok;

	for (i = 0; environ[i] != NULL; i++)
		count++;
	envp = calloc(count + 2, sizeof *envp);
	if (envp == NULL)
		return false;
	for (i = 0; i < count; i++) {
		if (strncmp(environ[i], "SC_SHA256_IMPL=", 15) != 0)
			envp[j++] = environ[i];
	}
	envp[j++] = "SC_SHA256_IMPL=portable";
	envp[j] = NULL;

	snprintf(runs, sizeof runs, "%zu", n);
	argv[0] = "/proc/self/exe";
	argv[1] = "-q";
	argv[2] = "-n";
	argv[3] = runs;
	argv[4] = NULL;
	ok = run_capture(argv, envp, out, sizeof out, &ms) &&
	    sscanf(out, "portable %lf %lf %lf", &t->median, &t->min, &t->max) ==
		3;
	free(envp);
	return ok;
}

/* Prints one line of the report. */
static void
report(const char *what, const struct timing *t)
{
	printf("%-28s %8.1f ms   (min %.1f, max %.1f)\n", what, t->median,
	    t->min, t->max);
}

/* Checks, times ours and OpenSSL's, and prints the comparison. */
int
main(int argc, char **argv)
{
	struct timing ours, portable, ossl, ossl_start;
	const char *openssl = "openssl", *impl;
	char label[64], *end;
	unsigned long v;
	size_t runs = BENCH_DEFAULT_RUNS;
	double ms, net;
	bool quiet = false, have_portable = false;
	int ch;

	while ((ch = getopt(argc, argv, "n:o:q")) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 ||
			    v > BENCH_MAX_RUNS)
				usage();
			runs = v;
			break;
		case 'o':
			openssl = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (sodium_init() < 0)
		return 1;
	impl = sha256_impl();

	/* Check before timing; this also warms up. */
	if (!ours_once(&ms)) {
		fprintf(stderr,
		    "bench_pbkdf2: %s: wrong key for the known "
		    "vector\n",
		    impl);
		return 1;
	}
	if (!time_ours(runs, &ours)) {
		fprintf(stderr, "bench_pbkdf2: %s: wrong key\n", impl);
		return 1;
	}
	if (quiet) {
		printf("%s %.3f %.3f %.3f\n", impl, ours.median, ours.min,
		    ours.max);
		return 0;
	}

	printf("PBKDF2-HMAC-SHA256, %s iterations, %d-byte key, "
	       "median of %zu runs\n",
	    BENCH_ITERATIONS_STR, BENCH_DK_LEN, runs);
	printf("sha256 implementation in use: %s\n", impl);
	printf("self-check: ok (%s matches the known vector)\n", impl);
	snprintf(label, sizeof label, "ours (%s):", impl);
	report(label, &ours);

	if (strcmp(impl, "portable") != 0) {
		have_portable = time_portable(runs, &portable);
		if (have_portable)
			report("ours (portable):", &portable);
		else
			printf("ours (portable): could not run\n");
	}

	if (!time_openssl(openssl, "iter:" BENCH_ITERATIONS_STR, true, runs,
		&ossl) ||
	    !time_openssl(openssl, "iter:1", false, runs, &ossl_start)) {
		printf("openssl kdf: could not run or wrong output; "
		       "no comparison\n");
		return 1;
	}
	report("openssl kdf (whole process):", &ossl);
	report("openssl kdf iter:1 (start):", &ossl_start);
	net = ossl.median - ossl_start.median;
	printf("%-28s %8.1f ms\n", "openssl net of start-up:", net);

	printf("ratio ours (%s) / openssl: %.2f whole, %.2f net\n", impl,
	    ours.median / ossl.median, ours.median / net);
	if (have_portable)
		printf("ratio ours (portable) / openssl: %.2f whole, "
		       "%.2f net\n",
		    portable.median / ossl.median, portable.median / net);
	return 0;
}
