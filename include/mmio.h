/*
 * Memory-mapped I/O. A device's registers (a PCI BAR, the ECAM window) may lie
 * anywhere below 2^52, above RAM and above 4 GiB included, where the direct map does
 * not reach; ioremap() maps them into the vmalloc region, uncached (PCD and PWT), and
 * gives back a pointer to paddr's byte. Registers are then touched only through the
 * accessors below: each is exactly one volatile access of its width, never merged,
 * split or reordered with other volatile accesses by the compiler (x86 keeps
 * uncached accesses in program order). Mappings are permanent until iounmap().
 */
#ifndef MMIO_H
#define MMIO_H
#include <types.h>

/* NULL if size is 0, paddr+size wraps or passes 2^52, or no memory for tables. */
void *ioremap(paddr_t paddr, uint64_t size);
/* Undo ioremap(p) (p as ioremap returned it). */
void iounmap(void *p);
/* Point a one-page ioremap() area (p page aligned, as ioremap returned it for a page
 * aligned paddr) at another device page: a window reused for many short looks. 0 or
 * -ENOMEM; the area stays in place either way. */
int ioremap_retarget(void *p, paddr_t paddr);

static inline uint8_t readb(const volatile void *a) { return *(const volatile uint8_t *)a; }
static inline uint16_t readw(const volatile void *a) { return *(const volatile uint16_t *)a; }
static inline uint32_t readl(const volatile void *a) { return *(const volatile uint32_t *)a; }
static inline void writeb(volatile void *a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void writew(volatile void *a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline void writel(volatile void *a, uint32_t v) { *(volatile uint32_t *)a = v; }
/* 64-bit registers as two 32-bit halves, low first (virtio 1.x §4.1.3.1 allows it). */
static inline uint64_t readq_lohi(const volatile void *a)
{
	uint64_t lo = readl(a);
	return lo | (uint64_t)readl((const volatile uint8_t *)a + 4) << 32;
}
static inline void writeq_lohi(volatile void *a, uint64_t v)
{
	writel(a, (uint32_t)v);
	writel((volatile uint8_t *)a + 4, (uint32_t)(v >> 32));
}
#endif
