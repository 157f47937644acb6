/*
 * drivers/virtio/virtqueue.c on the host: the split ring's bookkeeping against a
 * simulated device that walks each available chain and completes it (in order or
 * not). Covered: size checks and the ring layout; vq_add's errors (no buffers, a
 * zero length, not enough free descriptors) leaving the queue as it was; chain
 * flags and the available ring; used entries taken back with their length and every
 * descriptor returned; out-of-order completion over more than 2^16 requests (index
 * wrap-around); a device naming a head that is not in flight (-EIO).
 */
#include <errno.h>
#include <stdlib.h>
#include <virtqueue.h>
#include "host_test.h"

#define MEM_PA 0x40000000ull

struct sim {
	struct virtqueue vq;
	void *mem;
	uint16_t last_avail;                  /* device side: chains taken so far */
	uint16_t pending[VQ_MAX_SIZE];        /* heads taken, not yet completed */
	unsigned npending;
};

static void sim_init(struct sim *s, uint16_t size)
{
	s->mem = aligned_alloc(4096, vq_bytes(size));
	assert_non_null(s->mem);
	memset(s->mem, 0, vq_bytes(size));
	assert_int_equal(vq_init(&s->vq, 0, size, s->mem, MEM_PA), 0);
	s->last_avail = 0;
	s->npending = 0;
}

/* The device takes every new available chain; returns how many. Checks each chain
 * ends and stays inside the table. */
static unsigned sim_take(struct sim *s)
{
	unsigned n = 0;
	while (s->last_avail != s->vq.avail->idx) {
		uint16_t head = s->vq.avail->ring[s->last_avail % s->vq.size], d = head;
		for (unsigned hops = 0; s->vq.desc[d].flags & VRING_DESC_F_NEXT; hops++) {
			assert_true(hops < s->vq.size);
			d = s->vq.desc[d].next;
			assert_true(d < s->vq.size);
		}
		s->pending[s->npending++] = head;
		s->last_avail++;
		n++;
	}
	return n;
}

/* The device completes pending chain i with length len. */
static void sim_complete(struct sim *s, unsigned i, uint32_t len)
{
	struct vring_used_elem *e = &s->vq.used->ring[s->vq.used->idx % s->vq.size];
	e->id = s->pending[i];
	e->len = len;
	s->vq.used->idx++;
	s->pending[i] = s->pending[--s->npending];
}

static void test_init(void **state)
{
	static const struct { uint16_t size; int ret; } cases[] = {
		{ 0, -EINVAL }, { 3, -EINVAL }, { 100, -EINVAL }, { 512, -EINVAL },
		{ 1, 0 }, { 2, 0 }, { 128, 0 }, { 256, 0 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct virtqueue vq;
		static uint8_t mem[3 * 4096] __attribute__((aligned(4096)));
		int r = vq_init(&vq, 1, cases[i].size, mem, MEM_PA);
		if (r != cases[i].ret)
			case_fail("size %u: %d, want %d", cases[i].size, r, cases[i].ret);
		if (r)
			continue;
		assert_int_equal(vq.num_free, cases[i].size);
		assert_int_equal(vq.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
		assert_int_equal(vq.avail_pa, MEM_PA + 16u * cases[i].size);
		assert_int_equal(vq.used_pa % 4096, 0);
		assert_true(vq.used_pa - MEM_PA >= 16u * cases[i].size + 6 + 2u * cases[i].size);
		assert_true(vq.used_pa - MEM_PA + 6 + 8u * cases[i].size <= vq_bytes(cases[i].size));
	}
	assert_int_equal(vq_bytes(128), 2 * 4096);
	assert_int_equal(vq_bytes(256), 3 * 4096);
}

static void test_add_errors(void **state)
{
	struct sim s;
	uint16_t head = 0xbeef;
	struct vq_buf b[5] = { { 0x1000, 16, false }, { 0x2000, 0, true }, { 0x3000, 1, true },
			       { 0x4000, 1, true }, { 0x5000, 1, true } };
	(void)state;
	sim_init(&s, 4);
	assert_int_equal(vq_add(&s.vq, b, 0, &head), -EINVAL);
	assert_int_equal(vq_add(&s.vq, b, 2, &head), -EINVAL);       /* zero length */
	b[1].len = 512;
	assert_int_equal(vq_add(&s.vq, b, 5, &head), -ENOSPC);
	assert_int_equal(head, 0xbeef);
	assert_int_equal(s.vq.num_free, 4);
	assert_int_equal(s.vq.avail->idx, 0);
	free(s.mem);
}

static void test_chain_and_used(void **state)
{
	struct sim s;
	uint16_t head, got;
	uint32_t len;
	const struct vq_buf b[3] = { { 0x1000, 16, false }, { 0x2000, 4096, true },
				     { 0x3000, 1, true } };
	(void)state;
	sim_init(&s, 8);
	assert_int_equal(vq_get_used(&s.vq, &got, &len), 0);
	assert_int_equal(vq_add(&s.vq, b, 3, &head), 0);
	assert_int_equal(s.vq.num_free, 5);
	assert_int_equal(s.vq.avail->idx, 1);
	assert_int_equal(s.vq.avail->ring[0], head);
	uint16_t d = head;
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(s.vq.desc[d].addr, b[i].addr);
		assert_int_equal(s.vq.desc[d].len, b[i].len);
		assert_int_equal(s.vq.desc[d].flags, (i < 2 ? VRING_DESC_F_NEXT : 0) |
						     (b[i].device_writes ? VRING_DESC_F_WRITE : 0));
		d = s.vq.desc[d].next;
	}
	assert_int_equal(sim_take(&s), 1);
	assert_int_equal(vq_get_used(&s.vq, &got, &len), 0);
	sim_complete(&s, 0, 4097);
	assert_int_equal(vq_get_used(&s.vq, &got, &len), 1);
	assert_int_equal(got, head);
	assert_int_equal(len, 4097);
	assert_int_equal(s.vq.num_free, 8);
	assert_int_equal(vq_get_used(&s.vq, &got, &len), 0);
	free(s.mem);
}

static void test_random_out_of_order(void **state)
{
	struct sim s;
	uint64_t seed = 0x5eed;
	unsigned added = 0, done = 0;
	(void)state;
	sim_init(&s, 16);
	while (done < 70000) {            /* past 2^16: both indexes wrap */
		unsigned n = 1 + (unsigned)(host_rand(&seed) % 5);
		struct vq_buf b[5];
		for (unsigned i = 0; i < n; i++)
			b[i] = (struct vq_buf){ 0x1000 * (i + 1), 512, i > 0 };
		uint16_t head, got;
		uint32_t len;
		int r = vq_add(&s.vq, b, n, &head);
		if (r == 0)
			added++;
		else
			assert_int_equal(r, -ENOSPC);
		sim_take(&s);
		while (s.npending && (r || host_rand(&seed) % 2)) {
			unsigned i = (unsigned)(host_rand(&seed) % s.npending);
			uint16_t want = s.pending[i];
			sim_complete(&s, i, want);
			assert_int_equal(vq_get_used(&s.vq, &got, &len), 1);
			assert_int_equal(got, want);
			assert_int_equal(len, want);
			done++;
			r = 0;
		}
	}
	while (s.npending) {
		uint16_t got;
		uint32_t len;
		sim_complete(&s, 0, 0);
		assert_int_equal(vq_get_used(&s.vq, &got, &len), 1);
		done++;
	}
	assert_int_equal(added, done);
	assert_int_equal(s.vq.num_free, 16);
	free(s.mem);
}

static void test_bad_device(void **state)
{
	struct sim s;
	uint16_t head, got;
	uint32_t len;
	const struct vq_buf b[2] = { { 0x1000, 16, false }, { 0x2000, 1, true } };
	(void)state;
	sim_init(&s, 8);
	assert_int_equal(vq_add(&s.vq, b, 2, &head), 0);
	s.vq.used->ring[0] = (struct vring_used_elem){ 8, 0 };          /* out of the table */
	s.vq.used->idx = 1;
	assert_int_equal(vq_get_used(&s.vq, &got, &len), -EIO);
	s.vq.used->ring[0].id = (uint16_t)(head + 1);                    /* not a head in flight */
	assert_int_equal(vq_get_used(&s.vq, &got, &len), -EIO);
	s.vq.used->ring[0].id = head;
	assert_int_equal(vq_get_used(&s.vq, &got, &len), 1);
	s.vq.used->ring[1].id = head;                                    /* completed twice */
	s.vq.used->idx = 2;
	assert_int_equal(vq_get_used(&s.vq, &got, &len), -EIO);
	assert_int_equal(s.vq.num_free, 8);
	free(s.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_chain_and_used),
		cmocka_unit_test(test_random_out_of_order),
		cmocka_unit_test(test_bad_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
