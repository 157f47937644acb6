/*
 * kho-inspect's checks (tools/kho-inspect/inspect.h, docs/inspect.md): find the
 * kho-v4 root FDT in a dump, then check it as kernel N+1 would (kho/kho_in.c,
 * luo/, docs/kho.md, docs/luo.md, docs/abi/baton.md), with the kernel's own readers:
 *
 *   root FDT     kho_fdt_validate, kho_fdt_for_each_subtree (kho/kho_fdt.c)
 *   radix tree   kho_radix_walk (kho/kho_radix.c): node_ok = a whole page in the dump
 *   LUO          luo_ser_check, luo_ser_read (luo/luo_ser.c, over kho/kho_block.c):
 *                preserved(pa, size) = in the dump and covered by preserved blocks
 *   pci-v2       pci_ser_check, pci_ser_in_find (drivers/pci/pci_ser.c)
 *   virtio-blk   virtio_blk_ser_check (drivers/virtio/virtio_blk_ser.c); not
 *                virtio_blk_ser_match, which compares the record with the live device
 *
 * What has no pure reader in the kernel is read here, bounded, with the checks of
 * the kernel code named at each: kho_vmalloc chunk lists (kho/kho_in.c
 * kho_restore_vmalloc), memfd-v2 records (luo/memfd_folios.h), the hugetlb FLB
 * (docs/abi/baton.md), kexec-metadata and baton-timeline (include/abi/). Each
 * problem is a finding; the inspection goes on with whatever is still trustworthy.
 * An error takes the scope of what the next kernel refuses for it (err_scope): the
 * whole handover, or a retrieve.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "inspect.h"
#include "../../kho/kho_internal.h"
#include "../../luo/luo_ser.h"
#include "../../drivers/pci/pci_ser.h"
#include "../../drivers/virtio/virtio_blk_ser.h"
#include <abi/baton.h>
#include <kho.h>      /* KHO_SCRATCH_MAX */
#include <layout.h>   /* KERNEL_PHYS, KERNEL_SLOT_SIZE, BOOT_MAP_LIMIT */
#include <memfd.h>
#include <libfdt.h>

#define PAGE             4096ull
#define MAX_PER_CHECK    32              /* findings of one check name kept, then counted */
#define MAX_TREE_PAGES   (1ull << 20)
#define MAX_CANDIDATES   8

const char *const owner_name[OWN_NR] = {
	[OWN_UNKNOWN] = "unclaimed", [OWN_KHO] = "kho", [OWN_LUO] = "luo",
	[OWN_MEMFD] = "memfd", [OWN_HUGETLB] = "hugetlb", [OWN_TIMELINE] = "timeline",
	[OWN_BLK] = "blk", [OWN_TREE] = "tree",
};

static struct report *R;                 /* the inspection running (see inspect.h) */

/* The scope of the errors found now (enum scope). The next kernel reads a LUO file's
 * record only in its retrieve, and the hugetlb FLB's in the FLB's: an error there is
 * SCOPE_FILE (luo/luo_file.c keeps the retrieve's error for that file alone; a
 * refused FLB fails the retrieves of the files that need it). So is what
 * luo_ser_read refuses once luo_ser_check has accepted the state (luo/luo_core.c:
 * the incoming sessions are unusable, the handover is taken). Anything else,
 * SCOPE_HANDOVER. */
static enum scope err_scope = SCOPE_HANDOVER;

#define PUSH(a, x)                                                                   \
	do {                                                                         \
		if ((a).n == (a).cap) {                                              \
			size_t c_ = (a).cap ? (a).cap * 2 : 16;                      \
			void *v_ = realloc((a).v, c_ * sizeof(*(a).v));              \
			if (!v_) {                                                   \
				fprintf(stderr, "kho-inspect: out of memory\n");     \
				exit(2);                                             \
			}                                                            \
			(a).v = v_;                                                  \
			(a).cap = c_;                                                \
		}                                                                    \
		(a).v[(a).n++] = (x);                                                \
	} while (0)

static void __attribute__((format(printf, 5, 6)))
find(enum severity sev, const char *check, uint64_t addr, uint64_t len, const char *fmt, ...)
{
	enum scope scope = sev == SEV_ERROR ? err_scope : SCOPE_NONE;
	if (sev == SEV_ERROR)
		R->errors++;
	else if (sev == SEV_WARN)
		R->warnings++;
	if (scope == SCOPE_FILE)
		R->file_errors++;
	if (report_count(R, check) >= MAX_PER_CHECK) {
		R->suppressed++;
		return;
	}
	struct finding f = { .sev = sev, .scope = scope, .addr = addr, .len = len };
	snprintf(f.check, sizeof(f.check), "%s", check);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
	va_end(ap);
	PUSH(R->findings, f);
}

/* What is being checked, for the picture's titles: a LUO file, a hugetlb pool, an
 * FLB. */
static int32_t cur_file = -1, cur_pool = -1, cur_flb = -1;

static void mark(uint64_t pa, uint64_t len, enum owner o)
{
	PUSH(R->marks, ((struct mark){ pa, len, o, cur_file, cur_pool, cur_flb }));
}

const char *pci_addr(char *buf, size_t n, uint32_t domain, uint16_t bdf)
{
	snprintf(buf, n, "%04x:%02x:%02x.%x", domain, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
	return buf;
}

const struct finding *report_find(const struct report *r, const char *check)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (!strcmp(r->findings.v[i].check, check))
			return &r->findings.v[i];
	return NULL;
}

bool report_accepted(const struct report *r)
{
	return r->errors == r->file_errors;
}

size_t report_count(const struct report *r, const char *check)
{
	size_t n = 0;
	for (size_t i = 0; i < r->findings.n; i++)
		n += !strcmp(r->findings.v[i].check, check);
	return n;
}

static const void *at(uint64_t pa, uint64_t len)
{
	return dump_at(&R->dump, pa, len);
}

/* ---------------- preserved blocks (after the walk) ---------------- */

static uint64_t run_end(const struct run *r)
{
	return r->pa + (r->n << (12 + r->order));
}

/* The run holding pa, or NULL. */
static const struct run *run_of(uint64_t pa)
{
	size_t lo = 0, hi = R->runs.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (R->runs.v[mid].pa <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct run *r = &R->runs.v[lo - 1];
	return pa < run_end(r) ? r : NULL;
}

/* pa is the head of a preserved block: true and its order. */
static bool block_head(uint64_t pa, unsigned *order)
{
	const struct run *r = run_of(pa);
	if (!r || (pa - r->pa) & ((PAGE << r->order) - 1))
		return false;
	*order = r->order;
	return true;
}

/* [pa, pa + len) lies in preserved blocks (touching runs count together). */
static bool covered(uint64_t pa, uint64_t len)
{
	uint64_t end = pa + len;
	if (end < pa)
		return false;
	do {
		const struct run *r = run_of(pa);
		if (!r)
			return false;
		pa = run_end(r);
	} while (pa < end);
	return true;
}

/* [pa, pa + len) inside one preserved block: the kernel's kho_is_preserved, which
 * its subtree check and luo_ser_check use (touching blocks do not count together). */
static bool in_one_block(uint64_t pa, uint64_t len)
{
	const struct run *r = run_of(pa);
	if (!r)
		return false;
	uint64_t size = PAGE << r->order, head = pa - ((pa - r->pa) & (size - 1));
	return len <= head + size - pa;
}

/* In the dump and preserved: what a reader may use. */
static bool usable(uint64_t pa, uint64_t len)
{
	return at(pa, len ? len : 1) && covered(pa, len ? len : 1);
}

/* ---------------- finding the root FDT ---------------- */

/* The why of kho_fdt_validate (kho/kho_fdt.c) as a check name. */
static const char *fdt_check_name(const char *why)
{
	if (!why)
		return "fdt.invalid";
	if (!strcmp(why, "bad FDT magic"))
		return "fdt.magic";
	if (!strncmp(why, "root is not compatible", 22))
		return "fdt.compatible";
	if (!strncmp(why, KHO_FDT_MEMORY_MAP, strlen(KHO_FDT_MEMORY_MAP)))
		return "fdt.memory_map";
	if (!strncmp(why, "subtree", 7))
		return "fdt.subtree";
	return "fdt.structure";
}

static int validate_at(uint64_t pa, uint64_t *root, const char **why)
{
	uint64_t avail = dump_avail(&R->dump, pa);
	const void *fdt = at(pa, 1);
	if (!fdt) {
		*why = "not in the dump";
		return -EINVAL;
	}
	return kho_fdt_validate(fdt, avail < KHO_FDT_SIZE ? avail : KHO_FDT_SIZE, root, why);
}

/* The root's compatible of a candidate that passed libfdt's full check (only the
 * compatible test failed), for the message; "?" otherwise. */
static void describe(uint64_t pa, const char *why, char *buf, size_t n)
{
	int len;
	const char *c = NULL;
	snprintf(buf, n, "?");
	if (strcmp(fdt_check_name(why), "fdt.compatible"))
		return;
	c = fdt_getprop(at(pa, 1), 0, "compatible", &len);
	if (c && len > 0)
		snprintf(buf, n, "\"%.*s\"", (int)strnlen(c, (size_t)len), c);
}

static void find_fdt(const struct inspect_opts *o)
{
	const char *why;
	uint64_t root;
	if (o->have_fdt) {
		R->have_fdt = true;
		R->fdt_pa = o->fdt_pa;
		if (!validate_at(o->fdt_pa, &root, &why)) {
			R->fdt_valid = true;
			R->radix_root = root;
		} else {
			find(SEV_ERROR, fdt_check_name(why), o->fdt_pa, KHO_FDT_SIZE,
			     "the root FDT given by --fdt is refused: %s", why);
		}
		return;
	}
	uint64_t cand[MAX_CANDIDATES];
	const char *cand_why[MAX_CANDIDATES];
	unsigned ncand = 0;
	for (unsigned s = 0; s < R->dump.nsegs; s++) {
		const struct dump_seg *g = &R->dump.segs[s];
		for (uint64_t pa = (g->pa + PAGE - 1) & ~(PAGE - 1); pa - g->pa + 4 <= g->size; pa += PAGE) {
			const uint8_t *m = at(pa, 4);
			if (!m || m[0] != 0xd0 || m[1] != 0x0d || m[2] != 0xfe || m[3] != 0xed)
				continue;
			if (!validate_at(pa, &root, &why)) {
				PUSH(R->handovers, pa);
				if (!R->fdt_valid) {
					R->have_fdt = R->fdt_valid = true;
					R->fdt_pa = pa;
					R->radix_root = root;
				}
				if (!o->all)
					goto done;
			} else if (ncand < MAX_CANDIDATES) {
				cand[ncand] = pa;
				cand_why[ncand++] = why;
			}
		}
	}
done:
	if (R->fdt_valid) {
		if (R->handovers.n > 1)
			find(SEV_WARN, "fdt.multiple", R->fdt_pa, KHO_FDT_SIZE,
			     "%zu valid kho-v4 root FDTs in the dump; inspecting the first",
			     R->handovers.n);
		return;
	}
	for (unsigned i = 0; i < ncand; i++) {
		char c[24];
		describe(cand[i], cand_why[i], c, sizeof(c));
		find(SEV_ERROR, fdt_check_name(cand_why[i]), cand[i], KHO_FDT_SIZE,
		     "an FDT here is not a kho-v4 handover: %s (compatible %s)", cand_why[i], c);
	}
	if (ncand) {
		R->have_fdt = true;
		R->fdt_pa = cand[0];
	}
	find(SEV_ERROR, "fdt.not_found", 0, 0,
	     "no valid kho-v4 root FDT at any page of the dump%s",
	     ncand ? " (candidates listed)" : "");
}

/* ---------------- the radix tree ---------------- */

struct walk_ctx {
	uint64_t last_node;
};

static bool node_ok(paddr_t pa, void *arg)
{
	struct walk_ctx *c = arg;
	c->last_node = pa;
	return at(pa, PAGE) != NULL;
}

static int on_run(paddr_t pa, unsigned order, uint64_t n, void *arg)
{
	(void)arg;
	uint64_t len = n << (12 + order);
	if (!at(pa, len)) {
		/* Maybe partly: name each block that is not wholly in the dump. */
		for (uint64_t i = 0; i < n; i++) {
			uint64_t b = pa + (i << (12 + order));
			if (!at(b, PAGE << order))
				find(SEV_ERROR, "radix.block_outside_dump", b, PAGE << order,
				     "a preserved block outside RAM: order %u, not (wholly) in the "
				     "dump's RAM", order);
		}
	}
	PUSH(R->runs, ((struct run){ pa, n, order }));
	R->blocks_by_order[order] += n;
	R->blocks += n;
	R->preserved_bytes += len;
	return 0;
}

static int run_cmp(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

static void walk_tree(void)
{
	uint64_t max = R->dump.len / PAGE + 1;
	if (max > MAX_TREE_PAGES)
		max = MAX_TREE_PAGES;
	struct walk_ctx c = { 0 };
	struct kho_radix_walk w = {
		.node_ok = node_ok, .run = on_run, .arg = &c, .max_nodes = max,
		.visited = calloc(max, sizeof(paddr_t)),
	};
	if (!w.visited) {
		find(SEV_ERROR, "inspect.memory", 0, 0, "out of memory for the walk");
		return;
	}
	int err = kho_radix_walk(R->radix_root, &w);
	if (err) {
		const char *why = w.why ? w.why : "refused";
		const char *name = "radix.walk";
		if (!strcmp(why, "node page met twice"))
			name = "radix.cycle";
		else if (!strcmp(why, "node page refused by node_ok"))
			name = "radix.node_outside_dump";
		find(SEV_ERROR, name, c.last_node, PAGE,
		     "the preserved-memory map is refused: %s (last node %#llx); blocks after it are not known",
		     why, (unsigned long long)c.last_node);
	} else {
		R->tree_walked = true;
	}
	R->tree_pages = w.visited;
	R->ntree_pages = w.nvisited;
	for (uint64_t i = 0; i < w.nvisited; i++)
		mark(w.visited[i], PAGE, OWN_TREE);

	if (R->runs.n)
		qsort(R->runs.v, R->runs.n, sizeof(*R->runs.v), run_cmp);
	for (size_t i = 1; i < R->runs.n; i++)
		if (R->runs.v[i].pa < run_end(&R->runs.v[i - 1]))
			find(SEV_ERROR, "radix.overlap", R->runs.v[i].pa, PAGE << R->runs.v[i].order,
			     "a block of order %u overlaps one of order %u at %#llx",
			     R->runs.v[i].order, R->runs.v[i - 1].order,
			     (unsigned long long)R->runs.v[i - 1].pa);
	/* The kernel refuses a tree page inside a preserved block (kho/kho_in.c). */
	for (uint64_t i = 0; i < w.nvisited; i++)
		if (run_of(w.visited[i]))
			find(SEV_ERROR, "radix.node_in_block", w.visited[i], PAGE,
			     "a page of the tree itself lies in a preserved block");
}

/* ---------------- vmalloc areas (kho/kho_in.c kho_restore_vmalloc) ---------------- */

/* The frames of a kho_vmalloc area, each a preserved block of desc->order, in order;
 * false (with a finding under check) if the area would not be restored. */
struct u64s {
	uint64_t *v;
	size_t n, cap;
};

static bool read_vmalloc(struct kho_vmalloc d, const char *check, uint64_t rec,
			 struct u64s *frames)
{
	const struct kho_vmalloc *desc = &d;
	if (desc->flags & ~(KHO_VMALLOC_ALLOC | KHO_VMALLOC_HUGE_VMAP) || desc->order > KHO_MAX_ORDER ||
	    desc->total_pages % (1u << desc->order)) {
		find(SEV_ERROR, check, rec, sizeof(*desc),
		     "vmalloc descriptor: flags %#x, order %u, total_pages %u are not a valid area",
		     desc->flags, desc->order, desc->total_pages);
		return false;
	}
	uint64_t want = desc->total_pages >> desc->order;
	uint64_t chunk = desc->first, guard = 0;
	for (; chunk && guard < KHO_MAX_BLOCKS; guard++) {
		unsigned order;
		const struct kho_vmalloc_chunk *c = at(chunk, PAGE);
		if (!c || !block_head(chunk, &order) || order != 0) {
			find(SEV_ERROR, check, chunk, PAGE,
			     "vmalloc chunk page is not an order-0 preserved block in the dump");
			return false;
		}
		mark(chunk, PAGE, OWN_LUO);
		for (unsigned i = 0; i < KHO_VMALLOC_CHUNK_ENTRIES && c->phys[i]; i++) {
			uint64_t f = c->phys[i];
			if (frames->n == want) {
				find(SEV_ERROR, check, chunk, PAGE,
				     "vmalloc area lists more than its %llu frames",
				     (unsigned long long)want);
				return false;
			}
			if (!block_head(f, &order) || order != desc->order) {
				find(SEV_ERROR, check, f, PAGE << desc->order,
				     "vmalloc frame is not a preserved block of order %u", desc->order);
				return false;
			}
			if (!at(f, PAGE << desc->order)) {
				find(SEV_ERROR, check, f, PAGE << desc->order, "vmalloc frame is not in the dump");
				return false;
			}
			PUSH(*frames, f);
		}
		chunk = c->next;
	}
	if (chunk) {
		find(SEV_ERROR, check, chunk, PAGE, "vmalloc chunk list longer than %u pages",
		     KHO_MAX_BLOCKS);
		return false;
	}
	if (frames->n != want) {
		find(SEV_ERROR, check, desc->first, PAGE,
		     "vmalloc area has %zu frames, its descriptor says %llu", frames->n,
		     (unsigned long long)want);
		return false;
	}
	return true;
}

/* Entry i (of size esz) of an area made of frames of the given order. */
static const void *area_entry(const struct u64s *frames, unsigned order, size_t esz, uint64_t i)
{
	uint64_t off = i * esz, fsz = PAGE << order;
	if (off / fsz >= frames->n)
		return NULL;
	return at(frames->v[off / fsz] + off % fsz, esz);
}

/* ---------------- memfd-v2 and baton-hugememfd-v1 (luo/memfd_folios.h) ---------------- */

static void check_memfd(uint64_t data, bool huge)
{
	const char *kind = huge ? "hugememfd" : "memfd";
	char chk[40];
#define CHK(s) (snprintf(chk, sizeof(chk), "%s." s, kind), chk)
	struct memfd_luo_ser s;
	if (!usable(data, sizeof(s))) {
		find(SEV_ERROR, CHK("record"), data, sizeof(s),
		     "the %s record is not preserved memory in the dump", kind);
		return;
	}
	memcpy(&s, at(data, sizeof(s)), sizeof(s));
	mark(data, sizeof(s), OWN_LUO);
	/* baton_hugememfd_ser has the same layout, with order where flags is. */
	uint32_t order = huge ? s.flags : 0;
	struct memfd_info mi = { .data = data, .size = s.size, .pos = s.pos, .seals = s.seals,
				 .nr_folios = s.nr_folios, .order = order, .huge = huge };
	bool ok = true;
	if (s.size > MEMFD_SIZE_MAX) {
		find(SEV_ERROR, CHK("size"), data + 8, 8, "size %llu is above %llu",
		     (unsigned long long)s.size, (unsigned long long)MEMFD_SIZE_MAX);
		ok = false;
	}
	if (!huge && s.flags) {
		find(SEV_ERROR, CHK("flags"), data + 20, 4, "flags %#x, not 0", s.flags);
		ok = false;
	}
	if (huge && order != 9 && order != 18) {
		find(SEV_ERROR, CHK("order"), data + 20, 4, "order %u is not a pool's (9 or 18)", order);
		ok = false;
	}
	if (s.seals & ~(uint32_t)F_SEAL_ALL) {
		find(SEV_ERROR, CHK("seals"), data + 16, 4, "seals %#x has bits outside %#x",
		     s.seals, F_SEAL_ALL);
		ok = false;
	}
	uint64_t unit = ok ? PAGE << order : PAGE;   /* order checked above */
	uint64_t pages = ok ? (s.size + unit - 1) / unit : 0;
	if (ok && (huge ? s.nr_folios != pages : s.nr_folios > pages || (pages && !s.nr_folios))) {
		find(SEV_ERROR, CHK("folio_count"), data + 24, 8,
		     "nr_folios %llu disagrees with size %llu (%llu %s)",
		     (unsigned long long)s.nr_folios, (unsigned long long)s.size,
		     (unsigned long long)pages, huge ? "folios" : "pages");
		ok = false;
	}
	struct u64s frames = { 0 };
	if (ok && s.nr_folios) {
		if ((uint64_t)s.folios.total_pages * PAGE / sizeof(struct memfd_luo_folio_ser) < s.nr_folios) {
			find(SEV_ERROR, CHK("folio_list"), data + 32, 16,
			     "folio list of %u pages cannot hold %llu records",
			     s.folios.total_pages, (unsigned long long)s.nr_folios);
			ok = false;
		} else if (!read_vmalloc(s.folios, CHK("folio_list"), data + 32, &frames)) {
			ok = false;
		}
	}
	/* Each record: pfn non-zero, its block a preserved block head, the index the
	 * page it starts at; together they cover every page (huge: one pool folio each,
	 * at the file's order, in order). */
	uint64_t next = 0;
	bool skipped = false;
	for (uint64_t i = 0; ok && i < s.nr_folios; i++) {
		const struct memfd_luo_folio_ser *e = area_entry(&frames, s.folios.order,
								 sizeof(*e), i);
		if (!e) {
			find(SEV_ERROR, CHK("folio_list"), data + 32, 16, "record %llu is not in the list",
			     (unsigned long long)i);
			break;
		}
		uint64_t pfn = e->pfn_flags & ((1ull << MEMFD_LUO_FOLIO_PFN_BITS) - 1);
		unsigned o;
		if (!pfn) {
			find(SEV_ERROR, CHK("folio"), 0, 0, "record %llu has pfn 0", (unsigned long long)i);
			skipped = true;
			continue;
		}
		if (!block_head(pfn << 12, &o) || (huge && o != order)) {
			find(SEV_ERROR, CHK("folio_unpreserved"), pfn << 12, unit,
			     "folio %llu (index %llu) is not a preserved block%s",
			     (unsigned long long)i, (unsigned long long)e->index,
			     huge ? " of the pool's order" : "");
			skipped = true;
			continue;
		}
		if (!huge && e->index != next)
			find(SEV_ERROR, CHK("folio_index"), pfn << 12, PAGE << o,
			     "folio %llu has index %llu, the page it starts at is %llu",
			     (unsigned long long)i, (unsigned long long)e->index, (unsigned long long)next);
		if (huge && e->index != i)
			find(SEV_ERROR, CHK("folio_index"), pfn << 12, unit,
			     "folio %llu has index %llu", (unsigned long long)i, (unsigned long long)e->index);
		next += huge ? 1 : 1ull << o;
		mi.folio_bytes += PAGE << o;
		mark(pfn << 12, PAGE << o, huge ? OWN_HUGETLB : OWN_MEMFD);
	}
	if (ok && !skipped && !huge && next < pages)
		find(SEV_ERROR, CHK("folio_coverage"), data, sizeof(s),
		     "folios cover %llu of the file's %llu pages", (unsigned long long)next,
		     (unsigned long long)pages);
	free(frames.v);
	PUSH(R->memfds, mi);
#undef CHK
}

/* ---------------- the hugetlb FLB (docs/abi/baton.md) ---------------- */

static void check_hugetlb(uint64_t data)
{
	struct baton_hugetlb_ser h;
	R->have_hugetlb = true;
	if (!usable(data, sizeof(h))) {
		find(SEV_ERROR, "hugetlb.record", data, sizeof(h),
		     "the " BATON_HUGETLB_FLB_COMPATIBLE " record is not preserved memory in the dump");
		return;
	}
	memcpy(&h, at(data, sizeof(h)), sizeof(h));
	mark(data, sizeof(h), OWN_LUO);
	if (h.magic != BATON_HUGETLB_MAGIC || h.version != BATON_HUGETLB_VERSION) {
		find(SEV_ERROR, "hugetlb.version", data, 8, "magic %#x version %u, want %#x version %u",
		     h.magic, h.version, BATON_HUGETLB_MAGIC, BATON_HUGETLB_VERSION);
		return;
	}
	if (h.nr_pools > BATON_HUGETLB_MAX_POOLS || h.reserved) {
		find(SEV_ERROR, "hugetlb.pools", data + 8, 8, "nr_pools %u, reserved %u",
		     h.nr_pools, h.reserved);
		return;
	}
	R->hugetlb_pools = h.nr_pools;
	for (unsigned p = 0; p < h.nr_pools; p++) {
		const struct baton_hugetlb_pool_ser *ps = &h.pool[p];
		uint64_t rec = data + 16 + p * sizeof(*ps);
		struct pool_info *pi = &R->pools[p];
		*pi = (struct pool_info){ ps->order, ps->nr_user, ps->nr_folios, 0 };
		if (ps->order != (p ? 18u : 9u)) {
			find(SEV_ERROR, "hugetlb.order", rec, 4, "pool %u has order %u, want %u", p,
			     ps->order, p ? 18 : 9);
			if (ps->order > KHO_MAX_ORDER)
				continue;
		}
		if (ps->nr_user > ps->nr_folios) {
			find(SEV_ERROR, "hugetlb.list", rec, sizeof(*ps),
			     "pool %u: nr_user %u > nr_folios %llu: the list is refused whole", p,
			     ps->nr_user, (unsigned long long)ps->nr_folios);
			continue;
		}
		if (!ps->nr_folios)
			continue;
		if ((uint64_t)ps->list.total_pages * PAGE / 8 < ps->nr_folios) {
			find(SEV_ERROR, "hugetlb.list", rec, sizeof(*ps),
			     "pool %u: list of %u pages cannot hold %llu entries", p,
			     ps->list.total_pages, (unsigned long long)ps->nr_folios);
			continue;
		}
		struct u64s frames = { 0 };
		cur_pool = (int32_t)p;
		if (read_vmalloc(ps->list, "hugetlb.list", rec + 16, &frames)) {
			uint64_t fsz = PAGE << ps->order;
			for (uint64_t i = 0; i < ps->nr_folios; i++) {
				const uint64_t *e = area_entry(&frames, ps->list.order, 8, i);
				if (!e)
					break;
				uint64_t pa = *e & ~BATON_HUGETLB_USER;
				unsigned o;
				pi->users_seen += !!(*e & BATON_HUGETLB_USER);
				if (pa & (fsz - 1)) {
					find(SEV_ERROR, "hugetlb.list", pa, fsz,
					     "pool %u entry %llu is not aligned to the pool's folio size: the list is refused whole",
					     p, (unsigned long long)i);
					continue;
				}
				if (!block_head(pa, &o) || o != ps->order) {
					find(SEV_WARN, "hugetlb.folio", pa, fsz,
					     "pool %u entry %llu is not a preserved block of order %u: dropped",
					     p, (unsigned long long)i, ps->order);
					continue;
				}
				mark(pa, fsz, OWN_HUGETLB);
			}
			if (pi->users_seen != ps->nr_user)
				find(SEV_WARN, "hugetlb.nr_user", rec + 4, 4,
				     "pool %u: nr_user %u, %llu entries have the user bit (corrected)",
				     p, ps->nr_user, (unsigned long long)pi->users_seen);
		}
		free(frames.v);
		cur_pool = -1;
	}
}

/* ---------------- the PCI FLB pci-v2 (drivers/pci/pci_luo.c) ---------------- */

/* Where pci_ser_check's reason points in the list: a check name and the bytes. */
static const char *pci_check_name(const char *why, uint64_t *off, uint64_t *len)
{
	*off = 0;
	*len = sizeof(struct pci_ser);
	if (!strcmp(why, "max_nr_devices runs past its block")) {
		*len = 4;
		return "pci.max_nr_devices";
	}
	if (!strcmp(why, "nr_devices exceeds max_nr_devices") ||
	    !strcmp(why, "more entries in use than nr_devices") ||
	    !strcmp(why, "fewer entries in use than nr_devices")) {
		*off = 4;
		*len = 4;
		return "pci.nr_devices";
	}
	if (!strcmp(why, "more entries in use than Baton keeps"))
		return "pci.too_many";
	if (!strcmp(why, "a function appears twice"))
		return "pci.duplicate";
	return "pci.check";
}

/* The list as the next kernel's FLB retrieve takes it: kho_restore_folio on data
 * (a preserved block head), then pci_ser_check over the whole block. A refusal is
 * logged there and the list ignored (every function is probed afresh): a warning
 * here, and an error on each disk record that needed its function kept. */
static void check_pci(uint64_t data)
{
	unsigned order;
	R->have_pci = true;
	R->pci_pa = data;
	if (!block_head(data, &order) || !at(data, PAGE << order)) {
		find(SEV_WARN, "pci.record", data, PAGE,
		     "the " PCI_LUO_FLB_COMPATIBLE " list is not a preserved block in the dump "
		     "(kho_restore_folio refuses it): every function is probed afresh");
		return;
	}
	uint64_t bytes = PAGE << order;
	const uint8_t *b = at(data, bytes);
	mark(data, bytes, OWN_LUO);
	struct pci_ser h;
	memcpy(&h, b, sizeof(h));
	R->pci_bytes = bytes;
	R->pci_max = h.max_nr_devices;
	R->pci_nr = h.nr_devices;
	uint64_t room = (bytes - sizeof(h)) / sizeof(struct pci_dev_ser);
	for (uint64_t i = 0; i < h.max_nr_devices && i < room; i++) {
		struct pci_dev_ser e;
		memcpy(&e, b + sizeof(h) + i * sizeof(e), sizeof(e));
		if (!e.refcount)
			continue;
		if (R->pci_devs.n < PCI_SHOWN)
			PUSH(R->pci_devs, ((struct pci_entry_info){ (uint32_t)i, e.domain, e.bdf,
								    e.refcount }));
		R->pci_in_use++;
	}
	R->pci_in = malloc(sizeof(*R->pci_in));
	if (!R->pci_in) {
		find(SEV_ERROR, "inspect.memory", 0, 0, "out of memory for the pci-v2 list");
		return;
	}
	const char *why;
	if (!pci_ser_check(b, bytes, R->pci_in, &why)) {
		R->pci_ok = true;
		return;
	}
	uint64_t off, len;
	const char *check = pci_check_name(why, &off, &len);
	char detail[64] = "";
	if (!strcmp(check, "pci.duplicate")) {
		/* the first entry in use whose function an earlier one has */
		for (size_t j = 1; j < R->pci_devs.n && !detail[0]; j++)
			for (size_t k = 0; k < j && !detail[0]; k++) {
				const struct pci_entry_info *x = &R->pci_devs.v[k], *y = &R->pci_devs.v[j];
				if (x->domain != y->domain || x->bdf != y->bdf)
					continue;
				char a[16];
				snprintf(detail, sizeof(detail), ": %s, entries %u and %u",
					 pci_addr(a, sizeof(a), y->domain, y->bdf), x->index, y->index);
				off = sizeof(h) + y->index * sizeof(struct pci_dev_ser);
				len = sizeof(struct pci_dev_ser);
			}
	}
	find(SEV_WARN, check, data + off, len,
	     "pci_ser_check refuses the list: %s%s (max_nr_devices %u, nr_devices %u, %llu in "
	     "use); every function is probed afresh", why, detail, h.max_nr_devices,
	     h.nr_devices, (unsigned long long)R->pci_in_use);
}

/* ---------------- baton-virtio-blk-v1 (drivers/virtio/virtio_blk_luo.c) ---------------- */

#define BLK_FIELD(f, n) offsetof(struct baton_virtio_blk_ser, f), n

/* virtio_blk_ser_check's reasons: a check name and the bytes of the record. */
static const struct blk_rule {
	const char *why, *check;
	size_t off, len;
} blk_rules[] = {
	{ "magic or version", "blk.version", BLK_FIELD(magic, 8) },
	{ "a reserved field is not 0", "blk.reserved", BLK_FIELD(reserved, 4) },
	{ "queue_index is not 0", "blk.queue", BLK_FIELD(queue_index, 2) },
	{ "queue_size is not a power of two in [4, 256]", "blk.queue", BLK_FIELD(queue_size, 2) },
	{ "free_head or num_free out of range", "blk.queue", BLK_FIELD(free_head, 4) },
	{ "free and in-flight descriptors do not add up to queue_size", "blk.queue",
	  BLK_FIELD(num_free, 6) },
	{ "avail_idx and last_used disagree with what is in flight", "blk.queue",
	  BLK_FIELD(avail_idx, 4) },
	{ "ring_pa or ring_order", "blk.ring", BLK_FIELD(ring_pa, 12) },
	{ "req_pa", "blk.request", BLK_FIELD(req_pa, 8) },
	{ "req_pa is inside the ring block", "blk.request", BLK_FIELD(req_pa, 8) },
	{ "req_pa is inside the in-flight data", "blk.request", BLK_FIELD(req_pa, 8) },
	{ "the in-flight request's data", "blk.inflight", BLK_FIELD(inflight_pa, 16) },
	{ "features", "blk.features", BLK_FIELD(features, 8) },
	{ "capacity", "blk.capacity", BLK_FIELD(capacity, 8) },
	{ "a BAR size", "blk.bar", BLK_FIELD(bar_base, 96) },
};

/* A block the record names, taken by the next kernel's kho_restore_folio only if it
 * is exactly a preserved block of that order: claimed for the disk if so, else an
 * error when the next kernel would get that far (report). */
static void blk_block(const char *check, const char *what, uint64_t pa, unsigned order,
		      bool report)
{
	unsigned o;
	if (pa && block_head(pa, &o) && o == order) {
		mark(pa, PAGE << order, OWN_BLK);
		return;
	}
	if (report)
		find(SEV_ERROR, check, pa, order <= KHO_MAX_ORDER ? PAGE << order : PAGE,
		     "the %s is not a preserved block of order %u (kho_restore_folio refuses it): "
		     "the disk is reset and probed afresh", what, order);
}

/* The ring block, as the handler preserves and takes it back: page by page, each an
 * order-0 block. The first page that is not one is the finding. */
static void blk_ring(uint64_t pa, unsigned order, bool report)
{
	for (uint64_t i = 0; order <= KHO_MAX_ORDER && i < 1ull << order; i++) {
		uint64_t page = pa + i * PAGE;
		unsigned o;
		if (pa && block_head(page, &o) && o == 0) {
			mark(page, PAGE, OWN_BLK);
			continue;
		}
		if (report)
			find(SEV_ERROR, "blk.ring_unpreserved", page, PAGE,
			     "the ring block's page %#llx is not a preserved block of order 0 (the "
			     "kernel preserves the ring page by page; kho_restore_folio refuses it): "
			     "the disk is reset and probed afresh", (unsigned long long)page);
		return;
	}
}

/* The record as the handler's retrieve takes it: kho_restore_copy (a preserved block
 * at data), virtio_blk_ser_check, the function kept by pci-v2, then the ring, the
 * request page and the in-flight data as preserved blocks of their orders. Any
 * failure: the retrieve fails and the disk is reset and probed as at a cold boot.
 * (The ring is preserved as order-0 pages, the others as blocks of their orders.) */
static void check_blk(uint64_t data)
{
	struct blk_info bi = { .data = data, .file = cur_file };
	struct baton_virtio_blk_ser *s = &bi.s;
	unsigned o;
	if (!block_head(data, &o) || !at(data, sizeof(*s))) {
		find(SEV_ERROR, "blk.record", data, sizeof(*s),
		     "the " BATON_VIRTIO_BLK_COMPATIBLE " record is not a preserved block in the "
		     "dump (kho_restore_copy refuses it): the disk fails to retrieve");
		return;
	}
	memcpy(s, at(data, sizeof(*s)), sizeof(*s));
	mark(data, PAGE << o, OWN_LUO);
	const char *why;
	bi.record_ok = !virtio_blk_ser_check(s, VIRTIO_BLK_FEATURES, &why);
	if (!bi.record_ok) {
		const struct blk_rule *r = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(blk_rules) && !r; i++)
			if (!strcmp(why, blk_rules[i].why))
				r = &blk_rules[i];
		uint64_t off = r ? r->off : 0, len = r ? r->len : sizeof(*s);
		if (r && !strcmp(r->check, "blk.reserved") && !s->reserved)
			off = offsetof(struct baton_virtio_blk_ser, reserved2);
		bool alien = r == &blk_rules[0];   /* not a record of this kind */
		char vals[80] = "";
		if (alien)
			snprintf(vals, sizeof(vals), " (magic %#x version %u, want %#x version %u)",
				 s->magic, s->version, BATON_VIRTIO_BLK_MAGIC, BATON_VIRTIO_BLK_VERSION);
		find(SEV_ERROR, r ? r->check : "blk.check", data + off, len,
		     "virtio_blk_ser_check refuses the record: %s%s", why, vals);
		if (alien) {                       /* nothing more to trust */
			PUSH(R->blks, bi);
			return;
		}
	} else {
		char a[16];
		pci_addr(a, sizeof(a), s->domain, s->bdf);
		const char *kept = !R->have_pci ? "there is no " PCI_LUO_FLB_COMPATIBLE " FLB"
			: !R->pci_ok ? "the " PCI_LUO_FLB_COMPATIBLE " list is refused"
			: !pci_ser_in_find(R->pci_in, s->domain, s->bdf) ? "it is not in the "
			PCI_LUO_FLB_COMPATIBLE " list" : NULL;
		if (kept)
			find(SEV_ERROR, "blk.pci", data + offsetof(struct baton_virtio_blk_ser, domain),
			     6, "%s was not kept by " PCI_LUO_FLB_COMPATIBLE ": %s; the disk is reset "
			     "and probed afresh", a, kept);
	}
	blk_ring(s->ring_pa, s->ring_order, bi.record_ok);
	blk_block("blk.request_unpreserved", "request page", s->req_pa, 0, bi.record_ok);
	if (s->inflight_head != BATON_VIRTIO_BLK_NO_INFLIGHT)
		blk_block("blk.inflight_unpreserved", "in-flight data", s->inflight_pa,
			  s->inflight_order, bi.record_ok);
	PUSH(R->blks, bi);
}

/* ---------------- LUO (luo/luo_ser.c) ---------------- */

static bool luo_preserved(paddr_t pa, uint64_t size)
{
	if (!in_one_block(pa, size) || !at(pa, size ? size : 1))
		return false;
	mark(pa, size, OWN_LUO);
	return true;
}

static int on_flb(const char *name, uint64_t data, uint64_t count, void *arg)
{
	(void)arg;
	struct luo_flb_info f = { .data = data, .count = count };
	snprintf(f.name, sizeof(f.name), "%s", name);
	PUSH(R->flbs, f);
	cur_flb = (int32_t)R->flbs.n - 1;
	if (!strcmp(name, BATON_HUGETLB_FLB_COMPATIBLE)) {
		err_scope = SCOPE_FILE;          /* luo/hugetlb_luo.c flb_retrieve */
		check_hugetlb(data);
		err_scope = SCOPE_HANDOVER;
	} else if (!strcmp(name, PCI_LUO_FLB_COMPATIBLE))
		check_pci(data);
	cur_flb = -1;
	return 0;
}

static int on_session(const char *name, uint64_t nfiles, void *arg)
{
	(void)arg;
	struct luo_session_info s = { .nfiles = nfiles };
	snprintf(s.name, sizeof(s.name), "%s", name);
	PUSH(R->sessions, s);
	return 0;
}

static int on_file(const char *compatible, uint64_t data, uint64_t token, void *arg)
{
	(void)arg;
	struct luo_file_info f = { .data = data, .token = token, .session = R->sessions.n - 1 };
	snprintf(f.compatible, sizeof(f.compatible), "%s", compatible);
	PUSH(R->files, f);
	cur_file = (int32_t)R->files.n - 1;
	err_scope = SCOPE_FILE;                  /* the handler's retrieve */
	bool known = true;
	if (!strcmp(compatible, MEMFD_LUO_COMPATIBLE))
		check_memfd(data, false);
	else if (!strcmp(compatible, BATON_HUGEMEMFD_COMPATIBLE))
		check_memfd(data, true);
	else if (!strcmp(compatible, BATON_VIRTIO_BLK_COMPATIBLE))
		check_blk(data);
	else
		known = false;
	cur_file = -1;
	err_scope = SCOPE_HANDOVER;
	if (!known)
		find(SEV_INFO, "luo.file_unknown", data, 0,
		     "file %s (token %#llx): no handler known here", compatible,
		     (unsigned long long)token);
	return 0;
}

static void check_luo(uint64_t pa, uint64_t size)
{
	const char *why;
	R->have_luo = true;
	R->luo_pa = pa;
	if (luo_ser_check(pa, size, luo_preserved, &why)) {
		const char *name = "luo.chain";
		if (!strcmp(why, "the LUO state is short or not preserved"))
			name = size < sizeof(struct luo_ser) ? "luo.size" : "luo.unpreserved";
		else if (!strcmp(why, "the LUO state has another version"))
			name = "luo.compatible";
		else if (!strcmp(why, "the LUO FLB page is not preserved"))
			name = "luo.flb_page";
		find(SEV_ERROR, name, pa, size, "luo_ser_check refuses the LUO state: %s", why);
		return;
	}
	const struct luo_ser *s = at(pa, sizeof(*s));
	R->liveupdate_num = s->liveupdate_num;
	static const struct luo_ser_read_ops ops = { on_flb, on_session, on_file };
	if (luo_ser_read(pa, luo_preserved, &ops, NULL, &why)) {
		bool flb = why && (!strcmp(why, "FLB page header") || !strcmp(why, "FLB record"));
		err_scope = SCOPE_FILE;          /* luo_session_incoming_failed */
		find(SEV_ERROR, flb ? "luo.flb" : "luo.read", flb ? s->flbs_pa : pa, flb ? PAGE : size,
		     "luo_ser_read refuses the LUO state: %s; the incoming sessions are unusable, "
		     "every file fails to retrieve", why ? why : "?");
		err_scope = SCOPE_HANDOVER;
		return;
	}
	R->luo_ok = true;
}

/* ---------------- subtrees ---------------- */

static int on_subtree(const char *name, paddr_t pa, uint64_t size, void *arg)
{
	(void)arg;
	struct subtree t = { .pa = pa, .size = size };
	snprintf(t.name, sizeof(t.name), "%s", name);
	PUSH(R->subtrees, t);
	return 0;
}

static void check_subtree(const struct subtree *t)
{
	/* Preserved first, inside one block: what the kernel checks of every subtree
	 * (kho_memory_init), and a blob outside RAM is outside the tree too. */
	if (!in_one_block(t->pa, t->size)) {
		find(SEV_ERROR, "subtree.unpreserved", t->pa, t->size,
		     "subtree %s: its blob is not preserved", t->name);
		return;
	}
	if (!at(t->pa, t->size ? t->size : 1)) {
		find(SEV_ERROR, "subtree.outside_dump", t->pa, t->size,
		     "subtree %s: its blob is not in the dump", t->name);
		return;
	}
	if (!strcmp(t->name, LUO_FDT_NAME)) {
		check_luo(t->pa, t->size);
	} else if (!strcmp(t->name, KHO_KEXEC_METADATA_NAME)) {
		struct kho_kexec_metadata m;
		mark(t->pa, t->size, OWN_KHO);
		if (t->size < sizeof(m)) {
			find(SEV_WARN, "kexec.size", t->pa, t->size, "kexec-metadata is %llu bytes, not %zu",
			     (unsigned long long)t->size, sizeof(m));
			return;
		}
		memcpy(&m, at(t->pa, sizeof(m)), sizeof(m));
		R->have_meta = true;
		R->meta_version = m.version;
		R->meta_count = m.kexec_count;
		memcpy(R->meta_release, m.previous_release, sizeof(m.previous_release));
		R->meta_release[sizeof(m.previous_release)] = 0;
		if (m.version != KHO_KEXEC_METADATA_VERSION)
			find(SEV_WARN, "kexec.version", t->pa, 4, "kexec-metadata version %u, not %u",
			     m.version, KHO_KEXEC_METADATA_VERSION);
		if (!memchr(m.previous_release, 0, sizeof(m.previous_release)))
			find(SEV_WARN, "kexec.release", t->pa + 4, sizeof(m.previous_release),
			     "previous_release is not NUL-terminated");
	} else if (!strcmp(t->name, BATON_TIMELINE_NAME)) {
		struct baton_timeline_ser tl;
		mark(t->pa, t->size, OWN_TIMELINE);
		if (t->size != sizeof(tl)) {
			find(SEV_WARN, "timeline.size", t->pa, t->size,
			     "baton-timeline is %llu bytes, not %zu (ignored by the kernel)",
			     (unsigned long long)t->size, sizeof(tl));
			return;
		}
		memcpy(&tl, at(t->pa, sizeof(tl)), sizeof(tl));
		R->have_timeline = true;
		R->tl_magic = tl.magic;
		R->tl_version = tl.version;
		R->tl_exec = tl.tsc_exec;
		R->tl_serialized = tl.tsc_serialized;
		R->tl_jump = tl.tsc_jump;
		if (tl.magic != BATON_TIMELINE_MAGIC || tl.version != BATON_TIMELINE_VERSION)
			find(SEV_WARN, "timeline.version", t->pa, 8,
			     "magic %#x version %u, want %#x version %u (ignored by the kernel)",
			     tl.magic, tl.version, BATON_TIMELINE_MAGIC, BATON_TIMELINE_VERSION);
		else if (!(tl.tsc_exec <= tl.tsc_serialized && tl.tsc_serialized <= tl.tsc_jump))
			find(SEV_WARN, "timeline.order", t->pa + 8, 24,
			     "TSC stamps are not in order (exec, serialized, jump)");
	} else {
		mark(t->pa, t->size, OWN_KHO);
	}
}

/* ---------------- the whole inspection ---------------- */

static void dump_warn(const char *check, uint64_t pa, uint64_t len, const char *msg, void *arg)
{
	(void)arg;
	find(SEV_WARN, check, pa, len, "%s", msg);
}

/* ---------------- the scratch array (from the handover tag) ---------------- */

_Static_assert(KHO_SCRATCH_MAX == ARRAY_SIZE(((struct report *)0)->scratch),
	       "the report holds every scratch range the kernel takes");

static bool in_dump(uint64_t pa, uint64_t size)
{
	return at(pa, size) != NULL;
}

/* The array as the next kernel checks it, by the same rules
 * (kho/kho_scratch_rules.c), but every entry, with each refusal's own check name. */
static void read_scratch(const struct inspect_opts *o)
{
	const char *why = kho_scratch_array_bad(o->scratch_size);
	if (!why && !in_dump(o->scratch_pa, o->scratch_size))
		why = "scratch array outside RAM";
	if (why) {
		find(SEV_ERROR, "tag.scratch", o->scratch_pa, o->scratch_size, "%s", why);
		return;
	}
	const struct kho_scratch *a = at(o->scratch_pa, o->scratch_size);
	unsigned n = (unsigned)(o->scratch_size / sizeof(*a));
	bool slot = false;
	for (unsigned i = 0; i < n; i++) {
		struct kho_scratch s;
		memcpy(&s, &a[i], sizeof(s));
		if ((why = kho_scratch_range_bad(&s, in_dump)))
			find(SEV_ERROR, "scratch.range", s.addr, s.size, "%s", why);
		for (unsigned j = 0; j < i; j++)
			if ((why = kho_scratch_overlap(&s, &R->scratch[j])))
				find(SEV_ERROR, "scratch.overlap", s.addr, s.size, "%s", why);
		slot |= kho_scratch_holds_slot(&s);
		R->scratch[i] = s;
	}
	if (!slot)
		find(SEV_ERROR, "scratch.slot", KERNEL_PHYS, KERNEL_SLOT_SIZE, KHO_SCRATCH_NO_SLOT);
	R->nscratch = n;
}

/* No preserved block may lie in scratch (the next kernel allocates there first). */
static void check_scratch(void)
{
	for (size_t i = 0; i < R->runs.n; i++) {
		const struct run *u = &R->runs.v[i];
		struct kho_scratch blocks = { u->pa, u->n << (12 + u->order) };
		for (unsigned k = 0; k < R->nscratch; k++)
			if (kho_scratch_overlap(&blocks, &R->scratch[k]))
				find(SEV_ERROR, "radix.block_in_scratch", blocks.addr, blocks.size,
				     "a preserved block in scratch: [%#llx, +%#llx) meets scratch "
				     "[%#llx, +%#llx)", (unsigned long long)blocks.addr,
				     (unsigned long long)blocks.size,
				     (unsigned long long)R->scratch[k].addr,
				     (unsigned long long)R->scratch[k].size);
	}
}

bool inspect(const void *data, size_t len, const struct inspect_opts *o, struct report *r)
{
	memset(r, 0, sizeof(*r));
	R = r;
	cur_file = cur_pool = cur_flb = -1;
	err_scope = SCOPE_HANDOVER;
	char err[128];
	if (dump_init(&r->dump, data, len, o->force_raw, dump_warn, NULL, err, sizeof(err))) {
		find(SEV_ERROR, "dump.format", 0, 0, "%s", err);
		dump_set_current(NULL);
		return false;
	}
	r->dump_ok = true;
	dump_set_current(&r->dump);

	/* In the kernel's order: the scratch array (kho_scratch_init), then the tag's
	 * FDT size (kho_memory_init). */
	if (o->have_scratch)
		read_scratch(o);
	if (o->have_fdt_size && o->fdt_size != KHO_FDT_SIZE)
		find(SEV_ERROR, "tag.fdt_size", o->fdt_pa, o->fdt_size,
		     "root FDT address or size: the tag says %llu bytes, not %u",
		     (unsigned long long)o->fdt_size, KHO_FDT_SIZE);
	find_fdt(o);
	if (!r->fdt_valid)
		return false;
	if (kho_fdt_for_each_subtree(at(r->fdt_pa, 1), on_subtree, NULL))
		find(SEV_ERROR, "fdt.subtree", r->fdt_pa, KHO_FDT_SIZE, "the subtrees cannot be listed");
	walk_tree();
	check_scratch();
	if (!covered(r->fdt_pa, KHO_FDT_SIZE))
		find(SEV_ERROR, "fdt.unpreserved", r->fdt_pa, KHO_FDT_SIZE,
		     "the root FDT page is not preserved");
	mark(r->fdt_pa, KHO_FDT_SIZE, OWN_KHO);
	for (size_t i = 0; i < r->subtrees.n; i++)
		check_subtree(&r->subtrees.v[i]);
	if (r->suppressed)
		find(SEV_INFO, "report.suppressed", 0, 0,
		     "%llu more findings not listed (at most %d per check)",
		     (unsigned long long)r->suppressed, MAX_PER_CHECK);
	return report_accepted(r);
}

void report_free(struct report *r)
{
	free(r->findings.v);
	free(r->handovers.v);
	free(r->subtrees.v);
	free(r->runs.v);
	free(r->tree_pages);
	free(r->sessions.v);
	free(r->files.v);
	free(r->flbs.v);
	free(r->memfds.v);
	free(r->blks.v);
	free(r->pci_devs.v);
	free(r->pci_in);
	free(r->marks.v);
	dump_fini(&r->dump);
	if (R == r)
		R = NULL;
	dump_set_current(NULL);
	memset(r, 0, sizeof(*r));
}
