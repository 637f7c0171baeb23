/*
 * sha256.c: the SHA-256 compression function (FIPS 180-4, 6.2.2) in two
 * implementations, the x86 SHA extensions and portable C, one of which is
 * chosen at the first call and kept for the life of the process.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define SHA256_X86 1
#include <immintrin.h>
#if defined(__clang__)
#include <cpuid.h>
#endif
#endif

#include <sodium.h>

#include "sha256.h"

/* One implementation of the compression function. */
struct compressor {
	const char *name;
	void (*compress)(uint32_t[8], const uint8_t *, size_t);
};

const uint32_t sha256_iv[8] = {
	0x6a09e667,
	0xbb67ae85,
	0x3c6ef372,
	0xa54ff53a,
	0x510e527f,
	0x9b05688c,
	0x1f83d9ab,
	0x5be0cd19,
};

/* FIPS 180-4, 4.2.2. Aligned for the 128-bit loads of the SHA-NI code. */
static _Alignas(16) const uint32_t K[64] = {
	0x428a2f98,
	0x71374491,
	0xb5c0fbcf,
	0xe9b5dba5,
	0x3956c25b,
	0x59f111f1,
	0x923f82a4,
	0xab1c5ed5,
	0xd807aa98,
	0x12835b01,
	0x243185be,
	0x550c7dc3,
	0x72be5d74,
	0x80deb1fe,
	0x9bdc06a7,
	0xc19bf174,
	0xe49b69c1,
	0xefbe4786,
	0x0fc19dc6,
	0x240ca1cc,
	0x2de92c6f,
	0x4a7484aa,
	0x5cb0a9dc,
	0x76f988da,
	0x983e5152,
	0xa831c66d,
	0xb00327c8,
	0xbf597fc7,
	0xc6e00bf3,
	0xd5a79147,
	0x06ca6351,
	0x14292967,
	0x27b70a85,
	0x2e1b2138,
	0x4d2c6dfc,
	0x53380d13,
	0x650a7354,
	0x766a0abb,
	0x81c2c92e,
	0x92722c85,
	0xa2bfe8a1,
	0xa81a664b,
	0xc24b8b70,
	0xc76c51a3,
	0xd192e819,
	0xd6990624,
	0xf40e3585,
	0x106aa070,
	0x19a4c116,
	0x1e376c08,
	0x2748774c,
	0x34b0bcb5,
	0x391c0cb3,
	0x4ed8aa4a,
	0x5b9cca4f,
	0x682e6ff3,
	0x748f82ee,
	0x78a5636f,
	0x84c87814,
	0x8cc70208,
	0x90befffa,
	0xa4506ceb,
	0xbef9a3f7,
	0xc67178f2,
};

#define ROTR(x, n)   (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x)     (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x)     (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x)     (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x)     (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

/*
 * One round; the callers rotate the names of the working variables instead
 * of moving their values.
 */
#define ROUND(a, b, c, d, e, f, g, h, i)                                       \
	do {                                                                   \
		uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + K[i] + w[i];     \
		uint32_t t2_ = BSIG0(a) + MAJ(a, b, c);                        \
		(d) += t1_;                                                    \
		(h) = t1_ + t2_;                                               \
	} while (0)

/* Reads a big-endian 32-bit word. */
static inline uint32_t
load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Compresses nblocks blocks in portable C. */
static void
compress_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
	uint32_t w[64];
	uint32_t a, b, c, d, e, f, g, h;
	size_t i;

	while (nblocks-- > 0) {
		for (i = 0; i < 16; i++)
			w[i] = load_be32(blocks + 4 * i);
		for (i = 16; i < 64; i++)
			w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) +
			    w[i - 16];

		a = state[0];
		b = state[1];
		c = state[2];
		d = state[3];
		e = state[4];
		f = state[5];
		g = state[6];
		h = state[7];
		for (i = 0; i < 64; i += 8) {
			ROUND(a, b, c, d, e, f, g, h, i);
			ROUND(h, a, b, c, d, e, f, g, i + 1);
			ROUND(g, h, a, b, c, d, e, f, i + 2);
			ROUND(f, g, h, a, b, c, d, e, i + 3);
			ROUND(e, f, g, h, a, b, c, d, i + 4);
			ROUND(d, e, f, g, h, a, b, c, i + 5);
			ROUND(c, d, e, f, g, h, a, b, i + 6);
			ROUND(b, c, d, e, f, g, h, a, i + 7);
		}
		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
		state[4] += e;
		state[5] += f;
		state[6] += g;
		state[7] += h;

		blocks += 64;
	}

	/* The schedule is derived from the message, which may hold a key. */
	sodium_memzero(w, sizeof w);
}

#ifdef SHA256_X86
/* Four rounds with the schedule words in m (W[4i..4i+3]). */
#define SHANI_ROUNDS4(m, i)                                                    \
	do {                                                                   \
		__m128i t_ = _mm_add_epi32((m),                                \
		    _mm_load_si128(                                            \
			(const __m128i *)(const void *)&K[4 * (i)]));          \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, t_);                  \
		t_ = _mm_shuffle_epi32(t_, 0x0e);                              \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, t_);                  \
	} while (0)

/* Turns m0 = W[j-16..j-13] into W[j..j+3] from the three groups after it. */
#define SHANI_SCHEDULE(m0, m1, m2, m3)                                         \
	do {                                                                   \
		(m0) = _mm_add_epi32(_mm_sha256msg1_epu32((m0), (m1)),         \
		    _mm_alignr_epi8((m3), (m2), 4));                           \
		(m0) = _mm_sha256msg2_epu32((m0), (m3));                       \
	} while (0)

/* Eight rounds, then the schedule for the group four places ahead. */
#define SHANI_GROUP(i, m0, m1, m2, m3)                                         \
	do {                                                                   \
		SHANI_ROUNDS4(m0, i);                                          \
		SHANI_SCHEDULE(m0, m1, m2, m3);                                \
	} while (0)

/*
 * Compresses nblocks blocks with the SHA extensions. They keep the state
 * as two vectors, ABEF and CDGH, so it is rearranged on entry and exit.
 */
__attribute__((target("sha,sse4.1"))) static void
compress_shani(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
	const __m128i bswap =
	    _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i abef, cdgh, abef_in, cdgh_in, tmp;
	__m128i m0, m1, m2, m3;
	int g;

	tmp = _mm_loadu_si128((const __m128i *)(const void *)&state[0]);
	cdgh = _mm_loadu_si128((const __m128i *)(const void *)&state[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xb1);	 /* CDAB */
	cdgh = _mm_shuffle_epi32(cdgh, 0x1b);	 /* EFGH */
	abef = _mm_alignr_epi8(tmp, cdgh, 8);	 /* ABEF */
	cdgh = _mm_blend_epi16(cdgh, tmp, 0xf0); /* CDGH */

	while (nblocks-- > 0) {
		abef_in = abef;
		cdgh_in = cdgh;

		m0 =
		    _mm_shuffle_epi8(_mm_loadu_si128((
					 const __m128i *)(const void *)(blocks +
					 0)),
			bswap);
		m1 =
		    _mm_shuffle_epi8(_mm_loadu_si128((
					 const __m128i *)(const void *)(blocks +
					 16)),
			bswap);
		m2 =
		    _mm_shuffle_epi8(_mm_loadu_si128((
					 const __m128i *)(const void *)(blocks +
					 32)),
			bswap);
		m3 =
		    _mm_shuffle_epi8(_mm_loadu_si128((
					 const __m128i *)(const void *)(blocks +
					 48)),
			bswap);

		/* Rounds 0-47 schedule as they go, four groups a turn; the
		 * loop has a constant count and unrolls. */
		for (g = 0; g < 12; g += 4) {
			SHANI_GROUP(g, m0, m1, m2, m3);
			SHANI_GROUP(g + 1, m1, m2, m3, m0);
			SHANI_GROUP(g + 2, m2, m3, m0, m1);
			SHANI_GROUP(g + 3, m3, m0, m1, m2);
		}
		SHANI_ROUNDS4(m0, 12);
		SHANI_ROUNDS4(m1, 13);
		SHANI_ROUNDS4(m2, 14);
		SHANI_ROUNDS4(m3, 15);

		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
		blocks += 64;
	}

	tmp = _mm_shuffle_epi32(abef, 0x1b);	 /* FEBA */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);	 /* DCHG */
	abef = _mm_blend_epi16(tmp, cdgh, 0xf0); /* DCBA */
	cdgh = _mm_alignr_epi8(cdgh, tmp, 8);	 /* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&state[0], abef);
	_mm_storeu_si128((__m128i *)(void *)&state[4], cdgh);
}

/* Says whether this CPU has the SHA extensions and SSE4.1. */
static int
have_shani(void)
{
#if defined(__clang__)
	/* clang's __builtin_cpu_supports does not know "sha" everywhere. */
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) ||
	    (ecx & bit_SSE4_1) == 0 || (ecx & bit_SSSE3) == 0)
		return 0;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return 0;
	return (ebx & bit_SHA) != 0;
#else
	__builtin_cpu_init();
	return __builtin_cpu_supports("sha") &&
	    __builtin_cpu_supports("sse4.1");
#endif
}
#endif /* SHA256_X86 */

static const struct compressor impl_portable = { "portable",
	compress_portable };
#ifdef SHA256_X86
static const struct compressor impl_shani = { "sha-ni", compress_shani };
#endif

/*
 * The implementation in use, NULL until the first call. Choosing twice
 * gives the same answer, so racing threads are harmless; the first store
 * wins and everyone uses it.
 */
static _Atomic(const struct compressor *) chosen;

/* Returns the implementation in use, choosing it on the first call. */
static const struct compressor *
compressor_get(void)
{
	const struct compressor *impl, *expected;
	const char *force;

	impl = atomic_load_explicit(&chosen, memory_order_acquire);
	if (impl != NULL)
		return impl;

	impl = &impl_portable;
	force = getenv("SC_SHA256_IMPL");
	if (force == NULL || strcmp(force, "portable") != 0) {
#ifdef SHA256_X86
		if (have_shani())
			impl = &impl_shani;
#endif
	}

	expected = NULL;
	if (!atomic_compare_exchange_strong_explicit(&chosen, &expected, impl,
		memory_order_acq_rel, memory_order_acquire))
		impl = expected;
	return impl;
}

/* Compresses nblocks 64-byte blocks into state. */
void
sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
	compressor_get()->compress(state, blocks, nblocks);
}

/* Returns the name of the implementation in use. */
const char *
sha256_impl(void)
{
	return compressor_get()->name;
}
