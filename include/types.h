/* Basic types for freestanding C: fixed-width integers, bool, size_t, physical addresses. */
#ifndef TYPES_H
#define TYPES_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t paddr_t;   /* a physical address; never dereferenced directly */

#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)     (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)   ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)   (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)          ((a) < (b) ? (a) : (b))
#define MAX(a, b)          ((a) > (b) ? (a) : (b))
#define KiB                1024ull
#define MiB                (1024ull * KiB)
#define GiB                (1024ull * MiB)

#define __used             __attribute__((used))
#define __noreturn         __attribute__((noreturn))
#define __packed           __attribute__((packed))
#define __section(s)       __attribute__((section(s)))
#define __printf(a, b)     __attribute__((format(printf, a, b)))
/* Entries of a linker-section table: no padding between them (the compiler would
 * otherwise align larger objects to 32 bytes). */
#define __aligned_entry(type) __attribute__((aligned(__alignof__(type))))
#define likely(x)          __builtin_expect(!!(x), 1)
#define unlikely(x)        __builtin_expect(!!(x), 0)
#endif
