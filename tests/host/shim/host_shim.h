/*
 * Host shim: the little the kernel sources under test need from the kernel that
 * glibc does not give. printk() formats with glibc's vsnprintf and appends to one
 * capture buffer, which the tests read back to assert a warning was (or was not)
 * logged; snprintf/vsnprintf, the string functions and errno values come from glibc
 * (Linux numbers, the same as include/libc/errno.h).
 *
 * The buffer holds what was printed since printk_log_reset(); when it fills up it
 * starts over (older text is lost) and printk_log_truncated() turns true. Set HOST_PRINTK=1 in the
 * environment to also copy every line to stderr.
 *
 * Note: glibc prints "%#llx" of 0 as "0", the kernel's format.c as "0x0"; goldens
 * that include printk text avoid zero values for that reason.
 */
#ifndef HOST_SHIM_H
#define HOST_SHIM_H
#include <stdbool.h>
#include <stddef.h>

#define PRINTK_LOG_MAX (256 * 1024)

void printk_log_reset(void);
const char *printk_log(void);                 /* everything captured, NUL-terminated */
bool printk_log_truncated(void);
unsigned printk_log_count(const char *needle);   /* non-overlapping occurrences */
#endif
