/*
 * Interrupt routing: the legacy 8259 PICs, remapped to vectors 32-47 with every line
 * masked but COM1's, and the local APIC in virtual-wire mode (LINT0 = ExtINT,
 * LINT1 = NMI), so PIC interrupts reach the CPU whatever state the firmware left
 * the APIC in (OVMF and SeaBIOS differ). Spurious PIC interrupts (IRQ 7/15 with no
 * in-service bit) and the APIC's spurious vector 0xff get no EOI. The IPI vectors
 * go to kernel/smp.c; any other vector is counted (and logged once), never fatal.
 */
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

void irq_init(void)
{
	pic_init();
	if (lapic_present())               /* else the PIC drives INTR directly */
		lapic_enable(true);
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
