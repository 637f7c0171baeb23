/*
 * store.c: the storage interface of store.h over a backend
 * (store-sqlite.c, store-memory.c): the bounded write queue and its
 * writer thread (one transaction per batch, the retention prune), the
 * bounded read queue and its reader thread, and the event that brings
 * history answers back to the loop thread, as the auth pool does.
 *
 * A read waits until every write queued before it is done (or dropped),
 * so a history request sees every message delivered before it.
 * A backend that fails once stays off until the daemon restarts: history
 * answers ok = false from then on, and writes are dropped, so what the
 * store holds has no silent holes.
 */
#include <sys/resource.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "store-backend.h"
#include "wakeup.h"
#include "xmalloc.h"

#define STORE_QUEUE_MAX_OPS   16384		  /* queued writes */
#define STORE_QUEUE_MAX_BYTES (16u * 1024 * 1024) /* of queued JSON */
#define STORE_BATCH_MAX	      4096		  /* writes per transaction */
#define STORE_READS_MAX	      1024		  /* queued history reads */
#define STORE_PRUNE_MS	      (3600 * 1000)	  /* retention check */
#define STORE_DAY_MS	      (86400LL * 1000)
#define STORE_NICE	      10  /* the threads' priority under the loop's */
#define STORE_SLICE_US	      250 /* work between two yields (store_pace) */

TAILQ_HEAD(store_ops, store_op);

/* One read: a history question and its answer, or (mod_cb set) a
 * reload of the moderation records. */
struct store_read {
	TAILQ_ENTRY(store_read) entry;
	store_mod_list_cb *mod_cb;
	struct store_mod *mods;
	size_t n_mods, cap_mods;
	char chan[STORE_CHAN_MAX + 1];
	struct store_query q; /* strings cleared: chan says it all */
	uint64_t need_seq;    /* writes queued before it */
	store_history_cb *cb;
	void *arg;
	bool cancelled;
	bool ok;
	struct store_answer ans;
};
TAILQ_HEAD(store_reads, store_read);

struct store {
	const struct store_backend *be;
	void *db;
	unsigned history_days;
	struct wakeup *done_wake; /* the reader finished a read */

	pthread_mutex_t lock;
	pthread_cond_t wcond;	/* writer: work or stop */
	pthread_cond_t rcond;	/* reader: work or stop */
	pthread_cond_t seqcond; /* seq_done moved */
	struct store_ops ops;
	size_t n_ops, op_bytes;
	uint64_t seq_queued, seq_done;
	uint64_t latest_id; /* the newest id handed to store_append */
	uint64_t dropped;   /* writes refused by a full queue */
	bool dropping;	    /* logged once per episode */
	struct store_reads todo, done;
	size_t n_reads;
	struct store_read *running;
	bool stopping, writer_done;
	atomic_bool available;
	pthread_t writer, reader;
	bool threads;
};

/* ---- answers ------------------------------------------------------------ */

/* Offers one message, newest first, under the limit and the byte cap. */
bool
store_answer_offer(struct store_answer *ans, const struct store_query *q,
    const void *json, size_t len)
{
	size_t add = len + (ans->n > 0 ? 1 : 0);

	if (ans->n >= q->limit || ans->bytes + add > q->max_bytes) {
		ans->more = true;
		return false;
	}
	if (ans->n == ans->cap) {
		ans->cap = ans->cap == 0 ? 16 : ans->cap * 2;
		ans->json =
		    xreallocarray(ans->json, ans->cap, sizeof *ans->json);
		ans->len = xreallocarray(ans->len, ans->cap, sizeof *ans->len);
	}
	ans->json[ans->n] = xmalloc(len + 1);
	memcpy(ans->json[ans->n], json, len);
	ans->json[ans->n][len] = '\0';
	ans->len[ans->n] = len;
	ans->n++;
	ans->bytes += add;
	return true;
}

/* Turns the newest-first answer oldest first. */
static void
answer_reverse(struct store_answer *ans)
{
	size_t i, j, l;
	char *s;

	for (i = 0, j = ans->n; i + 1 < j; i++, j--) {
		s = ans->json[i];
		ans->json[i] = ans->json[j - 1];
		ans->json[j - 1] = s;
		l = ans->len[i];
		ans->len[i] = ans->len[j - 1];
		ans->len[j - 1] = l;
	}
}

/* Frees what an answer holds. */
static void
answer_free(struct store_answer *ans)
{
	size_t i;

	for (i = 0; i < ans->n; i++)
		free(ans->json[i]);
	free(ans->json);
	free(ans->len);
	memset(ans, 0, sizeof *ans);
}

/* Frees a queued write. */
static void
op_free(struct store_op *op)
{
	if (op == NULL)
		return;
	free(op->json);
	free(op->topic);
	store_mod_clear(&op->mod);
	free(op);
}

/* ---- moderation records ------------------------------------------------- */

/* Copies src into dst, the reason duplicated. */
void
store_mod_copy(struct store_mod *dst, const struct store_mod *src)
{
	*dst = *src;
	dst->reason = src->reason != NULL ? xstrdup(src->reason) : NULL;
}

/* Frees the reason and clears m. */
void
store_mod_clear(struct store_mod *m)
{
	free(m->reason);
	memset(m, 0, sizeof *m);
}

/* By kind, then user, then key. */
int
store_mod_compare(const struct store_mod *a, const struct store_mod *b)
{
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = strcmp(a->user, b->user)) != 0)
		return c;
	return strcmp(a->key, b->key);
}

/* Appends a copy of m to the reload r (a store_mod_cb). */
static void
collect_mod(const struct store_mod *m, void *arg)
{
	struct store_read *r = arg;

	if (r->n_mods == r->cap_mods) {
		r->cap_mods = r->cap_mods == 0 ? 16 : r->cap_mods * 2;
		r->mods = xreallocarray(r->mods, r->cap_mods, sizeof *r->mods);
	}
	store_mod_copy(&r->mods[r->n_mods++], m);
}

/* ---- the writer --------------------------------------------------------- */

/*
 * The store's threads run below the event loop (SCHED_BATCH, nice 10), as
 * the auth pool's do: on a core shared with the loop, a batch waits for
 * the loop rather than the loop for the batch; a busy loop still leaves
 * them about a tenth of the core, more than a batch of chat needs.
 */
static void
lower_priority(void)
{
	struct sched_param sp = { 0 };

	(void)sched_setscheduler(0, SCHED_BATCH, &sp);
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), STORE_NICE);
}

/* A long write, prune or read gives the core back every STORE_SLICE_US
 * (clock_pace): a lower priority alone does not keep the thread from
 * delaying the loop on a shared core. */
void
store_pace(void)
{
	(void)clock_pace();
}

/* Marks the store failed, once, with the reason. */
static void
store_fail(struct store *st, const char *what, const char *err)
{
	if (atomic_exchange(&st->available, false))
		log_err("history store (%s): %s failed: %s; history is off "
			"until a restart, chat goes on",
		    st->be->name, what, err);
}

/* Queues one write (op NULL: only the id); the caller holds no lock.
 * False when refused. */
static bool
queue_op(struct store *st, struct store_op *op, size_t bytes, uint64_t id)
{
	pthread_mutex_lock(&st->lock);
	if (id > st->latest_id)
		st->latest_id = id;
	if (op == NULL) {
		pthread_mutex_unlock(&st->lock);
		return true;
	}
	if (st->n_ops >= STORE_QUEUE_MAX_OPS ||
	    st->op_bytes + bytes > STORE_QUEUE_MAX_BYTES || st->stopping) {
		st->dropped++;
		if (!st->dropping) {
			st->dropping = true;
			log_warn("history store: write queue full (%zu "
				 "writes), dropping until it drains",
			    st->n_ops);
		}
		pthread_mutex_unlock(&st->lock);
		op_free(op);
		return false;
	}
	TAILQ_INSERT_TAIL(&st->ops, op, entry);
	st->n_ops++;
	st->op_bytes += bytes;
	st->seq_queued++;
	pthread_cond_signal(&st->wcond);
	pthread_mutex_unlock(&st->lock);
	return true;
}

/* The oldest ts kept: history_days ago (0 days: none). */
static int64_t
prune_cutoff(const struct store *st)
{
	if (st->history_days == 0)
		return INT64_MAX;
	return (int64_t)clock_now_ms() -
	    (int64_t)st->history_days * STORE_DAY_MS;
}

/* Writes one batch taken off the queue, then prunes if it asked to. */
static void
write_batch(struct store *st, struct store_op **batch, size_t n,
    uint64_t last_id, uint64_t *written_id)
{
	struct store_op *msgs[STORE_BATCH_MAX];
	size_t i, m = 0;
	bool prune = false;
	uint64_t deleted = 0;
	char err[256];

	for (i = 0; i < n; i++) {
		if (batch[i]->kind == STORE_OP_PRUNE)
			prune = true;
		else
			msgs[m++] = batch[i];
	}
	if (!atomic_load(&st->available))
		return;
	if ((m > 0 || last_id > *written_id) &&
	    st->be->write(st->db, msgs, m, last_id, err, sizeof err) != 0) {
		store_fail(st, "a write", err);
		return;
	}
	*written_id = last_id;
	if (prune) {
		if (st->be->prune(st->db, prune_cutoff(st), &deleted, err,
			sizeof err) != 0) {
			store_fail(st, "pruning", err);
			return;
		}
		if (deleted > 0)
			log_info("history store: %llu message%s older than "
				 "%u days removed",
			    (unsigned long long)deleted,
			    deleted == 1 ? "" : "s", st->history_days);
	}
}

/* The writer thread: batches of queued writes, the hourly prune. */
static void *
store_writer(void *arg)
{
	struct store *st = arg;
	struct store_op *batch[STORE_BATCH_MAX], *op;
	uint64_t next_prune = clock_mono_ms() + STORE_PRUNE_MS, last_id;
	uint64_t written_id = 0;
	struct timespec ts;
	size_t n, i, bytes;

	lower_priority();
	pthread_mutex_lock(&st->lock);
	for (;;) {
		while (!st->stopping && TAILQ_EMPTY(&st->ops) &&
		    clock_mono_ms() < next_prune) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1; /* checks the prune clock each second */
			pthread_cond_timedwait(&st->wcond, &st->lock, &ts);
		}
		if (clock_mono_ms() >= next_prune) {
			next_prune = clock_mono_ms() + STORE_PRUNE_MS;
			op = xcalloc(1, sizeof *op);
			op->kind = STORE_OP_PRUNE;
			TAILQ_INSERT_TAIL(&st->ops, op, entry);
			st->n_ops++;
			st->seq_queued++;
		}
		if (TAILQ_EMPTY(&st->ops) && st->stopping &&
		    st->latest_id <= written_id)
			break;
		n = 0;
		bytes = 0;
		while (n < STORE_BATCH_MAX && (op = TAILQ_FIRST(&st->ops))) {
			TAILQ_REMOVE(&st->ops, op, entry);
			bytes += op->json_len;
			batch[n++] = op;
		}
		st->n_ops -= n;
		st->op_bytes -= bytes;
		last_id = st->latest_id;
		if (st->dropping && st->n_ops == 0) {
			log_warn("history store: write queue drained; %llu "
				 "writes dropped in all",
			    (unsigned long long)st->dropped);
			st->dropping = false;
		}
		pthread_mutex_unlock(&st->lock);

		clock_pace_start(STORE_SLICE_US);
		write_batch(st, batch, n, last_id, &written_id);
		if (!atomic_load(&st->available))
			written_id = last_id; /* nothing more to try */
		for (i = 0; i < n; i++)
			op_free(batch[i]);

		pthread_mutex_lock(&st->lock);
		st->seq_done += n;
		pthread_cond_broadcast(&st->seqcond);
	}
	st->writer_done = true;
	pthread_cond_broadcast(&st->seqcond);
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* ---- the reader --------------------------------------------------------- */

/* The reader thread: one history read at a time, after the writes
 * queued before it. */
static void *
store_reader(void *arg)
{
	struct store *st = arg;
	struct store_read *r;
	char err[256];
	bool skip;
	int rc;

	lower_priority();
	pthread_mutex_lock(&st->lock);
	for (;;) {
		while (!st->stopping && TAILQ_EMPTY(&st->todo))
			pthread_cond_wait(&st->rcond, &st->lock);
		if (st->stopping)
			break;
		r = TAILQ_FIRST(&st->todo);
		TAILQ_REMOVE(&st->todo, r, entry);
		st->running = r;
		while (st->seq_done < r->need_seq && !st->writer_done)
			pthread_cond_wait(&st->seqcond, &st->lock);
		skip = r->cancelled;
		pthread_mutex_unlock(&st->lock);

		clock_pace_start(STORE_SLICE_US);
		r->ok = false;
		if (!skip && atomic_load(&st->available) && r->mod_cb != NULL) {
			rc = st->be->mod_list(st->db, collect_mod, r, err,
			    sizeof err);
			if (rc != 0)
				store_fail(st, "reading moderation", err);
			else
				r->ok = true;
		} else if (!skip && atomic_load(&st->available)) {
			rc = st->be->query(st->db, r->chan, r->q.before, &r->q,
			    &r->ans, err, sizeof err);
			if (rc != 0)
				store_fail(st, "a history read", err);
			else {
				answer_reverse(&r->ans);
				r->ok = true;
			}
		}

		pthread_mutex_lock(&st->lock);
		st->running = NULL;
		TAILQ_INSERT_TAIL(&st->done, r, entry);
		pthread_mutex_unlock(&st->lock);
		wakeup_signal(st->done_wake); /* no lock held (wakeup.h) */
		pthread_mutex_lock(&st->lock);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* Runs the callback of one finished read (unless cancelled), frees it. */
static void
read_finish(struct store_read *r)
{
	struct store_result res = { 0 };
	size_t i;

	if (r->mod_cb != NULL) {
		if (!r->cancelled)
			r->mod_cb(r->ok, r->mods, r->ok ? r->n_mods : 0,
			    r->arg);
		for (i = 0; i < r->n_mods; i++)
			store_mod_clear(&r->mods[i]);
		free(r->mods);
	} else if (!r->cancelled) {
		res.ok = r->ok;
		res.more = r->ok && r->ans.more;
		res.n = r->ok ? r->ans.n : 0;
		res.json = (const char **)r->ans.json;
		res.len = r->ans.len;
		r->cb(&res, r->arg);
	}
	answer_free(&r->ans);
	free(r);
}

/* Loop thread: hands the finished reads to their callbacks. */
static void
store_done(void *arg)
{
	struct store *st = arg;
	struct store_reads done;
	struct store_read *r;

	TAILQ_INIT(&done);
	pthread_mutex_lock(&st->lock);
	TAILQ_CONCAT(&done, &st->done, entry);
	pthread_mutex_unlock(&st->lock);
	while ((r = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, r, entry);
		pthread_mutex_lock(&st->lock);
		st->n_reads--;
		pthread_mutex_unlock(&st->lock);
		read_finish(r);
	}
}

/* ---- the interface ------------------------------------------------------ */

/* Opens the backend path names ("" or NULL: memory) and starts. */
int
store_open(struct event_base *base, const char *path, unsigned history_days,
    store_room_cb *rooms, void *arg, uint64_t *last_id, struct store **out,
    char *err, size_t errlen)
{
	struct store *st;
	struct store_op *op;
	int rc;

	*out = NULL;
	*last_id = 0;
	st = xcalloc(1, sizeof *st);
	st->be = path == NULL || *path == '\0' ? &store_backend_memory :
						 &store_backend_sqlite;
	st->history_days = history_days;
	if ((rc = st->be->open(path, rooms, arg, last_id, &st->db, err,
		 errlen)) != 0) {
		free(st);
		return rc;
	}
	st->latest_id = *last_id;
	TAILQ_INIT(&st->ops);
	TAILQ_INIT(&st->todo);
	TAILQ_INIT(&st->done);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->wcond, NULL);
	pthread_cond_init(&st->rcond, NULL);
	pthread_cond_init(&st->seqcond, NULL);
	atomic_init(&st->available, true);
	if ((st->done_wake = wakeup_new(base, store_done, st)) == NULL)
		xnomem();
	/* The retention at start, before any read. */
	op = xcalloc(1, sizeof *op);
	op->kind = STORE_OP_PRUNE;
	TAILQ_INSERT_TAIL(&st->ops, op, entry);
	st->n_ops = 1;
	st->seq_queued = 1;
	if (pthread_create(&st->writer, NULL, store_writer, st) != 0 ||
	    pthread_create(&st->reader, NULL, store_reader, st) != 0)
		log_fatal("cannot start the history store threads");
	st->threads = true;
	*out = st;
	return 0;
}

/* Flushes the queued writes, answers the reads left, stops, frees. */
void
store_close(struct store *st)
{
	struct store_read *r;

	if (st == NULL)
		return;
	pthread_mutex_lock(&st->lock);
	st->stopping = true;
	pthread_cond_broadcast(&st->wcond);
	pthread_cond_broadcast(&st->rcond);
	pthread_mutex_unlock(&st->lock);
	/* The queue is bounded, so is the flush. */
	pthread_join(st->writer, NULL);
	pthread_join(st->reader, NULL);
	if (st->dropped > 0)
		log_warn("history store: %llu writes dropped (queue full)",
		    (unsigned long long)st->dropped);
	/* Reads not run get ok = false: their callbacks release what they
	 * hold. */
	TAILQ_CONCAT(&st->done, &st->todo, entry);
	while ((r = TAILQ_FIRST(&st->done)) != NULL) {
		TAILQ_REMOVE(&st->done, r, entry);
		read_finish(r);
	}
	st->be->close(st->db);
	wakeup_free(st->done_wake);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->wcond);
	pthread_cond_destroy(&st->rcond);
	pthread_cond_destroy(&st->seqcond);
	free(st);
}

/* Opens and closes a database file once: schema made, contents read. */
static void
count_room(const char *room, const char *topic, void *arg)
{
	(void)room;
	(void)topic;
	(*(size_t *)arg)++;
}

/* Creates the database file with its schema when missing. */
int
store_init_file(const char *path, uint64_t *last_id, size_t *rooms, char *err,
    size_t errlen)
{
	void *db;
	int rc;

	*last_id = 0;
	*rooms = 0;
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no database file named");
		return SC_ERR_INVALID;
	}
	rc = store_backend_sqlite.open(path, count_room, rooms, last_id, &db,
	    err, errlen);
	if (rc == 0)
		store_backend_sqlite.close(db);
	return rc;
}

/* False once the backend failed (or there is no store). */
bool
store_available(const struct store *st)
{
	return st != NULL && atomic_load(&st->available);
}

/* Writes "@a b" with the two names sorted into chan. */
static void
private_chan(char *chan, const char *a, const char *b)
{
	if (strcmp(a, b) > 0) {
		const char *t = a;

		a = b;
		b = t;
	}
	snprintf(chan, STORE_CHAN_MAX + 1, "@%s %s", a, b);
}

/* Queues one delivered message (copied). */
void
store_append(struct store *st, const struct store_msg *m)
{
	struct store_op *op;

	if (st == NULL)
		return;
	if (!atomic_load(&st->available) ||
	    (m->room == NULL && (m->from == NULL || m->to == NULL))) {
		(void)queue_op(st, NULL, 0, m->id);
		return;
	}
	op = xcalloc(1, sizeof *op);
	op->kind = STORE_OP_MSG;
	op->id = m->id;
	op->ts = m->ts;
	if (m->room != NULL)
		snprintf(op->chan, sizeof op->chan, "#%s", m->room);
	else
		private_chan(op->chan, m->from, m->to);
	if (st->history_days > 0) {
		op->json = xmalloc(m->json_len + 1);
		memcpy(op->json, m->json, m->json_len);
		op->json[m->json_len] = '\0';
		op->json_len = m->json_len;
	}
	(void)queue_op(st, op, op->json_len, m->id);
}

/* Queues a room's creation (topic NULL) or its new topic. */
void
store_room_save(struct store *st, const char *room, const char *topic)
{
	struct store_op *op;

	if (st == NULL || !atomic_load(&st->available) ||
	    strlen(room) > SC_ROOM_MAX_LEN)
		return;
	op = xcalloc(1, sizeof *op);
	op->kind = STORE_OP_ROOM;
	memcpy(op->room, room, strlen(room) + 1);
	if (topic != NULL) {
		op->topic = xstrdup(topic);
		op->json_len = strlen(topic);
	}
	(void)queue_op(st, op, op->json_len, 0);
}

/* Queues read r after the writes queued so far (freed when refused).
 * Returns 0 or SC_ERR_TOO_LONG. */
static int
queue_read(struct store *st, struct store_read *r)
{
	pthread_mutex_lock(&st->lock);
	if (st->n_reads >= STORE_READS_MAX || st->stopping) {
		pthread_mutex_unlock(&st->lock);
		free(r);
		return SC_ERR_TOO_LONG;
	}
	r->need_seq = st->seq_queued;
	st->n_reads++;
	TAILQ_INSERT_TAIL(&st->todo, r, entry);
	pthread_cond_signal(&st->rcond);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

/* Queues a history read; its answer comes back through cb. */
int
store_history(struct store *st, const struct store_query *q,
    store_history_cb *cb, void *arg)
{
	struct store_read *r;

	if (st == NULL || q->limit == 0 ||
	    (q->room == NULL && (q->user == NULL || q->with == NULL)) ||
	    (q->room != NULL && strlen(q->room) > SC_ROOM_MAX_LEN) ||
	    (q->room == NULL &&
		(strlen(q->user) > SC_USER_MAX_LEN ||
		    strlen(q->with) > SC_USER_MAX_LEN)))
		return SC_ERR_INVALID;
	r = xcalloc(1, sizeof *r);
	if (q->room != NULL)
		snprintf(r->chan, sizeof r->chan, "#%s", q->room);
	else
		private_chan(r->chan, q->user, q->with);
	r->q = *q;
	r->q.room = r->q.user = r->q.with = NULL;
	r->cb = cb;
	r->arg = arg;
	return queue_read(st, r);
}

/* Queues saving one moderation record (copied). */
void
store_mod_save(struct store *st, const struct store_mod *m)
{
	struct store_op *op;

	if (st == NULL || !atomic_load(&st->available))
		return;
	op = xcalloc(1, sizeof *op);
	op->kind = STORE_OP_MOD_SET;
	store_mod_copy(&op->mod, m);
	op->json_len = m->reason != NULL ? strlen(m->reason) : 0;
	(void)queue_op(st, op, op->json_len, 0);
}

/* Fills the (kind, user, key) of m; false when a name is too long. */
static bool
mod_key(struct store_mod *m, enum store_mod_kind kind, const char *user,
    const char *key)
{
	memset(m, 0, sizeof *m);
	if (strlen(user) > SC_USER_MAX_LEN || strlen(key) > STORE_MOD_KEY_MAX)
		return false;
	m->kind = kind;
	memcpy(m->user, user, strlen(user) + 1);
	memcpy(m->key, key, strlen(key) + 1);
	return true;
}

/* Queues removing one moderation record. */
void
store_mod_delete(struct store *st, enum store_mod_kind kind, const char *user,
    const char *key)
{
	struct store_op *op;

	if (st == NULL || !atomic_load(&st->available))
		return;
	op = xcalloc(1, sizeof *op);
	op->kind = STORE_OP_MOD_DEL;
	if (!mod_key(&op->mod, kind, user, key)) {
		free(op);
		return;
	}
	(void)queue_op(st, op, 0, 0);
}

/* Queues a read of every moderation record after the queued writes. */
int
store_mod_reload(struct store *st, store_mod_list_cb *cb, void *arg)
{
	struct store_read *r;

	if (st == NULL)
		return SC_ERR_INVALID;
	r = xcalloc(1, sizeof *r);
	r->mod_cb = cb;
	r->arg = arg;
	return queue_read(st, r);
}

/* Reads the records at once, with the reader kept out by the lock. */
int
store_mod_read_now(struct store *st, store_mod_cb *cb, void *arg, char *err,
    size_t errlen)
{
	int rc;

	if (st == NULL || !atomic_load(&st->available)) {
		snprintf(err, errlen, "no database");
		return SC_ERR_INVALID;
	}
	pthread_mutex_lock(&st->lock);
	/* The reader thread holds the lock when it takes a read; one may
	 * be running already only if someone asked before: refuse. */
	if (st->running != NULL) {
		pthread_mutex_unlock(&st->lock);
		snprintf(err, errlen, "a read is running");
		return SC_ERR_INVALID;
	}
	rc = st->be->mod_list(st->db, cb, arg, err, errlen);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Opens the SQLite file at path for the tool (no threads). */
static int
file_open(const char *path, void **db, char *err, size_t errlen)
{
	uint64_t last_id;

	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no database file named");
		return SC_ERR_INVALID;
	}
	return store_backend_sqlite.open(path, NULL, NULL, &last_id, db, err,
	    errlen);
}

/* Every moderation record of the file at path into cb. */
int
store_mod_file_list(const char *path, store_mod_cb *cb, void *arg, char *err,
    size_t errlen)
{
	void *db;
	int rc;

	if ((rc = file_open(path, &db, err, errlen)) != 0)
		return rc;
	rc = store_backend_sqlite.mod_list(db, cb, arg, err, errlen);
	store_backend_sqlite.close(db);
	return rc;
}

/* Writes one op to the file at path in a transaction of its own. */
static int
file_write(const char *path, struct store_op *op, char *err, size_t errlen)
{
	struct store_op *ops[1] = { op };
	void *db;
	int rc;

	if ((rc = file_open(path, &db, err, errlen)) != 0)
		return rc;
	rc = store_backend_sqlite.write(db, ops, 1, 0, err, errlen);
	store_backend_sqlite.close(db);
	return rc;
}

/* Saves m in the file at path. */
int
store_mod_file_set(const char *path, const struct store_mod *m, char *err,
    size_t errlen)
{
	struct store_op op = { .kind = STORE_OP_MOD_SET, .mod = *m };

	return file_write(path, &op, err, errlen);
}

/* Notes whether the record looked for (arg: a store_mod) is listed. */
static void
find_mod(const struct store_mod *m, void *arg)
{
	struct store_mod *want = arg;

	if (store_mod_compare(m, want) == 0)
		want->since = 1; /* found */
}

/* Removes one record from the file at path. */
int
store_mod_file_del(const char *path, enum store_mod_kind kind, const char *user,
    const char *key, bool *existed, char *err, size_t errlen)
{
	struct store_op op = { .kind = STORE_OP_MOD_DEL };
	int rc;

	*existed = false;
	if (!mod_key(&op.mod, kind, user, key)) {
		snprintf(err, errlen, "name too long");
		return SC_ERR_INVALID;
	}
	if ((rc = store_mod_file_list(path, find_mod, &op.mod, err, errlen)) !=
	    0)
		return rc;
	*existed = op.mod.since != 0;
	op.mod.since = 0;
	return file_write(path, &op, err, errlen);
}

/* Drops the callbacks of arg: queued, running and finished reads. */
void
store_forget(struct store *st, void *arg)
{
	struct store_read *r;

	if (st == NULL)
		return;
	pthread_mutex_lock(&st->lock);
	TAILQ_FOREACH(r, &st->todo, entry)
	{
		if (r->arg == arg)
			r->cancelled = true;
	}
	TAILQ_FOREACH(r, &st->done, entry)
	{
		if (r->arg == arg)
			r->cancelled = true;
	}
	if (st->running != NULL && st->running->arg == arg)
		st->running->cancelled = true;
	pthread_mutex_unlock(&st->lock);
}
