/*
 * boot/boot_info.c on the host: memory-map normalisation and module validation.
 * Each case adds raw ranges (and modules) to a fresh boot_info, calls
 * boot_info_finish(), and compares the whole table (boot_info_dump(), format in
 * shim/boot_info_check.h) and the printk text with goldens. Every case also checks
 * the header's invariants and that a second boot_info_finish() changes nothing
 * (kernel/main.c calls it again after expanding cpio modules).
 *
 * printk goldens avoid address 0: glibc prints "%#llx" of 0 as "0", the kernel "0x0".
 */
#include <boot_info.h>
#include <bootproto.h>
#include <stdlib.h>
#include "boot_info_check.h"
#include "host_test.h"

#define RAM  BOOT_MEM_RAM
#define RES  BOOT_MEM_RESERVED
#define ACPI BOOT_MEM_ACPI
#define NVS  BOOT_MEM_NVS
#define BAD  BOOT_MEM_BAD
#define LIMIT (1ull << 52)

struct mem_in {
	paddr_t base;
	uint64_t size;
	uint32_t type;
};

struct mod_in {
	paddr_t base;
	uint64_t size;
	const char *name;
	size_t name_len;          /* 0: strlen(name) when name is set */
};

#define MAX_IN 12
struct bi_case {
	const char *what;
	paddr_t kstart, kend;
	unsigned nmem;
	struct mem_in mem[MAX_IN];
	unsigned nmod;
	struct mod_in mod[MAX_IN];
	const char *golden;
	const char *log;
};

static struct boot_info *new_bi(paddr_t kstart, paddr_t kend)
{
	struct boot_info *bi = malloc(sizeof(*bi));
	assert_non_null(bi);
	boot_info_init(bi, BOOT_PROTO_PVH, kstart, kend);
	printk_log_reset();
	return bi;
}

static void add_mod(struct boot_info *bi, const struct mod_in *m)
{
	size_t len = m->name_len ? m->name_len : m->name ? strlen(m->name) : 0;
	boot_info_add_module(bi, m->base, m->size, m->name, len);
}

/* finish(), check invariants, golden, log; finish() again changes nothing. */
static void finish_and_check(struct boot_info *bi, const char *what, const char *golden,
			     const char *log)
{
	static char dump[64 * 1024], again[64 * 1024];
	boot_info_finish(bi);
	boot_info_dump(bi, dump, sizeof(dump));
	const char *broken = boot_info_check(bi);
	if (broken)
		case_fail("%s: invariant broken: %s\n%s", what, broken, dump);
	if (golden && strcmp(dump, golden) != 0)
		case_fail("%s: golden mismatch\n--- expected\n%s--- actual\n%s---", what, golden,
			  dump);
	if (log && strcmp(printk_log(), log) != 0)
		case_fail("%s: printk mismatch\n--- expected\n%s--- actual\n%s---", what, log,
			  printk_log());
	printk_log_reset();
	boot_info_finish(bi);
	boot_info_dump(bi, again, sizeof(again));
	if (strcmp(dump, again) != 0 || printk_log()[0])
		case_fail("%s: second finish changed the table\n%s--- to\n%s--- log\n%s", what,
			  dump, again, printk_log());
}

static void run_cases(const struct bi_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bi_case *c = &cases[i];
		struct boot_info *bi = new_bi(c->kstart, c->kend);
		for (unsigned j = 0; j < c->nmem; j++)
			boot_info_add_mem(bi, c->mem[j].base, c->mem[j].size, c->mem[j].type);
		for (unsigned j = 0; j < c->nmod; j++)
			add_mod(bi, &c->mod[j]);
		finish_and_check(bi, c->what, c->golden, c->log);
		free(bi);
	}
}

static void test_mem_table(void **state)
{
	static const struct bi_case cases[] = {
		{ .what = "empty", .golden = "warnings 0\n", .log = "" },
		{
			.what = "unsorted input is sorted (QEMU-like map)",
			.nmem = 5,
			.mem = { { 0x100000, 0x7ee0000, RAM }, { 0xfffc0000, 0x40000, RES },
				 { 0x9fc00, 0x400, RES }, { 0, 0x9fc00, RAM },
				 { 0xf0000, 0x10000, RES } },
			.golden = "mem 0000000000000-000000009f000 ram\n"
				  "mem 000000009fc00-00000000a0000 reserved\n"
				  "mem 00000000f0000-0000000100000 reserved\n"
				  "mem 0000000100000-0000007fe0000 ram\n"
				  "mem 00000fffc0000-0000100000000 reserved\n"
				  "warnings 0\n",
			.log = "",
		},
		{
			.what = "reserved inside RAM wins, RAM split",
			.nmem = 2,
			.mem = { { 0x100000, 0x200000, RAM }, { 0x180000, 0x1000, RES } },
			.golden = "mem 0000000100000-0000000180000 ram\n"
				  "mem 0000000180000-0000000181000 reserved\n"
				  "mem 0000000181000-0000000300000 ram\n"
				  "warnings 1\n",
			.log = "boot: warning: memory ranges overlap: [0x100000+0x200000] ram and "
			       "[0x180000+0x1000] reserved; not RAM\n",
		},
		{
			.what = "reserved wins whatever the order",
			.nmem = 2,
			.mem = { { 0x180000, 0x1000, RES }, { 0x100000, 0x200000, RAM } },
			.golden = "mem 0000000100000-0000000180000 ram\n"
				  "mem 0000000180000-0000000181000 reserved\n"
				  "mem 0000000181000-0000000300000 ram\n"
				  "warnings 1\n",
			.log = "boot: warning: memory ranges overlap: [0x180000+0x1000] reserved and "
			       "[0x100000+0x200000] ram; not RAM\n",
		},
		{
			.what = "partial overlap at both ends",
			.nmem = 3,
			.mem = { { 0x100000, 0x100000, RAM }, { 0xff000, 0x2000, RES },
				 { 0x1ff000, 0x2000, ACPI } },
			.golden = "mem 00000000ff000-0000000101000 reserved\n"
				  "mem 0000000101000-00000001ff000 ram\n"
				  "mem 00000001ff000-0000000201000 acpi\n"
				  "warnings 2\n",
		},
		{
			.what = "reserved cutting a partial page trims the RAM around it",
			.nmem = 2,
			.mem = { { 0x100000, 0x200000, RAM }, { 0x180800, 0x100, RES } },
			.golden = "mem 0000000100000-0000000180000 ram\n"
				  "mem 0000000180800-0000000180900 reserved\n"
				  "mem 0000000181000-0000000300000 ram\n"
				  "warnings 1\n",
		},
		{
			.what = "RAM inside reserved disappears",
			.nmem = 2,
			.mem = { { 0x100000, 0x100000, RES }, { 0x140000, 0x10000, RAM } },
			.golden = "mem 0000000100000-0000000200000 reserved\n"
				  "warnings 1\n",
		},
		{
			.what = "RAM partial pages trimmed, sub-page RAM dropped",
			.nmem = 3,
			.mem = { { 0x500, 0x9f700, RAM }, { 0x100100, 0x800, RAM },
				 { 0x200001, 0x2ffe, RAM } },
			.golden = "mem 0000000001000-000000009f000 ram\n"
				  "mem 0000000201000-0000000202000 ram\n"
				  "warnings 0\n",
			.log = "",
		},
		{
			.what = "non-RAM keeps its exact bounds",
			.nmem = 2,
			.mem = { { 0x9fc00, 0x400, RES }, { 0x7fe0123, 0x1, NVS } },
			.golden = "mem 000000009fc00-00000000a0000 reserved\n"
				  "mem 0000007fe0123-0000007fe0124 nvs\n"
				  "warnings 0\n",
		},
		{
			.what = "zero-size ranges dropped silently",
			.nmem = 3,
			.mem = { { 0x1000, 0, RAM }, { 0x5000, 0, RES }, { 0x2000, 0x1000, RAM } },
			.golden = "mem 0000000002000-0000000003000 ram\n"
				  "warnings 0\n",
			.log = "",
		},
		{
			.what = "ranges crossing 2^52 or wrapping dropped with a warning",
			.nmem = 6,
			.mem = { { LIMIT - 0x1000, 0x2000, RAM }, { LIMIT, 0x1000, RES },
				 { LIMIT - 0x1000, 0x1000, RAM }, { 0xfffffffffffff000, 0x2000, RES },
				 { UINT64_MAX, 1, RAM }, { 0x1000, UINT64_MAX, RAM } },
			.golden = "mem ffffffffff000-10000000000000 ram\n"
				  "warnings 5\n",
			.log = "boot: warning: dropped absurd memory range [0xffffffffff000+0x2000]\n"
			       "boot: warning: dropped absurd memory range [0x10000000000000+0x1000]\n"
			       "boot: warning: dropped absurd memory range [0xfffffffffffff000+0x2000]\n"
			       "boot: warning: dropped absurd memory range [0xffffffffffffffff+0x1]\n"
			       "boot: warning: dropped absurd memory range [0x1000+0xffffffffffffffff]\n",
		},
		{
			.what = "adjacent and overlapping ranges of one type merged",
			.nmem = 7,
			.mem = { { 0x1000, 0x1000, RAM }, { 0x2000, 0x3000, RAM },
				 { 0x5000, 0x1000, RES }, { 0x6000, 0x1000, RES },
				 { 0x7000, 0x1000, RAM }, { 0x10000, 0x10000, RAM },
				 { 0x18000, 0x18000, RAM } },
			.golden = "mem 0000000001000-0000000005000 ram\n"
				  "mem 0000000005000-0000000007000 reserved\n"
				  "mem 0000000007000-0000000008000 ram\n"
				  "mem 0000000010000-0000000030000 ram\n"
				  "warnings 0\n",
			.log = "",
		},
		{
			.what = "identical duplicates collapse",
			.nmem = 3,
			.mem = { { 0x100000, 0x1000, RAM }, { 0x100000, 0x1000, RAM },
				 { 0x100000, 0x1000, RAM } },
			.golden = "mem 0000000100000-0000000101000 ram\n"
				  "warnings 0\n",
		},
		{
			.what = "among non-RAM the higher type wins (as e820)",
			.nmem = 3,
			.mem = { { 0x10000, 0x10000, RES }, { 0x18000, 0x10000, ACPI },
				 { 0x1c000, 0x1000, BAD } },
			.golden = "mem 0000000010000-0000000018000 reserved\n"
				  "mem 0000000018000-000000001c000 acpi\n"
				  "mem 000000001c000-000000001d000 bad\n"
				  "mem 000000001d000-0000000028000 acpi\n"
				  "warnings 3\n",
		},
		{
			.what = "unknown types become reserved",
			.nmem = 3,
			.mem = { { 0x1000, 0x1000, 0 }, { 0x2000, 0x1000, 7 },
				 { 0x3000, 0x1000, 0xffffffff } },
			.golden = "mem 0000000001000-0000000004000 reserved\n"
				  "warnings 0\n",
		},
		{
			.what = "holes stay holes",
			.nmem = 2,
			.mem = { { 0x1000, 0x1000, RAM }, { 0x10000, 0x1000, RAM } },
			.golden = "mem 0000000001000-0000000002000 ram\n"
				  "mem 0000000010000-0000000011000 ram\n"
				  "warnings 0\n",
		},
	};
	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

/* A map for the module cases: kernel at [1 MiB, 2 MiB). */
#define MOD_MAP                                                                        \
	.kstart = 0x100000, .kend = 0x200000, .nmem = 3,                               \
	.mem = { { 0x1000, 0x9e000, RAM }, { 0xf0000, 0x10000, RES },                  \
		 { 0x100000, 0x7f00000, RAM } }
#define MOD_MAP_GOLDEN                                                                 \
	"mem 0000000001000-000000009f000 ram\n"                                         \
	"mem 00000000f0000-0000000100000 reserved\n"                                    \
	"mem 0000000100000-0000008000000 ram\n"

static void test_module_table(void **state)
{
	static const struct bi_case cases[] = {
		{
			.what = "valid modules kept in order, any size",
			MOD_MAP, .nmod = 3,
			.mod = { { 0x400000, 0x1234, "initrd" }, { 0x200000, 0x1000, "next-to-kernel" },
				 { 0x2000, 0x10, "low" } },
			.golden = MOD_MAP_GOLDEN
				  "mod 0000000400000-0000000401234 initrd\n"
				  "mod 0000000200000-0000000201000 next-to-kernel\n"
				  "mod 0000000002000-0000000002010 low\n"
				  "warnings 0\n",
			.log = "",
		},
		{
			.what = "modules outside RAM dropped",
			MOD_MAP, .nmod = 5,
			.mod = { { 0xa0000, 0x1000, "hole" }, { 0xf0000, 0x1000, "reserved" },
				 { 0x9e000, 0x2000, "straddle" }, { 0x8000000, 0x1, "above" },
				 { 0x7fff000, 0x1000, "last-page" } },
			.golden = MOD_MAP_GOLDEN
				  "mod 0000007fff000-0000008000000 last-page\n"
				  "warnings 4\n",
			.log = "boot: module 'hole':\n"
			       "boot: warning: dropped module outside RAM [0xa0000+0x1000]\n"
			       "boot: module 'reserved':\n"
			       "boot: warning: dropped module outside RAM [0xf0000+0x1000]\n"
			       "boot: module 'straddle':\n"
			       "boot: warning: dropped module outside RAM [0x9e000+0x2000]\n"
			       "boot: module 'above':\n"
			       "boot: warning: dropped module outside RAM [0x8000000+0x1]\n",
		},
		{
			.what = "modules over the kernel dropped",
			MOD_MAP, .nmod = 3,
			.mod = { { 0x1ff000, 0x2000, "tail" }, { 0x100000, 0x1, "head" },
				 { 0x180000, 0x1000, "inside" } },
			.golden = MOD_MAP_GOLDEN "warnings 3\n",
			.log = "boot: module 'tail':\n"
			       "boot: warning: dropped module over the kernel image [0x1ff000+0x2000]\n"
			       "boot: module 'head':\n"
			       "boot: warning: dropped module over the kernel image [0x100000+0x1]\n"
			       "boot: module 'inside':\n"
			       "boot: warning: dropped module over the kernel image [0x180000+0x1000]\n",
		},
		{
			.what = "overlapping modules: the later one dropped",
			MOD_MAP, .nmod = 3,
			.mod = { { 0x500000, 0x2000, "a" }, { 0x501fff, 0x1000, "b" },
				 { 0x502000, 0x1000, "c" } },
			.golden = MOD_MAP_GOLDEN
				  "mod 0000000500000-0000000502000 a\n"
				  "mod 0000000502000-0000000503000 c\n"
				  "warnings 1\n",
			.log = "boot: module 'b':\n"
			       "boot: warning: dropped module overlapping another [0x501fff+0x1000]\n",
		},
		{
			.what = "duplicate names: the later one dropped",
			MOD_MAP, .nmod = 3,
			.mod = { { 0x600000, 0x1000, "x" }, { 0x700000, 0x1000, "x" },
				 { 0x800000, 0x1000, "X" } },
			.golden = MOD_MAP_GOLDEN
				  "mod 0000000600000-0000000601000 x\n"
				  "mod 0000000800000-0000000801000 X\n"
				  "warnings 1\n",
			.log = "boot: module 'x':\n"
			       "boot: warning: dropped module with a duplicate name [0x700000+0x1000]\n",
		},
		{
			.what = "a dropped module does not claim its name",
			MOD_MAP, .nmod = 2,
			.mod = { { 0xa0000, 0x1000, "x" }, { 0x700000, 0x1000, "x" } },
			.golden = MOD_MAP_GOLDEN
				  "mod 0000000700000-0000000701000 x\n"
				  "warnings 1\n",
		},
		{
			.what = "empty and wrapping modules dropped",
			MOD_MAP, .nmod = 2,
			.mod = { { 0x400000, 0, "empty" }, { 0xfffffffffffff000, 0x2000, "wrap" } },
			.golden = MOD_MAP_GOLDEN "warnings 2\n",      /* log has a 0: not compared */
		},
		{
			.what = "unnamed modules are modN (N = index when added)",
			MOD_MAP, .nmod = 5,
			.mod = { { 0x300000, 0x1000, NULL }, { 0x301000, 0x1000, "named" },
				 { 0x302000, 0x1000, "", 5 }, { 0x303000, 0x1000, "abc\0def", 7 },
				 { 0x304000, 0x1000, "abcdef", 4 } },
			.golden = MOD_MAP_GOLDEN
				  "mod 0000000300000-0000000301000 mod0\n"
				  "mod 0000000301000-0000000302000 named\n"
				  "mod 0000000302000-0000000303000 mod2\n"
				  "mod 0000000303000-0000000304000 abc\n"
				  "mod 0000000304000-0000000305000 abcd\n"
				  "warnings 0\n",
		},
		{
			.what = "a name equal to an automatic one is a duplicate",
			MOD_MAP, .nmod = 2,
			.mod = { { 0x300000, 0x1000, NULL }, { 0x301000, 0x1000, "mod0" } },
			.golden = MOD_MAP_GOLDEN
				  "mod 0000000300000-0000000301000 mod0\n"
				  "warnings 1\n",
		},
		{
			.what = "a module over a reserved range inside RAM",
			.kstart = 0x100000, .kend = 0x200000, .nmem = 2,
			.mem = { { 0x100000, 0x1000000, RAM }, { 0x400000, 0x1000, RES } },
			.nmod = 1,
			.mod = { { 0x3ff000, 0x2000, "over-hole" } },
			.golden = "mem 0000000100000-0000000400000 ram\n"
				  "mem 0000000400000-0000000401000 reserved\n"
				  "mem 0000000401000-0000001100000 ram\n"
				  "warnings 2\n",
		},
	};
	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

static void test_module_long_name(void **state)
{
	(void)state;
	char name[200];
	memset(name, 'n', sizeof(name));
	struct boot_info *bi = new_bi(0, 0);
	boot_info_add_mem(bi, 0x100000, 0x100000, RAM);
	boot_info_add_module(bi, 0x100000, 0x1000, name, sizeof(name));
	boot_info_finish(bi);
	assert_int_equal(bi->nmod, 1);
	assert_int_equal(strlen(bi->mod[0].name), BOOT_MOD_NAME_MAX - 1);
	assert_int_equal(bi->warnings, 0);
	free(bi);
}

/* BOOT_MEM_MAX ranges fit; the next one is dropped with a warning at add time. */
static void test_mem_table_full(void **state)
{
	(void)state;
	struct boot_info *bi = new_bi(0, 0);
	for (unsigned i = 0; i <= BOOT_MEM_MAX; i++)
		boot_info_add_mem(bi, 0x100000 + i * 0x2000ull, 0x1000, RAM);
	assert_int_equal(bi->nmem, BOOT_MEM_MAX);
	assert_int_equal(bi->warnings, 1);
	assert_golden(printk_log(), "boot: warning: dropped memory range beyond the table "
				    "[0x300000+0x1000]\n");
	printk_log_reset();
	finish_and_check(bi, "full table", NULL, "");
	assert_int_equal(bi->nmem, BOOT_MEM_MAX);
	assert_int_equal(bi->mem[BOOT_MEM_MAX - 1].base, 0x100000 + (BOOT_MEM_MAX - 1) * 0x2000ull);
	free(bi);
}

/* 1 RAM range cut by 255 reserved ones makes 511 pieces: the first BOOT_MEM_MAX are
 * kept, each later one is dropped with a warning (a dropped piece is a hole). */
static void test_mem_normalise_overflow(void **state)
{
	(void)state;
	struct boot_info *bi = new_bi(0, 0);
	boot_info_add_mem(bi, 0x100000, 0x200000, RAM);
	for (unsigned i = 0; i < BOOT_MEM_MAX - 1; i++)
		boot_info_add_mem(bi, 0x101000 + i * 0x2000ull, 0x1000, RES);
	assert_int_equal(bi->warnings, 0);
	boot_info_finish(bi);
	assert_null(boot_info_check(bi));
	assert_int_equal(bi->nmem, BOOT_MEM_MAX);
	assert_int_equal(bi->mem[0].base, 0x100000);
	assert_int_equal(bi->mem[0].type, RAM);
	assert_int_equal(bi->mem[BOOT_MEM_MAX - 1].base, 0x100000 + (BOOT_MEM_MAX - 1) * 0x1000ull);
	assert_int_equal(bi->mem[BOOT_MEM_MAX - 1].type, RES);     /* 256th piece: odd index */
	/* 255 overlaps (8 printed, then one summary line), then 511 - 256 = 255 pieces
	 * beyond the table. */
	assert_int_equal(printk_log_count("memory ranges overlap"), 8);
	assert_int_equal(printk_log_count("247 more overlapping pairs"), 1);
	assert_int_equal(printk_log_count("dropped memory range beyond the table"), 255);
	assert_int_equal(bi->warnings, 2 * (BOOT_MEM_MAX - 1));
	assert_false(printk_log_truncated());
	free(bi);
}

/* BOOT_MOD_MAX modules fit; the next is dropped with a warning at add time. */
static void test_module_table_full(void **state)
{
	(void)state;
	struct boot_info *bi = new_bi(0, 0);
	boot_info_add_mem(bi, 0x100000, 0x1000000, RAM);
	for (unsigned i = 0; i <= BOOT_MOD_MAX; i++)
		boot_info_add_module(bi, 0x100000 + i * 0x1000ull, 0x1000, NULL, 0);
	assert_int_equal(bi->nmod, BOOT_MOD_MAX);
	assert_golden(printk_log(), "boot: warning: dropped module beyond the table "
				    "[0x120000+0x1000]\n");
	printk_log_reset();
	finish_and_check(bi, "full module table", NULL, "");
	assert_int_equal(bi->nmod, BOOT_MOD_MAX);
	assert_string_equal(bi->mod[BOOT_MOD_MAX - 1].name, "mod31");
	assert_int_equal(bi->warnings, 1);
	free(bi);
}

static void test_helpers(void **state)
{
	(void)state;
	assert_string_equal(boot_mem_type_name(RAM), "ram");
	assert_string_equal(boot_mem_type_name(RES), "reserved");
	assert_string_equal(boot_mem_type_name(ACPI), "acpi");
	assert_string_equal(boot_mem_type_name(NVS), "nvs");
	assert_string_equal(boot_mem_type_name(BAD), "bad");
	assert_string_equal(boot_mem_type_name(0), "?");
	assert_string_equal(boot_mem_type_name(6), "?");

	/* boot_module_find() and the RAM total read the global boot_info. */
	boot_info_init(&boot_info, BOOT_PROTO_MB2, 0x100000, 0x200000);
	boot_info_add_mem(&boot_info, 0x1000, 0x9e000, RAM);
	boot_info_add_mem(&boot_info, 0x100000, 0x100000, RAM);
	boot_info_add_mem(&boot_info, 0xf0000, 0x10000, RES);
	boot_info_add_module(&boot_info, 0x2000, 0x100, "script", 6);
	boot_info_finish(&boot_info);
	assert_int_equal(boot_info_ram_bytes(&boot_info), 0x9e000 + 0x100000);
	const struct boot_module *m = boot_module_find("script");
	assert_non_null(m);
	assert_int_equal(m->base, 0x2000);
	assert_null(boot_module_find("scrip"));
	assert_null(boot_module_find(""));
	assert_int_equal(boot_info.proto, BOOT_PROTO_MB2);
	assert_int_equal(boot_info.kernel_end, 0x200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mem_table, host_reset_log),
		cmocka_unit_test_setup(test_module_table, host_reset_log),
		cmocka_unit_test_setup(test_module_long_name, host_reset_log),
		cmocka_unit_test_setup(test_mem_table_full, host_reset_log),
		cmocka_unit_test_setup(test_mem_normalise_overflow, host_reset_log),
		cmocka_unit_test_setup(test_module_table_full, host_reset_log),
		cmocka_unit_test_setup(test_helpers, host_reset_log),
	};
	return cmocka_run_group_tests_name("boot_info", tests, NULL, NULL);
}
