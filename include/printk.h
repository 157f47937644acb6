/*
 * Kernel output. printk() formats into the log and writes to the console (COM1).
 * Until console_start() has printed the boot banner, output is only kept in the log
 * and reaches the console right after the banner (the banner is always the first
 * line on the wire). "\n" goes out as "\r\n".
 *
 * Format: %d %i %u %x %X %p %s %c %% with l/ll/z/h/hh modifiers, width, '0' and
 * '-' flags, and precision for %s (%.*s). No floating point.
 */
#ifndef PRINTK_H
#define PRINTK_H
#include <types.h>
#include <stdarg.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);

/* The console device every logged byte goes to (before console_start()). */
void console_set_output(void (*write)(const char *s, size_t n));
/* Print the banner line, then everything logged before it. */
void console_start(const char *banner);
/* The line a panic before console_start() prints first, so a banner still leads. */
void console_set_early_banner(const char *banner);
/* Panic path: make sure everything logged has reached the wire. */
void console_flush_for_panic(void);
#endif
