/*
 * panic(), and the frame every fatal report shares (kernel/trap.c's exception report
 * is the other user): panic_begin() stops interrupts and flushes the log,
 * panic_end() prints the stack trace and a KTAP "Bail out!" line (so a ktest run
 * reads as aborted) and leaves QEMU with EXIT_PANIC. A panic while panicking stops
 * at once.
 */
#include <exit.h>
#include <panic.h>
#include <printk.h>
#include <x86.h>

static int panicking;

void panic_begin(void)
{
	cli();
	if (panicking++)
		qemu_exit(EXIT_PANIC);
	console_flush_for_panic();
}

__noreturn void panic_end(uint64_t rip, uint64_t rbp)
{
	stack_trace(rip, rbp);
	printk("Bail out! kernel panic\n");
	console_flush_for_panic();
	qemu_exit(EXIT_PANIC);
}

__noreturn void panic(const char *fmt, ...)
{
	panic_begin();
	va_list ap;
	va_start(ap, fmt);
	printk("Kernel panic: ");
	vprintk(fmt, ap);
	printk("\n");
	va_end(ap);
	panic_end(0, (uint64_t)__builtin_frame_address(0));
}

/* The stack protector's report: a smashed stack is a panic like any other. */
__noreturn void __stack_chk_fail(void)
{
	panic("stack protector: canary overwritten in %p", __builtin_return_address(0));
}
