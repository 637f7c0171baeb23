/*
 * fuzz_dict.c: prints the libFuzzer dictionary of the JSON messages: the
 * JSON syntax file given as the first argument, then every type, member
 * and error code name of the message table, so that the dictionary never
 * lags behind the protocol.
 */
#include <stdio.h>

#include "msg.h"

int
main(int argc, char **argv)
{
	FILE *f;
	char buf[4096];
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_dict SYNTAX.dict > json.dict\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	printf("\n");
	msg_write_dict(stdout);
	return ferror(stdout) ? 1 : 0;
}
