/*
 * Late initcalls: what kmain runs once the console is up (after the banner, with
 * interrupts on), before `script=` and the shell, without naming it, so that an
 * optional part (a test instrument) needs no call from kmain. LATE_INITCALL(order,
 * fn) places void fn(void) in the .late_initcall section; kmain runs them in
 * order (two digits: the KHO self-test's resume at 10, ktest= at 20).
 */
#ifndef INITCALL_H
#define INITCALL_H
#include <types.h>

struct initcall {
	void (*fn)(void);
};
#define LATE_INITCALL(order, f)                                                       \
	static const struct initcall __late_initcall_##f                              \
		__section(".late_initcall." #order) __used                            \
		__aligned_entry(struct initcall) = { f }
#endif
