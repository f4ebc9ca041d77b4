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
#else
static inline int tg_aesni_available(void) { return 0; }
static inline void tg_aesni_ige256_encrypt(const uint8_t *in, uint8_t *out, size_t blocks,
                                           const uint8_t key[32], const uint8_t iv[32]) { (void)in; (void)out; (void)blocks; (void)key; (void)iv; }
static inline void tg_aesni_ige256_decrypt(const uint8_t *in, uint8_t *out, size_t blocks,
                                           const uint8_t key[32], const uint8_t iv[32]) { (void)in; (void)out; (void)blocks; (void)key; (void)iv; }
#endif
#endif
