/*
 * Stands in for include/x86.h when kernel/lapic.c is built for the host
 * (tests/host/test_lapic.c): the MSRs are a table the test reads and writes,
 * CPUID says there is a local APIC (and an x2APIC when the test sets
 * host_cpuid_x2apic), and the interrupt-flag instructions do nothing.
 * It comes first on the include path of that one object (tests/host/host.mk).
 */
#ifndef X86_H
#define X86_H
#include <types.h>

uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t v);
uint64_t rdtsc(void);
extern bool host_cpuid_x2apic;
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)leaf, (void)sub;
	r[0] = r[1] = 0;
	r[2] = host_cpuid_x2apic ? 1u << 21 : 0;   /* x2APIC */
	r[3] = 1u << 9;                     /* APIC */
}
static inline void cpu_relax(void) {}
static inline void cli(void) {}
static inline void sti(void) {}
static inline void sti_hlt(void) {}
static inline uint64_t read_rflags(void) { return 0; }
#endif
