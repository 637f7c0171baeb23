/*
 * store-memory.c: the in-process history backend (path "" or NULL): for
 * tests, and the model of a later shared backend such as Redis (a list per
 * chan, a hash of rooms, a counter for the last id, a hash of moderation
 * records keyed by kind, user and key). Nothing survives the
 * process. The writer and the reader thread share it under one mutex.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store-backend.h"
#include "xmalloc.h"

struct mem_msg {
	uint64_t id;
	int64_t ts;
	char chan[STORE_CHAN_MAX + 1];
	char *json;
	size_t len;
};

struct mem_room {
	char name[SC_ROOM_MAX_LEN + 1];
	char *topic;
};

struct mem_db {
	pthread_mutex_t lock;
	struct mem_msg *msgs; /* by id, ascending */
	size_t n_msgs, cap_msgs;
	struct mem_room *rooms;
	size_t n_rooms, cap_rooms;
	uint64_t last_id;
	struct store_mod *mods; /* sorted by store_mod_compare */
	size_t n_mods, cap_mods;
};

/* A new, empty store: no rooms, last id 0. */
static int
mem_open(const char *path, store_room_cb *rooms, void *arg, uint64_t *last_id,
    void **out, char *err, size_t errlen)
{
	struct mem_db *d;

	(void)path;
	(void)rooms;
	(void)arg;
	(void)err;
	(void)errlen;
	d = xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->lock, NULL);
	*last_id = 0;
	*out = d;
	return 0;
}

/* Frees everything. */
static void
mem_close(void *db)
{
	struct mem_db *d = db;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n_msgs; i++)
		free(d->msgs[i].json);
	for (i = 0; i < d->n_rooms; i++)
		free(d->rooms[i].topic);
	for (i = 0; i < d->n_mods; i++)
		store_mod_clear(&d->mods[i]);
	free(d->msgs);
	free(d->rooms);
	free(d->mods);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* The room named name, added when missing. */
static struct mem_room *
room_get(struct mem_db *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_rooms; i++) {
		if (strcmp(d->rooms[i].name, name) == 0)
			return &d->rooms[i];
	}
	if (d->n_rooms == d->cap_rooms) {
		d->cap_rooms = d->cap_rooms == 0 ? 8 : d->cap_rooms * 2;
		d->rooms =
		    xreallocarray(d->rooms, d->cap_rooms, sizeof *d->rooms);
	}
	memset(&d->rooms[d->n_rooms], 0, sizeof d->rooms[0]);
	memcpy(d->rooms[d->n_rooms].name, name, strlen(name) + 1);
	d->rooms[d->n_rooms].topic = xstrdup("");
	return &d->rooms[d->n_rooms++];
}

/* Saves or removes one moderation record, keeping the order. */
static void
mem_mod(struct mem_db *d, const struct store_op *op)
{
	size_t i;
	int c = 1;

	for (i = 0; i < d->n_mods; i++) {
		if ((c = store_mod_compare(&d->mods[i], &op->mod)) >= 0)
			break;
	}
	if (c == 0) {
		store_mod_clear(&d->mods[i]);
		if (op->kind == STORE_OP_MOD_SET)
			store_mod_copy(&d->mods[i], &op->mod);
		else {
			memmove(&d->mods[i], &d->mods[i + 1],
			    (d->n_mods - i - 1) * sizeof *d->mods);
			d->n_mods--;
		}
		return;
	}
	if (op->kind != STORE_OP_MOD_SET)
		return;
	if (d->n_mods == d->cap_mods) {
		d->cap_mods = d->cap_mods == 0 ? 16 : d->cap_mods * 2;
		d->mods = xreallocarray(d->mods, d->cap_mods, sizeof *d->mods);
	}
	memmove(&d->mods[i + 1], &d->mods[i],
	    (d->n_mods - i) * sizeof *d->mods);
	store_mod_copy(&d->mods[i], &op->mod);
	d->n_mods++;
}

/* Appends the messages (ids only grow), sets rooms and the last id. */
static int
mem_write(void *db, struct store_op *const *ops, size_t n, uint64_t last_id,
    char *err, size_t errlen)
{
	struct mem_db *d = db;
	const struct store_op *op;
	struct mem_room *r;
	struct mem_msg *m;
	size_t i;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < n; i++) {
		op = ops[i];
		if (op->kind == STORE_OP_MOD_SET ||
		    op->kind == STORE_OP_MOD_DEL) {
			mem_mod(d, op);
			continue;
		}
		if (op->kind == STORE_OP_ROOM) {
			r = room_get(d, op->room);
			if (op->topic != NULL) {
				free(r->topic);
				r->topic = xstrdup(op->topic);
			}
			continue;
		}
		if (op->kind != STORE_OP_MSG || op->json == NULL ||
		    (d->n_msgs > 0 && op->id <= d->msgs[d->n_msgs - 1].id))
			continue;
		if (d->n_msgs == d->cap_msgs) {
			d->cap_msgs = d->cap_msgs == 0 ? 64 : d->cap_msgs * 2;
			d->msgs = xreallocarray(d->msgs, d->cap_msgs,
			    sizeof *d->msgs);
		}
		m = &d->msgs[d->n_msgs++];
		m->id = op->id;
		m->ts = op->ts;
		memcpy(m->chan, op->chan, sizeof m->chan);
		m->json = xmemdup(op->json, op->json_len);
		m->len = op->json_len;
	}
	if (last_id > d->last_id)
		d->last_id = last_id;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Drops the messages older than cutoff (order kept). */
static int
mem_prune(void *db, int64_t cutoff, uint64_t *deleted, char *err, size_t errlen)
{
	struct mem_db *d = db;
	size_t i, k = 0;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->n_msgs; i++) {
		if (d->msgs[i].ts < cutoff)
			free(d->msgs[i].json);
		else
			d->msgs[k++] = d->msgs[i];
	}
	*deleted = d->n_msgs - k;
	d->n_msgs = k;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Walks back from the newest message below before. */
static int
mem_query(void *db, const char *chan, uint64_t before,
    const struct store_query *q, struct store_answer *ans, char *err,
    size_t errlen)
{
	struct mem_db *d = db;
	size_t i;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	for (i = d->n_msgs; i > 0; i--) {
		const struct mem_msg *m = &d->msgs[i - 1];

		if ((before != 0 && m->id >= before) ||
		    strcmp(m->chan, chan) != 0)
			continue;
		if (!store_answer_offer(ans, q, m->json, m->len))
			break;
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Every moderation record, in order, into cb. */
static int
mem_mod_list(void *db, store_mod_cb *cb, void *arg, char *err, size_t errlen)
{
	struct mem_db *d = db;
	size_t i;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->n_mods; i++)
		cb(&d->mods[i], arg);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

const struct store_backend store_backend_memory = {
	.name = "memory",
	.open = mem_open,
	.close = mem_close,
	.write = mem_write,
	.prune = mem_prune,
	.query = mem_query,
	.mod_list = mem_mod_list,
};
