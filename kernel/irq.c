/*
 * Interrupt routing: the legacy 8259 PICs, remapped to vectors 32-47 with every line
 * masked but COM1's, and the local APIC in virtual-wire mode (LINT0 = ExtINT,
 * LINT1 = NMI), so PIC interrupts reach the CPU whatever state the firmware left
 * the APIC in (OVMF and SeaBIOS differ). Spurious PIC interrupts (IRQ 7/15 with no
 * in-service bit) and the APIC's spurious vector 0xff get no EOI. The IPI vectors
 * go to kernel/smp.c; a vector a driver holds (lib/irq_vector.c, an MSI-X message
 * aimed at the boot CPU) runs its handler; any other vector is counted (and logged
 * once), never fatal. The APIC runs in x2APIC mode wherever the CPU has it, unless
 * the boot option nox2apic (Linux's) says xAPIC.
 */
#include <cmdline.h>
#include <irq_vector.h>
#include <lapic.h>
#include <layout.h>
#include <printk.h>
#include <serial.h>
#include <smp.h>
#include <trap.h>
#include <x86.h>

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI   0x20

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);              /* ICW1: init, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, IRQ_BASE);         /* ICW2: vector offsets */
	outb(PIC2_DATA, IRQ_BASE + 8);
	outb(PIC1_DATA, 4);                /* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);                /* ICW4: 8086 mode */
	outb(PIC2_DATA, 1);
	outb(PIC1_DATA, (uint8_t)~(1u << IRQ_COM1));
	outb(PIC2_DATA, 0xff);
}

/* A driver's wait for its vector: only on the CPU the vectors go to (the boot
 * CPU, where the console runs) and with interrupts on; anywhere else the caller
 * polls. The timer slice bounds what a lost interrupt costs. */
#define DRIVER_WAIT_SLICE (1u << 20)         /* about 1 ms under QEMU */

static struct irq_vector_cpu driver_cpu;

static bool driver_wait(irq_cond_fn cond, const void *ctx, uint64_t ticks)
{
	if (!(read_rflags() & (1u << 9)) || lapic_id() != driver_cpu.apic_id)
		return false;
	return lapic_halt_until(cond, ctx, ticks, DRIVER_WAIT_SLICE);
}

static bool nox2apic;

static int set_nox2apic(const char *v)
{
	return cmdline_flag(v, &nox2apic);
}
BOOT_PARAM("nox2apic", set_nox2apic);

void irq_init(void)
{
	pic_init();
	if (!lapic_present())              /* the PIC drives INTR directly; no MSI */
		return;
	if (lapic_choose_mode(!nox2apic))
		printk("lapic: warning: nox2apic ignored: this CPU's x2APIC ID is above 254, "
		       "which xAPIC mode cannot hold\n");
	lapic_enable(true);
	if (lapic_id() <= 0xff) {          /* an MSI address holds 8 bits of APIC ID */
		driver_cpu = (struct irq_vector_cpu){ .apic_id = lapic_id(), .wait = driver_wait };
		irq_vector_set_cpu(&driver_cpu);
	}
}

static bool pic_spurious(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1_CMD : PIC2_CMD;
	outb(port, 0x0b);                  /* OCW3: read in-service register */
	return !(inb(port) & (1u << (irq & 7)));
}

static uint64_t nspurious, nunknown;

uint64_t irq_spurious(void) { return nspurious; }
uint64_t irq_unknown(void) { return nunknown; }

void irq_dispatch(unsigned vector)
{
	if (vector == LAPIC_SPURIOUS_VECTOR) {
		__atomic_fetch_add(&nspurious, 1, __ATOMIC_RELAXED);
		return;                        /* no EOI for the APIC's spurious vector */
	}
	if (vector == LAPIC_TIMER_VECTOR) {
		lapic_timer_fired();
		lapic_eoi();
		return;
	}
	if (vector == SMP_CALL_VECTOR || vector == SMP_STOP_VECTOR) {
		smp_ipi(vector);
		return;
	}
	if (irq_vector_handle(vector)) {
		lapic_eoi();
		return;
	}
	if (vector >= IRQ_BASE + 16) {         /* nothing sends these: count, log once */
		if (!__atomic_fetch_add(&nunknown, 1, __ATOMIC_RELAXED))
			printk("irq: warning: unexpected vector %u (counted; later ones silently)\n",
			       vector);
		if (lapic_present())
			lapic_eoi();
		return;
	}
	unsigned irq = vector - IRQ_BASE;
	if ((irq == 7 || irq == 15) && pic_spurious(irq)) {
		if (irq == 15)
			outb(PIC1_CMD, PIC_EOI);  /* the master did see the cascade */
		return;
	}
	if (irq == IRQ_COM1)
		serial_irq();
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}
