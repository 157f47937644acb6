/*
 * Lab 3 (docs/labs.md): find entry N of a KHO block chain. The stub below is the
 * starting point; `make lab-3` checks it (tests/labs/lab_block_get.c).
 */
#include <errno.h>
#include "kho_lab.h"

int kho_block_get(const struct kho_block_set *s, uint64_t index, void **entry)
{
	(void)s;
	(void)index;
	*entry = NULL;
	return -ENOSYS;
}
