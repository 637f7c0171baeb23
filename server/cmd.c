/*
 * cmd.c: the command table and the checks every request goes through, in
 * the order of PROTOCOL.md section 3: (1) plaintext, JSON, object, type;
 * (2) state; (3) members; (4) rate; (5) content; (6) the target, which
 * the command's own handler checks (cmd-*.c).
 */
#include <string.h>

#include "server.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_login_entry,
	&cmd_say_entry,
	&cmd_msg_entry,
	&cmd_list_entry,
	&cmd_ping_entry,
	&cmd_quit_entry,
	&cmd_history_entry,
	&cmd_join_entry,
	&cmd_part_entry,
	&cmd_topic_entry,
	&cmd_names_entry,
	&cmd_rooms_entry,
	&cmd_away_entry,
	&cmd_whois_entry,
	&cmd_kick_entry,
	&cmd_mute_entry,
	&cmd_unmute_entry,
	&cmd_ban_entry,
	&cmd_unban_entry,
};

/* Finds the entry of a request type. */
static const struct cmd_entry *
find_entry(enum msg_type type)
{
	size_t i;

	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (cmd_table[i]->type == type)
			return cmd_table[i];
	}
	return NULL;
}

/* Checks one request in the spec's order and runs it. */
void
cmd_dispatch(struct session *s, const uint8_t *buf, size_t len)
{
	const struct cmd_entry *e;
	struct msg req;
	enum msg_code code;
	const char *ref;

	/* 1: plaintext, JSON, object, type. */
	code = msg_request_parse(&req, buf, len);
	ref = req.has_ref ? req.ref_type : NULL;
	if (code == MSG_CODE_NONE && (e = find_entry(req.type)) == NULL)
		code = MSG_CODE_BAD_REQUEST; /* a server-only type */
	if (code != MSG_CODE_NONE)
		goto fail;

	/* 2: state. */
	if ((e->states & STATE_BIT(s->state)) == 0) {
		code = s->state == SESSION_ACTIVE ? MSG_CODE_ALREADY_LOGGED_IN :
						    MSG_CODE_AUTH_REQUIRED;
		goto fail;
	}
	/* Section 8: operator commands, before the members are looked at. */
	if ((e->states & CMD_OP_ONLY) != 0 &&
	    !moderation_is_op(s->srv, s->user->name, s->user->len)) {
		code = MSG_CODE_FORBIDDEN;
		goto fail;
	}
	/* 3: members present, with the right types. */
	if ((code = msg_request_members(&req)) != MSG_CODE_NONE)
		goto fail;
	/* 4: rate. */
	if (e->rate != NULL && (code = e->rate(s)) != MSG_CODE_NONE)
		goto fail;
	/* 5: content rules. */
	if ((code = msg_request_content(&req)) != MSG_CODE_NONE)
		goto fail;
	/* 6 and the work. */
	e->handler(s, &req);
	msg_clear(&req);
	return;

fail:
	session_error(s, code, ref);
	msg_clear(&req);
}

/* rate_limited when the bucket holds less than one token. */
enum msg_code
cmd_check_tokens(struct session *s)
{
	const struct config *cfg = &s->srv->cfg;

	bucket_refill(&s->tokens, cfg->rate_per_sec, cfg->rate_burst,
	    clock_mono_ms());
	if (bucket_has(&s->tokens, 1)) {
		s->rate_noted = false;
		return MSG_CODE_NONE;
	}
	if (!s->rate_noted) {
		log_peer(LOG_LEVEL_INFO, s->host, "rate limited %s user %s",
		    s->addr, s->user->name);
		s->rate_noted = true;
	}
	return MSG_CODE_RATE_LIMITED;
}

/* Takes one token; only requests that succeeded pay. */
void
cmd_take_token(struct session *s)
{
	bucket_drain(&s->tokens, 1);
}

/* Starts the bucket full. */
void
cmd_fill_tokens(struct session *s)
{
	bucket_fill(&s->tokens, s->srv->cfg.rate_burst, clock_mono_ms());
}
