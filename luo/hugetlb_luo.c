/*
 * Huge-page pools that survive a live update (shared/DESIGN.md §6; bytes in
 * include/abi/baton.h, documented in docs/abi/baton.md).
 *
 *   1. The first hugetlb memfd preserved creates the hugetlb FLB: every pool that
 *      has folios is frozen (no resizing) and its folio addresses are listed in a
 *      vmalloc area, preserved by its frames.
 *   2. Hugetlb memfds preserve their own folios, at the pool's order (handler
 *      "baton-hugememfd-v1"; never split into 4 KiB records).
 *   3. Just before kexec (step "hugetlb") the FLB walks each list, marks the folios a
 *      user preserved (bit 63) and preserves every other pool folio itself.
 *   4. In the next kernel hugetlb_init asks LUO for the FLB first: the list is
 *      checked whole (every entry aligned to the pool's folio size) before anything
 *      is taken; folios nobody preserved count as free at once and are taken in
 *      lazily, when the pool first needs them (each checked then); the others count
 *      as in use until their memfd restores them or its finish gives them back. The pools keep their size, whatever the command
 *      line says. A bad list is refused with a log line, and the pools are sized
 *      from the command line instead (its folios stay reserved, never reused).
 * The last unpreserve unfreezes the pools; the last file's finish ends the FLB.
 * All of this state is reached through LUO's FLB handle, never through globals.
 */
#include <abi/baton.h>
#include <errno.h>
#include <hugetlb.h>
#include <kexec.h>
#include <kho.h>
#include <kmalloc.h>
#include <luo.h>
#include <memfd.h>
#include <mm.h>
#include <printk.h>
#include <string.h>
#include <vmalloc.h>
#include "memfd_folios.h"

#define FOLIO_ADDR(e) ((e) & ~BATON_HUGETLB_USER)

struct pool_out {
	uint64_t *list, n;
	struct kho_vmalloc desc;
	uint8_t *ours;                      /* step 3 preserved entry i itself */
};

struct flb_out {
	paddr_t ser_pa;
	struct pool_out pool[NR_HUGE];
};

struct flb_in {
	uint64_t *list[NR_HUGE];
};

/* ---- the FLB ---- */

static void fill(paddr_t pa, void *arg)
{
	struct pool_out *p = arg;
	p->list[p->n++] = pa;
}

static void flb_out_free(struct flb_out *o)
{
	for (int s = 0; s < NR_HUGE; s++) {
		struct pool_out *p = &o->pool[s];
		if (!p->list)
			continue;
		if (p->desc.first)
			kho_unpreserve_vmalloc(&p->desc);
		vfree(p->list);
		kfree(p->ours);
		hugetlb_unfreeze(hugetlb_pool((enum hugetlb_size)s));
	}
	if (o->ser_pa)
		kho_unpreserve_free(o->ser_pa);
	kfree(o);
}

static int flb_preserve(struct luo_flb_op_args *a)
{
	if (luo_test_fail("flb"))
		return -EBUSY;                       /* `luo inject flb`: cannot freeze */
	struct flb_out *o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	int err = kho_alloc_preserve(sizeof(struct baton_hugetlb_ser), &o->ser_pa);
	struct baton_hugetlb_ser *ser = err ? NULL : page_virt(o->ser_pa);
	for (int s = 0; !err && s < NR_HUGE; s++) {
		struct hugetlb_pool *pool = hugetlb_pool((enum hugetlb_size)s);
		struct pool_out *p = &o->pool[s];
		ser->pool[s].order = pool->order;
		if (!pool->total)
			continue;
		hugetlb_freeze(pool);
		p->list = vmalloc(pool->total * sizeof(uint64_t), GFP_PRESERVABLE);
		p->ours = kzalloc(pool->total);
		if (!p->list || !p->ours) {
			if (!p->list)                    /* else flb_out_free unfreezes it */
				hugetlb_unfreeze(pool);
			err = -ENOMEM;
			break;
		}
		hugetlb_for_each(pool, fill, p);
		err = kho_preserve_vmalloc(p->list, &p->desc);
		ser->pool[s].nr_folios = p->n;
		ser->pool[s].list = p->desc;
	}
	if (err) {
		flb_out_free(o);
		return err;
	}
	ser->magic = BATON_HUGETLB_MAGIC;
	ser->version = BATON_HUGETLB_VERSION;
	ser->nr_pools = NR_HUGE;
	a->data = o->ser_pa;
	a->obj = o;
	return 0;
}

static void flb_unpreserve(struct luo_flb_op_args *a)
{
	flb_out_free(a->obj);
}

/* Check the whole incoming description before taking anything. */
static const char *check_in(const struct baton_hugetlb_ser *ser, uint64_t **lists)
{
	if (ser->magic != BATON_HUGETLB_MAGIC || ser->version != BATON_HUGETLB_VERSION ||
	    ser->nr_pools > BATON_HUGETLB_MAX_POOLS || ser->reserved)
		return "header";
	for (unsigned s = 0; s < ser->nr_pools; s++) {
		const struct baton_hugetlb_pool_ser *ps = &ser->pool[s];
		struct hugetlb_pool *pool = hugetlb_pool((enum hugetlb_size)s);
		if (ps->order != pool->order || ps->reserved)
			return "pool order";
		if (!ps->nr_folios)
			continue;
		struct kho_vmalloc desc = ps->list;
		if (desc.total_pages * (uint64_t)PAGE_SIZE < ps->nr_folios * sizeof(uint64_t))
			return "folio list size";
		lists[s] = kho_restore_vmalloc(&desc);
		if (!lists[s])
			return "folio list";
		/* Before the prompt only what is cheap: every entry aligned to the pool's
		 * folio size. Whether a free folio really is a preserved block of that
		 * order is checked when the pool takes it in (and a bad one is dropped). */
		uint64_t size = (uint64_t)PAGE_SIZE << ps->order;
		for (uint64_t i = 0; i < ps->nr_folios; i++) {
			paddr_t pa = FOLIO_ADDR(lists[s][i]);
			if (!IS_ALIGNED(pa, size) || !pa)
				return "a folio not aligned to the pool's folio size";
			/* A folio a memfd will restore is counted in the pool at once: it must
			 * be a preserved block of that order now (one bit test). */
			if ((lists[s][i] & BATON_HUGETLB_USER) && !kho_is_preserved_block(pa, ps->order))
				return "a memfd's folio that is not a preserved block of the pool's order";
		}
	}
	return NULL;
}

static void release_list(const uint64_t *list)
{
	vfree(list);
}

static int flb_retrieve(struct luo_flb_op_args *a)
{
	struct baton_hugetlb_ser ser;
	unsigned order;
	if (kho_restore_folio(a->data, &order))
		return -EINVAL;
	memcpy(&ser, page_virt(a->data), sizeof(ser));
	page_free(a->data, order);
	struct flb_in *in = kzalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	const char *why = check_in(&ser, in->list);
	if (why) {
		printk("hugetlb: the pools handed over are refused (%s); they are sized from the "
		       "command line, and the old folios stay reserved\n", why);
		for (int s = 0; s < NR_HUGE; s++)
			vfree(in->list[s]);
		kfree(in);
		return -EINVAL;
	}
	for (unsigned s = 0; s < ser.nr_pools; s++) {
		struct hugetlb_pool *pool = hugetlb_pool((enum hugetlb_size)s);
		uint64_t nfree = 0;
		for (uint64_t i = 0; i < ser.pool[s].nr_folios; i++) {
			uint64_t e = in->list[s][i];
			if (e & BATON_HUGETLB_USER)
				hugetlb_adopt_absent(pool, FOLIO_ADDR(e));   /* its memfd restores it */
			else
				nfree++;
		}
		/* Free folios are taken in when the pool first needs them, not before the
		 * prompt: the list goes to the pool, which releases it when done. */
		if (in->list[s])
			hugetlb_adopt_lazily(pool, in->list[s], ser.pool[s].nr_folios, nfree,
					     release_list);
		in->list[s] = NULL;
	}
	hugetlb_set_adopted();
	a->obj = in;
	return 0;
}

static void flb_finish(struct luo_flb_op_args *a)
{
	struct flb_in *in = a->obj;
	for (int s = 0; in && s < NR_HUGE; s++)
		vfree(in->list[s]);
	kfree(in);
}

static const struct luo_flb_ops flb_ops = { flb_preserve, flb_unpreserve, flb_retrieve,
					    flb_finish };
static struct luo_flb hugetlb_flb = { .ops = &flb_ops,
				      .compatible = BATON_HUGETLB_FLB_COMPATIBLE };

/* ---- step 3: just before kexec ---- */

static int mark_and_preserve(void)
{
	void *obj;
	luo_flb_get_outgoing(&hugetlb_flb, &obj);
	struct flb_out *o = obj;
	for (int s = 0; o && s < NR_HUGE; s++) {
		struct pool_out *p = &o->pool[s];
		unsigned order = hugetlb_pool((enum hugetlb_size)s)->order;
		for (uint64_t i = 0; i < p->n; i++) {
			paddr_t pa = FOLIO_ADDR(p->list[i]);
			if (kho_is_preserved_out(pa, order) && !p->ours[i]) {
				p->list[i] = pa | BATON_HUGETLB_USER;
				continue;
			}
			p->list[i] = pa;
			if (!p->ours[i]) {
				int err = kho_preserve_folio(pa, order);
				if (err)
					return err;          /* the step's undo cleans up */
				p->ours[i] = 1;
			}
		}
		if (p->n && luo_test_fail("pfnlist"))
			p->list[0] = FOLIO_ADDR(p->list[0]) + PAGE_SIZE;   /* `luo inject pfnlist` */
	}
	return 0;
}

static void unmark(void)
{
	void *obj;
	luo_flb_get_outgoing(&hugetlb_flb, &obj);
	struct flb_out *o = obj;
	for (int s = 0; o && s < NR_HUGE; s++) {
		struct pool_out *p = &o->pool[s];
		unsigned order = hugetlb_pool((enum hugetlb_size)s)->order;
		for (uint64_t i = 0; i < p->n; i++) {
			p->list[i] = FOLIO_ADDR(p->list[i]);
			if (p->ours[i])
				kho_unpreserve_folio(p->list[i], order);
			p->ours[i] = 0;
		}
	}
}
KEXEC_STEP("hugetlb", 20, mark_and_preserve, unmark);

/* ---- the hugetlb memfd handler ---- */

struct hmf_out {
	struct memfd *f;
	paddr_t ser_pa;
	struct memfd_folios folios;
};

static bool hmf_can_preserve(struct luo_file_handler *h, const struct luo_fileref *r)
{
	(void)h;
	return !strcmp(r->kind, "memfd") && ((const struct memfd *)r->obj)->pool;
}

static void hmf_undo(struct hmf_out *o)
{
	if (o->folios.arr)
		o->f->pool->preserved -= o->f->nfolios;
	memfd_folios_unpreserve(o->f, &o->folios);
	if (o->ser_pa)
		kho_unpreserve_free(o->ser_pa);
	o->f->luo = NULL;
	kfree(o);
}

static int hmf_preserve(struct luo_file_op_args *a)
{
	struct memfd *f = a->file.obj;
	if (f->seals & ~(uint32_t)F_SEAL_ALL)
		return -EOPNOTSUPP;
	struct hmf_out *o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->f = f;
	f->luo = o;
	int err = kho_alloc_preserve(sizeof(struct baton_hugememfd_ser), &o->ser_pa);
	if (!err)
		err = memfd_folios_preserve(f, &o->folios);   /* at the pool's order */
	if (err) {
		hmf_undo(o);
		return err;
	}
	if (o->folios.arr)
		f->pool->preserved += f->nfolios;
	struct baton_hugememfd_ser *s = page_virt(o->ser_pa);
	*s = (struct baton_hugememfd_ser){ f->pos, f->size, f->seals, f->order, f->nfolios,
					   o->folios.desc };
	a->serialized_data = o->ser_pa;
	a->private_data = o;
	return 0;
}

static void hmf_unpreserve(struct luo_file_op_args *a)
{
	struct hmf_out *o = a->private_data;
	struct memfd *f = o->f;
	hmf_undo(o);
	memfd_luo_unpreserved(f);
}

static int hmf_freeze(struct luo_file_op_args *a)
{
	struct hmf_out *o = a->private_data;
	((struct baton_hugememfd_ser *)page_virt(o->ser_pa))->pos = o->f->pos;
	return 0;
}

static struct hugetlb_pool *pool_of_order(unsigned order)
{
	for (int s = 0; s < NR_HUGE; s++)
		if (hugetlb_pool((enum hugetlb_size)s)->order == order)
			return hugetlb_pool((enum hugetlb_size)s);
	return NULL;
}

/* Take the ser and the folios; each folio becomes the pool's, in use. */
static int take(uint64_t data, struct baton_hugememfd_ser *s, paddr_t **folios,
		struct hugetlb_pool **pool)
{
	unsigned order;
	void *obj;
	/* Only into a pool that was handed over whole (the FLB was taken). */
	if (luo_flb_get_incoming(&hugetlb_flb, &obj))
		return -EIO;
	luo_flb_put_incoming(&hugetlb_flb);
	if (kho_restore_folio(data, &order))
		return -EIO;
	memcpy(s, page_virt(data), sizeof(*s));
	page_free(data, order);
	*pool = pool_of_order(s->order);
	uint64_t fb = (uint64_t)PAGE_SIZE << s->order;
	if (!*pool || (s->seals & ~(uint32_t)F_SEAL_ALL) || s->nr_folios != (s->size + fb - 1) / fb)
		return -EINVAL;
	struct kho_vmalloc desc = s->folios;          /* aligned copy of a packed field */
	int err = memfd_folios_restore(&desc, s->nr_folios, s->order, folios);
	for (uint64_t i = 0; !err && i < s->nr_folios; i++)
		hugetlb_claim(*pool, (*folios)[i]);     /* the pool's again, in use */
	return err;
}

static int hmf_retrieve(struct luo_file_op_args *a)
{
	struct baton_hugememfd_ser s;
	struct hugetlb_pool *pool;
	paddr_t *folios;
	if (memfd_check_name(a->retrieve_name))
		return -EINVAL;
	int err = take(a->serialized_data, &s, &folios, &pool);
	if (err)
		return err;
	struct memfd *f;
	err = memfd_adopt(a->retrieve_name, s.size, s.seals, pool, folios, s.nr_folios, &f);
	if (err) {
		for (uint64_t i = 0; i < s.nr_folios; i++)
			hugetlb_free(pool, folios[i]);
		kvfree(folios);
		return err;
	}
	f->pos = s.pos;
	f->luo_ref = true;
	a->file = (struct luo_fileref){ "memfd", f };
	return 0;
}

static void hmf_finish(struct luo_file_op_args *a)
{
	if (a->retrieve_status > 0) {               /* retrieved: LUO lets go of the file */
		memfd_luo_finished(a->file.obj);
		return;
	}
	if (a->retrieve_status < 0)
		return;
	struct baton_hugememfd_ser s;
	struct hugetlb_pool *pool;
	paddr_t *folios;
	if (take(a->serialized_data, &s, &folios, &pool)) {
		printk("luo: warning: a hugetlb memfd could not be given back to its pool\n");
		return;
	}
	for (uint64_t i = 0; i < s.nr_folios; i++)
		hugetlb_free(pool, folios[i]);      /* back to the pool, as the design says */
	kvfree(folios);
}

static const struct luo_file_ops hmf_ops = {
	.can_preserve = hmf_can_preserve, .preserve = hmf_preserve, .unpreserve = hmf_unpreserve,
	.freeze = hmf_freeze, .retrieve = hmf_retrieve, .finish = hmf_finish,
};
static struct luo_file_handler hmf_handler = { .ops = &hmf_ops,
					       .compatible = BATON_HUGEMEMFD_COMPATIBLE };

int hugetlb_luo_init(void)
{
	int err = luo_register_file_handler(&hmf_handler);
	if (!err)
		err = luo_register_flb(&hmf_handler, &hugetlb_flb);
	return err;
}

/* At boot, before the pools are sized: take the pools handed over, if any. */
void hugetlb_luo_adopt(void)
{
	void *obj;
	if (!hugetlb_flb.in.present)
		return;
	if (luo_flb_get_incoming(&hugetlb_flb, &obj) == 0)
		luo_flb_put_incoming(&hugetlb_flb);
}
