/*
 * keys.c: X25519 key pairs, their key files and their fingerprints.
 *
 * A key file is the private key as 64 lowercase hex digits and a newline.
 * Loading checks type and mode on the open descriptor (no race with the
 * path); saving goes through fsutil_write_atomic() (a 0600 temporary file
 * next to the target, synced and renamed over it), so a reader sees the
 * old or the new file, never a part of one.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "keys.h"

#define KEYS_HEX_LEN	  (SC_NOISE_KEY_LEN * 2)
#define KEYS_FILE_MODE	  0600
#define KEYS_SHORT_DIGITS 16
#define KEYS_SHORT_GROUP  4

/* Fills kp with a fresh random key pair. */
void
keys_generate(struct sc_keypair *kp)
{
	uint8_t secret[SC_NOISE_KEY_LEN];

	if (sodium_init() < 0)
		abort();
	randombytes_buf(secret, sizeof secret);
	keys_from_secret(kp, secret);
	sodium_memzero(secret, sizeof secret);
}

/* Sets kp from secret; X25519 clamps the scalar itself. */
void
keys_from_secret(struct sc_keypair *kp, const uint8_t *secret)
{
	memmove(kp->secret, secret, sizeof kp->secret);
	/* A clamped scalar never gives the identity: failure is a bug. */
	if (crypto_scalarmult_base(kp->public, kp->secret) != 0)
		abort();
}

/* Wipes kp. */
void
keys_wipe(struct sc_keypair *kp)
{
	sodium_memzero(kp, sizeof *kp);
}

/* Decodes 64 lowercase hex digits into secret without branching on them.
 * Returns 0 or SC_ERR_FORMAT. */
static int
decode_hex(const uint8_t *hex, uint8_t *secret)
{
	unsigned int c, digit, lower, value, bad = 0;
	size_t i;

	for (i = 0; i < KEYS_HEX_LEN; i++) {
		c = hex[i];
		digit = (c >= '0') & (c <= '9');
		lower = (c >= 'a') & (c <= 'f');
		bad |= !(digit | lower);
		value = digit * (c - '0') + lower * (c - 'a' + 10);
		if (i % 2 == 0)
			secret[i / 2] = (uint8_t)(value << 4);
		else
			secret[i / 2] |= (uint8_t)value;
	}
	return bad ? SC_ERR_FORMAT : 0;
}

/* Reads at most size bytes of fd into buf; *len gets the count. */
static int
read_all(int fd, uint8_t *buf, size_t size, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len < size) {
		n = read(fd, buf + *len, size - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return SC_ERR_IO;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/* Loads the key pair in path after checking the file's type and mode. */
int
keys_load(const char *path, struct sc_keypair *kp)
{
	uint8_t buf[SC_KEYFILE_MAX_LEN + 1];
	uint8_t secret[SC_NOISE_KEY_LEN];
	struct stat st;
	size_t len = 0;
	int fd, rc, saved;

	keys_wipe(kp);
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return SC_ERR_IO;

	if (fstat(fd, &st) == -1) {
		rc = SC_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		rc = SC_ERR_IO;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = SC_ERR_PERM;
		goto out;
	}
	if (st.st_size > SC_KEYFILE_MAX_LEN) {
		rc = SC_ERR_FORMAT;
		goto out;
	}
	if ((rc = read_all(fd, buf, sizeof buf, &len)) != 0)
		goto out;

	/* Exactly the digits, then one newline or nothing. */
	if (len > SC_KEYFILE_MAX_LEN || len < KEYS_HEX_LEN ||
	    len > KEYS_HEX_LEN + 1 ||
	    (len == KEYS_HEX_LEN + 1 && buf[KEYS_HEX_LEN] != '\n')) {
		rc = SC_ERR_FORMAT;
		goto out;
	}
	if ((rc = decode_hex(buf, secret)) != 0)
		goto out;
	keys_from_secret(kp, secret);

out:
	saved = errno;
	close(fd);
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(secret, sizeof secret);
	if (rc != 0)
		keys_wipe(kp);
	errno = saved;
	return rc;
}

/*
 * Writes kp to path as a 0600 file, atomically: renamed over path
 * (replace) or linked to path only if path does not exist yet (!replace:
 * fails with EEXIST, so two creators never swap keys).
 */
static int
save_file(const char *path, const struct sc_keypair *kp, bool replace)
{
	uint8_t text[KEYS_HEX_LEN + 2]; /* digits, '\n', NUL */
	int rc, saved;

	sodium_bin2hex((char *)text, sizeof text - 1, kp->secret,
	    sizeof kp->secret);
	text[KEYS_HEX_LEN] = '\n';
	rc = fsutil_write_atomic(path, text, KEYS_HEX_LEN + 1, KEYS_FILE_MODE,
	    replace ? 0 : FSUTIL_EXCLUSIVE, NULL);
	saved = errno;
	sodium_memzero(text, sizeof text);
	errno = saved;
	return rc;
}

/* Writes kp to path atomically, replacing any file there. */
int
keys_save(const char *path, const struct sc_keypair *kp)
{
	return save_file(path, kp, true);
}

/*
 * Loads path, or creates it with a fresh key pair if it is missing. When
 * another process creates it first, its key is loaded instead of ours.
 */
int
keys_load_or_create(const char *path, struct sc_keypair *kp, bool *created)
{
	int rc;

	if (created != NULL)
		*created = false;
	rc = keys_load(path, kp);
	if (rc != SC_ERR_IO || errno != ENOENT)
		return rc;

	keys_generate(kp);
	if ((rc = save_file(path, kp, false)) != 0) {
		keys_wipe(kp);
		if (errno == EEXIST)
			return keys_load(path, kp);
		return rc;
	}
	if (created != NULL)
		*created = true;
	return 0;
}

/* Writes the lowercase hex SHA-256 of pub into out. */
void
keys_fingerprint(const uint8_t pub[SC_NOISE_KEY_LEN],
    char out[KEYS_FINGERPRINT_LEN + 1])
{
	uint8_t hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, pub, SC_NOISE_KEY_LEN);
	sodium_bin2hex(out, KEYS_FINGERPRINT_LEN + 1, hash, sizeof hash);
}

/* Writes the first 16 hex digits of the fingerprint as four groups. */
void
keys_fingerprint_short(const uint8_t pub[SC_NOISE_KEY_LEN],
    char out[KEYS_SHORT_LEN + 1])
{
	char fp[KEYS_FINGERPRINT_LEN + 1];
	size_t i, j = 0;

	keys_fingerprint(pub, fp);
	for (i = 0; i < KEYS_SHORT_DIGITS; i++) {
		if (i != 0 && i % KEYS_SHORT_GROUP == 0)
			out[j++] = ':';
		out[j++] = fp[i];
	}
	out[j] = '\0';
}
