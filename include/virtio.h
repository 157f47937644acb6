/*
 * virtio over PCI, modern interface only (virtio 1.x §4.1): what a device driver
 * (drivers/virtio/virtio_blk.c) uses to bring a device up and talk to its queues.
 *
 * Lifecycle (§3.1.1), each step in this order, FAILED set on any error after reset:
 *   virtio_pci_probe   find the vendor capabilities, map them, record the status the
 *                      device had (found_status), reset it (status 0, read back 0)
 *   virtio_negotiate   ACKNOWLEDGE, DRIVER, features (VERSION_1 required; only the
 *                      bits the driver asks for), FEATURES_OK and its read-back
 *   virtio_setup_queue for each queue: size, ring addresses, enable
 *   virtio_driver_ok   DRIVER_OK: the device is live
 *   virtio_reset       at quiesce: status 0 and wait until it reads 0
 * Queues are polled (no MSI-X, no interrupts); virtio_notify kicks one.
 */
#ifndef VIRTIO_H
#define VIRTIO_H
#include <pci.h>
#include <types.h>
#include <virtqueue.h>

#define VIRTIO_PCI_VENDOR     0x1af4
#define VIRTIO_ID_BLOCK       2

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED      0x80

#define VIRTIO_F_VERSION_1    (1ull << 32)

struct virtio_dev {
	struct pci_dev *pci;
	unsigned type;                  /* VIRTIO_ID_* */
	volatile uint8_t *common;       /* struct virtio_pci_common_cfg */
	volatile uint8_t *notify;       /* notification area */
	uint32_t notify_len;
	uint32_t notify_mult;           /* notify_off_multiplier */
	volatile uint8_t *isr;
	volatile uint8_t *device;       /* device-specific configuration */
	uint32_t device_len;
	uint64_t features;              /* negotiated */
	uint8_t found_status;           /* status before Baton's first reset */
};

/* The virtio device type of a PCI function (modern 0x1040+type or transitional
 * 0x1000..0x103f), or 0 if it is not a virtio device. */
unsigned virtio_pci_type(const struct pci_dev *pd);
/* 0; -ENODEV (a capability is missing or its BAR cannot be mapped), -ETIMEDOUT. */
int virtio_pci_probe(struct pci_dev *pd, struct virtio_dev *vd);
/* Offer wanted & device features; required bits missing -> -EOPNOTSUPP; the device
 * refusing FEATURES_OK -> -EIO. On error the status has FAILED set. */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted, uint64_t required);
/* Queue idx with at most max_size entries (ring memory from the page allocator).
 * 0, -ENOENT (no such queue), -ENOMEM, -ENODEV (its doorbell is outside the
 * notify area). */
int virtio_setup_queue(struct virtio_dev *vd, uint16_t idx, uint16_t max_size,
		       struct virtqueue *vq);
void virtio_driver_ok(struct virtio_dev *vd);
void virtio_fail(struct virtio_dev *vd);
/* Write status 0 and wait (bounded) for it to read 0: 0 or -ETIMEDOUT. */
int virtio_reset(struct virtio_dev *vd);
uint8_t virtio_status(const struct virtio_dev *vd);
void virtio_notify(struct virtio_dev *vd, const struct virtqueue *vq);
/* Wait for one used entry on vq (bounded by VIRTIO_POLL_TICKS TSC ticks):
 * 0, -ETIMEDOUT, -EIO (the device returned a bad entry). */
int virtio_poll(struct virtqueue *vq, uint16_t *head, uint32_t *len);
/* Device configuration reads, consistent across the config generation. */
uint32_t virtio_cfg_read32(const struct virtio_dev *vd, unsigned off);
uint64_t virtio_cfg_read64(const struct virtio_dev *vd, unsigned off);

/* Poll bound: about 10 s at 3 GHz, or 30 s of guest time under -icount shift=0. */
#define VIRTIO_POLL_TICKS 30000000000ull
#endif
