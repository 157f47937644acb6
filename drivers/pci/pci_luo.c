/*
 * The PCI File-Lifecycle-Bound state "pci-v2" (bytes in include/abi/pci.h; Linux's
 * semantics, and where Baton differs, in docs/abi/pci.md).
 *
 * Kernel N: the FLB is created with the first preserved file of a handler that
 * registered it (pci_luo_register_flb): one KHO-preserved pci_ser with room for
 * every function found at boot. pci_luo_preserve() takes a reference on the
 * function's entry and on each bridge's above it (a bridge's refcount counts the
 * preserved functions below it); pci_luo_unpreserve() drops them, last first.
 *
 * Kernel N+1: pci_init() asks for the incoming FLB once per scan (luo_flb_get_
 * incoming; the FLB's retrieve checks the array and keeps a sorted copy, then frees
 * the handed-over block). A function found in it is marked lu_in and holds one
 * reference on the FLB until pci_luo_finish(); the scan's own reference is dropped
 * at its end. A listed bridge is only left unsized (Baton never renumbers buses);
 * the copy's bridge counts are not kept up, as nothing in N+1 reads them. A function listed but absent is logged. A damaged array is logged
 * and ignored: every function is then probed as at a cold boot.
 */
#include <errno.h>
#include <kho.h>
#include <kmalloc.h>
#include <luo.h>
#include <mm.h>
#include <pci.h>
#include <printk.h>
#include <string.h>
#include "pci_ser.h"

struct pci_out {                          /* the outgoing FLB object */
	paddr_t pa;
	struct pci_ser *ser;
};

static int flb_preserve(struct luo_flb_op_args *a)
{
	uint32_t max = pci_count();
	struct pci_out *o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	int err = kho_alloc_preserve(pci_ser_bytes(max), &o->pa);
	if (err) {
		kfree(o);
		return err;
	}
	o->ser = page_virt(o->pa);
	o->ser->max_nr_devices = max;
	o->ser->nr_devices = 0;
	a->obj = o;
	a->data = o->pa;
	return 0;
}

static void flb_unpreserve(struct luo_flb_op_args *a)
{
	struct pci_out *o = a->obj;
	if (o->ser->nr_devices)
		printk("pci: warning: pci-v2 unpreserved with %u functions in it\n",
		       o->ser->nr_devices);
	kho_unpreserve_free(o->pa);
	kfree(o);
}

static int flb_retrieve(struct luo_flb_op_args *a)
{
	unsigned order;
	const char *why = "its block is not a preserved folio";
	struct pci_ser_in *in = kzalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	int err = -EINVAL;
	if (!kho_restore_folio(a->data, &order)) {
		err = pci_ser_check(page_virt(a->data), (uint64_t)PAGE_SIZE << order, in, &why);
		page_free(a->data, order);
	}
	if (err) {
		printk("pci: the incoming pci-v2 list at %#llx is refused (%s); every function "
		       "is probed afresh\n", (unsigned long long)a->data, why);
		kfree(in);
		return err;
	}
	a->obj = in;
	return 0;
}

static void flb_finish(struct luo_flb_op_args *a)
{
	kfree(a->obj);
}

static const struct luo_flb_ops pci_flb_ops = {
	.preserve = flb_preserve, .unpreserve = flb_unpreserve,
	.retrieve = flb_retrieve, .finish = flb_finish,
};
static struct luo_flb pci_flb = { .ops = &pci_flb_ops, .compatible = PCI_LUO_FLB_COMPATIBLE };

int pci_luo_register_flb(struct luo_file_handler *h)
{
	return luo_register_flb(h, &pci_flb);
}

/* ---- kernel N ---- */

static uint16_t bdf_of(const struct pci_dev *d)
{
	return pci_bdf(d->bus, d->dev, d->fn);
}

static void unpreserve_path(struct pci_ser *s, struct pci_dev *d)
{
	for (; d; d = d->parent) {
		struct pci_dev_ser *e = d->lu_out;
		if (!e || pci_ser_put(s, e)) {
			printk("pci: warning: %s is not kept for the next kernel\n", d->name);
			continue;
		}
		if (!e->refcount)
			d->lu_out = NULL;
	}
}

int pci_luo_preserve(struct pci_dev *d)
{
	struct pci_out *o;
	luo_flb_get_outgoing(&pci_flb, (void **)&o);
	if (!o)
		return -ENOENT;
	if (d->lu_out)
		return -EBUSY;
	for (struct pci_dev *p = d; p; p = p->parent) {
		struct pci_dev_ser *e;
		int err = pci_ser_get(o->ser, p->segment, bdf_of(p), &e);
		if (err) {
			/* Undo the references taken below p, one function at a time. */
			for (struct pci_dev *q = d; q != p; q = q->parent)
				if (q->lu_out && !pci_ser_put(o->ser, q->lu_out) && !q->lu_out->refcount)
					q->lu_out = NULL;
			return err;
		}
		p->lu_out = e;
	}
	return 0;
}

void pci_luo_unpreserve(struct pci_dev *d)
{
	struct pci_out *o;
	luo_flb_get_outgoing(&pci_flb, (void **)&o);
	if (!o) {
		printk("pci: warning: %s unpreserved without an outgoing pci-v2\n", d->name);
		return;
	}
	unpreserve_path(o->ser, d);
}

/* ---- kernel N+1 ---- */

static struct pci_ser_in *scan_in;        /* the incoming list during pci_init */
static bool scan_asked;
static unsigned held;                     /* functions with lu_in (one FLB reference each) */

unsigned pci_luo_incoming_files(void)
{
	struct luo_flb_state st;
	luo_flb_state(&pci_flb, &st);
	return st.in_present && !st.in_finished && st.in_count > held ? (unsigned)(st.in_count - held) : 0;
}

bool pci_luo_scan_preserved(struct pci_dev *d)
{
	if (!scan_asked) {
		scan_asked = true;
		if (luo_flb_get_incoming(&pci_flb, (void **)&scan_in))
			scan_in = NULL;
	}
	struct pci_dev_ser *e = scan_in ? pci_ser_in_find(scan_in, d->segment, bdf_of(d)) : NULL;
	if (!e || !e->refcount)
		return false;
	if (d->header_type != 0)
		return true;            /* a bridge on the way: left as it is, not held */
	void *again;
	if (luo_flb_get_incoming(&pci_flb, &again))      /* held until pci_luo_finish */
		return false;
	d->lu_in = true;
	held++;
	printk("pci: %s was kept live by the previous kernel (refcount %u)\n", d->name,
	       e->refcount);
	return true;
}

void pci_luo_scan_done(void)
{
	if (!scan_in)
		return;
	for (uint32_t i = 0; i < scan_in->n; i++) {
		const struct pci_dev_ser *e = &scan_in->dev[i];
		uint16_t bdf = e->bdf;
		if (!pci_find(e->domain, bdf))
			printk("pci: warning: %04x:%02x:%02x.%x was kept by the previous kernel but "
			       "is gone\n", e->domain, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
	}
	scan_in = NULL;
	luo_flb_put_incoming(&pci_flb);
}

int pci_luo_adopt_bars(struct pci_dev *d, const uint64_t base[PCI_NUM_BARS],
		       const uint64_t size[PCI_NUM_BARS])
{
	if (!d->lu_in)
		return -EINVAL;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];
		if (base[i] != b->base || (size[i] & (size[i] - 1)) || (b->base && !size[i]) ||
		    (size[i] && (b->base & (size[i] - 1))))
			return -EINVAL;
	}
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		d->bar[i].size = size[i];
	d->bars_unsized = false;
	return 0;
}

void pci_luo_finish(struct pci_dev *d)
{
	if (!d->lu_in)
		return;
	d->lu_in = false;
	held--;
	luo_flb_put_incoming(&pci_flb);
}

void pci_luo_release(struct pci_dev *d)
{
	if (!d->lu_in)
		return;
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_CMD_MASTER);
	pci_size_bars(d);
	pci_luo_finish(d);
}
