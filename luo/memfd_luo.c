/*
 * The memfd handler, "memfd-v2" (bytes in include/abi/luo.h, semantics in
 * shared/reference/linux-liveupdate-abi.md §d). It preserves order-0 memfds; a
 * memfd backed by a huge-page pool is not its kind (no handler takes it, ENOENT, as
 * in Linux, until the hugetlb handler exists).
 *
 * preserve:   freeze the size; a preserved memfd_luo_ser (48 bytes); every folio
 *             KHO-preserved and listed {pfn | DIRTY | UPTODATE, index} in a vmalloc
 *             array preserved by its frames; data = pa of the ser.
 * freeze:     refresh pos.        unpreserve: undo all of it, unfreeze the size.
 * retrieve:   check seals and counts, restore the array and every folio, and adopt
 *             them as a new memfd under the name given; a folio that cannot be
 *             restored fails it with EIO (what was restored stays allocated to nobody).
 * finish:     if never retrieved, restore and free every folio and the metadata.
 * The handler keeps its per-file state only in args->private_data.
 */
#include <errno.h>
#include <kho.h>
#include <kmalloc.h>
#include <luo.h>
#include <memfd.h>
#include <mm.h>
#include <printk.h>
#include <string.h>
#include <vmalloc.h>

struct memfd_out {                     /* private_data while preserved */
	struct memfd *f;
	paddr_t ser_pa;
	struct memfd_luo_folio_ser *arr;   /* vmalloc'ed */
	struct kho_vmalloc desc;
};

static bool can_preserve(struct luo_file_handler *h, const struct luo_fileref *r)
{
	(void)h;
	return !strcmp(r->kind, "memfd") && !((const struct memfd *)r->obj)->pool;
}

static void undo(struct memfd_out *o, uint64_t preserved)
{
	for (uint64_t i = 0; i < preserved; i++)
		kho_unpreserve_folio(o->f->folios[i], 0);
	if (o->desc.first)
		kho_unpreserve_vmalloc(&o->desc);
	vfree(o->arr);
	if (o->ser_pa)
		kho_unpreserve_free(o->ser_pa);
	o->f->luo = NULL;
	kfree(o);
}

static int preserve(struct luo_file_op_args *a)
{
	struct memfd *f = a->file.obj;
	if (luo_test_fail("preserve"))
		return -EIO;                        /* `luo inject preserve` */
	if (f->seals & ~(uint32_t)F_SEAL_ALL)
		return -EOPNOTSUPP;
	if (f->nfolios > UINT32_MAX)
		return -EFBIG;
	struct memfd_out *o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->f = f;
	f->luo = o;                                 /* the size is frozen from here */
	int err = kho_alloc_preserve(sizeof(struct memfd_luo_ser), &o->ser_pa);
	uint64_t done = 0;
	if (!err && f->nfolios) {
		o->arr = vmalloc(f->nfolios * sizeof(*o->arr), GFP_PRESERVABLE);
		err = o->arr ? 0 : -ENOMEM;
	}
	for (; !err && done < f->nfolios; done++) {
		err = kho_preserve_folio(f->folios[done], 0);
		if (err)
			break;
		o->arr[done].pfn_flags = (f->folios[done] >> PAGE_SHIFT) |
			((MEMFD_LUO_FOLIO_DIRTY | MEMFD_LUO_FOLIO_UPTODATE) << MEMFD_LUO_FOLIO_PFN_BITS);
		o->arr[done].index = done;
	}
	if (!err && o->arr)
		err = kho_preserve_vmalloc(o->arr, &o->desc);
	if (err) {
		undo(o, done);
		return err;
	}
	struct memfd_luo_ser *s = page_virt(o->ser_pa);
	*s = (struct memfd_luo_ser){ f->pos, f->size, f->seals, 0, f->nfolios, o->desc };
	a->serialized_data = o->ser_pa;
	a->private_data = o;
	return 0;
}

static void unpreserve(struct luo_file_op_args *a)
{
	struct memfd_out *o = a->private_data;
	struct memfd *f = o->f;
	undo(o, f->nfolios);
	if (f->closed)
		memfd_free(f);
}

static int freeze(struct luo_file_op_args *a)
{
	struct memfd_out *o = a->private_data;
	if (luo_test_fail("freeze"))
		return -EIO;                        /* `luo inject freeze` */
	((struct memfd_luo_ser *)page_virt(o->ser_pa))->pos = o->f->pos;
	return 0;
}

/* Kernel N+1: take the metadata block; 0 or -EINVAL. */
static int take_ser(uint64_t data, struct memfd_luo_ser *out)
{
	unsigned order;
	if (kho_restore_folio(data, &order))
		return -EINVAL;
	memcpy(out, page_virt(data), sizeof(*out));
	page_free(data, order);
	return 0;
}

static int restore_folios(const struct memfd_luo_ser *s, paddr_t **folios)
{
	uint64_t want = (s->size + PAGE_SIZE - 1) / PAGE_SIZE;
	if (s->nr_folios != want || s->flags)
		return -EINVAL;
	*folios = NULL;
	if (!want)
		return 0;
	struct kho_vmalloc desc = s->folios;
	const struct memfd_luo_folio_ser *arr = kho_restore_vmalloc(&desc);
	if (!arr || desc.total_pages * PAGE_SIZE < want * sizeof(*arr))
		return -EIO;
	paddr_t *f = kvmalloc(want * sizeof(paddr_t));
	int err = f ? 0 : -ENOMEM;
	for (uint64_t i = 0; !err && i < want; i++) {
		uint64_t pfn = arr[i].pfn_flags & ((1ull << MEMFD_LUO_FOLIO_PFN_BITS) - 1);
		unsigned order;
		if (!pfn || arr[i].index >= want || f[arr[i].index] ||
		    kho_restore_folio(pfn << PAGE_SHIFT, &order) || order) {
			err = -EIO;
			break;
		}
		f[arr[i].index] = pfn << PAGE_SHIFT;
	}
	for (uint64_t i = 0; !err && i < want; i++)
		if (!f[i])
			err = -EIO;                  /* a hole: every folio was preserved */
	vfree(arr);
	if (err) {
		kvfree(f);                           /* restored folios leak, on purpose */
		return err;
	}
	*folios = f;
	return 0;
}

static int retrieve(struct luo_file_op_args *a)
{
	struct memfd_luo_ser s;
	paddr_t *folios;
	if (memfd_check_name(a->retrieve_name))
		return -EINVAL;                    /* nothing consumed yet: can be retried */
	if (take_ser(a->serialized_data, &s))
		return -EIO;
	if (s.seals & ~(uint32_t)F_SEAL_ALL)
		return -EOPNOTSUPP;
	int err = restore_folios(&s, &folios);
	if (err)
		return err;
	struct memfd *f;
	err = memfd_adopt(a->retrieve_name, s.size, s.seals, NULL, folios, s.nr_folios, &f);
	if (err) {
		for (uint64_t i = 0; i < s.nr_folios; i++)
			page_free(folios[i], 0);
		kvfree(folios);
		return err;
	}
	f->pos = s.pos;
	f->luo_ref = true;                          /* LUO holds it until finish */
	a->file = (struct luo_fileref){ "memfd", f };
	return 0;
}

static void finish(struct luo_file_op_args *a)
{
	struct memfd_luo_ser s;
	paddr_t *folios;
	if (a->retrieve_status > 0) {               /* retrieved: LUO lets go of the file */
		struct memfd *f = a->file.obj;
		f->luo_ref = false;
		if (f->closed)
			memfd_free(f);
		return;
	}
	if (a->retrieve_status < 0)
		return;                             /* failed: what was taken stays leaked */
	if (take_ser(a->serialized_data, &s) || restore_folios(&s, &folios)) {
		printk("luo: warning: memfd token data %#llx could not be discarded cleanly\n",
		       (unsigned long long)a->serialized_data);
		return;
	}
	for (uint64_t i = 0; i < s.nr_folios; i++)
		page_free(folios[i], 0);
	kvfree(folios);
}

static const struct luo_file_ops memfd_ops = {
	.can_preserve = can_preserve, .preserve = preserve, .unpreserve = unpreserve,
	.freeze = freeze, .retrieve = retrieve, .finish = finish,
};

static struct luo_file_handler memfd_handler = { .ops = &memfd_ops,
						 .compatible = MEMFD_LUO_COMPATIBLE };

int memfd_luo_init(void)
{
	int err = luo_register_file_handler(&memfd_handler);
	if (!err)
		luo_test_register(&memfd_handler);
	return err;
}
