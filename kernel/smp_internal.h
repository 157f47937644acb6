/*
 * What kernel/smp_boot.c (bring-up, parking) and kernel/smp_call.c (calls on
 * another CPU, the parallel backend) share, and nothing else includes: each AP's
 * record and mailbox. The mailbox holds one call at a time: the caller writes fn
 * and arg, then bumps seq (release) and sends the call IPI; the AP runs it and
 * stores done = seq (release), then sends the boot CPU the same IPI. The box is
 * idle when done == seq.
 */
#ifndef KERNEL_SMP_INTERNAL_H
#define KERNEL_SMP_INTERNAL_H
#include <parallel.h>
#include <percpu.h>
#include <smp.h>
#include <types.h>

/* Bounds of the waits for a call, in APIC timer ticks (uncalibrated). */
#define CALL_WAIT_TICKS  (1ull << 30)          /* about 1 s under QEMU */
#define PART_WAIT_TICKS  (1ull << 38)          /* about 4.6 min under QEMU */

struct mailbox {
	void (*fn)(void *);
	void *arg;
	volatile uint32_t seq, done;
};

struct ap {
	struct percpu pc;
	struct cpu_tables *tables;
	void *stack;
	struct mailbox box;
};

extern struct ap *smp_aps[CPU_MAX];         /* by cpu index; [0] unused (the boot CPU) */
extern uint32_t smp_boot_apic;              /* whom an AP wakes when it is up or parked */

/* Halt until cond(ctx) holds or ticks pass: true if it held (smp_boot.c). */
bool smp_wait_for(bool (*cond)(const void *ctx), const void *ctx, uint64_t ticks);
/* The AP's idle loop: serve box's calls for good (smp_call.c). */
__attribute__((noreturn)) void smp_serve(struct mailbox *box);
/* Is box idle (no call pending or running)? ctx is the struct mailbox. */
bool smp_box_idle(const void *ctx);
/* parallel_run's backend (include/parallel.h). */
unsigned smp_run_parallel(parallel_fn fn, void *arg);
#endif
