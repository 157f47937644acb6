/* Host panic(): record, then longjmp to the armed test or abort (see host_panic.h). */
#include <panic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "host_panic.h"

jmp_buf *panic_jmp;
char panic_msg[PANIC_MSG_MAX];
unsigned panic_count;

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	panic_count++;
	if (panic_jmp) {
		jmp_buf *jb = panic_jmp;
		panic_jmp = NULL;
		longjmp(*jb, 1);
	}
	fprintf(stderr, "panic: %s\n", panic_msg);
	abort();
}
