/*
 * Checks of the "baton-virtio-blk-v1" record (model in drivers/virtio/virtio_blk_ser.h).
 * The record is a copy the handler took out of preserved memory; every field is
 * untrusted until these return 0.
 */
#include <errno.h>
#include <virtio.h>
#include <virtqueue.h>
#include "virtio_blk_ser.h"

#define PAGE_BYTES 4096ull

unsigned virtio_blk_ring_order(uint16_t size)
{
	unsigned o = 0;
	while ((PAGE_BYTES << o) < vq_bytes(size))
		o++;
	return o;
}

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

static bool page_aligned(uint64_t pa)
{
	return pa && !(pa & (PAGE_BYTES - 1));
}

int virtio_blk_ser_check(const struct baton_virtio_blk_ser *s, uint64_t allowed_features,
			 const char **why)
{
	uint16_t size = s->queue_size;
	bool busy = s->inflight_head != BATON_VIRTIO_BLK_NO_INFLIGHT;
	if (s->magic != BATON_VIRTIO_BLK_MAGIC || s->version != BATON_VIRTIO_BLK_VERSION)
		return bad(why, "magic or version");
	if (s->reserved || s->reserved2)
		return bad(why, "a reserved field is not 0");
	if (s->queue_index)
		return bad(why, "queue_index is not 0");
	if (size < 4 || (size & (size - 1)) || size > VQ_MAX_SIZE)
		return bad(why, "queue_size is not a power of two in [4, 256]");
	if (s->free_head >= size || s->num_free > size)
		return bad(why, "free_head or num_free out of range");
	if (busy ? s->inflight_head >= size || !s->inflight_len ||
		   s->num_free + (uint32_t)s->inflight_len != size
		 : s->num_free != size || s->inflight_len)
		return bad(why, "free and in-flight descriptors do not add up to queue_size");
	if ((uint16_t)(s->avail_idx - s->last_used) != (busy ? 1 : 0))
		return bad(why, "avail_idx and last_used disagree with what is in flight");
	if (!page_aligned(s->ring_pa) || s->ring_order != virtio_blk_ring_order(size) ||
	    (s->ring_pa & ((PAGE_BYTES << s->ring_order) - 1)))
		return bad(why, "ring_pa or ring_order");
	if (!page_aligned(s->req_pa))
		return bad(why, "req_pa");
	if (busy ? !page_aligned(s->inflight_pa) || s->inflight_order > 10 ||
		   (s->inflight_pa & ((PAGE_BYTES << s->inflight_order) - 1))
		 : s->inflight_pa || s->inflight_order || s->inflight_lba)
		return bad(why, "the in-flight request's data");
	/* The request page is a page of its own: outside the ring block and the data
	 * (all page-aligned, so a page overlaps a block iff it starts inside it; the
	 * unsigned difference is right even for a block ending at 2^64). */
	if (s->req_pa - s->ring_pa < PAGE_BYTES << s->ring_order)
		return bad(why, "req_pa is inside the ring block");
	if (busy && s->req_pa - s->inflight_pa < PAGE_BYTES << s->inflight_order)
		return bad(why, "req_pa is inside the in-flight data");
	if (!(s->features & VIRTIO_F_VERSION_1) || (s->features & ~allowed_features))
		return bad(why, "features");
	if (!s->capacity)
		return bad(why, "capacity");
	for (unsigned i = 0; i < 6; i++) {
		uint64_t sz = s->bar_size[i];
		if ((sz & (sz - 1)) || (sz && (s->bar_base[i] & (sz - 1))))
			return bad(why, "a BAR size");
	}
	*why = NULL;
	return 0;
}

int virtio_blk_ser_match(const struct baton_virtio_blk_ser *s,
			 const struct virtio_blk_seen *seen, const char **why)
{
	const uint8_t live = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	if (s->vendor_id != seen->vendor_id || s->device_id != seen->device_id)
		return bad(why, "the function has another vendor or device ID");
	if (seen->status != live)
		return bad(why, "the device is not live (status is not 0xf)");
	if (s->features & ~seen->device_features)
		return bad(why, "the device no longer offers a recorded feature");
	if (!seen->queue_enable || seen->queue_size != s->queue_size)
		return bad(why, "queue 0 is not enabled at the recorded size");
	uint64_t used = s->ring_pa + vq_used_offset(s->queue_size);
	if (seen->desc_pa != s->ring_pa || seen->avail_pa != s->ring_pa + 16ull * s->queue_size ||
	    seen->used_pa != used)
		return bad(why, "the device's ring addresses are not the record's");
	if (seen->capacity != s->capacity)
		return bad(why, "the capacity changed");
	*why = NULL;
	return 0;
}

int virtio_blk_ser_chain(const struct baton_virtio_blk_ser *s, const struct vring_desc *desc,
			 const char **why)
{
	const struct vring_desc *c[3];
	uint16_t d = s->inflight_head;
	*why = NULL;
	if (d == BATON_VIRTIO_BLK_NO_INFLIGHT)
		return 0;
	if (s->inflight_len != 3)
		return bad(why, "the chain in flight is not header, data and status");
	for (unsigned i = 0; i < 3; i++) {
		if (d >= s->queue_size)
			return bad(why, "the chain in flight is not header, data and status");
		c[i] = &desc[d];
		d = c[i]->next;
	}
	if (c[0]->addr != s->req_pa || c[0]->len != VIRTIO_BLK_REQ_HDR_BYTES ||
	    c[0]->flags != VRING_DESC_F_NEXT ||
	    c[2]->addr != s->req_pa + VIRTIO_BLK_REQ_STATUS_OFF || c[2]->len != 1 ||
	    c[2]->flags != VRING_DESC_F_WRITE)
		return bad(why, "the chain in flight does not use the request page");
	if (c[1]->addr != s->inflight_pa || !c[1]->len ||
	    c[1]->len > PAGE_BYTES << s->inflight_order || c[1]->flags != VRING_DESC_F_NEXT)
		return bad(why, "the chain in flight does not write the in-flight data");
	return 0;
}
