/*
 * libFuzzer target for kho_block_read() in kho/kho_block.c: a handed-over block chain
 * is untrusted memory. The input describes an arena of up to 64 zeroed pages at
 * physical ARENA_BASE + i * 4096 by the words written into it, and the chain is read
 * from page 0:
 *
 *   byte 0      pages in the arena - 1 (mod 64)
 *   byte 1      bit 0: entries of 80 bytes (else 64); bit 1: fn fails on its third
 *               call; bits 2..7: the page block_ok refuses (0: none)
 *   bytes 2..3  expect, u16 LE; 0xffff stands for KHO_BLOCK_ANY
 *   then        11-byte records {u8 page; u16 word (mod 512); u64 value}, LE,
 *               each storing value into that word of page (page mod arena size);
 *               word 0 of a block is its next, word 1 its count
 *
 * Findings: any sanitizer report; a read that is outside the arena, not page aligned
 * or of a page block_ok did not accept first; block_ok given an unaligned address or
 * called more often than a loop-free walk allows (3 * pages + 2 for the checking pass,
 * pages for the delivering one); an entry handed to fn that is not inside an accepted
 * block, out of order, or at an index >= expect; and any result other than the one an
 * independent reference walk (a bitmap of pages seen, no cycle method) predicts:
 * 0 with exactly expect entries, fn's error on its third call, or -EINVAL with the
 * same why as the reference's first problem. FUZZ_KHO_VERBOSE=1 prints each read's
 * result (to replay an input). Seeds: tests/host/corpus/kho_block/ (this format).
 */
#include "fuzz_check.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <kho_block.h>
#include "../../kho/kho_internal.h"

#define PAGE       4096ull
#define MAX_PAGES  64
#define ARENA_BASE 0x1000ull
#define HEAD       4
#define REC        11
#define STOP_RC    (-ENOSPC)

/* Pages past npages are poisoned, so ASan also catches a read beyond the arena. */
static uint8_t arena[MAX_PAGES * PAGE] __attribute__((aligned(4096)));
static uint64_t dirty;                          /* pages written by the last input */
static unsigned npages, refuse;
static size_t entry_size;
static bool accepted[MAX_PAGES], stop;
static uint64_t ok_calls, calls, expect;

#define check(ok, what, v) fuzz_check(ok, "fuzz_kho_block", what, v)

static bool in_arena(paddr_t pa)
{
	return pa >= ARENA_BASE && pa - ARENA_BASE < npages * PAGE;
}

void *kho_phys_to_virt(paddr_t pa)
{
	check(in_arena(pa) && pa % PAGE == 0, "read outside the arena's pages", pa);
	check(accepted[(pa - ARENA_BASE) / PAGE], "read before block_ok accepted the page", pa);
	return arena + (pa - ARENA_BASE);
}

static bool block_ok(paddr_t pa, void *arg)
{
	(void)arg;
	ok_calls++;
	check(pa % PAGE == 0, "block_ok given an unaligned address", pa);
	if (!in_arena(pa) || (refuse && pa == ARENA_BASE + refuse * PAGE))
		return false;
	accepted[(pa - ARENA_BASE) / PAGE] = true;
	return true;
}

static int fn(const void *entry, uint64_t index, void *arg)
{
	(void)arg;
	uintptr_t e = (uintptr_t)entry, base = (uintptr_t)arena;
	check(e >= base && e - base < npages * PAGE, "entry outside the arena", index);
	uint64_t off = (e - base) % PAGE;
	check(accepted[(e - base) / PAGE], "entry in a block not accepted", index);
	check(off >= 16 && off + entry_size <= PAGE, "entry not inside its block", off);
	check(index == calls, "entries out of order", index);
	check(index < expect, "entry index at or past expect", index);
	calls++;
	return stop && calls == 3 ? STOP_RC : 0;
}

/* The reference: the first problem in chain order, with a bitmap of pages seen. */
static const char *reference(uint64_t *total_out)
{
	uint64_t seen = 0, total = 0, cap = kho_block_capacity(entry_size);
	for (paddr_t pa = ARENA_BASE; pa;) {
		if (pa % PAGE)
			return "block not page aligned";
		if (!in_arena(pa) || (refuse && pa == ARENA_BASE + refuse * PAGE))
			return "block refused by block_ok";
		unsigned p = (unsigned)((pa - ARENA_BASE) / PAGE);
		if (seen >> p & 1)
			return "cycle in the block chain";
		seen |= 1ull << p;
		const uint64_t *h = (const uint64_t *)(arena + p * PAGE);
		if (!h[1])
			return "block count is 0";
		if (h[1] > cap)
			return "block count above capacity";
		total += h[1];
		pa = h[0];
	}
	*total_out = total;
	if (expect != KHO_BLOCK_ANY && total != expect)
		return total < expect ? "fewer entries than expected" : "more entries than expected";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEAD)
		return 0;
	npages = data[0] % MAX_PAGES + 1;
	entry_size = data[1] & 1 ? 80 : 64;
	stop = data[1] & 2;
	refuse = data[1] >> 2;
	expect = (uint64_t)data[2] | (uint64_t)data[3] << 8;
	if (expect == 0xffff)
		expect = KHO_BLOCK_ANY;
	ASAN_UNPOISON_MEMORY_REGION(arena, sizeof(arena));
	for (unsigned p = 0; p < MAX_PAGES; p++)
		if (dirty >> p & 1)
			memset(arena + p * PAGE, 0, PAGE);
	dirty = 0;
	ASAN_POISON_MEMORY_REGION(arena + npages * PAGE, sizeof(arena) - npages * PAGE);
	for (size_t at = HEAD; at + REC <= size; at += REC) {
		unsigned page = data[at] % npages;
		uint16_t word;
		uint64_t value;
		memcpy(&word, data + at + 1, 2);
		memcpy(&value, data + at + 3, 8);
		((uint64_t *)(arena + page * PAGE))[word % 512] = value;
		dirty |= 1ull << page;
	}

	memset(accepted, 0, sizeof(accepted));
	ok_calls = calls = 0;
	const char *why = "stale";
	int r = kho_block_read(ARENA_BASE, entry_size, expect, block_ok, fn, NULL, &why);
	uint64_t total = 0;
	const char *want = reference(&total);
	if (getenv("FUZZ_KHO_VERBOSE"))         /* for replaying one input */
		fprintf(stderr, "read: %d (%s), %llu entries, %llu block_ok; reference: %s\n", r,
			why ? why : "why NULL", (unsigned long long)calls,
			(unsigned long long)ok_calls, want ? want : "fine");

	check(ok_calls <= 4ull * npages + 2, "block_ok called too often (a loop)", ok_calls);
	if (want) {
		check(r == -EINVAL, "a corrupt chain was not refused", (uint64_t)r);
		check(why && !strcmp(why, want), "why differs from the reference's", 0);
		check(calls == 0, "fn called for a corrupt chain", calls);
	} else if (stop && total >= 3) {
		check(r == STOP_RC && why == NULL && calls == 3, "fn's error not passed on",
		      (uint64_t)r);
	} else {
		check(r == 0 && why == NULL, "a sound chain was refused", (uint64_t)r);
		check(calls == total, "not every entry delivered", calls);
	}
	return 0;
}
