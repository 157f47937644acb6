/*
 * Lab 1 check (docs/labs.md): kho_radix_count_runs() in kho/lab_radix_runs.c. Each
 * case preserves a set of blocks in a fresh tree and expects the number of runs the
 * walk's run callback would see; a refused tree must give the walk's -EINVAL.
 */
#include <errno.h>
#include "../../kho/kho_lab.h"
#include "lab_arena.h"
#include "host_test.h"

#define MAX_NODES 64

struct blk { paddr_t pa; unsigned order; };
static const struct lab_case {
	const char *name;
	struct blk blocks[8];
	unsigned n;          /* blocks[0..n) are (pa, order) */
	uint64_t count;      /* blocks of 4 KiB from first_pa, added one by one */
	paddr_t first_pa;
	uint64_t runs;
} cases[] = {
	{ "empty tree", .runs = 0 },
	{ "one page", { { 16 * MiB, 0 } }, 1, .runs = 1 },
	{ "three touching pages", { { 16 * MiB, 0 }, { 16 * MiB + 4096, 0 },
				    { 16 * MiB + 8192, 0 } }, 3, .runs = 1 },
	{ "two pages apart", { { 16 * MiB, 0 }, { 16 * MiB + 8192, 0 } }, 2, .runs = 2 },
	{ "two 2 MiB blocks touching", { { 32 * MiB, 9 }, { 34 * MiB, 9 } }, 2, .runs = 1 },
	{ "touching blocks of two orders", { { 32 * MiB, 9 }, { 34 * MiB, 0 } }, 2, .runs = 2 },
	{ "200 pages across bitmap words", .count = 200, .first_pa = 64 * MiB - 100 * 4096,
	  .runs = 1 },
	{ "a run, a gap, a run", { { 8 * MiB, 0 }, { 8 * MiB + 4096, 0 }, { 9 * MiB, 0 },
				   { 9 * MiB + 4096, 0 }, { 9 * MiB + 8192, 0 } }, 5, .runs = 2 },
};

static void test_count_runs(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct lab_case *k = &cases[c];
		struct kho_radix t;
		paddr_t visited[MAX_NODES];
		arena_reset();
		assert_int_equal(kho_radix_init(&t, arena_alloc, NULL), 0);
		for (unsigned i = 0; i < k->n; i++)
			assert_int_equal(kho_radix_add(&t, k->blocks[i].pa, k->blocks[i].order), 0);
		for (uint64_t i = 0; i < k->count; i++)
			assert_int_equal(kho_radix_add(&t, k->first_pa + i * 4096, 0), 0);
		uint64_t runs = UINT64_MAX;
		int err = kho_radix_count_runs(t.root, visited, MAX_NODES, &runs);
		if (err || runs != k->runs)
			fail_msg("%s: expected 0 and %llu runs, got %d and %llu", k->name,
				 (unsigned long long)k->runs, err, (unsigned long long)runs);
	}
}

static void test_refused_tree(void **state)
{
	(void)state;
	paddr_t visited[MAX_NODES];
	uint64_t runs;
	assert_int_equal(kho_radix_count_runs(0, visited, MAX_NODES, &runs), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_runs),
		cmocka_unit_test(test_refused_tree),
	};
	return cmocka_run_group_tests_name("lab 1: count the runs", tests, NULL, NULL);
}
