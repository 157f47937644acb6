/*
 * The CPUs (docs/smp.md). kernel/smp.c builds the list at boot from the MADT's
 * CPUs (acpi_cpus, include/acpi.h), numbered as Linux numbers them: the boot CPU is
 * cpu 0, the others follow in table order; kernel/smp_boot.c starts them. Each has
 * a state:
 *   online    running;
 *   offline   enabled in the MADT and within the boot options' limit: to be started;
 *   disabled  online-capable but not enabled in the MADT, or past maxcpus=/nosmp;
 *   failed    did not answer its start (logged, skipped, never waited for again);
 *   parked    stopped for a kexec (interrupts off, halted); started again if the
 *             kexec fails, or by the next kernel.
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

enum cpu_state { CPU_ONLINE, CPU_OFFLINE, CPU_DISABLED, CPU_FAILED, CPU_PARKED };

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
/* "online", "offline", "disabled", "failed" or "parked". */
const char *smp_state_name(enum cpu_state s);
void smp_set_state(unsigned i, enum cpu_state s);

/* The fault site "smp.list" sees the list as built (a test instrument adds to it). */
struct smp_list_hook {
	struct smp_cpu *cpus;
	unsigned *n, cap;
};

/* ---- bring-up, parking, cross-calls (kernel/smp_boot.c) ----
 * smp_boot starts every offline CPU: INIT, STARTUP, STARTUP through the local APIC,
 * each AP starting in the trampoline page (include/ap_tramp.h) and arriving in
 * ap_entry() with its own stack, GDT, TSS and per-CPU data (cpu i is percpu id i),
 * then idling with interrupts on until asked for something.
 *
 * Live update: smp_stop_others() parks every other CPU (an IPI; each turns its
 * interrupts off and halts, using nothing the handover needs) before LUO freezes;
 * the next kernel starts them again, and so does smp_restart_others() after a
 * failed kexec.
 *
 * smp_call(cpu, fn, arg) runs fn(arg) on that CPU (interrupts on, outside any
 * handler) and waits for it. */
struct boot_info;
void smp_boot(const struct boot_info *bi);
unsigned smp_online(void);
/* TSC ticks from INIT to an AP online, averaged over every start so far (0: none). */
uint64_t smp_start_ticks(void);
void smp_stop_others(void);
void smp_restart_others(void);
/* 0, -EINVAL (cpu not online, or cpu 0), -EBUSY (it runs a posted call: a CPU
 * holds one call at a time), -ETIMEDOUT (it did not take the call). Calls and posts
 * are made from one CPU at a time (the console's). */
int smp_call(unsigned cpu, void (*fn)(void *), void *arg);
/* Give cpu fn(arg) to run and return at once (-EBUSY: it has a call already);
 * smp_wait(cpu) waits for it to end. A long-running fn polls smp_stopping() and
 * returns when it turns true: smp_stop_others() waits for every call to end before
 * it parks a CPU. */
int smp_post(unsigned cpu, void (*fn)(void *), void *arg);
int smp_wait(unsigned cpu);
bool smp_stopping(void);
/* fn(arg) on every online CPU not busy with a posted call, this one last; the
 * number of CPUs it ran on. parallel_run's parts go to the same CPUs. */
unsigned smp_call_all(void (*fn)(void *), void *arg);

/* kernel/irq.c: an IPI vector arrived. */
#define SMP_CALL_VECTOR 0xf1
#define SMP_STOP_VECTOR 0xf2
void smp_ipi(unsigned vector);
#endif
