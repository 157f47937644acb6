/*
 * The "baton-virtio-blk-v1" record (include/abi/baton.h) as data: what a preserved
 * disk's record must say before the next kernel touches the device it names. Pure
 * functions, built for the host too (tests/host/test_virtio_blk_ser.c and
 * fuzz_virtio_blk_ser.c); drivers/virtio/virtio_blk_luo.c is the handler.
 *
 * Two steps, both before any of the record's addresses is used:
 *   virtio_blk_ser_check  the record alone: magic, version, reserved fields, a queue
 *                         size the driver can run, a ring of the order that size
 *                         needs, page-aligned addresses, a request page outside
 *                         the ring block and the in-flight data, counts that add
 *                         up, features Baton asks for and VERSION_1 among them;
 *   virtio_blk_ser_match  the record against what the function and the device say
 *                         now (struct virtio_blk_seen): the same IDs, a device still
 *                         live (FEATURES_OK and DRIVER_OK, not FAILED or NEEDS_RESET)
 *                         offering every recorded feature, queue 0 enabled at the
 *                         recorded size and ring addresses, the same capacity.
 * Then, once its pages are taken back and vq_adopt has accepted the ring:
 *   virtio_blk_ser_chain  a chain in flight against the record: the write `blk submit`
 *                         builds, its header at req_pa, its data the in-flight folio,
 *                         its status byte at req_pa + 64 (the device writes there, so
 *                         the page the record calls the request page must be the
 *                         one the device was handed).
 * Each returns 0, or -EINVAL with *why naming the first field that is wrong.
 */
#ifndef VIRTIO_BLK_SER_H
#define VIRTIO_BLK_SER_H
#include <abi/baton.h>
#include <types.h>
#include <virtio.h>
#include <virtqueue.h>

/* Feature bits Baton asks for: SIZE_MAX, SEG_MAX, RO, BLK_SIZE, FLUSH, VERSION_1.
 * Here, not in virtio_blk.h, so that a host program checking records
 * (tools/kho-inspect) allows what the driver allows without the driver's header. */
#define VIRTIO_BLK_FEATURES ((1ull << 1) | (1ull << 2) | (1ull << 5) | (1ull << 6) | \
			     (1ull << 9) | VIRTIO_F_VERSION_1)

/* The request page: the 16-byte request header at 0, the status byte at 64. */
#define VIRTIO_BLK_REQ_HDR_BYTES  16
#define VIRTIO_BLK_REQ_STATUS_OFF 64

struct virtio_blk_seen {
	uint16_t vendor_id, device_id;
	uint8_t status;
	uint64_t device_features;       /* what the device offers now */
	uint16_t queue_size;            /* queue 0 as programmed */
	uint16_t queue_enable;
	uint64_t desc_pa, avail_pa, used_pa;
	uint64_t capacity;
};

int virtio_blk_ser_check(const struct baton_virtio_blk_ser *s, uint64_t allowed_features,
			 const char **why);
int virtio_blk_ser_match(const struct baton_virtio_blk_ser *s,
			 const struct virtio_blk_seen *seen, const char **why);
/* s accepted by virtio_blk_ser_check; desc its ring's queue_size descriptors. 0 when
 * nothing is in flight or the chain at inflight_head is the record's write. */
int virtio_blk_ser_chain(const struct baton_virtio_blk_ser *s, const struct vring_desc *desc,
			 const char **why);
/* The order of the block a ring of size entries takes. */
unsigned virtio_blk_ring_order(uint16_t size);
#endif
