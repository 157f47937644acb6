/*
 * Fault injection: the one hook production code has for test instruments, in the
 * spirit of Linux's fault-injection framework. A production file marks a site,
 *
 *     err = fault_hook("memfd.preserve", ctx);
 *     if (err)
 *             return err;
 *
 * and a test instrument, in a file of its own, attaches a handler to the site:
 *
 *     FAULT_HANDLER("memfd.preserve", fn);       int fn(void *ctx)
 *
 * fault_hook() runs every handler of the site in link order and returns the first
 * non-zero result (the error to inject), else 0; a handler may also change the
 * bytes ctx points at (what the site documents), which is how a handover is broken
 * on purpose. Instruments arm themselves from the console (`luo inject`, `kho
 * corrupt`), so a handler does nothing until then.
 *
 * Built with KTEST=0 (the production build) there are no handlers: fault_hook() is
 * the constant 0, and a site costs nothing. Sites are few and never on a hot path.
 */
#ifndef FAULT_INJECT_H
#define FAULT_INJECT_H
#include <types.h>

struct fault_handler {
	const char *site;
	int (*fn)(void *ctx);
};

#ifdef CONFIG_KTEST
int fault_hook(const char *site, void *ctx);
#define FAULT_HANDLER(s, f)                                                           \
	static const struct fault_handler __fault_handler_##f                         \
		__section(".fault_handler") __used                                    \
		__aligned_entry(struct fault_handler) = { s, f }
#else
static inline int fault_hook(const char *site, void *ctx)
{
	(void)site;
	(void)ctx;
	return 0;
}
#endif
#endif
