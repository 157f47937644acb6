/*
 * Traps and interrupts. kernel/trap_entry.S saves every general register into a
 * struct trap_frame and calls trap_dispatch(). CPU exceptions (vectors 0-31) are
 * fatal: the register dump, a symbolised stack trace, then exit with EXIT_PANIC.
 * Vectors 32-47 are the legacy PIC's IRQs 0-15.
 */
#ifndef TRAP_H
#define TRAP_H
#include <types.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;    /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame matches trap_entry.S");

#define IRQ_BASE   32
#define IRQ_COM1   4

void gdt_init(void);                 /* the boot CPU's tables */
void idt_init(void);                 /* fill the IDT and load it (the boot CPU) */
/* Another CPU's: its own GDT and TSS (cpu_tables_size() bytes, from the caller),
 * and the shared IDT. */
struct cpu_tables;
size_t cpu_tables_size(void);
void gdt_load(struct cpu_tables *t);
void idt_load(void);
void irq_init(void);
/* Interrupts that were counted and dropped: the APIC's spurious vector, and vectors
 * nothing should send. */
uint64_t irq_spurious(void);
uint64_t irq_unknown(void);
void trap_dispatch(struct trap_frame *f);
#endif
