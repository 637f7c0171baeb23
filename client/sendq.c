/*
 * sendq.c: the outgoing queue of say and msg lines, paced by a mirror of
 * the server's token bucket (SC_RATE_BURST, SC_RATE_PER_SEC) so that a
 * fast typist or a long paste never meets "rate_limited". Lines sent and
 * not yet answered stay at the front of the ring, oldest first, so a
 * refused one can go back to the head of the queue. The clock is the
 * caller's (monotonic milliseconds), so the tests inject it.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

#define MILLI 1000 /* milli-tokens per token */

/* The ring slot i places after the head. */
static struct sendq_item *
slot(struct sendq *q, size_t i)
{
	return &q->items[(q->head + i) % SENDQ_MAX];
}

/* Adds the tokens earned since the last refill, up to the burst. */
static void
refill(struct sendq *q, uint64_t now_ms)
{
	uint64_t max = (uint64_t)q->burst * MILLI;
	uint64_t add;

	if (now_ms <= q->last_ms)
		return;
	add = (now_ms - q->last_ms) * q->per_sec;
	q->last_ms = now_ms;
	q->tokens_milli =
	    q->tokens_milli + add >= max ? max : q->tokens_milli + add;
}

/* Prepares an empty queue with a full bucket. */
void
sendq_init(struct sendq *q, unsigned burst, unsigned per_sec, uint64_t now_ms)
{
	memset(q, 0, sizeof *q);
	q->burst = burst > 0 ? burst : 1;
	q->per_sec = per_sec > 0 ? per_sec : 1;
	q->tokens_milli = (uint64_t)q->burst * MILLI;
	q->last_ms = now_ms;
}

/* Frees every line, sent or waiting. */
void
sendq_free(struct sendq *q)
{
	while (q->count > 0) {
		free(slot(q, 0)->text);
		q->head = (q->head + 1) % SENDQ_MAX;
		q->count--;
	}
	q->head = 0;
	q->n_sent = 0;
}

/* Queues a copy of one line. */
int
sendq_push(struct sendq *q, bool private, const char *target, bool action,
    const char *text, size_t len)
{
	struct sendq_item *it;

	if (q->count >= SENDQ_MAX)
		return SC_ERR_TOO_LONG;
	if (target == NULL)
		target = "";
	if (strlen(target) > BUFFER_NAME_MAX)
		return SC_ERR_INVALID;
	it = slot(q, q->count);
	it->private = private;
	it->action = action;
	memcpy(it->target, target, strlen(target) + 1);
	it->text = xstrndup(text, len);
	it->len = len;
	q->count++;
	return 0;
}

/* Lines waiting to be sent (not the ones in flight). */
size_t
sendq_waiting(const struct sendq *q)
{
	return q->count - q->n_sent;
}

/* The next line to send now, or NULL. */
const struct sendq_item *
sendq_next(struct sendq *q, uint64_t now_ms)
{
	if (sendq_waiting(q) == 0)
		return NULL;
	refill(q, now_ms);
	if (q->tokens_milli < MILLI)
		return NULL;
	return slot(q, q->n_sent);
}

/* Milliseconds until the next line may go; -1 when none waits. */
long
sendq_wait_ms(struct sendq *q, uint64_t now_ms)
{
	uint64_t need;

	if (sendq_waiting(q) == 0)
		return -1;
	refill(q, now_ms);
	if (q->tokens_milli >= MILLI)
		return 0;
	need = MILLI - q->tokens_milli;
	return (long)((need + q->per_sec - 1) / q->per_sec);
}

/* The line sendq_next() gave went out: it pays a token and waits for
 * its answer. */
void
sendq_sent(struct sendq *q, uint64_t now_ms)
{
	if (sendq_waiting(q) == 0)
		return;
	refill(q, now_ms);
	q->tokens_milli =
	    q->tokens_milli >= MILLI ? q->tokens_milli - MILLI : 0;
	q->n_sent++;
}

/* The oldest line in flight was answered (shown or refused for good):
 * it is dropped. False when none was in flight. */
bool
sendq_answered(struct sendq *q)
{
	if (q->n_sent == 0)
		return false;
	free(slot(q, 0)->text);
	slot(q, 0)->text = NULL;
	q->head = (q->head + 1) % SENDQ_MAX;
	q->count--;
	q->n_sent--;
	return true;
}

/* The oldest line in flight was refused as too fast: it goes back to
 * the head of the waiting lines, and the bucket is empty. */
bool
sendq_refused(struct sendq *q, uint64_t now_ms)
{
	struct sendq_item it;
	size_t i;

	if (q->n_sent == 0)
		return false;
	it = *slot(q, 0);
	for (i = 0; i + 1 < q->n_sent; i++)
		*slot(q, i) = *slot(q, i + 1);
	*slot(q, q->n_sent - 1) = it;
	q->n_sent--;
	q->tokens_milli = 0;
	q->last_ms = now_ms;
	return true;
}

/* The connection ended: lines in flight are forgotten (their fate is
 * unknown; sending them again could say them twice). */
void
sendq_disconnected(struct sendq *q)
{
	while (q->n_sent > 0)
		(void)sendq_answered(q);
}
