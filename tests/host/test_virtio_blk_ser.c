/*
 * drivers/virtio/virtio_blk_ser.c: the "baton-virtio-blk-v1" record a kept disk
 * hands over (include/abi/baton.h) and the two checks the next kernel runs before it
 * uses any address in it. The golden record is typed byte by byte from the header's
 * field list (packed, little endian), not written by Baton's handler.
 *
 * Covered: every field's offset and size (192 bytes); the typed record decoded field
 * by field and accepted by virtio_blk_ser_check and virtio_blk_ser_match, idle and
 * with a chain in flight, and the edges that must pass (sizes 4 and 256 with their
 * ring orders, indices wrapping, every descriptor in flight, every allowed feature,
 * a request page just before or just past the ring block and the in-flight data);
 * then one row per rule, each breaking that rule alone, refused with -EINVAL and
 * exactly its why: the record alone (magic, version, reserved fields, queue_index,
 * queue_size, free_head and num_free, the in-flight accounting, avail_idx and
 * last_used, ring_pa and ring_order, req_pa, the in-flight data, a request page
 * inside the ring block or the in-flight data, features, capacity, BARs) and the record against the device now (IDs, a status that is not exactly
 * 0xf, a feature no longer offered, queue 0 disabled or resized, each ring address,
 * capacity). virtio_blk_ser_chain: nothing in flight (the ring not read), the
 * busy record's write (header, data, status) accepted, and each descriptor field
 * that does not name the record's request page or data refused with its why, a
 * chain that links out of the ring refused before anything outside it is read.
 */
#include <errno.h>
#include <stdlib.h>
#include "../../drivers/virtio/virtio_blk.h"
#include "../../drivers/virtio/virtio_blk_ser.h"
#include "host_test.h"

/* Features Baton negotiates: SIZE_MAX 1, SEG_MAX 2, RO 5, BLK_SIZE 6, FLUSH 9,
 * VERSION_1 32. */
#define ALLOWED ((1ull << 1) | (1ull << 2) | (1ull << 5) | (1ull << 6) | (1ull << 9) | \
		 (1ull << 32))

/* ---- layout ---- */

#define FIELD(f, off, size) { #f, offsetof(struct baton_virtio_blk_ser, f), \
			      sizeof(((struct baton_virtio_blk_ser *)0)->f), off, size }

static void test_layout(void **state)
{
	static const struct { const char *name; size_t off, size, want_off, want_size; } f[] = {
		FIELD(magic, 0, 4), FIELD(version, 4, 4), FIELD(domain, 8, 4), FIELD(bdf, 12, 2),
		FIELD(vendor_id, 14, 2), FIELD(device_id, 16, 2), FIELD(queue_index, 18, 2),
		FIELD(queue_size, 20, 2), FIELD(avail_idx, 22, 2), FIELD(last_used, 24, 2),
		FIELD(free_head, 26, 2), FIELD(num_free, 28, 2), FIELD(inflight_head, 30, 2),
		FIELD(inflight_len, 32, 2), FIELD(inflight_order, 34, 2), FIELD(reserved, 36, 4),
		FIELD(features, 40, 8), FIELD(capacity, 48, 8), FIELD(ring_pa, 56, 8),
		FIELD(ring_order, 64, 4), FIELD(reserved2, 68, 4), FIELD(req_pa, 72, 8),
		FIELD(inflight_pa, 80, 8), FIELD(inflight_lba, 88, 8), FIELD(bar_base, 96, 48),
		FIELD(bar_size, 144, 48),
	};
	(void)state;
	size_t end = 0;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		if (f[i].off != f[i].want_off || f[i].size != f[i].want_size || f[i].off != end)
			case_fail("%s: at %zu, %zu bytes; want %zu, %zu (previous field ends at %zu)",
				  f[i].name, f[i].off, f[i].size, f[i].want_off, f[i].want_size, end);
		end = f[i].off + f[i].size;
	}
	assert_int_equal(end, 192);
	assert_int_equal(sizeof(struct baton_virtio_blk_ser), 192);
	assert_string_equal(BATON_VIRTIO_BLK_COMPATIBLE, "baton-virtio-blk-v1");
	assert_memory_equal(&(uint32_t){ BATON_VIRTIO_BLK_MAGIC }, "VBLK", 4);
	assert_int_equal(BATON_VIRTIO_BLK_NO_INFLIGHT, 0xffff);
	assert_int_equal(VIRTIO_BLK_FEATURES, ALLOWED);
}

/* ---- the golden record ---- */

/* 0000:00:04.0, a modern virtio-blk (1af4:1042) of 1 GiB, queue 0 of 128 entries idle
 * after 0x107 requests, its 8 KiB ring at 0x7f3e000, the request page at 0x7f40000;
 * BAR 1 a 4 KiB MMIO BAR, BAR 4 a 16 KiB 64-bit one (entry 5, its high half, 0). */
static const uint8_t golden[192] = {
	0x56, 0x42, 0x4c, 0x4b,  0x01, 0x00, 0x00, 0x00,        /* +0 magic "VBLK", version 1 */
	0x00, 0x00, 0x00, 0x00,  0x20, 0x00,  0xf4, 0x1a,       /* +8 domain, bdf 00:04.0, vendor */
	0x42, 0x10,  0x00, 0x00,  0x80, 0x00,  0x07, 0x01,      /* +16 device, queue 0 of 128, avail */
	0x07, 0x01,  0x05, 0x00,  0x80, 0x00,  0xff, 0xff,      /* +24 last_used, free 5 (128), none */
	0x00, 0x00,  0x00, 0x00,  0x00, 0x00, 0x00, 0x00,       /* +32 inflight_len, order, reserved */
	0x44, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,         /* +40 features: bits 32, 9, 6, 2 */
	0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,         /* +48 capacity 2^21 sectors */
	0x00, 0xe0, 0xf3, 0x07, 0x00, 0x00, 0x00, 0x00,         /* +56 ring_pa */
	0x01, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,        /* +64 ring_order 1, reserved2 */
	0x00, 0x00, 0xf4, 0x07, 0x00, 0x00, 0x00, 0x00,         /* +72 req_pa */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,         /* +80 inflight_pa */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,         /* +88 inflight_lba */
	/* +96 bar_base[0], [1] */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  0x00, 0x10, 0xbd, 0xfe, 0x00, 0x00, 0x00, 0x00,
	/* +112 bar_base[2], [3] */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* +128 bar_base[4], [5] */
	0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* +144 bar_size[0], [1] */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* +160 bar_size[2], [3] */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* +176 bar_size[4], [5] */
	0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define RING_PA 0x7f3e000ull
#define FEATURES ((1ull << 32) | (1ull << 9) | (1ull << 6) | (1ull << 2))

/* What the device says now for the golden record: live, offering more than was
 * negotiated (RO and INDIRECT_DESC too), queue 0 where the record put it. */
static const struct virtio_blk_seen seen_ok = {
	.vendor_id = 0x1af4, .device_id = 0x1042, .status = 0x0f,
	.device_features = FEATURES | (1ull << 5) | (1ull << 28),
	.queue_size = 128, .queue_enable = 1,
	.desc_pa = RING_PA, .avail_pa = RING_PA + 16 * 128, .used_pa = RING_PA + 4096,
	.capacity = 0x200000,
};

/* The golden record with a write in flight: a 3-descriptor chain at 9 (the device
 * owns it), its data a 64 KiB folio for sector 0x1000. */
static struct baton_virtio_blk_ser busy_record(void)
{
	struct baton_virtio_blk_ser s;
	memcpy(&s, golden, sizeof(s));
	s.avail_idx = 0x108;
	s.num_free = 125;
	s.inflight_head = 9;
	s.inflight_len = 3;
	s.inflight_order = 4;
	s.inflight_pa = 0x8000000;
	s.inflight_lba = 0x1000;
	return s;
}

static void accepted(const struct baton_virtio_blk_ser *s, const struct virtio_blk_seen *v,
		     const char *name)
{
	const char *why = "unset";
	int r = virtio_blk_ser_check(s, ALLOWED, &why);
	if (r || why)
		case_fail("%s: check %d (%s)", name, r, why ? why : "NULL");
	why = "unset";
	r = virtio_blk_ser_match(s, v, &why);
	if (r || why)
		case_fail("%s: match %d (%s)", name, r, why ? why : "NULL");
}

static void test_golden(void **state)
{
	struct baton_virtio_blk_ser s;
	(void)state;
	memcpy(&s, golden, sizeof(s));
	assert_int_equal(s.magic, BATON_VIRTIO_BLK_MAGIC);
	assert_int_equal(s.version, BATON_VIRTIO_BLK_VERSION);
	assert_int_equal(s.domain, 0);
	assert_int_equal(s.bdf, 4 << 3);
	assert_int_equal(s.vendor_id, 0x1af4);
	assert_int_equal(s.device_id, 0x1042);
	assert_int_equal(s.queue_index, 0);
	assert_int_equal(s.queue_size, 128);
	assert_int_equal(s.avail_idx, 0x107);
	assert_int_equal(s.last_used, 0x107);
	assert_int_equal(s.free_head, 5);
	assert_int_equal(s.num_free, 128);
	assert_int_equal(s.inflight_head, BATON_VIRTIO_BLK_NO_INFLIGHT);
	assert_int_equal(s.inflight_len, 0);
	assert_int_equal(s.inflight_order, 0);
	assert_int_equal(s.reserved, 0);
	assert_int_equal(s.features, FEATURES);
	assert_int_equal(s.capacity, 0x200000);
	assert_int_equal(s.ring_pa, RING_PA);
	assert_int_equal(s.ring_order, 1);
	assert_int_equal(s.reserved2, 0);
	assert_int_equal(s.req_pa, 0x7f40000);
	assert_int_equal(s.inflight_pa, 0);
	assert_int_equal(s.inflight_lba, 0);
	static const uint64_t base[6] = { 0, 0xfebd1000, 0, 0, 0xfe000000, 0 };
	static const uint64_t size[6] = { 0, 0x1000, 0, 0, 0x4000, 0 };
	assert_memory_equal(s.bar_base, base, sizeof(base));
	assert_memory_equal(s.bar_size, size, sizeof(size));
	accepted(&s, &seen_ok, "golden");
	s = busy_record();
	accepted(&s, &seen_ok, "golden, busy");
}

static void test_ring_order(void **state)
{
	static const struct { uint16_t size; unsigned order; } c[] = {
		{ 4, 1 }, { 8, 1 }, { 16, 1 }, { 32, 1 }, { 64, 1 }, { 128, 1 }, { 256, 2 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		unsigned o = virtio_blk_ring_order(c[i].size);
		if (o != c[i].order || (4096u << o) < vq_bytes(c[i].size) ||
		    (o && (4096u << (o - 1)) >= vq_bytes(c[i].size)))
			case_fail("size %u: order %u, want %u", c[i].size, o, c[i].order);
	}
}

/* ---- rows: the golden record (or the busy one) with a few fields changed ---- */

struct poke {
	size_t off, width;              /* width 0: no more pokes */
	uint64_t v;
};
#define R(f, val) { offsetof(struct baton_virtio_blk_ser, f), \
		    sizeof(((struct baton_virtio_blk_ser *)0)->f), (val) }
#define S(f, val) { offsetof(struct virtio_blk_seen, f), \
		    sizeof(((struct virtio_blk_seen *)0)->f), (val) }

#define NONE { { 0, 0, 0 } }

struct row {
	const char *name;
	bool busy;                      /* start from busy_record() */
	struct poke rec[5], seen[4];
	const char *why;                /* NULL: accepted */
};

static void apply(void *p, const struct poke *k, size_t n)
{
	for (size_t i = 0; i < n && k[i].width; i++)
		memcpy((uint8_t *)p + k[i].off, &k[i].v, k[i].width);      /* little endian */
}

static void run_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *c = &rows[i];
		struct baton_virtio_blk_ser s = busy_record();
		struct virtio_blk_seen v = seen_ok;
		if (!c->busy)
			memcpy(&s, golden, sizeof(s));
		apply(&s, c->rec, ARRAY_SIZE(c->rec));
		apply(&v, c->seen, ARRAY_SIZE(c->seen));
		const char *why = NULL;
		int r = virtio_blk_ser_check(&s, ALLOWED, &why);
		if (!r)
			r = virtio_blk_ser_match(&s, &v, &why);
		if (c->why ? r != -EINVAL || !why || strcmp(why, c->why) : r || why)
			case_fail("row %zu (%s): %d, why %s; want %s", i, c->name, r,
				  why ? why : "NULL", c->why ? c->why : "0");
	}
}

#define WHY_MAGIC    "magic or version"
#define WHY_RESERVED "a reserved field is not 0"
#define WHY_QINDEX   "queue_index is not 0"
#define WHY_QSIZE    "queue_size is not a power of two in [4, 256]"
#define WHY_FREE     "free_head or num_free out of range"
#define WHY_ADD      "free and in-flight descriptors do not add up to queue_size"
#define WHY_IDX      "avail_idx and last_used disagree with what is in flight"
#define WHY_RING     "ring_pa or ring_order"
#define WHY_REQ      "req_pa"
#define WHY_REQ_RING "req_pa is inside the ring block"
#define WHY_REQ_DATA "req_pa is inside the in-flight data"
#define WHY_DATA     "the in-flight request's data"
#define WHY_FEAT     "features"
#define WHY_CAP      "capacity"
#define WHY_BAR      "a BAR size"

/* Edges that must pass. */
static const struct row check_ok[] = {
	{ "size 4, order 1", false, { R(queue_size, 4), R(num_free, 4), R(free_head, 3) },
	  { S(queue_size, 4), S(avail_pa, RING_PA + 64), S(used_pa, RING_PA + 4096) }, NULL },
	{ "size 256, order 2", false,
	  { R(queue_size, 256), R(num_free, 256), R(ring_order, 2), R(ring_pa, RING_PA - 0x2000) },
	  { S(queue_size, 256), S(desc_pa, RING_PA - 0x2000), S(avail_pa, RING_PA - 0x2000 + 4096),
	    S(used_pa, RING_PA - 0x2000 + 8192) }, NULL },
	{ "indices wrap with a chain in flight", true, { R(avail_idx, 0), R(last_used, 0xffff) },
	  NONE, NULL },
	{ "every descriptor in flight", true, { R(num_free, 0), R(inflight_len, 128) },
	  NONE, NULL },
	{ "in-flight data of order 10", true, { R(inflight_order, 10), R(inflight_pa, 0x8000000) },
	  NONE, NULL },
	{ "every allowed feature", false, { R(features, ALLOWED) },
	  { S(device_features, ALLOWED) }, NULL },
	{ "BAR above 4 GiB", false,
	  { R(bar_base[4], 0x800000000000ull), R(bar_size[4], 1ull << 40) }, NONE, NULL },
	/* The request page just outside the ring block (8 KiB at RING_PA) and the data
	 * (64 KiB at 0x8000000), on either side. */
	{ "req_pa one page past the ring's end", false, { R(req_pa, RING_PA + 0x2000) }, NONE, NULL },
	{ "req_pa the page before the ring", false, { R(req_pa, RING_PA - 0x1000) }, NONE, NULL },
	{ "size 256, req_pa one page past its 16 KiB ring", false,
	  { R(queue_size, 256), R(num_free, 256), R(ring_order, 2), R(ring_pa, RING_PA - 0x2000) },
	  { S(queue_size, 256), S(desc_pa, RING_PA - 0x2000), S(avail_pa, RING_PA - 0x2000 + 4096),
	    S(used_pa, RING_PA - 0x2000 + 8192) }, NULL },
	{ "busy, req_pa one page past the data's end", true, { R(req_pa, 0x8010000) }, NONE, NULL },
	{ "busy, req_pa the page before the data", true, { R(req_pa, 0x7fff000) }, NONE, NULL },
};

/* One rule broken per row. */
static const struct row check_refused[] = {
	{ "magic 0", false, { R(magic, 0) }, NONE, WHY_MAGIC },
	{ "magic byte-swapped", false, { R(magic, 0x56424c4b) }, NONE, WHY_MAGIC },
	{ "version 0", false, { R(version, 0) }, NONE, WHY_MAGIC },
	{ "version 2", false, { R(version, 2) }, NONE, WHY_MAGIC },
	{ "reserved 1", false, { R(reserved, 1) }, NONE, WHY_RESERVED },
	{ "reserved top bit", false, { R(reserved, 0x80000000) }, NONE, WHY_RESERVED },
	{ "reserved2 1", false, { R(reserved2, 1) }, NONE, WHY_RESERVED },
	{ "queue_index 1", false, { R(queue_index, 1) }, NONE, WHY_QINDEX },
	{ "queue_index 0xffff", false, { R(queue_index, 0xffff) }, NONE, WHY_QINDEX },
	{ "queue_size 0", false, { R(queue_size, 0) }, NONE, WHY_QSIZE },
	{ "queue_size 1", false, { R(queue_size, 1) }, NONE, WHY_QSIZE },
	{ "queue_size 2", false, { R(queue_size, 2) }, NONE, WHY_QSIZE },
	{ "queue_size 3", false, { R(queue_size, 3) }, NONE, WHY_QSIZE },
	{ "queue_size 100", false, { R(queue_size, 100) }, NONE, WHY_QSIZE },
	{ "queue_size 512", false, { R(queue_size, 512) }, NONE, WHY_QSIZE },
	{ "free_head 128 of 128", false, { R(free_head, 128) }, NONE, WHY_FREE },
	{ "free_head 0xffff, busy", true, { R(free_head, 0xffff) }, NONE, WHY_FREE },
	{ "num_free 129 of 128", false, { R(num_free, 129) }, NONE, WHY_FREE },
	{ "idle, num_free 127", false, { R(num_free, 127) }, NONE, WHY_ADD },
	{ "idle, num_free 0", false, { R(num_free, 0) }, NONE, WHY_ADD },
	{ "idle, inflight_len 1", false, { R(inflight_len, 1) }, NONE, WHY_ADD },
	{ "idle, 127 free and 1 in a chain named none", false, { R(num_free, 127), R(inflight_len, 1) },
	  NONE, WHY_ADD },
	{ "busy, inflight_len 0", true, { R(inflight_len, 0), R(num_free, 128) }, NONE, WHY_ADD },
	{ "busy, inflight_len 4 with 125 free", true, { R(inflight_len, 4) }, NONE, WHY_ADD },
	{ "busy, num_free 126", true, { R(num_free, 126) }, NONE, WHY_ADD },
	{ "busy, num_free 128", true, { R(num_free, 128) }, NONE, WHY_ADD },
	{ "busy, inflight_head 128", true, { R(inflight_head, 128) }, NONE, WHY_ADD },
	{ "busy, inflight_head 0xfffe", true, { R(inflight_head, 0xfffe) }, NONE, WHY_ADD },
	{ "idle, avail_idx one ahead", false, { R(avail_idx, 0x108) }, NONE, WHY_IDX },
	{ "idle, last_used one behind", false, { R(last_used, 0x106) }, NONE, WHY_IDX },
	{ "idle, last_used ahead", false, { R(last_used, 0x108) }, NONE, WHY_IDX },
	{ "busy, avail_idx == last_used", true, { R(avail_idx, 0x107) }, NONE, WHY_IDX },
	{ "busy, avail_idx two ahead", true, { R(avail_idx, 0x109) }, NONE, WHY_IDX },
	{ "busy, last_used == avail_idx", true, { R(last_used, 0x108) }, NONE, WHY_IDX },
	{ "ring_pa 0", false, { R(ring_pa, 0) }, NONE, WHY_RING },
	{ "ring_pa not page aligned", false, { R(ring_pa, RING_PA + 0x800) }, NONE, WHY_RING },
	{ "ring_pa page but not order aligned", false, { R(ring_pa, RING_PA + 0x1000) },
	  NONE, WHY_RING },
	{ "ring_order 0", false, { R(ring_order, 0) }, NONE, WHY_RING },
	{ "ring_order 2 for 128", false, { R(ring_order, 2) }, NONE, WHY_RING },
	{ "ring_order 0xffffffff", false, { R(ring_order, 0xffffffff) }, NONE, WHY_RING },
	{ "size 256, ring_order 1", false, { R(queue_size, 256), R(num_free, 256), R(ring_order, 1) },
	  NONE, WHY_RING },
	{ "size 256, ring_pa 8 KiB aligned", false,
	  { R(queue_size, 256), R(num_free, 256), R(ring_order, 2) }, NONE, WHY_RING },
	{ "req_pa 0", false, { R(req_pa, 0) }, NONE, WHY_REQ },
	{ "req_pa + 8", false, { R(req_pa, 0x7f40008) }, NONE, WHY_REQ },
	{ "req_pa + 0x800", false, { R(req_pa, 0x7f40800) }, NONE, WHY_REQ },
	{ "req_pa the descriptor table", false, { R(req_pa, RING_PA) }, NONE, WHY_REQ_RING },
	{ "req_pa the used ring (the ring's last page)", false, { R(req_pa, RING_PA + 0x1000) },
	  NONE, WHY_REQ_RING },
	{ "busy, req_pa the used ring", true, { R(req_pa, RING_PA + 0x1000) }, NONE, WHY_REQ_RING },
	{ "size 256, req_pa the last page of its 16 KiB ring", false,
	  { R(queue_size, 256), R(num_free, 256), R(ring_order, 2), R(ring_pa, RING_PA - 0x2000),
	    R(req_pa, RING_PA + 0x1000) }, NONE, WHY_REQ_RING },
	{ "ring ending at 2^64, req_pa its last page", false,
	  { R(ring_pa, 0xffffffffffffe000ull), R(req_pa, 0xfffffffffffff000ull) }, NONE,
	  WHY_REQ_RING },
	{ "busy, req_pa the data's first page", true, { R(req_pa, 0x8000000) }, NONE, WHY_REQ_DATA },
	{ "busy, req_pa the data's last page", true, { R(req_pa, 0x800f000) }, NONE, WHY_REQ_DATA },
	{ "busy, req_pa inside an order-10 data folio", true,
	  { R(inflight_order, 10), R(req_pa, 0x83ff000) }, NONE, WHY_REQ_DATA },
	{ "idle, inflight_pa set", false, { R(inflight_pa, 0x8000000) }, NONE, WHY_DATA },
	{ "idle, inflight_order 1", false, { R(inflight_order, 1) }, NONE, WHY_DATA },
	{ "idle, inflight_lba 1", false, { R(inflight_lba, 1) }, NONE, WHY_DATA },
	{ "busy, inflight_pa 0", true, { R(inflight_pa, 0) }, NONE, WHY_DATA },
	{ "busy, inflight_pa + 0x800", true, { R(inflight_pa, 0x8000800) }, NONE, WHY_DATA },
	{ "busy, inflight_pa page but not order aligned", true, { R(inflight_pa, 0x8001000) },
	  NONE, WHY_DATA },
	{ "busy, inflight_order 11", true, { R(inflight_order, 11) }, NONE, WHY_DATA },
	{ "busy, inflight_order 0xffff", true, { R(inflight_order, 0xffff) }, NONE, WHY_DATA },
	{ "no VERSION_1", false, { R(features, FEATURES & ~(1ull << 32)) }, NONE, WHY_FEAT },
	{ "no features", false, { R(features, 0) }, NONE, WHY_FEAT },
	{ "bit 0 (BARRIER)", false, { R(features, FEATURES | 1) }, NONE, WHY_FEAT },
	{ "bit 28 (INDIRECT_DESC)", false, { R(features, FEATURES | 1ull << 28) }, NONE, WHY_FEAT },
	{ "bit 33 (ACCESS_PLATFORM)", false, { R(features, FEATURES | 1ull << 33) },
	  NONE, WHY_FEAT },
	{ "bit 63", false, { R(features, FEATURES | 1ull << 63) }, NONE, WHY_FEAT },
	{ "capacity 0", false, { R(capacity, 0) }, NONE, WHY_CAP },
	{ "BAR 4 size 0x3000", false, { R(bar_size[4], 0x3000) }, NONE, WHY_BAR },
	{ "BAR 1 size 0x1001", false, { R(bar_size[1], 0x1001) }, NONE, WHY_BAR },
	{ "BAR 5 size all ones", false, { R(bar_size[5], ~0ull) }, NONE, WHY_BAR },
	{ "BAR 4 base 8 KiB into 16 KiB", false, { R(bar_base[4], 0xfe002000) }, NONE, WHY_BAR },
	{ "BAR 1 base half a page off", false, { R(bar_base[1], 0xfebd1800) }, NONE, WHY_BAR },
};

#define WHY_ID     "the function has another vendor or device ID"
#define WHY_STATUS "the device is not live (status is not 0xf)"
#define WHY_OFFER  "the device no longer offers a recorded feature"
#define WHY_QUEUE  "queue 0 is not enabled at the recorded size"
#define WHY_ADDR   "the device's ring addresses are not the record's"
#define WHY_CAPNOW "the capacity changed"

static const struct row match_refused[] = {
	{ "vendor", false, NONE, { S(vendor_id, 0x1af5) }, WHY_ID },
	{ "device id", false, NONE, { S(device_id, 0x1001) }, WHY_ID },
	{ "device id, busy", true, NONE, { S(device_id, 0x1041) }, WHY_ID },
	{ "status 0x0 (reset)", false, NONE, { S(status, 0x00) }, WHY_STATUS },
	{ "status 0x8f (FAILED)", false, NONE, { S(status, 0x8f) }, WHY_STATUS },
	{ "status 0x4f (NEEDS_RESET)", false, NONE, { S(status, 0x4f) }, WHY_STATUS },
	{ "status 0x7 (no FEATURES_OK)", false, NONE, { S(status, 0x07) }, WHY_STATUS },
	{ "status 0xb (no DRIVER_OK)", false, NONE, { S(status, 0x0b) }, WHY_STATUS },
	{ "FLUSH no longer offered", false, NONE, { S(device_features, FEATURES & ~(1ull << 9)) },
	  WHY_OFFER },
	{ "VERSION_1 no longer offered", false, NONE, { S(device_features, FEATURES & ~(1ull << 32)) },
	  WHY_OFFER },
	{ "nothing offered", true, NONE, { S(device_features, 0) }, WHY_OFFER },
	{ "queue not enabled", false, NONE, { S(queue_enable, 0) }, WHY_QUEUE },
	{ "queue of 64", false, NONE, { S(queue_size, 64) }, WHY_QUEUE },
	{ "queue of 256", true, NONE, { S(queue_size, 256) }, WHY_QUEUE },
	{ "desc_pa elsewhere", false, NONE, { S(desc_pa, RING_PA + 0x2000) }, WHY_ADDR },
	{ "avail_pa elsewhere", false, NONE, { S(avail_pa, RING_PA + 0x10) }, WHY_ADDR },
	{ "used_pa elsewhere", false, NONE, { S(used_pa, RING_PA + 0x2000) }, WHY_ADDR },
	{ "used_pa 0", true, NONE, { S(used_pa, 0) }, WHY_ADDR },
	{ "capacity grew", false, NONE, { S(capacity, 0x200001) }, WHY_CAPNOW },
	{ "capacity 0", true, NONE, { S(capacity, 0) }, WHY_CAPNOW },
};

static void test_check_accepts(void **state)
{
	(void)state;
	run_rows(check_ok, ARRAY_SIZE(check_ok));
}

static void test_check_refuses(void **state)
{
	(void)state;
	run_rows(check_refused, ARRAY_SIZE(check_refused));
}

static void test_match_refuses(void **state)
{
	(void)state;
	run_rows(match_refused, ARRAY_SIZE(match_refused));
}

/* ---- the chain in flight (virtio_blk_ser_chain) ---- */

#define REQ_PA 0x7f40000ull
#define WHY_CHAIN_SHAPE "the chain in flight is not header, data and status"
#define WHY_CHAIN_REQ   "the chain in flight does not use the request page"
#define WHY_CHAIN_DATA  "the chain in flight does not write the in-flight data"

/* busy_record()'s ring: `blk submit`'s write of 8 sectors as descriptors 9, 40, 77. */
static void busy_ring(struct vring_desc *desc)
{
	memset(desc, 0, 128 * sizeof(*desc));
	desc[9] = (struct vring_desc){ REQ_PA, 16, VRING_DESC_F_NEXT, 40 };
	desc[40] = (struct vring_desc){ 0x8000000, 4096, VRING_DESC_F_NEXT, 77 };
	desc[77] = (struct vring_desc){ REQ_PA + 64, 1, VRING_DESC_F_WRITE, 5 };
}

static void test_chain(void **state)
{
	static const struct {
		const char *name;
		uint16_t d;                     /* descriptor changed */
		enum { ADDR, LEN, FLAGS, NEXT, INFLIGHT_LEN } what;
		uint64_t v;
		const char *why;                /* NULL: accepted */
	} c[] = {
		{ "data the whole 64 KiB folio", 40, LEN, 0x10000, NULL },
		{ "data one sector", 40, LEN, 512, NULL },
		{ "header on another page", 9, ADDR, REQ_PA + 0x1000, WHY_CHAIN_REQ },
		{ "header at the status byte", 9, ADDR, REQ_PA + 64, WHY_CHAIN_REQ },
		{ "header of 17 bytes", 9, LEN, 17, WHY_CHAIN_REQ },
		{ "header the device writes", 9, FLAGS, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		  WHY_CHAIN_REQ },
		{ "status on another page", 77, ADDR, REQ_PA + 0x1000 + 64, WHY_CHAIN_REQ },
		{ "status at byte 65", 77, ADDR, REQ_PA + 65, WHY_CHAIN_REQ },
		{ "status of 2 bytes", 77, LEN, 2, WHY_CHAIN_REQ },
		{ "status the device reads", 77, FLAGS, 0, WHY_CHAIN_REQ },
		{ "data at the request page", 40, ADDR, REQ_PA, WHY_CHAIN_DATA },
		{ "data a page into its folio", 40, ADDR, 0x8001000, WHY_CHAIN_DATA },
		{ "data of 0 bytes", 40, LEN, 0, WHY_CHAIN_DATA },
		{ "data past its 64 KiB folio", 40, LEN, 0x10001, WHY_CHAIN_DATA },
		{ "data the device writes (a read)", 40, FLAGS, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		  WHY_CHAIN_DATA },
		{ "header links out of the ring", 9, NEXT, 128, WHY_CHAIN_SHAPE },
		{ "data links out of the ring", 40, NEXT, 0xffff, WHY_CHAIN_SHAPE },
		{ "a chain of 4", 9, INFLIGHT_LEN, 4, WHY_CHAIN_SHAPE },
		{ "a chain of 2", 9, INFLIGHT_LEN, 2, WHY_CHAIN_SHAPE },
	};
	static struct vring_desc desc[128];
	const char *why = "unset";
	(void)state;
	struct baton_virtio_blk_ser s;
	memcpy(&s, golden, sizeof(s));
	memset(desc, 0xa5, sizeof(desc));          /* idle: the ring is not read */
	assert_int_equal(virtio_blk_ser_chain(&s, desc, &why), 0);
	assert_null(why);
	s = busy_record();
	busy_ring(desc);
	why = "unset";
	assert_int_equal(virtio_blk_ser_chain(&s, desc, &why), 0);
	assert_null(why);
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		s = busy_record();
		busy_ring(desc);
		struct vring_desc *e = &desc[c[i].d];
		switch (c[i].what) {
		case ADDR: e->addr = c[i].v; break;
		case LEN: e->len = (uint32_t)c[i].v; break;
		case FLAGS: e->flags = (uint16_t)c[i].v; break;
		case NEXT: e->next = (uint16_t)c[i].v; break;
		case INFLIGHT_LEN: s.inflight_len = (uint16_t)c[i].v; break;
		}
		why = NULL;
		int r = virtio_blk_ser_chain(&s, desc, &why);
		if (c[i].why ? r != -EINVAL || !why || strcmp(why, c[i].why) : r || why)
			case_fail("chain case %zu (%s): %d, why %s; want %s", i, c[i].name, r,
				  why ? why : "NULL", c[i].why ? c[i].why : "0");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_ring_order),
		cmocka_unit_test(test_check_accepts),
		cmocka_unit_test(test_check_refuses),
		cmocka_unit_test(test_match_refuses),
		cmocka_unit_test(test_chain),
	};
	return cmocka_run_group_tests_name("virtio_blk_ser", tests, NULL, NULL);
}
