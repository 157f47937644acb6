/*
 * Lab 2 (docs/labs.md): the largest free order of a buddy zone. The stub below is
 * the starting point; `make lab-2` checks it (tests/labs/lab_buddy_order.c).
 */
#include <errno.h>
#include "buddy_lab.h"

int buddy_largest_free_order(const struct buddy *b)
{
	(void)b;
	return -ENOSYS;
}
