/*
 * Huge-page pools (model in include/hugetlb.h). Folios move between the buddy and a
 * pool as whole blocks: only the head entry changes, never the 2^order tails.
 */
#include <cmdline.h>
#include <errno.h>
#include <hugetlb.h>
#include <kho.h>
#include <kmalloc.h>
#include <mm.h>
#include <palist.h>
#include <panic.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

#define NIL           UINT32_MAX
#define HUGETLB_FREE  0x01

static struct hugetlb_pool pools[NR_HUGE] = {
	{ .name = "2M", .order = 9, .free_head = NIL },
	{ .name = "1G", .order = 18, .free_head = NIL },
};
static bool adopted;                       /* the pools came from a live update */
static enum hugetlb_size cmdline_size = HUGE_2M;
static bool cmdline_size_valid = true;     /* false after a refused hugepagesz= */

struct hugetlb_pool *hugetlb_pool(enum hugetlb_size s)
{
	return &pools[s];
}

struct hugetlb_pool *hugetlb_pool_by_name(const char *name)
{
	if (!strcmp(name, "2M") || !strcmp(name, "2m"))
		return &pools[HUGE_2M];
	if (!strcmp(name, "1G") || !strcmp(name, "1g"))
		return &pools[HUGE_1G];
	return NULL;
}

static struct page *head(paddr_t pa)
{
	return mm_page(pa);
}

static void push_free(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = head(pa);
	p->flags |= HUGETLB_FREE;
	p->prev = NIL;
	p->next = pool->free_head;
	if (p->next != NIL)
		head((paddr_t)p->next << PAGE_SHIFT)->prev = (uint32_t)(pa >> PAGE_SHIFT);
	pool->free_head = (uint32_t)(pa >> PAGE_SHIFT);
	pool->free++;
}

static void unlink_free(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = head(pa);
	if (p->prev == NIL)
		pool->free_head = p->next;
	else
		head((paddr_t)p->prev << PAGE_SHIFT)->next = p->next;
	if (p->next != NIL)
		head((paddr_t)p->next << PAGE_SHIFT)->prev = p->prev;
	p->flags &= (uint8_t)~HUGETLB_FREE;
	pool->free--;
}

/* Record a folio in the pool's list of all folios. */
static int track(struct hugetlb_pool *pool, paddr_t pa)
{
	if (pool->nall == pool->cap) {
		uint64_t cap = pool->cap ? pool->cap * 2 : 64;
		uint64_t *a = kvmalloc(cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		if (pool->all)
			memcpy(a, pool->all, pool->nall * sizeof(*a));
		kvfree(pool->all);
		pool->all = a;
		pool->cap = cap;
	}
	pool->all[pool->nall++] = pa;
	pool->total++;
	pool->sorted = pool->settled = false;
	return 0;
}

/* Forget entry i (the last one takes its place). */
static void forget(struct hugetlb_pool *pool, uint64_t i)
{
	pool->all[i] = pool->all[--pool->nall];
	pool->total--;
	pool->sorted = pool->settled = false;
	if (!pool->nall) {                     /* an empty pool holds no memory */
		kvfree(pool->all);
		pool->all = NULL;
		pool->cap = 0;
	}
}

static void untrack(struct hugetlb_pool *pool, paddr_t pa)
{
	for (uint64_t i = 0; i < pool->nall; i++)
		if (palist_pa(pool->all[i]) == pa) {
			forget(pool, i);
			return;
		}
	BUG_ON(1, "hugetlb pool %s: folio %#llx not tracked", pool->name, (unsigned long long)pa);
}

static void make_head(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = head(pa);
	p->state = PAGE_HUGETLB;
	p->flags = 0;
	p->private = (uint32_t)(pool - pools);
}

/* Take one folio from the buddy into the pool. */
static int grow_one(struct hugetlb_pool *pool)
{
	paddr_t pa = page_alloc(pool->order, GFP_PRESERVABLE);
	if (!pa)
		return -ENOMEM;
	if (track(pool, pa)) {
		page_free(pa, pool->order);
		return -ENOMEM;
	}
	make_head(pool, pa);
	push_free(pool, pa);
	return 0;
}

/* Give one free folio back to the buddy. */
static int shrink_one(struct hugetlb_pool *pool)
{
	if (pool->free_head == NIL)
		return -EBUSY;
	paddr_t pa = (paddr_t)pool->free_head << PAGE_SHIFT;
	unlink_free(pool, pa);
	head(pa)->state = PAGE_ALLOC;
	untrack(pool, pa);
	page_free(pa, pool->order);
	return 0;
}

/* A corrupt list can be long: the first few bad entries are named, the rest only
 * counted (said when the pool settles). */
#define ENTRY_WARNINGS 8

static bool entry_warning(struct hugetlb_pool *pool)
{
	return ++pool->bad_entries <= ENTRY_WARNINGS;
}

/* Take in the next pending free folio: restored, with its pool head, in use (no
 * longer counted free). 0 if none is left. */
static paddr_t take_one(struct hugetlb_pool *pool)
{
	while (pool->pending_free) {
		if (pool->pending_at >= pool->nall) {
			/* The handover counted more free folios than its list has. */
			printk("hugetlb: warning: the %s pool's list has %llu free folios fewer "
			       "than handed over\n", pool->name,
			       (unsigned long long)pool->pending_free);
			pool->free -= pool->pending_free;
			pool->preserved += pool->pending_free;
			pool->pending_free = 0;
			break;
		}
		uint64_t i = pool->pending_at++, e = pool->all[i];
		if (e & PALIST_FLAG)
			continue;                     /* its memfd restores it */
		pool->pending_free--;
		pool->free--;
		unsigned order;
		int err = kho_restore_folio(e, &order);
		if (!err && order == pool->order) {
			make_head(pool, e);
			return e;
		}
		if (entry_warning(pool))
			printk("hugetlb: warning: handed-over folio %#llx could not be taken in\n",
			       (unsigned long long)e);
		if (!err)
			page_free(e, order);          /* restored, at another order: ours */
		forget(pool, i);
		pool->pending_at = i;                 /* the entry moved here is not seen yet */
	}
	return 0;
}

static void drop(struct hugetlb_pool *pool, uint64_t e, const char *why)
{
	if (entry_warning(pool))
		printk("hugetlb: warning: handed-over folio %#llx dropped from the %s pool "
		       "(%s)\n", (unsigned long long)palist_pa(e), pool->name, why);
	pool->preserved--;
	pool->total--;
}

/* Take in every free folio, then sort the list and drop duplicates: claims can
 * look folios up. */
static void sort_list(struct hugetlb_pool *pool)
{
	paddr_t pa;
	while ((pa = take_one(pool)))
		push_free(pool, pa);
	/* After an adoption, entries past the last free one counted should all wait
	 * for a memfd. A free one means the handover counted too few: take it in. */
	uint64_t extra = 0;
	while (pool->recount && pool->pending_at < pool->nall) {
		if (pool->all[pool->pending_at] & PALIST_FLAG) {
			pool->pending_at++;
			continue;
		}
		if (!extra++)
			printk("hugetlb: warning: the %s pool's list has more free folios than "
			       "handed over\n", pool->name);
		pool->pending_free++;
		pool->free++;
		pool->preserved--;
		if ((pa = take_one(pool)))
			push_free(pool, pa);
	}
	uint64_t *a = pool->all, n = 0;
	palist_sort(a, pool->nall);
	for (uint64_t i = 0; i < pool->nall; i++) {
		uint64_t e = a[i];
		if (n && palist_pa(a[n - 1]) == palist_pa(e)) {
			/* KHO lets a folio be restored once: one copy at most was taken in. */
			BUG_ON(!((a[n - 1] | e) & PALIST_FLAG), "hugetlb pool %s: folio %#llx "
			       "taken in twice", pool->name, (unsigned long long)e);
			if (!(e & PALIST_FLAG)) {
				uint64_t t = a[n - 1];
				a[n - 1] = e;               /* keep the folio taken in */
				e = t;
			}
			drop(pool, e, "listed twice");
			continue;
		}
		a[n++] = e;
	}
	pool->nall = n;
	pool->pending_at = n;
	uint64_t waiting = 0;
	for (uint64_t i = 0; i < n; i++)
		waiting += a[i] >> 63;
	/* Once after an adoption (nothing preserved for the next kernel yet): the
	 * count handed over was right if this finds as many folios waiting. */
	if (pool->recount && waiting != pool->preserved) {
		printk("hugetlb: warning: the %s pool holds %llu folios for their memfds, not "
		       "%llu\n", pool->name, (unsigned long long)waiting,
		       (unsigned long long)pool->preserved);
		pool->preserved = waiting;
	}
	pool->recount = false;
	pool->sorted = true;
}

/* Sorted, and each folio still waiting for its memfd is still a preserved block of
 * the pool's order (a memfd restores and claims its folios in one go, so one
 * restored but not claimed belongs to nobody): the pool lists only what it owns. */
static void settle(struct hugetlb_pool *pool)
{
	if (!pool->sorted)
		sort_list(pool);
	uint64_t *a = pool->all, n = 0;
	for (uint64_t i = 0; i < pool->nall; i++) {
		uint64_t e = a[i];
		if ((e & PALIST_FLAG) && !kho_is_preserved_block(palist_pa(e), pool->order)) {
			drop(pool, e, "not a preserved block of the pool's order");
			continue;
		}
		a[n++] = e;
	}
	pool->nall = n;
	pool->pending_at = n;
	if (!n) {
		kvfree(pool->all);
		pool->all = NULL;
		pool->cap = 0;
	}
	if (pool->bad_entries > ENTRY_WARNINGS)
		printk("hugetlb: warning: %llu handed-over entries of the %s pool were bad in "
		       "all (the first %u are named above)\n",
		       (unsigned long long)pool->bad_entries, pool->name, ENTRY_WARNINGS);
	pool->bad_entries = 0;
	pool->settled = true;
}

void hugetlb_drain(struct hugetlb_pool *pool)
{
	if (!pool->settled)
		settle(pool);
}

void hugetlb_adopt_list(struct hugetlb_pool *pool, uint64_t *list, uint64_t n, uint64_t nfree)
{
	BUG_ON(pool->nall || nfree > n, "hugetlb pool %s: adopting %llu folios (%llu free) "
	       "into a pool of %llu", pool->name, (unsigned long long)n,
	       (unsigned long long)nfree, (unsigned long long)pool->nall);
	kvfree(pool->all);
	pool->all = list;
	pool->nall = pool->cap = n;
	pool->pending_at = 0;
	pool->pending_free = nfree;
	pool->sorted = pool->settled = false;
	pool->recount = true;
	pool->total += n;
	pool->free += nfree;
	pool->preserved += n - nfree;
}

int hugetlb_resize(struct hugetlb_pool *pool, uint64_t count)
{
	if (pool->frozen)
		return -EBUSY;
	hugetlb_drain(pool);
	while (pool->total < count)
		if (grow_one(pool))
			return -ENOMEM;
	while (pool->total > count)
		if (shrink_one(pool))
			return -EBUSY;
	return 0;
}

paddr_t hugetlb_alloc(struct hugetlb_pool *pool)
{
	if (pool->free_head == NIL)
		return take_one(pool);                /* a handed-over folio, taken in now */
	paddr_t pa = (paddr_t)pool->free_head << PAGE_SHIFT;
	unlink_free(pool, pa);
	return pa;
}

void hugetlb_free(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = head(pa);
	BUG_ON(!IS_ALIGNED(pa, (paddr_t)PAGE_SIZE << pool->order) || !p ||
	       p->state != PAGE_HUGETLB || p->order != pool->order ||
	       p->private != (uint32_t)(pool - pools),
	       "hugetlb_free(%#llx) to pool %s: not a folio of it", (unsigned long long)pa,
	       pool->name);
	BUG_ON(p->flags & HUGETLB_FREE, "hugetlb_free(%#llx): double free", (unsigned long long)pa);
	push_free(pool, pa);
}

void hugetlb_freeze(struct hugetlb_pool *pool)
{
	pool->frozen++;
}

void hugetlb_unfreeze(struct hugetlb_pool *pool)
{
	BUG_ON(!pool->frozen, "hugetlb pool %s unfrozen more than frozen", pool->name);
	pool->frozen--;
}

void hugetlb_for_each(struct hugetlb_pool *pool, void (*fn)(paddr_t pa, void *arg), void *arg)
{
	hugetlb_drain(pool);
	for (uint64_t i = 0; i < pool->nall; i++)
		fn(palist_pa(pool->all[i]), arg);
}

int hugetlb_claim(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = head(pa);
	BUG_ON(!p || p->state != PAGE_ALLOC || p->order != pool->order,
	       "hugetlb_claim(%#llx) in %s: not a restored folio of that order",
	       (unsigned long long)pa, pool->name);
	if (!pool->sorted)
		sort_list(pool);
	int64_t i = palist_find(pool->all, pool->nall, pa);
	if (i < 0 || !(pool->all[i] & PALIST_FLAG))
		return -ENOENT;
	pool->all[i] = pa;
	make_head(pool, pa);
	pool->preserved--;
	return 0;
}

void hugetlb_set_adopted(void)
{
	adopted = true;
}

void hugetlb_init(void)
{
	if (adopted) {
		for (int s = 0; s < NR_HUGE; s++)
			if (pools[s].requested && pools[s].requested != pools[s].total)
				printk("hugetlb: the %s pool keeps its %llu pages from the live update; "
				       "hugepages=%llu on this command line is not applied\n",
				       pools[s].name, (unsigned long long)pools[s].total,
				       (unsigned long long)pools[s].requested);
		return;
	}
	/* 1 GiB folios first: they need the largest aligned blocks. */
	for (int s = NR_HUGE - 1; s >= 0; s--) {
		struct hugetlb_pool *pool = &pools[s];
		if (hugetlb_resize(pool, pool->requested))
			printk("hugetlb: warning: %s pool has %llu of %llu pages requested\n",
			       pool->name, (unsigned long long)pool->total,
			       (unsigned long long)pool->requested);
	}
}

static int set_hugepagesz(const char *v)
{
	struct hugetlb_pool *pool = v ? hugetlb_pool_by_name(v) : NULL;
	cmdline_size_valid = pool != NULL;    /* a hugepages= after a bad size is dropped */
	if (!pool)
		return -EINVAL;
	cmdline_size = (enum hugetlb_size)(pool - pools);
	return 0;
}
BOOT_PARAM("hugepagesz", set_hugepagesz);

static int set_hugepages(const char *v)
{
	uint64_t n;
	if (!cmdline_size_valid) {
		cmdline_size_valid = true;
		return -EINVAL;                   /* it does not follow a valid hugepagesz= */
	}
	if (!v || parse_u64(v, &n))
		return -EINVAL;
	pools[cmdline_size].requested = n;
	return 0;
}
BOOT_PARAM("hugepages", set_hugepages);

static int cmd_hugepages(struct shell_ctx *c, int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "set") == 0) {
		struct hugetlb_pool *pool = hugetlb_pool_by_name(argv[2]);
		uint64_t n;
		if (!pool || parse_u64(argv[3], &n))
			return shell_err(c, -EINVAL, "usage: hugepages set 2M|1G COUNT");
		int err = hugetlb_resize(pool, n);
		if (err == -EBUSY)
			return shell_err(c, err, "%s pool is frozen or its pages are in use",
					 pool->name);
		if (err)
			return shell_err(c, err, "%s pool grew to %llu of %llu pages", pool->name,
					 (unsigned long long)pool->total, (unsigned long long)n);
	} else if (argc != 1) {
		return shell_err(c, -EINVAL, "usage: hugepages [set 2M|1G COUNT]");
	}
	for (unsigned s = 0; s < NR_HUGE; s++) {
		char key[16];
		const struct hugetlb_pool *p = &pools[s];
		snprintf(key, sizeof(key), "%s.total", p->name);
		shell_kv(c, key, "%llu", (unsigned long long)p->total);
		snprintf(key, sizeof(key), "%s.free", p->name);
		shell_kv(c, key, "%llu", (unsigned long long)p->free);
		snprintf(key, sizeof(key), "%s.preserved", p->name);
		shell_kv(c, key, "%llu", (unsigned long long)p->preserved);
	}
	return 0;
}
SHELL_CMD("hugepages", "[set 2M|1G COUNT]", "huge-page pools: counts, resize", cmd_hugepages);
