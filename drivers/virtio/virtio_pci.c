/*
 * virtio-pci modern transport (model in include/virtio.h).
 *
 * The device describes its register blocks with vendor-specific PCI capabilities
 * (id 0x09): cfg_type, the BAR, and an offset and length inside it. Baton maps the
 * four it needs (common, notify, ISR, device) uncached, after checking that each
 * lies inside its memory BAR; the first capability of each type wins, as the spec
 * asks. Common configuration layout (offsets, virtio 1.x §4.1.4.3):
 *   0 device_feature_select  4 device_feature  8 driver_feature_select
 *   12 driver_feature  18 num_queues  20 device_status  21 config_generation
 *   22 queue_select  24 queue_size  28 queue_enable  30 queue_notify_off
 *   32 queue_desc  40 queue_driver  48 queue_device
 * A queue's doorbell is at notify + queue_notify_off * notify_off_multiplier; the
 * driver writes the queue index there.
 */
#include <errno.h>
#include <mm.h>
#include <mmio.h>
#include <printk.h>
#include <string.h>
#include <virtio.h>
#include <x86.h>

#define CAP_VENDOR       0x09
#define CFG_COMMON       1
#define CFG_NOTIFY       2
#define CFG_ISR          3
#define CFG_DEVICE       4

#define C_DFSELECT       0
#define C_DF             4
#define C_GFSELECT       8
#define C_GF             12
#define C_NUM_QUEUES     18
#define C_STATUS         20
#define C_GENERATION     21
#define C_Q_SELECT       22
#define C_Q_SIZE         24
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

uint8_t virtio_status(const struct virtio_dev *vd)
{
	return readb(vd->common + C_STATUS);
}

static void set_status(struct virtio_dev *vd, uint8_t bits)
{
	writeb(vd->common + C_STATUS, (uint8_t)(virtio_status(vd) | bits));
}

void virtio_fail(struct virtio_dev *vd)
{
	set_status(vd, VIRTIO_STATUS_FAILED);
}

int virtio_reset(struct virtio_dev *vd)
{
	writeb(vd->common + C_STATUS, 0);
	uint64_t deadline = rdtsc() + VIRTIO_POLL_TICKS;
	while (virtio_status(vd) != 0) {
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

int virtio_pci_probe(struct pci_dev *pd, struct virtio_dev *vd)
{
	*vd = (struct virtio_dev){ .pci = pd, .type = virtio_pci_type(pd) };
	for (unsigned cap = pci_find_cap(pd, CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(pd, CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(pd, cap + 3);
		if (type == CFG_COMMON && !vd->common)
			vd->common = map_cap(pd, cap, COMMON_LEN, NULL);
		else if (type == CFG_NOTIFY && !vd->notify) {
			vd->notify = map_cap(pd, cap, 2, &vd->notify_len);
			vd->notify_mult = pci_read32(pd, cap + 16);
		} else if (type == CFG_ISR && !vd->isr)
			vd->isr = map_cap(pd, cap, 1, NULL);
		else if (type == CFG_DEVICE && !vd->device)
			vd->device = map_cap(pd, cap, 4, &vd->device_len);
	}
	if (!vd->common || !vd->notify || !vd->isr || !vd->device)
		return -ENODEV;
	/* Registers reachable, but no DMA until the device is known to be reset: the
	 * firmware or a previous kernel may have left it live with rings we do not own. */
	pci_write16(pd, PCI_COMMAND, pci_read16(pd, PCI_COMMAND) | PCI_CMD_MEM);
	vd->found_status = virtio_status(vd);
	int err = virtio_reset(vd);
	if (!err)
		pci_enable(pd);
	return err;
}

static uint64_t read_features(struct virtio_dev *vd, unsigned sel_off, unsigned off)
{
	writel(vd->common + sel_off, 0);
	uint64_t lo = readl(vd->common + off);
	writel(vd->common + sel_off, 1);
	return lo | (uint64_t)readl(vd->common + off) << 32;
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted, uint64_t required)
{
	set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(vd, VIRTIO_STATUS_DRIVER);
	uint64_t offered = read_features(vd, C_DFSELECT, C_DF);
	if ((offered & required) != required) {
		printk("virtio: %s: features %#llx lack required %#llx\n", vd->pci->name,
		       (unsigned long long)offered, (unsigned long long)required);
		virtio_fail(vd);
		return -EOPNOTSUPP;
	}
	vd->features = offered & (wanted | required);
	writel(vd->common + C_GFSELECT, 0);
	writel(vd->common + C_GF, (uint32_t)vd->features);
	writel(vd->common + C_GFSELECT, 1);
	writel(vd->common + C_GF, (uint32_t)(vd->features >> 32));
	set_status(vd, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		printk("virtio: %s: device refused features %#llx\n", vd->pci->name,
		       (unsigned long long)vd->features);
		virtio_fail(vd);
		return -EIO;
	}
	return 0;
}

static unsigned order_for(size_t bytes)
{
	unsigned o = 0;
	while (((size_t)PAGE_SIZE << o) < bytes)
		o++;
	return o;
}

int virtio_setup_queue(struct virtio_dev *vd, uint16_t idx, uint16_t max_size,
		       struct virtqueue *vq)
{
	if (idx >= readw(vd->common + C_NUM_QUEUES))
		return -ENOENT;
	writew(vd->common + C_Q_SELECT, idx);
	uint16_t size = readw(vd->common + C_Q_SIZE);
	if (!size)
		return -ENOENT;
	/* A split queue's size is a power of two; a smaller one may be chosen. */
	uint16_t want = 1;
	while ((uint32_t)want * 2 <= MIN(size, max_size))
		want = (uint16_t)(want * 2);
	unsigned order = order_for(vq_bytes(want));
	paddr_t mem = page_alloc(order, GFP_ZERO);
	if (!mem)
		return -ENOMEM;
	int err = vq_init(vq, idx, want, page_virt(mem), mem);
	if (err) {
		page_free(mem, order);
		return err;
	}
	uint64_t bell = (uint64_t)readw(vd->common + C_Q_NOTIFY_OFF) * vd->notify_mult;
	if (bell + 2 > vd->notify_len) {
		printk("virtio: %s: queue %u doorbell %#llx is outside the notify area\n",
		       vd->pci->name, idx, (unsigned long long)bell);
		page_free(mem, order);
		return -ENODEV;
	}
	writew(vd->common + C_Q_SIZE, want);
	writeq_lohi(vd->common + C_Q_DESC, vq->desc_pa);
	writeq_lohi(vd->common + C_Q_DRIVER, vq->avail_pa);
	writeq_lohi(vd->common + C_Q_DEVICE, vq->used_pa);
	writew(vd->common + C_Q_ENABLE, 1);
	return 0;
}

void virtio_driver_ok(struct virtio_dev *vd)
{
	set_status(vd, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_notify(struct virtio_dev *vd, const struct virtqueue *vq)
{
	/* The available index must be visible before the doorbell (§2.7.13). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	writew(vd->common + C_Q_SELECT, vq->index);
	uint16_t off = readw(vd->common + C_Q_NOTIFY_OFF);
	writew(vd->notify + (uint64_t)off * vd->notify_mult, vq->index);
}

int virtio_poll(struct virtqueue *vq, uint16_t *head, uint32_t *len)
{
	uint64_t deadline = rdtsc() + VIRTIO_POLL_TICKS;
	for (;;) {
		int r = vq_get_used(vq, head, len);
		if (r)
			return r < 0 ? r : 0;
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

uint32_t virtio_cfg_read32(const struct virtio_dev *vd, unsigned off)
{
	return off + 4 <= vd->device_len ? readl(vd->device + off) : 0;
}

uint64_t virtio_cfg_read64(const struct virtio_dev *vd, unsigned off)
{
	if (off + 8 > vd->device_len)
		return 0;
	for (unsigned tries = 0;; tries++) {
		uint8_t gen = readb(vd->common + C_GENERATION);
		uint64_t v = readq_lohi(vd->device + off);
		if (readb(vd->common + C_GENERATION) == gen || tries > 100)
			return v;
	}
}
