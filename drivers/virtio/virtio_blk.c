/*
 * virtio-blk (virtio 1.x §5.2) behind include/blk.h.
 *
 * One request queue (queue 0), one request in flight at a time: a call builds a
 * descriptor chain [header (device reads)] [data...] [status byte (device writes)],
 * notifies, and waits until that chain comes back on the used ring, so every call
 * returns with the queue empty. The wait: with an MSI-X vector (a probed device,
 * unless the boot option virtio_poll), on the boot CPU with interrupts on, the
 * caller halts until the queue's interrupt or a timer slice wakes it and the used
 * ring has the entry (bounded); then, and in every other case (interrupts off as
 * in kexec's quiesce or early boot, another CPU, no MSI-X, an adopted disk), the
 * used ring is polled (virtio_poll), which also ends a wait whose interrupt was lost. A transfer larger than one request allows is cut
 * into requests of whole sectors. Data descriptors point straight at the caller's
 * buffer: its pages are found one by one (vmalloc memory through the page tables,
 * the direct map and the kernel image by arithmetic) and physically adjacent pages
 * are merged, within the device's segment count and size limits.
 *
 * Features asked for: VERSION_1 (required), RO, BLK_SIZE, FLUSH, SEG_MAX, SIZE_MAX;
 * nothing else is offered to the device. Without FLUSH the device has no volatile
 * cache to write back, so blk_flush() succeeds at once.
 */
#include <cmdline.h>
#include <errno.h>
#include <irq_vector.h>
#include <layout.h>
#include <mm.h>
#include <paging.h>
#include <panic.h>
#include <printk.h>
#include <string.h>
#include <memfd.h>
#include <vmalloc.h>
#include "virtio_blk.h"

#define F_SIZE_MAX   (1ull << 1)
#define F_SEG_MAX    (1ull << 2)
#define F_RO         (1ull << 5)
#define F_BLK_SIZE   (1ull << 6)
#define F_FLUSH      (1ull << 9)

#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX  12
#define CFG_BLK_SIZE 20

#define T_IN         0
#define T_OUT        1
#define T_FLUSH      4
#define STATUS_OFF   VIRTIO_BLK_REQ_STATUS_OFF

#define QUEUE_MAX    128                 /* ring entries Baton asks for */
#define SEGS_MAX     64                  /* data descriptors per request */
#define REQ_MAX      (4 * MiB)           /* bytes per request */

/* The interrupt wait's bound, in APIC timer ticks (about 4 s under QEMU); the poll
 * that follows has its own. */
#define IRQ_WAIT_TICKS (1ull << 32)

static bool force_poll;                  /* boot option virtio_poll */

static int set_force_poll(const char *v)
{
	return cmdline_flag(v, &force_poll);
}
BOOT_PARAM("virtio_poll", set_force_poll);

struct req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct req_hdr) == VIRTIO_BLK_REQ_HDR_BYTES, "the header the record names");

static struct blk_dev devs[VIRTIO_BLK_MAX_DEVS];   /* slot N is blkN while in_use */

struct blk_dev *blk_get(unsigned idx)
{
	return idx < VIRTIO_BLK_MAX_DEVS && devs[idx].in_use ? &devs[idx] : NULL;
}

struct blk_dev *virtio_blk_slot(unsigned idx)
{
	return idx < VIRTIO_BLK_MAX_DEVS ? &devs[idx] : NULL;
}
const char *blk_name(const struct blk_dev *d) { return d->name; }
uint64_t blk_sectors(const struct blk_dev *d) { return d->sectors; }
bool blk_read_only(const struct blk_dev *d) { return d->ro; }

/* The frame behind kernel address va; -EINVAL if nothing is mapped there. */
static int frame_of(const uint8_t *va, paddr_t *pa)
{
	if (vmalloc_owns(va)) {
		*pa = paging_translate((uint64_t)va);
		return *pa ? 0 : -EINVAL;
	}
	if ((uint64_t)va < DIRECT_MAP_BASE)
		return -EINVAL;
	*pa = virt_to_phys(va);
	return 0;
}

/*
 * Data descriptors for the first bytes of buf (at most `bytes`): fills seg[], sets
 * *nseg, returns the bytes covered (a positive multiple of the sector size), or a
 * negative errno.
 */
static int64_t build_segs(const struct blk_dev *d, const uint8_t *buf, uint64_t bytes,
			  bool device_writes, struct vq_buf *seg, unsigned *nseg)
{
	uint64_t done = 0;
	unsigned n = 0;
	while (done < bytes) {
		const uint8_t *va = buf + done;
		uint64_t piece = MIN(PAGE_SIZE - ((uint64_t)va & (PAGE_SIZE - 1)), bytes - done);
		paddr_t pa;
		if (frame_of(va, &pa))
			return -EINVAL;
		if (n && seg[n - 1].addr + seg[n - 1].len == pa && seg[n - 1].len + piece <= d->seg_bytes) {
			seg[n - 1].len += (uint32_t)piece;
		} else {
			if (n == d->max_segs)
				break;
			seg[n++] = (struct vq_buf){ pa, (uint32_t)piece, device_writes };
		}
		done += piece;
	}
	/* Whole sectors only: give back the tail of a sector cut by the segment limit. */
	for (uint64_t cut = done % BLK_SECTOR_SIZE; cut;) {
		uint32_t t = (uint32_t)MIN((uint64_t)seg[n - 1].len, cut);
		seg[n - 1].len -= t;
		cut -= t;
		done -= t;
		if (!seg[n - 1].len)
			n--;
	}
	*nseg = n;
	return done ? (int64_t)done : -EINVAL;
}

/* The queue's interrupt (boot CPU, interrupt context): counted; the halted waiter
 * it wakes reads the used ring. */
static void blk_irq(void *arg)
{
	struct blk_dev *d = arg;
	__atomic_fetch_add(&d->irqs, 1, __ATOMIC_RELAXED);
}

static bool used_ready(const void *vq)
{
	return vq_has_used(vq);
}

/* Wait for the request's used entry: halt for the interrupt where that can work,
 * then poll (at once done if the entry is there). */
static int wait_used(struct blk_dev *d, uint16_t *head, uint32_t *len)
{
	if (d->vd.irq_vector)
		irq_vector_wait(used_ready, &d->vq, IRQ_WAIT_TICKS);
	return virtio_poll(&d->vq, head, len);
}

/* Run one request whose data descriptors are bufs[1..ndata]; 0 or -errno. */
static int submit(struct blk_dev *d, uint32_t type, uint64_t lba, struct vq_buf *bufs,
		  unsigned ndata)
{
	struct req_hdr *h = (struct req_hdr *)d->dma;
	volatile uint8_t *status = d->dma + STATUS_OFF;
	uint16_t head, got;
	uint32_t len;
	int err = virtio_blk_reap(d);
	if (err)
		return err;
	*h = (struct req_hdr){ .type = type, .sector = lba };
	*status = 0xff;
	bufs[0] = (struct vq_buf){ d->dma_pa, sizeof(*h), false };
	bufs[ndata + 1] = (struct vq_buf){ d->dma_pa + STATUS_OFF, 1, true };
	BUG_ON(d->vq.num_free != d->vq.size || ndata + 2 > d->vq.size,
	       "%s: %u of %u descriptors free for a request of %u", d->name, d->vq.num_free,
	       d->vq.size, ndata + 2);
	err = vq_add(&d->vq, bufs, ndata + 2, &head);
	if (err)
		return err;
	virtio_notify(&d->vd, &d->vq);
	err = wait_used(d, &got, &len);
	if (!err && got != head)
		err = -EIO;
	if (err) {
		printk("virtio-blk: %s: request type %u at sector %llu: %s; device abandoned\n",
		       d->name, type, (unsigned long long)lba,
		       err == -ETIMEDOUT ? "no completion" : "bad used entry");
		d->broken = true;
		virtio_fail(&d->vd);
		return err;
	}
	return *status == 0 ? 0 : -EIO;
}

int virtio_blk_reap(struct blk_dev *d)
{
	uint16_t got;
	uint32_t len;
	if (!d->pending_pa)
		return 0;
	int err = wait_used(d, &got, &len);
	if (!err && got != d->pending_head)
		err = -EIO;
	volatile uint8_t *status = d->dma + STATUS_OFF;
	d->pending_status = err ? err : *status ? -EIO : 0;
	if (err) {
		printk("virtio-blk: %s: the submitted write got %s; device abandoned\n", d->name,
		       err == -ETIMEDOUT ? "no completion" : "a bad used entry");
		d->broken = true;
		virtio_fail(&d->vd);
	}
	page_free(d->pending_pa, d->pending_order);
	d->pending_pa = 0;
	return err;
}

int virtio_blk_submit(struct blk_dev *d, uint64_t lba, uint32_t count, uint64_t seed)
{
	struct vq_buf bufs[3];
	if (d->broken)
		return -EIO;
	if (!count || lba >= d->sectors || count > d->sectors - lba)
		return -EINVAL;
	if (d->ro)
		return -EROFS;
	uint64_t bytes = (uint64_t)count * BLK_SECTOR_SIZE;
	unsigned order = 0;
	while (((uint64_t)PAGE_SIZE << order) < bytes)
		order++;
	if (bytes > d->seg_bytes)
		return -EINVAL;
	int err = virtio_blk_reap(d);
	if (err)
		return err;
	paddr_t pa = page_alloc(order, GFP_PRESERVABLE);
	if (!pa)
		return -ENOMEM;
	uint64_t *w = page_virt(pa);
	for (uint64_t i = 0; i < bytes / 8; i++)
		w[i] = splitmix64(seed ^ i);        /* `blk fill`'s pattern */
	struct req_hdr *h = (struct req_hdr *)d->dma;
	*h = (struct req_hdr){ .type = T_OUT, .sector = lba };
	d->dma[STATUS_OFF] = 0xff;
	bufs[0] = (struct vq_buf){ d->dma_pa, sizeof(*h), false };
	bufs[1] = (struct vq_buf){ pa, (uint32_t)bytes, false };
	bufs[2] = (struct vq_buf){ d->dma_pa + STATUS_OFF, 1, true };
	err = vq_add(&d->vq, bufs, 3, &d->pending_head);
	if (err) {
		page_free(pa, order);
		return err;
	}
	d->pending_pa = pa;
	d->pending_order = order;
	d->pending_lba = lba;
	virtio_notify(&d->vd, &d->vq);
	return 0;
}

static int transfer(struct blk_dev *d, bool write, uint64_t lba, uint32_t count, uint8_t *buf)
{
	struct vq_buf bufs[SEGS_MAX + 2];
	if (!d)
		return -ENODEV;
	if (!count || lba >= d->sectors || count > d->sectors - lba)
		return -EINVAL;
	if (write && d->ro)
		return -EROFS;
	if (d->broken)
		return -EIO;
	uint64_t left = (uint64_t)count * BLK_SECTOR_SIZE;
	while (left) {
		unsigned n;
		int64_t bytes = build_segs(d, buf, MIN(left, (uint64_t)REQ_MAX), !write, bufs + 1, &n);
		if (bytes < 0)
			return (int)bytes;
		int err = submit(d, write ? T_OUT : T_IN, lba, bufs, n);
		if (err)
			return err;
		buf += bytes;
		lba += (uint64_t)bytes / BLK_SECTOR_SIZE;
		left -= (uint64_t)bytes;
	}
	return 0;
}

int blk_read(struct blk_dev *d, uint64_t lba, uint32_t count, void *buf)
{
	return transfer(d, false, lba, count, buf);
}

int blk_write(struct blk_dev *d, uint64_t lba, uint32_t count, const void *buf)
{
	return transfer(d, true, lba, count, (uint8_t *)buf);
}

int blk_flush(struct blk_dev *d)
{
	struct vq_buf bufs[2];
	if (!d)
		return -ENODEV;
	if (d->broken)
		return -EIO;
	return d->flush ? submit(d, T_FLUSH, 0, bufs, 0) : 0;
}

/* At kexec: a device kept for the next kernel stays live (its queue as it is, a
 * write submitted by `blk submit` possibly still in flight); any other is reset.
 * Either way it sends no more interrupts: its queue asks for none, its queue vector
 * is NO_VECTOR and MSI-X is off (the next kernel adopts a kept disk polled). */
static void quiesce(void *priv)
{
	struct blk_dev *d = priv;
	if (!pci_luo_outgoing(d->vd.pci))
		virtio_reset(&d->vd);
	if (d->vd.irq_vector) {
		vq_want_interrupts(&d->vq, false);
		virtio_pci_msix_off(&d->vd);
	}
}

int virtio_blk_limits(struct blk_dev *d)
{
	struct virtio_dev *vd = &d->vd;
	d->sectors = virtio_cfg_read64(vd, CFG_CAPACITY);
	d->ro = vd->features & F_RO;
	d->flush = vd->features & F_FLUSH;
	d->blk_size = vd->features & F_BLK_SIZE ? virtio_cfg_read32(vd, CFG_BLK_SIZE) : 512;
	d->max_segs = SEGS_MAX;
	if (vd->features & F_SEG_MAX)
		d->max_segs = MIN(d->max_segs, virtio_cfg_read32(vd, CFG_SEG_MAX));
	d->seg_bytes = REQ_MAX;
	if (vd->features & F_SIZE_MAX)
		d->seg_bytes = MIN(d->seg_bytes, virtio_cfg_read32(vd, CFG_SIZE_MAX));
	if (d->max_segs < 2 || d->seg_bytes < PAGE_SIZE) {
		printk("virtio-blk: %s: limits too small (seg_max %u, size_max %u)\n", d->name,
		       d->max_segs, d->seg_bytes);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int setup(struct blk_dev *d)
{
	struct virtio_dev *vd = &d->vd;
	int err = virtio_negotiate(vd, VIRTIO_BLK_FEATURES, VIRTIO_F_VERSION_1);
	if (err)
		return err;
	err = virtio_blk_limits(d);
	if (err) {
		virtio_fail(vd);
		return err;
	}
	/* The vector before the queue is enabled (§4.1.5.1.3); refused: polled. */
	if (!force_poll)
		virtio_pci_msix_on(vd, 0, blk_irq, d);
	err = virtio_setup_queue(vd, 0, QUEUE_MAX, &d->vq);
	if (!err && d->vq.size < 4)
		err = -EOPNOTSUPP;
	if (err) {
		virtio_pci_msix_off(vd);
		virtio_fail(vd);
		return err;
	}
	vq_want_interrupts(&d->vq, vd->irq_vector != 0);
	d->max_segs = MIN(d->max_segs, d->vq.size - 2u);
	d->dma_pa = page_alloc(0, GFP_ZERO | GFP_PRESERVABLE);
	if (!d->dma_pa) {
		virtio_pci_msix_off(vd);
		virtio_fail(vd);
		return -ENOMEM;
	}
	d->dma = page_virt(d->dma_pa);
	virtio_driver_ok(vd);
	return 0;
}

void virtio_blk_announce(struct blk_dev *d)
{
	printk("virtio-blk: %s: %llu sectors (%llu MiB), blk_size=%u ro=%d flush=%d queue=%u "
	       "segs=%u\n", d->name, (unsigned long long)d->sectors,
	       (unsigned long long)(d->sectors >> 11), d->blk_size, d->ro, d->flush, d->vq.size,
	       d->max_segs);
}

int virtio_blk_probe(struct pci_dev *pd)
{
	unsigned slot = 0;
	while (slot < VIRTIO_BLK_MAX_DEVS && devs[slot].in_use)
		slot++;
	if (slot == VIRTIO_BLK_MAX_DEVS)
		return -ENOSPC;
	struct blk_dev *d = &devs[slot];
	*d = (struct blk_dev){ 0 };
	snprintf(d->name, sizeof(d->name), "blk%u", slot);
	int err = virtio_pci_probe(pd, &d->vd);
	if (d->vd.ops)
		printk("virtio: %s %s found status=0x%x\n", pd->name, d->name, d->vd.found_status);
	err = err ?: setup(d);
	if (err) {
		printk("virtio: %s: not driven (%d)\n", pd->name, err);
		return err;
	}
	virtio_blk_claim(d);
	virtio_blk_announce(d);
	return 0;
}

void virtio_blk_claim(struct blk_dev *d)
{
	pci_claim(d->vd.pci, "virtio-blk", quiesce, d);
	d->in_use = true;
}

/* Functions the previous kernel kept live wait for `luo retrieve` (or their
 * session's finish); every other virtio block function is probed now. */
int virtio_blk_init(void)
{
	int n = 0;
	for (unsigned i = 0; i < pci_count(); i++) {
		struct pci_dev *pd = pci_get(i);
		if (virtio_pci_type(pd) != VIRTIO_ID_BLOCK)
			continue;
		if (pd->lu_in)
			printk("virtio-blk: %s waits to be retrieved (kept live by the previous "
			       "kernel)\n", pd->name);
		else if (!virtio_blk_probe(pd))
			n++;
	}
	return n;
}
