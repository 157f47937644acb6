/*
 * libFuzzer target for boot/boot_info.c (the normaliser, no multiboot parsing).
 * The input is a list of 11-byte records:
 *     kind (1)  base shift (1)  size shift (1)  base (4, LE)  size (4, LE)
 * base = base32 << (shift % 37) and likewise for size, so small values, page
 * multiples, 2^52 crossings and 64-bit wraps are all a few mutations away. Bit 7 of
 * kind adds a module named after bits 0-2 ("" when 0, so modN), otherwise a memory
 * range of type kind % 8 (unknown types included). The kernel is [1 MiB, 2 MiB).
 *
 * Findings: a sanitizer report; an invariant of include/boot_info.h broken
 * (shim/boot_info_check.h); output RAM not covered by input RAM or touching input
 * non-RAM; a second boot_info_finish() that changes anything.
 */
#include <boot_info.h>
#include <bootproto.h>
#include <stdlib.h>
#include "boot_info_check.h"
#include "host_shim.h"

#define REC 11
#define LIMIT (1ull << 52)

static struct boot_info bi;
static char dump1[64 * 1024], dump2[64 * 1024];
static struct boot_mem_range in[BOOT_MEM_MAX];   /* what was accepted into the table */
static unsigned nin;

static void fail(const char *what)
{
	boot_info_dump(&bi, dump1, sizeof(dump1));
	fprintf(stderr, "fuzz_boot_info: %s\n%s", what, dump1);
	abort();
}

static uint64_t rd32(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

/* Is all of [a, b) covered by input ranges with (ram ? RAM : non-RAM) type? */
static bool covered(uint64_t a, uint64_t b, bool ram)
{
	while (a < b) {
		uint64_t next = a;
		for (unsigned i = 0; i < nin; i++)
			if ((in[i].type == BOOT_MEM_RAM) == ram && in[i].base <= a &&
			    a < in[i].base + in[i].size && in[i].base + in[i].size > next)
				next = in[i].base + in[i].size;
		if (next == a)
			return false;
		a = next;
	}
	return true;
}

static bool touches_non_ram(uint64_t a, uint64_t b)
{
	for (unsigned i = 0; i < nin; i++)
		if (in[i].type != BOOT_MEM_RAM && in[i].base < b && a < in[i].base + in[i].size)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[8] = { "", "a", "b", "c", "initrd", "mod1", "script", "baton" };
	boot_info_init(&bi, BOOT_PROTO_PVH, 0x100000, 0x200000);
	printk_log_reset();
	nin = 0;
	for (size_t p = 0; p + REC <= size; p += REC) {
		const uint8_t *r = data + p;
		uint64_t base = rd32(r + 3) << (r[1] % 37), len = rd32(r + 7) << (r[2] % 37);
		if (r[0] & 0x80) {
			const char *name = names[r[0] & 7];
			boot_info_add_module(&bi, base, len, name, strlen(name));
			continue;
		}
		unsigned before = bi.nmem;
		boot_info_add_mem(&bi, base, len, r[0] % 8);
		if (bi.nmem != before)
			in[nin++] = bi.mem[before];
		else if (len && base + len >= base && base + len <= LIMIT && bi.nmem < BOOT_MEM_MAX)
			fail("a sane range was not added");
	}
	boot_info_finish(&bi);
	const char *broken = boot_info_check(&bi);
	if (broken)
		fail(broken);
	for (unsigned i = 0; i < bi.nmem; i++) {
		const struct boot_mem_range *m = &bi.mem[i];
		bool ram = m->type == BOOT_MEM_RAM;
		if (!covered(m->base, m->base + m->size, ram))
			fail("output range not covered by input of its kind");
		if (ram && touches_non_ram(m->base, m->base + m->size))
			fail("RAM over a byte some input claims as non-RAM");
	}
	unsigned warnings = bi.warnings;
	boot_info_dump(&bi, dump1, sizeof(dump1));
	boot_info_finish(&bi);
	boot_info_dump(&bi, dump2, sizeof(dump2));
	if (strcmp(dump1, dump2) != 0 || bi.warnings != warnings)
		fail("second boot_info_finish() changed the table");
	return 0;
}
