/* The KHO self-test and bench (kernel/kho_selftest.c, KTEST=1) for their console
 * verbs (kernel/cmd_kho_selftest.c). */
#ifndef KERNEL_KHO_SELFTEST_H
#define KERNEL_KHO_SELFTEST_H
#include <types.h>

/* Start a chain of gens live updates (1..1000); returns only on failure. */
int kho_selftest_start(uint64_t gens, uint64_t seed);
/* Preserve bytes as 2 MiB blocks for the next kernel; *blocks how many. */
int kho_bench_preserve(uint64_t bytes, uint64_t *blocks);
#endif
