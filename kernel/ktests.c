/*
 * In-kernel tests of kernel/ itself: formatting, strings, argument parsing, the
 * boot_info invariants as this boot produced them, and symbol lookup.
 */
#include <boot_info.h>
#include <cmdline.h>
#include <ktest.h>
#include <panic.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

KTEST(format, integers)
{
	char b[64];
	snprintf(b, sizeof(b), "%d|%5u|%-4x|%08llx|%#x|%i", -42, 7u, 0xabu, 0x1234ull, 0x10, 0);
	KT_EXPECT(strcmp(b, "-42|    7|ab  |00001234|0x10|0") == 0);
	snprintf(b, sizeof(b), "%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	KT_EXPECT(strcmp(b, "-9223372036854775808 18446744073709551615") == 0);
}

KTEST(format, strings_and_truncation)
{
	char b[8];
	KT_EXPECT_EQ(snprintf(b, sizeof(b), "%s-%.2s", "abcdef", "xyz"), 9);
	KT_EXPECT(strcmp(b, "abcdef-") == 0);
	const char *volatile null = NULL;  /* hidden from the format checker */
	KT_EXPECT_EQ(snprintf(b, sizeof(b), "%c%s", 'q', null), 7);
	KT_EXPECT(strcmp(b, "q(null)") == 0);
}

KTEST(string, memmove_overlap)
{
	char b[16] = "0123456789";
	memmove(b + 2, b, 8);
	KT_EXPECT(memcmp(b, "0101234567", 10) == 0);
	memmove(b, b + 2, 8);
	KT_EXPECT(memcmp(b, "0123456767", 10) == 0);
}

KTEST(shell, parse_numbers)
{
	uint64_t v;
	KT_EXPECT(parse_u64("0x1f", &v) == 0 && v == 0x1f);
	KT_EXPECT(parse_size("2M", &v) == 0 && v == 2 * MiB);
	KT_EXPECT(parse_size("1x", &v) < 0);
	KT_EXPECT(parse_u64("18446744073709551616", &v) < 0);
}

KTEST(shell, glob)
{
	KT_EXPECT(glob_match("format.*", "format.integers"));
	KT_EXPECT(glob_match("*", "a.b"));
	KT_EXPECT(!glob_match("f?rmat", "format.x"));
}

KTEST(boot, memory_map_invariants)
{
	const struct boot_info *bi = &boot_info;
	KT_ASSERT(bi->nmem > 0);
	KT_EXPECT(boot_info_ram_bytes(bi) > 0);
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		KT_EXPECT(r->size > 0);
		if (r->type == BOOT_MEM_RAM)
			KT_EXPECT(IS_ALIGNED(r->base, 4096) && IS_ALIGNED(r->size, 4096));
		if (i)
			KT_EXPECT(bi->mem[i - 1].base + bi->mem[i - 1].size <= r->base);
	}
}

KTEST(boot, kernel_image_in_ram)
{
	const struct boot_info *bi = &boot_info;
	bool found = false;
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (r->type == BOOT_MEM_RAM && bi->kernel_start >= r->base &&
		    bi->kernel_end <= r->base + r->size)
			found = true;
	}
	KT_EXPECT(found);
}

KTEST(ksyms, lookup)
{
	uint64_t off = ~0ull;
	const char *name = ksym_lookup((uint64_t)&ktest_run + 3, &off);
	KT_ASSERT(name != NULL);
	KT_EXPECT(strcmp(name, "ktest_run") == 0);
	KT_EXPECT_EQ(off, 3);
	KT_EXPECT(ksym_lookup(0x1000, &off) == NULL);
}
