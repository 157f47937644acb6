/*
 * Lab 3 check (docs/labs.md): kho_block_get() in kho/lab_block_get.c. A chain of
 * 24-byte entries (170 to a block) each holding its own index; every index must be
 * found at the entry kho_block_append() gave, across blocks and after the tail
 * shrinks, and an index past the end must give -ENOENT.
 */
#include <errno.h>
#include "../../kho/kho_lab.h"
#include "lab_arena.h"
#include "host_test.h"

#define N 500

struct rec { uint64_t index, a, b; };

static void *made[N];

static void check_all(const struct kho_block_set *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		void *e = NULL;
		int err = kho_block_get(s, i, &e);
		if (err || e != made[i])
			fail_msg("index %llu of %llu: expected 0 and entry %p, got %d and %p",
				 (unsigned long long)i, (unsigned long long)n, made[i], err, e);
		assert_int_equal(((struct rec *)e)->index, i);
	}
	void *e;
	assert_int_equal(kho_block_get(s, n, &e), -ENOENT);
	assert_int_equal(kho_block_get(s, n + 1000, &e), -ENOENT);
}

static void test_block_get(void **state)
{
	(void)state;
	struct kho_block_set s;
	arena_reset();
	kho_block_set_init(&s, sizeof(struct rec), arena_alloc, arena_free, NULL);
	check_all(&s, 0);                                /* empty chain */
	for (uint64_t i = 0; i < N; i++) {
		assert_int_equal(kho_block_append(&s, &made[i]), 0);
		((struct rec *)made[i])->index = i;
	}
	assert_int_equal(s.nblocks, 3);
	check_all(&s, N);
	for (uint64_t n = N; n > 169; n--)               /* shrink to one block less one */
		assert_int_equal(kho_block_remove_last(&s), 0);
	assert_int_equal(s.nblocks, 1);
	check_all(&s, 169);
	kho_block_set_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_block_get) };
	return cmocka_run_group_tests_name("lab 3: entry N of a block chain", tests, NULL, NULL);
}
