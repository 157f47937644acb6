/*
 * mm/memblock.c on the host. "Physical" addresses below ARENA_SIZE are backed by an
 * mmap'ed arena (memblock_virt(), the platform hook), so the region tables can grow
 * into memory that memblock hands itself, as in the kernel.
 *
 * Each table case starts from memblock_init(), runs a list of operations with the
 * result each must give (return code, allocated address, query answer) and compares
 * the whole state with a golden dump (mb_dump(): the three tables, the free ranges
 * from memblock_for_each_free(), and each table's count and capacity). After every
 * operation the tables' invariants are checked: sorted, non-empty, neither
 * overlapping nor touching, cnt <= max.
 */
#include <errno.h>
#include <memblock.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "host_test.h"

#define ARENA_SIZE (64 * MiB)
static uint8_t *arena;

void *memblock_virt(paddr_t pa)
{
	if (!arena || pa >= ARENA_SIZE) {
		fprintf(stderr, "memblock_virt(%#llx): outside the test arena\n",
			(unsigned long long)pa);
		abort();
	}
	return arena + pa;
}

/* The physical address a table lives at (it must be in the arena or static). */
static paddr_t table_pa(const struct memblock_type *t)
{
	const uint8_t *p = (const uint8_t *)t->regions;
	return p >= arena && p < arena + ARENA_SIZE ? (paddr_t)(p - arena) : 0;
}

static int arena_setup(void **state)
{
	(void)state;
	arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return arena == MAP_FAILED ? -1 : 0;
}

static int arena_teardown(void **state)
{
	(void)state;
	return munmap(arena, ARENA_SIZE);
}

/* ---- dump and invariants ---- */

struct dump_buf {
	char *out;
	size_t size, len;
};

static void dump_put(struct dump_buf *d, const char *what, paddr_t base, uint64_t size)
{
	if (d->len < d->size)
		d->len += (size_t)snprintf(d->out + d->len, d->size - d->len,
					   "%-8s %013llx-%013llx\n", what, (unsigned long long)base,
					   (unsigned long long)(base + size));
}

static void dump_free(paddr_t base, uint64_t size, void *arg)
{
	dump_put(arg, "free", base, size);
}

/*
 * Golden format: [base, end) in 13 hex digits, one line per entry, tables in the
 * order memory, reserved, scratch, then the free ranges, then the counts:
 *     memory   0000000100000-0000000300000
 *     reserved 0000000180000-0000000181000
 *     free     0000000100000-0000000180000
 *     free     0000000181000-0000000300000
 *     tables   memory 1/128 reserved 1/128 scratch 0/128
 */
static void mb_dump(const struct memblock *mb, char *out, size_t size)
{
	struct dump_buf d = { out, size, 0 };
	const struct memblock_type *types[] = { &mb->memory, &mb->reserved, &mb->scratch };
	out[0] = 0;
	for (unsigned t = 0; t < 3; t++)
		for (unsigned i = 0; i < types[t]->cnt; i++)
			dump_put(&d, types[t]->name, types[t]->regions[i].base,
				 types[t]->regions[i].size);
	memblock_for_each_free(mb, dump_free, &d);
	if (d.len < size)
		snprintf(out + d.len, size - d.len,
			 "tables   memory %u/%u reserved %u/%u scratch %u/%u\n", mb->memory.cnt,
			 mb->memory.max, mb->reserved.cnt, mb->reserved.max, mb->scratch.cnt,
			 mb->scratch.max);
}

/* NULL if every table is sorted, merged and within its capacity, else what is not. */
static const char *mb_broken(const struct memblock *mb)
{
	const struct memblock_type *types[] = { &mb->memory, &mb->reserved, &mb->scratch };
	for (unsigned t = 0; t < 3; t++) {
		const struct memblock_type *ty = types[t];
		if (ty->cnt > ty->max)
			return "count beyond capacity";
		for (unsigned i = 0; i < ty->cnt; i++) {
			const struct memblock_region *r = &ty->regions[i];
			if (r->size == 0 || r->base + r->size < r->base)
				return "empty or wrapping region";
			if (i && ty->regions[i - 1].base + ty->regions[i - 1].size >= r->base)
				return "regions unsorted, overlapping or touching";
		}
	}
	return NULL;
}

/* ---- table cases ---- */

enum op_kind { OP_END = 0, OP_ADD, OP_RES, OP_UNRES, OP_SCR, OP_ALLOC, OP_LIMIT, OP_SCRONLY,
	       OP_ISRES, OP_ISMEM };

struct op {
	enum op_kind k;
	uint64_t a, b;
	int64_t want;     /* return code, address, or 0/1 for a query */
};

#define ADD(base, size)            { OP_ADD, base, size, 0 }
#define ADD_RC(base, size, rc)     { OP_ADD, base, size, rc }
#define RES(base, size)            { OP_RES, base, size, 0 }
#define UNRES(base, size)          { OP_UNRES, base, size, 0 }
#define SCR(base, size)            { OP_SCR, base, size, 0 }
#define ALLOC(size, align, want)   { OP_ALLOC, size, align, (int64_t)(want) }
#define LIMIT(pa)                  { OP_LIMIT, pa, 0, 0 }
#define SCRONLY(on)                { OP_SCRONLY, on, 0, 0 }
#define ISRES(base, size, want)    { OP_ISRES, base, size, want }
#define ISMEM(base, size, want)    { OP_ISMEM, base, size, want }
#define MAX_OPS 24

struct mcase {
	const char *what;
	struct op ops[MAX_OPS];
	const char *golden;
};

static int64_t run_op(struct memblock *mb, const struct op *op)
{
	switch (op->k) {
	case OP_ADD: return memblock_add(mb, op->a, op->b);
	case OP_RES: return memblock_reserve(mb, op->a, op->b);
	case OP_UNRES: return memblock_unreserve(mb, op->a, op->b);
	case OP_SCR: return memblock_add_scratch(mb, op->a, op->b);
	case OP_ALLOC: return (int64_t)memblock_alloc(mb, op->a, op->b);
	case OP_LIMIT: mb->limit = op->a; return 0;
	case OP_SCRONLY: mb->scratch_only = op->a != 0; return 0;
	case OP_ISRES: return memblock_is_reserved(mb, op->a, op->b);
	case OP_ISMEM: return memblock_is_memory(mb, op->a, op->b);
	case OP_END: break;
	}
	return 0;
}

static void run_cases(const struct mcase *cases, size_t n)
{
	static char dump[16384];
	for (size_t c = 0; c < n; c++) {
		const struct mcase *mc = &cases[c];
		struct memblock mb;
		memblock_init(&mb);
		for (size_t i = 0; i < MAX_OPS && mc->ops[i].k != OP_END; i++) {
			const struct op *op = &mc->ops[i];
			int64_t got = run_op(&mb, op);
			if (got != op->want)
				case_fail("case %zu (%s) op %zu: got %#llx (%lld), want %#llx (%lld)",
					  c, mc->what, i, (unsigned long long)got, (long long)got,
					  (unsigned long long)op->want, (long long)op->want);
			const char *broken = mb_broken(&mb);
			if (broken)
				case_fail("case %zu (%s) op %zu: %s", c, mc->what, i, broken);
		}
		mb_dump(&mb, dump, sizeof(dump));
		if (strcmp(dump, mc->golden) != 0)
			case_fail("case %zu (%s): golden mismatch\n--- expected\n%s--- actual\n%s---",
				  c, mc->what, mc->golden, dump);
	}
}

#define COUNTS(m, r, s) "tables   memory " #m "/128 reserved " #r "/128 scratch " #s "/128\n"

static void test_add(void **state)
{
	static const struct mcase cases[] = {
		{
			.what = "sorted; touching and overlapping ranges merge",
			.ops = { ADD(0x300000, 0x100000), ADD(0x100000, 0x100000),
				 ADD(0x800000, 0x1000), ADD(0x200000, 0x100000),
				 ADD(0x380000, 0x100000), ADD(0x7ff000, 0x1000) },
			.golden = "memory   0000000100000-0000000480000\n"
				  "memory   00000007ff000-0000000801000\n"
				  "free     0000000100000-0000000480000\n"
				  "free     00000007ff000-0000000801000\n"
				  COUNTS(2, 0, 0),
		},
		{
			.what = "one range swallows several",
			.ops = { ADD(0x200000, 0x1000), ADD(0x400000, 0x1000), ADD(0x600000, 0x1000),
				 ADD(0x1ff000, 0x500000) },
			.golden = "memory   00000001ff000-00000006ff000\n"
				  "free     00000001ff000-00000006ff000\n"
				  COUNTS(1, 0, 0),
		},
		{
			.what = "a range inside another changes nothing",
			.ops = { ADD(0x100000, 0x100000), ADD(0x140000, 0x1000),
				 ADD(0x100000, 0x100000) },
			.golden = "memory   0000000100000-0000000200000\n"
				  "free     0000000100000-0000000200000\n"
				  COUNTS(1, 0, 0),
		},
		{
			.what = "empty ranges are ignored, wrapping ones refused",
			.ops = { ADD(0x100000, 0), ADD_RC(0xfffffffffffff000, 0x2000, -EINVAL),
				 ADD_RC(0xfffffffffffff000, 0x1000, -EINVAL), ADD(0x1000, 0x1000) },
			.golden = "memory   0000000001000-0000000002000\n"
				  "free     0000000001000-0000000002000\n"
				  COUNTS(1, 0, 0),
		},
	};
	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

static void test_reserve(void **state)
{
	static const struct mcase cases[] = {
		{
			.what = "reserved ranges merge like RAM; outside RAM they are kept",
			.ops = { ADD(0x100000, 0xf00000), RES(0x200000, 0x1000),
				 RES(0x202000, 0x1000), RES(0x201000, 0x1000),
				 RES(0x1ff800, 0x1000), RES(0xfee00000, 0x1000),
				 RES(0x100000, 0x10) },
			.golden = "memory   0000000100000-0000001000000\n"
				  "reserved 0000000100000-0000000100010\n"
				  "reserved 00000001ff800-0000000203000\n"
				  "reserved 00000fee00000-00000fee01000\n"
				  "free     0000000100010-00000001ff800\n"
				  "free     0000000203000-0000001000000\n"
				  COUNTS(1, 3, 0),
		},
		{
			.what = "unreserve: middle, head, tail, across entries, nothing, whole",
			.ops = { ADD(0x100000, 0xf00000), RES(0x200000, 0x100000),
				 RES(0x400000, 0x100000), RES(0x600000, 0x1000),
				 UNRES(0x280000, 0x1000), UNRES(0x200000, 0x10000),
				 UNRES(0x4f0000, 0x20000), UNRES(0x270000, 0x1a0000),
				 UNRES(0x700000, 0x1000), UNRES(0x600000, 0x1000) },
			.golden = "memory   0000000100000-0000001000000\n"
				  "reserved 0000000210000-0000000270000\n"
				  "reserved 0000000410000-00000004f0000\n"
				  "free     0000000100000-0000000210000\n"
				  "free     0000000270000-0000000410000\n"
				  "free     00000004f0000-0000001000000\n"
				  COUNTS(1, 2, 0),
		},
		{
			.what = "unreserve of a middle piece splits one range in two",
			.ops = { ADD(0x100000, 0xf00000), RES(0x200000, 0x100000),
				 UNRES(0x280000, 0x1000), ISRES(0x280000, 0x1000, 0),
				 ISRES(0x27f000, 0x1000, 1), ISRES(0x281000, 0x1, 1) },
			.golden = "memory   0000000100000-0000001000000\n"
				  "reserved 0000000200000-0000000280000\n"
				  "reserved 0000000281000-0000000300000\n"
				  "free     0000000100000-0000000200000\n"
				  "free     0000000280000-0000000281000\n"
				  "free     0000000300000-0000001000000\n"
				  COUNTS(1, 2, 0),
		},
		{
			.what = "queries: reserved means overlapping, memory means inside one range",
			.ops = { ADD(0x100000, 0x100000), ADD(0x300000, 0x100000),
				 RES(0x180000, 0x1000), ISRES(0x17f000, 0x1000, 0),
				 ISRES(0x17f000, 0x1001, 1), ISRES(0x180fff, 1, 1),
				 ISRES(0x181000, 0x1000, 0), ISRES(0, 0x10000000, 1),
				 ISMEM(0x100000, 0x100000, 1), ISMEM(0x100000, 0x100001, 0),
				 ISMEM(0x1ff000, 0x102000, 0), ISMEM(0x3fffff, 1, 1),
				 ISMEM(0x400000, 1, 0), ISMEM(0xff000, 0x2000, 0) },
			.golden = "memory   0000000100000-0000000200000\n"
				  "memory   0000000300000-0000000400000\n"
				  "reserved 0000000180000-0000000181000\n"
				  "free     0000000100000-0000000180000\n"
				  "free     0000000181000-0000000200000\n"
				  "free     0000000300000-0000000400000\n"
				  COUNTS(2, 1, 0),
		},
	};
	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

static void test_alloc(void **state)
{
	static const struct mcase cases[] = {
		{
			.what = "bottom-up, first fit, aligned, merging into the reserved table",
			.ops = { ADD(0x100000, 0xf00000), RES(0x100000, 0x80000),
				 ALLOC(0x1000, 0x1000, 0x180000), ALLOC(0x10, 0x10, 0x181000),
				 ALLOC(0x1000, 0x1000, 0x182000), ALLOC(0x1000, 0x200000, 0x200000),
				 ALLOC(0x10, 0x10, 0x181010), ALLOC(0x100000, 0x100000, 0x300000),
				 ALLOC(0xf01, 0x100, 0x183000), ALLOC(0xf00, 0x100, 0x181100) },
			.golden = "memory   0000000100000-0000001000000\n"
				  "reserved 0000000100000-0000000181020\n"
				  "reserved 0000000181100-0000000183f01\n"
				  "reserved 0000000200000-0000000201000\n"
				  "reserved 0000000300000-0000000400000\n"
				  "free     0000000181020-0000000181100\n"
				  "free     0000000183f01-0000000200000\n"
				  "free     0000000201000-0000000300000\n"
				  "free     0000000400000-0000001000000\n"
				  COUNTS(1, 4, 0),
		},
		{
			.what = "limit: nothing ends above it",
			.ops = { ADD(0x100000, 0xf00000), RES(0x100000, 0xff000), LIMIT(0x200000),
				 ALLOC(0x1000, 0x1000, 0x1ff000), ALLOC(0x1000, 0x1000, 0),
				 ALLOC(0x1, 0x1, 0), ALLOC(0x1000, 0x200000, 0),
				 LIMIT(0x200800), ALLOC(0x1000, 0x1000, 0), ALLOC(0x800, 0x800, 0x200000),
				 LIMIT(UINT64_MAX), ALLOC(0x1000, 0x1000, 0x201000) },
			.golden = "memory   0000000100000-0000001000000\n"
				  "reserved 0000000100000-0000000200800\n"
				  "reserved 0000000201000-0000000202000\n"
				  "free     0000000200800-0000000201000\n"
				  "free     0000000202000-0000001000000\n"
				  COUNTS(1, 2, 0),
		},
		{
			.what = "refused: size 0, align not a power of two, too big; never address 0",
			.ops = { ADD(0, 0x100000), ALLOC(0, 0x1000, 0), ALLOC(0x1000, 3, 0),
				 ALLOC(0x1000, 0, 0), ALLOC(0x100000, 0x1000, 0),
				 ALLOC(0x1000, 0x1000, 0x1000), ALLOC(1, 1, 1),
				 ALLOC(0xfe000, 0x1000, 0x2000), ALLOC(0x1000, 0x1000, 0) },
			.golden = "memory   0000000000000-0000000100000\n"
				  "reserved 0000000000001-0000000000002\n"
				  "reserved 0000000001000-0000000100000\n"
				  "free     0000000000000-0000000000001\n"
				  "free     0000000000002-0000000001000\n"
				  COUNTS(1, 2, 0),
		},
		{
			.what = "a range too small is skipped for the next RAM range",
			.ops = { ADD(0x1000, 0x2000), ADD(0x100000, 0x100000),
				 ALLOC(0x4000, 0x1000, 0x100000), ALLOC(0x2000, 0x1000, 0x1000),
				 ALLOC(0x1000, 0x1000, 0x104000) },
			.golden = "memory   0000000001000-0000000003000\n"
				  "memory   0000000100000-0000000200000\n"
				  "reserved 0000000001000-0000000003000\n"
				  "reserved 0000000100000-0000000105000\n"
				  "free     0000000105000-0000000200000\n"
				  COUNTS(2, 2, 0),
		},
		{
			.what = "reserved ranges outside RAM neither help nor hurt",
			.ops = { ADD(0x100000, 0x2000), RES(0xf0000, 0x11000),
				 ALLOC(0x1000, 0x1000, 0x101000), ALLOC(0x1000, 0x1000, 0) },
			.golden = "memory   0000000100000-0000000102000\n"
				  "reserved 00000000f0000-0000000102000\n"
				  COUNTS(1, 1, 0),
		},
	};
	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

static void test_scratch_only(void **state)
{
	static const struct mcase cases[] = {
		{
			.what = "scratch_only: inside scratch AND RAM only",
			.ops = { ADD(0x100000, 0x3f00000), SCR(0x2000000, 0x100000),
				 SCR(0x3000000, 0x1000), SCR(0xf0000, 0x11000), SCRONLY(1),
				 ALLOC(0x1000, 0x1000, 0x100000), ALLOC(0x1000, 0x1000, 0x2000000),
				 ALLOC(0x100000, 0x1000, 0), ALLOC(0xff000, 0x1000, 0x2001000),
				 ALLOC(0x1000, 0x1000, 0x3000000), ALLOC(0x1, 0x1, 0),
				 SCRONLY(0), ALLOC(0x100000, 0x100000, 0x200000) },
			.golden = "memory   0000000100000-0000004000000\n"
				  "reserved 0000000100000-0000000101000\n"
				  "reserved 0000000200000-0000000300000\n"
				  "reserved 0000002000000-0000002100000\n"
				  "reserved 0000003000000-0000003001000\n"
				  "scratch  00000000f0000-0000000101000\n"
				  "scratch  0000002000000-0000002100000\n"
				  "scratch  0000003000000-0000003001000\n"
				  "free     0000000101000-0000000200000\n"
				  "free     0000000300000-0000002000000\n"
				  "free     0000002100000-0000003000000\n"
				  "free     0000003001000-0000004000000\n"
				  COUNTS(1, 4, 3),
		},
		{
			.what = "scratch_only with no scratch: nothing",
			.ops = { ADD(0x100000, 0x100000), SCRONLY(1), ALLOC(0x1000, 0x1000, 0) },
			.golden = "memory   0000000100000-0000000200000\n"
				  "free     0000000100000-0000000200000\n"
				  COUNTS(1, 0, 0),
		},
		{
			.what = "scratch_only honours reserved ranges inside scratch",
			.ops = { ADD(0x100000, 0x100000), SCR(0x100000, 0x10000),
				 RES(0x100000, 0x8000), SCRONLY(1), ALLOC(0x8000, 0x1000, 0x108000),
				 ALLOC(0x1000, 0x1000, 0) },
			.golden = "memory   0000000100000-0000000200000\n"
				  "reserved 0000000100000-0000000110000\n"
				  "scratch  0000000100000-0000000110000\n"
				  "free     0000000110000-0000000200000\n"
				  COUNTS(1, 1, 1),
		},
	};
	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

/* The gaps, exactly: reserved ranges straddling RAM edges, spanning RAM holes,
 * touching each other, and entirely outside RAM. */
static void test_for_each_free(void **state)
{
	static const struct mcase cases[] = {
		{
			.what = "edges, holes and outside",
			.ops = { ADD(0x1000, 0x9e000), ADD(0x100000, 0x7f00000),
				 RES(0, 0x2000), RES(0x9e000, 0x62000), RES(0x200000, 0x100000),
				 RES(0x300000, 0x1000), RES(0x7fff000, 0x2000),
				 RES(0x9000000, 0x1000) },
			.golden = "memory   0000000001000-000000009f000\n"
				  "memory   0000000100000-0000008000000\n"
				  "reserved 0000000000000-0000000002000\n"
				  "reserved 000000009e000-0000000100000\n"
				  "reserved 0000000200000-0000000301000\n"
				  "reserved 0000007fff000-0000008001000\n"
				  "reserved 0000009000000-0000009001000\n"
				  "free     0000000002000-000000009e000\n"
				  "free     0000000100000-0000000200000\n"
				  "free     0000000301000-0000007fff000\n"
				  COUNTS(2, 5, 0),
		},
		{
			.what = "one reserved range across a RAM hole; a RAM range fully reserved",
			.ops = { ADD(0x10000, 0x10000), ADD(0x30000, 0x10000), ADD(0x50000, 0x10000),
				 RES(0x18000, 0x20000), RES(0x50000, 0x10000) },
			.golden = "memory   0000000010000-0000000020000\n"
				  "memory   0000000030000-0000000040000\n"
				  "memory   0000000050000-0000000060000\n"
				  "reserved 0000000018000-0000000038000\n"
				  "reserved 0000000050000-0000000060000\n"
				  "free     0000000010000-0000000018000\n"
				  "free     0000000038000-0000000040000\n"
				  COUNTS(3, 2, 0),
		},
		{
			.what = "several reserved ranges inside one RAM range, and none at all",
			.ops = { ADD(0x10000, 0x10000), ADD(0x100000, 0x1000), RES(0x11000, 0x1000),
				 RES(0x13000, 0x1000), RES(0x1f000, 0x1000) },
			.golden = "memory   0000000010000-0000000020000\n"
				  "memory   0000000100000-0000000101000\n"
				  "reserved 0000000011000-0000000012000\n"
				  "reserved 0000000013000-0000000014000\n"
				  "reserved 000000001f000-0000000020000\n"
				  "free     0000000010000-0000000011000\n"
				  "free     0000000012000-0000000013000\n"
				  "free     0000000014000-000000001f000\n"
				  "free     0000000100000-0000000101000\n"
				  COUNTS(2, 3, 0),
		},
	};
	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

/* ---- growth past the static 128 entries ---- */

#define GROW_N 1000

/*
 * 1000 disjoint reserved ranges, in three orders: the table doubles 128 -> 256 ->
 * 512 -> 1024 into memory memblock gives itself (bottom-up: 4, 8 and 16 KiB at
 * 0x100000, 0x101000, 0x103000, which merge into one reserved entry), every range
 * is there in order, and the table in use lies inside a reserved range. The earlier
 * copies stay reserved (nothing gives them back).
 */
static void test_grow_reserved(void **state)
{
	(void)state;
	for (unsigned how = 0; how < 3; how++) {
		static uint64_t order[GROW_N];
		uint64_t seed = 99;
		struct memblock mb;
		for (unsigned i = 0; i < GROW_N; i++)
			order[i] = how == 1 ? GROW_N - 1 - i : i;
		for (unsigned i = GROW_N - 1; how == 2 && i > 0; i--) {
			unsigned j = (unsigned)(host_rand(&seed) % (i + 1));
			uint64_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		memblock_init(&mb);
		assert_int_equal(memblock_add(&mb, 0x100000, 0x3f00000), 0);
		for (unsigned i = 0; i < GROW_N; i++) {
			assert_int_equal(memblock_reserve(&mb, 0x1000000 + order[i] * 0x2000, 0x1000), 0);
			const char *broken = mb_broken(&mb);
			if (broken)
				case_fail("order %u, after %u: %s", how, i + 1, broken);
		}
		assert_int_equal(mb.reserved.cnt, GROW_N + 1);
		assert_int_equal(mb.reserved.max, 1024);
		assert_int_equal(mb.reserved.regions[0].base, 0x100000);
		assert_int_equal(mb.reserved.regions[0].size, 0x7000);
		for (unsigned i = 0; i < GROW_N; i++) {
			const struct memblock_region *r = &mb.reserved.regions[i + 1];
			if (r->base != 0x1000000 + i * 0x2000ull || r->size != 0x1000)
				case_fail("order %u: entry %u is %#llx+%#llx", how, i + 1,
					  (unsigned long long)r->base, (unsigned long long)r->size);
		}
		paddr_t pa = table_pa(&mb.reserved);
		assert_int_equal(pa, 0x103000);
		uint64_t bytes = mb.reserved.max * sizeof(struct memblock_region);
		assert_true(memblock_is_reserved(&mb, pa, bytes));
		assert_true(pa >= 0x100000 && pa + bytes <= 0x107000);
		/* Memory and scratch never grew. */
		assert_int_equal(mb.memory.max, 128);
		assert_int_equal(mb.scratch.max, 128);
		assert_null(table_pa(&mb.memory) ? "memory table moved" : NULL);
	}
}

static void test_grow_memory_and_scratch(void **state)
{
	(void)state;
	static char dump[65536];
	struct memblock mb;
	memblock_init(&mb);
	/* 300 RAM ranges of 32 KiB, 64 KiB apart, from 0x10000. */
	for (unsigned i = 0; i < 300; i++)
		assert_int_equal(memblock_add(&mb, 0x10000 + i * 0x10000ull, 0x8000), 0);
	/* 200 scratch ranges, 4 KiB each inside the RAM ranges from #100. */
	for (unsigned i = 0; i < 200; i++)
		assert_int_equal(memblock_add_scratch(&mb, 0x10000 + (100 + i) * 0x10000ull,
						      0x1000), 0);
	assert_null(mb_broken(&mb));
	assert_int_equal(mb.memory.cnt, 300);
	assert_int_equal(mb.memory.max, 512);
	assert_int_equal(mb.scratch.cnt, 200);
	assert_int_equal(mb.scratch.max, 256);
	for (unsigned i = 0; i < 300; i++)
		if (mb.memory.regions[i].base != 0x10000 + i * 0x10000ull ||
		    mb.memory.regions[i].size != 0x8000)
			case_fail("memory entry %u is %#llx+%#llx", i,
				  (unsigned long long)mb.memory.regions[i].base,
				  (unsigned long long)mb.memory.regions[i].size);
	/* Tables: memory 4 KiB at 0x10000, then 8 KiB at 0x11000; scratch 4 KiB at
	 * 0x13000; all in the first RAM range, merged into one reserved entry. */
	assert_int_equal(table_pa(&mb.memory), 0x11000);
	assert_int_equal(table_pa(&mb.scratch), 0x13000);
	mb_dump(&mb, dump, sizeof(dump));
	const char *res = strstr(dump, "reserved");
	assert_non_null(res);
	assert_true(strncmp(res, "reserved 0000000010000-0000000014000\nscratch ", 45) == 0);
	assert_non_null(strstr(dump, "free     0000000014000-0000000018000\n"
				     "free     0000000020000-0000000028000\n"));
	assert_non_null(strstr(dump, "tables   memory 300/512 reserved 1/128 scratch 200/256\n"));
}

/*
 * BUG (mm/memblock.c, insert/grow): when the reserved table is full, reserving a
 * new range first grows the table, and grow() looks for room before the new range
 * is in the table, so it can put the table inside the very range being reserved.
 * memblock_alloc() then hands that range to its caller, who overwrites the table.
 * Input: RAM [0x100000, 0x4000000), 128 disjoint reserved ranges above 16 MiB
 * (table full), memblock_alloc(0x1000, 0x1000). Expected: the returned range and
 * the new table do not overlap. Actual: both are 0x100000.
 * Fix: keep one entry spare: in insert(), add the range first (there is always
 * room), then, if cnt == max, grow() — it then sees the new range as reserved (or,
 * for the memory table, as RAM). grow()'s own memblock_reserve() of the new table
 * fits because the table has just doubled. This also fixes the unreserve case below
 * and a full memory table whose growth fills the reserved table.
 */
static void test_bug_alloc_into_growing_table(void **state)
{
	(void)state;
	struct memblock mb;
	memblock_init(&mb);
	memblock_add(&mb, 0x100000, 0x3f00000);
	for (unsigned i = 0; i < 128; i++)             /* now the static table is full */
		assert_int_equal(memblock_reserve(&mb, 0x1000000 + i * 0x2000ull, 0x1000), 0);
	paddr_t pa = memblock_alloc(&mb, 0x1000, 0x1000);
	paddr_t t = table_pa(&mb.reserved);
	uint64_t tbytes = mb.reserved.max * sizeof(struct memblock_region);
	assert_int_not_equal(pa, 0);
	if (pa < t + tbytes && t < pa + 0x1000)
		case_fail("memblock_alloc gave [%#llx, +0x1000), where the reserved table now "
			  "lives [%#llx, +%#llx)", (unsigned long long)pa, (unsigned long long)t,
			  (unsigned long long)tbytes);
}

/*
 * BUG (mm/memblock.c, memblock_unreserve/insert): unreserving the middle of a range
 * when the reserved table is full shrinks the range to its head, then re-inserts the
 * tail; the insert grows the table while the tail is out of the table, so the new
 * table can land inside the tail, which is still in use (the kernel image, say).
 * Input: RAM [0x100000, 0x4000000); reserved [0x100000, 0x200000) plus 127 small
 * ranges; memblock_unreserve(0x100010, 0x10). Expected: reserved [0x100000,
 * 0x100010) and [0x100020, 0x200000), the bytes there untouched, the table outside.
 * Actual: the table is copied to 0x101000, over the tail. Same fix as above.
 */
static void test_bug_unreserve_moves_table_into_tail(void **state)
{
	(void)state;
	struct memblock mb;
	memblock_init(&mb);
	memblock_add(&mb, 0x100000, 0x3f00000);
	assert_int_equal(memblock_reserve(&mb, 0x100000, 0x100000), 0);
	for (unsigned i = 0; i < 127; i++)
		assert_int_equal(memblock_reserve(&mb, 0x1000000 + i * 0x2000ull, 0x1000), 0);
	memset(arena + 0x100000, 0x5a, 0x100000);
	assert_int_equal(memblock_unreserve(&mb, 0x100010, 0x10), 0);
	assert_int_equal(mb.reserved.regions[0].base, 0x100000);
	assert_int_equal(mb.reserved.regions[0].size, 0x10);
	assert_true(memblock_is_reserved(&mb, 0x100020, 0xfffe0));
	paddr_t t = table_pa(&mb.reserved);
	if (t >= 0x100020 && t < 0x200000)
		case_fail("the reserved table moved to %#llx, inside the reserved tail",
			  (unsigned long long)t);
	for (size_t i = 0x100020; i < 0x200000; i++)
		if (arena[i] != 0x5a)
			case_fail("byte %#zx of the reserved tail overwritten", i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_scratch_only),
		cmocka_unit_test(test_for_each_free),
		cmocka_unit_test(test_grow_reserved),
		cmocka_unit_test(test_grow_memory_and_scratch),
		cmocka_unit_test(test_bug_alloc_into_growing_table),
		cmocka_unit_test(test_bug_unreserve_moves_table_into_tail),
	};
	return cmocka_run_group_tests_name("memblock", tests, arena_setup, arena_teardown);
}
