/*
 * The buddy lab (docs/labs.md, lab 2): the function students write in
 * mm/lab_buddy_order.c. Built only by tests/labs/labs.mk, never into the kernel.
 */
#ifndef BUDDY_LAB_H
#define BUDDY_LAB_H
#include <buddy.h>

/* The order of the largest free block in zone b, or -ENOMEM if nothing is free. */
int buddy_largest_free_order(const struct buddy *b);
#endif
