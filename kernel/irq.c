/*
 * Interrupt routing: the legacy 8259 PICs, remapped to vectors 32-47 with every line
 * masked but COM1's, and the local APIC in virtual-wire mode (LINT0 = ExtINT,
 * LINT1 = NMI), so PIC interrupts reach the CPU whatever state the firmware left
 * the APIC in (OVMF and SeaBIOS differ). Spurious PIC interrupts (IRQ 7/15 with no
 * in-service bit) and the APIC's spurious vector 0xff get no EOI.
 */
#include <layout.h>
#include <printk.h>
#include <serial.h>
#include <trap.h>
#include <x86.h>

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI   0x20
#define MSR_APIC_BASE 0x1b
#define APIC_SVR   0xf0
#define APIC_LINT0 0x350
#define APIC_LINT1 0x360
#define APIC_SPURIOUS_VECTOR 0xff

static volatile uint32_t *lapic;

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

static void lapic_virtual_wire(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[3] & (1u << 9)))
		return;                        /* no local APIC: the PIC drives INTR */
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | (1u << 11));
	lapic = phys_to_virt(base & 0xffffff000ull);
	lapic[APIC_SVR / 4] = 0x100 | APIC_SPURIOUS_VECTOR;
	lapic[APIC_LINT0 / 4] = 0x700;     /* ExtINT, unmasked */
	lapic[APIC_LINT1 / 4] = 0x400;     /* NMI */
}

void irq_init(void)
{
	pic_init();
	lapic_virtual_wire();
}

static bool pic_spurious(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1_CMD : PIC2_CMD;
	outb(port, 0x0b);                  /* OCW3: read in-service register */
	return !(inb(port) & (1u << (irq & 7)));
}

void irq_dispatch(unsigned vector)
{
	if (vector == APIC_SPURIOUS_VECTOR)
		return;
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
