/*
 * Split virtqueues (virtio 1.x §2.7): the ring bookkeeping, independent of the
 * transport and of how the ring memory was obtained, so it also builds for the host.
 *
 * Memory: one zeroed, physically contiguous block of vq_bytes(size) bytes at bus
 * address mem_pa: the descriptor table (16-byte entries) at 0, the available ring
 * (driver -> device) right after it, the used ring (device -> driver) at the next
 * page. size is a power of two, at most VQ_MAX_SIZE.
 *
 * Invariants: every descriptor is either on the free list (linked through `next`,
 * num_free of them) or in exactly one chain the device owns (busy[head] != 0 holds
 * that chain's length). The driver writes descriptors and the ring slot, then
 * (release fence) the available index; it reads a used entry only after (acquire)
 * seeing the used index move. The device is input: a used entry naming a head that
 * is not in flight, or a chain that does not match, is reported as -EIO.
 */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H
#include <types.h>

#define VQ_MAX_SIZE 256

#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

/* One buffer of a request: bus address, length, and whether the device writes it. */
struct vq_buf {
	paddr_t addr;
	uint32_t len;
	bool device_writes;
};

struct virtqueue {
	uint16_t index, size;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	paddr_t desc_pa, avail_pa, used_pa;
	uint16_t free_head, num_free;
	uint16_t avail_idx;        /* the driver's copy of avail->idx */
	uint16_t last_used;        /* used entries consumed so far (mod 2^16) */
	uint16_t busy[VQ_MAX_SIZE]; /* chain length by head, 0 = not in flight */
};

/* Bytes of ring memory for a queue of size entries; where its available ring
 * (16 * size) and used ring start in it. */
size_t vq_bytes(uint16_t size);
size_t vq_used_offset(uint16_t size);

/* The driver's side of a queue, as handed to the next kernel with the ring memory
 * (include/abi/baton.h): the indices, the free list's head and length, and at most
 * one chain in flight (head VQ_NO_INFLIGHT: none). */
#define VQ_NO_INFLIGHT 0xffffu
struct vq_state {
	uint16_t avail_idx, last_used, free_head, num_free;
	uint16_t inflight_head, inflight_len;
};
/* The queue's state; -EBUSY if more than one chain is in flight. */
int vq_save(const struct virtqueue *vq, struct vq_state *st);
/* Take over a live queue laid out over mem as vq_init lays it out, without writing
 * the ring: 0, or -EINVAL with *why when st does not agree with the ring memory
 * (the available index, indices that run ahead of each other, a free_head outside
 * the ring even with nothing free, a free list that loops, is short or crosses the
 * chain in flight, a chain that ends early). */
int vq_adopt(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem, paddr_t mem_pa,
	     const struct vq_state *st, const char **why);
/* Lay the queue out over zeroed mem (bus address mem_pa), free every descriptor and
 * ask the device for no interrupts (the driver polls).
 * -EINVAL if size is 0, not a power of two or above VQ_MAX_SIZE. */
int vq_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem, paddr_t mem_pa);
/* Chain n buffers and make the chain available; *head names it. -EINVAL (n 0 or a
 * zero length), -ENOSPC (fewer than n free descriptors). The caller notifies. */
int vq_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, uint16_t *head);
/* Ask the device for an interrupt at each used entry (on) or for none (off, as
 * vq_init leaves it): a hint the device may ignore either way. */
void vq_want_interrupts(struct virtqueue *vq, bool on);
/* Is a used entry waiting (read-only: nothing is consumed)? */
bool vq_has_used(const struct virtqueue *vq);
/* Take one used entry: 1 (with *head and *len), 0 (none yet), -EIO (bad entry). */
int vq_get_used(struct virtqueue *vq, uint16_t *head, uint32_t *len);
#endif
