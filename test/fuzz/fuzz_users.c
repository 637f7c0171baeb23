/*
 * fuzz_users.c: libFuzzer target for the users file (users.h) and the
 * password hash strings in it (pwhash.h). The input is written to a memfd
 * and loaded through its /proc/self/fd path, exactly as a file; then the
 * input up to its first NUL is parsed as one hash string, and the bytes
 * after that NUL serve as a password when the hash is cheap to verify.
 */
#include <sys/mman.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "pwhash.h"
#include "users.h"

/* Longest hash string tried: twice the limit, to reach the length check. */
#define FUZZ_HASH_MAX (2 * SC_PWHASH_MAX_LEN)

/* Hashes cheap enough to verify on every input. */
#define FUZZ_VERIFY_MAX_ITERATIONS 100
#define FUZZ_VERIFY_MAX_SCRYPT_N   16
#define FUZZ_VERIFY_MAX_SCRYPT_R   8
#define FUZZ_VERIFY_MAX_SCRYPT_P   4

static int users_fd = -1;
static char users_path[PATH_MAX];

/* Replaces the memfd's contents with data[0..size). */
static void
write_users_file(const uint8_t *data, size_t size)
{
	if (ftruncate(users_fd, 0) != 0)
		abort();
	if (size > 0 && pwrite(users_fd, data, size, 0) != (ssize_t)size)
		abort();
}

/* Loads the memfd as a users file and looks every user up again. */
static void
check_users_file(const uint8_t *data, size_t size)
{
	struct users *u;
	const struct pwhash *h;
	struct pwhash again;
	const char *name;
	char err[USERS_ERR_MAX], first[SC_USER_MAX_LEN + 1];
	size_t i, n;

	write_users_file(data, size);
	if (users_load(users_path, &u, err, sizeof err) != 0) {
		if (u != NULL || err[0] == '\0')
			abort();
		return;
	}
	n = users_count(u);
	for (i = 0; i < n; i++) {
		name = users_name(u, i);
		if ((h = users_find(u, name, strlen(name))) == NULL)
			abort();
		if (pwhash_parse(users_hash_string(u, i), &again, NULL) != 0)
			abort();
		if (again.kind != h->kind ||
		    again.digest_len != h->digest_len ||
		    memcmp(again.digest, h->digest, h->digest_len) != 0)
			abort();
	}
	if (n > 0) {
		/* Names are checked on load: at most SC_USER_MAX_LEN bytes. */
		if (strlen(users_name(u, 0)) > SC_USER_MAX_LEN)
			abort();
		strcpy(first, users_name(u, 0));
		if (users_delete(u, first) != 0 || users_count(u) != n - 1 ||
		    users_find(u, first, strlen(first)) != NULL)
			abort();
	}
	users_free(u);
}

/* True when h is cheap enough to verify on every input. */
static bool
cheap(const struct pwhash *h)
{
	if (h->kind == PWHASH_PBKDF2_SHA256)
		return h->iterations <= FUZZ_VERIFY_MAX_ITERATIONS;
	return h->scrypt_n <= FUZZ_VERIFY_MAX_SCRYPT_N &&
	    h->scrypt_r <= FUZZ_VERIFY_MAX_SCRYPT_R &&
	    h->scrypt_p <= FUZZ_VERIFY_MAX_SCRYPT_P;
}

/* Parses the input's first string as a hash; verifies cheap ones. */
static void
check_hash_string(const uint8_t *data, size_t size)
{
	char s[FUZZ_HASH_MAX + 1];
	const char *reason = NULL, *password;
	struct pwhash h;
	size_t len, pwlen;
	int rc, rc2;

	len = strnlen((const char *)data,
	    size < FUZZ_HASH_MAX ? size : FUZZ_HASH_MAX);
	memcpy(s, data, len);
	s[len] = '\0';
	password = len < size ? (const char *)data + len + 1 : "";
	pwlen = len < size ? size - len - 1 : 0;
	if (pwlen > SC_PASSWORD_MAX_LEN)
		pwlen = SC_PASSWORD_MAX_LEN;

	rc = pwhash_parse(s, &h, &reason);
	if (rc != 0) {
		if (rc != SC_ERR_FORMAT || reason == NULL)
			abort();
		return;
	}
	if (h.salt_len == 0 || h.salt_len > SC_SALT_MAX_LEN ||
	    strlen(h.salt) != h.salt_len ||
	    (h.digest_len != SC_PBKDF2_DK_LEN &&
		h.digest_len != SC_SCRYPT_DK_LEN))
		abort();
	if (!cheap(&h))
		return;
	rc = pwhash_verify(&h, password, pwlen);
	rc2 = pwhash_verify_string(s, password, pwlen);
	if ((rc != 0 && rc != SC_ERR_MISMATCH) || rc != rc2)
		abort();
}

/* Opens the memfd the users file lives in. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	if ((users_fd = memfd_create("users.json", MFD_CLOEXEC)) == -1)
		abort();
	snprintf(users_path, sizeof users_path, "/proc/self/fd/%d", users_fd);
	return 0;
}

/* One input: a users file, then a hash string and password. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_users_file(data, size);
	check_hash_string(data, size);
	return 0;
}
