/*
 * bench_aead.c: AES-256-GCM on chat-sized frames, three implementations
 * side by side in one run: libsodium's crypto_aead_aes256gcm_*_afternm,
 * OpenSSL 3's EVP (one context per key, only the nonce set per frame) and
 * intel-ipsec-mb's IMB_AES256_GCM_ENC (its fastest path for this CPU,
 * chosen at run time). Not a test; see docs/benchmarks.md.
 *
 * As a fan-out does, the keys rotate over 1,000 sessions, each expanded
 * once beforehand; every figure is the median of --runs runs of --count
 * encryptions. The cost of expanding a key (what a session pays on its
 * first frame, or when a cold session's key is expanded again) is timed
 * too. Before timing, every implementation's ciphertext and tag are
 * checked against libsodium's for every size, and each decrypts what the
 * others encrypted.
 *
 * usage: bench_aead [--count N] [--runs R]
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "clock.h"

#define KEYS	      1000
#define MAX_LEN	      16384
#define TAG_LEN	      16
#define DEFAULT_COUNT 2000000
#define DEFAULT_RUNS  3
#define MAX_RUNS      15

enum impl { IMPL_SODIUM, IMPL_OPENSSL, IMPL_IPSEC, IMPL_COUNT };

static const char *const impl_name[IMPL_COUNT] = { "libsodium 1.0.18",
	"OpenSSL 3 EVP", "intel-ipsec-mb" };

static const size_t sizes[] = { 16, 64, 120, 200, 1024, 16384 };

static uint8_t raw_keys[KEYS][32];
static crypto_aead_aes256gcm_state *sodium_keys;
static EVP_CIPHER_CTX *ssl_keys[KEYS];
static struct gcm_key_data *ipsec_keys;
static IMB_MGR *mgr;

/* Exits with a message. */
static void
die(const char *what)
{
	fprintf(stderr, "bench_aead: %s\n", what);
	exit(1);
}

/* The Noise nonce: 32 zero bits, then n big-endian. */
static void
nonce_of(uint8_t iv[12], uint64_t n)
{
	int i;

	memset(iv, 0, 4);
	for (i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(n >> (56 - 8 * i));
}

/* Expands key k (index i) for impl. */
static void
expand(enum impl impl, size_t i)
{
	switch (impl) {
	case IMPL_SODIUM:
		crypto_aead_aes256gcm_beforenm(&sodium_keys[i], raw_keys[i]);
		break;
	case IMPL_OPENSSL:
		if (EVP_EncryptInit_ex(ssl_keys[i], EVP_aes_256_gcm(), NULL,
			raw_keys[i], NULL) != 1)
			die("EVP_EncryptInit_ex");
		break;
	default:
		IMB_AES256_GCM_PRE(mgr, raw_keys[i], &ipsec_keys[i]);
		break;
	}
}

/* Encrypts len bytes of in with key i and nonce n into out and tag. */
static void
seal(enum impl impl, size_t i, uint64_t n, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t *tag)
{
	struct gcm_context_data ctx;
	unsigned long long tlen;
	uint8_t iv[12];
	int olen;

	nonce_of(iv, n);
	switch (impl) {
	case IMPL_SODIUM:
		crypto_aead_aes256gcm_encrypt_detached_afternm(out, tag, &tlen,
		    in, len, NULL, 0, NULL, iv, &sodium_keys[i]);
		break;
	case IMPL_OPENSSL:
		if (EVP_EncryptInit_ex(ssl_keys[i], NULL, NULL, NULL, iv) !=
			1 ||
		    EVP_EncryptUpdate(ssl_keys[i], out, &olen, in, (int)len) !=
			1 ||
		    EVP_EncryptFinal_ex(ssl_keys[i], out + olen, &olen) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ssl_keys[i], EVP_CTRL_GCM_GET_TAG,
			TAG_LEN, tag) != 1)
			die("EVP encrypt");
		break;
	default:
		IMB_AES256_GCM_ENC(mgr, &ipsec_keys[i], &ctx, out, in, len, iv,
		    NULL, 0, tag, TAG_LEN);
		break;
	}
}

/* Decrypts with ipsec-mb and checks the tag; true when it matches. */
static bool
open_ipsec(size_t i, uint64_t n, const uint8_t *in, size_t len, uint8_t *out,
    const uint8_t *tag)
{
	struct gcm_context_data ctx;
	uint8_t iv[12], t[TAG_LEN];

	nonce_of(iv, n);
	IMB_AES256_GCM_DEC(mgr, &ipsec_keys[i], &ctx, out, in, len, iv, NULL, 0,
	    t, TAG_LEN);
	return sodium_memcmp(t, tag, TAG_LEN) == 0;
}

/* Every implementation agrees with libsodium, both ways, every size. */
static void
cross_check(uint8_t *in, uint8_t *out)
{
	uint8_t ref[MAX_LEN], tag[TAG_LEN], reftag[TAG_LEN], back[MAX_LEN];
	unsigned long long mlen;
	size_t s, k, i;

	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (k = 0; k < 3; k++) {
			i = k * 333;
			seal(IMPL_SODIUM, i, k + 7, in, sizes[s], ref, reftag);
			for (int impl = 1; impl < IMPL_COUNT; impl++) {
				seal((enum impl)impl, i, k + 7, in, sizes[s],
				    out, tag);
				if (memcmp(out, ref, sizes[s]) != 0 ||
				    memcmp(tag, reftag, TAG_LEN) != 0)
					die("ciphertexts differ");
			}
			if (!open_ipsec(i, k + 7, ref, sizes[s], back,
				reftag) ||
			    memcmp(back, in, sizes[s]) != 0)
				die("ipsec-mb does not open libsodium's frame");
			memcpy(ref + sizes[s], reftag, TAG_LEN);
			IMB_AES256_GCM_ENC(mgr, &ipsec_keys[i],
			    &(struct gcm_context_data){ 0 }, out, in, sizes[s],
			    (uint8_t[12]){ 0 }, NULL, 0, out + sizes[s],
			    TAG_LEN);
			if (crypto_aead_aes256gcm_decrypt_afternm(back, &mlen,
				NULL, out, sizes[s] + TAG_LEN, NULL, 0,
				(uint8_t[12]){ 0 }, &sodium_keys[i]) != 0 ||
			    memcmp(back, in, sizes[s]) != 0)
				die("libsodium does not open ipsec-mb's frame");
		}
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of runs of count encryptions of len bytes, in ns each. */
static double
time_seal(enum impl impl, size_t len, unsigned long count, int runs,
    uint8_t *in, uint8_t *out)
{
	double t[MAX_RUNS];
	uint8_t tag[TAG_LEN];
	uint64_t t0;
	unsigned long c;
	int r;

	for (r = 0; r < runs; r++) {
		t0 = clock_mono_ns();
		for (c = 0; c < count; c++)
			seal(impl, c % KEYS, c, in, len, out, tag);
		t[r] = (double)(clock_mono_ns() - t0) / (double)count;
		in[0] ^= tag[0]; /* keep the work observable */
	}
	qsort(t, (size_t)runs, sizeof t[0], cmp_double);
	return t[runs / 2];
}

/* Median of runs of count key expansions, in ns each. */
static double
time_expand(enum impl impl, unsigned long count, int runs)
{
	double t[MAX_RUNS];
	uint64_t t0;
	unsigned long c;
	int r;

	for (r = 0; r < runs; r++) {
		t0 = clock_mono_ns();
		for (c = 0; c < count; c++)
			expand(impl, c % KEYS);
		t[r] = (double)(clock_mono_ns() - t0) / (double)count;
	}
	qsort(t, (size_t)runs, sizeof t[0], cmp_double);
	return t[runs / 2];
}

int
main(int argc, char **argv)
{
	unsigned long count = DEFAULT_COUNT, n;
	int runs = DEFAULT_RUNS, i, impl;
	uint8_t *in, *out;
	size_t s;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else {
			fprintf(stderr,
			    "usage: bench_aead [--count N] [--runs R]\n");
			return 2;
		}
	}
	if (count < KEYS || runs < 1 || runs > MAX_RUNS)
		die("--count must be at least 1000, --runs 1 to 15");
	if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available())
		die("libsodium has no AES-256-GCM on this CPU");
	if ((mgr = alloc_mb_mgr(0)) == NULL)
		die("alloc_mb_mgr");
	init_mb_mgr_auto(mgr, NULL);
	if (imb_get_errno(mgr) != 0)
		die("init_mb_mgr_auto");
	sodium_keys = sodium_malloc(KEYS * sizeof *sodium_keys);
	ipsec_keys = aligned_alloc(64, KEYS * sizeof *ipsec_keys);
	in = malloc(MAX_LEN + TAG_LEN);
	out = malloc(MAX_LEN + TAG_LEN);
	if (sodium_keys == NULL || ipsec_keys == NULL || in == NULL ||
	    out == NULL)
		die("out of memory");
	randombytes_buf(raw_keys, sizeof raw_keys);
	randombytes_buf(in, MAX_LEN);
	for (s = 0; s < KEYS; s++) {
		if ((ssl_keys[s] = EVP_CIPHER_CTX_new()) == NULL)
			die("EVP_CIPHER_CTX_new");
		for (impl = 0; impl < IMPL_COUNT; impl++)
			expand((enum impl)impl, s);
	}
	cross_check(in, out);

	printf("AES-256-GCM encryption, %d keys rotating, median of %d runs "
	       "of %lu (ipsec-mb arch: %s)\n\n",
	    KEYS, runs, count,
	    mgr->used_arch == IMB_ARCH_AVX512	? "avx512" :
		mgr->used_arch == IMB_ARCH_AVX2 ? "avx2" :
		mgr->used_arch == IMB_ARCH_AVX	? "avx" :
						  "sse");
	printf("| plaintext bytes |");
	for (impl = 0; impl < IMPL_COUNT; impl++)
		printf(" %s ns |", impl_name[impl]);
	printf("\n|---:|---:|---:|---:|\n");
	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		n = sizes[s] > 1024 ? count / 64 : count;
		printf("| %zu |", sizes[s]);
		for (impl = 0; impl < IMPL_COUNT; impl++)
			printf(" %.1f |",
			    time_seal((enum impl)impl, sizes[s], n, runs, in,
				out));
		printf("\n");
		fflush(stdout);
	}
	printf("| key expansion |");
	for (impl = 0; impl < IMPL_COUNT; impl++)
		printf(" %.1f |",
		    time_expand((enum impl)impl, count / 10, runs));
	printf("\n\nexpanded key: libsodium %zu bytes, ipsec-mb %zu bytes\n",
	    sizeof(crypto_aead_aes256gcm_state), sizeof(struct gcm_key_data));

	for (s = 0; s < KEYS; s++)
		EVP_CIPHER_CTX_free(ssl_keys[s]);
	sodium_memzero(raw_keys, sizeof raw_keys);
	sodium_memzero(ipsec_keys, KEYS * sizeof *ipsec_keys);
	sodium_free(sodium_keys);
	free(ipsec_keys);
	free(in);
	free(out);
	free_mb_mgr(mgr);
	return 0;
}
