/*
 * COM1, a 16550 UART at I/O port 0x3f8, 115200 8N1. Output is polled. Input is read
 * straight from the UART: the receive interrupt only wakes a halted CPU, so bytes
 * wait in the UART (and QEMU's backlog) until the shell reads them and none is lost.
 */
#ifndef SERIAL_H
#define SERIAL_H
#include <types.h>

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);
/* Next input byte; sleeps (hlt) until one arrives. */
int serial_getc(void);
/* Next input byte or -1 if none is waiting. */
int serial_trygetc(void);
/* Stop the UART interrupting (before kexec). */
void serial_quiesce(void);
/* Interrupt handler for IRQ 4 (kernel/irq.c calls it). */
void serial_irq(void);
#endif
