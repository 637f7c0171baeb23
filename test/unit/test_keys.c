/*
 * test_keys.c: unit tests for common/keys.c: key derivation against
 * RFC 7748, key files (round trip, modes, refusals, malformed contents,
 * atomic save) and fingerprints.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "keys.h"
#include "testlib.h"

/* RFC 7748 section 6.1: Alice's private and public keys. */
#define ALICE_SECRET                                                           \
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_PUBLIC                                                           \
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
/* printf ALICE_PUBLIC | xxd -r -p | sha256sum */
#define ALICE_FINGERPRINT                                                      \
	"300c9c9603b92a4b39ed3958bf9240114804db4fd373012c0ca47432d63425ae"
#define ALICE_SHORT "300c:9c96:03b9:2a4b"

#define HEX_LEN (SC_NOISE_KEY_LEN * 2)

/* A temporary directory per test and a key path in it. */
struct fixture {
	char dir[64];
	char key[128];
};

/* Makes a temporary directory. */
static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	if (testlib_mkdtemp(f->dir, sizeof f->dir, "test_keys") == -1) {
		free(f);
		return -1;
	}
	snprintf(f->key, sizeof f->key, "%s/server.key", f->dir);
	*state = f;
	return 0;
}

/* Removes the temporary directory. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

/* Says whether all of buf is zero. */
static int
all_zero(const void *buf, size_t len)
{
	return sodium_is_zero(buf, len);
}

/* Fills kp with a non-zero pattern, to see that a failed load wipes it. */
static void
dirty(struct sc_keypair *kp)
{
	memset(kp, 0xa5, sizeof *kp);
}

/* RFC 7748's private key gives its public key. */
static void
test_rfc7748(void **state)
{
	struct sc_keypair kp;
	uint8_t secret[SC_NOISE_KEY_LEN];
	uint8_t pub[SC_NOISE_KEY_LEN];

	(void)state;
	assert_int_equal(testlib_unhex(ALICE_SECRET, secret, sizeof secret), 0);
	assert_int_equal(testlib_unhex(ALICE_PUBLIC, pub, sizeof pub), 0);
	keys_from_secret(&kp, secret);
	assert_memory_equal(kp.secret, secret, sizeof secret);
	assert_memory_equal(kp.public, pub, sizeof pub);
	keys_wipe(&kp);
	assert_true(all_zero(&kp, sizeof kp));
}

/* Fresh key pairs differ and their public keys match the secret. */
static void
test_generate(void **state)
{
	struct sc_keypair a, b;
	uint8_t pub[SC_NOISE_KEY_LEN];

	(void)state;
	keys_generate(&a);
	keys_generate(&b);
	assert_memory_not_equal(a.secret, b.secret, sizeof a.secret);
	assert_memory_not_equal(a.public, b.public, sizeof a.public);
	assert_false(all_zero(a.secret, sizeof a.secret));
	assert_int_equal(crypto_scalarmult_base(pub, a.secret), 0);
	assert_memory_equal(pub, a.public, sizeof pub);
	keys_wipe(&a);
	keys_wipe(&b);
}

/* Save then load gives the same pair; the file is the hex and '\n'. */
static void
test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct sc_keypair kp, back;
	char *buf, hex[HEX_LEN + 1];
	struct stat st;
	size_t len;

	keys_generate(&kp);
	assert_int_equal(keys_save(f->key, &kp), 0);
	dirty(&back);
	assert_int_equal(keys_load(f->key, &back), 0);
	assert_memory_equal(back.secret, kp.secret, sizeof kp.secret);
	assert_memory_equal(back.public, kp.public, sizeof kp.public);

	buf = testlib_slurp(f->key, &len);
	assert_non_null(buf);
	assert_int_equal(len, HEX_LEN + 1);
	sodium_bin2hex(hex, sizeof hex, kp.secret, sizeof kp.secret);
	assert_memory_equal(buf, hex, HEX_LEN);
	assert_int_equal(buf[HEX_LEN], '\n');
	free(buf);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* No temporary left. */
	assert_int_equal(testlib_count_entries(f->dir, NULL), 1);

	/* Saving again replaces the file. */
	keys_generate(&kp);
	assert_int_equal(keys_save(f->key, &kp), 0);
	assert_int_equal(keys_load(f->key, &back), 0);
	assert_memory_equal(back.secret, kp.secret, sizeof kp.secret);
	assert_int_equal(testlib_count_entries(f->dir, NULL), 1);

	/* A relative path with no folder part. */
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(keys_save("rel.key", &kp), 0);
	assert_int_equal(keys_load("rel.key", &back), 0);
	assert_memory_equal(back.public, kp.public, sizeof kp.public);
	assert_int_equal(chdir("/"), 0);
	keys_wipe(&kp);
	keys_wipe(&back);
}

/* The saved file is 0600 whatever the umask and the file it replaces. */
static void
test_save_mode(void **state)
{
	struct fixture *f = *state;
	struct sc_keypair kp;
	struct stat st;
	mode_t old;

	keys_generate(&kp);
	old = umask(0);
	assert_int_equal(keys_save(f->key, &kp), 0);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(chmod(f->key, 0666), 0);
	assert_int_equal(keys_save(f->key, &kp), 0);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	umask(0777);
	assert_int_equal(keys_save(f->key, &kp), 0);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	umask(old);
	keys_wipe(&kp);
}

/* Group or world bits make keys_load refuse the file. */
static void
test_load_perm(void **state)
{
	static const mode_t refused[] = {
		0640,
		0604,
		0644,
		0660,
		0606,
		0666,
		0620,
		0602,
		0610,
		0601,
		0400 | 040,
		0700 | 07,
	};
	static const mode_t allowed[] = { 0600, 0400, 0700, 0200 | 0400 };
	struct fixture *f = *state;
	struct sc_keypair kp, back;
	size_t i;

	keys_generate(&kp);
	assert_int_equal(keys_save(f->key, &kp), 0);
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_int_equal(chmod(f->key, refused[i]), 0);
		dirty(&back);
		assert_int_equal(keys_load(f->key, &back), SC_ERR_PERM);
		assert_true(all_zero(&back, sizeof back));
	}
	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		assert_int_equal(chmod(f->key, allowed[i]), 0);
		assert_int_equal(keys_load(f->key, &back), 0);
		assert_memory_equal(back.secret, kp.secret, sizeof kp.secret);
	}
	keys_wipe(&kp);
	keys_wipe(&back);
}

/* Symlinks, folders and FIFOs are refused; a missing file is ENOENT. */
static void
test_load_not_regular(void **state)
{
	struct fixture *f = *state;
	struct sc_keypair kp;
	char path[192];

	keys_generate(&kp);
	assert_int_equal(keys_save(f->key, &kp), 0);

	snprintf(path, sizeof path, "%s/link.key", f->dir);
	assert_int_equal(symlink(f->key, path), 0);
	dirty(&kp);
	errno = 0;
	assert_int_equal(keys_load(path, &kp), SC_ERR_IO);
	assert_int_equal(errno, ELOOP);
	assert_true(all_zero(&kp, sizeof kp));

	snprintf(path, sizeof path, "%s/dir.key", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	dirty(&kp);
	errno = 0;
	assert_int_equal(keys_load(path, &kp), SC_ERR_IO);
	assert_int_equal(errno, EISDIR);
	assert_true(all_zero(&kp, sizeof kp));

	/* Must not block waiting for a writer. */
	snprintf(path, sizeof path, "%s/fifo.key", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	dirty(&kp);
	assert_int_equal(keys_load(path, &kp), SC_ERR_IO);
	assert_true(all_zero(&kp, sizeof kp));

	snprintf(path, sizeof path, "%s/missing.key", f->dir);
	dirty(&kp);
	errno = 0;
	assert_int_equal(keys_load(path, &kp), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_true(all_zero(&kp, sizeof kp));
}

/* Only 64 lowercase hex digits and an optional newline are accepted. */
static void
test_load_format(void **state)
{
	static const struct {
		const char *name;
		const char *data;
		size_t len;
		int rc;
	} rows[] = {
#define ROW(name, s, rc) { name, s, sizeof s - 1, rc }
		ROW("valid", ALICE_SECRET "\n", 0),
		ROW("no newline", ALICE_SECRET, 0),
		ROW("empty", "", SC_ERR_FORMAT),
		ROW("newline only", "\n", SC_ERR_FORMAT),
		ROW("63 digits",
		    "77076d0a7318a57d3c16c17251b26645"
		    "df4c2f87ebc0992ab177fba51db92c2",
		    SC_ERR_FORMAT),
		ROW("63 digits newline",
		    "77076d0a7318a57d3c16c17251b26645"
		    "df4c2f87ebc0992ab177fba51db92c2\n",
		    SC_ERR_FORMAT),
		ROW("65 digits", ALICE_SECRET "0", SC_ERR_FORMAT),
		ROW("65 digits newline", ALICE_SECRET "0\n", SC_ERR_FORMAT),
		ROW("uppercase",
		    "77076D0A7318A57D3C16C17251B26645"
		    "DF4C2F87EBC0992AB177FBA51DB92C2A\n",
		    SC_ERR_FORMAT),
		ROW("one uppercase",
		    "77076d0a7318a57d3c16c17251b26645"
		    "df4c2f87ebc0992ab177fba51db92c2A\n",
		    SC_ERR_FORMAT),
		ROW("non-hex g",
		    "g7076d0a7318a57d3c16c17251b26645"
		    "df4c2f87ebc0992ab177fba51db92c2a\n",
		    SC_ERR_FORMAT),
		ROW("non-hex colon",
		    "77076d0a7318a57d3c16c17251b26645"
		    "df4c2f87ebc0992ab177fba51db92c2:\n",
		    SC_ERR_FORMAT),
		ROW("high byte",
		    "77076d0a7318a57d3c16c17251b26645"
		    "df4c2f87ebc0992ab177fba51db92c2\xe1\n",
		    SC_ERR_FORMAT),
		ROW("trailing garbage", ALICE_SECRET "\nx", SC_ERR_FORMAT),
		ROW("two lines", ALICE_SECRET "\n" ALICE_SECRET "\n",
		    SC_ERR_FORMAT),
		ROW("empty second line", ALICE_SECRET "\n\n", SC_ERR_FORMAT),
		ROW("crlf", ALICE_SECRET "\r\n", SC_ERR_FORMAT),
		ROW("trailing space", ALICE_SECRET " \n", SC_ERR_FORMAT),
		ROW("trailing space no newline", ALICE_SECRET " ",
		    SC_ERR_FORMAT),
		ROW("leading space", " " ALICE_SECRET "\n", SC_ERR_FORMAT),
		ROW("0x prefix", "0x" ALICE_SECRET "\n", SC_ERR_FORMAT),
		ROW("NUL inside",
		    "77076d0a7318a57d3c16c17251b26645"
		    "df4c2f87ebc"
		    "\0"
		    "992ab177fba51db92c2a\n",
		    SC_ERR_FORMAT),
		ROW("NUL instead of newline", ALICE_SECRET "\0", SC_ERR_FORMAT),
		ROW("NUL after newline", ALICE_SECRET "\n\0", SC_ERR_FORMAT),
		ROW("raw 32 bytes", "0123456789abcdef0123456789abcdef",
		    SC_ERR_FORMAT),
#undef ROW
	};
	struct fixture *f = *state;
	struct sc_keypair kp;
	uint8_t pub[SC_NOISE_KEY_LEN];
	size_t i;

	assert_int_equal(testlib_unhex(ALICE_PUBLIC, pub, sizeof pub), 0);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		print_message("row: %s\n", rows[i].name);
		assert_int_equal(testlib_write_file(f->key, rows[i].data,
				     rows[i].len, 0600),
		    0);
		dirty(&kp);
		assert_int_equal(keys_load(f->key, &kp), rows[i].rc);
		if (rows[i].rc == 0)
			assert_memory_equal(kp.public, pub, sizeof pub);
		else
			assert_true(all_zero(&kp, sizeof kp));
	}
	keys_wipe(&kp);
}

/* Files over SC_KEYFILE_MAX_LEN are refused without reading them all. */
static void
test_load_too_big(void **state)
{
	struct fixture *f = *state;
	struct sc_keypair kp;
	char *big;
	size_t len;

	for (len = SC_KEYFILE_MAX_LEN; len <= SC_KEYFILE_MAX_LEN + 1; len++) {
		big = malloc(len);
		assert_non_null(big);
		memset(big, 'a', len);
		memcpy(big, ALICE_SECRET "\n", HEX_LEN + 1);
		assert_int_equal(testlib_write_file(f->key, big, len, 0600), 0);
		free(big);
		dirty(&kp);
		assert_int_equal(keys_load(f->key, &kp), SC_ERR_FORMAT);
		assert_true(all_zero(&kp, sizeof kp));
	}
}

/* load_or_create makes the file once, then loads the same pair. */
static void
test_load_or_create(void **state)
{
	struct fixture *f = *state;
	struct sc_keypair a, b;
	struct stat st;
	bool created;
	char *before, *after, path[192];

	created = false;
	assert_int_equal(keys_load_or_create(f->key, &a, &created), 0);
	assert_true(created);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	created = true;
	assert_int_equal(keys_load_or_create(f->key, &b, &created), 0);
	assert_false(created);
	assert_memory_equal(a.secret, b.secret, sizeof a.secret);
	assert_memory_equal(a.public, b.public, sizeof a.public);
	assert_int_equal(keys_load_or_create(f->key, &b, NULL), 0);
	assert_memory_equal(a.public, b.public, sizeof a.public);

	/* A bad file is reported, never replaced. */
	assert_int_equal(chmod(f->key, 0644), 0);
	before = testlib_slurp(f->key, NULL);
	assert_non_null(before);
	created = true;
	assert_int_equal(keys_load_or_create(f->key, &b, &created),
	    SC_ERR_PERM);
	assert_false(created);
	assert_true(all_zero(&b, sizeof b));
	after = testlib_slurp(f->key, NULL);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(before);
	free(after);

	assert_int_equal(testlib_write_file(f->key, "junk\n", 5, 0600), 0);
	assert_int_equal(keys_load_or_create(f->key, &b, NULL), SC_ERR_FORMAT);
	after = testlib_slurp(f->key, NULL);
	assert_non_null(after);
	assert_string_equal(after, "junk\n");
	free(after);

	/* Nowhere to create it. */
	snprintf(path, sizeof path, "%s/missing/server.key", f->dir);
	created = true;
	errno = 0;
	assert_int_equal(keys_load_or_create(path, &b, &created), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_false(created);
	assert_true(all_zero(&b, sizeof b));
	keys_wipe(&a);
}

/* A failed save reports SC_ERR_IO and leaves no temporary file. */
static void
test_save_failure(void **state)
{
	struct fixture *f = *state;
	struct sc_keypair kp;
	char path[192];

	keys_generate(&kp);

	/* The folder does not exist. */
	snprintf(path, sizeof path, "%s/missing/server.key", f->dir);
	errno = 0;
	assert_int_equal(keys_save(path, &kp), SC_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(testlib_count_entries(f->dir, NULL), 0);

	/* The target is a folder: the rename fails after the write. */
	assert_int_equal(mkdir(f->key, 0700), 0);
	errno = 0;
	assert_int_equal(keys_save(f->key, &kp), SC_ERR_IO);
	assert_int_equal(errno, EISDIR);
	/* Just the folder. */
	assert_int_equal(testlib_count_entries(f->dir, NULL), 1);
	assert_int_equal(testlib_count_entries(f->key, NULL), 0);

	/* A folder that is not empty, too. */
	snprintf(path, sizeof path, "%s/inside", f->key);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(keys_save(f->key, &kp), SC_ERR_IO);
	assert_int_equal(testlib_count_entries(f->dir, NULL), 1);

	/* A path component is a file. */
	snprintf(path, sizeof path, "%s/file", f->dir);
	assert_int_equal(testlib_write_file(path, "x", 1, 0600), 0);
	snprintf(path, sizeof path, "%s/file/server.key", f->dir);
	errno = 0;
	assert_int_equal(keys_save(path, &kp), SC_ERR_IO);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(testlib_count_entries(f->dir, NULL), 2);

	assert_int_equal(keys_save("", &kp), SC_ERR_IO);
	keys_wipe(&kp);
}

/* The fingerprint is the hex SHA-256 of the public key. */
static void
test_fingerprint(void **state)
{
	struct sc_keypair kp;
	uint8_t secret[SC_NOISE_KEY_LEN];
	char fp[KEYS_FINGERPRINT_LEN + 1];
	char shortfp[KEYS_SHORT_LEN + 1];
	char want[KEYS_SHORT_LEN + 1];
	uint8_t hash[crypto_hash_sha256_BYTES];
	char hex[KEYS_FINGERPRINT_LEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(testlib_unhex(ALICE_SECRET, secret, sizeof secret), 0);
	keys_from_secret(&kp, secret);

	memset(fp, 'Z', sizeof fp);
	keys_fingerprint(kp.public, fp);
	assert_int_equal(strlen(fp), KEYS_FINGERPRINT_LEN);
	assert_string_equal(fp, ALICE_FINGERPRINT);

	memset(shortfp, 'Z', sizeof shortfp);
	keys_fingerprint_short(kp.public, shortfp);
	assert_int_equal(strlen(shortfp), KEYS_SHORT_LEN);
	assert_string_equal(shortfp, ALICE_SHORT);

	/* Any key: the short form is the first 16 digits in fours. */
	keys_generate(&kp);
	keys_fingerprint(kp.public, fp);
	crypto_hash_sha256(hash, kp.public, sizeof kp.public);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	assert_string_equal(fp, hex);
	for (i = 0; i < KEYS_FINGERPRINT_LEN; i++)
		assert_true((fp[i] >= '0' && fp[i] <= '9') ||
		    (fp[i] >= 'a' && fp[i] <= 'f'));
	snprintf(want, sizeof want, "%.4s:%.4s:%.4s:%.4s", fp, fp + 4, fp + 8,
	    fp + 12);
	keys_fingerprint_short(kp.public, shortfp);
	assert_string_equal(shortfp, want);
	keys_wipe(&kp);
	sodium_memzero(secret, sizeof secret);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7748),
		cmocka_unit_test(test_generate),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_save_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_perm, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_not_regular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_too_big, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_or_create, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_save_failure, setup,
		    teardown),
		cmocka_unit_test(test_fingerprint),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
