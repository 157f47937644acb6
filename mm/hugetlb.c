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
		paddr_t *a = kvmalloc(cap * sizeof(paddr_t));
		if (!a)
			return -ENOMEM;
		if (pool->all)
			memcpy(a, pool->all, pool->nall * sizeof(paddr_t));
		kvfree(pool->all);
		pool->all = a;
		pool->cap = cap;
	}
	pool->all[pool->nall++] = pa;
	pool->total++;
	return 0;
}

static void untrack(struct hugetlb_pool *pool, paddr_t pa)
{
	for (uint64_t i = 0; i < pool->nall; i++)
		if (pool->all[i] == pa) {
			pool->all[i] = pool->all[--pool->nall];
			pool->total--;
			if (!pool->nall) {             /* an empty pool holds no memory */
				kvfree(pool->all);
				pool->all = NULL;
				pool->cap = 0;
			}
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

/* Take in the next pending free folio: restored, tracked, with its pool head, in
 * use. 0 if none is left. */
static paddr_t take_one(struct hugetlb_pool *pool)
{
	paddr_t got = 0;
	while (!got && pool->pending_free) {
		uint64_t e = pool->pending[pool->pending_at++];
		if (e >> 63)
			continue;                     /* its memfd restores it */
		pool->pending_free--;
		pool->total--;                    /* counted again by track() */
		pool->free--;
		unsigned order;
		if (kho_restore_folio(e, &order) || order != pool->order) {
			printk("hugetlb: warning: handed-over folio %#llx could not be taken in\n",
			       (unsigned long long)e);
			continue;
		}
		if (track(pool, e)) {
			page_free(e, order);
			continue;
		}
		make_head(pool, e);
		got = e;
	}
	if (pool->pending && !pool->pending_free) {   /* all in: the list can go */
		pool->pending_release(pool->pending);
		pool->pending = NULL;
	}
	return got;
}

void hugetlb_drain(struct hugetlb_pool *pool)
{
	paddr_t pa;
	while ((pa = take_one(pool)))
		push_free(pool, pa);
}

void hugetlb_adopt_lazily(struct hugetlb_pool *pool, const uint64_t *list, uint64_t n,
			  uint64_t nfree, void (*release)(const uint64_t *list))
{
	pool->pending = list;
	pool->pending_n = n;
	pool->pending_at = 0;
	pool->pending_free = nfree;
	pool->pending_release = release;
	pool->total += nfree;
	pool->free += nfree;
	if (!nfree)
		take_one(pool);                       /* nothing to take: release now */
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
		fn(pool->all[i], arg);
}

int hugetlb_adopt(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = head(pa);
	BUG_ON(!p || p->state != PAGE_ALLOC || p->order != pool->order,
	       "hugetlb_adopt(%#llx) into %s: not a restored folio of that order",
	       (unsigned long long)pa, pool->name);
	if (track(pool, pa))
		return -ENOMEM;
	make_head(pool, pa);
	push_free(pool, pa);
	return 0;
}

int hugetlb_adopt_absent(struct hugetlb_pool *pool, paddr_t pa)
{
	int err = track(pool, pa);
	if (!err)
		pool->preserved++;                  /* held for its owner */
	return err;
}

void hugetlb_claim(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = head(pa);
	BUG_ON(!p || p->state != PAGE_ALLOC || p->order != pool->order,
	       "hugetlb_claim(%#llx) in %s: not a restored folio of that order",
	       (unsigned long long)pa, pool->name);
	make_head(pool, pa);
	pool->preserved--;
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
