/*
 * Per-CPU page caches ("pcp lists", as Linux calls them) in front of the buddy
 * zones: each CPU keeps, per zone, a short list of free order-0 pages, so that
 * page_alloc(0)/page_free(pa, 0), most of Baton's page traffic (slabs, page
 * tables, memfd pages, vmalloc frames), neither takes the zone's lock nor splits
 * and merges. Order 0 is enough here: larger blocks are rare (hugetlb, kexec
 * images, KHO metadata) and go to the zone directly. Linux caches a few small
 * orders too (up to PAGE_ALLOC_COSTLY_ORDER and the THP order); nothing of Baton's
 * allocates those often.
 *
 * A cache is a list linked through the heads' next/prev (frame indices, as the
 * free lists are), used LIFO: a free pushes at the head and an allocation takes
 * the head, the page whose contents are likeliest still in the CPU's caches. It
 * holds at most `high` pages: a free that makes it longer gives the `batch` pages
 * at its tail (the coldest) back to the zone; an allocation from an empty cache
 * first takes `batch` pages from the zone. Each move is one hold of the zone's
 * lock. A cached page is free memory
 * (mm_stats, meminfo, mm_page_state count and show it as free) but its head says
 * PAGE_PCP, not PAGE_FREE: the zone does not merge with it, and a second free of it
 * panics as a double free does.
 *
 * Locking ("which lock protects what"):
 *  - a CPU's caches are its own: only that CPU touches them, with interrupts off
 *    (an interrupt handler may allocate, and Baton has no preemption, so that is
 *    all the exclusion needed); no lock on this fast path;
 *  - pages move between a cache and its zone only under the zone's lock, which
 *    also covers the cache's count as it changes in the move: a reader holding the
 *    zone's lock (mm_zone_free_pages) sees every page either in the lists or in a
 *    cache, never in both or neither;
 *  - count is written by its CPU with atomic stores and may be read by any.
 * Lock order: interrupts off, then a zone's lock (ZONE_NORMAL before ZONE_SCRATCH
 * where both are held).
 */
#include <buddy.h>
#include <panic.h>
#include <percpu.h>
#include <spinlock.h>
#include "pcp.h"
#include "zones.h"

struct pcp {
	uint32_t head, tail;          /* memmap indices; meaningless while count is 0 */
	uint32_t count;
};

/* A CPU's caches, one per zone, on a cache line of their own (no CPU writes
 * another's line on the fast path). */
struct pcp_cpu {
	struct pcp zone[NR_ZONES];
	bool drain_asked;             /* set by pcp_drain_all for a running CPU */
} __attribute__((aligned(64)));

static struct pcp_cpu pcps[CPU_MAX];
static unsigned high = PCP_HIGH, batch = PCP_BATCH;

static void set_count(struct pcp *c, uint32_t n)
{
	__atomic_store_n(&c->count, n, __ATOMIC_RELAXED);
}

static uint32_t count_of(struct pcp *c)
{
	return __atomic_load_n(&c->count, __ATOMIC_RELAXED);
}

/* An empty cache takes up to batch pages from the zone, in the order the zone
 * gives them (the first one taken is the first handed out, as without a cache). */
static void refill(struct buddy *b, struct pcp *c, unsigned cpu)
{
	uint64_t f = spin_lock_irqsave(&b->lock);
	uint32_t n = 0;
	for (; n < batch; n++) {
		uint64_t pfn = buddy_alloc_cached(b, cpu);
		if (pfn == BUDDY_NONE)
			break;
		uint32_t i = (uint32_t)(pfn - b->base_pfn);
		if (n) {
			b->map[c->tail].next = i;
			b->map[i].prev = c->tail;
		} else {
			c->head = i;
		}
		c->tail = i;
	}
	set_count(c, n);
	spin_unlock_irqrestore(&b->lock, f);
}

/* Give the n pages at the cache's tail back to the zone. */
static void drain(struct buddy *b, struct pcp *c, uint32_t n)
{
	uint64_t f = spin_lock_irqsave(&b->lock);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = c->tail;
		c->tail = b->map[i].prev;
		buddy_free_cached(b, b->base_pfn + i);
	}
	set_count(c, c->count - n);
	spin_unlock_irqrestore(&b->lock, f);
}

/* A drain another CPU asked for (pcp_drain_all): done at this CPU's next use. */
static void drain_if_asked(unsigned cpu)
{
	struct pcp_cpu *mine = &pcps[cpu];
	if (!__atomic_load_n(&mine->drain_asked, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&mine->drain_asked, false, __ATOMIC_RELAXED);
	for (unsigned z = 0; z < NR_ZONES; z++)
		if (mine->zone[z].count)
			drain(&mm_zones[z], &mine->zone[z], mine->zone[z].count);
}

uint64_t pcp_alloc(enum zone_id id)
{
	struct buddy *b = &mm_zones[id];
	uint64_t f = local_irq_save();
	unsigned cpu = cpu_id();
	drain_if_asked(cpu);
	struct pcp *c = &pcps[cpu].zone[id];
	uint64_t pfn = BUDDY_NONE;
	if (!c->count)
		refill(b, c, cpu);
	if (c->count) {
		struct page *p = &b->map[c->head];
		pfn = b->base_pfn + c->head;
		c->head = p->next;
		set_count(c, c->count - 1);
		p->next = p->prev = UINT32_MAX;
		p->private = 0;
		page_set_desc(p, (struct page){ .state = PAGE_ALLOC, .zone = b->id }.desc);
	}
	local_irq_restore(f);
	return pfn;
}

void pcp_free(enum zone_id id, uint64_t pfn)
{
	struct buddy *b = &mm_zones[id];
	struct page *p = buddy_free_check(b, pfn, 0);
	uint64_t f = local_irq_save();
	unsigned cpu = cpu_id();
	drain_if_asked(cpu);
	struct pcp *c = &pcps[cpu].zone[id];
	uint32_t i = (uint32_t)(pfn - b->base_pfn);
	p->next = c->head;
	p->private = cpu;
	page_set_desc(p, (struct page){ .state = PAGE_PCP, .zone = b->id }.desc);
	if (c->count)
		b->map[c->head].prev = i;
	else
		c->tail = i;
	c->head = i;
	set_count(c, c->count + 1);
	if (c->count > high)
		drain(b, c, batch);
	local_irq_restore(f);
}

void pcp_drain_local(void)
{
	uint64_t f = local_irq_save();
	struct pcp_cpu *mine = &pcps[cpu_id()];
	for (unsigned z = 0; z < NR_ZONES; z++)
		if (mine->zone[z].count)
			drain(&mm_zones[z], &mine->zone[z], mine->zone[z].count);
	local_irq_restore(f);
}

/* May this CPU touch cpu's caches? Its own, or those of a CPU not running Baton. */
static bool quiescent(unsigned cpu, unsigned self)
{
	const struct percpu *pc = percpu_of(cpu);
	return cpu == self || !pc || !pc->online;
}

/*
 * Every CPU's caches back to their zones; how many pages that was. The caches of
 * this CPU and of CPUs not running Baton (never started, or parked for a kexec)
 * are drained from here. A running CPU's are not touched from here (its fast path
 * has no lock): it is asked, and drains them itself at its next allocation or free
 * (Linux sends an IPI and waits; that could deadlock here, where the caller may hold
 * a lock the other CPU spins on with interrupts off). So before a handover, with
 * the other CPUs parked, the drain is exact; when memory runs short, the other CPUs'
 * caches (at most `high` pages per zone each) come back as they are next used.
 */
uint64_t pcp_drain_all(void)
{
	uint64_t f = local_irq_save(), pages = 0;
	unsigned self = cpu_id();
	for (unsigned cpu = 0; cpu < CPU_MAX; cpu++)
		for (unsigned z = 0; z < NR_ZONES; z++) {
			struct pcp *c = &pcps[cpu].zone[z];
			uint32_t n = count_of(c);
			if (!n)
				continue;
			if (!quiescent(cpu, self)) {
				__atomic_store_n(&pcps[cpu].drain_asked, true, __ATOMIC_RELEASE);
				continue;
			}
			drain(&mm_zones[z], c, n);
			pages += n;
		}
	local_irq_restore(f);
	return pages;
}

uint64_t pcp_cached(enum zone_id id)
{
	uint64_t n = 0;
	for (unsigned cpu = 0; cpu < CPU_MAX; cpu++)
		n += count_of(&pcps[cpu].zone[id]);
	return n;
}

void pcp_check(void)
{
	uint64_t f = local_irq_save();
	unsigned self = cpu_id();
	for (unsigned cpu = 0; cpu < CPU_MAX; cpu++) {
		if (!quiescent(cpu, self))
			continue;
		for (unsigned z = 0; z < NR_ZONES; z++) {
			struct buddy *b = &mm_zones[z];
			struct pcp *c = &pcps[cpu].zone[z];
			uint32_t i = c->head, prev = 0;
			for (uint32_t k = 0; k < c->count; k++, prev = i, i = b->map[i].next) {
				uint64_t pfn = b->base_pfn + i;
				BUG_ON(i >= b->npages, "cpu %u zone %u cache links to index %#x past the "
				       "zone (%u of %u)", cpu, z, i, k, c->count);
				struct page *p = &b->map[i], d = page_desc(p);
				BUG_ON(d.state != PAGE_PCP || d.order || d.zone != z || p->private != cpu,
				       "cpu %u zone %u cache holds pfn %#llx: state %u order %u zone %u "
				       "cpu %u", cpu, z, (unsigned long long)pfn, d.state, d.order, d.zone,
				       p->private);
				BUG_ON(k && p->prev != prev, "cpu %u zone %u cache: pfn %#llx prev %#x, "
				       "expected %#x", cpu, z, (unsigned long long)pfn, p->prev, prev);
			}
			BUG_ON(c->count && prev != c->tail, "cpu %u zone %u cache ends at %#x, tail "
			       "says %#x", cpu, z, prev, c->tail);
		}
	}
	local_irq_restore(f);
}

void pcp_reset(void)
{
	for (unsigned cpu = 0; cpu < CPU_MAX; cpu++)
		for (unsigned z = 0; z < NR_ZONES; z++)
			set_count(&pcps[cpu].zone[z], 0);
}

void pcp_set_limits(unsigned h, unsigned b)
{
	BUG_ON(!b || b > h, "pcp limits high %u batch %u", h, b);
	high = h;
	batch = b;
}
