/*
 * Forced in (-include) for the LUO sources built for test_luo (tests/host/host.mk):
 * the one libc function they use that glibc 2.36 lacks, defined in
 * shim/host_strlcpy.c with the kernel's semantics (include/libc/string.h). Also
 * forced into kho/kho_out.c for test_kho_out.
 */
#ifndef LUO_HOST_LIBC_H
#define LUO_HOST_LIBC_H
#include <stddef.h>
size_t strlcpy(char *dst, const char *src, size_t size);
#endif
