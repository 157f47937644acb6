/*
 * Lab 2 check (docs/labs.md): buddy_largest_free_order() in mm/lab_buddy_order.c,
 * over a zone on a static memmap: empty, one 4 MiB block, after allocations that
 * split it, after frees that merge it back, and full.
 */
#include <errno.h>
#include "../../mm/buddy_lab.h"
#include "host_test.h"

#define BASE   0x40000u          /* 1 GiB, in frames */
#define NPAGES 2048u             /* 8 MiB zone; 4 MiB of it is given */

static void test_largest_free_order(void **state)
{
	(void)state;
	static struct page map[NPAGES];
	static uint8_t sec[BUDDY_SEC_BYTES(NPAGES)];
	struct buddy b;
	buddy_init(&b, 1, BASE, NPAGES, map, sec);
	assert_int_equal(buddy_largest_free_order(&b), -ENOMEM);     /* nothing added */

	buddy_add_range(&b, BASE, 1024);                               /* one order-10 block */
	assert_int_equal(buddy_largest_free_order(&b), 10);
	uint64_t p0 = buddy_alloc(&b, 0);                              /* 9, 8, ..., 0 left */
	assert_int_equal(buddy_largest_free_order(&b), 9);
	uint64_t p9 = buddy_alloc(&b, 9);
	assert_int_equal(buddy_largest_free_order(&b), 8);
	buddy_add_range(&b, BASE + 1024 + 8, 8);                       /* an order-3 block */
	assert_int_equal(buddy_largest_free_order(&b), 8);
	buddy_free(&b, p9, 9);
	assert_int_equal(buddy_largest_free_order(&b), 9);
	buddy_free(&b, p0, 0);                                         /* merges back to 10 */
	assert_int_equal(buddy_largest_free_order(&b), 10);

	uint64_t big = buddy_alloc(&b, 10), small = buddy_alloc(&b, 3); /* all taken */
	assert_int_not_equal(big, BUDDY_NONE);
	assert_int_not_equal(small, BUDDY_NONE);
	assert_int_equal(buddy_largest_free_order(&b), -ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_largest_free_order) };
	return cmocka_run_group_tests_name("lab 2: the largest free order", tests, NULL, NULL);
}
