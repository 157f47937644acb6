/*
 * The KHO self-test (in the spirit of Linux's test_kho), over generations of
 * kernels in one QEMU process:
 *
 *   `kho selftest GENS [SEED]`: allocate blocks of random orders (0..18 where
 *   memory allows), fill each with seeded data, preserve them, record address,
 *   order and checksum in the subtree "kho-test" (itself preserved); also a vmalloc
 *   area and an odd page range, the other two ways of preserving; kexec.
 *   Each next kernel, at boot: restore every block (order and checksum must
 *   match), free them, print
 *       kho-test: gen=G blocks=N bytes=B verified free=F
 *   and, until GENS kexecs have happened, start the next generation; then print
 *       kho-test: PASS gens=GENS
 *   Any mismatch prints "kho-test: FAIL ..." and the chain stops at the prompt.
 * F is the free memory after the restored blocks are freed, plus what the boot's
 * own data holds (see free_bytes): the cold kernel prints it first as generation 0,
 * and every generation must match it exactly (checked here too: a leak fails).
 */
#include <errno.h>
#include <initcall.h>
#include <kexec.h>
#include <kho.h>
#include <mm.h>
#include <printk.h>
#include "kho_selftest.h"
#include <string.h>
#include <vmalloc.h>

#define TEST_NAME   "kho-test"
#define TEST_MAGIC  0x6b686f74u            /* "khot" */
#define MAX_BLOCKS  24

struct test_block_ser {
	uint64_t pa;
	uint32_t order, reserved;
	uint64_t csum;
} __packed;

#define VM_PAGES    37                     /* a vmalloc area, restored by its frames */
#define RANGE_PAGES 13                     /* a page range, split into natural blocks */

struct test_ser {
	uint32_t magic, gen, gens, count;
	uint64_t seed, free_ref;               /* the cold kernel's free figure */
	struct test_block_ser block[MAX_BLOCKS];
	struct kho_vmalloc vm;
	uint64_t vm_csum;
	uint64_t range_pa, range_csum;
} __packed;
_Static_assert(sizeof(struct test_ser) == 32 + MAX_BLOCKS * 24 + 16 + 24, "test_ser layout");

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t fill(paddr_t pa, unsigned order, uint64_t seed)
{
	uint64_t *w = page_virt(pa), n = ((uint64_t)PAGE_SIZE << order) / 8, sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		w[i] = mix(seed ^ (pa + i * 8));
		sum = (sum << 7 | sum >> 57) ^ w[i];
	}
	return sum;
}

static uint64_t checksum_va(const void *p, uint64_t bytes)
{
	const uint64_t *w = p;
	uint64_t sum = 0;
	for (uint64_t i = 0; i < bytes / 8; i++)
		sum = (sum << 7 | sum >> 57) ^ w[i];
	return sum;
}

static uint64_t checksum(paddr_t pa, unsigned order)
{
	const uint64_t *w = page_virt(pa);
	uint64_t n = ((uint64_t)PAGE_SIZE << order) / 8, sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum = (sum << 7 | sum >> 57) ^ w[i];
	return sum;
}

/* Free memory plus what holds the boot's own data (boot information, modules, the
 * incoming handover's scratch array and root FDT) and the outgoing tree's pages
 * (their number depends on where KHO's own pages happen to lie): the same in the
 * cold kernel and in every generation, unless something leaked. */
static uint64_t free_bytes(void)
{
	struct mm_stats s;
	mm_stats(&s);
	return s.free + mm_boot_data_bytes() + kho_out_tree_pages() * PAGE_SIZE;
}

/* Preserve a new random set and jump. Returns only on failure. */
static int start_generation(uint32_t gen, uint32_t gens, uint64_t seed, uint64_t free_ref)
{
	paddr_t blob;
	int err = kho_alloc_preserve(sizeof(struct test_ser), &blob);
	if (err)
		return err;
	struct test_ser *t = page_virt(blob);
	memset(t, 0, sizeof(*t));
	t->magic = TEST_MAGIC;
	t->gen = gen;
	t->gens = gens;
	t->seed = seed;
	t->free_ref = free_ref;
	uint64_t budget = free_bytes() / 4, r = mix(seed + gen);
	for (unsigned i = 0; i < MAX_BLOCKS; i++) {
		r = mix(r);
		unsigned order = (unsigned)(r % 19);
		if (i % 3)                        /* mostly small blocks */
			order %= 10;
		if (((uint64_t)PAGE_SIZE << order) > budget)
			continue;
		paddr_t pa = page_alloc(order, GFP_PRESERVABLE);
		if (!pa)
			continue;
		if (kho_preserve_folio(pa, order)) {
			page_free(pa, order);
			continue;
		}
		budget -= (uint64_t)PAGE_SIZE << order;
		t->block[t->count++] = (struct test_block_ser){ pa, order, 0, fill(pa, order, seed + gen) };
	}
	/* A vmalloc area (preserved by its frames) and a 13-page range (as 1+2+4+4+2
	 * pages from an odd start): the other two ways of preserving. */
	uint64_t *vm = vmalloc(VM_PAGES * PAGE_SIZE, GFP_PRESERVABLE);
	paddr_t range = page_alloc(4, GFP_PRESERVABLE);
	if (!vm || !range)
		return -ENOMEM;
	for (uint64_t i = 0; i < VM_PAGES * PAGE_SIZE / 8; i++)
		vm[i] = mix(seed + gen + i);
	t->vm_csum = checksum_va(vm, VM_PAGES * PAGE_SIZE);
	struct kho_vmalloc desc;
	err = kho_preserve_vmalloc(vm, &desc);
	if (err)
		return err;
	t->vm = desc;
	t->range_pa = range + PAGE_SIZE;
	t->range_csum = 0;
	for (unsigned i = 0; i < RANGE_PAGES; i++)
		t->range_csum ^= fill(t->range_pa + i * PAGE_SIZE, 0, seed + gen + 99);
	err = kho_preserve_pages(t->range_pa, RANGE_PAGES);
	if (err)
		return err;
	err = kho_add_subtree(TEST_NAME, blob, sizeof(*t));
	uint64_t bytes;
	const char *why;
	if (!err)
		err = kexec_load("baton", "", &bytes, &why);
	if (!err)
		err = kexec_exec();
	printk("kho-test: FAIL cannot start generation %u: %d\n", gen, err);
	return err;
}

/* Restore every random block: order and checksum must match; *bytes their size.
 * 0, or -EIO after printing the FAIL line. */
static int verify_blocks(const struct test_ser *t, uint64_t *bytes)
{
	*bytes = 0;
	for (unsigned i = 0; i < t->count; i++) {
		const struct test_block_ser *b = &t->block[i];
		unsigned got;
		if (kho_restore_folio(b->pa, &got) || got != b->order) {
			printk("kho-test: FAIL gen=%u block %u at %#llx: not restored with order %u\n",
			       t->gen, i, (unsigned long long)b->pa, b->order);
			return -EIO;
		}
		if (checksum(b->pa, got) != b->csum) {
			printk("kho-test: FAIL gen=%u block %u at %#llx order %u: checksum\n", t->gen,
			       i, (unsigned long long)b->pa, got);
			return -EIO;
		}
		*bytes += (uint64_t)PAGE_SIZE << got;
		page_free(b->pa, got);
	}
	return 0;
}

/* The vmalloc area and the page range: restored, checksummed, freed. 0 or -EIO. */
static int verify_vm_and_range(const struct test_ser *t)
{
	struct kho_vmalloc desc = t->vm;
	void *vm = kho_restore_vmalloc(&desc);
	if (!vm || vmalloc_area(vm)->npages != VM_PAGES ||
	    checksum_va(vm, VM_PAGES * PAGE_SIZE) != t->vm_csum) {
		printk("kho-test: FAIL gen=%u the vmalloc area did not come back intact\n", t->gen);
		return -EIO;
	}
	vfree(vm);
	if (kho_restore_pages(t->range_pa, RANGE_PAGES)) {
		printk("kho-test: FAIL gen=%u the page range was not restored\n", t->gen);
		return -EIO;
	}
	uint64_t rsum = 0;
	for (unsigned i = 0; i < RANGE_PAGES; i++)
		rsum ^= checksum(t->range_pa + i * PAGE_SIZE, 0);
	if (rsum != t->range_csum) {
		printk("kho-test: FAIL gen=%u the page range's checksum\n", t->gen);
		return -EIO;
	}
	for (paddr_t at = t->range_pa; at < t->range_pa + RANGE_PAGES * PAGE_SIZE;) {
		unsigned o = mm_page(at)->order;         /* each restored piece is a block */
		page_free(at, o);
		at += (uint64_t)PAGE_SIZE << o;
	}
	return 0;
}

/* The test record the previous kernel left, copied out and its page freed. */
static int take_record(struct test_ser *t)
{
	paddr_t pa;
	uint64_t size;
	unsigned order;
	if (kho_retrieve_subtree(TEST_NAME, &pa, &size))
		return -ENOENT;
	if (size != sizeof(*t) || kho_restore_folio(pa, &order)) {
		printk("kho-test: FAIL the test record is missing or malformed\n");
		return -EIO;
	}
	memcpy(t, page_virt(pa), sizeof(*t));
	page_free(pa, order);
	if (t->magic != TEST_MAGIC || t->count > MAX_BLOCKS) {
		printk("kho-test: FAIL bad test record\n");
		return -EIO;
	}
	return 0;
}

static void kho_bench_resume(void);

/* At boot: continue a running test, if the previous kernel left one. */
static void kho_selftest_resume(void)
{
	kho_bench_resume();
	struct test_ser t;
	uint64_t bytes;
	if (take_record(&t) || verify_blocks(&t, &bytes) || verify_vm_and_range(&t))
		return;
	uint64_t free = free_bytes();
	printk("kho-test: gen=%u blocks=%u bytes=%llu verified free=%llu\n", t.gen, t.count,
	       (unsigned long long)bytes, (unsigned long long)free);
	if (free != t.free_ref) {
		printk("kho-test: FAIL gen=%u free memory %llu differs from the cold kernel's %llu\n",
		       t.gen, (unsigned long long)free, (unsigned long long)t.free_ref);
		return;
	}
	if (t.gen >= t.gens) {
		printk("kho-test: PASS gens=%u\n", t.gens);
		return;
	}
	start_generation(t.gen + 1, t.gens, t.seed, t.free_ref);
}

/*
 * `kho bench-preserve SIZE`: preserve SIZE bytes as 2 MiB blocks (contents not
 * touched) listed in subtree "kho-bench", for measuring the blackout against the
 * amount preserved. The next kernel restores and frees them at boot and prints
 *     kho-bench: restored=N bytes=B
 */
#define BENCH_NAME "kho-bench"

int kho_bench_preserve(uint64_t bytes, uint64_t *blocks)
{
	uint64_t n = bytes / (2 * MiB);
	paddr_t list;
	int err = kho_alloc_preserve((n + 1) * sizeof(uint64_t), &list);
	if (err)
		return err;
	uint64_t *l = page_virt(list);
	for (l[0] = 0; l[0] < n; l[0]++) {
		paddr_t pa = page_alloc(9, GFP_PRESERVABLE);
		if (!pa || kho_preserve_folio(pa, 9)) {
			if (pa)
				page_free(pa, 9);
			break;
		}
		l[1 + l[0]] = pa;
	}
	*blocks = l[0];
	return kho_add_subtree(BENCH_NAME, list, (n + 1) * sizeof(uint64_t));
}

static void kho_bench_resume(void)
{
	paddr_t pa;
	uint64_t size;
	unsigned list_order, order;
	if (kho_retrieve_subtree(BENCH_NAME, &pa, &size) || size < 8 ||
	    kho_restore_folio(pa, &list_order))
		return;
	const uint64_t *l = page_virt(pa);
	uint64_t n = MIN(l[0], size / 8 - 1), ok = 0;
	for (uint64_t i = 0; i < n; i++)
		if (kho_restore_folio(l[1 + i], &order) == 0) {
			page_free(l[1 + i], order);
			ok++;
		}
	page_free(pa, list_order);
	printk("kho-bench: restored=%llu bytes=%llu\n", (unsigned long long)ok,
	       (unsigned long long)(ok * 2 * MiB));
}
LATE_INITCALL(10, kho_selftest_resume);

/* `kho selftest`: generation 0 is this kernel, which prints the free-memory figure
 * every later generation must match, then starts generation 1. */
int kho_selftest_start(uint64_t gens, uint64_t seed)
{
	uint64_t free = free_bytes();
	printk("kho-test: gen=0 blocks=0 bytes=0 verified free=%llu\n", (unsigned long long)free);
	return start_generation(1, (uint32_t)gens, seed, free);
}
