/*
 * hold_users.c: logs in users PREFIX0..PREFIX(N-1) (password
 * password123) to a securechatd on 127.0.0.1:PORT and keeps them online
 * until stdin closes. For the client's tmux tests (a long sidebar).
 * usage: hold_users PORT PREFIX N
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

int
main(int argc, char **argv)
{
	struct tclient **c;
	char name[64], buf[64];
	int i, n;

	if (argc != 4 || (n = atoi(argv[3])) <= 0 || n > 10000) {
		fprintf(stderr, "usage: hold_users PORT PREFIX N\n");
		return 2;
	}
	if (noise_global_init() != 0 ||
	    (c = calloc((size_t)n, sizeof *c)) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s%d", argv[2], i);
		c[i] = tclient_login_new((unsigned)atoi(argv[1]), name);
	}
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof buf) > 0)
		;
	for (i = 0; i < n; i++)
		tclient_free(c[i]);
	free(c);
	return 0;
}
