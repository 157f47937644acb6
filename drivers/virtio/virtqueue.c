/*
 * Split virtqueue bookkeeping (model and invariants in include/virtqueue.h). The
 * ring fields are little-endian, like x86. Fences: a release fence orders the
 * descriptor and ring-slot writes before the index the device polls; an acquire
 * fence orders reading the used index before reading the entry it covers. Reads of
 * what the device writes go through volatile, so a polling loop sees them change.
 */
#include <errno.h>
#include <virtqueue.h>

size_t vq_bytes(uint16_t size)
{
	size_t avail_end = 16u * size + 6 + 2u * size;
	return ALIGN_UP(avail_end, (size_t)4096) + ALIGN_UP(6 + 8u * (size_t)size, (size_t)4096);
}

int vq_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem, paddr_t mem_pa)
{
	if (!size || (size & (size - 1)) || size > VQ_MAX_SIZE)
		return -EINVAL;
	size_t used_off = ALIGN_UP(16u * size + 6 + 2u * size, (size_t)4096);
	*vq = (struct virtqueue){ .index = index, .size = size, .num_free = size };
	vq->desc = mem;
	vq->avail = (struct vring_avail *)((uint8_t *)mem + 16u * size);
	vq->used = (struct vring_used *)((uint8_t *)mem + used_off);
	vq->desc_pa = mem_pa;
	vq->avail_pa = mem_pa + 16u * size;
	vq->used_pa = mem_pa + used_off;
	for (uint16_t i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)((i + 1) % size);
	vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	return 0;
}

int vq_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, uint16_t *head)
{
	if (!n)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!bufs[i].len)
			return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;
	uint16_t h = vq->free_head, d = h;
	for (unsigned i = 0; i < n; i++) {
		struct vring_desc *e = &vq->desc[d];
		e->addr = bufs[i].addr;
		e->len = bufs[i].len;
		e->flags = (uint16_t)((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
				      (bufs[i].device_writes ? VRING_DESC_F_WRITE : 0));
		if (i + 1 < n)
			d = e->next;
	}
	vq->free_head = vq->desc[d].next;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->busy[h] = (uint16_t)n;
	vq->avail->ring[vq->avail_idx % vq->size] = h;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->avail_idx++;
	*(volatile uint16_t *)&vq->avail->idx = vq->avail_idx;
	*head = h;
	return 0;
}

int vq_get_used(struct virtqueue *vq, uint16_t *head, uint32_t *len)
{
	uint16_t idx = *(volatile uint16_t *)&vq->used->idx;
	if (idx == vq->last_used)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	volatile struct vring_used_elem *e = &vq->used->ring[vq->last_used % vq->size];
	uint32_t id = e->id, n;
	if (id >= vq->size || !(n = vq->busy[id]))
		return -EIO;
	/* Give the chain back: walk its n descriptors, the last one links to the free list. */
	uint16_t d = (uint16_t)id;
	for (unsigned i = 1; i < n; i++) {
		if (!(vq->desc[d].flags & VRING_DESC_F_NEXT))
			return -EIO;
		d = vq->desc[d].next;
	}
	vq->desc[d].next = vq->free_head;
	vq->free_head = (uint16_t)id;
	vq->num_free = (uint16_t)(vq->num_free + n);
	vq->busy[id] = 0;
	vq->last_used++;
	*head = (uint16_t)id;
	*len = e->len;
	return 1;
}
