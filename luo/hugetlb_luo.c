/*
 * Huge-page pools that survive a live update (docs/luo.md; bytes in
 * include/abi/baton.h, documented in docs/abi/baton.md).
 *
 *   1. The first hugetlb memfd preserved creates the hugetlb FLB: every pool that
 *      has folios is frozen (no resizing), its folio addresses are listed, sorted,
 *      in a vmalloc area preserved by its frames, and every folio is KHO-preserved
 *      whole, at the pool's order.
 *   2. A hugetlb memfd (handler "baton-hugememfd-v1") lists its folios at the pool's
 *      order (never split into 4 KiB records) and marks each in the FLB's list as a
 *      user's (bit 63, found by binary search); unpreserving clears the marks.
 *      So when kexec comes the list is complete, marked, and every pool folio is
 *      preserved: the blackout does no work per folio (the design's "just before
 *      kexec" walk is done as the files come and go, while the pool is frozen;
 *      the kexec step only confirms it from the counters, in O(1)).
 *   3. In the next kernel hugetlb_init asks LUO for the FLB first: the list is
 *      checked whole (every entry aligned to the pool's folio size) and becomes the
 *      pool's record as is (mm/hugetlb_adopt.c, hugetlb_adopt_list); folios nobody
 *      preserved count as free at once and are taken in when the pool first needs
 *      them (each checked then); the others count as in use until their memfd
 *      restores them or its finish gives them back. The pools keep their size,
 *      whatever the command line says. A bad list is refused with a log line, and
 *      the pools are sized from the command line instead (its folios stay
 *      reserved, never reused).
 * The last unpreserve unfreezes the pools; the last file's finish ends the FLB.
 * All of this state is reached through LUO's FLB handle, never through globals.
 */
#include <abi/baton.h>
#include <errno.h>
#include <fault_inject.h>
#include <hugetlb.h>
#include <kexec_step.h>
#include <kho.h>
#include <kmalloc.h>
#include <luo.h>
#include <memfd.h>
#include <mm.h>
#include <palist.h>
#include <panic.h>
#include <printk.h>
#include <string.h>
#include <vmalloc.h>
#include "hugetlb_luo.h"
#include "memfd_folios.h"

_Static_assert(BATON_HUGETLB_USER == PALIST_FLAG, "the list's user mark is the pool's flag");

struct pool_out {
	uint64_t *list, n;                  /* sorted by address */
	uint64_t npreserved;                /* list[0..npreserved) are KHO-preserved */
	struct kho_vmalloc desc;
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
		unsigned order = hugetlb_pool((enum hugetlb_size)s)->order;
		for (uint64_t i = 0; i < p->npreserved; i++)
			kho_unpreserve_folio(palist_pa(p->list[i]), order);
		vfree(p->list);
		hugetlb_unfreeze(hugetlb_pool((enum hugetlb_size)s));
	}
	if (o->ser_pa)
		kho_unpreserve_free(o->ser_pa);
	kfree(o);
}

static int flb_preserve(struct luo_flb_op_args *a)
{
	int err = fault_hook("hugetlb.flb", NULL);   /* e.g. -EBUSY: cannot freeze */
	if (err)
		return err;
	struct flb_out *o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	err = kho_alloc_preserve(sizeof(struct baton_hugetlb_ser), &o->ser_pa);
	struct baton_hugetlb_ser *ser = err ? NULL : page_virt(o->ser_pa);
	for (int s = 0; !err && s < NR_HUGE; s++) {
		struct hugetlb_pool *pool = hugetlb_pool((enum hugetlb_size)s);
		struct pool_out *p = &o->pool[s];
		ser->pool[s].order = pool->order;
		if (!pool->total)
			continue;
		hugetlb_freeze(pool);
		p->list = vmalloc(pool->total * sizeof(uint64_t), GFP_PRESERVABLE);
		if (!p->list) {
			hugetlb_unfreeze(pool);          /* else flb_out_free unfreezes it */
			err = -ENOMEM;
			break;
		}
		hugetlb_for_each(pool, fill, p);
		palist_sort(p->list, p->n);
		for (; !err && p->npreserved < p->n; p->npreserved++)
			err = kho_preserve_folio(p->list[p->npreserved], pool->order);
		if (err)
			p->npreserved--;                 /* that one failed */
		err = err ?: kho_preserve_vmalloc(p->list, &p->desc);
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

/* The OR of all entries, for the alignment check: the one pass over the list before
 * the prompt, eight entries a step. */
static uint64_t or_all(const uint64_t *e, uint64_t n)
{
	uint64_t b = 0, i = 0;
	for (; i + 8 <= n; i += 8)
		b |= e[i] | e[i + 1] | e[i + 2] | e[i + 3] | e[i + 4] | e[i + 5] | e[i + 6] | e[i + 7];
	for (; i < n; i++)
		b |= e[i];
	return b;
}

/* Check the whole incoming description before taking anything. */
static const char *check_in(const struct baton_hugetlb_ser *ser, uint64_t **lists,
			    uint64_t *nfree)
{
	if (ser->magic != BATON_HUGETLB_MAGIC || ser->version != BATON_HUGETLB_VERSION ||
	    ser->nr_pools > BATON_HUGETLB_MAX_POOLS || ser->reserved)
		return "header";
	for (unsigned s = 0; s < ser->nr_pools; s++) {
		const struct baton_hugetlb_pool_ser *ps = &ser->pool[s];
		struct hugetlb_pool *pool = hugetlb_pool((enum hugetlb_size)s);
		if (ps->order != pool->order)
			return "pool order";
		if (ps->nr_user > ps->nr_folios)
			return "more user folios than folios";
		if (!ps->nr_folios)
			continue;
		struct kho_vmalloc desc = ps->list;
		if (ps->nr_folios > desc.total_pages * (uint64_t)(PAGE_SIZE / sizeof(uint64_t)))
			return "folio list size";            /* total_pages is 32 bits: no wrap */
		lists[s] = kho_restore_vmalloc(&desc);
		if (!lists[s])
			return "folio list";
		/* Before the prompt only what is cheap: every entry aligned to the pool's
		 * folio size. Whether a folio really is a preserved block of that order
		 * (not 0, not listed twice), and nr_user right, is checked when the pool
		 * takes it in or sorts its list: a bad entry is dropped, a wrong count
		 * corrected, each with a warning (mm/hugetlb_adopt.c). */
		if (or_all(lists[s], ps->nr_folios) & (((uint64_t)PAGE_SIZE << ps->order) - 1))
			return "a folio not aligned to the pool's folio size";
		nfree[s] = ps->nr_folios - ps->nr_user;
	}
	return NULL;
}

static int flb_retrieve(struct luo_flb_op_args *a)
{
	struct baton_hugetlb_ser ser;
	if (kho_restore_copy(a->data, &ser, sizeof(ser)))
		return -EINVAL;
	struct flb_in *in = kzalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	uint64_t nfree[BATON_HUGETLB_MAX_POOLS] = { 0 };
	const char *why = check_in(&ser, in->list, nfree);
	if (why) {
		printk("hugetlb: the pools handed over are refused (%s); they are sized from the "
		       "command line, and the old folios stay reserved\n", why);
		for (int s = 0; s < NR_HUGE; s++)
			vfree(in->list[s]);
		kfree(in);
		return -EINVAL;
	}
	/* The lists become the pools' records as they are: no work per folio here. */
	for (unsigned s = 0; s < ser.nr_pools; s++) {
		if (in->list[s])
			hugetlb_adopt_list(hugetlb_pool((enum hugetlb_size)s), in->list[s],
					   ser.pool[s].nr_folios, nfree[s]);
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

/* ---- just before kexec: the list is already whole; confirm it, in O(1) ---- */

/*
 * Every folio of each pool is listed and KHO-preserved: the list was made from the
 * frozen pool, each of its folios preserved then, and a frozen pool neither grows
 * nor shrinks. The counters say so without a walk; anything else is a bug. Then the
 * "hugetlb.kexec" fault site, whose handlers may break what the next kernel gets
 * (ctx: struct hugetlb_kexec_ctx, luo/hugetlb_luo.h).
 */
static int hugetlb_step(void)
{
	void *obj;
	luo_flb_get_outgoing(&hugetlb_flb, &obj);
	struct flb_out *o = obj;
	if (!o)
		return 0;
	struct hugetlb_kexec_ctx ctx = { .ser = page_virt(o->ser_pa) };
	for (int s = 0; s < NR_HUGE; s++) {
		const struct hugetlb_pool *pool = hugetlb_pool((enum hugetlb_size)s);
		const struct pool_out *p = &o->pool[s];
		BUG_ON(p->list && (!pool->frozen || pool->total != p->n || p->npreserved != p->n),
		       "hugetlb %s pool at kexec: frozen %u, %llu folios, %llu listed, %llu "
		       "preserved", pool->name, pool->frozen, (unsigned long long)pool->total,
		       (unsigned long long)p->n, (unsigned long long)p->npreserved);
		ctx.list[s] = p->list;
		ctx.n[s] = p->n;
	}
	return fault_hook("hugetlb.kexec", &ctx);
}
KEXEC_STEP("hugetlb", 20, hugetlb_step, NULL);

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

/* Mark the file's folios in the FLB's list as a user's (or clear the marks), and
 * count them in the pool's nr_user. The pool is frozen while the FLB lives, so each
 * folio is in its list. */
static void mark(struct memfd *f, bool user)
{
	void *obj;
	luo_flb_get_outgoing(&hugetlb_flb, &obj);
	struct flb_out *o = obj;
	int s = 0;
	while (s < NR_HUGE - 1 && hugetlb_pool((enum hugetlb_size)s) != f->pool)
		s++;
	struct pool_out *p = &o->pool[s];
	for (uint64_t i = 0; i < f->nfolios; i++) {
		int64_t at = palist_find(p->list, p->n, f->folios[i]);
		BUG_ON(at < 0 || !(p->list[at] & PALIST_FLAG) == !user,
		       "hugetlb memfd folio %#llx: %s in the %s pool's list (user %d)",
		       (unsigned long long)f->folios[i], at < 0 ? "missing" : "marked wrongly",
		       f->pool->name, user);
		p->list[at] = user ? p->list[at] | PALIST_FLAG : palist_pa(p->list[at]);
	}
	struct baton_hugetlb_pool_ser *ps = &((struct baton_hugetlb_ser *)page_virt(o->ser_pa))->pool[s];
	ps->nr_user = user ? ps->nr_user + (uint32_t)f->nfolios : ps->nr_user - (uint32_t)f->nfolios;
}

static void hmf_undo(struct hmf_out *o)
{
	struct memfd *f = o->f;
	if (o->folios.arr) {
		hugetlb_preserve_count(f->pool, -(int64_t)f->nfolios);
		mark(f, false);
	}
	memfd_folios_unpreserve(f, &o->folios);
	if (o->ser_pa)
		kho_unpreserve_free(o->ser_pa);
	kfree(o);
	memfd_luo_unpreserved(f);
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
	memfd_luo_preserved(f, o);
	int err = kho_alloc_preserve(sizeof(struct baton_hugememfd_ser), &o->ser_pa);
	if (!err)
		err = memfd_folios_preserve(f, &o->folios, false);  /* the FLB preserved them */
	if (err) {
		hmf_undo(o);
		return err;
	}
	if (o->folios.arr) {
		hugetlb_preserve_count(f->pool, (int64_t)f->nfolios);
		mark(f, true);
	}
	struct baton_hugememfd_ser *s = page_virt(o->ser_pa);
	*s = (struct baton_hugememfd_ser){ f->pos, f->size, f->seals, f->order, f->nfolios,
					   o->folios.desc };
	a->serialized_data = o->ser_pa;
	a->private_data = o;
	return 0;
}

static void hmf_unpreserve(struct luo_file_op_args *a)
{
	hmf_undo(a->private_data);
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
		struct hugetlb_pool **pool, struct memfd_leftover *left)
{
	void *obj;
	/* Only into a pool that was handed over whole (the FLB was taken). */
	if (luo_flb_get_incoming(&hugetlb_flb, &obj))
		return -EIO;
	luo_flb_put_incoming(&hugetlb_flb);
	if (kho_restore_copy(data, s, sizeof(*s)))
		return -EIO;
	*pool = pool_of_order(s->order);
	struct kho_vmalloc desc = s->folios;          /* aligned copy of a packed field */
	if (!*pool || (s->seals & ~(uint32_t)F_SEAL_ALL) ||
	    memfd_check_layout(s->size, s->order, s->nr_folios))
		return memfd_folios_leftover(&desc, left) ?: -EINVAL;
	int err = memfd_folios_restore(&desc, s->nr_folios, s->order, folios, left);
	if (err)
		return err;
	/* Each becomes the pool's again, in use, if the pool's list says it is this
	 * file's to restore; otherwise the file is refused, and its folios (now
	 * restored, so this kernel's) go back where they belong. */
	paddr_t *f = *folios;
	for (uint64_t i = 0; i < s->nr_folios; i++)
		if (hugetlb_claim(*pool, f[i])) {
			printk("luo: a hugetlb memfd names folio %#llx, which the %s pool does "
			       "not hold for it\n", (unsigned long long)f[i], (*pool)->name);
			page_free(f[i], s->order);
			f[i] = 0;
			err = -EIO;
		}
	if (err) {
		for (uint64_t i = 0; i < s->nr_folios; i++)
			if (f[i])
				hugetlb_free(*pool, f[i]);
		kvfree(f);
	}
	return err;
}

/* What a failed retrieve left for finish (memfd_folios_keep): the blocks its list
 * named that the tree proves preserved go to the allocator, and the pools drop them
 * from their lists at once (they are no longer preserved blocks). */
static void give_back(struct memfd_leftover *left)
{
	uint64_t n = left->n, back = memfd_folios_give_back(left);
	printk("luo: hugetlb memfd: %llu of %llu preserved folios a damaged record named "
	       "went back to the allocator\n", (unsigned long long)back, (unsigned long long)n);
	for (int p = 0; back && p < NR_HUGE; p++)   /* the pools let go of them now */
		hugetlb_drain(hugetlb_pool((enum hugetlb_size)p));
}

static int hmf_retrieve(struct luo_file_op_args *a)
{
	struct baton_hugememfd_ser s;
	struct memfd_leftover left = { NULL, 0 };
	struct hugetlb_pool *pool;
	paddr_t *folios;
	int err = take(a->serialized_data, &s, &folios, &pool, &left);
	if (err)
		return memfd_folios_keep(&a->private_data, &left, err);
	struct memfd *f;
	err = memfd_adopt(a->retrieve_name, s.size, s.seals, pool, folios, s.nr_folios, &f);
	if (err) {
		for (uint64_t i = 0; i < s.nr_folios; i++)
			hugetlb_free(pool, folios[i]);
		kvfree(folios);
		return err;
	}
	f->pos = s.pos;
	memfd_luo_retrieved(f);
	a->file = (struct luo_fileref){ "memfd", f };
	return 0;
}

static void hmf_finish(struct luo_file_op_args *a)
{
	struct memfd_leftover left = { NULL, 0 };
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
	struct baton_hugememfd_ser s;
	struct hugetlb_pool *pool;
	paddr_t *folios;
	if (take(a->serialized_data, &s, &folios, &pool, &left)) {
		printk("luo: warning: a hugetlb memfd could not be given back to its pool\n");
		if (left.n)
			give_back(&left);
		kvfree(left.pa);
		return;
	}
	for (uint64_t i = 0; i < s.nr_folios; i++)
		hugetlb_free(pool, folios[i]);      /* back to the pool, as the design says */
	kvfree(folios);
}

static const struct luo_file_ops hmf_ops = {
	.can_preserve = hmf_can_preserve, .preserve = hmf_preserve, .unpreserve = hmf_unpreserve,
	.freeze = hmf_freeze, .check_name = memfd_folios_check_name, .retrieve = hmf_retrieve, .finish = hmf_finish,
};
static struct luo_file_handler hmf_handler = { .ops = &hmf_ops,
					       .compatible = BATON_HUGEMEMFD_COMPATIBLE };

static int hugetlb_luo_init(void)
{
	int err = luo_register_file_handler(&hmf_handler);
	if (!err)
		err = luo_register_flb(&hmf_handler, &hugetlb_flb);
	return err;
}
LUO_REGISTER(20, hugetlb_luo_init);

/* At boot, before the pools are sized: take the pools handed over, if any (an
 * absent FLB is -ENOENT, and nothing happens). */
void hugetlb_luo_adopt(void)
{
	void *obj;
	if (luo_flb_get_incoming(&hugetlb_flb, &obj) == 0)
		luo_flb_put_incoming(&hugetlb_flb);
}
