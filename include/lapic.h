/*
 * The local APIC of the calling CPU (kernel/lapic.c): xAPIC through its MMIO page,
 * or x2APIC through MSRs. The boot CPU chooses the mode once (lapic_choose_mode:
 * x2APIC wherever the CPU has it, unless the boot option nox2apic says no) and
 * every other CPU follows it when it enables its APIC, so the mode is the same on
 * all. Used for the boot CPU's virtual wire (kernel/irq.c), inter-processor
 * interrupts and starting the other CPUs (kernel/smp_boot.c).
 */
#ifndef LAPIC_H
#define LAPIC_H
#include <types.h>

#define LAPIC_SPURIOUS_VECTOR 0xff

/* Is there a local APIC (CPUID)? */
bool lapic_present(void);
/* Is the calling CPU's APIC in x2APIC mode (IA32_APIC_BASE.EXTD)? Could it be
 * (CPUID.01H:ECX[21])? */
bool lapic_x2apic(void);
bool lapic_x2apic_capable(void);
/* On the boot CPU, before lapic_enable(true): x2APIC if allow_x2apic and the CPU
 * has it, else xAPIC. x2APIC left on (by the firmware or the kernel before a
 * kexec) is turned off when xAPIC is chosen (through disabled, the legal path),
 * unless this CPU's x2APIC ID is above 254, which xAPIC cannot hold: then x2APIC
 * stays and the call returns -EADDRNOTAVAIL. 0 otherwise. */
int lapic_choose_mode(bool allow_x2apic);
/* Enable the calling CPU's APIC in the chosen mode (software enable, spurious
 * vector 0xff). The boot CPU takes the PIC's interrupts through LINT0 (virtual
 * wire); other CPUs mask it. */
void lapic_enable(bool boot_cpu);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* The APIC timer, one-shot on LAPIC_TIMER_VECTOR (kernel/irq.c counts it and calls
 * lapic_timer_fired). Calibrated once against the TSC (divide by 16); 0 if there is
 * no APIC. lapic_timer_oneshot(0) stops it. */
#define LAPIC_TIMER_VECTOR 0xf0
uint64_t lapic_timer_calibrate(void);
void lapic_timer_oneshot(uint64_t us);
/* Uncalibrated: one-shot after ticks of the timer's input clock (divide by 1; 1 GHz
 * under QEMU, the bus or crystal clock on hardware): a bound that needs no
 * calibration, for waits that only must end. 0 stops it. */
void lapic_timer_arm(uint32_t ticks);
/* Timer interrupts taken on this CPU's APIC so far (all CPUs, summed). */
uint64_t lapic_timer_count(void);
void lapic_timer_fired(void);
/* Halt until cond(ctx) holds, checked at every interrupt (with interrupts off, so
 * none is missed between the check and the halt) and at least every slice ticks of
 * the timer (lapic_timer_arm), for at most ticks in all: true if cond held. The
 * interrupt flag is restored on return. Uses this CPU's timer. */
bool lapic_halt_until(bool (*cond)(const void *ctx), const void *ctx, uint64_t ticks,
		      uint32_t slice);

/* ICR low words: a fixed vector, INIT (level assert), STARTUP with a page number. */
#define LAPIC_ICR_FIXED(v)     ((uint32_t)(v) | 0x4000u)
#define LAPIC_ICR_INIT         0x4500u
#define LAPIC_ICR_STARTUP(pg)  (0x4600u | ((pg) & 0xffu))
/* Can an IPI name apic_id in this CPU's mode? x2APIC: any; xAPIC: up to 0xfe (the
 * destination is 8 bits, and 0xff means every CPU). */
bool lapic_can_name(uint32_t apic_id);
/* Send an IPI to apic_id: 0, -EINVAL for an ID the mode cannot name
 * (lapic_can_name), or -ETIMEDOUT if the previous one was never delivered (xAPIC
 * delivery status stuck). */
int lapic_send(uint32_t apic_id, uint32_t icr_low);
#endif
