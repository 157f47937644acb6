/*
 * Small-object allocation. kmalloc(n) returns n bytes aligned to the size class
 * (16 .. 2048 bytes, powers of two) carved from order-0 slab pages, or, above 2048
 * bytes, whole pages (a power-of-two block). NULL when memory is out. kfree(NULL) is
 * a no-op; freeing anything else that kmalloc did not return panics with the
 * address. An empty slab page goes back to the buddy at once, so `meminfo` returns
 * exactly to its earlier figures after everything is freed.
 *
 * kvmalloc() is for arrays that may be large: kmalloc up to 64 KiB, vmalloc above
 * (kvfree tells them apart).
 */
#ifndef KMALLOC_H
#define KMALLOC_H
#include <types.h>

void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(const void *p);
void *kvmalloc(size_t n);       /* zeroed */
void kvfree(const void *p);
#endif
