/*
 * ipstate.c: what the server remembers per client address: how many
 * connections it holds (max_per_ip) and its recent failed logins (the
 * per-IP login throttle, ip_fail_limit in ip_fail_window); and per
 * address prefix (prefix_v4, prefix_v6 bits) how many of its connections
 * have not logged in yet (max_unauth_per_prefix). IPv4 addresses are kept
 * IPv4-mapped; both kinds of record share one hash table.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* FNV-1a over the 16 address bytes and the kind of record. */
static unsigned
bucket_of(const uint8_t addr[16], bool prefix)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 16; i++) {
		h ^= addr[i];
		h *= 16777619u;
	}
	h ^= prefix;
	h *= 16777619u;
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
	return ip->conns == 0 && ip->unauth == 0 &&
	    (ip->fails == 0 || window_over(srv, ip, now));
}

/* peer's address as 16 bytes (IPv4 mapped), cut to its prefix when
 * prefix. Returns false for other families. */
static bool
key_of(struct server *srv, const struct sockaddr *peer, bool prefix,
    uint8_t addr[16])
{
	unsigned bits = 128, i;

	memset(addr, 0, 16);
	if (peer->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)peer;

		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &in->sin_addr, 4);
		bits = 96 + srv->cfg.prefix_v4;
	} else if (peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)peer;

		memcpy(addr, &in6->sin6_addr, 16);
		bits = srv->cfg.prefix_v6;
	} else
		return false;
	if (!prefix)
		return true;
	for (i = 0; i < 16; i++) {
		if (bits >= 8 * (i + 1))
			continue;
		addr[i] &=
		    bits > 8 * i ? (uint8_t)(0xff << (8 * (i + 1) - bits)) : 0;
	}
	return true;
}

/* Finds or creates the record of peer's address or prefix. */
static struct ipstate *
get_record(struct server *srv, const struct sockaddr *peer, bool prefix)
{
	struct ipstate *ip, *next;
	uint8_t addr[16];
	uint64_t now = clock_mono_ms();
	unsigned b;

	if (!key_of(srv, peer, prefix, addr))
		return NULL;
	b = bucket_of(addr, prefix);
	for (ip = LIST_FIRST(&srv->ips[b]); ip != NULL; ip = next) {
		next = LIST_NEXT(ip, entry);
		if (ip->prefix == prefix && memcmp(ip->addr, addr, 16) == 0)
			return ip;
		/* Sweep stale records of this bucket on the way (not when
		 * looking up a prefix: the caller may hold its address's
		 * new, still idle record). */
		if (!prefix && idle(srv, ip, now)) {
			LIST_REMOVE(ip, entry);
			free(ip);
		}
	}
	ip = xcalloc(1, sizeof *ip);
	memcpy(ip->addr, addr, 16);
	ip->prefix = prefix;
	LIST_INSERT_HEAD(&srv->ips[b], ip, entry);
	return ip;
}

/* Finds or makes the record of peer's address. */
struct ipstate *
ipstate_get(struct server *srv, const struct sockaddr *peer)
{
	return get_record(srv, peer, false);
}

/* Finds or makes the record of peer's address prefix. */
struct ipstate *
ipstate_get_prefix(struct server *srv, const struct sockaddr *peer)
{
	return get_record(srv, peer, true);
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
