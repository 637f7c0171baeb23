/*
 * hostile_server.c: a fake SecureChat server that completes the real
 * handshake and then sends escape-sequence attacks in every field a
 * client displays: user names, message text, notices, error messages.
 * For the client's tmux test, which checks they show up neutralised.
 * usage: hostile_server PORT KEYFILE  (serves connections until killed)
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "channel.h"
#include "keys.h"

#define HELLO "{\"proto\":1,\"server\":\"hostile/1\",\"name\":\"Hostile\"}"

/* Each attack is sent as one plaintext after login. */
static const char *const attacks[] = {
	"{\"type\":\"login_ok\",\"user\":\"victim\",\"users\":[\"victim\","
	"\"evil\\u001b[31mRED\",\"\\u202eevil-rlo\",\"osc\\u001b]0;x\\u0007\"]"
	"}",
	"{\"type\":\"say\",\"id\":1,\"ts\":1700000000000,\"from\":"
	"\"mallory\\u001b[5m\",\"text\":\"\\u001b[2J\\u001b[HCLEARED? "
	"\\u001b]0;pwned-title\\u0007 \\u001b]52;c;cHduZWQ=\\u0007 "
	"bell\\u0007 c1:\\u009b31m bidi:\\u202eabc\\u202c end\"}",
	"{\"type\":\"msg\",\"id\":2,\"ts\":1700000000000,\"from\":\"mallory\","
	"\"to\":\"victim\",\"text\":\"back\\bspace\\rcarriage \\u001bP"
	"dcs\\u001b\\\\ done\"}",
	"{\"type\":\"notice\",\"text\":\"notice \\u001b[?1049h alt screen\"}",
	"{\"type\":\"error\",\"code\":\"weird\\u001b[1m\",\"message\":"
	"\"server says \\u001b[41m HACKED\"}",
	"{\"type\":\"presence\",\"user\":\"late\\u001b[7mcomer\","
	"\"online\":true}",
};

/* Serves one connection until it closes. */
static void
serve(int fd, const struct sc_keypair *key)
{
	struct channel_config cc = { 0 };
	struct channel ch;
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	uint8_t *buf = malloc(SC_MSG_MAX_LEN);
	size_t len, i;
	int rc;

	cc.role = CHANNEL_RESPONDER;
	cc.local = key;
	cc.hello = HELLO;
	cc.hello_len = strlen(HELLO);
	if (channel_init(&ch, &cc) != 0)
		goto out;
	for (;;) {
		rc = channel_read(&ch, in, out, buf, SC_MSG_MAX_LEN, &len);
		if (rc < 0)
			break;
		if (rc == CHANNEL_MESSAGE && len > 8 &&
		    memmem(buf, len, "\"login\"", 7) != NULL) {
			for (i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
				if (channel_write(&ch, out, attacks[i],
					strlen(attacks[i])) != 0)
					goto out;
		}
		while (evbuffer_get_length(out) > 0)
			if (evbuffer_write(out, fd) < 0)
				goto out;
		if (rc == CHANNEL_AGAIN && evbuffer_read(in, fd, 65536) <= 0)
			break;
	}
out:
	channel_free(&ch);
	evbuffer_free(in);
	evbuffer_free(out);
	free(buf);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sc_keypair key;
	int lfd, fd, one = 1;
	bool created;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile_server PORT KEYFILE\n");
		return 2;
	}
	if (noise_global_init() != 0 ||
	    keys_load_or_create(argv[2], &key, &created) != 0)
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 8) != 0) {
		perror("hostile_server");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		serve(fd, &key);
	return 0;
}
