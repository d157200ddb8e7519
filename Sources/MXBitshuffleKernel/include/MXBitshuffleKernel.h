// MXBitshuffleKernel: the bit unshuffle of 4- and 2-byte elements with AVX2, for
// MXFormats' bitshuffle-LZ4 decoder (BitshuffleLZ4.swift holds the layout and
// the portable code). C, because Swift cannot yet express the byte shuffles
// (vpshufb, vpunpck*) this needs; the portable Swift code is used elsewhere.
#ifndef MX_BITSHUFFLE_KERNEL_H
#define MX_BITSHUFFLE_KERNEL_H

#include <stddef.h>

/// 1 when this processor and operating system run AVX2 code, else 0.
int mx_unshuffle_avx2_available(void);

/// Undoes the bit shuffle of the first 8·kEnd 4-byte elements of one block:
/// `src` holds the block's 32 bit-planes of `plane` bytes each (plane r,
/// byte k, bit i = bit r of element 8k + i); elements 8k…8k+7 for k < kEnd
/// are written to `dst` + 32k. kEnd must be a multiple of 16 and at most
/// `plane`. Call only when mx_unshuffle_avx2_available() returns 1.
void mx_unshuffle32_avx2(const void *src, void *dst, size_t plane, size_t kEnd);

/// The same for 2-byte elements (16 bit-planes; elements 8k…8k+7 go to
/// `dst` + 16k); kEnd must be a multiple of 32 and at most `plane`.
void mx_unshuffle16_avx2(const void *src, void *dst, size_t plane, size_t kEnd);

#endif
