/*
 * tools/kho-inspect on the host: dumps built here from known bytes. A handover is
 * written into an 8 MiB arena at physical 0 with the kernel's own writers
 * (kho/kho_fdt.c, kho/kho_radix.c, luo/luo_ser.c over kho/kho_block.c), plus the
 * records those writers do not make (memfd-v2, the hugetlb FLB, vmalloc chunks,
 * kexec-metadata, baton-timeline, a baton-virtio-blk-v1 disk) typed from
 * include/abi/, and the pci-v2 list written with drivers/pci/pci_ser.c. The arena is then given
 * to inspect() as a raw image, and as an ELF core of two PT_LOAD segments listed
 * out of order, and the findings are compared exactly: the good handover (accepted,
 * every count), and one breakage per case, each with its check name and scope: an
 * error the next kernel refuses the handover for, or one that only fails retrieves
 * (accepted, with the file-level count, in the verdict, JSON and picture).
 *
 * The writers reach the arena through the inspector's own kho_phys_to_virt()
 * (tools/kho-inspect/dump.c) over a dump of the arena made for writing.
 */
#include <elf.h>
#include <stdlib.h>
#include <abi/baton.h>
#include <abi/pci.h>
#include "../../kho/kho_internal.h"
#include "../../luo/luo_ser.h"
#include "../../drivers/pci/pci_ser.h"
#include "../../drivers/virtio/virtio_blk_ser.h"
#include "../../tools/kho-inspect/inspect.h"
#include <libfdt.h>
#include "host_test.h"

#define PAGE       4096ull
#define ARENA      (8 * 1024 * 1024ull)
#define NODE_BASE  (256 * PAGE)           /* tree pages from 1 MiB */
#define BLOCK_BASE (512 * PAGE)           /* preserved pages from 2 MiB */
#define POOL0      (4 * 1024 * 1024ull)   /* two 2 MiB pool folios */
#define POOL1      (6 * 1024 * 1024ull)

enum breakage {
	GOOD, BAD_MAGIC, KHO_V3, RADIX_SELF, BLOCK_OUTSIDE, LUO_SHORT, MEMFD_COUNT,
	FLB_HEADER, HUGETLB_VERSION, HUGETLB_ORDER, HUGETLB_USERS,
	META_STRADDLE,                         /* kexec-metadata across two preserved pages */
	FDT_AND_BLK,                           /* the root FDT not preserved, and BLK_MAGIC */
	/* the disk and its PCI function (test_devices) */
	PCI_NR, PCI_DUP, PCI_RECORD, NO_PCI, BLK_NO_FUNCTION, BLK_RECORD, BLK_MAGIC,
	BLK_QUEUE, BLK_RING, BLK_RING_ORDER, BLK_INFLIGHT, BLK_REQ_IN_RING,
	SEED,                                  /* GOOD with an empty pool: fuzz_inspect's seed */
};

static uint8_t *arena;
static struct dump wdump;
static struct kho_radix tree;
static uint64_t next_node, next_block, npreserved;
static uint64_t fdt_pa, luo_pa, memfd_pa, pci_pa, blk_pa, ring_pa, inflight_pa;

static void *va(uint64_t pa)
{
	assert_true(pa + PAGE <= ARENA);
	return arena + pa;
}

static paddr_t node_alloc(void *ctx)
{
	(void)ctx;
	paddr_t pa = next_node;
	next_node += PAGE;
	assert_true(next_node <= BLOCK_BASE);
	memset(va(pa), 0, PAGE);
	return pa;
}

static void preserve(uint64_t pa, unsigned order)
{
	assert_int_equal(kho_radix_add(&tree, pa, order), 0);
	npreserved++;
}

/* 2^order zeroed pages, aligned to their size; preserved as one block if keep. */
static paddr_t blocks_alloc(unsigned order, bool keep)
{
	uint64_t size = PAGE << order;
	paddr_t pa = (next_block + size - 1) & ~(size - 1);
	next_block = pa + size;
	assert_true(next_block <= POOL0);
	memset(va(pa), 0, size);
	if (keep)
		preserve(pa, order);
	return pa;
}

static paddr_t block_alloc(void *ctx)
{
	(void)ctx;
	return blocks_alloc(0, true);
}

static void block_free(paddr_t pa, void *ctx)
{
	(void)pa;
	(void)ctx;
	fail_msg("no block is freed while writing");
}

/* A kho_vmalloc area of order-0 frames holding data[0..len). */
static struct kho_vmalloc vmalloc_area(const void *data, size_t len)
{
	uint64_t frames = (len + PAGE - 1) / PAGE;
	uint64_t chunk = block_alloc(NULL);
	struct kho_vmalloc_chunk *c = va(chunk);
	for (uint64_t i = 0; i < frames; i++) {
		uint64_t f = block_alloc(NULL);
		memcpy(va(f), (const uint8_t *)data + i * PAGE, len - i * PAGE < PAGE ? len - i * PAGE : PAGE);
		c->phys[i] = f;
	}
	return (struct kho_vmalloc){ .first = chunk, .total_pages = (uint32_t)frames,
				     .flags = KHO_VMALLOC_ALLOC, .order = 0 };
}

#define BLK_BDF   0x0020                 /* 00:04.0 */
#define BLK_QSIZE 128

/* The pci-v2 list (drivers/pci/pci_ser.c's writer): the disk's function, a bridge
 * and the function below it, room for 8; broken as asked. */
static uint64_t pci_list(enum breakage b)
{
	uint64_t pa = blocks_alloc(0, b != PCI_RECORD);
	struct pci_ser *s = va(pa);
	struct pci_dev_ser *e;
	s->max_nr_devices = 8;
	assert_int_equal(pci_ser_get(s, 0, BLK_BDF, &e), 0);
	assert_int_equal(pci_ser_get(s, 0, 0x00e0, &e), 0);      /* 00:1c.0, a bridge */
	assert_int_equal(pci_ser_get(s, 0, 0x0100, &e), 0);      /* 01:00.0 below it */
	if (b == PCI_NR)
		s->nr_devices = 2;
	if (b == PCI_DUP) {
		s->devices[3] = (struct pci_dev_ser){ 0, BLK_BDF, 1 };
		s->nr_devices++;
	}
	return pa;
}

/* A baton-virtio-blk-v1 record with a write in flight (3 descriptors, its data an
 * order-2 folio): the ring, the request page and the data preserved; broken as asked. */
static uint64_t blk_record(enum breakage b)
{
	unsigned ring_order = virtio_blk_ring_order(BLK_QSIZE);
	/* The kernel preserves the ring page by page; BLK_RING_ORDER preserves it as one
	 * block of its order instead, which the next kernel's take_ring refuses. */
	ring_pa = blocks_alloc(ring_order, b == BLK_RING_ORDER);
	if (b != BLK_RING && b != BLK_RING_ORDER)
		for (uint64_t i = 0; i < 1u << ring_order; i++)
			preserve(ring_pa + i * PAGE, 0);
	uint64_t req = blocks_alloc(0, true);
	inflight_pa = blocks_alloc(2, b != BLK_INFLIGHT);
	if (b == BLK_INFLIGHT)
		preserve(inflight_pa, 0);
	struct baton_virtio_blk_ser s = {
		.magic = b == BLK_MAGIC || b == FDT_AND_BLK ? 0x12345678 : BATON_VIRTIO_BLK_MAGIC,
		.version = BATON_VIRTIO_BLK_VERSION, .domain = 0,
		.bdf = b == BLK_NO_FUNCTION ? 0x0028 : BLK_BDF, .vendor_id = 0x1af4,
		.device_id = 0x1042, .queue_size = BLK_QSIZE, .avail_idx = 7,
		.last_used = b == BLK_QUEUE ? 7 : 6, .free_head = 3, .num_free = BLK_QSIZE - 3,
		.inflight_head = 0, .inflight_len = 3, .inflight_order = 2,
		.features = VIRTIO_F_VERSION_1 | (1ull << 9), .capacity = 131072,
		.ring_pa = ring_pa, .ring_order = ring_order,
		.req_pa = b == BLK_REQ_IN_RING ? ring_pa + PAGE : req,    /* the used ring */
		.inflight_pa = inflight_pa, .inflight_lba = 100,
	};
	s.bar_base[4] = 0xfe000000;
	s.bar_size[4] = 0x4000;
	uint64_t pa = blocks_alloc(0, b != BLK_RECORD);
	memcpy(va(pa), &s, sizeof(s));
	return pa;
}

/* The handover of the test, broken as asked. */
static void build(enum breakage b)
{
	memset(arena, 0, ARENA);
	assert_int_equal(dump_init(&wdump, arena, ARENA, true, NULL, NULL, NULL, 0), 0);
	dump_set_current(&wdump);
	next_node = NODE_BASE;
	next_block = BLOCK_BASE;
	npreserved = 0;
	assert_int_equal(kho_radix_init(&tree, node_alloc, NULL), 0);

	fdt_pa = blocks_alloc(0, b != FDT_AND_BLK);
	assert_int_equal(kho_fdt_init(va(fdt_pa), tree.root), 0);

	/* memfd-v2: 10000 bytes in three order-0 folios */
	struct memfd_luo_folio_ser fol[3];
	for (unsigned i = 0; i < 3; i++) {
		uint64_t p = block_alloc(NULL);
		memset(va(p), 'a' + i, PAGE);
		fol[i] = (struct memfd_luo_folio_ser){ (p >> 12) | MEMFD_LUO_FOLIO_UPTODATE, i };
	}
	memfd_pa = block_alloc(NULL);
	struct memfd_luo_ser m = { .pos = 0, .size = 10000, .seals = 1, .flags = 0,
				   .nr_folios = b == MEMFD_COUNT ? 5 : 3,
				   .folios = vmalloc_area(fol, sizeof(fol)) };
	memcpy(va(memfd_pa), &m, sizeof(m));

	/* the hugetlb FLB: pool 0 of two 2 MiB folios, the second in use (the seed's
	 * pool is empty, so that its dump need not hold 4 MiB of folios) */
	bool pool = b != SEED;
	if (pool) {
		preserve(POOL0, 9);
		preserve(POOL1, 9);
	}
	uint64_t list[2] = { POOL0, POOL1 | BATON_HUGETLB_USER };
	uint64_t hpa = block_alloc(NULL);
	struct baton_hugetlb_ser h = { .magic = BATON_HUGETLB_MAGIC, .version = BATON_HUGETLB_VERSION,
				       .nr_pools = 1 };
	if (b == HUGETLB_VERSION)
		h.version++;
	h.pool[0] = (struct baton_hugetlb_pool_ser){ .order = 9, .nr_user = pool, .nr_folios = pool ? 2 : 0,
						     .list = vmalloc_area(list, sizeof(list)) };
	if (b == HUGETLB_ORDER)
		h.pool[0].order = 19;              /* not 9, and past any block's order */
	if (b == HUGETLB_USERS)
		h.pool[0].nr_user = 3;             /* of 2 folios */
	memcpy(va(hpa), &h, sizeof(h));

	/* the disk, and its function in pci-v2 */
	blk_pa = blk_record(b);
	pci_pa = pci_list(b);

	/* LUO: one session with the memfd, an unknown file and the disk, one without files */
	struct luo_ser_file files[3] = {
		{ MEMFD_LUO_COMPATIBLE, memfd_pa, 7 }, { "test-v1", 0x1234, 8 },
		{ BATON_VIRTIO_BLK_COMPATIBLE, blk_pa, 9 },
	};
	struct luo_ser_session sessions[2] = { { "vm1", files, 3 }, { "empty", NULL, 0 } };
	struct luo_ser_chains c;
	assert_int_equal(luo_ser_write(sessions, 2, block_alloc, block_free, NULL, &c), 0);
	uint64_t flb = block_alloc(NULL);
	luo_ser_flb_init(va(flb));
	if (b == FLB_HEADER)
		((struct luo_flb_header_ser *)va(flb))->pgcnt = 2;
	assert_int_equal(luo_ser_flb_add(va(flb), BATON_HUGETLB_FLB_COMPATIBLE, hpa, 1), 0);
	if (b != NO_PCI)
		assert_int_equal(luo_ser_flb_add(va(flb), PCI_LUO_FLB_COMPATIBLE, pci_pa, 1), 0);
	luo_pa = block_alloc(NULL);
	luo_ser_init(va(luo_pa), 3, flb);
	((struct luo_ser *)va(luo_pa))->sessions_pa = c.sessions.first;
	assert_int_equal(kho_fdt_add_subtree(va(fdt_pa), LUO_FDT_NAME, luo_pa,
					     b == LUO_SHORT ? 16 : sizeof(struct luo_ser)), 0);

	uint64_t meta = block_alloc(NULL);
	if (b == META_STRADDLE) {              /* the next page preserved too, as its own block */
		meta = blocks_alloc(1, false);
		preserve(meta, 0);
		preserve(meta + PAGE, 0);
		meta += PAGE - 40;
	}
	struct kho_kexec_metadata km = { .version = KHO_KEXEC_METADATA_VERSION, .kexec_count = 2 };
	strcpy(km.previous_release, "0.9.0");
	memcpy(va(meta), &km, sizeof(km));
	assert_int_equal(kho_fdt_add_subtree(va(fdt_pa), KHO_KEXEC_METADATA_NAME, meta, sizeof(km)), 0);

	uint64_t tl = block_alloc(NULL);
	struct baton_timeline_ser t = { BATON_TIMELINE_MAGIC, BATON_TIMELINE_VERSION, 100, 150, 160 };
	memcpy(va(tl), &t, sizeof(t));
	assert_int_equal(kho_fdt_add_subtree(va(fdt_pa), BATON_TIMELINE_NAME, tl, sizeof(t)), 0);

	switch (b) {
	case BAD_MAGIC:
		memset(va(fdt_pa), 0, 4);
		break;
	case KHO_V3:
		assert_int_equal(fdt_setprop_string(va(fdt_pa), 0, "compatible", "kho-v3"), 0);
		break;
	case RADIX_SELF:
		((uint64_t *)va(tree.root))[511] = tree.root;
		break;
	case BLOCK_OUTSIDE:
		preserve(64 * 1024 * 1024ull, 0);
		break;
	default:
		break;
	}
	dump_set_current(NULL);
	dump_fini(&wdump);
}

/* The arena as an ELF core, in file order, its PT_LOADs listed high memory first. */
static uint8_t *elf_of(size_t *len)
{
	size_t hdr = 4096, half = ARENA / 2;
	*len = hdr + ARENA;
	uint8_t *e = calloc(1, *len);
	assert_non_null(e);
	Elf64_Ehdr eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 3 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(e, &eh, sizeof(eh));
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_NOTE, .p_offset = hdr, .p_filesz = 0 },
		{ .p_type = PT_LOAD, .p_offset = hdr + half, .p_paddr = half, .p_filesz = half, .p_memsz = half },
		{ .p_type = PT_LOAD, .p_offset = hdr, .p_paddr = 0, .p_filesz = half, .p_memsz = half },
	};
	memcpy(e + sizeof(eh), ph, sizeof(ph));
	memcpy(e + hdr, arena, ARENA);
	return e;
}

/* What an output writes, as a string to free. */
static char *rendered(const struct report *r, void (*out)(const struct report *, FILE *))
{
	char *buf;
	size_t n;
	FILE *f = open_memstream(&buf, &n);
	out(r, f);
	fclose(f);
	return buf;
}

/* The picture of every segment, no zoom: an output as rendered() takes it. */
static void report_svg_whole(const struct report *r, FILE *f)
{
	report_svg(r, NULL, f);
}

/* Every output runs (under ASan) and the JSON says what the verdict says. */
static void outputs(const struct report *r, bool ok)
{
	char *buf;
	size_t n;
	FILE *f = open_memstream(&buf, &n);
	report_text(r, f);
	report_svg(r, NULL, f);
	report_svg(r, &(struct dump_seg){ 0x100000, 0x200000, 0 }, f);
	fclose(f);
	free(buf);
	buf = rendered(r, report_json);
	assert_non_null(strstr(buf, ok ? "\"accepted\":true" : "\"accepted\":false"));
	free(buf);
}

static void check_good(const struct report *r)
{
	if (r->findings.n != 1)                /* the unknown file's info only */
		report_text(r, stderr);
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->warnings, 0);
	assert_int_equal(r->findings.n, 1);
	assert_string_equal(r->findings.v[0].check, "luo.file_unknown");
	assert_int_equal(r->fdt_pa, fdt_pa);
	assert_int_equal(r->radix_root, tree.root);
	assert_true(r->tree_walked);
	assert_int_equal(r->ntree_pages, tree.nodes);
	assert_int_equal(r->blocks, npreserved);
	assert_int_equal(r->blocks_by_order[9], 2);
	assert_int_equal(r->blocks_by_order[1], 0);           /* the ring: page by page */
	assert_int_equal(r->blocks_by_order[2], 1);           /* its write in flight */
	assert_int_equal(r->blocks_by_order[0], npreserved - 3);
	assert_int_equal(r->subtrees.n, 3);
	assert_true(r->have_meta);
	assert_int_equal(r->meta_count, 2);
	assert_string_equal(r->meta_release, "0.9.0");
	assert_true(r->have_timeline);
	assert_true(r->luo_ok);
	assert_int_equal(r->liveupdate_num, 3);
	assert_int_equal(r->sessions.n, 2);
	assert_string_equal(r->sessions.v[0].name, "vm1");
	assert_int_equal(r->files.n, 3);
	assert_int_equal(r->flbs.n, 2);
	assert_int_equal(r->memfds.n, 1);
	assert_int_equal(r->memfds.v[0].nr_folios, 3);
	assert_int_equal(r->memfds.v[0].folio_bytes, 3 * PAGE);
	assert_true(r->have_hugetlb);
	assert_int_equal(r->hugetlb_pools, 1);
	assert_int_equal(r->pools[0].nr_folios, 2);
	assert_int_equal(r->pools[0].users_seen, 1);
	assert_true(r->have_pci);
	assert_true(r->pci_ok);
	assert_int_equal(r->pci_pa, pci_pa);
	assert_int_equal(r->pci_bytes, PAGE);
	assert_int_equal(r->pci_max, 8);
	assert_int_equal(r->pci_nr, 3);
	assert_int_equal(r->pci_in_use, 3);
	assert_int_equal(r->pci_devs.n, 3);
	assert_int_equal(r->pci_devs.v[1].bdf, 0x00e0);
	assert_int_equal(r->blks.n, 1);
	assert_true(r->blks.v[0].record_ok);
	assert_int_equal(r->blks.v[0].data, blk_pa);
	assert_int_equal(r->blks.v[0].file, 2);
	assert_int_equal(r->blks.v[0].s.ring_pa, ring_pa);
}

static void test_good_raw(void **state)
{
	(void)state;
	build(GOOD);
	struct inspect_opts o = { 0 };
	struct report r;
	assert_true(inspect(arena, ARENA, &o, &r));
	check_good(&r);
	assert_false(r.dump.elf);
	outputs(&r, true);
	printk_log_reset();
	assert_true(report_dts(&r));
	char *svg;                             /* the picture names each folio's owner */
	size_t nsvg;
	FILE *f = open_memstream(&svg, &nsvg);
	report_svg(&r, NULL, f);
	fclose(f);
	assert_non_null(strstr(svg, "<title>memfd of session &quot;vm1&quot; token 0x7 (memfd-v2) "));
	assert_non_null(strstr(svg, "<title>hugetlb pool 0 "));
	char ring_title[128];                  /* the disk's ring, then its record and the list */
	snprintf(ring_title, sizeof(ring_title), "<title>blk of session &quot;vm1&quot; token 0x9 "
		 "(baton-virtio-blk-v1) %#llx+", (unsigned long long)ring_pa);
	assert_non_null(strstr(svg, ring_title));
	assert_non_null(strstr(svg, "<title>luo of session &quot;vm1&quot; token 0x9 (baton-virtio-blk-v1) "));
	assert_non_null(strstr(svg, "<title>luo FLB pci-v2 "));
	assert_non_null(strstr(svg, "<title>luo FLB baton-hugetlb-v2 "));
	free(svg);
	char *text = rendered(&r, report_text);   /* it names the disk and the functions */
	assert_non_null(strstr(text, "  virtio-blk "));
	assert_non_null(strstr(text, " (session \"vm1\" token 0x9): 0000:00:04.0 1af4:1042, 131072 "
				     "sectors (64 MiB), features 0x100000200\n"));
	assert_non_null(strstr(text, "    queue 0: size 128, avail 7, used 6, free 125 from 3, in "
				     "flight: head 0, 3 descriptors, data "));
	assert_non_null(strstr(text, "needs the live device: not checked here\n"));
	assert_non_null(strstr(text, " (4 KiB): max_nr_devices 8, nr_devices 3, 3 in use, accepted\n"
				     "  entry 0: 0000:00:04.0 refcount 1\n"
				     "  entry 1: 0000:00:1c.0 refcount 1\n"
				     "  entry 2: 0000:01:00.0 refcount 1\n"));
	free(text);
	char *json = rendered(&r, report_json);
	assert_non_null(strstr(json, ",\"pci\":{\"data\":"));
	assert_non_null(strstr(json, "\"devices\":[{\"index\":0,\"address\":\"0000:00:04.0\","
				     "\"domain\":0,\"bdf\":32,\"refcount\":1},"));
	assert_non_null(strstr(json, "\"virtio_blks\":[{\"data\":"));
	assert_non_null(strstr(json, ",\"session\":\"vm1\",\"token\":\"0x9\",\"record_ok\":true,"
				     "\"address\":\"0000:00:04.0\",\"vendor_id\":6900,"));
	free(json);
	assert_non_null(strstr(printk_log(), "compatible = \"kho-v4\";"));
	assert_non_null(strstr(printk_log(), "LUO {"));
	report_free(&r);

	o.have_fdt = true;                     /* named, not scanned */
	o.fdt_pa = fdt_pa;
	assert_true(inspect(arena, ARENA, &o, &r));
	check_good(&r);
	report_free(&r);
}

static void test_good_elf(void **state)
{
	(void)state;
	build(GOOD);
	size_t len;
	uint8_t *e = elf_of(&len);
	struct inspect_opts o = { .all = true };
	struct report r;
	assert_true(inspect(e, len, &o, &r));
	assert_true(r.dump.elf);
	assert_int_equal(r.dump.nsegs, 2);
	assert_int_equal(r.dump.segs[0].pa, 0);
	check_good(&r);
	outputs(&r, true);
	report_free(&r);

	/* the file cut inside high memory: a warning, and a pool folio is not in the dump */
	assert_false(inspect(e, len - ARENA / 4, &o, &r));
	assert_int_equal(report_count(&r, "dump.segment"), 1);
	assert_non_null(report_find(&r, "radix.block_outside_dump"));
	report_free(&r);
	free(e);
}

/* One breakage: exactly these check names among the errors, the last file_level of
 * them file-level (refused unless they all are). */
struct bad_case {
	enum breakage b;
	bool named;                            /* --fdt instead of the scan */
	const char *checks[3];
	uint64_t addr_is_fdt;                  /* the first finding's address is the FDT */
	size_t file_level;
};

static void test_broken(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ BAD_MAGIC, true, { "fdt.magic" }, 1, 0 },
		{ BAD_MAGIC, false, { "fdt.not_found" }, 0, 0 },
		{ KHO_V3, false, { "fdt.compatible", "fdt.not_found" }, 1, 0 },
		{ RADIX_SELF, false, { "radix.cycle" }, 0, 0 },
		{ BLOCK_OUTSIDE, false, { "radix.block_outside_dump" }, 0, 0 },
		/* preserved, but not inside one block: kho_is_preserved refuses it */
		{ META_STRADDLE, false, { "subtree.unpreserved" }, 0, 0 },
		{ LUO_SHORT, false, { "luo.size" }, 0, 0 },
		/* only a retrieve fails: the file's, or those of the files that need the
		 * FLB or the sessions (luo/luo_file.c, luo_core.c, hugetlb_luo.c) */
		{ MEMFD_COUNT, false, { "memfd.folio_count" }, 0, 1 },
		{ FLB_HEADER, false, { "luo.flb" }, 0, 1 },
		{ HUGETLB_VERSION, false, { "hugetlb.version" }, 0, 1 },
		/* check_in refuses the pools whole: every hugetlb file's retrieve fails */
		{ HUGETLB_ORDER, false, { "hugetlb.order" }, 0, 1 },
		{ HUGETLB_USERS, false, { "hugetlb.list" }, 0, 1 },
		{ FDT_AND_BLK, true, { "fdt.unpreserved", "blk.version" }, 1, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bad_case *c = &cases[i];
		build(c->b);
		for (int elf = 0; elf < 2; elf++) {
			size_t len = ARENA;
			uint8_t *e = elf ? elf_of(&len) : NULL;
			struct inspect_opts o = { .have_fdt = c->named, .fdt_pa = fdt_pa };
			struct report r;
			bool ok = inspect(e ? e : arena, len, &o, &r);
			size_t nerr = 0, want = 0;
			for (size_t k = 0; k < r.findings.n; k++)
				nerr += r.findings.v[k].sev == SEV_ERROR;
			while (want < 3 && c->checks[want])
				want++;
			for (size_t k = 0; k < want; k++) {
				const struct finding *f = report_find(&r, c->checks[k]);
				enum scope scope = k < want - c->file_level ? SCOPE_HANDOVER : SCOPE_FILE;
				if (!f || f->sev != SEV_ERROR || f->scope != scope) {
					report_text(&r, stderr);
					case_fail("case %zu elf %d: no error %s of scope %d", i, elf,
						  c->checks[k], scope);
				}
			}
			if (nerr != want || r.errors != want || r.file_errors != c->file_level ||
			    ok != (c->file_level == want)) {
				report_text(&r, stderr);
				case_fail("case %zu elf %d: %zu errors, want %zu", i, elf, nerr, want);
			}
			if (c->addr_is_fdt && r.findings.v[0].addr != fdt_pa)
				case_fail("case %zu: finding at %#llx", i,
					  (unsigned long long)r.findings.v[0].addr);
			outputs(&r, ok);
			report_free(&r);
			free(e);
		}
	}
	/* the details the cases name */
	build(MEMFD_COUNT);
	struct inspect_opts o = { 0 };
	struct report r;
	assert_true(inspect(arena, ARENA, &o, &r));
	const struct finding *f = report_find(&r, "memfd.folio_count");
	assert_int_equal(f->addr, memfd_pa + 24);
	assert_string_equal(f->msg, "nr_folios 5 disagrees with size 10000 (3 pages)");
	report_free(&r);
	build(LUO_SHORT);
	assert_false(inspect(arena, ARENA, &o, &r));
	f = report_find(&r, "luo.size");
	assert_int_equal(f->addr, luo_pa);
	assert_int_equal(f->len, 16);
	report_free(&r);
	build(BLOCK_OUTSIDE);
	assert_false(inspect(arena, ARENA, &o, &r));
	assert_int_equal(report_find(&r, "radix.block_outside_dump")->addr, 64 * 1024 * 1024ull);
	report_free(&r);
}

/* The disk and its PCI function, damaged one way at a time: exactly these findings
 * besides the unknown file's info, in this order, at these bytes (offsets from the
 * record named). pci-v2 refused is a warning (the next kernel probes every function
 * afresh), and then the disk's function was not kept: an error on the disk. Every
 * error on the disk is file-level (only its retrieve fails): the handover is
 * accepted. */
enum where { AT_PCI, AT_BLK, AT_RING, AT_INFLIGHT };
struct device_case {
	enum breakage b;
	struct {
		const char *check;
		enum severity sev;
		enum where at;
		uint64_t off, len;
	} want[2];
	const char *msg;                       /* the first finding's message has this */
};

static void test_devices(void **state)
{
	(void)state;
	const uint64_t R = sizeof(struct baton_virtio_blk_ser);
	static const struct device_case cases[] = {
		{ PCI_NR, { { "pci.nr_devices", SEV_WARN, AT_PCI, 4, 4 },
			    { "blk.pci", SEV_ERROR, AT_BLK, 8, 6 } },
		  "pci_ser_check refuses the list: more entries in use than nr_devices "
		  "(max_nr_devices 8, nr_devices 2, 3 in use); every function is probed afresh" },
		{ PCI_DUP, { { "pci.duplicate", SEV_WARN, AT_PCI, 8 + 3 * 8, 8 },
			     { "blk.pci", SEV_ERROR, AT_BLK, 8, 6 } },
		  "a function appears twice: 0000:00:04.0, entries 0 and 3 (" },
		{ PCI_RECORD, { { "pci.record", SEV_WARN, AT_PCI, 0, PAGE },
				{ "blk.pci", SEV_ERROR, AT_BLK, 8, 6 } }, "(kho_restore_folio refuses it)" },
		{ NO_PCI, { { "blk.pci", SEV_ERROR, AT_BLK, 8, 6 } },
		  "0000:00:04.0 was not kept by pci-v2: there is no pci-v2 FLB;" },
		{ BLK_NO_FUNCTION, { { "blk.pci", SEV_ERROR, AT_BLK, 8, 6 } },
		  "0000:00:05.0 was not kept by pci-v2: it is not in the pci-v2 list;" },
		{ BLK_RECORD, { { "blk.record", SEV_ERROR, AT_BLK, 0, R } }, "kho_restore_copy" },
		{ BLK_MAGIC, { { "blk.version", SEV_ERROR, AT_BLK, 0, 8 } },
		  "virtio_blk_ser_check refuses the record: magic or version" },
		{ BLK_QUEUE, { { "blk.queue", SEV_ERROR, AT_BLK, 22, 4 } },
		  "avail_idx and last_used disagree with what is in flight" },
		{ BLK_RING, { { "blk.ring_unpreserved", SEV_ERROR, AT_RING, 0, PAGE } },
		  "is not a preserved block of order 0 (the kernel preserves the ring page by page" },
		{ BLK_RING_ORDER, { { "blk.ring_unpreserved", SEV_ERROR, AT_RING, 0, PAGE } },
		  "is not a preserved block of order 0 (the kernel preserves the ring page by page" },
		{ BLK_INFLIGHT, { { "blk.inflight_unpreserved", SEV_ERROR, AT_INFLIGHT, 0, 4 * PAGE } },
		  "the in-flight data is not a preserved block of order 2" },
		{ BLK_REQ_IN_RING, { { "blk.request", SEV_ERROR, AT_BLK, 72, 8 } },
		  "virtio_blk_ser_check refuses the record: req_pa is inside the ring block" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct device_case *c = &cases[i];
		build(c->b);
		const uint64_t base[] = { pci_pa, blk_pa, ring_pa, inflight_pa };
		for (int elf = 0; elf < 2; elf++) {
			size_t len = ARENA;
			uint8_t *e = elf ? elf_of(&len) : NULL;
			struct inspect_opts o = { 0 };
			struct report r;
			bool ok = inspect(e ? e : arena, len, &o, &r);
			size_t n = 0, errors = 0;
			for (size_t k = 0; k < r.findings.n; k++) {
				const struct finding *f = &r.findings.v[k];
				if (!strcmp(f->check, "luo.file_unknown"))
					continue;
				if (n == 2 || !c->want[n].check || strcmp(f->check, c->want[n].check) ||
				    f->sev != c->want[n].sev ||
				    f->addr != base[c->want[n].at] + c->want[n].off ||
				    f->len != c->want[n].len) {
					report_text(&r, stderr);
					case_fail("device case %zu elf %d: finding %zu is %s at %#llx+%#llx",
						  i, elf, n, f->check, (unsigned long long)f->addr,
						  (unsigned long long)f->len);
				}
				if (!n && !strstr(f->msg, c->msg))
					case_fail("device case %zu: message \"%s\"", i, f->msg);
				if (f->scope != (f->sev == SEV_ERROR ? SCOPE_FILE : SCOPE_NONE))
					case_fail("device case %zu: %s of scope %d", i, f->check, f->scope);
				errors += f->sev == SEV_ERROR;
				n++;
			}
			if (n != (c->want[1].check ? 2u : 1u) || !ok || r.errors != errors ||
			    r.file_errors != errors) {
				report_text(&r, stderr);
				case_fail("device case %zu elf %d: %zu findings", i, elf, n);
			}
			outputs(&r, true);
			report_free(&r);
			free(e);
		}
	}
}

/* text ends with want. */
static void ends_with(const char *text, const char *want)
{
	size_t n = strlen(text), w = strlen(want);
	if (n < w || strcmp(text + n - w, want))
		fail_msg("the output ends\n%s\nnot\n%s", text + (n > w ? n - w : 0), want);
}

/* The handover built last, inspected: these counts, and every output exactly as
 * far as the verdict goes: the text ends with findings then "verdict: " verdict, the
 * JSON starts with its "accepted" and ends with json, the picture's title ends with
 * the verdict. */
static void verdict_is(bool accepted, uint64_t errors, uint64_t file_errors,
		       const char *findings, const char *json, const char *verdict)
{
	struct inspect_opts o = { 0 };
	struct report r;
	char want[2048];
	assert_int_equal(inspect(arena, ARENA, &o, &r), accepted);
	assert_int_equal(r.errors, errors);
	assert_int_equal(r.file_errors, file_errors);
	char *out = rendered(&r, report_text);
	snprintf(want, sizeof(want), "%sverdict: %s\n", findings, verdict);
	ends_with(out, want);
	free(out);
	out = rendered(&r, report_json);
	snprintf(want, sizeof(want), "{\"schema\":\"kho-inspect-1\",\"accepted\":%s,",
		 accepted ? "true" : "false");
	assert_memory_equal(out, want, strlen(want));
	ends_with(out, json);
	free(out);
	out = rendered(&r, report_svg_whole);
	snprintf(want, sizeof(want), ", %s</text>", verdict);
	assert_non_null(strstr(out, want));
	free(out);
	report_free(&r);
}

/* The verdict in every output, exactly: a disk record only a retrieve would refuse
 * leaves the handover accepted, with one file-level error; the same beside a root
 * FDT the next kernel refuses is REFUSED (and the disk's error is still file-level). */
static void test_verdict(void **state)
{
	(void)state;
	static const char unknown_json[] = "{\"severity\":\"info\",\"scope\":null,\"check\":"
		"\"luo.file_unknown\",\"addr\":\"0x1234\",\"len\":0,\"message\":\"file test-v1 "
		"(token 0x8): no handler known here\"}";
	static const char unknown_text[] = "  info       luo.file_unknown           0x1234+0 "
		"file test-v1 (token 0x8): no handler known here\n";
	char msg[160], text[1024], json[1024], blk_text[256], blk_json[512];
	snprintf(msg, sizeof(msg), "virtio_blk_ser_check refuses the record: magic or version "
		 "(magic 0x12345678 version %u, want %#x version %u)", BATON_VIRTIO_BLK_VERSION,
		 BATON_VIRTIO_BLK_MAGIC, BATON_VIRTIO_BLK_VERSION);

	build(GOOD);
	snprintf(text, sizeof(text), "findings: 0 errors, 0 warnings\n%s", unknown_text);
	snprintf(json, sizeof(json), "\"errors\":0,\"file_errors\":0,\"warnings\":0,"
		 "\"findings\":[%s]}\n", unknown_json);
	verdict_is(true, 0, 0, text, json, "accepted");

	build(BLK_MAGIC);
	snprintf(blk_text, sizeof(blk_text), "  file error blk.version                %#llx+0x8 "
		 "%s\n", (unsigned long long)blk_pa, msg);
	snprintf(blk_json, sizeof(blk_json), "{\"severity\":\"error\",\"scope\":\"file\","
		 "\"check\":\"blk.version\",\"addr\":\"%#llx\",\"len\":8,\"message\":\"%s\"}",
		 (unsigned long long)blk_pa, msg);
	snprintf(text, sizeof(text), "findings: 1 errors (1 file-level), 0 warnings\n%s%s",
		 unknown_text, blk_text);
	snprintf(json, sizeof(json), "\"errors\":1,\"file_errors\":1,\"warnings\":0,"
		 "\"findings\":[%s,%s]}\n", unknown_json, blk_json);
	verdict_is(true, 1, 1, text, json,
		   "accepted; files would fail to retrieve: 1 file-level error (blk.version)");

	build(FDT_AND_BLK);                    /* the same disk record, at the same place */
	snprintf(text, sizeof(text), "findings: 2 errors (1 file-level), 0 warnings\n"
		 "  error      fdt.unpreserved            %#llx+0x1000 the root FDT page is not "
		 "preserved\n%s%s", (unsigned long long)fdt_pa, unknown_text, blk_text);
	snprintf(json, sizeof(json), "\"errors\":2,\"file_errors\":1,\"warnings\":0,"
		 "\"findings\":[{\"severity\":\"error\",\"scope\":\"handover\",\"check\":"
		 "\"fdt.unpreserved\",\"addr\":\"%#llx\",\"len\":4096,\"message\":\"the root FDT "
		 "page is not preserved\"},%s,%s]}\n", (unsigned long long)fdt_pa, unknown_json,
		 blk_json);
	verdict_is(false, 2, 1, text, json, "REFUSED (kernel N+1 would boot cold)");
}

/* fuzz_inspect's seed tests/host/corpus/inspect/elf-luo-disk: the handover with
 * every record the inspector decodes (an empty pool), in the fuzzer's ELF input
 * format (fuzz_inspect.c): mode 1 (ELF, scan), two PT_LOADs, the tree's pages and
 * the blocks. Written where INSPECT_SEED names, e.g.
 *   INSPECT_SEED=tests/host/corpus/inspect/elf-luo-disk build/host/test_inspect */
static void test_seed(void **state)
{
	(void)state;
	build(SEED);
	struct inspect_opts o = { 0 };
	struct report r;
	assert_true(inspect(arena, ARENA, &o, &r));
	assert_int_equal(r.memfds.n, 1);
	assert_int_equal(r.blks.n, 1);
	assert_true(r.pci_ok);
	report_free(&r);
	const char *path = getenv("INSPECT_SEED");
	if (!path)
		return;
	uint64_t seg[2][3] = { { NODE_BASE, 0, next_node - NODE_BASE },
			       { BLOCK_BASE, next_node - NODE_BASE, next_block - BLOCK_BASE } };
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputc(1, f);
	fputc(2, f);
	fwrite(seg, sizeof(seg), 1, f);
	fwrite(arena + NODE_BASE, seg[0][2], 1, f);
	fwrite(arena + BLOCK_BASE, seg[1][2], 1, f);
	assert_int_equal(fclose(f), 0);
}

/* The handover tag's fields, as `kexec finalize` prints them: each refusal of
 * kho/kho_in.c and kho/kho_scratch.c is an error whose message starts with the
 * kernel's reason, and only the checks named fail. */
struct tag_case {
	uint64_t fdt_size;                     /* 0: not given */
	uint64_t array_pa, array_size;         /* array_size 0: --scratch not given */
	struct kho_scratch ranges[2];
	const char *checks[3];                 /* the error check names, exactly */
	const char *reason;                    /* the first error's message starts so */
};

static void test_tag(void **state)
{
	(void)state;
	const uint64_t A = 16 * PAGE, M = 1024 * 1024;
	static const struct tag_case cases[] = {
		{ 4096, 0, 0, { { 0 } }, { NULL }, NULL },
		{ 2048, 0, 0, { { 0 } }, { "tag.fdt_size" }, "root FDT address or size" },
		{ 0, A, 24, { { 0 } }, { "tag.scratch" }, "scratch array size" },
		{ 0, ARENA, 16, { { 0 } }, { "tag.scratch" }, "scratch array outside RAM" },
		{ 0, A, 16, { { 6 * M, M } }, { "scratch.slot", "radix.block_in_scratch" },
		  "the kernel slot is not in scratch" },
		{ 0, A, 16, { { M + 1, 4 * M } },
		  { "scratch.range", "scratch.slot", "radix.block_in_scratch" },
		  "scratch range misaligned or above 4 GiB" },
		{ 0, A, 16, { { 16 * M, M } }, { "scratch.range", "scratch.slot" },
		  "scratch range outside RAM" },
		{ 0, A, 32, { { M, 4 * M }, { 4 * M, M } },
		  { "scratch.overlap", "radix.block_in_scratch" }, "scratch ranges overlap" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tag_case *c = &cases[i];
		build(GOOD);
		memcpy(arena + A, c->ranges, sizeof(c->ranges));
		struct inspect_opts o = { .have_fdt = true, .fdt_pa = fdt_pa,
					  .have_fdt_size = c->fdt_size != 0, .fdt_size = c->fdt_size,
					  .have_scratch = c->array_size != 0, .scratch_pa = c->array_pa,
					  .scratch_size = c->array_size };
		struct report r;
		bool ok = inspect(arena, ARENA, &o, &r);
		size_t want = 0;
		for (; want < 3 && c->checks[want]; want++) {
			const struct finding *f = report_find(&r, c->checks[want]);
			if (!f || f->sev != SEV_ERROR) {
				report_text(&r, stderr);
				case_fail("tag case %zu: no error %s", i, c->checks[want]);
			}
		}
		size_t kinds = 0;                   /* distinct error check names */
		for (size_t k = 0; k < r.findings.n; k++) {
			const struct finding *f = &r.findings.v[k];
			if (f->sev == SEV_ERROR && report_find(&r, f->check) == f)
				kinds++;
		}
		if (ok != (want == 0) || kinds != want) {
			report_text(&r, stderr);
			case_fail("tag case %zu: %zu kinds of error, want %zu", i, kinds, want);
		}
		if (c->reason) {
			const struct finding *first = NULL;
			for (size_t k = 0; k < r.findings.n && !first; k++)
				if (r.findings.v[k].sev == SEV_ERROR)
					first = &r.findings.v[k];
			if (strncmp(first->msg, c->reason, strlen(c->reason)))
				case_fail("tag case %zu: first error \"%s\"", i, first->msg);
		}
		report_free(&r);
	}
}

/* The owners' bytes: marks of one owner counted once where they overlap, whoever's
 * they are, and none lost for lying below another file's. */
static void test_owner_bytes(void **state)
{
	(void)state;
	struct mark m[] = {
		{ 0x10000, 0x1000, OWN_LUO, 0, -1, -1 },
		{ 0x5000, 0x100, OWN_LUO, 1, -1, -1 },     /* below file 0's, another file */
		{ 0x10800, 0x1000, OWN_LUO, 2, -1, -1 },   /* half over file 0's */
		{ 0x20000, 0x2000, OWN_BLK, 2, -1, -1 },
	};
	struct report r = { .preserved_bytes = 0x10000 };
	r.marks.v = m;
	r.marks.n = ARRAY_SIZE(m);
	char *json = rendered(&r, report_json);
	assert_non_null(strstr(json, "\"owners\":{\"unclaimed\":50944,\"kho\":0,\"luo\":6400,"
				     "\"memfd\":0,\"hugetlb\":0,\"timeline\":0,\"blk\":8192,\"tree\":0}"));
	free(json);
}

static void test_not_a_dump(void **state)
{
	(void)state;
	static const uint8_t bad_elf[] = { 0x7f, 'E', 'L', 'F', 1, 1 };
	struct inspect_opts o = { 0 };
	struct report r;
	assert_false(inspect(bad_elf, sizeof(bad_elf), &o, &r));
	assert_non_null(report_find(&r, "dump.format"));
	outputs(&r, false);
	report_free(&r);
	o.force_raw = true;                    /* the same bytes as a raw image */
	assert_false(inspect(bad_elf, sizeof(bad_elf), &o, &r));
	assert_non_null(report_find(&r, "fdt.not_found"));
	report_free(&r);
}

int main(void)
{
	arena = aligned_alloc(PAGE, ARENA);
	assert_non_null(arena);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_raw),
		cmocka_unit_test(test_good_elf),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_owner_bytes),
		cmocka_unit_test(test_not_a_dump),
	};
	int rc = cmocka_run_group_tests_name("inspect", tests, NULL, NULL);
	free(arena);
	return rc;
}
