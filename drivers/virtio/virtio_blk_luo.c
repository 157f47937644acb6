/*
 * The virtio-blk file handler "baton-virtio-blk-v1": a disk kept live across a
 * live update, its queue adopted by the next kernel without a reset (bytes in
 * include/abi/baton.h; the lifecycle, with who owns the device at each step, in
 * docs/virtio.md). Its handler depends on the PCI FLB "pci-v2".
 *
 * preserve:   the function (and its bridges) into pci-v2; the ring block and the
 *             request page KHO-preserved as they are, page by page (order 0: a
 *             block of another order would cost the radix tree a path of its own,
 *             5 pages and 11 us of the next kernel's early boot); a preserved
 *             record with the PCI address, IDs, BARs, features, capacity and ring
 *             addresses.
 * freeze:     (in kexec) the queue's indices and free list into the record; a write
 *             still in flight (`blk submit`) is recorded, its data folio preserved.
 *             drivers_quiesce then leaves the device live, bus mastering on.
 * unfreeze / unpreserve: undo those.
 * retrieve:   (N+1, `luo retrieve S T blkN`) check the record alone, then against
 *             the function and the device as they are now; take back the ring and
 *             request pages; adopt the queue (vq_adopt), a chain in flight only if
 *             it is the record's write (virtio_blk_ser_chain); reap that write.
 *             Any mismatch: the reason is logged, the function is released from
 *             pci-v2, reset and probed as at a cold boot (the error is returned).
 * finish:     retrieved: the function's pci-v2 entry is done. Never retrieved: the
 *             function is reset and probed, its old ring pages freed after the reset.
 */
#include <errno.h>
#include <fault_inject.h>
#include <kho.h>
#include <kmalloc.h>
#include <luo.h>
#include <mm.h>
#include <pci.h>
#include <printk.h>
#include <string.h>
#include "virtio_blk.h"
#include "virtio_blk_ser.h"

struct blk_out {                          /* private_data while preserved */
	struct blk_dev *d;
	paddr_t ser_pa;
	paddr_t inflight_pa;              /* the pending write's folio, preserved at freeze */
};

static struct baton_virtio_blk_ser *ser_of(const struct blk_out *o)
{
	return page_virt(o->ser_pa);
}

/* ---- the console's names: blk0 .. blk3 ---- */

static int slot_of(const char *name, unsigned *slot)
{
	if (strncmp(name, "blk", 3) || name[3] < '0' || name[3] > '9' || name[4])
		return -EINVAL;
	*slot = (unsigned)(name[3] - '0');
	return *slot < VIRTIO_BLK_MAX_DEVS ? 0 : -EINVAL;
}

static void *find_blk(const char *name)
{
	unsigned slot;
	return slot_of(name, &slot) ? NULL : blk_get(slot);
}
static const char *blk_dev_name(void *obj) { return ((struct blk_dev *)obj)->name; }
static struct luo_name_kind blk_names = { .kind = "blk", .find = find_blk, .name = blk_dev_name };

/* ---- kernel N ---- */

static bool can_preserve(struct luo_file_handler *h, const struct luo_fileref *f)
{
	(void)h;
	return !strcmp(f->kind, "blk");
}

static void record(struct baton_virtio_blk_ser *s, const struct blk_dev *d)
{
	const struct pci_dev *pd = d->vd.pci;
	*s = (struct baton_virtio_blk_ser){
		.magic = BATON_VIRTIO_BLK_MAGIC, .version = BATON_VIRTIO_BLK_VERSION,
		.domain = pd->segment, .bdf = pci_bdf(pd->bus, pd->dev, pd->fn),
		.vendor_id = pd->vendor, .device_id = pd->device, .queue_index = d->vq.index,
		.queue_size = d->vq.size, .inflight_head = BATON_VIRTIO_BLK_NO_INFLIGHT,
		.features = d->vd.features, .capacity = d->sectors, .ring_pa = d->vq.desc_pa,
		.ring_order = virtio_blk_ring_order(d->vq.size), .req_pa = d->dma_pa,
	};
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		s->bar_base[i] = pd->bar[i].base;
		s->bar_size[i] = pd->bar[i].size;
	}
}

/* The ring block's pages, each as an order-0 block; all or nothing. */
static int preserve_ring(paddr_t pa, unsigned order)
{
	for (uint64_t i = 0; i < 1ull << order; i++) {
		int err = kho_preserve_folio(pa + i * PAGE_SIZE, 0);
		if (err) {
			while (i--)
				kho_unpreserve_folio(pa + i * PAGE_SIZE, 0);
			return err;
		}
	}
	return 0;
}

static void unpreserve_ring(paddr_t pa, unsigned order)
{
	for (uint64_t i = 0; i < 1ull << order; i++)
		kho_unpreserve_folio(pa + i * PAGE_SIZE, 0);
}

static void undo(struct blk_out *o, int stage)
{
	struct blk_dev *d = o->d;
	if (stage >= 3)
		kho_unpreserve_folio(d->dma_pa, 0);
	if (stage >= 2)
		unpreserve_ring(d->vq.desc_pa, virtio_blk_ring_order(d->vq.size));
	if (stage >= 1)
		kho_unpreserve_free(o->ser_pa);
	pci_luo_unpreserve(d->vd.pci);
	d->luo = NULL;
	kfree(o);
}

static int preserve(struct luo_file_op_args *a)
{
	struct blk_dev *d = a->file.obj;
	if (d->broken)
		return -EIO;
	struct blk_out *o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->d = d;
	int err = pci_luo_preserve(d->vd.pci), stage = 0;
	if (err) {
		kfree(o);
		return err;
	}
	d->luo = o;
	if (!(err = kho_alloc_preserve(sizeof(struct baton_virtio_blk_ser), &o->ser_pa)) && ++stage &&
	    !(err = preserve_ring(d->vq.desc_pa, virtio_blk_ring_order(d->vq.size))) && ++stage &&
	    !(err = kho_preserve_folio(d->dma_pa, 0)))
		stage++;
	if (err) {
		undo(o, stage);
		return err;
	}
	record(ser_of(o), d);
	a->serialized_data = o->ser_pa;
	a->private_data = o;
	return 0;
}

static void unpreserve(struct luo_file_op_args *a)
{
	undo(a->private_data, 3);
}

static int freeze(struct luo_file_op_args *a)
{
	struct blk_out *o = a->private_data;
	struct blk_dev *d = o->d;
	struct baton_virtio_blk_ser *s = ser_of(o);
	struct vq_state st;
	if (d->broken || vq_save(&d->vq, &st))
		return -EIO;
	record(s, d);
	s->avail_idx = st.avail_idx;
	s->last_used = st.last_used;
	s->free_head = st.free_head;
	s->num_free = st.num_free;
	if (st.inflight_head != VQ_NO_INFLIGHT) {
		if (!d->pending_pa || st.inflight_head != d->pending_head)
			return -EIO;                /* only `blk submit` leaves one in flight */
		int err = kho_preserve_folio(d->pending_pa, d->pending_order);
		if (err)
			return err;
		o->inflight_pa = d->pending_pa;
		s->inflight_head = st.inflight_head;
		s->inflight_len = st.inflight_len;
		s->inflight_order = (uint16_t)d->pending_order;
		s->inflight_pa = d->pending_pa;
		s->inflight_lba = d->pending_lba;
	}
	return fault_hook("blk.freeze", s);     /* ctx: the record, as frozen */
}

static void unfreeze(struct luo_file_op_args *a)
{
	struct blk_out *o = a->private_data;
	if (o->inflight_pa)
		kho_unpreserve_folio(o->inflight_pa, o->d->pending_order);
	o->inflight_pa = 0;
}

/* ---- kernel N+1 ---- */

/* Take the record out of preserved memory: 0 or -EIO. */
static int take_ser(uint64_t data, struct baton_virtio_blk_ser *s)
{
	return kho_restore_copy(data, s, sizeof(*s)) ? -EIO : 0;
}

/* The pages the record names that the tree proves preserved, taken back: freed
 * only after the device that used them was reset (give_back). A page is taken only
 * if it is exactly a preserved block of the order asked, not yet restored; KHO
 * restores a block once, so a page taken here is this record's alone (a record or
 * handler that names it later is refused, one that took it first refuses this one). */
struct taken {
	paddr_t pa[8];                          /* ring (<= 4 pages), request, data */
	unsigned order[8], n;
};

static bool take(struct taken *t, paddr_t pa, unsigned order)
{
	unsigned got;
	if (!pa || !kho_is_preserved_block(pa, order) || kho_restore_folio(pa, &got))
		return false;
	t->pa[t->n] = pa;
	t->order[t->n++] = got;
	return got == order;
}

static bool take_ring(struct taken *t, paddr_t pa, unsigned order)
{
	for (uint64_t i = 0; i < 1ull << order; i++)
		if (!take(t, pa + i * PAGE_SIZE, 0))
			return false;
	return true;
}

static void give_back(struct taken *t)
{
	for (unsigned i = 0; i < t->n; i++)
		page_free(t->pa[i], t->order[i]);
	t->n = 0;
}

static void seen_now(struct blk_dev *d, struct virtio_blk_seen *v)
{
	struct virtio_dev *vd = &d->vd;
	struct virtio_queue_regs q = { 0 };
	vd->ops->read_queue(vd, 0, &q);
	*v = (struct virtio_blk_seen){
		.vendor_id = vd->pci->vendor, .device_id = vd->pci->device,
		.status = vd->found_status, .device_features = vd->ops->get_features(vd),
		.queue_size = q.size, .queue_enable = q.enable, .desc_pa = q.desc,
		.avail_pa = q.driver, .used_pa = q.device, .capacity = virtio_cfg_read64(vd, 0),
	};
}

/* Adopt the device the record names into slot d; 0, or -EINVAL with *why (and
 * *pd the function if the record named one still waiting to be adopted). */
static int adopt(const struct baton_virtio_blk_ser *s, struct blk_dev *d, struct taken *t,
		 struct pci_dev **pd, const char **why)
{
	struct virtio_blk_seen v;
	struct vq_state st = { s->avail_idx, s->last_used, s->free_head, s->num_free,
			       s->inflight_head, s->inflight_len };
	*pd = NULL;
	if (virtio_blk_ser_check(s, VIRTIO_BLK_FEATURES, why))
		return -EINVAL;
	struct pci_dev *f = pci_find(s->domain, s->bdf);
	*why = !f ? "the function is gone" : !f->lu_in ? "the function was not kept by pci-v2"
						    : NULL;
	if (*why)
		return -EINVAL;
	*pd = f;
	*why = "the function has another vendor or device ID";
	if (virtio_pci_type(f) != VIRTIO_ID_BLOCK || s->vendor_id != f->vendor ||
	    s->device_id != f->device)
		return -EINVAL;
	uint64_t base[PCI_NUM_BARS], size[PCI_NUM_BARS];
	memcpy(base, s->bar_base, sizeof(base));
	memcpy(size, s->bar_size, sizeof(size));
	*why = "the function's BARs are not the record's";
	if (pci_luo_adopt_bars(f, base, size))
		return -EINVAL;
	bool busy = s->inflight_head != BATON_VIRTIO_BLK_NO_INFLIGHT;
	*why = "the ring block is not preserved as order-0 pages";
	if (!take_ring(t, s->ring_pa, s->ring_order))
		return -EINVAL;
	*why = "the request page is not a preserved order-0 page";
	if (!take(t, s->req_pa, 0))
		return -EINVAL;
	*why = "the in-flight data is not preserved at inflight_order";
	if (busy && !take(t, s->inflight_pa, s->inflight_order))
		return -EINVAL;
	*why = "the virtio registers cannot be mapped";
	if (virtio_pci_attach(f, &d->vd))
		return -EINVAL;
	seen_now(d, &v);
	if (virtio_blk_ser_match(s, &v, why))
		return -EINVAL;
	if (vq_adopt(&d->vq, 0, s->queue_size, page_virt(s->ring_pa), s->ring_pa, &st, why) ||
	    virtio_blk_ser_chain(s, d->vq.desc, why))
		return -EINVAL;
	d->vd.features = s->features;
	*why = "the device's limits are too small";
	if (virtio_blk_limits(d))
		return -EINVAL;
	d->max_segs = MIN(d->max_segs, d->vq.size - 2u);
	d->dma_pa = s->req_pa;
	d->dma = page_virt(s->req_pa);
	if (busy) {
		d->pending_pa = s->inflight_pa;
		d->pending_order = s->inflight_order;
		d->pending_head = s->inflight_head;
		d->pending_lba = s->inflight_lba;
	}
	t->n = 0;                               /* the pages are the device's now */
	return 0;
}

/* The device the record named is not adopted: release it from pci-v2, reset and
 * probe it as at a cold boot, then free the pages it used. */
static void fall_back(struct pci_dev *pd, struct taken *t, const char *what, const char *why)
{
	printk("virtio-blk: %s not adopted: %s; reset and probed afresh\n", what, why);
	if (pd && pd->lu_in && !pd->driver) {
		pci_luo_release(pd);
		virtio_blk_probe(pd);
	}
	give_back(t);
}

/* A disk takes the name blk0 .. blk3 of a free slot. */
static int check_name(struct luo_file_op_args *a)
{
	unsigned slot;
	if (slot_of(a->retrieve_name, &slot))
		return -ENODEV;
	return virtio_blk_slot(slot)->in_use ? -EEXIST : 0;
}

static int retrieve(struct luo_file_op_args *a)
{
	unsigned slot = 0;
	struct baton_virtio_blk_ser s;
	struct taken t = { .n = 0 };
	struct pci_dev *pd;
	const char *why;
	slot_of(a->retrieve_name, &slot);           /* check_name accepted it */
	struct blk_dev *d = virtio_blk_slot(slot);
	if (take_ser(a->serialized_data, &s))
		return -EIO;
	*d = (struct blk_dev){ 0 };
	snprintf(d->name, sizeof(d->name), "blk%u", slot);
	if (adopt(&s, d, &t, &pd, &why)) {
		*d = (struct blk_dev){ 0 };
		fall_back(pd, &t, a->retrieve_name, why);
		return -EINVAL;
	}
	virtio_blk_claim(d);
	printk("virtio-blk: %s: adopted %s without a reset: status=0x%x avail=%u used=%u\n",
	       d->name, pd->name, d->vd.found_status, d->vq.avail_idx, d->vq.last_used);
	if (d->pending_pa) {
		int err = virtio_blk_reap(d);
		printk("virtio-blk: %s: the write in flight at the update (sector %llu) %s\n",
		       d->name, (unsigned long long)s.inflight_lba,
		       err || d->pending_status ? "failed" : "completed");
	}
	virtio_blk_announce(d);
	a->file = (struct luo_fileref){ "blk", d };
	return 0;
}

static void finish_one(struct luo_file_op_args *a)
{
	struct baton_virtio_blk_ser s;
	struct taken t = { .n = 0 };
	const char *why;
	if (a->retrieve_status > 0) {
		pci_luo_finish(((struct blk_dev *)a->file.obj)->vd.pci);
		return;
	}
	if (a->retrieve_status < 0 || take_ser(a->serialized_data, &s))
		return;                             /* released at the failed retrieve */
	struct pci_dev *pd = virtio_blk_ser_check(&s, VIRTIO_BLK_FEATURES, &why) ? NULL
				     : pci_find(s.domain, s.bdf);
	if (pd) {
		take_ring(&t, s.ring_pa, s.ring_order);
		take(&t, s.req_pa, 0);
		if (s.inflight_head != BATON_VIRTIO_BLK_NO_INFLIGHT)
			take(&t, s.inflight_pa, s.inflight_order);
	}
	fall_back(pd, &t, "a disk never retrieved", pd ? "its session finished" : why);
}

/* After the last incoming disk file: a function still waiting was named by no
 * record that could be used; it is reset and probed as at a cold boot. */
static void release_orphans(void)
{
	for (unsigned i = 0; i < pci_count(); i++) {
		struct pci_dev *pd = pci_get(i);
		if (pd->lu_in && !pd->driver && virtio_pci_type(pd) == VIRTIO_ID_BLOCK) {
			struct taken none = { .n = 0 };
			fall_back(pd, &none, pd->name, "no record that could be used names it");
		}
	}
}

static void finish(struct luo_file_op_args *a)
{
	finish_one(a);
	if (pci_luo_incoming_files() <= 1)      /* this one is counted until it returns */
		release_orphans();
}

static const struct luo_file_ops blk_ops = {
	.can_preserve = can_preserve, .preserve = preserve, .unpreserve = unpreserve,
	.freeze = freeze, .unfreeze = unfreeze, .check_name = check_name, .retrieve = retrieve,
	.finish = finish,
};
static struct luo_file_handler blk_handler = { .ops = &blk_ops,
					       .compatible = BATON_VIRTIO_BLK_COMPATIBLE };

static int virtio_blk_luo_init(void)
{
	luo_register_name_kind(&blk_names);
	int err = luo_register_file_handler(&blk_handler);
	return err ?: pci_luo_register_flb(&blk_handler);
}
LUO_REGISTER(30, virtio_blk_luo_init);
