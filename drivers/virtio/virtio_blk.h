/*
 * virtio-blk's private state, shared by drivers/virtio/virtio_blk.c (the driver, the
 * include/blk.h interface) and drivers/virtio/cmd_blk.c (the console), nothing else.
 */
#ifndef VIRTIO_BLK_INTERNAL_H
#define VIRTIO_BLK_INTERNAL_H
#include <blk.h>
#include <virtio.h>
#include "virtio_blk_ser.h"   /* VIRTIO_BLK_FEATURES */

#define VIRTIO_BLK_MAX_DEVS 4

struct blk_dev {
	char name[8];                  /* "blk0" */
	struct virtio_dev vd;
	struct virtqueue vq;
	uint64_t sectors;              /* capacity in 512-byte sectors */
	uint32_t blk_size;             /* the device's preferred block size (info only) */
	uint32_t max_segs;             /* data descriptors per request */
	uint32_t seg_bytes;            /* bytes per data descriptor */
	bool ro, flush;
	bool broken;                   /* a request timed out: the device is abandoned */
	paddr_t dma_pa;                /* one page: request header at 0, status at 64 */
	uint8_t *dma;
	bool in_use;                   /* the slot holds a driven device */
	/* A write submitted by virtio_blk_submit and not yet reaped (pending_pa != 0):
	 * its data folio, chain head and sector; pending_status the last one's result. */
	paddr_t pending_pa;
	unsigned pending_order;
	uint16_t pending_head;
	uint64_t pending_lba;
	int pending_status;
	void *luo;                     /* the LUO handler's state while preserved */
	uint64_t irqs;                 /* queue interrupts taken (vd.irq_vector != 0) */
};

/* Probe every virtio block function pci_init() found, except those the previous
 * kernel kept live; the number now driven. */
int virtio_blk_init(void);
/* Reset and drive one function in the lowest free slot: 0, -ENOSPC, the probe's error. */
int virtio_blk_probe(struct pci_dev *pd);
/* Slot idx (blkIDX), used or not; NULL past the last. */
struct blk_dev *virtio_blk_slot(unsigned idx);
/* Capacity and limits from the negotiated features and the configuration. */
int virtio_blk_limits(struct blk_dev *d);
/* Claim the function for the slot's device (it is then blkN) / print its line. */
void virtio_blk_claim(struct blk_dev *d);
void virtio_blk_announce(struct blk_dev *d);
/* Submit a write of the reference pattern (seed) over count sectors at lba, in one
 * request from a preservable folio, and return without waiting (`blk submit`).
 * Every later request reaps it first (virtio_blk_reap). -EINVAL range or more
 * than one segment, -EROFS, -EIO broken, -ENOMEM. */
int virtio_blk_submit(struct blk_dev *d, uint64_t lba, uint32_t count, uint64_t seed);
/* Wait for the submitted write, if any: 0 (its result in pending_status) or the
 * poll's error (the device is then abandoned). */
int virtio_blk_reap(struct blk_dev *d);
#endif
