/*
 * In-kernel tests of kho/kho_fdt.c: Debian's libfdt.a linked into the kernel
 * (stack protector through %fs, Baton's string functions) builds, edits, checks
 * and reads a kho-v4 root FDT in a page from the page allocator. Every test frees
 * what it allocates (checked against the free-byte count).
 */
#include "kho_internal.h"
#include <errno.h>
#include <ktest.h>
#include <libfdt.h>
#include <mm.h>
#include <printk.h>
#include <stdlib.h>
#include <string.h>

#define ROOT 0x0123456789abc000ull

static uint64_t free_bytes(void)
{
	struct mm_stats s;
	mm_stats(&s);
	return s.free;
}

static void *fdt_page(paddr_t *pa)
{
	*pa = page_alloc(0, GFP_ZERO);
	return *pa ? page_virt(*pa) : NULL;
}

KTEST(kho_fdt, init_validate_and_map_bytes)
{
	uint64_t before = free_bytes();
	paddr_t pa;
	void *fdt = fdt_page(&pa);
	KT_ASSERT(fdt != NULL);
	KT_EXPECT_EQ(kho_fdt_init(fdt, ROOT), 0);
	KT_EXPECT_EQ(fdt_totalsize(fdt), KHO_FDT_SIZE);
	KT_EXPECT_EQ(fdt_check_full(fdt, KHO_FDT_SIZE), 0);

	paddr_t root = 0;
	const char *why = "unset";
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, &root, &why), 0);
	KT_EXPECT_EQ(root, ROOT);
	KT_EXPECT(why == NULL);
	KT_EXPECT_EQ(kho_fdt_count_subtrees(fdt), 0);

	/* native byte order: the little-endian bytes of ROOT, not an fdt64 cell */
	static const uint8_t le[8] = { 0x00, 0xc0, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 };
	int len = -1;
	const void *p = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP, &len);
	KT_ASSERT(p != NULL);
	KT_EXPECT_EQ(len, 8);
	KT_EXPECT(memcmp(p, le, 8) == 0);
	p = fdt_getprop(fdt, 0, "compatible", &len);
	KT_ASSERT(p != NULL);
	KT_EXPECT_EQ(len, sizeof(KHO_FDT_COMPATIBLE));
	KT_EXPECT(memcmp(p, KHO_FDT_COMPATIBLE, sizeof(KHO_FDT_COMPATIBLE)) == 0);
	KT_EXPECT_EQ(kho_fdt_init(fdt, 0), -EINVAL);

	page_free(pa, 0);
	KT_EXPECT_EQ(free_bytes(), before);
}

struct seen {
	unsigned n;
	char names[4][16];
	paddr_t pa[4];
	uint64_t size[4];
};

static int record(const char *name, paddr_t pa, uint64_t size, void *arg)
{
	struct seen *s = arg;
	if (s->n < 4) {
		strlcpy(s->names[s->n], name, sizeof(s->names[0]));
		s->pa[s->n] = pa;
		s->size[s->n] = size;
	}
	s->n++;
	return 0;
}

KTEST(kho_fdt, add_lookup_remove)
{
	uint64_t before = free_bytes();
	paddr_t pa;
	void *fdt = fdt_page(&pa);
	KT_ASSERT(fdt != NULL);
	KT_ASSERT(kho_fdt_init(fdt, ROOT) == 0);

	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "LUO", 0x200000, 32), 0);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, KHO_KEXEC_METADATA_NAME, 0x300000, 73), 0);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "memblock", 0xfedcba9876543000ull, 4096), 0);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "LUO", 0x400000, 1), -EEXIST);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "a/b", 0x400000, 1), -EINVAL);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "a@1", 0x400000, 1), -EINVAL);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "", 0x400000, 1), -EINVAL);
	KT_EXPECT_EQ(kho_fdt_count_subtrees(fdt), 3);
	KT_EXPECT_EQ(fdt_totalsize(fdt), KHO_FDT_SIZE);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, NULL), 0);

	paddr_t p = 0;
	uint64_t size = 0;
	KT_EXPECT_EQ(kho_fdt_get_subtree(fdt, "memblock", &p, &size), 0);
	KT_EXPECT_EQ(p, 0xfedcba9876543000ull);
	KT_EXPECT_EQ(size, 4096);
	KT_EXPECT_EQ(kho_fdt_get_subtree(fdt, "memblock@0", &p, &size), -ENOENT);
	KT_EXPECT_EQ(kho_fdt_get_subtree(fdt, "memb", &p, &size), -ENOENT);

	/* subtree properties are native-endian too */
	int node = fdt_subnode_offset(fdt, 0, "LUO"), len = -1;
	KT_ASSERT(node > 0);
	const uint8_t *b = fdt_getprop(fdt, node, KHO_FDT_SUB_DATA, &len);
	KT_ASSERT(b != NULL);
	KT_EXPECT_EQ(len, 8);
	KT_EXPECT(b[0] == 0x00 && b[1] == 0x00 && b[2] == 0x20 && b[3] == 0 && b[7] == 0);

	struct seen s = { 0 };
	KT_EXPECT_EQ(kho_fdt_for_each_subtree(fdt, record, &s), 0);
	KT_EXPECT_EQ(s.n, 3);
	/* libfdt puts a new node before its siblings: tree order is newest first */
	KT_EXPECT(strcmp(s.names[0], "memblock") == 0);
	KT_EXPECT(strcmp(s.names[1], KHO_KEXEC_METADATA_NAME) == 0);
	KT_EXPECT(strcmp(s.names[2], "LUO") == 0);
	KT_EXPECT_EQ(s.size[1], 73);

	KT_EXPECT_EQ(kho_fdt_remove_subtree(fdt, 0x300000), 0);
	KT_EXPECT_EQ(kho_fdt_remove_subtree(fdt, 0x300000), -ENOENT);
	KT_EXPECT_EQ(kho_fdt_get_subtree(fdt, KHO_KEXEC_METADATA_NAME, &p, &size), -ENOENT);
	KT_EXPECT_EQ(kho_fdt_count_subtrees(fdt), 2);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, NULL), 0);
	KT_EXPECT_EQ(fdt_totalsize(fdt), KHO_FDT_SIZE);

	page_free(pa, 0);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(kho_fdt, page_full_then_room_again)
{
	uint64_t before = free_bytes();
	paddr_t pa;
	void *fdt = fdt_page(&pa);
	KT_ASSERT(fdt != NULL);
	KT_ASSERT(kho_fdt_init(fdt, ROOT) == 0);

	char name[16];
	int n = 0, err;
	for (;; n++) {
		snprintf(name, sizeof(name), "sub%03d", n);
		err = kho_fdt_add_subtree(fdt, name, 0x1000000 + (paddr_t)n * 4096, 4096);
		if (err)
			break;
	}
	KT_EXPECT_EQ(err, -ENOMEM);
	KT_EXPECT(n > 40 && n < 100);
	KT_EXPECT_EQ(kho_fdt_count_subtrees(fdt), n);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, NULL), 0);
	KT_EXPECT_EQ(kho_fdt_remove_subtree(fdt, 0x1000000 + 7 * 4096), 0);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "new007", 0x900000, 1), 0);
	KT_EXPECT_EQ(kho_fdt_add_subtree(fdt, "new008", 0x901000, 1), -ENOMEM);
	KT_EXPECT_EQ(kho_fdt_count_subtrees(fdt), n);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, NULL), 0);
	KT_EXPECT_EQ(fdt_totalsize(fdt), KHO_FDT_SIZE);

	page_free(pa, 0);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(kho_fdt, validate_rejects)
{
	uint64_t before = free_bytes();
	paddr_t pa;
	uint8_t *fdt = fdt_page(&pa);
	KT_ASSERT(fdt != NULL);
	const char *why = NULL;

	KT_ASSERT(kho_fdt_init(fdt, ROOT) == 0);
	fdt[0] ^= 0xff;
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, &why), -EINVAL);
	KT_EXPECT(why && strcmp(why, "bad FDT magic") == 0);

	KT_ASSERT(kho_fdt_init(fdt, ROOT) == 0);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE - 1, NULL, &why), -EINVAL);
	KT_EXPECT(why && strcmp(why, "FDT totalsize beyond the buffer") == 0);

	KT_EXPECT_EQ(fdt_setprop_string(fdt, 0, "compatible", "kho-v3"), 0);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, &why), -EINVAL);
	KT_EXPECT(why && strcmp(why, "root is not compatible with kho-v4") == 0);

	KT_ASSERT(kho_fdt_init(fdt, ROOT) == 0);
	KT_EXPECT_EQ(fdt_setprop_u32(fdt, 0, KHO_FDT_MEMORY_MAP, 1), 0);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, &why), -EINVAL);
	KT_EXPECT(why && strcmp(why, "preserved-memory-map is not 8 bytes") == 0);

	KT_ASSERT(kho_fdt_init(fdt, ROOT) == 0);
	int node = fdt_add_subnode(fdt, 0, "bare");
	KT_EXPECT(node > 0);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, &why), -EINVAL);
	KT_EXPECT(why && strcmp(why, "subtree without preserved-data") == 0);
	KT_EXPECT_EQ(kho_fdt_get_subtree(fdt, "bare", NULL, NULL), -EINVAL);

	/* libfdt 1.6.1's full check faults on old versions: refused before it */
	KT_ASSERT(kho_fdt_init(fdt, ROOT) == 0);
	fdt_set_version(fdt, 2);
	fdt_set_last_comp_version(fdt, 2);
	KT_EXPECT_EQ(kho_fdt_validate(fdt, KHO_FDT_SIZE, NULL, &why), -EINVAL);
	KT_EXPECT(why && strcmp(why, "FDT version below 17") == 0);

	page_free(pa, 0);
	KT_EXPECT_EQ(free_bytes(), before);
}

/* libfdt's overlay code is the one user of strtoul (lib/libc.c). */
KTEST(kho_fdt, libc_strtoul)
{
	char *end;
	KT_EXPECT_EQ(strtoul("  42xyz", &end, 10), 42);
	KT_EXPECT_EQ(*end, 'x');
	KT_EXPECT_EQ(strtoul("0x1fG", &end, 0), 0x1f);
	KT_EXPECT_EQ(*end, 'G');
	KT_EXPECT_EQ(strtoul("017", NULL, 0), 017);
	KT_EXPECT_EQ(strtoul("0x", &end, 16), 0);
	KT_EXPECT_EQ(*end, 'x');
	KT_EXPECT_EQ(strtoul("-1", NULL, 10), ~0ul);
	KT_EXPECT_EQ(strtoul("99999999999999999999999", NULL, 10), ~0ul);
	const char *none = "  +z";
	KT_EXPECT_EQ(strtoul(none, &end, 10), 0);
	KT_EXPECT(end == none);
	KT_EXPECT_EQ(strtoul("zz", NULL, 36), 35 * 36 + 35);
}
