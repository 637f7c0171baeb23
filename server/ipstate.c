/*
 * ipstate.c: what the server remembers per client address: how many
 * connections it holds (max_per_ip) and its recent failed logins (the
 * per-IP login throttle). IPv4 addresses are kept IPv4-mapped.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* FNV-1a over the 16 address bytes. */
static unsigned
bucket_of(const uint8_t addr[16])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 16; i++) {
		h ^= addr[i];
		h *= 16777619u;
	}
	return h % SERVER_IP_BUCKETS;
}

/* True when ip's failure window has passed. */
static bool
window_over(struct server *srv, struct ipstate *ip, uint64_t now)
{
	return now - ip->fail_start_ms >= srv->cfg.ip_fail_window_ms;
}

/* True when nothing is worth keeping in ip. */
static bool
idle(struct server *srv, struct ipstate *ip, uint64_t now)
{
	return ip->conns == 0 && (ip->fails == 0 || window_over(srv, ip, now));
}

/* Finds or creates the record of peer's address. */
struct ipstate *
ipstate_get(struct server *srv, const struct sockaddr *peer)
{
	struct ipstate *ip, *next;
	uint8_t addr[16] = { 0 };
	uint64_t now = clock_mono_ms();
	unsigned b;

	if (peer->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)peer;

		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &in->sin_addr, 4);
	} else if (peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)peer;

		memcpy(addr, &in6->sin6_addr, 16);
	} else
		return NULL;

	b = bucket_of(addr);
	for (ip = LIST_FIRST(&srv->ips[b]); ip != NULL; ip = next) {
		next = LIST_NEXT(ip, entry);
		if (memcmp(ip->addr, addr, 16) == 0)
			return ip;
		/* Sweep stale records of this bucket on the way. */
		if (idle(srv, ip, now)) {
			LIST_REMOVE(ip, entry);
			free(ip);
		}
	}
	ip = xcalloc(1, sizeof *ip);
	memcpy(ip->addr, addr, 16);
	LIST_INSERT_HEAD(&srv->ips[b], ip, entry);
	return ip;
}

/* Frees ip if it holds no connection and no recent failure. */
void
ipstate_forget_if_idle(struct server *srv, struct ipstate *ip)
{
	if (ip != NULL && idle(srv, ip, clock_mono_ms())) {
		LIST_REMOVE(ip, entry);
		free(ip);
	}
}

/* A connection from ip ended. */
void
ipstate_release(struct server *srv, struct ipstate *ip)
{
	if (ip == NULL)
		return;
	if (ip->conns > 0)
		ip->conns--;
	ipstate_forget_if_idle(srv, ip);
}

/* Counts a failed login from ip. */
void
ipstate_fail(struct server *srv, struct ipstate *ip)
{
	uint64_t now = clock_mono_ms();

	if (ip->fails == 0 || window_over(srv, ip, now)) {
		ip->fails = 0;
		ip->fail_start_ms = now;
	}
	ip->fails++;
}

/* True when ip failed ip_fail_limit times within the window. */
bool
ipstate_throttled(struct server *srv, struct ipstate *ip)
{
	return ip->fails >= srv->cfg.ip_fail_limit &&
	    !window_over(srv, ip, clock_mono_ms());
}

/* Frees every record. */
void
ipstate_free_all(struct server *srv)
{
	struct ipstate *ip;
	unsigned b;

	for (b = 0; b < SERVER_IP_BUCKETS; b++) {
		while ((ip = LIST_FIRST(&srv->ips[b])) != NULL) {
			LIST_REMOVE(ip, entry);
			free(ip);
		}
	}
}
