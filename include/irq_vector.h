/*
 * Interrupt vectors for drivers (lib/irq_vector.c): a free range a driver allocates
 * from, with its handler, so a device's MSI-X message can name a vector the kernel
 * dispatches (kernel/irq.c calls irq_vector_handle, then sends the EOI). Drivers sit
 * below kernel/, so the CPU side comes in through irq_vector_set_cpu, which the
 * kernel calls once at irq_init on the boot CPU: the APIC ID every allocated vector
 * is delivered to, and how a caller waits for an interrupt (halting).
 *
 * Vectors IRQ_VECTOR_FIRST..IRQ_VECTOR_LAST are free of the PICs (32-47), the APIC
 * timer, IPIs and spurious vector (0xf0 up). A vector nobody holds stays "unexpected"
 * (counted, logged once).
 */
#ifndef IRQ_VECTOR_H
#define IRQ_VECTOR_H
#include <types.h>

#define IRQ_VECTOR_FIRST 0x40
#define IRQ_VECTOR_LAST  0xef

typedef void (*irq_vector_fn)(void *arg);
typedef bool (*irq_cond_fn)(const void *ctx);

struct irq_vector_cpu {
	uint32_t apic_id;            /* where allocated vectors are delivered */
	/* Halt until cond(ctx) or about ticks of the APIC timer's input clock: true if
	 * cond held. Returns false at once (not having waited) when the caller cannot
	 * halt for the interrupt: interrupts off, or not on apic_id's CPU. */
	bool (*wait)(irq_cond_fn cond, const void *ctx, uint64_t ticks);
};

/* The kernel, once, at irq_init (without it irq_vector_alloc gives -ENODEV). */
void irq_vector_set_cpu(const struct irq_vector_cpu *cpu);
/* A free vector, with fn(arg) as its handler (run in interrupt context, on the CPU
 * *apic_id names): the vector, -ENODEV (no CPU side: no local APIC), -ENOSPC. */
int irq_vector_alloc(irq_vector_fn fn, void *arg, uint32_t *apic_id);
void irq_vector_free(unsigned vector);
/* From the interrupt entry: run the vector's handler; false if nobody holds it. */
bool irq_vector_handle(unsigned vector);
/* The CPU side's wait (false at once without one). */
bool irq_vector_wait(irq_cond_fn cond, const void *ctx, uint64_t ticks);
#endif
