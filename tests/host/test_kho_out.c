/*
 * kho/kho_out.c on the host (with kho_radix.c, kho_fdt.c over Debian's libfdt),
 * over shim/kho_host.c: an arena with memory behind it, a first-fit page allocator,
 * two scratch ranges. include/layout.h's phys_to_virt is the arena
 * (shim/host_direct_map.h).
 *
 * Covered: before kho_init and without scratch nothing works (exact errnos);
 * kho_preserve_folio's checks (alignment, order, scratch, -EEXIST) and the byte
 * count; kho_preserve_pages splitting a range into naturally aligned blocks and
 * rolling back all of it when a piece fails (scratch, -EEXIST); kho_alloc_preserve
 * orders, zeroing, -EINVAL/-E2BIG/-ENOMEM, meta pages left out of the count;
 * kho_preserve_vmalloc's chunk pages and rollback; subtrees; kho_finalize's
 * description, metadata and scratch array, read back through kho_fdt_validate and
 * kho_radix_walk (the readers kho/kho_in.c uses), re-finalize, kho_abort and every
 * failure (-ENOMEM at each allocation, the "kho.finalized" fault site) leaving
 * exactly what was there before. The preserved blocks are compared as a golden
 * dump of the radix tree each time.
 */
#include <errno.h>
#include <fault_inject.h>
#include <kho.h>
#include <mm.h>
#include <vmalloc.h>
#include "../../kho/kho_priv.h"
#include "kho_host.h"
#include "host_test.h"

#define PAGE 4096ull
#define FDT_PA   KH_NORMAL                      /* kho_init's first page */

/* ---- the outgoing tree, as the next kernel's walk sees it ---- */

static char dump[64 * 1024];
static paddr_t visited[256];

static bool node_any(paddr_t pa, void *arg)
{
	(void)arg;
	return pa != 0;
}

static int dump_run(paddr_t pa, unsigned order, uint64_t n, void *arg)
{
	(void)arg;
	size_t l = strlen(dump);
	snprintf(dump + l, sizeof(dump) - l, "%#llx/%u x%llu\n", (unsigned long long)pa, order,
		 (unsigned long long)n);
	return 0;
}

static const char *tree_from(paddr_t root)
{
	dump[0] = 0;
	struct kho_radix_walk w = { .node_ok = node_any, .run = dump_run,
				    .max_nodes = ARRAY_SIZE(visited), .visited = visited };
	int err = kho_radix_walk(root, &w);
	if (err)
		fail_msg("walk: %d %s", err, w.why ? w.why : "");
	return dump;
}

static const char *tree(void)
{
	return tree_from(kho_out_tree()->root);
}

#define BASELINE "0x40100000/0 x1\n"            /* the root FDT page only */

/* Pages allocated, tree nodes left out (they are kept while the tree lives). */
static unsigned data_pages(void)
{
	return kh_live_pages() - (unsigned)kho_out_tree_pages();
}

/* ---- the "kho.finalized" fault site ---- */

static int finalized_err;

static int finalized_fault(void *ctx)
{
	struct kho_data *d = ctx;
	assert_int_equal(d->fdt_size, KHO_FDT_SIZE);
	return finalized_err;
}
FAULT_HANDLER("kho.finalized", finalized_fault);

/* ---- tests (in order: the first two bring KHO up) ---- */

static void test_not_ready(void **state)
{
	(void)state;
	struct kho_data d;
	kh_init(0);
	kho_init();                                 /* no scratch: no live update */
	assert_int_equal(kh_live_pages(), 0);
	assert_int_equal(kho_preserve_folio(KH_NORMAL, 0), -EINVAL);
	assert_int_equal(kho_unpreserve_folio(KH_NORMAL, 0), -EINVAL);
	assert_int_equal(kho_add_subtree("x", KH_NORMAL, 8), -EINVAL);
	assert_int_equal(kho_remove_subtree(KH_NORMAL), -EINVAL);
	assert_int_equal(kho_finalize(&d), -EOPNOTSUPP);
	assert_null(kho_out_tree());
	assert_int_equal(kho_out_fdt(), 0);
	assert_int_equal(kho_out_tree_pages(), 0);
	assert_golden(printk_log(), "");
}

static void test_init_leak(void **state)
{
	(void)state;
	/* kho_init() when kho_radix_init() or kho_fdt_init() fails: the FDT page (and
	 * the root node) are given back, 0 pages live (this test found the leak). */
	kh_init(2);
	kh_fail_alloc_after(1);
	kho_init();
	assert_int_equal(kh_live_pages(), 0);
}

static void test_init(void **state)
{
	(void)state;
	kh_init(2);
	printk_log_reset();
	kho_init();
	assert_golden(printk_log(), "");
	assert_int_equal(kho_out_fdt(), FDT_PA);
	/* The root, four tables and the leaf under the FDT page's bit; and that page. */
	assert_int_equal(kho_out_tree_pages(), 6);
	assert_int_equal(kh_live_pages(), 7);
	paddr_t root;
	const char *why = NULL;
	assert_int_equal(kho_fdt_validate(phys_to_virt(FDT_PA), KHO_FDT_SIZE, &root, &why), 0);
	assert_int_equal(root, kho_out_tree()->root);
	assert_int_equal(kho_fdt_count_subtrees(phys_to_virt(FDT_PA)), 0);
	assert_golden(tree(), BASELINE);
	assert_int_equal(kho_preserved_bytes(), 0);
}

static void test_preserve_folio(void **state)
{
	(void)state;
	static const struct {
		paddr_t pa;
		unsigned order;
		int err;
	} rows[] = {
		{ 0x100000000, 0, 0 },
		{ 0x100000000, 0, -EEXIST },
		{ 0x100001000, 1, -EINVAL },            /* misaligned */
		{ 0x100000000, 19, -EINVAL },           /* order above 18 */
		{ KH_BASE, 0, -EINVAL },                /* scratch */
		{ KH_BASE + 0xff000, 0, -EINVAL },      /* scratch's last page */
		{ KH_NORMAL, 0, -EEXIST },              /* the FDT page */
		{ KH_NORMAL + 0x100000, 8, 0 },         /* first normal 1 MiB block */
		{ 0x7fc00000, 10, 0 },                  /* ends where scratch 2 begins */
		{ 0x80000000, 10, -EINVAL },            /* covers scratch 2 */
		{ 0x80000000 + KH_SCRATCH2_SIZE - PAGE, 0, -EINVAL },
		{ 0x80000000 + KH_SCRATCH2_SIZE, 9, 0 },/* right after it */
		{ 0x40000000, 18, -EINVAL },            /* 1 GiB over scratch 1 */
		{ 0xc0000000, 18, 0 },
		{ 0x100000000, 1, 0 },                  /* another order, the same address */
	};
	uint64_t bytes = 0;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		int err = kho_preserve_folio(rows[i].pa, rows[i].order);
		if (err != rows[i].err)
			case_fail("case %zu: %d, expected %d", i, err, rows[i].err);
		if (!err)
			bytes += PAGE << rows[i].order;
		if (kho_preserved_bytes() != bytes)
			case_fail("case %zu: %llu bytes, expected %llu", i,
				  (unsigned long long)kho_preserved_bytes(), (unsigned long long)bytes);
	}
	assert_golden(tree(), "0xc0000000/18 x1\n"
			      "0x7fc00000/10 x1\n"
			      "0x80200000/9 x1\n"
			      "0x40200000/8 x1\n"
			      "0x100000000/1 x1\n"
			      BASELINE
			      "0x100000000/0 x1\n");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (!rows[i].err)
			assert_int_equal(kho_unpreserve_folio(rows[i].pa, rows[i].order), 0);
	assert_int_equal(kho_unpreserve_folio(0x100000000, 0), -ENOENT);
	assert_int_equal(kho_unpreserve_folio(0x100000000, 19), -EINVAL);
	assert_int_equal(kho_preserved_bytes(), 0);
	assert_golden(tree(), BASELINE);
}

static void test_preserve_pages(void **state)
{
	(void)state;
	assert_int_equal(kho_preserve_pages(0x100003000, 13), 0);
	assert_golden(tree(), "0x100008000/3 x1\n0x100004000/2 x1\n" BASELINE
			      "0x100003000/0 x1\n");
	assert_int_equal(kho_preserved_bytes(), 13 * PAGE);
	assert_int_equal(kho_unpreserve_pages(0x100003000, 13), 0);
	assert_int_equal(kho_unpreserve_pages(0x100003000, 13), -ENOENT);
	assert_golden(tree(), BASELINE);

	assert_int_equal(kho_preserve_pages(0x100003000, 0), -EINVAL);
	assert_int_equal(kho_preserve_pages(0x100003001, 1), -EINVAL);
	/* Into scratch 2: the first 8 pages were preserved, then rolled back. */
	assert_int_equal(kho_preserve_pages(0x7fff8000, 16), -EINVAL);
	assert_golden(tree(), BASELINE);
	/* The third piece exists already: the first two go back, it stays. */
	assert_int_equal(kho_preserve_folio(0x100008000, 3), 0);
	assert_int_equal(kho_preserve_pages(0x100003000, 13), -EEXIST);
	assert_golden(tree(), "0x100008000/3 x1\n" BASELINE);
	assert_int_equal(kho_preserved_bytes(), 8 * PAGE);
	assert_int_equal(kho_unpreserve_folio(0x100008000, 3), 0);
	/* Touching blocks of one order come as one run: 64 pages at a 256 KiB line. */
	assert_int_equal(kho_preserve_pages(0x100040000, 64), 0);
	assert_golden(tree(), "0x100040000/6 x1\n" BASELINE);
	assert_int_equal(kho_unpreserve_pages(0x100040000, 64), 0);
	assert_int_equal(kho_preserved_bytes(), 0);
}

static void test_alloc_preserve(void **state)
{
	(void)state;
	paddr_t pa = 1;
	unsigned live = data_pages();
	assert_int_equal(kho_alloc_preserve(0, &pa), -EINVAL);
	assert_int_equal(kho_alloc_preserve((PAGE << KHO_MAX_ORDER) + 1, &pa), -E2BIG);
	kh_fail_alloc_after(0);
	assert_int_equal(kho_alloc_preserve(1, &pa), -ENOMEM);
	kh_fail_alloc_after(~0u);
	assert_int_equal(pa, 1);
	assert_int_equal(data_pages(), live);

	assert_int_equal(kho_alloc_preserve(PAGE + 1, &pa), 0);      /* order 1 */
	assert_true(IS_ALIGNED(pa, 2 * PAGE));
	assert_true(pa >= KH_NORMAL);
	const uint8_t *p = phys_to_virt(pa);
	for (size_t i = 0; i < 2 * PAGE; i++)
		if (p[i])
			fail_msg("byte %zu not zeroed", i);
	assert_int_equal(kho_preserved_bytes(), 2 * PAGE);
	assert_int_equal(mm_page(pa)->order, 1);
	char want[128];
	snprintf(want, sizeof(want), "%#llx/1 x1\n" BASELINE, (unsigned long long)pa);
	assert_golden(tree(), want);
	kho_unpreserve_free(pa);
	assert_int_equal(kho_preserved_bytes(), 0);
	assert_null(mm_page(pa));
	assert_golden(tree(), BASELINE);
	kho_unpreserve_free(0x100000000);           /* nothing allocated there: nothing */

	/* Meta: preserved, not counted. */
	assert_int_equal(kho_alloc_preserve_meta(100, &pa), 0);
	assert_int_equal(kho_preserved_bytes(), 0);
	snprintf(want, sizeof(want), BASELINE "%#llx/0 x1\n", (unsigned long long)pa);
	if (pa == FDT_PA + PAGE)
		snprintf(want, sizeof(want), "0x40100000/0 x2\n");
	assert_golden(tree(), want);
	/* Given back as meta: the count is as it was. */
	kho_unpreserve_free_meta(pa);
	assert_int_equal(kho_preserved_bytes(), 0);
	assert_golden(tree(), BASELINE);
	assert_int_equal(data_pages(), live);
}

static void test_meta_unpreserve_free(void **state)
{
	(void)state;
	/* A meta page goes back through kho_unpreserve_free_meta(), which leaves
	 * kho_preserved_bytes() as it was (meta pages are not in it); this test found
	 * kho_unpreserve_free() taking 4096 bytes it never counted. */
	uint64_t before = kho_preserved_bytes();
	paddr_t pa;
	assert_int_equal(kho_alloc_preserve_meta(100, &pa), 0);
	kho_unpreserve_free_meta(pa);
	assert_int_equal(kho_preserved_bytes(), before);
}

static void test_vmalloc(void **state)
{
	(void)state;
	static paddr_t frames[600];
	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++)
		frames[i] = 0x200000000 + i * PAGE;
	struct vm_area a = { .va = 0xffffc90000001000, .npages = 600, .order = 0,
			     .frames = frames };
	kh_set_vm_area(&a);
	struct kho_vmalloc desc;
	uint64_t before = kho_preserved_bytes();
	assert_int_equal(kho_preserve_vmalloc((void *)0x1234, &desc), -EINVAL);
	assert_int_equal(kho_preserve_vmalloc((void *)a.va, &desc), 0);
	assert_int_equal(desc.total_pages, 600);
	assert_int_equal(desc.order, 0);
	assert_int_equal(desc.flags, KHO_VMALLOC_ALLOC);
	const struct kho_vmalloc_chunk *c1 = phys_to_virt(desc.first);
	assert_int_not_equal(c1->next, 0);
	const struct kho_vmalloc_chunk *c2 = phys_to_virt(c1->next);
	assert_int_equal(c2->next, 0);
	for (unsigned i = 0; i < 600; i++)
		assert_int_equal(i < 511 ? c1->phys[i] : c2->phys[i - 511], frames[i]);
	assert_int_equal(c2->phys[600 - 511], 0);
	assert_int_equal(kho_preserved_bytes() - before, 602 * PAGE);   /* chunks counted */
	char want[256];
	paddr_t lo = MIN(desc.first, c1->next), hi = MAX(desc.first, c1->next);
	if (hi == lo + PAGE && lo == FDT_PA + PAGE)
		snprintf(want, sizeof(want), "0x40100000/0 x3\n0x200000000/0 x600\n");
	else
		snprintf(want, sizeof(want), BASELINE "%#llx/0 x1\n%#llx/0 x1\n0x200000000/0 x600\n",
			 (unsigned long long)lo, (unsigned long long)hi);
	assert_golden(tree(), want);
	unsigned live = data_pages();
	kho_unpreserve_vmalloc(&desc);
	assert_int_equal(desc.first, 0);
	assert_int_equal(kho_preserved_bytes(), before);
	assert_golden(tree(), BASELINE);
	assert_int_equal(data_pages(), live - 2);
	live -= 2;

	/* No page for the first or the second chunk; a frame in scratch: all undone. */
	for (unsigned budget = 0; budget < 2; budget++) {
		kh_fail_alloc_after(budget);
		assert_int_equal(kho_preserve_vmalloc((void *)a.va, &desc), -ENOMEM);
		kh_fail_alloc_after(~0u);
		assert_int_equal(kho_preserved_bytes(), before);
		assert_golden(tree(), BASELINE);
		assert_int_equal(data_pages(), live);
	}
	frames[520] = KH_SCRATCH2;
	assert_int_equal(kho_preserve_vmalloc((void *)a.va, &desc), -EINVAL);
	assert_int_equal(kho_preserved_bytes(), before);
	assert_golden(tree(), BASELINE);
	assert_int_equal(data_pages(), live);

	/* Order-1 pieces. */
	static paddr_t big[2] = { 0x200000000, 0x200004000 };
	struct vm_area b = { .va = 0xffffc90000100000, .npages = 4, .order = 1, .frames = big };
	kh_set_vm_area(&b);
	assert_int_equal(kho_preserve_vmalloc((void *)b.va, &desc), 0);
	assert_int_equal(desc.order, 1);
	assert_int_equal(desc.total_pages, 4);
	assert_true(kho_radix_test(kho_out_tree(), 0x200004000, 1));
	kho_unpreserve_vmalloc(&desc);
	assert_golden(tree(), BASELINE);
	kh_set_vm_area(NULL);
}

static void test_subtrees(void **state)
{
	(void)state;
	const void *fdt = phys_to_virt(kho_out_fdt());
	paddr_t pa;
	uint64_t size;
	assert_int_equal(kho_add_subtree("LUO", 0x100000000, 32), 0);
	assert_int_equal(kho_add_subtree("LUO", 0x100001000, 32), -EEXIST);
	assert_int_equal(kho_add_subtree("", 0x100001000, 32), -EINVAL);
	assert_int_equal(kho_add_subtree("a@b", 0x100001000, 32), -EINVAL);
	assert_int_equal(kho_fdt_get_subtree(fdt, "LUO", &pa, &size), 0);
	assert_int_equal(pa, 0x100000000);
	assert_int_equal(size, 32);
	assert_int_equal(kho_remove_subtree(0x100000000), 0);
	assert_int_equal(kho_remove_subtree(0x100000000), -ENOENT);
	assert_int_equal(kho_fdt_count_subtrees(fdt), 0);
}

/* The handover as the next kernel's kho_memory_init reads it, before its checks. */
static void check_handover(const struct kho_data *d, const char *golden_tree)
{
	assert_int_equal(d->fdt_addr, FDT_PA);
	assert_int_equal(d->fdt_size, KHO_FDT_SIZE);
	assert_int_equal(d->scratch_size, 2 * sizeof(struct kho_scratch));
	assert_true(kho_in_scratch(d->scratch_addr, d->scratch_size));
	const struct kho_scratch *s = phys_to_virt(d->scratch_addr);
	assert_int_equal(s[0].addr, KH_BASE);
	assert_int_equal(s[0].size, KH_SCRATCH_PAGES * PAGE);
	assert_int_equal(s[1].addr, KH_SCRATCH2);
	assert_int_equal(s[1].size, KH_SCRATCH2_SIZE);
	paddr_t root, pa;
	uint64_t size;
	const char *why = NULL;
	const void *fdt = phys_to_virt(d->fdt_addr);
	assert_int_equal(kho_fdt_validate(fdt, d->fdt_size, &root, &why), 0);
	assert_int_equal(kho_fdt_get_subtree(fdt, "LUO", &pa, &size), 0);
	assert_int_equal(pa, 0x100000000);
	assert_int_equal(kho_fdt_get_subtree(fdt, KHO_KEXEC_METADATA_NAME, &pa, &size), 0);
	assert_int_equal(size, sizeof(struct kho_kexec_metadata));
	const struct kho_kexec_metadata *m = phys_to_virt(pa);
	assert_int_equal(m->version, KHO_KEXEC_METADATA_VERSION);
	assert_string_equal(m->previous_release, BATON_VERSION);
	assert_int_equal(m->kexec_count, 1);
	char want[512];
	snprintf(want, sizeof(want), golden_tree, (unsigned long long)pa);
	assert_golden(tree_from(root), want);
}

static void test_finalize(void **state)
{
	(void)state;
	struct kho_data d, d2;
	assert_int_equal(kho_add_subtree("LUO", 0x100000000, 32), 0);
	assert_int_equal(kho_preserve_pages(0x100000000, 3), 0);
	const char *base = "0x100000000/1 x1\n" BASELINE "0x100002000/0 x1\n";
	assert_golden(tree(), base);
	unsigned live = data_pages();
	uint64_t bytes = kho_preserved_bytes();
	const void *fdt = phys_to_virt(kho_out_fdt());

	/* -ENOMEM at the metadata page and at the scratch array; the fault site. */
	for (unsigned budget = 0; budget < 3; budget++) {
		int want = budget < 2 ? -ENOMEM : -EIO;
		if (budget < 2)
			kh_fail_alloc_after(budget);
		finalized_err = budget == 2 ? -EIO : 0;
		if (kho_finalize(&d) != want)
			case_fail("budget %u: not %d", budget, want);
		kh_fail_alloc_after(~0u);
		finalized_err = 0;
		assert_golden(tree(), base);
		assert_int_equal(data_pages(), live);
		assert_int_equal(kho_preserved_bytes(), bytes);
		assert_int_equal(kho_fdt_count_subtrees(fdt), 1);
	}

	/* Metadata page: 4 KiB, counted as preserved (it is kho_alloc_preserve's). */
	const char *golden = "0x100000000/1 x1\n" BASELINE "%#llx/0 x1\n0x100002000/0 x1\n";
	assert_int_equal(kho_finalize(&d), 0);
	check_handover(&d, golden);
	assert_int_equal(data_pages(), live + 2);
	assert_int_equal(kho_preserved_bytes(), bytes + PAGE);
	/* Again (a failed exec, then another): the first one is undone first. */
	assert_int_equal(kho_finalize(&d2), 0);
	check_handover(&d2, golden);
	assert_int_equal(data_pages(), live + 2);
	kho_abort();
	assert_golden(tree(), base);
	assert_int_equal(data_pages(), live);
	assert_int_equal(kho_preserved_bytes(), bytes);
	paddr_t pa;
	uint64_t size;
	assert_int_equal(kho_fdt_get_subtree(fdt, KHO_KEXEC_METADATA_NAME, &pa, &size), -ENOENT);
	kho_abort();                                /* twice: nothing */
	assert_int_equal(data_pages(), live);

	assert_int_equal(kho_unpreserve_pages(0x100000000, 3), 0);
	assert_int_equal(kho_remove_subtree(0x100000000), 0);
	assert_golden(tree(), BASELINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_ready),
		cmocka_unit_test(test_init_leak),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_preserve_folio),
		cmocka_unit_test(test_preserve_pages),
		cmocka_unit_test(test_alloc_preserve),
		cmocka_unit_test(test_meta_unpreserve_free),
		cmocka_unit_test(test_vmalloc),
		cmocka_unit_test(test_subtrees),
		cmocka_unit_test(test_finalize),
	};
	return cmocka_run_group_tests_name("kho_out", tests, host_reset_log, NULL);
}
