/*
 * libFuzzer target for kho_radix_walk() in kho/kho_radix.c: a handover tree is
 * untrusted memory. The input describes an arena of up to 64 zeroed pages at
 * physical ARENA_BASE + i * 4096 (root = page 0) by the words written into it:
 *
 *   byte 0      pages in the arena - 1 (mod 64)
 *   byte 1      max_nodes (mod 80: below, at and above the arena size); bit 7 also
 *               makes block() fail on its third call
 *   then        11-byte records {u8 page; u16 word (mod 512); u64 value}, LE,
 *               each storing value into that word of page (page mod arena size)
 *
 * A record list rather than raw page images: nodes are 4 KiB and mostly zero, and
 * libFuzzer keeps inputs under 4 KiB by default; every arena with few non-zero words
 * is reachable. The base is small (0x1000) so that child pointers are short numbers.
 *
 * Findings: any sanitizer report; a page read that is outside the arena, not page
 * aligned or not accepted by node_ok() first; a result other than 0, -EINVAL or
 * block()'s error; why set other than with the walk's own -EINVAL; visited not
 * sorted and unique or over max_nodes; node_ok() called more often than the pages
 * read allow (a loop); a block whose order is above 18, that is misaligned, whose
 * key does not decode back to it, or whose bit is not set in the arena on its path.
 * FUZZ_KHO_VERBOSE=1 prints each walk's result (to replay an input). Seeds:
 * tests/host/corpus/kho_radix/ (the same record format).
 */
#include "fuzz_check.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include "../../kho/kho_internal.h"

#define PAGE       4096ull
#define MAX_PAGES  64
#define ARENA_BASE 0x1000ull
#define REC        11
#define STOP_RC    (-ENOSPC)

/* Pages past npages are poisoned, so ASan also catches a read beyond the arena. */
static uint8_t arena[MAX_PAGES * PAGE] __attribute__((aligned(4096)));
static uint64_t dirty;                          /* pages written by the last input */
static unsigned npages;
static bool accepted[MAX_PAGES];
static uint64_t node_ok_calls, blocks;
static bool stop;

#define check(ok, what, v) fuzz_check(ok, "fuzz_kho_radix", what, v)

static bool in_arena(paddr_t pa)
{
	return pa >= ARENA_BASE && pa - ARENA_BASE < npages * PAGE;
}

void *kho_phys_to_virt(paddr_t pa)
{
	check(in_arena(pa) && pa % PAGE == 0, "read outside the arena's pages", pa);
	check(accepted[(pa - ARENA_BASE) / PAGE], "read before node_ok accepted the page", pa);
	return arena + (pa - ARENA_BASE);
}

static bool node_ok(paddr_t pa, void *arg)
{
	(void)arg;
	node_ok_calls++;
	check(pa % PAGE == 0, "node_ok given an unaligned address", pa);
	if (!in_arena(pa))
		return false;
	accepted[(pa - ARENA_BASE) / PAGE] = true;
	return true;
}

static int block(paddr_t pa, unsigned order, void *arg)
{
	(void)arg;
	check(order <= KHO_MAX_ORDER, "order above 18", pa);
	check(pa % (PAGE << order) == 0, "block not aligned to its order", pa);
	uint64_t key = kho_radix_key(pa, order);
	paddr_t pa2;
	unsigned order2;
	check(kho_radix_decode(key, &pa2, &order2) && pa2 == pa && order2 == order,
	      "key does not decode back", pa);
	/* Its bit is set on its path: test() follows the same slots through pages the
	 * walk accepted. */
	struct kho_radix t = { .root = ARENA_BASE };
	check(kho_radix_test(&t, pa, order), "reported block's bit is not set", pa);
	blocks++;
	return stop && blocks == 3 ? STOP_RC : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	npages = data[0] % MAX_PAGES + 1;
	uint64_t max_nodes = (data[1] & 0x7f) % 80;
	stop = data[1] & 0x80;
	paddr_t *visited = malloc(max_nodes * sizeof(paddr_t));    /* exact size */
	check(visited || !max_nodes, "out of memory", 0);
	ASAN_UNPOISON_MEMORY_REGION(arena, sizeof(arena));
	for (unsigned p = 0; p < MAX_PAGES; p++)
		if (dirty >> p & 1)
			memset(arena + p * PAGE, 0, PAGE);
	dirty = 0;
	ASAN_POISON_MEMORY_REGION(arena + npages * PAGE, sizeof(arena) - npages * PAGE);
	for (size_t at = 2; at + REC <= size; at += REC) {
		unsigned page = data[at] % npages;
		uint16_t word;
		uint64_t value;
		memcpy(&word, data + at + 1, 2);
		memcpy(&value, data + at + 3, 8);
		((uint64_t *)(arena + page * PAGE))[word % 512] = value;
		dirty |= 1ull << page;
	}
	uint64_t bits = 0;
	for (unsigned p = 0; p < npages; p++)
		for (unsigned i = 0; dirty >> p & 1 && i < 512; i++)
			bits += (uint64_t)__builtin_popcountll(((uint64_t *)(arena + p * PAGE))[i]);

	memset(accepted, 0, sizeof(accepted));
	node_ok_calls = blocks = 0;
	struct kho_radix_walk w = { .node_ok = node_ok, .block = block, .max_nodes = max_nodes,
				    .visited = visited, .nvisited = 12345, .why = "stale" };
	int r = kho_radix_walk(ARENA_BASE, &w);
	if (getenv("FUZZ_KHO_VERBOSE"))         /* for replaying one input */
		fprintf(stderr, "walk: %d (%s), %llu pages, %llu blocks\n", r,
			w.why ? w.why : "why NULL", (unsigned long long)w.nvisited,
			(unsigned long long)blocks);

	check(r == 0 || r == -EINVAL || (r == STOP_RC && stop && blocks == 3), "unexpected result",
	      (paddr_t)r);
	check(r == -EINVAL ? w.why != NULL : w.why == NULL, "why does not match the result",
	      (paddr_t)r);
	check(w.nvisited <= max_nodes && w.nvisited <= npages, "too many pages visited",
	      w.nvisited);
	for (uint64_t i = 0; i < w.nvisited; i++) {
		check(in_arena(visited[i]), "visited page outside the arena", visited[i]);
		check(i == 0 || visited[i - 1] < visited[i], "visited not sorted and unique",
		      visited[i]);
	}
	/* No loop: each page is read once, so node_ok meets at most 512 pointers per
	 * table page visited, plus the root. */
	check(node_ok_calls <= w.nvisited * 512 + 1, "node_ok called too often", node_ok_calls);
	check(blocks <= bits, "more blocks than set bits", blocks);
	free(visited);
	return 0;
}
