/*
 * virtio devices (virtio 1.x): the generic device lifecycle, over a transport that
 * knows where the registers are. Baton has one transport, modern virtio-pci
 * (drivers/virtio/virtio_pci.c, §4.1); a device driver (drivers/virtio/virtio_blk.c)
 * only uses the functions below, never the transport's registers.
 *
 * Lifecycle (§3.1.1), each step in this order, FAILED set on any error after reset:
 *   virtio_pci_probe   (transport) find and map the registers, record the status
 *                      the device had (found_status), reset it (status 0, read
 *                      back 0); only then may it master the bus
 *   virtio_negotiate   ACKNOWLEDGE, DRIVER, features (VERSION_1 required; only the
 *                      bits the driver asks for), FEATURES_OK and its read-back
 *   virtio_setup_queue for each queue: size, ring addresses, enable
 *   virtio_driver_ok   DRIVER_OK: the device is live
 *   virtio_reset       at quiesce: status 0 and wait until it reads 0
 * virtio_notify kicks a queue. Completions are found by polling the used ring
 * (virtio_poll); a driver may also take an MSI-X interrupt for a queue
 * (virtio_pci_msix_on) and halt until it comes (docs/virtio.md, "Interrupts").
 */
#ifndef VIRTIO_H
#define VIRTIO_H
#include <irq_vector.h>
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
#define VIRTIO_MSI_NO_VECTOR  0xffff

/* Poll bound: about 10 s at 3 GHz, or 30 s of guest time under -icount shift=0. */
#define VIRTIO_POLL_TICKS 30000000000ull

struct virtio_dev;

/* A queue's registers as the device holds them (read back, never written). */
struct virtio_queue_regs {
	uint16_t size, enable;
	uint64_t desc, driver, device;
};

/* A transport: how the generic code reaches one device. Every callback is Required. */
struct virtio_transport_ops {
	const char *name;                                            /* "modern" */
	uint8_t (*get_status)(const struct virtio_dev *vd);
	void (*set_status)(struct virtio_dev *vd, uint8_t status);   /* written as is */
	uint64_t (*get_features)(struct virtio_dev *vd);             /* the device's */
	void (*set_features)(struct virtio_dev *vd, uint64_t features);
	/* Queue idx, at most max_size entries: 0, -ENOENT, -ENOMEM, -ENODEV. */
	int (*setup_queue)(struct virtio_dev *vd, uint16_t idx, uint16_t max_size,
			   struct virtqueue *vq);
	/* Read queue idx's registers without changing them: 0, -ENOENT. */
	int (*read_queue)(struct virtio_dev *vd, uint16_t idx, struct virtio_queue_regs *q);
	void (*notify)(struct virtio_dev *vd, const struct virtqueue *vq);
	/* Device configuration at off; 0 past its end. 64-bit reads are consistent
	 * across the configuration generation. */
	uint32_t (*cfg_read32)(const struct virtio_dev *vd, unsigned off);
	uint64_t (*cfg_read64)(const struct virtio_dev *vd, unsigned off);
};

/* The modern virtio-pci transport's registers (drivers/virtio/virtio_pci.c). */
struct virtio_pci_regs {
	volatile uint8_t *common;       /* struct virtio_pci_common_cfg */
	volatile uint8_t *notify;       /* notification area */
	uint32_t notify_len;
	uint32_t notify_mult;           /* notify_off_multiplier */
	volatile uint8_t *isr;
	volatile uint8_t *device;       /* device-specific configuration */
	uint32_t device_len;
};

struct virtio_dev {
	const struct virtio_transport_ops *ops;
	const char *name;               /* where it is, for messages: "0000:00:04.0" */
	unsigned type;                  /* VIRTIO_ID_* */
	uint64_t features;              /* negotiated */
	uint8_t found_status;           /* status before Baton's first reset */
	struct pci_dev *pci;
	struct virtio_pci_regs regs;    /* the transport's own */
	struct pci_msix msix;           /* valid while irq_vector != 0 */
	int irq_vector;                 /* the queue's interrupt vector; 0: polled */
	uint16_t msix_queue;
};

/* ---- the modern virtio-pci transport ---- */

/* The virtio device type of a PCI function (modern 0x1040+type or transitional
 * block 0x1001), or 0 if it is not a virtio device. */
unsigned virtio_pci_type(const struct pci_dev *pd);
/* Fill vd for the function and record found_status, writing nothing (a device kept
 * live by the previous kernel stays as it is): 0 or -ENODEV as below. */
int virtio_pci_attach(struct pci_dev *pd, struct virtio_dev *vd);
/* Fill vd for the function, record found_status, reset, enable bus mastering.
 * 0; -ENODEV (a capability is missing or its BAR cannot be mapped: vd->ops is then
 * NULL), -ETIMEDOUT (the reset did not complete). */
int virtio_pci_probe(struct pci_dev *pd, struct virtio_dev *vd);

/* Before the queue is enabled: MSI-X on, table entry 0 -> a newly allocated vector
 * running fn(arg) on the boot CPU, queue `queue` -> entry 0, the configuration ->
 * no vector. The vector, or -ENOENT / -EINVAL / -ENODEV (no usable MSI-X
 * capability), -ENODEV / -ENOSPC (no vector), -EIO (the device answered NO_VECTOR):
 * on error nothing is left changed and the queue is to be polled. */
int virtio_pci_msix_on(struct virtio_dev *vd, uint16_t queue, irq_vector_fn fn, void *arg);
/* The queue -> NO_VECTOR, MSI-X disabled (function masked), the vector freed; no-op
 * when polled. Safe on a live device: it then raises nothing. */
void virtio_pci_msix_off(struct virtio_dev *vd);

/* ---- the generic lifecycle (drivers/virtio/virtio.c) ---- */

/* Offer wanted & device features; required bits missing -> -EOPNOTSUPP; the device
 * refusing FEATURES_OK -> -EIO. On error the status has FAILED set. */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted, uint64_t required);
void virtio_driver_ok(struct virtio_dev *vd);
void virtio_fail(struct virtio_dev *vd);
/* Write status 0 and wait (bounded) for it to read 0: 0 or -ETIMEDOUT. */
int virtio_reset(struct virtio_dev *vd);
/* Wait for one used entry on vq (bounded by VIRTIO_POLL_TICKS TSC ticks):
 * 0, -ETIMEDOUT, -EIO (the device returned a bad entry). */
int virtio_poll(struct virtqueue *vq, uint16_t *head, uint32_t *len);

static inline uint8_t virtio_status(const struct virtio_dev *vd)
{
	return vd->ops->get_status(vd);
}
static inline int virtio_setup_queue(struct virtio_dev *vd, uint16_t idx, uint16_t max_size,
				     struct virtqueue *vq)
{
	return vd->ops->setup_queue(vd, idx, max_size, vq);
}
static inline void virtio_notify(struct virtio_dev *vd, const struct virtqueue *vq)
{
	vd->ops->notify(vd, vq);
}
static inline uint32_t virtio_cfg_read32(const struct virtio_dev *vd, unsigned off)
{
	return vd->ops->cfg_read32(vd, off);
}
static inline uint64_t virtio_cfg_read64(const struct virtio_dev *vd, unsigned off)
{
	return vd->ops->cfg_read64(vd, off);
}
#endif
