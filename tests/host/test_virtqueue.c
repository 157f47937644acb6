/*
 * drivers/virtio/virtqueue.c on the host: the split ring's bookkeeping against a
 * simulated device that walks each available chain and completes it (in order or
 * not). Covered: size checks and the ring layout; vq_add's errors (no buffers, a
 * zero length, not enough free descriptors) leaving the queue as it was; chain
 * flags and the available ring; used entries taken back with their length and every
 * descriptor returned; out-of-order completion over more than 2^16 requests (index
 * wrap-around); a device naming a head that is not in flight (-EIO).
 *
 * vq_save and vq_adopt (a queue handed to the next kernel without a reset): a queue
 * that has run requests out of order (its free list shuffled) saved and adopted over
 * the same memory gives back the same free list, indices and chain in flight, without
 * a byte of the ring written, and keeps working; a chain in flight across the handover
 * (its indices wrapping) completed by the device after adoption, or before it; two
 * chains in flight refused by vq_save (-EBUSY); and each reason vq_adopt refuses a
 * state (exact why), the ring memory untouched every time, among them a free_head
 * outside the ring with every descriptor in flight (num_free 0).
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

/* vq_get_used takes head back with len; num_free descriptors are free after it. */
static void expect_used(struct sim *s, uint16_t head, uint32_t len, uint16_t num_free)
{
	uint16_t got;
	uint32_t got_len;
	assert_int_equal(vq_get_used(&s->vq, &got, &got_len), 1);
	assert_int_equal(got, head);
	assert_int_equal(got_len, len);
	assert_int_equal(s->vq.num_free, num_free);
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
	expect_used(&s, head, 4097, 8);
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

/* ---- vq_save and vq_adopt ---- */

/* Run nreq requests of 1 to 3 descriptors, at most two with the device at a time,
 * completed in random order; none is left in flight. */
static void run_requests(struct sim *s, unsigned nreq, uint64_t *seed)
{
	for (unsigned i = 0; i < nreq; i++) {
		unsigned n = 1 + (unsigned)(host_rand(seed) % 3);
		struct vq_buf b[3];
		uint16_t head;
		for (unsigned j = 0; j < n; j++)
			b[j] = (struct vq_buf){ 0x1000 * (j + 1), 512, j > 0 };
		assert_int_equal(vq_add(&s->vq, b, n, &head), 0);
		sim_take(s);
		while (s->npending > (i + 1 < nreq ? 1u : 0u)) {
			unsigned k = (unsigned)(host_rand(seed) % s->npending);
			uint16_t want = s->pending[k];
			uint16_t after = (uint16_t)(s->vq.num_free + s->vq.busy[want]);
			sim_complete(s, k, want + 100u);
			expect_used(s, want, want + 100u, after);
		}
	}
	assert_int_equal(s->vq.num_free, s->vq.size);
}

/* Leave one 3-descriptor chain with the device; its head. */
static uint16_t leave_in_flight(struct sim *s)
{
	const struct vq_buf b[3] = { { 0x1000, 16, false }, { 0x2000, 4096, false },
				     { 0x3000, 1, true } };
	uint16_t head;
	assert_int_equal(vq_add(&s->vq, b, 3, &head), 0);
	assert_int_equal(sim_take(s), 1);
	return head;
}

/* The adopted queue is the saved one: layout, free list, indices, chains in flight. */
static void same_queue(const struct virtqueue *a, const struct virtqueue *b)
{
#define SAME(f) assert_int_equal((uintptr_t)a->f, (uintptr_t)b->f)
	SAME(index); SAME(size); SAME(desc); SAME(avail); SAME(used);
	SAME(desc_pa); SAME(avail_pa); SAME(used_pa);
	SAME(free_head); SAME(num_free); SAME(avail_idx); SAME(last_used);
#undef SAME
	assert_memory_equal(a->busy, b->busy, sizeof(a->busy));
}

/* vq_adopt over s's memory, checking it wrote none of it; its result and *why. */
static int adopt(struct sim *s, struct virtqueue *nv, uint16_t size, const struct vq_state *st,
		 const char **why)
{
	static uint8_t before[3 * 4096];
	size_t bytes = vq_bytes(s->vq.size);
	memcpy(before, s->mem, bytes);
	memset(nv, 0xa5, sizeof(*nv));
	*why = "unset";
	int r = vq_adopt(nv, s->vq.index, size, s->mem, MEM_PA, st, why);
	assert_memory_equal(s->mem, before, bytes);
	return r;
}

static void test_save_adopt_idle(void **state)
{
	struct sim s;
	struct vq_state st;
	struct virtqueue nv;
	const char *why;
	uint64_t seed = 0xad0;
	(void)state;
	sim_init(&s, 8);
	/* Nothing run yet: the state vq_init leaves. */
	assert_int_equal(vq_save(&s.vq, &st), 0);
	assert_int_equal(adopt(&s, &nv, 8, &st, &why), 0);
	assert_null(why);
	same_queue(&nv, &s.vq);
	run_requests(&s, 300, &seed);
	assert_int_equal(vq_save(&s.vq, &st), 0);
	assert_int_equal(st.avail_idx, 300);
	assert_int_equal(st.last_used, 300);
	assert_int_equal(st.free_head, s.vq.free_head);
	assert_int_equal(st.num_free, 8);
	assert_int_equal(st.inflight_head, VQ_NO_INFLIGHT);
	assert_int_equal(st.inflight_len, 0);
	assert_int_equal(adopt(&s, &nv, 8, &st, &why), 0);
	assert_null(why);
	same_queue(&nv, &s.vq);
	/* The next kernel drives the adopted queue on. */
	s.vq = nv;
	run_requests(&s, 300, &seed);
	assert_int_equal(s.vq.avail_idx, 600);
	free(s.mem);
}

static void test_save_adopt_in_flight(void **state)
{
	struct sim s;
	struct vq_state st;
	struct virtqueue nv;
	const char *why;
	uint16_t got;
	uint32_t len;
	uint64_t seed = 0xad1;
	(void)state;
	for (int done_before = 0; done_before < 2; done_before++) {
		sim_init(&s, 8);
		run_requests(&s, 0xffff, &seed);      /* the chain in flight wraps avail_idx */
		uint16_t head = leave_in_flight(&s);
		assert_int_equal(vq_save(&s.vq, &st), 0);
		assert_int_equal(st.avail_idx, 0);
		assert_int_equal(st.last_used, 0xffff);
		assert_int_equal(st.num_free, 5);
		assert_int_equal(st.inflight_head, head);
		assert_int_equal(st.inflight_len, 3);
		if (done_before)                      /* completed while the kernels changed */
			sim_complete(&s, 0, 4097);
		assert_int_equal(adopt(&s, &nv, 8, &st, &why), 0);
		assert_null(why);
		same_queue(&nv, &s.vq);
		assert_int_equal(nv.busy[head], 3);
		s.vq = nv;
		if (!done_before) {
			assert_int_equal(vq_get_used(&s.vq, &got, &len), 0);
			sim_complete(&s, 0, 4097);
		}
		expect_used(&s, head, 4097, 8);
		run_requests(&s, 100, &seed);
		free(s.mem);
	}
}

static void test_save_two_in_flight(void **state)
{
	struct sim s;
	struct vq_state st;
	(void)state;
	sim_init(&s, 8);
	leave_in_flight(&s);
	leave_in_flight(&s);
	assert_int_equal(vq_save(&s.vq, &st), -EBUSY);
	free(s.mem);
}

enum spoil {
	AVAIL_IDX, INDICES, INDICES_IDLE, USED_AHEAD, USED_AHEAD_IDLE, FEWER_FREE, NO_CHAIN_LEN,
	LONGER_CHAIN, FREE_LOOP, FREE_OUT, FREE_HEAD_OUT, FREE_INTO_CHAIN, CHAIN_INTO_FREE,
	CHAIN_EARLY, CHAIN_LATE, CHAIN_OUT, CHAIN_HEAD_OUT, AVAIL_SLOT, SIZE_3, SIZE_0, SIZE_512,
};

#define WHY_AVAIL   "the ring's available index is not the record's"
#define WHY_INDICES "the indices say another number of requests is in flight"
#define WHY_USED    "the device's used index runs ahead of what was in flight"
#define WHY_COUNTS  "free and in-flight descriptors do not add up to the queue size"
#define WHY_FREE    "the free list loops or leaves the ring"
#define WHY_CHAIN   "the chain in flight crosses the free list or ends early"
#define WHY_SLOT    "the available ring does not end with the chain in flight"
#define WHY_SIZE    "the queue size is not a power of two up to 256"

static const struct {
	const char *name;
	enum spoil what;
	bool idle;                       /* from a queue with nothing in flight */
	const char *why;
} adopt_refusals[] = {
	{ "avail idx is not the record's", AVAIL_IDX, false, WHY_AVAIL },
	{ "two in flight by the indices", INDICES, false, WHY_INDICES },
	{ "one by the indices, no chain named", INDICES_IDLE, false, WHY_INDICES },
	{ "used index two ahead", USED_AHEAD, false, WHY_USED },
	{ "used index ahead, nothing in flight", USED_AHEAD_IDLE, true, WHY_USED },
	{ "num_free one short", FEWER_FREE, false, WHY_COUNTS },
	{ "chain of 0, all free", NO_CHAIN_LEN, false, WHY_COUNTS },
	{ "chain one longer", LONGER_CHAIN, false, WHY_COUNTS },
	{ "free list loops", FREE_LOOP, false, WHY_FREE },
	{ "free list leaves the ring", FREE_OUT, false, WHY_FREE },
	{ "free_head out of the ring", FREE_HEAD_OUT, true, WHY_FREE },
	{ "free list runs into the chain", FREE_INTO_CHAIN, false, WHY_CHAIN },
	{ "chain runs into the free list", CHAIN_INTO_FREE, false, WHY_CHAIN },
	{ "chain ends early", CHAIN_EARLY, false, WHY_CHAIN },
	{ "chain ends late", CHAIN_LATE, false, WHY_CHAIN },
	{ "chain leaves the ring", CHAIN_OUT, false, WHY_CHAIN },
	{ "chain head out of the ring", CHAIN_HEAD_OUT, false, WHY_CHAIN },
	{ "avail ring slot is a free descriptor", AVAIL_SLOT, false, WHY_SLOT },
	{ "size 3", SIZE_3, false, WHY_SIZE },
	{ "size 0", SIZE_0, true, WHY_SIZE },
	{ "size 512", SIZE_512, false, WHY_SIZE },
};

static void test_adopt_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(adopt_refusals); i++) {
		struct sim s;
		struct vq_state st;
		struct virtqueue nv;
		const char *why;
		uint64_t seed = 0xad2 + i;
		sim_init(&s, 8);
		run_requests(&s, 50, &seed);
		uint16_t h = adopt_refusals[i].idle ? 0 : leave_in_flight(&s);
		assert_int_equal(vq_save(&s.vq, &st), 0);
		/* The free list f[0..num_free) and the chain c[0..3), as the ring has them. */
		uint16_t f[8], c[3] = { h, s.vq.desc[h].next, s.vq.desc[s.vq.desc[h].next].next };
		for (uint16_t k = 0, d = st.free_head; k < st.num_free; k++, d = s.vq.desc[d].next)
			f[k] = d;
		uint16_t size = 8;
		switch (adopt_refusals[i].what) {
		case AVAIL_IDX: st.avail_idx++; st.last_used++; break;
		case INDICES: st.last_used--; break;
		case INDICES_IDLE: st.inflight_head = VQ_NO_INFLIGHT; st.num_free = 8; break;
		case USED_AHEAD: s.vq.used->idx = (uint16_t)(st.last_used + 2); break;
		case USED_AHEAD_IDLE: s.vq.used->idx = (uint16_t)(st.last_used + 1); break;
		case FEWER_FREE: st.num_free--; break;
		case NO_CHAIN_LEN: st.inflight_len = 0; st.num_free = 8; break;
		case LONGER_CHAIN: st.inflight_len++; break;
		case FREE_LOOP: s.vq.desc[f[2]].next = f[0]; break;
		case FREE_OUT: s.vq.desc[f[1]].next = 8; break;
		case FREE_HEAD_OUT: st.free_head = 8; break;
		case FREE_INTO_CHAIN: s.vq.desc[f[1]].next = c[0]; break;
		case CHAIN_INTO_FREE: s.vq.desc[c[0]].next = f[0]; break;
		case CHAIN_EARLY: s.vq.desc[c[1]].flags &= (uint16_t)~VRING_DESC_F_NEXT; break;
		case CHAIN_LATE: s.vq.desc[c[2]].flags |= VRING_DESC_F_NEXT; break;
		case CHAIN_OUT: s.vq.desc[c[1]].next = 0xffff; break;
		case CHAIN_HEAD_OUT: st.inflight_head = 8; break;
		case AVAIL_SLOT: s.vq.avail->ring[(uint16_t)(st.avail_idx - 1) % 8] = f[0]; break;
		case SIZE_3: size = 3; break;
		case SIZE_0: size = 0; break;
		case SIZE_512: size = 512; break;
		}
		int r = adopt(&s, &nv, size, &st, &why);
		if (r != -EINVAL || !why || strcmp(why, adopt_refusals[i].why))
			case_fail("case %zu (%s): %d, why %s", i, adopt_refusals[i].name, r,
				  why ? why : "NULL");
		free(s.mem);
	}
}

/* Every descriptor in flight (num_free 0): the saved state is adopted, and the
 * chain comes back onto the free list; a free_head outside the ring is refused even
 * though no free descriptor is walked (vq_get_used would link the chain to it). */
static void test_adopt_nothing_free(void **state)
{
	struct vq_buf b[8];
	struct sim s;
	struct vq_state st;
	struct virtqueue nv;
	const char *why;
	uint16_t head;
	uint64_t seed = 0xad3;
	(void)state;
	sim_init(&s, 8);
	run_requests(&s, 20, &seed);
	for (unsigned j = 0; j < 8; j++)
		b[j] = (struct vq_buf){ 0x1000 * (j + 1), 512, j == 7 };
	assert_int_equal(vq_add(&s.vq, b, 8, &head), 0);
	assert_int_equal(sim_take(&s), 1);
	assert_int_equal(vq_save(&s.vq, &st), 0);
	assert_int_equal(st.num_free, 0);
	assert_int_equal(st.inflight_len, 8);
	assert_true(st.free_head < 8);
	assert_int_equal(adopt(&s, &nv, 8, &st, &why), 0);
	assert_null(why);
	same_queue(&nv, &s.vq);
	static const uint16_t bad_heads[] = { 8, 9, 0x8000, 0xffff };
	for (size_t i = 0; i < ARRAY_SIZE(bad_heads); i++) {
		struct vq_state bad = st;
		bad.free_head = bad_heads[i];
		int r = adopt(&s, &nv, 8, &bad, &why);
		if (r != -EINVAL || !why || strcmp(why, "the free list loops or leaves the ring"))
			case_fail("free_head %u with nothing free: %d, why %s", bad_heads[i], r,
				  why ? why : "NULL");
	}
	assert_int_equal(adopt(&s, &nv, 8, &st, &why), 0);
	s.vq = nv;
	sim_complete(&s, 0, 1);
	expect_used(&s, head, 1, 8);
	run_requests(&s, 20, &seed);
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
		cmocka_unit_test(test_save_adopt_idle),
		cmocka_unit_test(test_save_adopt_in_flight),
		cmocka_unit_test(test_save_two_in_flight),
		cmocka_unit_test(test_adopt_refusals),
		cmocka_unit_test(test_adopt_nothing_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
