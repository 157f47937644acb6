/* The kernel's freestanding <stdlib.h>: only what libfdt needs (lib/libc.c). */
#ifndef _BATON_STDLIB_H
#define _BATON_STDLIB_H
#include <stddef.h>
/* C semantics, except that overflow is not reported through errno (there is none):
 * the result saturates at ULONG_MAX. */
unsigned long strtoul(const char *nptr, char **endptr, int base);
#endif
