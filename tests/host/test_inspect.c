/*
 * tools/kho-inspect on the host: dumps built here from known bytes. A handover is
 * written into an 8 MiB arena at physical 0 with the kernel's own writers
 * (kho/kho_fdt.c, kho/kho_radix.c, luo/luo_ser.c over kho/kho_block.c), plus the
 * records those writers do not make (memfd-v2, the hugetlb FLB, vmalloc chunks,
 * kexec-metadata, baton-timeline) typed from include/abi/. The arena is then given
 * to inspect() as a raw image, and as an ELF core of two PT_LOAD segments listed
 * out of order, and the findings are compared exactly: the good handover (accepted,
 * every count), and one breakage per case, each with its check name.
 *
 * The writers reach the arena through the inspector's own kho_phys_to_virt()
 * (tools/kho-inspect/dump.c) over a dump of the arena made for writing.
 */
#include <elf.h>
#include <stdlib.h>
#include <abi/baton.h>
#include "../../kho/kho_internal.h"
#include "../../luo/luo_ser.h"
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
};

static uint8_t *arena;
static struct dump wdump;
static struct kho_radix tree;
static uint64_t next_node, next_block, npreserved;
static uint64_t fdt_pa, luo_pa, memfd_pa;

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

static paddr_t block_alloc(void *ctx)
{
	(void)ctx;
	paddr_t pa = next_block;
	next_block += PAGE;
	assert_true(next_block <= POOL0);
	memset(va(pa), 0, PAGE);
	preserve(pa, 0);
	return pa;
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

	fdt_pa = block_alloc(NULL);
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

	/* the hugetlb FLB: pool 0 of two 2 MiB folios, the second in use */
	preserve(POOL0, 9);
	preserve(POOL1, 9);
	uint64_t list[2] = { POOL0, POOL1 | BATON_HUGETLB_USER };
	uint64_t hpa = block_alloc(NULL);
	struct baton_hugetlb_ser h = { .magic = BATON_HUGETLB_MAGIC, .version = BATON_HUGETLB_VERSION,
				       .nr_pools = 1 };
	h.pool[0] = (struct baton_hugetlb_pool_ser){ .order = 9, .nr_user = 1, .nr_folios = 2,
						     .list = vmalloc_area(list, sizeof(list)) };
	memcpy(va(hpa), &h, sizeof(h));

	/* LUO: one session with the memfd and an unknown file, one without files */
	struct luo_ser_file files[2] = {
		{ MEMFD_LUO_COMPATIBLE, memfd_pa, 7 }, { "test-v1", 0x1234, 8 },
	};
	struct luo_ser_session sessions[2] = { { "vm1", files, 2 }, { "empty", NULL, 0 } };
	struct luo_ser_chains c;
	assert_int_equal(luo_ser_write(sessions, 2, block_alloc, block_free, NULL, &c), 0);
	uint64_t flb = block_alloc(NULL);
	luo_ser_flb_init(va(flb));
	assert_int_equal(luo_ser_flb_add(va(flb), BATON_HUGETLB_FLB_COMPATIBLE, hpa, 1), 0);
	luo_pa = block_alloc(NULL);
	luo_ser_init(va(luo_pa), 3, flb);
	((struct luo_ser *)va(luo_pa))->sessions_pa = c.sessions.first;
	assert_int_equal(kho_fdt_add_subtree(va(fdt_pa), LUO_FDT_NAME, luo_pa,
					     b == LUO_SHORT ? 16 : sizeof(struct luo_ser)), 0);

	uint64_t meta = block_alloc(NULL);
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
	f = open_memstream(&buf, &n);
	report_json(r, f);
	fclose(f);
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
	assert_int_equal(r->blocks_by_order[0], npreserved - 2);
	assert_int_equal(r->subtrees.n, 3);
	assert_true(r->have_meta);
	assert_int_equal(r->meta_count, 2);
	assert_string_equal(r->meta_release, "0.9.0");
	assert_true(r->have_timeline);
	assert_true(r->luo_ok);
	assert_int_equal(r->liveupdate_num, 3);
	assert_int_equal(r->sessions.n, 2);
	assert_string_equal(r->sessions.v[0].name, "vm1");
	assert_int_equal(r->files.n, 2);
	assert_int_equal(r->flbs.n, 1);
	assert_int_equal(r->memfds.n, 1);
	assert_int_equal(r->memfds.v[0].nr_folios, 3);
	assert_int_equal(r->memfds.v[0].folio_bytes, 3 * PAGE);
	assert_true(r->have_hugetlb);
	assert_int_equal(r->hugetlb_pools, 1);
	assert_int_equal(r->pools[0].nr_folios, 2);
	assert_int_equal(r->pools[0].users_seen, 1);
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
	free(svg);
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

/* One breakage: refused, with exactly these check names among the errors. */
struct bad_case {
	enum breakage b;
	bool named;                            /* --fdt instead of the scan */
	const char *checks[3];
	uint64_t addr_is_fdt;                  /* the first finding's address is the FDT */
};

static void test_broken(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ BAD_MAGIC, true, { "fdt.magic" }, 1 },
		{ BAD_MAGIC, false, { "fdt.not_found" }, 0 },
		{ KHO_V3, false, { "fdt.compatible", "fdt.not_found" }, 1 },
		{ RADIX_SELF, false, { "radix.cycle" }, 0 },
		{ BLOCK_OUTSIDE, false, { "radix.block_outside_dump" }, 0 },
		{ LUO_SHORT, false, { "luo.size" }, 0 },
		{ MEMFD_COUNT, false, { "memfd.folio_count" }, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bad_case *c = &cases[i];
		build(c->b);
		for (int elf = 0; elf < 2; elf++) {
			size_t len = ARENA;
			uint8_t *e = elf ? elf_of(&len) : NULL;
			struct inspect_opts o = { .have_fdt = c->named, .fdt_pa = fdt_pa };
			struct report r;
			if (inspect(e ? e : arena, len, &o, &r))
				case_fail("case %zu: accepted", i);
			size_t nerr = 0, want = 0;
			for (size_t k = 0; k < r.findings.n; k++)
				nerr += r.findings.v[k].sev == SEV_ERROR;
			for (; want < 3 && c->checks[want]; want++) {
				const struct finding *f = report_find(&r, c->checks[want]);
				if (!f || f->sev != SEV_ERROR) {
					report_text(&r, stderr);
					case_fail("case %zu elf %d: no error %s", i, elf, c->checks[want]);
				}
			}
			if (nerr != want || r.errors != want) {
				report_text(&r, stderr);
				case_fail("case %zu elf %d: %zu errors, want %zu", i, elf, nerr, want);
			}
			if (c->addr_is_fdt && r.findings.v[0].addr != fdt_pa)
				case_fail("case %zu: finding at %#llx", i,
					  (unsigned long long)r.findings.v[0].addr);
			outputs(&r, false);
			report_free(&r);
			free(e);
		}
	}
	/* the details the cases name */
	build(MEMFD_COUNT);
	struct inspect_opts o = { 0 };
	struct report r;
	assert_false(inspect(arena, ARENA, &o, &r));
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
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_not_a_dump),
	};
	int rc = cmocka_run_group_tests_name("inspect", tests, NULL, NULL);
	free(arena);
	return rc;
}
