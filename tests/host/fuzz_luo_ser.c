/*
 * libFuzzer target for the luo-v5 reader in luo/luo_ser.c: a handed-over LUO state is
 * untrusted memory. The input describes an arena of up to 64 zeroed pages at physical
 * ARENA_BASE + i * 4096 by the words written into it; struct luo_ser is at page 0 and
 * every page of the arena counts as preserved:
 *
 *   byte 0      pages in the arena - 1 (mod 64)
 *   byte 1      the blob size KHO reports (luo_ser needs 32)
 *   then        11-byte records {u8 page; u16 word (mod 512); u64 value}, LE, each
 *               storing value into that word of page (page mod arena size).
 *               luo_ser: word 0 compatible, 1 liveupdate_num, 2 sessions_pa,
 *               3 flbs_pa; a block: word 0 next, 1 count, then entries of 10
 *               (session) or 8 (file) words; the FLB page: word 0 pgcnt, 1 count,
 *               then entries of 8 words.
 *
 * luo_ser_check runs; if it accepts, luo_ser_read and then luo_ser_release run.
 * Findings: any sanitizer report (pages past the arena are poisoned); a read
 * outside the arena or of a page preserved() did not accept first; preserved() or
 * kho_phys_to_virt() called more often than a loop-free walk allows; a callback given
 * a name that is empty or not NUL-terminated within its field, an FLB count 0, more
 * files than its session announced or fewer before the next session; the read
 * refusing a state the check accepted; release freeing a page outside the arena or
 * more pages than the walk could have met. Seeds: tests/host/corpus/luo_ser/.
 */
#include "fuzz_check.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <kho_block.h>
#include "../../kho/kho_internal.h"
#include "../../luo/luo_ser.h"

#define PAGE       4096ull
#define MAX_PAGES  64
#define ARENA_BASE 0x1000ull
#define HEAD       2
#define REC        11
/* Generous bounds for a walk that cannot loop: the session chain has at most 64
 * blocks (3264 records), each record's file chain is walked twice in check and twice
 * in read, each walk at most 3 * 64 + 2 blocks (a cycle is found by then). */
#define MAX_MAPS   (1ull << 24)

static uint8_t arena[MAX_PAGES * PAGE] __attribute__((aligned(4096)));
static uint64_t dirty;
static unsigned npages;
static bool accepted[MAX_PAGES];
static uint64_t maps, frees, sessions, files_left, files;

#define check(ok, what, v) fuzz_check(ok, "fuzz_luo_ser", what, v)

static bool in_arena(paddr_t pa)
{
	return pa >= ARENA_BASE && pa - ARENA_BASE < npages * PAGE;
}

void *kho_phys_to_virt(paddr_t pa)
{
	check(in_arena(pa), "read outside the arena", pa);
	check(accepted[(pa - ARENA_BASE) / PAGE], "read before preserved() accepted the page", pa);
	maps++;
	check(maps < MAX_MAPS, "too many reads (a loop)", maps);
	return arena + (pa - ARENA_BASE);
}

static bool preserved(paddr_t pa, uint64_t size)
{
	maps++;
	check(maps < MAX_MAPS, "too many preserved() calls (a loop)", maps);
	if (!in_arena(pa) || size > npages * PAGE || pa - ARENA_BASE > npages * PAGE - size)
		return false;
	for (uint64_t p = (pa - ARENA_BASE) / PAGE; p <= (pa - ARENA_BASE + size - 1) / PAGE; p++)
		accepted[p] = true;
	return true;
}

static void name_ok(const char *name, size_t field, const char *what)
{
	size_t n = strnlen(name, field);
	check(n > 0 && n < field, what, n);
}

static int on_flb(const char *name, uint64_t data, uint64_t count, void *arg)
{
	(void)data;
	(void)arg;
	name_ok(name, LUO_FLB_COMPAT_LENGTH, "FLB name");
	check(count != 0, "FLB count 0 delivered", count);
	return 0;
}

static int on_session(const char *name, uint64_t nfiles, void *arg)
{
	(void)arg;
	name_ok(name, LUO_SESSION_NAME_LENGTH, "session name");
	check(files_left == 0, "a session before the last one's files all came", files_left);
	files_left = nfiles;
	sessions++;
	return 0;
}

static int on_file(const char *compatible, uint64_t data, uint64_t token, void *arg)
{
	(void)data;
	(void)token;
	(void)arg;
	check(sessions && files_left, "a file outside its session's count", files);
	check(strnlen(compatible, LUO_HNDL_COMPAT_LENGTH) < LUO_HNDL_COMPAT_LENGTH,
	      "file compatible without NUL", files);
	files_left--;
	files++;
	return 0;
}

static void on_free(paddr_t pa, void *arg)
{
	(void)arg;
	check(in_arena(pa), "release freed a page outside the arena", pa);
	/* Session blocks and file blocks of every record, the FLB page, luo_ser. */
	frees++;
	check(frees <= 64 + 64ull * 51 * 64 + 2, "release freed too many pages", frees);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEAD)
		return 0;
	npages = data[0] % MAX_PAGES + 1;
	uint64_t blob = data[1];
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
	maps = frees = sessions = files_left = files = 0;
	const char *why = "stale";
	int r = luo_ser_check(ARENA_BASE, blob, preserved, &why);
	if (getenv("FUZZ_LUO_VERBOSE"))
		fprintf(stderr, "check: %d (%s)\n", r, why ? why : "accepted");
	if (r) {
		check(r == -EINVAL && why, "a refusal without why", (uint64_t)r);
		return 0;
	}
	check(why == NULL, "acceptance with a why", 0);
	static const struct luo_ser_read_ops ops = { on_flb, on_session, on_file };
	r = luo_ser_read(ARENA_BASE, preserved, &ops, NULL, &why);
	if (getenv("FUZZ_LUO_VERBOSE"))
		fprintf(stderr, "read: %d (%s), %llu sessions, %llu files\n", r,
			why ? why : "why NULL", (unsigned long long)sessions,
			(unsigned long long)files);
	/* The check covered everything but the FLB page's contents. */
	check(r == 0 || (r == -EINVAL && why && (!strcmp(why, "FLB page header") ||
						 !strcmp(why, "FLB record"))),
	      "read refused what check accepted", (uint64_t)r);
	if (r == 0)
		check(files_left == 0, "the last session's files did not all come", files_left);
	luo_ser_release(ARENA_BASE, on_free, NULL);
	return 0;
}
