/*
 * The per-CPU table (model in include/percpu.h): CPU_MAX slots, one per CPU that
 * has installed its own; the GS base of a CPU points at its slot.
 */
#include <percpu.h>
#include <x86.h>

#define MSR_GS_BASE 0xc0000101

static struct percpu *table[CPU_MAX];

struct percpu *percpu_of(unsigned id)
{
	return id < CPU_MAX ? table[id] : NULL;
}

void percpu_install(struct percpu *p)
{
	p->self = p;
	table[p->id] = p;
	wrmsr(MSR_GS_BASE, (uint64_t)p);
}
