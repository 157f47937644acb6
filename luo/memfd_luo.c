/*
 * The memfd handler, "memfd-v2" (bytes in include/abi/luo.h, semantics in Linux's
 * include/linux/kho/abi/memfd.h; docs/luo.md). It preserves order-0 memfds; a memfd
 * backed by a huge-page pool is the hugetlb handler's (luo/hugetlb_luo.c).
 *
 * preserve:   freeze the size; a preserved memfd_luo_ser (48 bytes); every folio
 *             KHO-preserved and listed {pfn | DIRTY | UPTODATE, index} in a vmalloc
 *             array preserved by its frames (luo/memfd_folios.c, shared with the
 *             hugetlb memfd handler); data = pa of the ser.
 * freeze:     refresh pos.        unpreserve: undo all of it, unfreeze the size.
 * retrieve:   check seals and counts, restore the array and every folio, and adopt
 *             them as a new memfd under the name given. The folios may be of any
 *             order, as Linux's shmem writes them (one record per folio, its order
 *             from the KHO tree): each is split into the order-0 pages Baton's memfd
 *             holds (luo/memfd_folios.h). A list that does not check out fails it
 *             with EIO before any folio is taken.
 * finish:     if never retrieved, restore and free every folio and the metadata.
 * The handler keeps its per-file state only in args->private_data.
 */
#include <errno.h>
#include <fault_inject.h>
#include <kho.h>
#include <kmalloc.h>
#include <luo.h>
#include <memfd.h>
#include <mm.h>
#include <printk.h>
#include <string.h>
#include <vmalloc.h>
#include "memfd_folios.h"

struct memfd_out {                     /* private_data while preserved */
	struct memfd *f;
	paddr_t ser_pa;
	struct memfd_folios folios;
};

static bool can_preserve(struct luo_file_handler *h, const struct luo_fileref *r)
{
	(void)h;
	return !strcmp(r->kind, "memfd") && !((const struct memfd *)r->obj)->pool;
}

/* Undo a preservation, whole or partial; LUO lets go of the file last. */
static void undo(struct memfd_out *o)
{
	struct memfd *f = o->f;
	memfd_folios_unpreserve(f, &o->folios);
	if (o->ser_pa)
		kho_unpreserve_free(o->ser_pa);
	kfree(o);
	memfd_luo_unpreserved(f);
}

static int preserve(struct luo_file_op_args *a)
{
	struct memfd *f = a->file.obj;
	int err = fault_hook("memfd.preserve", f);
	if (err)
		return err;
	if (f->seals & ~(uint32_t)F_SEAL_ALL)
		return -EOPNOTSUPP;
	if (f->nfolios > UINT32_MAX)
		return -EFBIG;
	struct memfd_out *o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->f = f;
	memfd_luo_preserved(f, o);                  /* the size is frozen from here */
	err = kho_alloc_preserve(sizeof(struct memfd_luo_ser), &o->ser_pa);
	if (!err)
		err = memfd_folios_preserve(f, &o->folios, true);
	if (err) {
		undo(o);
		return err;
	}
	struct memfd_luo_ser *s = page_virt(o->ser_pa);
	*s = (struct memfd_luo_ser){ f->pos, f->size, f->seals, 0, f->nfolios, o->folios.desc };
	a->serialized_data = o->ser_pa;
	a->private_data = o;
	return 0;
}

static void unpreserve(struct luo_file_op_args *a)
{
	undo(a->private_data);
}

static int freeze(struct luo_file_op_args *a)
{
	struct memfd_out *o = a->private_data;
	struct memfd_luo_ser *s = page_virt(o->ser_pa);
	s->pos = o->f->pos;
	return fault_hook("memfd.freeze", s);       /* ctx: the record, as frozen */
}

/* Kernel N+1: take the metadata block; 0 or -EINVAL. */
static int take_ser(uint64_t data, struct memfd_luo_ser *out)
{
	return kho_restore_copy(data, out, sizeof(*out));
}

/* Folios of any order, as Linux writes them, become the file's order-0 pages
 * (luo/memfd_folios.h); *npages = ceil(size / 4096). */
static int restore_pages(const struct memfd_luo_ser *s, paddr_t **pages, uint64_t *npages,
			 struct memfd_leftover *left)
{
	struct kho_vmalloc desc = s->folios;          /* aligned copy of a packed field */
	if (s->size > MEMFD_SIZE_MAX || s->flags)
		return memfd_folios_leftover(&desc, left) ?: -EINVAL;
	return memfd_folios_restore_pages(&desc, s->nr_folios, s->size, pages, npages, left);
}

/* Finish of a file that left blocks behind: the tree's proven blocks go back. */
static void give_back(struct memfd_leftover *left)
{
	uint64_t n = left->n, back = memfd_folios_give_back(left);
	printk("luo: memfd: %llu of %llu preserved blocks a damaged record named went back "
	       "to the allocator\n", (unsigned long long)back, (unsigned long long)n);
}

static int retrieve(struct luo_file_op_args *a)
{
	struct memfd_luo_ser s;
	struct memfd_leftover left = { NULL, 0 };
	paddr_t *pages;
	uint64_t n;
	if (take_ser(a->serialized_data, &s))
		return -EIO;
	if (s.seals & ~(uint32_t)F_SEAL_ALL) {
		struct kho_vmalloc desc = s.folios;
		return memfd_folios_keep(&a->private_data, &left, memfd_folios_leftover(&desc, &left) ?: -EOPNOTSUPP);
	}
	int err = restore_pages(&s, &pages, &n, &left);
	if (err)
		return memfd_folios_keep(&a->private_data, &left, err);
	struct memfd *f;
	err = memfd_adopt(a->retrieve_name, s.size, s.seals, NULL, pages, n, &f);
	if (err) {
		for (uint64_t i = 0; i < n; i++)
			page_free(pages[i], 0);
		kvfree(pages);
		return err;
	}
	f->pos = s.pos;
	memfd_luo_retrieved(f);                     /* LUO holds it until finish */
	a->file = (struct luo_fileref){ "memfd", f };
	return 0;
}

static void finish(struct luo_file_op_args *a)
{
	struct memfd_luo_ser s;
	struct memfd_leftover left = { NULL, 0 };
	paddr_t *pages;
	uint64_t n;
	if (a->retrieve_status > 0) {               /* retrieved: LUO lets go of the file */
		memfd_luo_finished(a->file.obj);
		return;
	}
	if (a->retrieve_status < 0) {               /* failed: give back what is proven */
		if (a->private_data) {
			give_back(a->private_data);
			kfree(a->private_data);
		}
		return;
	}
	if (take_ser(a->serialized_data, &s) || restore_pages(&s, &pages, &n, &left)) {
		printk("luo: warning: memfd token data %#llx could not be discarded cleanly\n",
		       (unsigned long long)a->serialized_data);
		if (left.n)
			give_back(&left);
		kvfree(left.pa);
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		page_free(pages[i], 0);
	kvfree(pages);
}

static const struct luo_file_ops memfd_ops = {
	.can_preserve = can_preserve, .preserve = preserve, .unpreserve = unpreserve,
	.freeze = freeze, .check_name = memfd_folios_check_name, .retrieve = retrieve, .finish = finish,
};

static struct luo_file_handler memfd_handler = { .ops = &memfd_ops,
						 .compatible = MEMFD_LUO_COMPATIBLE };

/* The console names memfds by their names (struct luo_name_kind). */
static void *find_memfd(const char *name) { return memfd_find(name); }
static const char *memfd_name(void *obj) { return ((struct memfd *)obj)->name; }
static int memfd_named(void *obj, const char *name) { return memfd_reopen(obj, name); }
static struct luo_name_kind memfd_names = { .kind = "memfd", .find = find_memfd,
					    .name = memfd_name, .retrieved = memfd_named };

static int memfd_luo_init(void)
{
	luo_register_name_kind(&memfd_names);
	return luo_register_file_handler(&memfd_handler);
}
LUO_REGISTER(10, memfd_luo_init);
