// The AVX2 bit unshuffle of 4- and 2-byte elements (see include/MXBitshuffleKernel.h).
//
// For 16 consecutive bytes k…k+15 of all 32 planes at a time:
// 1. Byte transpose: sixteen 32-byte rows (plane p in the low half, plane
//    p + 16 in the high half) become sixteen columns, column c holding byte
//    k + c of every plane (plane p in byte p). Four rounds of unpacks, which
//    work within 16-byte halves, transpose both halves at once.
// 2. Bit transpose: in each 64-bit lane j of a column (planes 8j…8j+7), an
//    8×8 bit transpose leaves byte j of element 8(k+c) + i in byte i.
// 3. Byte interleave: one shuffle and two unpacks put each element's four
//    bytes together; two 16-byte stores write the eight elements.
// 2-byte elements have 16 planes: the two halves of a row hold bytes k…k+15
// and k+16…k+31 of one plane, so each transposed row carries two columns.
#include "MXBitshuffleKernel.h"
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>

int mx_unshuffle_avx2_available(void) {
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

__attribute__((target("avx2")))
static inline void transpose16x16_halves(__m256i r[16]) {
    __m256i t[16], s[16], v[16];
    // t[i]: 16-bit unit c = bytes c of rows 2i, 2i+1 (c < 8; t[i + 8]: c ≥ 8).
    for (int i = 0; i < 8; i++) {
        t[i] = _mm256_unpacklo_epi8(r[2 * i], r[2 * i + 1]);
        t[i + 8] = _mm256_unpackhi_epi8(r[2 * i], r[2 * i + 1]);
    }
    // s[h + i]: 32-bit unit = bytes of rows 4i…4i+3 in columns h…h+3 (s[h + i + 4]: h+4…h+7).
    for (int h = 0; h < 16; h += 8) {
        for (int i = 0; i < 4; i++) {
            s[h + i] = _mm256_unpacklo_epi16(t[h + 2 * i], t[h + 2 * i + 1]);
            s[h + i + 4] = _mm256_unpackhi_epi16(t[h + 2 * i], t[h + 2 * i + 1]);
        }
    }
    // For the four columns b…b+3: v[b], v[b+1] hold rows 0–7, v[b+2], v[b+3] rows 8–15, as 64-bit units.
    for (int b = 0; b < 16; b += 4) {
        v[b + 0] = _mm256_unpacklo_epi32(s[b + 0], s[b + 1]);
        v[b + 1] = _mm256_unpackhi_epi32(s[b + 0], s[b + 1]);
        v[b + 2] = _mm256_unpacklo_epi32(s[b + 2], s[b + 3]);
        v[b + 3] = _mm256_unpackhi_epi32(s[b + 2], s[b + 3]);
    }
    for (int b = 0; b < 16; b += 4) {
        r[b + 0] = _mm256_unpacklo_epi64(v[b + 0], v[b + 2]);
        r[b + 1] = _mm256_unpackhi_epi64(v[b + 0], v[b + 2]);
        r[b + 2] = _mm256_unpacklo_epi64(v[b + 1], v[b + 3]);
        r[b + 3] = _mm256_unpackhi_epi64(v[b + 1], v[b + 3]);
    }
}

// The 8×8 bit transpose of each 64-bit lane: three mask-and-shift swaps
// (Warren, Hacker's Delight §7-3), as in BitshuffleLZ4.transpose8x8.
__attribute__((target("avx2")))
static inline __m256i transpose8x8_lanes(__m256i x) {
    __m256i t;
    t = _mm256_and_si256(_mm256_xor_si256(x, _mm256_srli_epi64(x, 7)), _mm256_set1_epi64x(0x00AA00AA00AA00AALL));
    x = _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, 7)));
    t = _mm256_and_si256(_mm256_xor_si256(x, _mm256_srli_epi64(x, 14)), _mm256_set1_epi64x(0x0000CCCC0000CCCCLL));
    x = _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, 14)));
    t = _mm256_and_si256(_mm256_xor_si256(x, _mm256_srli_epi64(x, 28)), _mm256_set1_epi64x(0x00000000F0F0F0F0LL));
    x = _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, 28)));
    return x;
}

// Steps 2 and 3's shuffle: the bit transpose of each 64-bit lane, then, within each 16-byte half, byte i of
// its first lane next to byte i of its second (so 16-bit unit i holds both).
__attribute__((target("avx2")))
static inline __m256i element_bytes(__m256i column) {
    const __m256i pairs = _mm256_setr_epi8(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15,
                                           0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    return _mm256_shuffle_epi8(transpose8x8_lanes(column), pairs);
}

__attribute__((target("avx2")))
void mx_unshuffle32_avx2(const void *source, void *destination, size_t plane, size_t kEnd) {
    const uint8_t *src = source;
    uint8_t *dst = destination;
    for (size_t k = 0; k < kEnd; k += 16) {
        __m256i r[16];
        for (int p = 0; p < 16; p++) {
            r[p] = _mm256_loadu2_m128i((const __m128i *)(src + (size_t)(p + 16) * plane + k),
                                       (const __m128i *)(src + (size_t)p * plane + k));
        }
        transpose16x16_halves(r);
        for (int c = 0; c < 16; c++) {
            __m256i x = element_bytes(r[c]);
            // Low half: bytes 0 and 1 of elements 0–7 (16-bit units); high half: bytes 2 and 3.
            __m128i b01 = _mm256_castsi256_si128(x), b23 = _mm256_extracti128_si256(x, 1);
            uint8_t *out = dst + 32 * (k + c);
            _mm_storeu_si128((__m128i *)out, _mm_unpacklo_epi16(b01, b23));
            _mm_storeu_si128((__m128i *)(out + 16), _mm_unpackhi_epi16(b01, b23));
        }
    }
}

__attribute__((target("avx2")))
void mx_unshuffle16_avx2(const void *source, void *destination, size_t plane, size_t kEnd) {
    const uint8_t *src = source;
    uint8_t *dst = destination;
    for (size_t k = 0; k < kEnd; k += 32) {
        __m256i r[16];
        for (int p = 0; p < 16; p++) r[p] = _mm256_loadu_si256((const __m256i *)(src + (size_t)p * plane + k));
        transpose16x16_halves(r);
        for (int c = 0; c < 16; c++) {
            // Low half: column k+c (planes 0–15), high half: column k+16+c; each 8 whole elements.
            __m256i x = element_bytes(r[c]);
            _mm_storeu_si128((__m128i *)(dst + 16 * (k + c)), _mm256_castsi256_si128(x));
            _mm_storeu_si128((__m128i *)(dst + 16 * (k + 16 + c)), _mm256_extracti128_si256(x, 1));
        }
    }
}

#else

int mx_unshuffle_avx2_available(void) { return 0; }

void mx_unshuffle16_avx2(const void *source, void *destination, size_t plane, size_t kEnd) {
    (void)source; (void)destination; (void)plane; (void)kEnd;
}

void mx_unshuffle32_avx2(const void *source, void *destination, size_t plane, size_t kEnd) {
    (void)source; (void)destination; (void)plane; (void)kEnd;
}

#endif
