/*
 * virtio-pci, the modern transport (virtio 1.x §4.1; model in include/virtio.h).
 *
 * The device describes its register blocks with vendor-specific PCI capabilities
 * (id 0x09): cfg_type, the BAR, and an offset and length inside it. Baton maps the
 * four it needs (common, notify, ISR, device) uncached, after checking that each
 * lies inside its memory BAR; the first capability of each type wins, as the spec
 * asks. Common configuration layout (offsets, §4.1.4.3):
 *   0 device_feature_select  4 device_feature  8 driver_feature_select
 *   12 driver_feature  16 config_msix_vector  18 num_queues  20 device_status
 *   21 config_generation  22 queue_select  24 queue_size  26 queue_msix_vector
 *   28 queue_enable  30 queue_notify_off
 *   32 queue_desc  40 queue_driver  48 queue_device
 * A queue's doorbell is at notify + queue_notify_off * notify_off_multiplier; the
 * driver writes the queue index there.
 */
#include <errno.h>
#include <irq_vector.h>
#include <mm.h>
#include <mmio.h>
#include <printk.h>
#include <virtio.h>

#define CAP_VENDOR       0x09
#define CFG_COMMON       1
#define CFG_NOTIFY       2
#define CFG_ISR          3
#define CFG_DEVICE       4

#define C_DFSELECT       0
#define C_DF             4
#define C_GFSELECT       8
#define C_GF             12
#define C_MSIX_CONFIG    16
#define C_NUM_QUEUES     18
#define C_STATUS         20
#define C_GENERATION     21
#define C_Q_SELECT       22
#define C_Q_SIZE         24
#define C_Q_MSIX         26
#define C_Q_ENABLE       28
#define C_Q_NOTIFY_OFF   30
#define C_Q_DESC         32
#define C_Q_DRIVER       40
#define C_Q_DEVICE       48
#define COMMON_LEN       56

unsigned virtio_pci_type(const struct pci_dev *pd)
{
	if (pd->vendor != VIRTIO_PCI_VENDOR)
		return 0;
	if (pd->device >= 0x1041 && pd->device <= 0x107f)
		return pd->device - 0x1040u;
	if (pd->device == 0x1001)       /* transitional block device */
		return VIRTIO_ID_BLOCK;
	return 0;
}

static uint8_t get_status(const struct virtio_dev *vd)
{
	return readb(vd->regs.common + C_STATUS);
}

static void set_status(struct virtio_dev *vd, uint8_t status)
{
	writeb(vd->regs.common + C_STATUS, status);
}

static uint64_t get_features(struct virtio_dev *vd)
{
	volatile uint8_t *c = vd->regs.common;
	writel(c + C_DFSELECT, 0);
	uint64_t lo = readl(c + C_DF);
	writel(c + C_DFSELECT, 1);
	return lo | (uint64_t)readl(c + C_DF) << 32;
}

static void set_features(struct virtio_dev *vd, uint64_t features)
{
	volatile uint8_t *c = vd->regs.common;
	writel(c + C_GFSELECT, 0);
	writel(c + C_GF, (uint32_t)features);
	writel(c + C_GFSELECT, 1);
	writel(c + C_GF, (uint32_t)(features >> 32));
}

static unsigned order_for(size_t bytes)
{
	unsigned o = 0;
	while (((size_t)PAGE_SIZE << o) < bytes)
		o++;
	return o;
}

static int setup_queue(struct virtio_dev *vd, uint16_t idx, uint16_t max_size,
		       struct virtqueue *vq)
{
	volatile uint8_t *c = vd->regs.common;
	if (idx >= readw(c + C_NUM_QUEUES))
		return -ENOENT;
	writew(c + C_Q_SELECT, idx);
	uint16_t size = readw(c + C_Q_SIZE);
	if (!size)
		return -ENOENT;
	uint64_t bell = (uint64_t)readw(c + C_Q_NOTIFY_OFF) * vd->regs.notify_mult;
	if (bell + 2 > vd->regs.notify_len) {
		printk("virtio: %s: queue %u doorbell %#llx is outside the notify area\n",
		       vd->name, idx, (unsigned long long)bell);
		return -ENODEV;
	}
	/* A split queue's size is a power of two; a smaller one may be chosen. */
	uint16_t want = 1;
	while ((uint32_t)want * 2 <= MIN(size, max_size))
		want = (uint16_t)(want * 2);
	unsigned order = order_for(vq_bytes(want));
	paddr_t mem = page_alloc(order, GFP_ZERO | GFP_PRESERVABLE);
	if (!mem)
		return -ENOMEM;
	int err = vq_init(vq, idx, want, page_virt(mem), mem);
	if (err) {
		page_free(mem, order);
		return err;
	}
	writew(c + C_Q_SIZE, want);
	writeq_lohi(c + C_Q_DESC, vq->desc_pa);
	writeq_lohi(c + C_Q_DRIVER, vq->avail_pa);
	writeq_lohi(c + C_Q_DEVICE, vq->used_pa);
	writew(c + C_Q_ENABLE, 1);
	return 0;
}

static int read_queue(struct virtio_dev *vd, uint16_t idx, struct virtio_queue_regs *q)
{
	volatile uint8_t *c = vd->regs.common;
	if (idx >= readw(c + C_NUM_QUEUES))
		return -ENOENT;
	writew(c + C_Q_SELECT, idx);
	q->size = readw(c + C_Q_SIZE);
	q->enable = readw(c + C_Q_ENABLE);
	q->desc = readq_lohi(c + C_Q_DESC);
	q->driver = readq_lohi(c + C_Q_DRIVER);
	q->device = readq_lohi(c + C_Q_DEVICE);
	return 0;
}

static void notify(struct virtio_dev *vd, const struct virtqueue *vq)
{
	/* The available index must be visible before the doorbell (§2.7.13). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	writew(vd->regs.common + C_Q_SELECT, vq->index);
	uint16_t off = readw(vd->regs.common + C_Q_NOTIFY_OFF);
	writew(vd->regs.notify + (uint64_t)off * vd->regs.notify_mult, vq->index);
}

static uint32_t cfg_read32(const struct virtio_dev *vd, unsigned off)
{
	return off + 4 <= vd->regs.device_len ? readl(vd->regs.device + off) : 0;
}

static uint64_t cfg_read64(const struct virtio_dev *vd, unsigned off)
{
	if (off + 8 > vd->regs.device_len)
		return 0;
	for (unsigned tries = 0;; tries++) {
		uint8_t gen = readb(vd->regs.common + C_GENERATION);
		uint64_t v = readq_lohi(vd->regs.device + off);
		if (readb(vd->regs.common + C_GENERATION) == gen || tries > 100)
			return v;
	}
}

static const struct virtio_transport_ops modern_ops = {
	.name = "modern",
	.get_status = get_status,
	.set_status = set_status,
	.get_features = get_features,
	.set_features = set_features,
	.setup_queue = setup_queue,
	.read_queue = read_queue,
	.notify = notify,
	.cfg_read32 = cfg_read32,
	.cfg_read64 = cfg_read64,
};

/* Map the region a virtio capability at cap describes; NULL if it is not usable. */
static volatile uint8_t *map_cap(struct pci_dev *pd, unsigned cap, uint32_t min_len,
				 uint32_t *len_out)
{
	uint8_t bar = pci_read8(pd, cap + 4);
	uint32_t off = pci_read32(pd, cap + 8), len = pci_read32(pd, cap + 12);
	if (len < min_len)
		return NULL;
	if (len_out)
		*len_out = len;
	return pci_map_bar(pd, bar, off, len);
}

int virtio_pci_attach(struct pci_dev *pd, struct virtio_dev *vd)
{
	struct virtio_pci_regs *r = &vd->regs;
	*vd = (struct virtio_dev){ .pci = pd, .name = pd->name, .type = virtio_pci_type(pd) };
	for (unsigned cap = pci_find_cap(pd, CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(pd, CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(pd, cap + 3);
		if (type == CFG_COMMON && !r->common)
			r->common = map_cap(pd, cap, COMMON_LEN, NULL);
		else if (type == CFG_NOTIFY && !r->notify) {
			r->notify = map_cap(pd, cap, 2, &r->notify_len);
			r->notify_mult = pci_read32(pd, cap + 16);
		} else if (type == CFG_ISR && !r->isr)
			r->isr = map_cap(pd, cap, 1, NULL);
		else if (type == CFG_DEVICE && !r->device)
			r->device = map_cap(pd, cap, 4, &r->device_len);
	}
	if (!r->common || !r->notify || !r->isr || !r->device)
		return -ENODEV;
	vd->ops = &modern_ops;
	vd->found_status = virtio_status(vd);
	return 0;
}

int virtio_pci_probe(struct pci_dev *pd, struct virtio_dev *vd)
{
	int err = virtio_pci_attach(pd, vd);
	if (err)
		return err;
	/* Registers reachable, but no DMA until the device is known to be reset: the
	 * firmware or a previous kernel may have left it live with rings we do not own. */
	pci_write16(pd, PCI_COMMAND, pci_read16(pd, PCI_COMMAND) | PCI_CMD_MEM);
	vd->found_status = virtio_status(vd);
	err = virtio_reset(vd);
	if (!err)
		pci_enable(pd);
	return err;
}

/*
 * MSI-X for one queue (§4.1.4.3, §4.1.5.1.3): table entry 0 carries a vector from
 * the driver vector table (include/irq_vector.h) to the boot CPU; the queue's
 * queue_msix_vector names entry 0, config_msix_vector names none (Baton takes no
 * configuration-change interrupts). Each is read back: NO_VECTOR means the device
 * refused it.
 */
static uint16_t set_vector(volatile uint8_t *reg, uint16_t entry)
{
	writew(reg, entry);
	return readw(reg);
}

int virtio_pci_msix_on(struct virtio_dev *vd, uint16_t queue, irq_vector_fn fn, void *arg)
{
	volatile uint8_t *c = vd->regs.common;
	uint32_t apic;
	int err = pci_msix_init(vd->pci, &vd->msix);
	if (err)
		return err;
	int vector = irq_vector_alloc(fn, arg, &apic);
	if (vector < 0)
		return vector;
	pci_msix_enable(vd->pci, &vd->msix);
	pci_msix_set(&vd->msix, 0, apic, (uint8_t)vector);
	writew(c + C_Q_SELECT, queue);
	if (set_vector(c + C_MSIX_CONFIG, VIRTIO_MSI_NO_VECTOR) != VIRTIO_MSI_NO_VECTOR ||
	    set_vector(c + C_Q_MSIX, 0) != 0) {
		set_vector(c + C_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
		pci_msix_disable(vd->pci, &vd->msix);
		irq_vector_free((unsigned)vector);
		return -EIO;
	}
	vd->msix_queue = queue;
	vd->irq_vector = vector;
	return vector;
}

void virtio_pci_msix_off(struct virtio_dev *vd)
{
	if (!vd->irq_vector)
		return;
	volatile uint8_t *c = vd->regs.common;
	writew(c + C_Q_SELECT, vd->msix_queue);
	set_vector(c + C_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	pci_msix_disable(vd->pci, &vd->msix);
	irq_vector_free((unsigned)vd->irq_vector);
	vd->irq_vector = 0;
}
