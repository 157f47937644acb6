/*
 * The generic virtio device lifecycle (model in include/virtio.h): the status
 * handshake and the bounded waits, over whatever transport vd->ops is. Status bits
 * only ever accumulate until a reset, which is the one write of 0.
 */
#include <errno.h>
#include <printk.h>
#include <virtio.h>
#include <x86.h>

static void add_status(struct virtio_dev *vd, uint8_t bits)
{
	vd->ops->set_status(vd, (uint8_t)(virtio_status(vd) | bits));
}

void virtio_fail(struct virtio_dev *vd)
{
	add_status(vd, VIRTIO_STATUS_FAILED);
}

void virtio_driver_ok(struct virtio_dev *vd)
{
	add_status(vd, VIRTIO_STATUS_DRIVER_OK);
}

int virtio_reset(struct virtio_dev *vd)
{
	vd->ops->set_status(vd, 0);
	uint64_t deadline = rdtsc() + VIRTIO_POLL_TICKS;
	while (virtio_status(vd) != 0) {
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted, uint64_t required)
{
	add_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(vd, VIRTIO_STATUS_DRIVER);
	uint64_t offered = vd->ops->get_features(vd);
	if ((offered & required) != required) {
		printk("virtio: %s: features %#llx lack required %#llx\n", vd->name,
		       (unsigned long long)offered, (unsigned long long)required);
		virtio_fail(vd);
		return -EOPNOTSUPP;
	}
	vd->features = offered & (wanted | required);
	vd->ops->set_features(vd, vd->features);
	add_status(vd, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		printk("virtio: %s: device refused features %#llx\n", vd->name,
		       (unsigned long long)vd->features);
		virtio_fail(vd);
		return -EIO;
	}
	return 0;
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
