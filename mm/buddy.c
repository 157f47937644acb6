/*
 * Buddy allocator (model and memmap rules in include/buddy.h).
 *
 * The algorithm, in three operations:
 *   take  - find the smallest order with a free block, unlink it;
 *   split - while it is larger than asked, give its upper half back one order down;
 *   merge - on free, while the buddy (pfn ^ 2^order) is a free head of the same order
 *           and zone, unlink it and continue with the pair one order up.
 * Invariant: every frame of the zone is covered by at most one head entry; heads
 * are readable (see head_at) and tails carry nothing. The free lists hold exactly
 * the PAGE_FREE heads, nr_free[] counts them and free_pages sums their sizes.
 *
 * Locking (include/buddy.h, Concurrency): the caller holds the zone's lock around
 * every call; the only lock taken here is sec_lock, for the once-only
 * initialisation of a section, which two zones may share.
 */
#include <buddy.h>
#include <errno.h>
#include <panic.h>
#include <printk.h>
#include <string.h>

#define NIL UINT32_MAX

/* Inlined into their callers: the order-0 alloc+free pair runs through them (make
 * bench, buddy_order0_hot: 1.2 ns of its 12 were the calls). */
#define HOT static inline __attribute__((always_inline))

static struct spinlock sec_lock = SPINLOCK_INIT;     /* initialising a section */

static inline uint64_t idx(const struct buddy *b, uint64_t pfn)
{
	return pfn - b->base_pfn;
}

static inline bool in_zone(const struct buddy *b, uint64_t pfn, uint64_t n)
{
	return pfn >= b->base_pfn && n <= b->npages && pfn - b->base_pfn <= b->npages - n;
}

/* Section s's two bits (SEC_VALID, SEC_HEAD), four sections to a byte; the byte
 * may be another zone's too, so it changes only by atomic or/and (and is never
 * written when the bits are already so: a hole's byte is a read-only page). */
static inline unsigned sec_get(const struct buddy *b, uint64_t s)
{
	return (__atomic_load_n(&b->sec[s >> 2], __ATOMIC_ACQUIRE) >> ((s & 3) * 2)) & 3;
}

static inline void sec_set(struct buddy *b, uint64_t s, unsigned bits)
{
	if ((sec_get(b, s) & bits) != bits)
		__atomic_fetch_or(&b->sec[s >> 2], (uint8_t)(bits << ((s & 3) * 2)),
				  __ATOMIC_RELEASE);
}

static inline void sec_clear(struct buddy *b, uint64_t s, unsigned bits)
{
	if (sec_get(b, s) & bits)
		__atomic_fetch_and(&b->sec[s >> 2], (uint8_t)~(bits << ((s & 3) * 2)),
				   __ATOMIC_RELEASE);
}

bool buddy_section_valid(const struct buddy *b, uint64_t s)
{
	return sec_get(b, s) & SEC_VALID;
}

/*
 * Initialise a section's 512 entries (keeping entry 0 if it heads a big block),
 * once: two zones may share the section, so under sec_lock, and SEC_VALID only
 * after the entries. Entry 0 is written as a head is (its word whole): a zone that
 * saw SEC_HEAD a moment ago may still be reading it.
 */
static void sec_validate(struct buddy *b, uint64_t i)
{
	uint64_t s = i >> SECTION_ORDER, first = s << SECTION_ORDER;
	if (sec_get(b, s) & SEC_VALID)
		return;
	spin_lock(&sec_lock);
	unsigned bits = sec_get(b, s);
	if (!(bits & SEC_VALID)) {
		uint64_t n = MIN((uint64_t)SECTION_PAGES, b->npages - first);
		if (!(bits & SEC_HEAD)) {
			struct page *p = &b->map[first];
			p->next = p->prev = p->private = 0;
			page_set_desc(p, 0);
		}
		memset(&b->map[first + 1], 0, (n - 1) * sizeof(struct page));
		sec_set(b, s, SEC_VALID);
	}
	spin_unlock(&sec_lock);
}

/* The entry at index i if it may be read and heads a block, else NULL; *d (if
 * given) gets its word as read, which is what to look at in a head that may be
 * another zone's. */
HOT struct page *head_at(const struct buddy *b, uint64_t i, struct page *d)
{
	unsigned s = sec_get(b, i >> SECTION_ORDER);
	if (!(s & SEC_VALID) && !((i & (SECTION_PAGES - 1)) == 0 && (s & SEC_HEAD)))
		return NULL;
	struct page *p = &b->map[i], snap = page_desc(p);
	if (snap.state == PAGE_NONE)
		return NULL;
	if (d)
		*d = snap;
	return p;
}

static struct page *set_head(struct buddy *b, uint64_t i, unsigned order, enum page_state st)
{
	bool aligned = (i & (SECTION_PAGES - 1)) == 0;
	if (order < SECTION_ORDER || !aligned)
		sec_validate(b, i);
	struct page *p = &b->map[i];
	p->next = p->prev = NIL;
	p->private = 0;
	page_set_desc(p, (struct page){ .state = (uint8_t)st, .order = (uint8_t)order,
					.zone = b->id }.desc);
	if (aligned)
		sec_set(b, i >> SECTION_ORDER, SEC_HEAD);
	return p;
}

static void clear_head(struct buddy *b, uint64_t i)
{
	uint64_t s = i >> SECTION_ORDER;
	if ((i & (SECTION_PAGES - 1)) == 0) {
		if (sec_get(b, s) & SEC_VALID)
			page_set_state(&b->map[i], PAGE_NONE);
		sec_clear(b, s, SEC_HEAD);
	} else {
		page_set_state(&b->map[i], PAGE_NONE);
	}
}

static void list_push(struct buddy *b, unsigned order, uint64_t i)
{
	struct page *p = &b->map[i];
	p->prev = NIL;
	p->next = b->free_head[order];
	if (p->next != NIL)
		b->map[p->next].prev = (uint32_t)i;
	b->free_head[order] = (uint32_t)i;
	b->nr_free[order]++;
	b->free_pages += 1ull << order;
}

static void list_del(struct buddy *b, unsigned order, uint64_t i)
{
	struct page *p = &b->map[i];
	BUG_ON((p->prev != NIL && p->prev >= b->npages) || (p->next != NIL && p->next >= b->npages),
	       "free list %u at pfn %#llx links past the zone (prev %#x next %#x, %llu frames)",
	       order, (unsigned long long)(b->base_pfn + i), p->prev, p->next,
	       (unsigned long long)b->npages);
	BUG_ON(p->prev == NIL ? b->free_head[order] != i : b->map[p->prev].next != i,
	       "free list %u corrupt at pfn %#llx (prev %#x)", order,
	       (unsigned long long)(b->base_pfn + i), p->prev);
	BUG_ON(p->next != NIL && b->map[p->next].prev != i,
	       "free list %u corrupt at pfn %#llx (next %#x)", order,
	       (unsigned long long)(b->base_pfn + i), p->next);
	if (p->prev == NIL)
		b->free_head[order] = p->next;
	else
		b->map[p->prev].next = p->next;
	if (p->next != NIL)
		b->map[p->next].prev = p->prev;
	b->nr_free[order]--;
	b->free_pages -= 1ull << order;
}

void buddy_init(struct buddy *b, uint8_t id, uint64_t base_pfn, uint64_t npages,
		struct page *map, uint8_t *sec)
{
	BUG_ON(base_pfn % SECTION_PAGES || npages > NIL, "zone base %#llx npages %#llx",
	       (unsigned long long)base_pfn, (unsigned long long)npages);
	memset(sec, 0, BUDDY_SEC_BYTES(npages));
	buddy_init_zeroed(b, id, base_pfn, npages, map, sec);
}

void buddy_init_zeroed(struct buddy *b, uint8_t id, uint64_t base_pfn, uint64_t npages,
		       struct page *map, uint8_t *sec)
{
	BUG_ON(base_pfn % SECTION_PAGES || npages > NIL, "zone base %#llx npages %#llx",
	       (unsigned long long)base_pfn, (unsigned long long)npages);
	memset(b, 0, sizeof(*b));
	b->id = id;
	b->base_pfn = base_pfn;
	b->npages = npages;
	b->map = map;
	b->sec = sec;
	for (unsigned o = 0; o < BUDDY_ORDERS; o++)
		b->free_head[o] = NIL;
}

/* Merge the block at index i of the given order with free buddies; push it. */
static void merge_and_push(struct buddy *b, uint64_t i, unsigned order)
{
	uint64_t pfn = b->base_pfn + i;
	while (order < BUDDY_MAX_ORDER) {
		uint64_t bpfn = pfn ^ (1ull << order);
		if (!in_zone(b, bpfn, 1ull << order))
			break;
		struct page d;             /* the buddy may be another zone's */
		if (!head_at(b, idx(b, bpfn), &d) || d.state != PAGE_FREE || d.order != order ||
		    d.zone != b->id)
			break;
		list_del(b, order, idx(b, bpfn));
		clear_head(b, idx(b, bpfn));
		clear_head(b, idx(b, pfn));
		pfn &= ~(1ull << order);
		order++;
	}
	set_head(b, idx(b, pfn), order, PAGE_FREE);
	list_push(b, order, idx(b, pfn));
}

void buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t n)
{
	BUG_ON(!in_zone(b, pfn, n), "range %#llx+%#llx outside zone %#llx+%#llx",
	       (unsigned long long)pfn, (unsigned long long)n, (unsigned long long)b->base_pfn,
	       (unsigned long long)b->npages);
	b->managed_pages += n;
	const uint64_t max = 1ull << BUDDY_MAX_ORDER;
	while (n) {
		if (IS_ALIGNED(pfn, max) && n >= max) {
			/* Whole 1 GiB blocks: nothing to merge with at the top order, so
			 * each is one head and one push (a 1 TiB guest adds a thousand). */
			set_head(b, idx(b, pfn), BUDDY_MAX_ORDER, PAGE_FREE);
			list_push(b, BUDDY_MAX_ORDER, idx(b, pfn));
			pfn += max;
			n -= max;
			continue;
		}
		unsigned o = pfn ? (unsigned)__builtin_ctzll(pfn) : BUDDY_MAX_ORDER;
		o = MIN(o, (unsigned)BUDDY_MAX_ORDER);
		while ((1ull << o) > n)
			o--;
		merge_and_push(b, idx(b, pfn), o);
		pfn += 1ull << o;
		n -= 1ull << o;
	}
}

/* Split the free block at index i (already unlinked) from order `have` to `want`. */
static void split(struct buddy *b, uint64_t i, unsigned have, unsigned want)
{
	while (have > want) {
		have--;
		uint64_t half = i + (1ull << have);
		set_head(b, half, have, PAGE_FREE);
		list_push(b, have, half);
	}
}

/* Take a free block of the order and make it a head in state st. */
HOT uint64_t take(struct buddy *b, unsigned order, enum page_state st)
{
	if (order > BUDDY_MAX_ORDER)
		return BUDDY_NONE;
	unsigned o = order;
	while (o <= BUDDY_MAX_ORDER && b->free_head[o] == NIL)
		o++;
	if (o > BUDDY_MAX_ORDER)
		return BUDDY_NONE;
	uint64_t i = b->free_head[o];
	list_del(b, o, i);
	split(b, i, o, order);
	set_head(b, i, order, st);
	return b->base_pfn + i;
}

uint64_t buddy_alloc(struct buddy *b, unsigned order)
{
	return take(b, order, PAGE_ALLOC);
}

uint64_t buddy_alloc_cached(struct buddy *b, unsigned cpu)
{
	uint64_t pfn = take(b, 0, PAGE_PCP);
	if (pfn != BUDDY_NONE)
		b->map[idx(b, pfn)].private = cpu;
	return pfn;
}

/* The checks of a free of (pfn, order) expecting a head in state st; the head. */
HOT struct page *check_free(struct buddy *b, uint64_t pfn, unsigned order, enum page_state st)
{
	BUG_ON(order > BUDDY_MAX_ORDER || !IS_ALIGNED(pfn, 1ull << order) ||
	       !in_zone(b, pfn, 1ull << order),
	       "free of pfn %#llx order %u outside zone %u", (unsigned long long)pfn, order, b->id);
	struct page *p = head_at(b, idx(b, pfn), NULL);
	BUG_ON(!p, "free of pfn %#llx order %u: not the head of a block",
	       (unsigned long long)pfn, order);
	BUG_ON(st == PAGE_ALLOC && (p->state == PAGE_FREE || p->state == PAGE_PCP),
	       "double free of pfn %#llx order %u%s", (unsigned long long)pfn, order,
	       p->state == PAGE_PCP ? " (in a CPU's page cache)" : "");
	BUG_ON(p->state != st || p->order != order || p->zone != b->id,
	       "free of pfn %#llx order %u: block is state %u order %u zone %u",
	       (unsigned long long)pfn, order, p->state, p->order, p->zone);
	return p;
}

struct page *buddy_free_check(struct buddy *b, uint64_t pfn, unsigned order)
{
	return check_free(b, pfn, order, PAGE_ALLOC);
}

void buddy_free(struct buddy *b, uint64_t pfn, unsigned order)
{
	check_free(b, pfn, order, PAGE_ALLOC);
	merge_and_push(b, idx(b, pfn), order);
}

void buddy_free_cached(struct buddy *b, uint64_t pfn)
{
	check_free(b, pfn, 0, PAGE_PCP);
	merge_and_push(b, idx(b, pfn), 0);
}

void buddy_mark(struct buddy *b, uint64_t pfn, unsigned order, enum page_state st)
{
	BUG_ON(order > BUDDY_MAX_ORDER || !IS_ALIGNED(pfn, 1ull << order) ||
	       !in_zone(b, pfn, 1ull << order) || st == PAGE_FREE || st == PAGE_NONE ||
	       st == PAGE_PCP,
	       "mark of pfn %#llx order %u state %u", (unsigned long long)pfn, order, st);
	set_head(b, idx(b, pfn), order, st);
}

void buddy_split_alloc(struct buddy *b, uint64_t pfn, unsigned order, unsigned to)
{
	struct page *p = in_zone(b, pfn, 1ull << order) ? head_at(b, idx(b, pfn), NULL) : NULL;
	BUG_ON(!p || p->state != PAGE_ALLOC || p->order != order || to > order,
	       "split of pfn %#llx from order %u to %u: not an allocated block of that order",
	       (unsigned long long)pfn, order, to);
	for (uint64_t i = 0; i < 1ull << (order - to); i++)
		set_head(b, idx(b, pfn) + (i << to), to, PAGE_ALLOC);
}

void buddy_adopt(struct buddy *b, uint64_t pfn)
{
	struct page *p = in_zone(b, pfn, 1) ? head_at(b, idx(b, pfn), NULL) : NULL;
	BUG_ON(!p || p->state == PAGE_FREE || p->state == PAGE_ALLOC || p->state == PAGE_PCP,
	       "adopt of pfn %#llx: not a marked block", (unsigned long long)pfn);
	p->private = 0;
	page_set_desc(p, (struct page){ .state = PAGE_ALLOC, .order = p->order,
					.zone = b->id }.desc);
	b->managed_pages += 1ull << p->order;
}

struct page *buddy_block_of(struct buddy *b, uint64_t pfn, uint64_t *head_pfn)
{
	if (!in_zone(b, pfn, 1))
		return NULL;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		if (h < b->base_pfn)
			break;
		struct page d;
		struct page *p = head_at(b, idx(b, h), &d);
		if (p && d.order >= o && h + (1ull << d.order) > pfn) {
			if (head_pfn)
				*head_pfn = h;
			return p;
		}
	}
	return NULL;
}

int buddy_claim(struct buddy *b, uint64_t pfn, unsigned order)
{
	if (order > BUDDY_MAX_ORDER || !IS_ALIGNED(pfn, 1ull << order) ||
	    !in_zone(b, pfn, 1ull << order))
		return -EINVAL;
	uint64_t h;
	struct page *p = buddy_block_of(b, pfn, &h), d = p ? page_desc(p) : (struct page){ 0 };
	if (!p || d.state != PAGE_FREE || d.zone != b->id || d.order < order)
		return -EBUSY;
	unsigned have = d.order;
	list_del(b, have, idx(b, h));
	/* Split towards pfn: at each step the half without pfn goes back free. */
	while (have > order) {
		have--;
		uint64_t lo = h, hi = h + (1ull << have);
		uint64_t keep = pfn >= hi ? hi : lo, give = keep == lo ? hi : lo;
		set_head(b, idx(b, give), have, PAGE_FREE);
		list_push(b, have, idx(b, give));
		h = keep;
	}
	set_head(b, idx(b, pfn), order, PAGE_ALLOC);
	return 0;
}

struct page *buddy_page(struct buddy *b, uint64_t pfn)
{
	BUG_ON(!in_zone(b, pfn, 1), "pfn %#llx outside zone %u", (unsigned long long)pfn, b->id);
	uint64_t i = idx(b, pfn);
	if (i & (SECTION_PAGES - 1))
		sec_validate(b, i);
	return &b->map[i];
}

void buddy_check(const struct buddy *b)
{
	uint64_t pages = 0;
	for (unsigned o = 0; o < BUDDY_ORDERS; o++) {
		uint64_t n = 0;
		uint32_t prev = NIL;
		for (uint32_t i = b->free_head[o]; i != NIL; i = b->map[i].next) {
			BUG_ON(i >= b->npages, "free list %u links to index %#x past the zone (%llu frames)",
			       o, i, (unsigned long long)b->npages);
			const struct page *p = head_at(b, i, NULL);
			uint64_t pfn = b->base_pfn + i;
			BUG_ON(++n > b->nr_free[o], "free list %u longer than its count %llu", o,
			       (unsigned long long)b->nr_free[o]);
			BUG_ON(!p || p->state != PAGE_FREE || p->order != o || p->zone != b->id,
			       "free list %u holds pfn %#llx that is not a free head of that order", o,
			       (unsigned long long)pfn);
			BUG_ON(!IS_ALIGNED(pfn, 1ull << o) || !in_zone(b, pfn, 1ull << o),
			       "free list %u holds misaligned pfn %#llx", o, (unsigned long long)pfn);
			BUG_ON(p->prev != prev, "free list %u: pfn %#llx prev %#x, expected %#x", o,
			       (unsigned long long)pfn, p->prev, prev);
			prev = i;
		}
		BUG_ON(n != b->nr_free[o], "free list %u has %llu blocks, count says %llu", o,
		       (unsigned long long)n, (unsigned long long)b->nr_free[o]);
		pages += n << o;
	}
	BUG_ON(pages != b->free_pages, "free lists hold %llu pages, count says %llu",
	       (unsigned long long)pages, (unsigned long long)b->free_pages);
}

size_t buddy_dump(const struct buddy *b, char *buf, size_t size)
{
	static const char *const unit[] = { "K", "M", "G" };
	size_t len = 0;
#define OUT(...) (len += (size_t)snprintf(buf + MIN(len, size), size - MIN(len, size), __VA_ARGS__))
	OUT("order  block  free\n");
	for (unsigned o = 0; o < BUDDY_ORDERS; o++) {
		unsigned sh = o + 2;                     /* log2 of the size in KiB */
		OUT("%5u  %4llu%s  %llu\n", o, 1ull << (sh % 10), unit[sh / 10],
		    (unsigned long long)b->nr_free[o]);
	}
	OUT("free pages %llu of %llu\n", (unsigned long long)b->free_pages,
	    (unsigned long long)b->managed_pages);
#undef OUT
	return len;
}
