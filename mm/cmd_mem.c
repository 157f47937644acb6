/* Console commands of mm/: meminfo and `page ADDR` (the state of one frame). */
#include <errno.h>
#include <mm.h>
#include <printk.h>
#include <shell.h>

static int cmd_meminfo(struct shell_ctx *c, int argc, char **argv)
{
	if (argc != 1)
		return shell_err(c, -EINVAL, "usage: meminfo");
	struct mm_stats s;
	mm_stats(&s);
	printk("  order  block  free\n");
	for (unsigned o = 0; o < BUDDY_ORDERS; o++) {
		unsigned sh = o + 2;
		printk("  %5u  %4llu%c  %llu\n", o, 1ull << (sh % 10), "KMG"[sh / 10],
		       (unsigned long long)s.nr_free[o]);
	}
	uint64_t bp = s.total ? s.memmap * 10000 / s.total : 0;     /* basis points */
	printk("  memmap %llu bytes (%llu.%02llu%% of RAM), page tables %llu bytes\n",
	       (unsigned long long)s.memmap, (unsigned long long)(bp / 100),
	       (unsigned long long)(bp % 100), (unsigned long long)s.tables);
	shell_kv(c, "total", "%llu", (unsigned long long)s.total);
	shell_kv(c, "free", "%llu", (unsigned long long)s.free);
	shell_kv(c, "preserved", "%llu", (unsigned long long)mm_handover()->preserved_bytes());
	shell_kv(c, "scratch", "%llu", (unsigned long long)mm_handover()->scratch_bytes());
	return 0;
}
SHELL_CMD("meminfo", "", "memory: free blocks per order, totals", cmd_meminfo);

static int cmd_page(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t pa;
	if (argc != 2 || parse_u64(argv[1], &pa))
		return shell_err(c, -EINVAL, "usage: page PADDR");
	paddr_t head = 0;
	unsigned order = 0;
	enum page_state st = mm_page_state(pa, &head, &order);
	unsigned cpu;
	shell_kv(c, "state", "%s", page_state_name(st));
	if (st != PAGE_RESERVED) {
		shell_kv(c, "head", "%#llx", (unsigned long long)head);
		shell_kv(c, "order", "%u", order);
	}
	if (st == PAGE_FREE && mm_page_cached(pa, &cpu))
		shell_kv(c, "cpu-cache", "%u", cpu);        /* free, in that CPU's page cache */
	return 0;
}
SHELL_CMD("page", "PADDR", "state of the frame at PADDR", cmd_page);
