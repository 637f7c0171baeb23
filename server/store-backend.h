/*
 * store-backend.h: what a storage backend gives store.c, which owns the
 * queues and the threads (store.h). A backend only does synchronous work:
 * its write and prune run on the writer thread, its query on the reader
 * thread, possibly at the same time (a backend keeps them apart: SQLite
 * with a connection each, the memory backend with a mutex).
 */
#ifndef SC_STORE_BACKEND_H
#define SC_STORE_BACKEND_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* "#room" or "@alice bob" (the two names sorted): what a history query
 * looks for. Room and user names hold no '#', '@' or space. */
#define STORE_CHAN_MAX (1 + SC_USER_MAX_LEN + 1 + SC_USER_MAX_LEN)

enum store_op_kind {
	STORE_OP_MSG,	  /* a delivered message */
	STORE_OP_ROOM,	  /* a room created or its topic set */
	STORE_OP_PRUNE,	  /* drop messages older than the retention */
	STORE_OP_MOD_SET, /* save a moderation record */
	STORE_OP_MOD_DEL, /* remove one (kind, user, key) */
};

/* One queued write, owned by the queue (copied from the caller). */
struct store_op {
	TAILQ_ENTRY(store_op) entry;
	enum store_op_kind kind;
	uint64_t id;			/* MSG */
	int64_t ts;			/* MSG */
	char chan[STORE_CHAN_MAX + 1];	/* MSG */
	char *json;			/* MSG: NULL when history_days is 0 */
	size_t json_len;		/* MSG */
	char room[SC_ROOM_MAX_LEN + 1]; /* ROOM */
	char *topic;			/* ROOM: NULL creates, keeps topic */
	struct store_mod mod;		/* MOD_SET, MOD_DEL (owns reason) */
};

/* A history answer being built: newest first until store_answer_done(). */
struct store_answer {
	bool more;
	size_t n, cap, bytes;
	char **json;
	size_t *len;
};

struct store_backend {
	const char *name;
	/* Opens path, reads the rooms and the last id. 0 or SC_ERR_*, with
	 * a reason in err. */
	int (*open)(const char *path, store_room_cb *rooms, void *arg,
	    uint64_t *last_id, void **db, char *err, size_t errlen);
	void (*close)(void *db);
	/* Writes ops[0..n) (MSG and ROOM) and last_id in one transaction. */
	int (*write)(void *db, struct store_op *const *ops, size_t n,
	    uint64_t last_id, char *err, size_t errlen);
	/* Deletes the messages with ts < cutoff; *deleted says how many. */
	int (*prune)(void *db, int64_t cutoff, uint64_t *deleted, char *err,
	    size_t errlen);
	/* Offers the messages of chan below before (0: any), newest first,
	 * to store_answer_offer() until it says stop. */
	int (*query)(void *db, const char *chan, uint64_t before,
	    const struct store_query *q, struct store_answer *ans, char *err,
	    size_t errlen);
	/* Reads every moderation record (on the reader thread, or with no
	 * threads running) into cb. */
	int (*mod_list)(void *db, store_mod_cb *cb, void *arg, char *err,
	    size_t errlen);
};

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_memory;

/*
 * Offers the next older message to ans under q's limit and max_bytes
 * (the messages' bytes plus one comma between two). Returns true to go
 * on; false when the answer is full, with more set: that message exists
 * but is not in the answer.
 */
bool store_answer_offer(struct store_answer *ans, const struct store_query *q,
    const void *json, size_t len);

/*
 * Called by a backend often during long work (every few microseconds of
 * it): gives the core back to the event loop every so often (store.c).
 */
void store_pace(void);

#endif /* SC_STORE_BACKEND_H */
