/* strlcpy for the kernel sources built on the host (glibc 2.36 has none), with
 * lib/string.c's semantics; shim/luo_host_libc.h declares it. */
#include <string.h>
#include "luo_host_libc.h"

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}
