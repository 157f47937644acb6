/*
 * The driver vector table (model in include/irq_vector.h). Allocation and freeing
 * take a lock; the interrupt path reads a slot without it: the argument is written
 * before the handler is published (release), and a handler is only cleared after
 * the device that sends the vector has stopped sending it.
 */
#include <errno.h>
#include <irq_vector.h>
#include <spinlock.h>

#define NVEC (IRQ_VECTOR_LAST - IRQ_VECTOR_FIRST + 1)

static struct {
	irq_vector_fn fn;
	void *arg;
} slots[NVEC];
static const struct irq_vector_cpu *cpu_side;
static struct spinlock lock = SPINLOCK_INIT;

void irq_vector_set_cpu(const struct irq_vector_cpu *cpu)
{
	__atomic_store_n(&cpu_side, cpu, __ATOMIC_RELEASE);
}

int irq_vector_alloc(irq_vector_fn fn, void *arg, uint32_t *apic_id)
{
	const struct irq_vector_cpu *cpu = __atomic_load_n(&cpu_side, __ATOMIC_ACQUIRE);
	if (!cpu)
		return -ENODEV;
	uint64_t f = spin_lock_irqsave(&lock);
	int vector = -ENOSPC;
	for (unsigned i = 0; i < NVEC && vector < 0; i++) {
		if (slots[i].fn)
			continue;
		slots[i].arg = arg;
		__atomic_store_n(&slots[i].fn, fn, __ATOMIC_RELEASE);
		vector = (int)(IRQ_VECTOR_FIRST + i);
	}
	spin_unlock_irqrestore(&lock, f);
	if (vector >= 0)
		*apic_id = cpu->apic_id;
	return vector;
}

void irq_vector_free(unsigned vector)
{
	if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
		return;
	uint64_t f = spin_lock_irqsave(&lock);
	__atomic_store_n(&slots[vector - IRQ_VECTOR_FIRST].fn, NULL, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&lock, f);
}

bool irq_vector_handle(unsigned vector)
{
	if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
		return false;
	unsigned i = vector - IRQ_VECTOR_FIRST;
	irq_vector_fn fn = __atomic_load_n(&slots[i].fn, __ATOMIC_ACQUIRE);
	if (!fn)
		return false;
	fn(slots[i].arg);
	return true;
}

bool irq_vector_wait(irq_cond_fn cond, const void *ctx, uint64_t ticks)
{
	const struct irq_vector_cpu *cpu = __atomic_load_n(&cpu_side, __ATOMIC_ACQUIRE);
	return cpu && cpu->wait(cond, ctx, ticks);
}
