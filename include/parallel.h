/*
 * Work split over the CPUs. parallel_run(fn, arg) calls fn(arg, part, nparts) once
 * for every part in [0, nparts), each part on a CPU of its own, and returns when all
 * are done, with nparts. The backend belongs to the layer that owns the other CPUs
 * (kernel/smp_boot.c registers it once they are up); without one, or with one CPU,
 * nparts is 1 and fn runs on the caller. A part runs with interrupts on; it must
 * not wait for another part, and may allocate only where the allocator is safe on
 * every CPU.
 */
#ifndef PARALLEL_H
#define PARALLEL_H

typedef void (*parallel_fn)(void *arg, unsigned part, unsigned nparts);

unsigned parallel_run(parallel_fn fn, void *arg);
/* The backend: runs every part as above, returns nparts (>= 1). */
void parallel_set_backend(unsigned (*run)(parallel_fn fn, void *arg));
#endif
