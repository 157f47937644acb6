/*
 * libfdt's environment header for the kernel (-nostdinc). Debian's <libfdt.h>
 * (reached through $(B)/include-fdt, which holds only libfdt.h and fdt.h) includes
 * <libfdt_env.h>; -Iinclude/libc finds this one first, so no glibc header is read.
 * It gives what libfdt's headers and its prebuilt objects assume: the fixed-width
 * and bool types, the big-endian fdt16/32/64 cell types with their conversions, and
 * the libc subset (string.h, stdlib.h, limits.h, all Baton's own).
 *
 * The fdt*_t types only mark big-endian storage (no sparse here); the conversions
 * are byte swaps on a little-endian CPU and identities on a big-endian one.
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define __FDT_SWAP16(x) __builtin_bswap16(x)
#define __FDT_SWAP32(x) __builtin_bswap32(x)
#define __FDT_SWAP64(x) __builtin_bswap64(x)
#else
#define __FDT_SWAP16(x) (x)
#define __FDT_SWAP32(x) (x)
#define __FDT_SWAP64(x) (x)
#endif

static inline uint16_t fdt16_to_cpu(fdt16_t x) { return __FDT_SWAP16(x); }
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return __FDT_SWAP16(x); }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return __FDT_SWAP32(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return __FDT_SWAP32(x); }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return __FDT_SWAP64(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return __FDT_SWAP64(x); }
#endif
