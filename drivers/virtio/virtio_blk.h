/*
 * virtio-blk's private state, shared by drivers/virtio/virtio_blk.c (the driver, the
 * include/blk.h interface) and drivers/virtio/cmd_blk.c (the console), nothing else.
 */
#ifndef VIRTIO_BLK_INTERNAL_H
#define VIRTIO_BLK_INTERNAL_H
#include <blk.h>
#include <virtio.h>

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
};

/* Probe every virtio block function pci_init() found; the number now driven. */
int virtio_blk_init(void);
#endif
