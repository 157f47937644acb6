/*
 * libFuzzer target for what the next kernel reads of a kept virtio-blk disk before it
 * touches the device: the "baton-virtio-blk-v1" record (drivers/virtio/virtio_blk_ser.c)
 * and the live queue it names (vq_adopt in drivers/virtio/virtqueue.c). Byte 0's
 * bit 0 picks the half; missing bytes are 0.
 *
 * bit 0 clear: the record and the device now
 *   bytes 1..192    struct baton_virtio_blk_ser
 *   then 49 bytes   struct virtio_blk_seen, LE, packed: vendor_id u16, device_id u16,
 *                   status u8, device_features u64, queue_size u16, queue_enable u16,
 *                   desc_pa, avail_pa, used_pa, capacity u64
 *   virtio_blk_ser_check (VIRTIO_BLK_FEATURES) and virtio_blk_ser_match run; an
 *   accepted record must satisfy every rule of include/abi/baton.h, restated here
 *   (a power-of-two queue in [4, 256], counts that add up, indices one apart iff a
 *   chain is in flight, a ring block of the order its size needs, aligned and
 *   non-zero addresses, a request page apart from the ring block and the in-flight
 *   data, allowed features with VERSION_1, a capacity, BARs); an
 *   accepted match, a live device at the record's IDs, size, ring and capacity.
 *
 * bit 0 set: a queue left by the previous kernel
 *   byte 1          the size: b < 9: 1 << b; 9: 0; else 3 * b (never a power of two)
 *   bytes 2..13     struct vq_state, six u16 LE
 *   bytes 14..17    the ring's avail->idx and used->idx, u16 LE
 *   then            4-byte records {u8 what; u8 slot; u16 value} over a ring laid out
 *                   as vq_init leaves it; slot mod size; what & 3: 0 desc[slot].next,
 *                   1 desc[slot].flags, 2 avail->ring[slot], 3 used->ring[slot].id
 *   vq_adopt runs over the ring (the bytes after vq_bytes(size) poisoned). It must
 *   not write the ring; when it accepts, free_head is inside the ring (even with
 *   nothing free), its free list and the chain in flight cover every descriptor
 *   exactly once, vq_save gives the state back, and the queue works:
 *   a used entry is taken or refused as -EIO, then vq_add takes free descriptors.
 *
 * Findings: any sanitizer report, or one of these broken.
 * Seeds: tests/host/corpus/virtio_blk_ser/.
 */
#include "fuzz_check.h"
#include <errno.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <virtio.h>
#include <virtqueue.h>
#include "../../drivers/virtio/virtio_blk.h"
#include "../../drivers/virtio/virtio_blk_ser.h"

#define check(ok, what, v) fuzz_check(ok, "fuzz_virtio_blk_ser", what, v)
#define PAGE     4096ull
#define SEEN_LEN 49

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool pow2(uint64_t v)
{
	return !(v & (v - 1));
}

/* [a, a + alen) and [b, b + blen) do not meet (in 128 bits: no wrap at 2^64). */
static bool apart(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return (unsigned __int128)a + alen <= b || (unsigned __int128)b + blen <= a;
}

/* The record's rules, restated from include/abi/baton.h. */
static void check_record(const struct baton_virtio_blk_ser *s)
{
	uint16_t size = s->queue_size;
	bool busy = s->inflight_head != BATON_VIRTIO_BLK_NO_INFLIGHT;
	check(s->magic == BATON_VIRTIO_BLK_MAGIC && s->version == BATON_VIRTIO_BLK_VERSION,
	      "magic or version", s->magic);
	check(!s->reserved && !s->reserved2 && !s->queue_index, "reserved or queue_index", 0);
	check(size >= 4 && size <= VQ_MAX_SIZE && pow2(size), "queue_size", size);
	check(s->free_head < size, "free_head", s->free_head);
	check(s->num_free + (busy ? s->inflight_len : 0u) == size, "counts", s->num_free);
	check(!busy || (s->inflight_head < size && s->inflight_len), "the chain in flight",
	      s->inflight_head);
	check((uint16_t)(s->avail_idx - s->last_used) == busy, "indices", s->avail_idx);
	check(s->ring_order <= 8, "ring_order", s->ring_order);
	uint64_t ring = PAGE << s->ring_order;
	check(ring >= vq_bytes(size) && ring / 2 < vq_bytes(size), "ring_order for the size",
	      s->ring_order);
	check(s->ring_pa && !(s->ring_pa % ring), "ring_pa", s->ring_pa);
	check(s->req_pa && !(s->req_pa % PAGE), "req_pa", s->req_pa);
	check(apart(s->req_pa, PAGE, s->ring_pa, ring), "req_pa inside the ring block", s->req_pa);
	if (busy) {
		check(s->inflight_order <= 10 && s->inflight_pa &&
		      !(s->inflight_pa % (PAGE << s->inflight_order)), "in-flight data",
		      s->inflight_pa);
		check(apart(s->req_pa, PAGE, s->inflight_pa, PAGE << s->inflight_order),
		      "req_pa inside the in-flight data", s->req_pa);
	} else
		check(!s->inflight_pa && !s->inflight_order && !s->inflight_lba && !s->inflight_len,
		      "in-flight data, none in flight", s->inflight_pa);
	check((s->features & VIRTIO_F_VERSION_1) && !(s->features & ~VIRTIO_BLK_FEATURES),
	      "features", s->features);
	check(s->capacity != 0, "capacity", 0);
	for (unsigned i = 0; i < 6; i++)
		check(pow2(s->bar_size[i]) && (!s->bar_size[i] || !(s->bar_base[i] % s->bar_size[i])),
		      "a BAR", i);
}

static void check_match(const struct baton_virtio_blk_ser *s, const struct virtio_blk_seen *v)
{
	check(v->vendor_id == s->vendor_id && v->device_id == s->device_id, "IDs", v->device_id);
	check(v->status == 0xf, "status", v->status);
	check(!(s->features & ~v->device_features), "features offered", v->device_features);
	check(v->queue_enable && v->queue_size == s->queue_size, "queue", v->queue_size);
	check(v->desc_pa == s->ring_pa && v->avail_pa == s->ring_pa + 16ull * s->queue_size &&
	      v->used_pa == s->ring_pa + vq_used_offset(s->queue_size), "ring addresses",
	      v->used_pa);
	check(v->capacity == s->capacity, "capacity now", v->capacity);
}

static void record(const uint8_t *in)
{
	struct baton_virtio_blk_ser s;
	const uint8_t *p = in + sizeof(s);
	memcpy(&s, in, sizeof(s));
	struct virtio_blk_seen v = {
		.vendor_id = (uint16_t)le(p, 2), .device_id = (uint16_t)le(p + 2, 2),
		.status = p[4], .device_features = le(p + 5, 8),
		.queue_size = (uint16_t)le(p + 13, 2), .queue_enable = (uint16_t)le(p + 15, 2),
		.desc_pa = le(p + 17, 8), .avail_pa = le(p + 25, 8), .used_pa = le(p + 33, 8),
		.capacity = le(p + 41, 8),
	};
	const char *why = "unset";
	int r = virtio_blk_ser_check(&s, VIRTIO_BLK_FEATURES, &why);
	check(r == 0 || r == -EINVAL, "check's result", (uint64_t)r);
	check(!r == !why, "check's why", (uint64_t)r);
	if (!r)
		check_record(&s);
	why = "unset";
	r = virtio_blk_ser_match(&s, &v, &why);          /* also on records check refused */
	check(r == 0 || r == -EINVAL, "match's result", (uint64_t)r);
	check(!r == !why, "match's why", (uint64_t)r);
	if (!r)
		check_match(&s, &v);
}

/* ---- the queue ---- */

static uint8_t ring[3 * PAGE] __attribute__((aligned(4096)));
static uint8_t before[sizeof(ring)];
static struct virtqueue vq, laid;

/* After an accepted adoption: the free list and the chain cover each descriptor once. */
static void check_cover(const struct vq_state *st, uint16_t size)
{
	uint8_t seen[VQ_MAX_SIZE] = { 0 };
	unsigned n = 0, chains = 0;
	uint16_t d = vq.free_head;
	for (unsigned i = 0; i < vq.num_free; i++, d = vq.desc[d].next) {
		check(d < size && !seen[d], "the free list", d);
		seen[d] = 1;
		n++;
	}
	for (uint16_t h = 0; h < size; h++) {
		if (!vq.busy[h])
			continue;
		chains++;
		check(h == st->inflight_head && vq.busy[h] == st->inflight_len, "busy[]", h);
		d = h;
		for (unsigned i = 0; i < vq.busy[h]; i++, d = vq.desc[d].next) {
			check(d < size && !seen[d], "the chain", d);
			check(!(vq.desc[d].flags & VRING_DESC_F_NEXT) == (i + 1 == vq.busy[h]),
			      "the chain's flags", d);
			seen[d] = 1;
			n++;
		}
	}
	check(n == size, "descriptors covered", n);
	check(chains == (st->inflight_head != VQ_NO_INFLIGHT), "chains in flight", chains);
}

static void queue(const uint8_t *data, size_t len)
{
	uint8_t b = len > 1 ? data[1] : 0;
	uint16_t size = (uint16_t)(b < 9 ? 1u << b : b == 9 ? 0 : 3u * b);
	bool valid = size && size <= VQ_MAX_SIZE && pow2(size);
	uint8_t h[16] = { 0 };
	memcpy(h, data + 2, len < 18 ? (len > 2 ? len - 2 : 0) : 16);
	struct vq_state st = { (uint16_t)le(h, 2), (uint16_t)le(h + 2, 2), (uint16_t)le(h + 4, 2),
			       (uint16_t)le(h + 6, 2), (uint16_t)le(h + 8, 2),
			       (uint16_t)le(h + 10, 2) };
	size_t bytes = valid ? vq_bytes(size) : 0;
	ASAN_UNPOISON_MEMORY_REGION(ring, sizeof(ring));
	memset(ring, 0, sizeof(ring));
	if (valid) {
		check(vq_init(&laid, 0, size, ring, 0x100000) == 0, "vq_init", size);
		laid.avail->idx = (uint16_t)le(h + 12, 2);
		laid.used->idx = (uint16_t)le(h + 14, 2);
		for (size_t p = 18; p + 4 <= len; p += 4) {
			uint16_t slot = data[p + 1] % size, v = (uint16_t)le(data + p + 2, 2);
			switch (data[p] & 3) {
			case 0: laid.desc[slot].next = v; break;
			case 1: laid.desc[slot].flags = v; break;
			case 2: laid.avail->ring[slot] = v; break;
			default: laid.used->ring[slot].id = v; break;
			}
		}
	}
	memcpy(before, ring, sizeof(ring));
	ASAN_POISON_MEMORY_REGION(ring + bytes, sizeof(ring) - bytes);
	const char *why = "unset";
	int r = vq_adopt(&vq, 3, size, ring, 0x100000, &st, &why);
	check(r == 0 || r == -EINVAL, "vq_adopt's result", (uint64_t)r);
	check(!r == !why, "vq_adopt's why", (uint64_t)r);
	check(!memcmp(ring, before, bytes), "vq_adopt wrote the ring", 0);
	if (r)
		return;
	check(valid, "a size accepted that is not a power of two up to 256", size);
	check(vq.index == 3 && vq.size == size && vq.desc_pa == 0x100000, "the layout", vq.index);
	check(vq.free_head < size, "free_head outside the ring", vq.free_head);
	check_cover(&st, size);
	struct vq_state back;
	bool busy = st.inflight_head != VQ_NO_INFLIGHT;
	check(vq_save(&vq, &back) == 0, "vq_save", 0);
	check(back.avail_idx == st.avail_idx && back.last_used == st.last_used &&
	      back.free_head == st.free_head && back.num_free == st.num_free &&
	      back.inflight_head == st.inflight_head &&
	      back.inflight_len == (busy ? st.inflight_len : 0), "vq_save gives another state", 0);
	uint16_t got;
	uint32_t used_len;
	r = vq_get_used(&vq, &got, &used_len);
	check(r == 0 || r == 1 || r == -EIO, "vq_get_used's result", (uint64_t)r);
	check(r != 1 || (busy && got == st.inflight_head && vq.num_free == size),
	      "vq_get_used took another chain", got);
	if (vq.num_free) {
		const struct vq_buf buf = { 0x2000, 512, true };
		uint16_t head;
		check(vq_add(&vq, &buf, 1, &head) == 0, "vq_add on a free descriptor", vq.num_free);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && (data[0] & 1)) {
		queue(data, size);
		return 0;
	}
	uint8_t in[sizeof(struct baton_virtio_blk_ser) + SEEN_LEN] = { 0 };
	if (size > 1)
		memcpy(in, data + 1, MIN(size - 1, sizeof(in)));
	record(in);
	return 0;
}
