/*
 * 16550 driver for COM1 (see include/serial.h for the model). The receive interrupt
 * is armed only while the shell sleeps waiting for input; the handler disarms it and
 * leaves the byte in the UART, so flow control is QEMU's and nothing is dropped.
 */
#include <serial.h>
#include <x86.h>

#define COM1     0x3f8
#define RBR      0      /* receive buffer (read) */
#define THR      0      /* transmit holding (write) */
#define IER      1      /* interrupt enable */
#define FCR      2      /* FIFO control */
#define LCR      3      /* line control */
#define MCR      4      /* modem control */
#define LSR      5      /* line status */
#define LSR_DR   0x01   /* data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */

void serial_init(void)
{
	outb(COM1 + IER, 0);
	outb(COM1 + LCR, 0x80);  /* DLAB: divisor follows */
	outb(COM1 + 0, 1);       /* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + LCR, 0x03);  /* 8N1 */
	/* FCR is left alone: toggling the FIFO enable flushes bytes already received. */
	outb(COM1 + MCR, 0x0b);  /* DTR, RTS, OUT2 (routes the interrupt to the PIC) */
}

void serial_putc(char c)
{
	for (unsigned spins = 0; !(inb(COM1 + LSR) & LSR_THRE) && spins < 1000000; spins++)
		cpu_relax();
	outb(COM1 + THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

int serial_trygetc(void)
{
	if (inb(COM1 + LSR) & LSR_DR)
		return inb(COM1 + RBR);
	return -1;
}

int serial_getc(void)
{
	for (;;) {
		int c = serial_trygetc();
		if (c >= 0)
			return c;
		bool irqs_on = read_rflags() & 0x200;
		cli();
		outb(COM1 + IER, 0x01);          /* arm: received data available */
		if (inb(COM1 + LSR) & LSR_DR) {  /* a byte came in meanwhile */
			if (irqs_on)
				sti();
			continue;
		}
		if (!irqs_on) {                  /* early or panic context: poll */
			cpu_relax();
			continue;
		}
		sti_hlt();
	}
}

void serial_irq(void)
{
	outb(COM1 + IER, 0);                     /* disarm; the byte stays in the UART */
}

void serial_quiesce(void)
{
	outb(COM1 + IER, 0);
}
