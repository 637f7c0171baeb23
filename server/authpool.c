/*
 * authpool.c: the worker threads that check passwords, so the event loop
 * never runs PBKDF2. Jobs carry copies of the hash and the password, never
 * a pointer a worker could follow into chat state; results come back to
 * the loop thread through a wakeup (common/wakeup.h: an eventfd, written
 * with no lock held). A job holds a session reference: if the
 * session died meanwhile, the result is dropped.
 */
#include <sys/resource.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "server.h"
#include "wakeup.h"

#define AUTHPOOL_NICE	  10  /* workers' priority under the loop's */
#define AUTHPOOL_SLICE_US 250 /* work between two yields (clock_pace) */

struct auth_job {
	TAILQ_ENTRY(auth_job) entry;
	struct session *s;
	struct pwhash hash;
	bool known; /* false: the dummy hash */
	bool ok;
	char user[SC_USER_MAX_LEN + 1];
	size_t user_len;
	char password[SC_PASSWORD_MAX_LEN];
	size_t pwlen;
};
TAILQ_HEAD(auth_jobs, auth_job);

struct authpool {
	struct server *srv;
	pthread_t *threads;
	unsigned n_threads;
	unsigned qmax;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct auth_jobs todo; /* waiting for a worker */
	struct auth_jobs done; /* results for the loop */
	unsigned waiting;
	unsigned running;
	bool stopping;
	struct wakeup *wake; /* a worker has put a result in done */
	struct event *more;  /* done holds results left for the next pass */
};

/* Wipes and frees a job. */
static void
job_free(struct auth_job *job)
{
	sodium_memzero(job, sizeof *job);
	free(job);
}

/*
 * Workers run at a lower priority than the event loop (SCHED_BATCH,
 * nice 10): on a machine with as many busy workers as cores, the loop
 * thread still wakes at once, so a login storm does not stall the chat.
 * Failure (a sandbox that forbids it) only costs that preference.
 */
static void
lower_priority(void)
{
	struct sched_param sp = { 0 };

	(void)sched_setscheduler(0, SCHED_BATCH, &sp);
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), AUTHPOOL_NICE);
}

/* A worker: take a job, check it, hand the result back. */
static void *
authpool_worker(void *arg)
{
	struct authpool *p = arg;
	struct auth_job *job;

	lower_priority();
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stopping && TAILQ_EMPTY(&p->todo))
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stopping)
			break;
		job = TAILQ_FIRST(&p->todo);
		TAILQ_REMOVE(&p->todo, job, entry);
		p->waiting--;
		p->running++;
		pthread_mutex_unlock(&p->lock);

		/* The slow part, with no lock held, giving the core back
		 * every AUTHPOOL_SLICE_US (clock_pace in pbkdf2): on a core
		 * shared with the loop, a lower priority alone still lets a
		 * check hold the core until the next scheduler tick. */
		clock_pace_start(AUTHPOOL_SLICE_US);
		job->ok =
		    pwhash_verify(&job->hash, job->password, job->pwlen) == 0 &&
		    job->known;
		sodium_memzero(job->password, sizeof job->password);

		pthread_mutex_lock(&p->lock);
		p->running--;
		TAILQ_INSERT_TAIL(&p->done, job, entry);
		pthread_mutex_unlock(&p->lock);
		wakeup_signal(p->wake); /* with no lock held (wakeup.h) */
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Loop thread: finish the logins whose checks came back. */
static void
authpool_done(void *arg)
{
	struct authpool *p = arg;
	struct auth_jobs done;
	struct timeval next_pass = { 0, 0 };
	struct auth_job *job;
	struct session *s;
	unsigned n = 0;

	TAILQ_INIT(&done);
	pthread_mutex_lock(&p->lock);
	TAILQ_CONCAT(&done, &p->done, entry);
	pthread_mutex_unlock(&p->lock);

	/*
	 * A login answered is a roster and presence to every session: as
	 * many as the loop pass allows (one at least), the rest at the next
	 * pass (a zero timeout: the loop polls its sockets first).
	 */
	session_pass_work(p->srv);
	while ((job = TAILQ_FIRST(&done)) != NULL &&
	    (n++ == 0 || !session_pass_older(p->srv, SERVER_PASS_WORK_US))) {
		TAILQ_REMOVE(&done, job, entry);
		s = job->s;
		if (!s->dead) {
			cmd_login_done(s, job->user, job->user_len, job->ok);
			session_resume(s);
		}
		session_unref(s);
		job_free(job);
	}
	if (!TAILQ_EMPTY(&done)) {
		pthread_mutex_lock(&p->lock);
		TAILQ_CONCAT(&done, &p->done, entry);
		TAILQ_CONCAT(&p->done, &done, entry);
		pthread_mutex_unlock(&p->lock);
		event_add(p->more, &next_pass);
	}
}

/* The results left by the previous pass. */
static void
authpool_more_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	authpool_done(arg);
}

/* Starts n workers (0: one per core) with a queue of qmax. */
struct authpool *
authpool_new(struct server *srv, unsigned n, unsigned qmax)
{
	struct authpool *p;
	long cores;
	unsigned i;

	if (n == 0) {
		cores = sysconf(_SC_NPROCESSORS_ONLN);
		n = cores > 0 ? (unsigned)cores : 1;
	}
	p = xcalloc(1, sizeof *p);
	p->threads = xcalloc(n, sizeof *p->threads);
	p->srv = srv;
	p->qmax = qmax;
	TAILQ_INIT(&p->todo);
	TAILQ_INIT(&p->done);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if ((p->wake = wakeup_new(srv->base, authpool_done, p)) == NULL)
		log_fatal("cannot make the auth pool's wakeup: %s",
		    strerror(errno));
	if ((p->more = evtimer_new(srv->base, authpool_more_cb, p)) == NULL)
		xnomem();
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, authpool_worker, p) !=
		    0)
			log_fatal("cannot start auth worker thread");
		p->n_threads++;
	}
	log_info("auth pool: %u worker%s, queue %u", n, n == 1 ? "" : "s",
	    qmax);
	return p;
}

/* True when the queue is full. */
bool
authpool_full(struct authpool *p)
{
	bool full;

	pthread_mutex_lock(&p->lock);
	full = p->waiting >= p->qmax;
	pthread_mutex_unlock(&p->lock);
	return full;
}

/* Jobs waiting or running. */
unsigned
authpool_pending(struct authpool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->waiting + p->running;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* Queues a check for s; NULL hash means an unknown user. */
int
authpool_submit(struct authpool *p, struct session *s,
    const struct pwhash *hash, const char *user, size_t user_len,
    const char *password, size_t pwlen)
{
	struct auth_job *job;

	if (user_len > SC_USER_MAX_LEN || pwlen > SC_PASSWORD_MAX_LEN)
		return -1;
	job = xcalloc(1, sizeof *job);
	job->s = s;
	job->known = hash != NULL;
	job->hash = hash != NULL ? *hash : p->srv->dummy_hash;
	memcpy(job->user, user, user_len);
	job->user_len = user_len;
	memcpy(job->password, password, pwlen);
	job->pwlen = pwlen;

	pthread_mutex_lock(&p->lock);
	if (p->waiting >= p->qmax || p->stopping) {
		pthread_mutex_unlock(&p->lock);
		job_free(job);
		return -1;
	}
	s->refs++;
	TAILQ_INSERT_TAIL(&p->todo, job, entry);
	p->waiting++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Stops the workers and drops every job. */
void
authpool_free(struct authpool *p)
{
	struct auth_job *job;
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	TAILQ_CONCAT(&p->todo, &p->done, entry);
	while ((job = TAILQ_FIRST(&p->todo)) != NULL) {
		TAILQ_REMOVE(&p->todo, job, entry);
		session_unref(job->s);
		job_free(job);
	}
	wakeup_free(p->wake);
	event_free(p->more);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->threads);
	free(p);
}
