/*
 * Per-CPU data. Every CPU that runs Baton has one struct percpu, found through its
 * GS base: %gs:0 holds the struct's own address, so this_cpu() is one load. The
 * boot CPU's is set in kmain before anything asks (cpu_id() is then 0); each other
 * CPU sets its own as it comes up (kernel/smp.c). cpu_id() is dense, 0 = the boot
 * CPU, below CPU_MAX.
 *
 * On the host (unit tests, __STDC_HOSTED__), a thread-local stands in for the GS
 * base: host_cpu_set(n) makes the calling thread CPU n.
 */
#ifndef PERCPU_H
#define PERCPU_H
#include <types.h>

#define CPU_MAX 64

struct percpu {
	struct percpu *self;          /* at offset 0: %gs:0 */
	unsigned id;                  /* dense index, 0 = the boot CPU */
	uint32_t apic_id;             /* the local APIC's ID */
	void *stack_top;              /* the CPU's kernel stack */
	volatile bool online;
};
_Static_assert(offsetof(struct percpu, self) == 0, "percpu self at %gs:0");

#if __STDC_HOSTED__
extern _Thread_local struct percpu *host_this_cpu;
void host_cpu_set(unsigned id);
static inline struct percpu *this_cpu(void) { return host_this_cpu; }
#else
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}
#endif

static inline unsigned cpu_id(void)
{
	return this_cpu()->id;
}

/* The CPU's struct (index id), or NULL past the last one set up. */
struct percpu *percpu_of(unsigned id);
/* Make p the calling CPU's per-CPU data (its GS base); p->id must be set. */
void percpu_install(struct percpu *p);
#endif
