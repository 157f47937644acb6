/*
 * drivers/pci/pci_ser.c against Linux's "pci-v2" bytes. Every expected byte array is
 * typed from Linux's definition (a u32 max_nr_devices, a u32 nr_devices, then
 * max_nr_devices packed entries {u32 domain; u16 bdf; u16 refcount}, little endian;
 * an entry is in use iff its refcount is non-zero, unused entries are all zero and
 * may sit anywhere; a new entry goes to the first free slot from index nr_devices on,
 * wrapping), never produced by Baton's code.
 *
 * Covered: sizes and offsets; an array as Linux's writer leaves it (sparse, a bridge
 * kept for two functions below it) accepted from an unaligned buffer, its sorted copy
 * exact and every entry found; each reason pci_ser_check refuses (exact errno and
 * why), 256 entries in use accepted and 257 refused; pci_ser_get's placement (from
 * nr_devices, wrapping, reusing holes) with the array compared byte for byte,
 * -ENOSPC, -EOVERFLOW; pci_ser_put zeroing the entry, -EINVAL for a free one; and
 * seeded random get/put runs checked slot by slot against a model.
 */
#include <errno.h>
#include <stdlib.h>
#include "../../drivers/pci/pci_ser.h"
#include "host_test.h"

/* ---- bytes ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One entry as Linux writes it: at 8 + 8 * index, domain at +0, bdf +4, refcount +6. */
struct ent {
	uint32_t index, domain;
	uint16_t bdf, refcount;
};

/* A pci-v2 block of max entries, written field by field; returns its bytes. */
static size_t linux_pci_ser(uint8_t *out, uint32_t max, uint32_t nr, const struct ent *e, size_t n)
{
	size_t bytes = 8 + 8 * (size_t)max;
	memset(out, 0, bytes);
	put32(out, max);
	put32(out + 4, nr);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = out + 8 + 8 * (size_t)e[i].index;
		put32(p, e[i].domain);
		put16(p + 4, e[i].bdf);
		put16(p + 6, e[i].refcount);
	}
	return bytes;
}

#define BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))

/* ---- layout ---- */

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct pci_dev_ser), 8);
	assert_int_equal(offsetof(struct pci_dev_ser, domain), 0);
	assert_int_equal(offsetof(struct pci_dev_ser, bdf), 4);
	assert_int_equal(offsetof(struct pci_dev_ser, refcount), 6);
	assert_int_equal(sizeof(struct pci_ser), 8);
	assert_int_equal(offsetof(struct pci_ser, max_nr_devices), 0);
	assert_int_equal(offsetof(struct pci_ser, nr_devices), 4);
	assert_int_equal(offsetof(struct pci_ser, devices), 8);
	assert_int_equal(pci_ser_bytes(0), 8);
	assert_int_equal(pci_ser_bytes(8), 72);
	assert_int_equal(pci_ser_bytes(UINT32_MAX), 8 + 8 * (uint64_t)UINT32_MAX);
	assert_string_equal(PCI_LUO_FLB_COMPATIBLE, "pci-v2");
	assert_int_equal(BDF(0, 0x1c, 0), 0x00e0);
	assert_int_equal(BDF(1, 0, 1), 0x0101);
	assert_int_equal(BDF(0xff, 31, 7), 0xffff);
}

/* ---- an array as Linux leaves it ---- */

/* Eight functions were present at the first preserve. Kept now: 0000:01:00.0 and
 * 0000:01:00.1 with their root port 0000:00:1c.0 (refcount 2: one per function
 * below it), and 0001:00:03.0 on its root bus. Slots 0, 3, 6 and 7 are free: 0 and 3
 * held functions since unpreserved. */
static const uint8_t linux_sparse[72] = {
	0x08, 0x00, 0x00, 0x00,  0x04, 0x00, 0x00, 0x00,         /* max 8, nr 4 */
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00,  0x00, 0x00,        /* [0] free */
	0x00, 0x00, 0x00, 0x00,  0x00, 0x01,  0x01, 0x00,        /* [1] 0000:01:00.0 x1 */
	0x00, 0x00, 0x00, 0x00,  0xe0, 0x00,  0x02, 0x00,        /* [2] 0000:00:1c.0 x2 */
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00,  0x00, 0x00,        /* [3] free */
	0x01, 0x00, 0x00, 0x00,  0x18, 0x00,  0x01, 0x00,        /* [4] 0001:00:03.0 x1 */
	0x00, 0x00, 0x00, 0x00,  0x01, 0x01,  0x01, 0x00,        /* [5] 0000:01:00.1 x1 */
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00,  0x00, 0x00,        /* [6] free */
	0x00, 0x00, 0x00, 0x00,  0x00, 0x00,  0x00, 0x00,        /* [7] free */
};

/* Its entries in use, sorted by (domain, bdf), as 8-byte entries. */
static const uint8_t linux_sparse_sorted[4][8] = {
	{ 0x00, 0x00, 0x00, 0x00,  0xe0, 0x00,  0x02, 0x00 },
	{ 0x00, 0x00, 0x00, 0x00,  0x00, 0x01,  0x01, 0x00 },
	{ 0x00, 0x00, 0x00, 0x00,  0x01, 0x01,  0x01, 0x00 },
	{ 0x01, 0x00, 0x00, 0x00,  0x18, 0x00,  0x01, 0x00 },
};

static struct pci_ser_in in;        /* 2 KiB: kept off the stack */

static void test_linux_sparse(void **state)
{
	static uint8_t buf[1 + sizeof(linux_sparse) + 8] __attribute__((aligned(8)));
	const char *why = "unset";
	(void)state;
	/* At an odd address, with one more entry's worth of bytes past max_nr_devices
	 * (a block is allowed to be longer than the array; what lies after is not read
	 * as entries). */
	memcpy(buf + 1, linux_sparse, sizeof(linux_sparse));
	memset(buf + 1 + sizeof(linux_sparse), 0x5a, 8);
	assert_int_equal(pci_ser_check(buf + 1, sizeof(buf) - 1, &in, &why), 0);
	assert_int_equal(in.n, 4);
	assert_memory_equal(in.dev, linux_sparse_sorted, sizeof(linux_sparse_sorted));
	/* Exactly as long as the array. */
	assert_int_equal(pci_ser_check(linux_sparse, sizeof(linux_sparse), &in, &why), 0);
	assert_memory_equal(in.dev, linux_sparse_sorted, sizeof(linux_sparse_sorted));

	static const struct { uint32_t domain; uint16_t bdf; int found; uint16_t refcount; } finds[] = {
		{ 0, BDF(0, 0x1c, 0), 1, 2 }, { 0, BDF(1, 0, 0), 1, 1 }, { 0, BDF(1, 0, 1), 1, 1 },
		{ 1, BDF(0, 3, 0), 1, 1 }, { 0, BDF(0, 3, 0), 0, 0 }, { 1, BDF(1, 0, 0), 0, 0 },
		{ 0, 0, 0, 0 }, { 2, BDF(0, 3, 0), 0, 0 }, { 0, 0xffff, 0, 0 },
		{ 0x10000, BDF(1, 0, 0), 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(finds); i++) {
		struct pci_dev_ser *e = pci_ser_in_find(&in, finds[i].domain, finds[i].bdf);
		if (!!e != finds[i].found)
			case_fail("find %zu: %p", i, (void *)e);
		if (e && (e->domain != finds[i].domain || e->bdf != finds[i].bdf ||
			  e->refcount != finds[i].refcount))
			case_fail("find %zu: %x:%04x x%u", i, e->domain, e->bdf, e->refcount);
	}
}

/* ---- refusals ---- */

#define MAXE 300

struct refusal {
	const char *name;
	uint32_t max, nr;
	struct ent e[4];
	size_t ne;
	int64_t bytes;                  /* -1: as long as max entries need */
	const char *why;                /* NULL: accepted */
};

static const struct refusal refusals[] = {
	{ "empty block", 0, 0, { { 0 } }, 0, 0, "shorter than its header" },
	{ "7 bytes", 0, 0, { { 0 } }, 0, 7, "shorter than its header" },
	{ "header only, no entries", 0, 0, { { 0 } }, 0, 8, NULL },
	{ "2 entries in 15 bytes", 2, 0, { { 0 } }, 0, 8 + 15, "max_nr_devices runs past its block" },
	{ "max 2^32-1 in one entry", UINT32_MAX, 0, { { 0 } }, 0, 16,
	  "max_nr_devices runs past its block" },
	{ "nr 3 of max 2", 2, 3, { { 0, 0, 8, 1 }, { 1, 0, 16, 1 } }, 2, -1,
	  "nr_devices exceeds max_nr_devices" },
	{ "two in use, nr 1", 4, 1, { { 0, 0, 8, 1 }, { 3, 0, 16, 1 } }, 2, -1,
	  "more entries in use than nr_devices" },
	{ "one in use, nr 0", 4, 0, { { 2, 0, 8, 1 } }, 1, -1,
	  "more entries in use than nr_devices" },
	{ "one in use, nr 2", 4, 2, { { 1, 0, 8, 1 } }, 1, -1,
	  "fewer entries in use than nr_devices" },
	{ "none in use, nr 1", 4, 1, { { 0 } }, 0, -1, "fewer entries in use than nr_devices" },
	{ "a function twice", 3, 2, { { 0, 0, 0x100, 1 }, { 2, 0, 0x100, 2 } }, 2, -1,
	  "a function appears twice" },
	{ "a function twice among others", 4, 4,
	  { { 0, 1, 0x18, 1 }, { 1, 0, 0x100, 1 }, { 2, 0, 0xe0, 2 }, { 3, 1, 0x18, 1 } }, 4, -1,
	  "a function appears twice" },
	{ "same bdf, other domains", 3, 2, { { 0, 0, 0x100, 1 }, { 2, 1, 0x100, 1 } }, 2, -1, NULL },
	{ "all slots in use", 2, 2, { { 0, 0, 0x100, 0xffff }, { 1, 0, 0xe0, 1 } }, 2, -1, NULL },
};

static void check_refusal(size_t i, const struct refusal *c, const uint8_t *buf, uint64_t bytes)
{
	const char *why = NULL;
	int r = pci_ser_check(buf, bytes, &in, &why);
	if (c->why ? r != -EINVAL || !why || strcmp(why, c->why) : r != 0)
		case_fail("case %zu (%s): %d, why %s; want %s", i, c->name, r, why ? why : "NULL",
			  c->why ? c->why : "0");
	if (!c->why && in.n != c->nr)
		case_fail("case %zu (%s): %u entries, want %u", i, c->name, in.n, c->nr);
}

static void test_refusals(void **state)
{
	static uint8_t buf[8 + 8 * MAXE];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		const struct refusal *c = &refusals[i];
		uint32_t room = c->max <= MAXE ? c->max : 0;
		size_t bytes = linux_pci_ser(buf, room, c->nr, c->e, c->ne);
		put32(buf, c->max);
		check_refusal(i, c, buf, c->bytes < 0 ? bytes : (uint64_t)c->bytes);
	}
}

/* 256 entries in use are kept; a 257th is refused even when nr_devices says 257. */
static void test_in_max(void **state)
{
	static uint8_t buf[8 + 8 * MAXE];
	static struct ent e[PCI_SER_IN_MAX + 1];
	const char *why = NULL;
	(void)state;
	/* Written backwards (bdf 255 at [0]), so the sorted copy reorders every entry. */
	for (uint32_t i = 0; i < PCI_SER_IN_MAX; i++)
		e[i] = (struct ent){ i, 0, (uint16_t)(PCI_SER_IN_MAX - 1 - i), 1 };
	size_t bytes = linux_pci_ser(buf, PCI_SER_IN_MAX, PCI_SER_IN_MAX, e, PCI_SER_IN_MAX);
	assert_int_equal(pci_ser_check(buf, bytes, &in, &why), 0);
	assert_int_equal(in.n, PCI_SER_IN_MAX);
	for (uint32_t i = 0; i < PCI_SER_IN_MAX; i++)
		if (in.dev[i].bdf != i || in.dev[i].domain || in.dev[i].refcount != 1)
			case_fail("entry %u: %x:%04x x%u", i, in.dev[i].domain, in.dev[i].bdf,
				  in.dev[i].refcount);
	e[PCI_SER_IN_MAX] = (struct ent){ PCI_SER_IN_MAX, 1, 0, 1 };
	bytes = linux_pci_ser(buf, PCI_SER_IN_MAX + 1, PCI_SER_IN_MAX + 1, e, PCI_SER_IN_MAX + 1);
	why = NULL;
	assert_int_equal(pci_ser_check(buf, bytes, &in, &why), -EINVAL);
	assert_string_equal(why, "more entries in use than Baton keeps");
}

/* ---- outgoing: pci_ser_get and pci_ser_put ---- */

static struct pci_ser *new_ser(uint32_t max)
{
	struct pci_ser *s = calloc(1, pci_ser_bytes(max));
	assert_non_null(s);
	s->max_nr_devices = max;
	return s;
}

enum { GET, PUT };
struct step {
	int op;
	uint32_t domain;
	uint16_t bdf;
	uint32_t index;                 /* PUT: the entry; GET: where it must land */
	int ret;
	uint16_t refcount;              /* the entry's after the step */
	uint32_t nr;                    /* nr_devices after it */
};

/* Run steps over s; after each, the entry's refcount and nr_devices. */
static void run_steps(struct pci_ser *s, const struct step *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pci_dev_ser *e = NULL, *at = &s->devices[st[i].index];
		int r = st[i].op == GET ? pci_ser_get(s, st[i].domain, st[i].bdf, &e)
					: pci_ser_put(s, at);
		if (r != st[i].ret)
			case_fail("step %zu: %d, want %d", i, r, st[i].ret);
		if (st[i].op == GET && !r && e != at)
			case_fail("step %zu: got slot %td, want %u", i, e - s->devices, st[i].index);
		if (at->refcount != st[i].refcount || s->nr_devices != st[i].nr)
			case_fail("step %zu: refcount %u nr %u, want %u and %u", i, at->refcount,
				  s->nr_devices, st[i].refcount, st[i].nr);
	}
}

/* Four slots from empty: a freed slot below nr_devices is passed over until the
 * search wraps to it; a function already kept gains a reference even when the array
 * is full. */
static void test_get_put_placement(void **state)
{
	static const struct step steps[] = {
		{ GET, 0, 0x0008, 0, 0, 1, 1 },
		{ GET, 0, 0x0010, 1, 0, 1, 2 },
		{ GET, 0, 0x0018, 2, 0, 1, 3 },
		{ PUT, 0, 0, 0, 0, 0, 2 },               /* [0] free, below nr_devices */
		{ GET, 0, 0x0020, 3, 0, 1, 3 },          /* from [2]: [3] */
		{ GET, 1, 0x0008, 0, 0, 1, 4 },          /* from [3]: wraps to the hole at [0] */
		{ GET, 0, 0x0028, 0, -ENOSPC, 1, 4 },
		{ GET, 0, 0x0010, 1, 0, 2, 4 },          /* full, but kept already */
		{ PUT, 0, 0, 2, 0, 0, 3 },
		{ PUT, 0, 0, 1, 0, 1, 3 },               /* 2 -> 1: stays */
		{ PUT, 0, 0, 2, -EINVAL, 0, 3 },         /* free already */
		{ GET, 0, 0x0028, 2, 0, 1, 4 },          /* from [3]: [3], [0], [1] taken, [2] */
	};
	static const uint8_t want[8 + 4 * 8] = {
		0x04, 0x00, 0x00, 0x00,  0x04, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00,  0x08, 0x00,  0x01, 0x00,
		0x00, 0x00, 0x00, 0x00,  0x10, 0x00,  0x01, 0x00,
		0x00, 0x00, 0x00, 0x00,  0x28, 0x00,  0x01, 0x00,
		0x00, 0x00, 0x00, 0x00,  0x20, 0x00,  0x01, 0x00,
	};
	(void)state;
	struct pci_ser *s = new_ser(4);
	run_steps(s, steps, ARRAY_SIZE(steps));
	assert_memory_equal(s, want, sizeof(want));
	free(s);
}

/* Linux's sparse array taken as the outgoing one: new entries from [nr_devices]. */
static void test_get_on_linux_sparse(void **state)
{
	static const struct step steps[] = {
		{ GET, 0, 0x00e0, 2, 0, 3, 4 },          /* the bridge, for a third function */
		{ GET, 0, 0x0200, 6, 0, 1, 5 },          /* from [4]: [4], [5] taken */
		{ GET, 0, 0x0201, 7, 0, 1, 6 },          /* from [5] */
		{ GET, 2, 0x0000, 0, 0, 1, 7 },          /* from [6]: wraps */
		{ GET, 2, 0x0008, 3, 0, 1, 8 },          /* from [7]: [7], [0], [1], [2] taken */
		{ GET, 2, 0x0010, 0, -ENOSPC, 1, 8 },
		{ PUT, 0, 0, 4, 0, 0, 7 },
		{ PUT, 0, 0, 4, -EINVAL, 0, 7 },
		{ GET, 2, 0x0010, 4, 0, 1, 8 },          /* from [7]: [7]..[3] taken, [4] */
	};
	(void)state;
	struct pci_ser *s = malloc(sizeof(linux_sparse));
	assert_non_null(s);
	memcpy(s, linux_sparse, sizeof(linux_sparse));
	run_steps(s, steps, ARRAY_SIZE(steps));
	free(s);
}

static void test_refcount_limits(void **state)
{
	static const uint8_t before[8 + 2 * 8] = {
		0x02, 0x00, 0x00, 0x00,  0x02, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,  0xe0, 0x00,  0xfe, 0xff,
		0x03, 0x00, 0x00, 0x00,  0x08, 0x00,  0x01, 0x00,
	};
	static const uint8_t one_put[8 + 2 * 8] = {
		0x02, 0x00, 0x00, 0x00,  0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,  0xe0, 0x00,  0xff, 0xff,
		0x00, 0x00, 0x00, 0x00,  0x00, 0x00,  0x00, 0x00,
	};
	struct pci_dev_ser *e = NULL;
	(void)state;
	struct pci_ser *s = malloc(sizeof(before));
	assert_non_null(s);
	memcpy(s, before, sizeof(before));
	assert_int_equal(pci_ser_get(s, 0, 0xe0, &e), 0);                /* 0xfffe -> 0xffff */
	assert_ptr_equal(e, &s->devices[0]);
	assert_int_equal(pci_ser_get(s, 0, 0xe0, &e), -EOVERFLOW);
	assert_int_equal(pci_ser_put(s, &s->devices[1]), 0);              /* the last reference */
	assert_memory_equal(s, one_put, sizeof(one_put));                  /* zeroed, nr 1 */
	assert_int_equal(pci_ser_put(s, &s->devices[1]), -EINVAL);
	assert_memory_equal(s, one_put, sizeof(one_put));
	assert_int_equal(pci_ser_get(s, 0, 0xe0, &e), -EOVERFLOW);
	assert_memory_equal(s, one_put, sizeof(one_put));
	free(s);

	/* No room at all: max_nr_devices 0. */
	s = new_ser(0);
	assert_int_equal(pci_ser_get(s, 0, 0x08, &e), -ENOSPC);
	assert_int_equal(s->nr_devices, 0);
	free(s);
}

/* ---- random runs against a model ---- */

#define RMAX  8
#define RKEYS 12

/* The model: which key holds each slot, and its references; nr the slots in use. */
struct model {
	int key[RMAX];                  /* -1: free */
	uint16_t refs[RMAX];
	uint32_t nr;
};

static uint32_t rkey_domain(int k)
{
	return (uint32_t)k / 4;
}
static uint16_t rkey_bdf(int k)
{
	return BDF(k % 4, k % 3, k % 2);
}

/* The bytes the model says the array holds. */
static void model_bytes(const struct model *m, uint8_t *out)
{
	struct ent e[RMAX];
	size_t n = 0;
	for (uint32_t i = 0; i < RMAX; i++)
		if (m->key[i] >= 0)
			e[n++] = (struct ent){ i, rkey_domain(m->key[i]), rkey_bdf(m->key[i]),
					       m->refs[i] };
	linux_pci_ser(out, RMAX, m->nr, e, n);
}

/* The model's get: 0 and the slot, or the errno. */
static int model_get(struct model *m, int k, uint32_t *slot)
{
	for (uint32_t i = 0; i < RMAX; i++)
		if (m->key[i] == k) {
			if (m->refs[i] == UINT16_MAX)
				return -EOVERFLOW;
			m->refs[i]++;
			*slot = i;
			return 0;
		}
	for (uint32_t i = 0; i < RMAX; i++) {
		uint32_t at = (m->nr + i) % RMAX;
		if (m->key[at] < 0) {
			m->key[at] = k;
			m->refs[at] = 1;
			m->nr++;
			*slot = at;
			return 0;
		}
	}
	return -ENOSPC;
}

static void test_random_model(void **state)
{
	static uint8_t want[8 + 8 * RMAX];
	uint64_t seed = 0x9c1;
	(void)state;
	for (unsigned run = 0; run < 50; run++) {
		struct pci_ser *s = new_ser(RMAX);
		struct model m = { .nr = 0 };
		uint64_t gets = 0, puts = 0;
		for (uint32_t i = 0; i < RMAX; i++)
			m.key[i] = -1;
		for (unsigned step = 0; step < 400; step++) {
			uint64_t r = host_rand(&seed);
			uint32_t slot = (uint32_t)(r >> 8) % RMAX, mslot = 0;
			int got, want_r;
			if (r % 5 < 3) {
				int k = (int)((r >> 16) % RKEYS);
				struct pci_dev_ser *e = NULL;
				want_r = model_get(&m, k, &mslot);
				got = pci_ser_get(s, rkey_domain(k), rkey_bdf(k), &e);
				if (!got && e != &s->devices[mslot])
					case_fail("run %u step %u: get key %d in slot %td, want %u", run,
						  step, k, e - s->devices, mslot);
				gets += !got;
			} else {
				/* A put of any slot: free ones must be refused. */
				want_r = m.key[slot] < 0 ? -EINVAL : 0;
				if (!want_r && !--m.refs[slot]) {
					m.key[slot] = -1;
					m.nr--;
				}
				got = pci_ser_put(s, &s->devices[slot]);
				puts += !got;
			}
			if (got != want_r)
				case_fail("run %u step %u: %d, want %d", run, step, got, want_r);
			model_bytes(&m, want);
			if (memcmp(s, want, sizeof(want)))
				case_fail("run %u step %u: array differs from the model", run, step);
		}
		/* References conserved: every get still held is in some refcount. */
		uint64_t held = 0;
		for (uint32_t i = 0; i < RMAX; i++)
			held += s->devices[i].refcount;
		assert_int_equal(held, gets - puts);
		/* And what this kernel hands on is what the next one accepts. */
		const char *why = NULL;
		assert_int_equal(pci_ser_check(s, pci_ser_bytes(RMAX), &in, &why), 0);
		assert_int_equal(in.n, s->nr_devices);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_linux_sparse),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_in_max),
		cmocka_unit_test(test_get_put_placement),
		cmocka_unit_test(test_get_on_linux_sparse),
		cmocka_unit_test(test_refcount_limits),
		cmocka_unit_test(test_random_model),
	};
	return cmocka_run_group_tests_name("pci_ser", tests, NULL, NULL);
}
