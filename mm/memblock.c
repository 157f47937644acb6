/*
 * memblock (model in include/memblock.h). Each table is an array sorted by base,
 * with no two entries overlapping or touching (touching ones are merged), so lookups
 * are simple scans and the free ranges are the gaps. Insertion is O(n) per call;
 * tables stay small in practice (tens of entries, thousands after a big handover).
 */
#include <errno.h>
#include <memblock.h>
#include <string.h>

#define INIT_REGIONS 128

static struct memblock_region init_memory[INIT_REGIONS], init_reserved[INIT_REGIONS],
	init_scratch[INIT_REGIONS];

struct memblock memblock;

void memblock_init(struct memblock *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->memory = (struct memblock_type){ 0, INIT_REGIONS, init_memory, "memory" };
	mb->reserved = (struct memblock_type){ 0, INIT_REGIONS, init_reserved, "reserved" };
	mb->scratch = (struct memblock_type){ 0, INIT_REGIONS, init_scratch, "scratch" };
	mb->limit = UINT64_MAX;
}

static void remove_at(struct memblock_type *t, unsigned i)
{
	memmove(&t->regions[i], &t->regions[i + 1], (t->cnt - i - 1) * sizeof(t->regions[0]));
	t->cnt--;
}

/* Index of the first region that ends after pa (cnt if none): the table is sorted
 * and disjoint, so ends ascend too. A handover with thousands of preserved runs
 * makes these lookups hot. */
static unsigned first_ending_after(const struct memblock_type *t, paddr_t pa)
{
	unsigned lo = 0, hi = t->cnt;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (t->regions[mid].base + t->regions[mid].size > pa)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static paddr_t find_free(const struct memblock *mb, uint64_t size, uint64_t align);

/* Make room for one more entry: double the table, taking the space from memblock. */
static int grow(struct memblock *mb, struct memblock_type *t)
{
	uint64_t bytes = (uint64_t)t->max * 2 * sizeof(t->regions[0]);
	paddr_t pa = find_free(mb, bytes, 4096);
	if (!pa)
		return -ENOMEM;
	struct memblock_region *n = memblock_virt(pa);
	memcpy(n, t->regions, t->cnt * sizeof(n[0]));
	t->regions = n;
	t->max *= 2;
	/* Its own reservation: the reserved table has a spare entry (or just grew). It
	 * stays reserved for the boot (the older, smaller tables too), and is counted. */
	mb->grown_bytes += bytes;
	return memblock_reserve(mb, pa, bytes);
}

/*
 * Add [base, base+size) to t, merging with everything it overlaps or touches. The
 * table always keeps one spare entry: the range goes in first, then a full table
 * grows (grow() reserves its new home through here, using that spare), so the new
 * table can never be placed over the range just added.
 */
static int insert(struct memblock *mb, struct memblock_type *t, paddr_t base, uint64_t size)
{
	if (size == 0)
		return 0;
	if (base + size < base)
		return -EINVAL;
	if (t->cnt == t->max)
		return -ENOMEM;                  /* an earlier grow() failed */
	paddr_t end = base + size;
	unsigned i = base ? first_ending_after(t, base - 1) : 0;   /* touching ones merge */
	/* regions[i..] may overlap or touch; absorb them. */
	while (i < t->cnt && t->regions[i].base <= end) {
		struct memblock_region *r = &t->regions[i];
		paddr_t rend = r->base + r->size;
		base = MIN(base, r->base);
		end = MAX(end, rend);
		remove_at(t, i);
	}
	memmove(&t->regions[i + 1], &t->regions[i], (t->cnt - i) * sizeof(t->regions[0]));
	t->regions[i] = (struct memblock_region){ base, end - base };
	t->cnt++;
	return t->cnt == t->max ? grow(mb, t) : 0;
}

int memblock_add(struct memblock *mb, paddr_t base, uint64_t size)
{
	return insert(mb, &mb->memory, base, size);
}

int memblock_reserve(struct memblock *mb, paddr_t base, uint64_t size)
{
	return insert(mb, &mb->reserved, base, size);
}

int memblock_add_scratch(struct memblock *mb, paddr_t base, uint64_t size)
{
	return insert(mb, &mb->scratch, base, size);
}

int memblock_unreserve(struct memblock *mb, paddr_t base, uint64_t size)
{
	struct memblock_type *t = &mb->reserved;
	paddr_t end = base + size;
	if (end < base)
		return -EINVAL;
	for (unsigned i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		paddr_t rend = r->base + r->size;
		if (rend <= base || r->base >= end)
			continue;
		if (r->base < base && rend > end) {          /* a hole in the middle */
			r->size = base - r->base;
			return insert(mb, t, end, rend - end);
		}
		if (r->base < base) {
			r->size = base - r->base;
		} else if (rend > end) {
			r->size = rend - end;
			r->base = end;
		} else {
			remove_at(t, i--);
		}
	}
	return 0;
}

static bool covered(const struct memblock_type *t, paddr_t base, uint64_t size)
{
	unsigned i = first_ending_after(t, base);
	return i < t->cnt && base >= t->regions[i].base &&
	       base + size <= t->regions[i].base + t->regions[i].size;
}

static bool overlaps(const struct memblock_type *t, paddr_t base, uint64_t size)
{
	unsigned i = first_ending_after(t, base);
	return size && i < t->cnt && t->regions[i].base < base + size;
}

bool memblock_is_reserved(const struct memblock *mb, paddr_t base, uint64_t size)
{
	return overlaps(&mb->reserved, base, size);
}

bool memblock_overlaps_memory(const struct memblock *mb, paddr_t base, uint64_t size)
{
	return overlaps(&mb->memory, base, size);
}

bool memblock_is_memory(const struct memblock *mb, paddr_t base, uint64_t size)
{
	return covered(&mb->memory, base, size);
}

uint64_t memblock_total(const struct memblock_type *t)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < t->cnt; i++)
		n += t->regions[i].size;
	return n;
}

/* Lowest aligned spot of size bytes in [lo, hi) that no reserved range touches. */
static paddr_t find_in(const struct memblock *mb, paddr_t lo, paddr_t hi, uint64_t size,
		       uint64_t align)
{
	hi = MIN(hi, mb->limit);
	for (;;) {
		paddr_t cand = ALIGN_UP(MAX(lo, (paddr_t)align), align);
		if (cand < lo || cand >= hi || hi - cand < size)
			return 0;
		const struct memblock_region *clash = NULL;
		for (unsigned j = 0; j < mb->reserved.cnt && !clash; j++) {
			const struct memblock_region *r = &mb->reserved.regions[j];
			if (r->base < cand + size && cand < r->base + r->size)
				clash = r;               /* sorted: the first one is lowest */
		}
		if (!clash)
			return cand;
		lo = clash->base + clash->size;
	}
}

/*
 * Bottom-up over RAM (or RAM within scratch, when scratch_only): early allocations
 * gather just above the kernel, which leaves the high gigabytes whole for 1 GiB
 * huge pages.
 */
static paddr_t find_free(const struct memblock *mb, uint64_t size, uint64_t align)
{
	if (size == 0 || (align & (align - 1)))
		return 0;
	for (unsigned i = 0; i < mb->memory.cnt; i++) {
		const struct memblock_region *m = &mb->memory.regions[i];
		paddr_t mend = m->base + m->size, pa = 0;
		if (!mb->scratch_only) {
			pa = find_in(mb, m->base, mend, size, align);
		} else {
			for (unsigned j = 0; j < mb->scratch.cnt && !pa; j++) {
				const struct memblock_region *s = &mb->scratch.regions[j];
				paddr_t lo = MAX(m->base, s->base), hi = MIN(mend, s->base + s->size);
				if (lo < hi)
					pa = find_in(mb, lo, hi, size, align);
			}
		}
		if (pa)
			return pa;
	}
	return 0;
}

paddr_t memblock_alloc(struct memblock *mb, uint64_t size, uint64_t align)
{
	paddr_t pa = find_free(mb, size, align);
	if (pa && memblock_reserve(mb, pa, size))
		return 0;
	return pa;
}

void memblock_for_each_free(const struct memblock *mb,
			    void (*fn)(paddr_t base, uint64_t size, void *arg), void *arg)
{
	for (unsigned i = 0; i < mb->memory.cnt; i++) {
		paddr_t at = mb->memory.regions[i].base;
		paddr_t end = at + mb->memory.regions[i].size;
		for (unsigned j = 0; j < mb->reserved.cnt && at < end; j++) {
			const struct memblock_region *r = &mb->reserved.regions[j];
			paddr_t rend = r->base + r->size;
			if (rend <= at || r->base >= end)
				continue;
			if (r->base > at)
				fn(at, r->base - at, arg);
			at = rend;
		}
		if (at < end)
			fn(at, end - at, arg);
	}
}
