/*
 * The CPUs (docs/smp.md). Baton runs on the boot CPU alone today; this is the list
 * bring-up will start from. kernel/smp.c builds it at boot from the MADT's CPUs
 * (acpi_cpus, include/acpi.h), numbered as Linux numbers them: the boot CPU is
 * cpu 0, the others follow in table order. Each has a state:
 *   online    running (today only the boot CPU);
 *   offline   enabled in the MADT and within the boot options' limit: to be started;
 *   disabled  online-capable but not enabled in the MADT, or past maxcpus=/nosmp.
 * The boot CPU is found by its APIC ID (cpu_apic_id); it is online even where the
 * MADT does not list it or does not enable it.
 *
 * Boot options, with Linux's meaning: `nosmp` (the boot CPU only) and `maxcpus=N`
 * (at most N CPUs up at boot, the boot CPU included; maxcpus=0 acts as nosmp).
 * nosmp wins over any maxcpus=.
 */
#ifndef SMP_H
#define SMP_H
#include <types.h>

enum cpu_state { CPU_ONLINE, CPU_OFFLINE, CPU_DISABLED };

struct smp_cpu {
	uint32_t apic_id;
	bool x2apic;            /* listed by a type 9 (x2APIC) structure; for a boot CPU
				 * the MADT does not list, whether its id needs one (> 254) */
	uint8_t state;          /* enum cpu_state */
};

/* The APIC ID of the CPU this runs on, from CPUID: leaf 0x1f or 0xb (the 32-bit
 * x2APIC ID) where the CPU has one, else leaf 1's 8-bit initial APIC ID. */
uint32_t cpu_apic_id(void);
/* Build the list from acpi_cpus() and the boot options; boot_apic_id is the boot
 * CPU's (cpu_apic_id() on it). After drivers_init; again rebuilds it. */
void smp_init(uint32_t boot_apic_id);
/* The list: cpu i for i < smp_cpu_count() (at least 1 after smp_init). */
unsigned smp_cpu_count(void);
const struct smp_cpu *smp_cpu(unsigned i);
/* "online", "offline" or "disabled". */
const char *smp_state_name(enum cpu_state s);
#endif
