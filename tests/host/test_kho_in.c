/*
 * kho/kho_in.c and kho/kho_scratch.c on the host: the incoming side of KHO as a round
 * trip N -> N+1, each kernel a forked child over shim/kho_in_host.c (64 MiB of shared
 * RAM at physical 0). Both kernels run the real mm_init (mm/mm.c over mm/memblock.c,
 * mm/zones.c, mm/buddy.c) with KHO's hooks (kho/kho_mm.c), then kho_init(), as kmain
 * does. Kernel N boots cold, preserves (kho/kho_out.c) blocks of orders 0, 2, 5 and
 * 9, a page range, a vmalloc area and subtrees, runs kho_finalize(), and "kexecs":
 * every page that is neither preserved, a tree page nor the scratch array is
 * poisoned. Kernel N+1 boots with that struct kho_data in boot_info.kho.
 *
 * Covered: the accepted handover (the exact printk lines; memblock holds exactly
 * the cold boot's reservations, the scratch array, the walk array, the preserved
 * blocks and the tree pages; the KHO_IN_CHECK sees its subtree; every restore
 * gives a block back once and -EINVAL after; kho_is_preserved(_block) and
 * kho_preserved_block; subtrees; kho_restore_free; the tree's pages are freed when
 * all is restored; free memory plus boot data equals the cold boot's figure);
 * more runs than walk 1 records (walk 2 reserves them); and every refusal, each with
 * its exact reason and line: nothing of it usable, scratch_only off, memblock holding
 * only what a cold boot holds (plus the handover's own pages the stage explains),
 * every run reserved before the refusal given back (overlaps found early and late,
 * in walk 1's record and in walk 2), pages scrubbed on allocation.
 */
#include <boot_info.h>
#include <errno.h>
#include <kho.h>
#include <libfdt.h>
#include <memblock.h>
#include <mm.h>
#include <vmalloc.h>
#include "../../kho/kho_priv.h"
#include "../../mm/zones.h"
#include "kho_in_host.h"
#include "host_test.h"

#define PAGE       4096ull
#define WALK_BYTES (65536 * 8ull + 4096 * 16ull)   /* kho_in.c's walk array */
#define MAX_BLOCKS 8192
#define MAX_NODES  64
#define MANIFEST_MAGIC 0x4b484f494e544553ull
#define VM_VA      0xffffc90000100000ull

/* ---- what the kernels tell each other (and the parent) ---- */

struct blk {
	paddr_t pa;
	unsigned order;
};

struct manifest {                    /* the "test-manifest" subtree's blob */
	uint64_t magic;
	paddr_t f[4];                    /* orders 0, 2, 5, 9 */
	paddr_t range;                   /* 5 pages preserved at range + 4 KiB */
	struct kho_vmalloc vm;
	paddr_t vm_frames[3];            /* order 1 each */
};

struct shared {
	/* kernel N, right after mm_init + kho_init (a cold boot's figures) */
	uint64_t cold_reserved, cold_free, cold_boot_data;
	struct kho_scratch cold_scratch[2];
	unsigned ncold;
	/* the handover */
	struct kho_data kd;
	paddr_t manifest_pa, check_pa, fdt_pa, meta_pa;
	struct manifest m;
	/* the outgoing tree as walked at the end of kernel N */
	struct blk blocks[MAX_BLOCKS];
	uint64_t nblocks, bytes;
	paddr_t nodes[MAX_NODES];
	uint64_t nnodes;
	/* the KHO_IN_CHECK in kernel N+1 */
	unsigned check_calls;
	paddr_t check_seen_pa;
	uint64_t check_seen_size;
	bool check_seen_preserved;
	/* the case kernel N+1 checks */
	int n;
};

static struct shared *sh(void)
{
	return ki_shared();
}

/* ---- the boot ---- */

static void boot(bool handover)
{
	struct boot_info *bi = &boot_info;
	memset(bi, 0, sizeof(*bi));
	bi->nmem = 1;
	bi->mem[0] = (struct boot_mem_range){ 0, KI_RAM, BOOT_MEM_RAM };
	bi->kernel_start = KERNEL_PHYS;
	bi->kernel_end = KERNEL_PHYS + 2 * MiB;
	bi->info_addr = KERNEL_PHYS + 3 * MiB;
	bi->info_size = PAGE;
	if (handover) {
		const struct kho_data *k = &sh()->kd;
		bi->kho = (struct boot_kho){ true, k->fdt_addr, k->fdt_size, k->scratch_addr,
					     k->scratch_size };
	}
	mm_set_handover(&kho_mm_handover);
	mm_init(bi);
	kho_init();
}

static uint64_t free_bytes(void)
{
	return (mm_zone(ZONE_NORMAL)->free_pages + mm_zone(ZONE_SCRATCH)->free_pages) * PAGE;
}

static void fill(paddr_t pa, unsigned order)
{
	uint64_t *p = phys_to_virt(pa);
	for (uint64_t i = 0; i < (PAGE << order) / 8; i++)
		p[i] = pa + i * 8;
}

static __attribute__((unused)) bool filled(paddr_t pa, unsigned order)
{
	const uint64_t *p = phys_to_virt(pa);
	for (uint64_t i = 0; i < (PAGE << order) / 8; i++)
		if (p[i] != pa + i * 8)
			return false;
	return true;
}

/* ---- kernel N: preserve, finalize, kexec ---- */

static bool node_any(paddr_t pa, void *arg)
{
	(void)arg;
	return pa != 0;
}

static int record_block(paddr_t pa, unsigned order, void *arg)
{
	(void)arg;
	struct shared *s = sh();
	if (s->nblocks < MAX_BLOCKS)
		s->blocks[s->nblocks] = (struct blk){ pa, order };
	s->nblocks++;
	s->bytes += PAGE << order;
	return 0;
}

static void record_tree(void)
{
	struct shared *s = sh();
	s->nblocks = s->bytes = 0;
	struct kho_radix_walk w = { .node_ok = node_any, .block = record_block,
				    .max_nodes = MAX_NODES, .visited = s->nodes };
	if (kho_radix_walk(kho_out_tree()->root, &w))
		fail_msg("walk of the outgoing tree: %s", w.why ? w.why : "?");
	s->nnodes = w.nvisited;
	assert_true(s->nblocks <= MAX_BLOCKS);
}

static bool kept(paddr_t pa)
{
	const struct shared *s = sh();
	if (pa >> 12 == s->kd.scratch_addr >> 12)
		return true;
	for (uint64_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i] == pa)
			return true;
	for (uint64_t i = 0; i < s->nblocks; i++)
		if (pa - s->blocks[i].pa < PAGE << s->blocks[i].order)
			return true;
	return false;
}

/* The kexec: what N+1 gets is the preserved memory, the tree and the scratch array;
 * every other page holds garbage. */
static void kexec(void)
{
	record_tree();
	for (paddr_t pa = 0; pa < KI_RAM; pa += PAGE)
		if (!kept(pa))
			memset(ki_ram(pa), 0xdb, PAGE);
}

static struct vm_area vm;
static paddr_t vm_frames[3];

/* The preservations every case starts from. */
static void preserve_all(void)
{
	struct shared *s = sh();
	struct manifest *m = &s->m;
	static const unsigned orders[4] = { 0, 2, 5, 9 };
	m->magic = MANIFEST_MAGIC;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(kho_alloc_preserve(PAGE << orders[i], &m->f[i]), 0);
		fill(m->f[i], orders[i]);
	}
	/* A page range: 5 of 8 pages, split as [+4K]/0, [+8K]/1, [+16K]/1. */
	m->range = page_alloc(3, GFP_PRESERVABLE);
	assert_true(m->range != 0);
	fill(m->range, 3);
	assert_int_equal(kho_preserve_pages(m->range + PAGE, 5), 0);
	/* A vmalloc area of three order-1 frames. */
	for (unsigned i = 0; i < 3; i++) {
		vm_frames[i] = page_alloc(1, GFP_PRESERVABLE);
		assert_true(vm_frames[i] != 0);
		fill(vm_frames[i], 1);
		m->vm_frames[i] = vm_frames[i];
	}
	vm = (struct vm_area){ .va = VM_VA, .npages = 6, .order = 1, .frames = vm_frames };
	ki_set_vm_area(&vm);
	assert_int_equal(kho_preserve_vmalloc((void *)VM_VA, &m->vm), 0);
	/* The manifest, and the subtree the test's KHO_IN_CHECK reads. */
	assert_int_equal(kho_alloc_preserve(sizeof(*m), &s->manifest_pa), 0);
	memcpy(phys_to_virt(s->manifest_pa), m, sizeof(*m));
	assert_int_equal(kho_add_subtree("test-manifest", s->manifest_pa, sizeof(*m)), 0);
	assert_int_equal(kho_alloc_preserve(8, &s->check_pa), 0);
	*(uint64_t *)phys_to_virt(s->check_pa) = 1;       /* 1: accept */
	assert_int_equal(kho_add_subtree("test-check", s->check_pa, 8), 0);
}

/* Kernel N: a cold boot, the preservations, kho_finalize, then corrupt (if any). */
static void (*corrupt)(void);

static void kernel_n(void)
{
	struct shared *s = sh();
	boot(false);
	assert_false(kho_is_boot());
	assert_false(kho_dropped());
	s->cold_reserved = memblock_total(&memblock.reserved);
	s->cold_free = free_bytes();
	s->cold_boot_data = mm_boot_data_bytes();
	const struct kho_scratch *r = kho_scratch_ranges(&s->ncold);
	assert_int_equal(s->ncold, 2);
	memcpy(s->cold_scratch, r, sizeof(s->cold_scratch));
	s->fdt_pa = kho_out_fdt();
	preserve_all();
	assert_int_equal(kho_finalize(&s->kd), 0);
	uint64_t size;
	assert_int_equal(kho_fdt_get_subtree(phys_to_virt(s->fdt_pa), KHO_KEXEC_METADATA_NAME,
					     &s->meta_pa, &size), 0);
	if (corrupt)
		corrupt();
	kexec();
}

/* ---- the test's KHO_IN_CHECK ---- */

static const char *test_check(paddr_t pa, uint64_t size, bool (*preserved)(paddr_t, uint64_t))
{
	struct shared *s = sh();
	s->check_calls++;
	s->check_seen_pa = pa;
	s->check_seen_size = size;
	s->check_seen_preserved = preserved(pa, size);
	if (!s->check_seen_preserved)
		return "test-check blob not preserved";
	return *(const uint64_t *)phys_to_virt(pa) == 1 ? NULL : "test-check refused";
}
KHO_IN_CHECK("test-check", test_check);

/* ---- kernel N+1: the accepted handover ---- */

static __attribute__((unused)) bool node_page(paddr_t pa)
{
	for (uint64_t i = 0; i < sh()->nnodes; i++)
		if (sh()->nodes[i] == pa)
			return true;
	return false;
}

/* The blocks kernel N preserved, in walk order (descending order, ascending address). */
static const char *blocks_dump(void)
{
	static char buf[4096];
	size_t l = 0;
	buf[0] = 0;
	for (uint64_t i = 0; i < sh()->nblocks && l < sizeof(buf) - 64; i++)
		l += (size_t)snprintf(buf + l, sizeof(buf) - l, "%#llx/%u\n",
				      (unsigned long long)sh()->blocks[i].pa, sh()->blocks[i].order);
	return buf;
}

/* memblock.reserved as text, one range a line. */
static const char *reserved_dump(void)
{
	static char buf[16384];
	size_t l = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < memblock.reserved.cnt && l < sizeof(buf) - 64; i++)
		l += (size_t)snprintf(buf + l, sizeof(buf) - l, "%#llx-%#llx\n",
				      (unsigned long long)memblock.reserved.regions[i].base,
				      (unsigned long long)(memblock.reserved.regions[i].base +
							   memblock.reserved.regions[i].size));
	return buf;
}

static __attribute__((unused)) void expect_restore_fails(const struct manifest *m)
{
	unsigned order = 99;
	assert_int_equal(kho_restore_folio(m->f[0], &order), -EINVAL);
	assert_int_equal(order, 99);
	assert_int_equal(kho_restore_free(m->f[1]), -EINVAL);
	assert_int_equal(kho_restore_pages(m->range + PAGE, 5), -EINVAL);
	assert_null(kho_restore_vmalloc(&m->vm));
}

/* Every restore of the manifest's memory: once, then -EINVAL. Ends with everything
 * restored and freed: the tree's pages go back to the buddy, free memory plus the
 * boot's own data is the cold boot's figure. */
static void restore_everything(void)
{
	struct shared *s = sh();
	const struct manifest *m = &s->m;
	paddr_t pa, head;
	uint64_t size;
	unsigned order;

	/* Subtrees: the manifest as kernel N wrote it. */
	assert_int_equal(kho_retrieve_subtree("test-manifest", &pa, &size), 0);
	assert_int_equal(pa, s->manifest_pa);
	assert_int_equal(size, sizeof(*m));
	assert_memory_equal(phys_to_virt(pa), m, sizeof(*m));
	assert_int_equal(kho_retrieve_subtree("test-check", &pa, NULL), 0);
	assert_int_equal(pa, s->check_pa);
	assert_int_equal(kho_retrieve_subtree("test", &pa, &size), -ENOENT);
	assert_int_equal(kho_retrieve_subtree("test-manifest@0", &pa, &size), -ENOENT);

	/* The lookups, on the order-2 block. */
	assert_true(kho_is_preserved_block(m->f[1], 2));
	assert_false(kho_is_preserved_block(m->f[1], 1));
	assert_false(kho_is_preserved_block(m->f[1], 3));
	assert_false(kho_is_preserved_block(m->f[1] + PAGE, 0));
	assert_false(kho_is_preserved_block(m->f[1], 19));
	assert_true(kho_is_preserved(m->f[1], 4 * PAGE));
	assert_true(kho_is_preserved(m->f[1] + PAGE + 8, 2 * PAGE));
	assert_false(kho_is_preserved(m->f[1] + 2 * PAGE, 3 * PAGE));     /* past its end */
	assert_true(kho_preserved_block(m->f[1] + 3 * PAGE + 5, &head, &order));
	assert_int_equal(head, m->f[1]);
	assert_int_equal(order, 2);
	assert_true(kho_preserved_block(m->f[3] + 511 * PAGE, &head, &order));
	assert_int_equal(head, m->f[3]);
	assert_int_equal(order, 9);
	assert_false(kho_preserved_block(m->range, &head, &order));         /* not preserved */
	assert_false(kho_is_preserved(m->range, PAGE));
	assert_true(kho_is_preserved(s->fdt_pa, PAGE));
	/* mm's view (the hooks): a preserved block is neither free nor any zone's. */
	assert_int_equal(mm_page_state(m->f[1] + PAGE, &head, &order), PAGE_PRESERVED);
	assert_int_equal(head, m->f[1]);
	assert_int_equal(order, 2);

	/* Folios of each order, by their heads only, once. */
	static const unsigned orders[4] = { 0, 2, 5, 9 };
	assert_int_equal(kho_restore_folio(m->f[1] + PAGE, &order), -EINVAL);   /* a tail */
	assert_int_equal(kho_restore_folio(m->f[1] + 8, &order), -EINVAL);      /* unaligned */
	assert_int_equal(kho_restore_folio(m->range, &order), -EINVAL);         /* never preserved */
	for (unsigned i = 0; i < 4; i++) {
		if (i == 2)
			continue;                        /* the order-5 one: kho_restore_free */
		order = 99;
		assert_int_equal(kho_restore_folio(m->f[i], &order), 0);
		assert_int_equal(order, orders[i]);
		assert_true(filled(m->f[i], orders[i]));
		assert_int_equal(mm_page_state(m->f[i], &head, &order), PAGE_ALLOC);
		assert_int_equal(head, m->f[i]);
		assert_int_equal(order, orders[i]);
		assert_false(kho_is_preserved_block(m->f[i], orders[i]));
		assert_false(kho_preserved_block(m->f[i], &head, &order));
		assert_int_equal(kho_restore_folio(m->f[i], &order), -EINVAL);
		assert_int_equal(kho_restore_free(m->f[i]), -EINVAL);
		page_free(m->f[i], orders[i]);
		assert_int_equal(kho_restore_folio(m->f[i], &order), -EINVAL);
	}
	/* kho_restore_free: straight to the free memory. */
	uint64_t before = free_bytes();
	assert_int_equal(kho_restore_free(m->f[2]), 0);
	assert_int_equal(free_bytes(), before + (PAGE << 5));
	assert_int_equal(mm_page_state(m->f[2], NULL, NULL), PAGE_FREE);
	assert_int_equal(kho_restore_free(m->f[2]), -EINVAL);
	assert_int_equal(kho_restore_folio(m->f[2], &order), -EINVAL);

	/* The page range: all or nothing. */
	assert_int_equal(kho_restore_pages(m->range, 6), -EINVAL);         /* page 0 never was */
	assert_int_equal(kho_restore_pages(m->range + PAGE, 6), -EINVAL);  /* one page too far */
	assert_int_equal(kho_restore_pages(m->range + PAGE, 4), -EINVAL);  /* ends mid-block */
	assert_int_equal(kho_restore_pages(m->range + 3 * PAGE, 3), -EINVAL);   /* starts mid-block */
	assert_true(kho_is_preserved_block(m->range + PAGE, 0));
	assert_true(kho_is_preserved_block(m->range + 2 * PAGE, 1));
	assert_true(kho_is_preserved_block(m->range + 4 * PAGE, 1));
	assert_int_equal(kho_restore_pages(m->range + PAGE, 5), 0);
	assert_true(filled(m->range + PAGE, 0));
	assert_true(filled(m->range + 2 * PAGE, 1));
	assert_true(filled(m->range + 4 * PAGE, 1));
	assert_int_equal(kho_restore_pages(m->range + PAGE, 5), -EINVAL);
	assert_int_equal(kho_restore_pages(m->range + 2 * PAGE, 2), -EINVAL);
	assert_int_equal(mm_page_state(m->range + 2 * PAGE, &head, &order), PAGE_ALLOC);
	assert_int_equal(order, 1);
	page_free(m->range + PAGE, 0);
	page_free(m->range + 2 * PAGE, 1);
	page_free(m->range + 4 * PAGE, 1);

	/* The vmalloc area: its frames in order, their contents, the chunk page freed. */
	paddr_t chunk = m->vm.first;
	assert_true(kho_is_preserved_block(chunk, 0));
	printk_log_reset();
	const void *v = kho_restore_vmalloc(&m->vm);
	assert_non_null(v);
	assert_golden(printk_log(), "");
	const paddr_t *fr;
	uint64_t nfr;
	unsigned fo;
	assert_ptr_equal(ki_vmap(&fr, &nfr, &fo), v);
	assert_int_equal(nfr, 3);
	assert_int_equal(fo, 1);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(fr[i], m->vm_frames[i]);
		assert_true(filled(fr[i], 1));
		assert_int_equal(mm_page_state(fr[i], NULL, NULL), PAGE_ALLOC);
	}
	assert_int_equal(mm_page_state(chunk, NULL, NULL), PAGE_FREE);
	assert_false(kho_is_preserved_block(chunk, 0));
	ki_vunmap();
	assert_null(kho_restore_vmalloc(&m->vm));
	char warn[128];
	snprintf(warn, sizeof(warn), "kho: warning: vmalloc area at %#llx is corrupt\n",
		 (unsigned long long)chunk);
	assert_golden(printk_log(), warn);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(kho_restore_folio(m->vm_frames[i], &order), -EINVAL);
		page_free(m->vm_frames[i], 1);
	}

	/* The test-check blob; then the manifest, the last block but the root FDT page:
	 * the tree is released with it. */
	assert_int_equal(kho_restore_free(s->check_pa), 0);
	assert_int_equal(kho_boot_data_bytes(), 2 * PAGE + s->nnodes * PAGE);
	for (uint64_t i = 0; i < s->nnodes; i++)
		assert_int_equal(mm_page_state(s->nodes[i], NULL, NULL), PAGE_RESERVED);
	assert_int_equal(kho_restore_free(s->manifest_pa), 0);
	assert_int_equal(kho_boot_data_bytes(), 2 * PAGE);      /* root FDT, scratch array */
	for (uint64_t i = 0; i < s->nnodes; i++)
		if (mm_page_state(s->nodes[i], NULL, NULL) != PAGE_FREE)
			case_fail("tree page %#llx not freed", (unsigned long long)s->nodes[i]);
	/* No tree any more: nothing is preserved, not even the kept root FDT page. */
	assert_false(kho_is_preserved(s->fdt_pa, PAGE));
	assert_false(kho_is_preserved_block(s->fdt_pa, 0));
	assert_int_equal(kho_restore_folio(s->fdt_pa, &order), -EINVAL);
	assert_int_equal(kho_retrieve_subtree("test-manifest", &pa, &size), 0);
	/* The leak check of `kho selftest`. */
	assert_int_equal(free_bytes() + mm_boot_data_bytes(), s->cold_free + s->cold_boot_data);
}

static void kernel_accept(void)
{
	struct shared *s = sh();
	char line[256];
	boot(true);
	assert_true(kho_is_boot());
	assert_false(kho_dropped());
	assert_null(kho_drop_reason());
	assert_false(memblock.scratch_only);
	snprintf(line, sizeof(line),
		 "kho: handover accepted: %llu preserved blocks, %llu KiB, %llu tree pages\n"
		 "kho: previous kernel host-test, kexec 1 since the cold boot\n",
		 (unsigned long long)s->nblocks, (unsigned long long)(s->bytes >> 10),
		 (unsigned long long)s->nnodes);
	assert_golden(printk_log(), line);

	/* memblock: the cold boot's reservations, the scratch array (its bytes), the
	 * walk array, every preserved block and every tree page; nothing else. */
	uint64_t want = s->cold_reserved + s->kd.scratch_size + WALK_BYTES + s->bytes +
			s->nnodes * PAGE;
	assert_int_equal(memblock_total(&memblock.reserved), want);
	/* The same as ranges: [0, 5 MiB) first MiB, kernel and slot, then the section
	 * bytes; the root FDT page, the tree pages and the blocks kernel N allocated
	 * around them from 5 MiB; the memmap, the scratch array's 32 bytes and the walk
	 * array in scratch; the order-9 block at 22 MiB. */
	assert_golden(reserved_dump(),
		      "0-0x500020\n0x501000-0x540000\n0x541000-0x546000\n0x548000-0x551000\n"
		      "0x600000-0x640020\n0x641000-0x6d1000\n0x1600000-0x1800000\n");
	assert_golden(blocks_dump(),
		      "0x1600000/9\n0x520000/5\n0x50c000/2\n0x542000/1\n0x544000/1\n0x548000/1\n"
		      "0x54a000/1\n0x54c000/1\n0x501000/0\n0x508000/0\n0x51f000/0\n0x541000/0\n"
		      "0x54e000/0\n0x54f000/0\n0x550000/0\n");
	for (uint64_t i = 0; i < s->nblocks; i++) {
		const struct blk *b = &s->blocks[i];
		if (!memblock_is_reserved(&memblock, b->pa, PAGE << b->order))
			case_fail("block %#llx/%u not reserved", (unsigned long long)b->pa, b->order);
		/* Not free, not any zone's: preserved until restored. */
		paddr_t head;
		unsigned order;
		enum page_state st = b->pa == s->meta_pa ? PAGE_FREE : PAGE_PRESERVED;
		if (mm_page_state(b->pa, &head, &order) != st)
			case_fail("block %#llx/%u: state %d", (unsigned long long)b->pa, b->order,
				  mm_page_state(b->pa, NULL, NULL));
	}
	for (uint64_t i = 0; i < s->nnodes; i++)
		assert_true(memblock_is_reserved(&memblock, s->nodes[i], PAGE));
	/* The scratch ranges are the ones kernel N had. */
	unsigned n;
	const struct kho_scratch *r = kho_scratch_ranges(&n);
	assert_int_equal(n, s->ncold);
	assert_memory_equal(r, s->cold_scratch, sizeof(s->cold_scratch));
	/* The KHO_IN_CHECK saw its subtree, inside one preserved block. */
	assert_int_equal(s->check_calls, 1);
	assert_int_equal(s->check_seen_pa, s->check_pa);
	assert_int_equal(s->check_seen_size, 8);
	assert_true(s->check_seen_preserved);
	assert_int_equal(kho_kexec_count(), 1);
	/* kho_init read kexec-metadata and gave its page back. */
	assert_false(kho_is_preserved_block(s->meta_pa, 0));
	assert_int_equal(kho_boot_data_bytes(), PAGE + PAGE + s->nnodes * PAGE);
	restore_everything();
}

static void test_accept(void **state)
{
	(void)state;
	ki_power_on();
	corrupt = NULL;
	ki_kernel(kernel_n);
	ki_kernel(kernel_accept);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
	};
	return cmocka_run_group_tests_name("kho_in", tests, NULL, NULL);
}
