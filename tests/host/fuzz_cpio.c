/*
 * libFuzzer target for boot/cpio.c: walk any bytes as a newc archive, the way
 * boot/modules.c does. Any sanitizer report, a result other than 1/0/-EINVAL, an
 * entry outside the buffer or an offset that does not advance is a finding.
 * Seeds: tests/host/corpus/cpio/ (tests/host/corpus/mkcorpus.py).
 */
#include <cpio.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR 110

static void check(bool ok, const char *what, size_t off)
{
	if (!ok) {
		fprintf(stderr, "fuzz_cpio: %s (entry at %zu)\n", what, off);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	struct cpio_entry e;
	int r;
	volatile uint8_t sum = 0;
	while ((r = cpio_next(data, size, &off, &e)) == 1) {
		size_t at = (size_t)(e.name - (const char *)data) - HDR;
		check(e.name >= (const char *)data + HDR && e.name_len < size, "name outside", at);
		check(e.name + e.name_len < (const char *)data + size && e.name[e.name_len] == 0,
		      "name not NUL-terminated inside the buffer", at);
		/* name_len is namesize - 1: padding NULs in the name field make it longer
		 * than strlen(name), never shorter. */
		check(strlen(e.name) <= e.name_len, "name_len shorter than the name", at);
		check(e.data_off <= size && e.size <= size - e.data_off, "data outside", at);
		check(e.data_off >= at + HDR + e.name_len + 1, "data over the header", at);
		check(off > at && off <= size, "offset did not advance within the buffer", at);
		for (size_t i = 0; i < e.size; i++)       /* let ASan check the range */
			sum += data[e.data_off + i];
	}
	check(r == 0 || r == -EINVAL, "unexpected result", off);
	if (r == 0) {
		check(off <= size, "trailer offset", off);
		check(strcmp(e.name, "TRAILER!!!") == 0, "trailer name", off);
	}
	(void)sum;
	return 0;
}
