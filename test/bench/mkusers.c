/*
 * mkusers.c: "securechat-bench make-users", the users file a benchmark
 * needs: PREFIX<start>..PREFIX<start+count-1>, all with one password,
 * hashed with pwhash_create on every core. With --append the users are
 * merged into an existing file (so cheap fan-out users and real
 * 600000-iteration login-storm users can share one file); the file is
 * written through users_lock/users_commit, atomically.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "pwhash.h"
#include "users.h"

struct mkusers_job {
	const char *password;
	uint32_t iterations;
	unsigned count;
	char (*hashes)[SC_PWHASH_MAX_LEN];
	unsigned next; /* atomic: next index to hash */
	int rc;	       /* atomic: first failure */
};

static const struct option mkusers_options[] = { { "count", required_argument,
						     NULL, 'n' },
	{ "iterations", required_argument, NULL, 'i' },
	{ "out", required_argument, NULL, 'o' },
	{ "user-prefix", required_argument, NULL, 'p' },
	{ "password", required_argument, NULL, 'P' },
	{ "start", required_argument, NULL, 's' },
	{ "threads", required_argument, NULL, 't' },
	{ "append", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };

/* Prints the subcommand's usage. */
static void
mkusers_usage(void)
{
	fprintf(stderr,
	    "usage: " BENCH_NAME
	    " make-users --count N --out FILE [--iterations I]\n"
	    "           [--user-prefix P] [--password PW] [--start K] "
	    "[--threads T]\n"
	    "           [--append]\n"
	    "  writes users P<K>..P<K+N-1> (default prefix bench, start 0) "
	    "with\n"
	    "  password PW (password123) hashed with I PBKDF2 iterations "
	    "(600000);\n"
	    "  --append merges into FILE instead of replacing it\n");
}

/* A thread: hashes indexes until none are left. */
static void *
hash_worker(void *arg)
{
	struct mkusers_job *job = arg;
	unsigned i;
	int rc;

	for (;;) {
		i = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED);
		if (i >= job->count)
			break;
		rc = pwhash_create(job->password, strlen(job->password),
		    job->iterations, job->hashes[i], SC_PWHASH_MAX_LEN);
		if (rc != 0) {
			__atomic_store_n(&job->rc, rc, __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

/* Parses a number option. */
static int
number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out > max)
		return -1;
	return 0;
}

/* Hashes every password on nthreads threads. */
static int
hash_all(struct mkusers_job *job, unsigned nthreads)
{
	pthread_t threads[BENCH_MAX_THREADS];
	unsigned t, started = 0;

	for (t = 1; t < nthreads; t++) {
		if (pthread_create(&threads[t], NULL, hash_worker, job) != 0)
			break;
		started++;
	}
	hash_worker(job);
	for (t = 1; t <= started; t++)
		pthread_join(threads[t], NULL);
	return job->rc;
}

/* Runs make-users. */
int
mkusers_main(int argc, char **argv)
{
	const char *out = NULL, *prefix = "bench";
	unsigned long count = 0, iterations = SC_PBKDF2_DEFAULT_ITERATIONS;
	unsigned long start = 0, nthreads, v;
	struct mkusers_job job;
	struct users *u = NULL;
	char err[USERS_ERR_MAX], name[SC_USER_MAX_LEN + 1];
	uint64_t t0 = clock_mono_ns();
	bool append = false;
	int ch, rc, lockfd = -1;
	unsigned i;
	long ncpu;

	memset(&job, 0, sizeof job);
	job.password = "password123";
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nthreads = ncpu > 0 ? (unsigned long)ncpu : 1;
	while (
	    (ch = getopt_long(argc, argv, "", mkusers_options, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (number(optarg, 10000000, &count) != 0 || count == 0)
				goto usage;
			break;
		case 'i':
			if (number(optarg, SC_PBKDF2_MAX_ITERATIONS,
				&iterations) != 0 ||
			    iterations == 0)
				goto usage;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'P':
			job.password = optarg;
			break;
		case 's':
			if (number(optarg, 100000000, &start) != 0)
				goto usage;
			break;
		case 't':
			if (number(optarg, BENCH_MAX_THREADS, &v) != 0 ||
			    v == 0)
				goto usage;
			nthreads = v;
			break;
		case 'a':
			append = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || out == NULL || count == 0)
		goto usage;
	if (nthreads > BENCH_MAX_THREADS)
		nthreads = BENCH_MAX_THREADS;
	if (strlen(prefix) > SC_USER_MAX_LEN - 9 ||
	    !text_password_valid(job.password, strlen(job.password))) {
		bench_warn("make-users: prefix too long or password invalid");
		return BENCH_EXIT_USAGE;
	}

	job.iterations = (uint32_t)iterations;
	job.count = (unsigned)count;
	if ((job.hashes = calloc(count, sizeof *job.hashes)) == NULL) {
		bench_warn("out of memory");
		return BENCH_EXIT_FAIL;
	}
	if ((rc = hash_all(&job, (unsigned)nthreads)) != 0) {
		bench_warn("make-users: hashing: %s", sc_strerror(rc));
		goto fail;
	}
	if (!append && unlink(out) != 0 && errno != ENOENT) {
		bench_warn("make-users: %s: %s", out, strerror(errno));
		goto fail;
	}
	if ((rc = users_lock(out, &lockfd, &u, err, sizeof err)) != 0) {
		bench_warn("make-users: %s", err);
		goto fail;
	}
	for (i = 0; i < job.count; i++) {
		snprintf(name, sizeof name, "%s%lu", prefix, start + i);
		if ((rc = users_set(u, name, job.hashes[i], err, sizeof err)) !=
		    0) {
			bench_warn("make-users: user %s: %s", name,
			    rc == SC_ERR_INVALID ? "invalid name" : err);
			users_unlock(lockfd);
			goto fail;
		}
	}
	if ((rc = users_commit(out, lockfd, u, err, sizeof err)) != 0) {
		bench_warn("make-users: %s", err);
		goto fail;
	}
	printf("%s: %u users %s%lu..%s%lu (%lu iterations) in %.1f s, "
	       "%zu users in the file\n",
	    out, job.count, prefix, start, prefix, start + count - 1,
	    iterations, (double)(clock_mono_ns() - t0) / 1e9, users_count(u));
	users_free(u);
	free(job.hashes);
	return BENCH_EXIT_OK;
fail:
	users_free(u);
	free(job.hashes);
	return BENCH_EXIT_FAIL;
usage:
	mkusers_usage();
	return BENCH_EXIT_USAGE;
}
