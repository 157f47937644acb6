/*
 * Fatal errors. panic() prints the message, a stack trace with symbol names and a
 * KTAP "Bail out!" line, then exits QEMU with EXIT_PANIC (include/exit.h).
 * BUG_ON(cond, fmt, ...) panics with the condition and values when cond holds.
 */
#ifndef PANIC_H
#define PANIC_H
#include <types.h>

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* The frame of every fatal report: panic_begin() stops interrupts (a second panic
 * exits at once) and flushes the log; the report follows; panic_end() adds the stack
 * trace from rip/rbp and leaves QEMU with EXIT_PANIC. */
void panic_begin(void);
__noreturn void panic_end(uint64_t rip, uint64_t rbp);
#define BUG_ON(cond, fmt, ...)                                                        \
	do {                                                                          \
		if (unlikely(cond))                                                   \
			panic("%s:%d: BUG_ON(%s): " fmt, __FILE__, __LINE__, #cond,   \
			      ##__VA_ARGS__);                                         \
	} while (0)

/* Print "  [<addr>] symbol+0xoff" lines: rip (unless 0), then the frame-pointer
 * chain from rbp. */
void stack_trace(uint64_t rip, uint64_t rbp);
/* Name of the text symbol containing addr, and the offset into it; NULL if none. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
#endif
