/*
 * Benchmark of kho/kho_radix.c (built -O2, no sanitizers): preserve 8 GiB as blocks
 * of one order, then walk the tree back. One JSON object per line:
 *   {"bench":"kho_radix","case":...,"blocks":N,"node_pages":P,
 *    "ns_per_add":A,"ns_per_walked_block":W,"walk_us":T}
 * Times are the best of REPS runs, each on a fresh tree. Node pages come from an
 * arena (physical ARENA_BASE + i * 4096), as in test_kho_radix.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../../kho/kho_internal.h"

#define PAGE        4096ull
#define ARENA_BASE  0x10000000000ull
#define ARENA_PAGES 1024u
#define REPS        5

static uint8_t *arena;
static unsigned arena_used;

static paddr_t arena_alloc(void *ctx)
{
	(void)ctx;
	if (arena_used >= ARENA_PAGES)
		return 0;
	memset(arena + arena_used * PAGE, 0, PAGE);
	return ARENA_BASE + arena_used++ * PAGE;
}

void *kho_phys_to_virt(paddr_t pa)
{
	return arena + (pa - ARENA_BASE);
}

static bool node_ok(paddr_t pa, void *arg)
{
	(void)arg;
	return pa >= ARENA_BASE && pa - ARENA_BASE < arena_used * PAGE;
}

static int count_block(paddr_t pa, unsigned order, void *arg)
{
	(void)pa;
	(void)order;
	++*(uint64_t *)arg;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int bench(const char *what, uint64_t size, unsigned order)
{
	static paddr_t visited[ARENA_PAGES];
	uint64_t n = size / (PAGE << order), seen = 0;
	double best_add = 1e30, best_walk = 1e30;
	struct kho_radix t;
	for (int rep = 0; rep < REPS; rep++) {
		arena_used = 0;
		if (kho_radix_init(&t, arena_alloc, NULL))
			return 1;
		double t0 = now_ns();
		for (uint64_t i = 0; i < n; i++)
			if (kho_radix_add(&t, i * (PAGE << order), order))
				return 1;
		double t1 = now_ns();
		struct kho_radix_walk w = { .node_ok = node_ok, .block = count_block, .arg = &seen,
					    .max_nodes = ARENA_PAGES, .visited = visited };
		seen = 0;
		if (kho_radix_walk(t.root, &w) || seen != n)
			return 1;
		double t2 = now_ns();
		if (t1 - t0 < best_add)
			best_add = t1 - t0;
		if (t2 - t1 < best_walk)
			best_walk = t2 - t1;
	}
	printf("{\"bench\":\"kho_radix\",\"case\":\"%s\",\"blocks\":%llu,\"node_pages\":%llu,"
	       "\"ns_per_add\":%.1f,\"ns_per_walked_block\":%.2f,\"walk_us\":%.1f}\n", what,
	       (unsigned long long)n, (unsigned long long)t.nodes, best_add / n, best_walk / n,
	       best_walk / 1e3);
	return 0;
}

int main(void)
{
	arena = aligned_alloc(PAGE, ARENA_PAGES * PAGE);
	if (!arena)
		return 1;
	int r = bench("8 GiB as order-9 blocks", 8ull << 30, 9) ||
		bench("8 GiB as order-0 pages", 8ull << 30, 0) ||
		bench("8 GiB as order-18 blocks", 8ull << 30, 18);
	free(arena);
	if (r)
		fprintf(stderr, "bench_kho_radix: tree operation failed\n");
	return r;
}
