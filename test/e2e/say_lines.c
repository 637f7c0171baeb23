/*
 * say_lines.c: logs USER (password password123) in to a securechatd on
 * 127.0.0.1:PORT, joins ROOM unless it is the lobby, and says each line
 * of stdin there, waiting for the echo of each: lines for the client's
 * tmux tests to find, at the server's rate rather than the default rate
 * the client paces itself to (80 lines in a second, not in 14).
 * usage: say_lines PORT USER ROOM < lines
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

int
main(int argc, char **argv)
{
	struct tclient *c;
	json_t *req, *j;
	char line[4096], *text;
	const char *type;
	bool lobby;
	int port;

	if (argc != 4 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: say_lines PORT USER ROOM < lines\n");
		return 2;
	}
	if (noise_global_init() != 0)
		return 1;
	lobby = strcmp(argv[3], "lobby") == 0;
	c = tclient_login_new((unsigned)port, argv[2]);
	if (!lobby) {
		req = json_pack("{s:s, s:s}", "type", "join", "room", argv[3]);
		text = json_dumps(req, JSON_COMPACT);
		tclient_send(c, text);
		free(text);
		json_decref(req);
		/* Its own join event, past the presence and room events. */
		for (;;) {
			j = tclient_recv(c, harness_timeout_ms(), NULL);
			if (j == NULL) {
				fprintf(stderr,
				    "say_lines: no answer to join\n");
				return 1;
			}
			type = jstr(j, "type");
			if (strcmp(type, "error") == 0) {
				fprintf(stderr, "say_lines: join: %s\n",
				    jstr(j, "code"));
				return 1;
			}
			if (strcmp(type, "joined") == 0) {
				json_decref(j);
				break;
			}
			json_decref(j);
		}
	}
	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (lobby)
			req = json_pack("{s:s, s:s}", "type", "say", "text",
			    line);
		else
			req = json_pack("{s:s, s:s, s:s}", "type", "say",
			    "room", argv[3], "text", line);
		text = json_dumps(req, JSON_COMPACT);
		tclient_send(c, text);
		free(text);
		json_decref(req);
		/* The echo of this line (say events in order). */
		for (;;) {
			j = tclient_recv(c, harness_timeout_ms(), NULL);
			if (j == NULL) {
				fprintf(stderr, "say_lines: no echo\n");
				return 1;
			}
			type = jstr(j, "type");
			if (strcmp(type, "error") == 0) {
				fprintf(stderr, "say_lines: say: %s\n",
				    jstr(j, "code"));
				return 1;
			}
			if (strcmp(type, "say") == 0 &&
			    strcmp(jstr(j, "from"), argv[2]) == 0 &&
			    strcmp(jstr(j, "text"), line) == 0) {
				json_decref(j);
				break;
			}
			json_decref(j);
		}
	}
	tclient_free(c);
	return 0;
}
