#ifndef TGFLOW_COPENSSL_SHIM_H
#define TGFLOW_COPENSSL_SHIM_H
/* MTCrypto uses a few OpenSSL 1.x-style calls (RSA key parsing); keep them quiet. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/aes.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

/*
 * AES-256-IGE on the AES-NI instructions, for MTCrypto.AESIGE.
 * IGE chains every block through the previous plaintext and ciphertext, so the
 * block cipher cannot be batched; a per-block EVP call costs more than the
 * AES rounds themselves. These run the rounds inline. Only the hardware
 * instructions are used; callers fall back to EVP when tg_aesni_available() is 0.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define TG_AESNI_FN static inline __attribute__((target("aes,sse2")))

static inline int tg_aesni_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & (1u << 25)) != 0; /* CPUID.1:ECX.AES */
}

TG_AESNI_FN __m128i tg_aes_mix(__m128i k, __m128i t) {
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
    return _mm_xor_si128(k, t);
}
#define TG_EVEN(i, rcon) rk[i] = tg_aes_mix(rk[i - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i - 1], rcon), 0xff))
#define TG_ODD(i) rk[i] = tg_aes_mix(rk[i - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i - 1], 0), 0xaa))

/* The 15 AES-256 encryption round keys (FIPS-197 key expansion). */
TG_AESNI_FN void tg_aes256_expand(const uint8_t key[32], __m128i rk[15]) {
    rk[0] = _mm_loadu_si128((const __m128i *)key);
    rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
    TG_EVEN(2, 0x01); TG_ODD(3); TG_EVEN(4, 0x02); TG_ODD(5); TG_EVEN(6, 0x04); TG_ODD(7);
    TG_EVEN(8, 0x08); TG_ODD(9); TG_EVEN(10, 0x10); TG_ODD(11); TG_EVEN(12, 0x20); TG_ODD(13);
    TG_EVEN(14, 0x40);
}
#undef TG_EVEN
#undef TG_ODD

/*
 * The chain runs only through the AES rounds: the last round's key absorbs the
 * IGE XORs (AESENCLAST/AESDECLAST end with "xor round key"), so
 *   next input = aes_last(x, k14 ^ prev_other ^ next_in ^ k0)
 * and the XOR terms, known ahead, are computed off the critical path.
 */
TG_AESNI_FN void tg_aesni_ige256_encrypt(const uint8_t *in, uint8_t *out, size_t blocks,
                                         const uint8_t key[32], const uint8_t iv[32]) {
    __m128i rk[15];
    tg_aes256_expand(key, rk);
    __m128i prev_m = _mm_loadu_si128((const __m128i *)(iv + 16));
    __m128i m = _mm_loadu_si128((const __m128i *)in);
    __m128i x = _mm_xor_si128(_mm_xor_si128(m, _mm_loadu_si128((const __m128i *)iv)), rk[0]);
    for (size_t i = 0; i < blocks; i++) {
        for (int r = 1; r < 14; r++) x = _mm_aesenc_si128(x, rk[r]);
        __m128i c;
        if (i + 1 < blocks) {
            __m128i next_m = _mm_loadu_si128((const __m128i *)(in + 16 * (i + 1)));
            __m128i bridge = _mm_xor_si128(next_m, rk[0]);
            x = _mm_aesenclast_si128(x, _mm_xor_si128(_mm_xor_si128(rk[14], prev_m), bridge));
            c = _mm_xor_si128(x, bridge);
            prev_m = m;
            m = next_m;
        } else {
            c = _mm_aesenclast_si128(x, _mm_xor_si128(rk[14], prev_m));
        }
        _mm_storeu_si128((__m128i *)(out + 16 * i), c);
    }
    memset(rk, 0, sizeof rk);
    __asm__ __volatile__("" : : "r"(rk) : "memory");
}

TG_AESNI_FN void tg_aesni_ige256_decrypt(const uint8_t *in, uint8_t *out, size_t blocks,
                                         const uint8_t key[32], const uint8_t iv[32]) {
    __m128i rk[15], dk[15];
    tg_aes256_expand(key, rk);
    dk[0] = rk[14];
    for (int r = 1; r < 14; r++) dk[r] = _mm_aesimc_si128(rk[14 - r]);
    dk[14] = rk[0];
    __m128i prev_c = _mm_loadu_si128((const __m128i *)iv);
    __m128i c = _mm_loadu_si128((const __m128i *)in);
    __m128i x = _mm_xor_si128(_mm_xor_si128(c, _mm_loadu_si128((const __m128i *)(iv + 16))), dk[0]);
    for (size_t i = 0; i < blocks; i++) {
        for (int r = 1; r < 14; r++) x = _mm_aesdec_si128(x, dk[r]);
        __m128i m;
        if (i + 1 < blocks) {
            __m128i next_c = _mm_loadu_si128((const __m128i *)(in + 16 * (i + 1)));
            __m128i bridge = _mm_xor_si128(next_c, dk[0]);
            x = _mm_aesdeclast_si128(x, _mm_xor_si128(_mm_xor_si128(dk[14], prev_c), bridge));
            m = _mm_xor_si128(x, bridge);
            prev_c = c;
            c = next_c;
        } else {
            m = _mm_aesdeclast_si128(x, _mm_xor_si128(dk[14], prev_c));
        }
        _mm_storeu_si128((__m128i *)(out + 16 * i), m);
    }
    memset(rk, 0, sizeof rk);
    memset(dk, 0, sizeof dk);
    __asm__ __volatile__("" : : "r"(rk), "r"(dk) : "memory");
}

/*
 * CRC-32 (the reflected 0xEDB88320 polynomial of zlib and MTProto's full transport)
 * by carry-less multiplication: 64-byte blocks are folded four lanes at a time with
 * x^(512+-32) mod P, the lanes into one with x^(128+-32) mod P, then the 128-bit
 * remainder is reduced to 32 bits by Barrett reduction (Intel's "Fast CRC Computation
 * for Generic Polynomials Using PCLMULQDQ"). `state` is the running, not inverted,
 * register; `len` must be a multiple of 16 and at least 64.
 */
#define TG_CLMUL_FN static inline __attribute__((target("pclmul,sse4.1")))

static inline int tg_crc32_clmul_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & (1u << 1)) != 0 && (c & (1u << 19)) != 0; /* PCLMULQDQ, SSE4.1 */
}

TG_CLMUL_FN __m128i tg_crc_fold(__m128i lane, __m128i k, __m128i next) {
    __m128i lo = _mm_clmulepi64_si128(lane, k, 0x00);
    __m128i hi = _mm_clmulepi64_si128(lane, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

TG_CLMUL_FN uint32_t tg_crc32_clmul(uint32_t state, const uint8_t *p, size_t len) {
    const __m128i by4 = _mm_set_epi64x(0x01c6e41596LL, 0x0154442bd4LL);
    const __m128i by1 = _mm_set_epi64x(0x00ccaa009eLL, 0x01751997d0LL);
    const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124LL);
    const __m128i barrett = _mm_set_epi64x(0x01f7011641LL, 0x01db710641LL);
    const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);

    __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)state));
    __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    len -= 64;
    for (; len >= 64; p += 64, len -= 64) {
        a = tg_crc_fold(a, by4, _mm_loadu_si128((const __m128i *)p));
        b = tg_crc_fold(b, by4, _mm_loadu_si128((const __m128i *)(p + 16)));
        c = tg_crc_fold(c, by4, _mm_loadu_si128((const __m128i *)(p + 32)));
        d = tg_crc_fold(d, by4, _mm_loadu_si128((const __m128i *)(p + 48)));
    }
    a = tg_crc_fold(a, by1, b);
    a = tg_crc_fold(a, by1, c);
    a = tg_crc_fold(a, by1, d);
    for (; len >= 16; p += 16, len -= 16) a = tg_crc_fold(a, by1, _mm_loadu_si128((const __m128i *)p));

    /* 128 bits to 64, then to 32 with Barrett reduction. */
    a = _mm_xor_si128(_mm_srli_si128(a, 8), _mm_clmulepi64_si128(a, by1, 0x10));
    a = _mm_xor_si128(_mm_srli_si128(a, 4), _mm_clmulepi64_si128(_mm_and_si128(a, low32), k5, 0x00));
    __m128i q = _mm_clmulepi64_si128(_mm_and_si128(a, low32), barrett, 0x10);
    q = _mm_clmulepi64_si128(_mm_and_si128(q, low32), barrett, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(a, q), 1);
}
#else
static inline int tg_crc32_clmul_available(void) { return 0; }
static inline uint32_t tg_crc32_clmul(uint32_t state, const uint8_t *p, size_t len) { (void)p; (void)len; return state; }
static inline int tg_aesni_available(void) { return 0; }
static inline void tg_aesni_ige256_encrypt(const uint8_t *in, uint8_t *out, size_t blocks,
                                           const uint8_t key[32], const uint8_t iv[32]) { (void)in; (void)out; (void)blocks; (void)key; (void)iv; }
static inline void tg_aesni_ige256_decrypt(const uint8_t *in, uint8_t *out, size_t blocks,
                                           const uint8_t key[32], const uint8_t iv[32]) { (void)in; (void)out; (void)blocks; (void)key; (void)iv; }
#endif
#endif
