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

size_t vq_used_offset(uint16_t size)
{
	return ALIGN_UP(16u * size + 6 + 2u * size, (size_t)4096);
}

/* Point vq at the ring memory; 0 or -EINVAL for a size that is not a power of two
 * in [1, VQ_MAX_SIZE]. */
static int layout(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem, paddr_t mem_pa)
{
	if (!size || (size & (size - 1)) || size > VQ_MAX_SIZE)
		return -EINVAL;
	size_t used_off = vq_used_offset(size);
	*vq = (struct virtqueue){ .index = index, .size = size, .num_free = size };
	vq->desc = mem;
	vq->avail = (struct vring_avail *)((uint8_t *)mem + 16u * size);
	vq->used = (struct vring_used *)((uint8_t *)mem + used_off);
	vq->desc_pa = mem_pa;
	vq->avail_pa = mem_pa + 16u * size;
	vq->used_pa = mem_pa + used_off;
	return 0;
}

int vq_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem, paddr_t mem_pa)
{
	int err = layout(vq, index, size, mem, mem_pa);
	if (err)
		return err;
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

void vq_want_interrupts(struct virtqueue *vq, bool on)
{
	*(volatile uint16_t *)&vq->avail->flags = on ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
}

bool vq_has_used(const struct virtqueue *vq)
{
	return *(volatile uint16_t *)&vq->used->idx != vq->last_used;
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

int vq_save(const struct virtqueue *vq, struct vq_state *st)
{
	*st = (struct vq_state){ vq->avail_idx, vq->last_used, vq->free_head, vq->num_free,
				 VQ_NO_INFLIGHT, 0 };
	for (uint16_t h = 0; h < vq->size; h++) {
		if (!vq->busy[h])
			continue;
		if (st->inflight_head != VQ_NO_INFLIGHT)
			return -EBUSY;
		st->inflight_head = h;
		st->inflight_len = vq->busy[h];
	}
	return 0;
}

/* Mark descriptor d seen; false if it is out of range or was seen already. */
static bool visit(uint8_t *seen, uint16_t size, uint16_t d)
{
	if (d >= size || seen[d])
		return false;
	seen[d] = 1;
	return true;
}

int vq_adopt(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem, paddr_t mem_pa,
	     const struct vq_state *st, const char **why)
{
	uint8_t seen[VQ_MAX_SIZE] = { 0 };
	bool busy = st->inflight_head != VQ_NO_INFLIGHT;
	uint16_t inflight = busy ? st->inflight_len : 0;
	*why = "the queue size is not a power of two up to 256";
	if (layout(vq, index, size, mem, mem_pa))
		return -EINVAL;
	*why = "the ring's available index is not the record's";
	if (*(volatile uint16_t *)&vq->avail->idx != st->avail_idx)
		return -EINVAL;
	*why = "the indices say another number of requests is in flight";
	if ((uint16_t)(st->avail_idx - st->last_used) != (busy ? 1 : 0))
		return -EINVAL;
	*why = "the device's used index runs ahead of what was in flight";
	if ((uint16_t)(*(volatile uint16_t *)&vq->used->idx - st->last_used) > (busy ? 1 : 0))
		return -EINVAL;
	*why = "free and in-flight descriptors do not add up to the queue size";
	if ((uint32_t)st->num_free + inflight != size || (busy && inflight < 1))
		return -EINVAL;
	/* free_head is checked even with nothing free: vq_get_used links a chain it
	 * gives back to it. The walk takes at most num_free <= size steps. */
	*why = "the free list loops or leaves the ring";
	if (st->free_head >= size)
		return -EINVAL;
	for (uint16_t i = 0, d = st->free_head; i < st->num_free; i++, d = vq->desc[d].next)
		if (!visit(seen, size, d))
			return -EINVAL;
	if (busy) {
		*why = "the chain in flight crosses the free list or ends early";
		uint16_t d = st->inflight_head;
		for (uint16_t i = 0; i < inflight; i++) {
			bool more = vq->desc[d < size ? d : 0].flags & VRING_DESC_F_NEXT;
			if (!visit(seen, size, d) || more != (i + 1 < inflight))
				return -EINVAL;
			d = vq->desc[d].next;
		}
		*why = "the available ring does not end with the chain in flight";
		if (vq->avail->ring[(uint16_t)(st->avail_idx - 1) % size] != st->inflight_head)
			return -EINVAL;
		vq->busy[st->inflight_head] = inflight;
	}
	vq->free_head = st->free_head;
	vq->num_free = st->num_free;
	vq->avail_idx = st->avail_idx;
	vq->last_used = st->last_used;
	*why = NULL;
	return 0;
}
