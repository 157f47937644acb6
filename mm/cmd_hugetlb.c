/* Console command of the huge-page pools: `hugepages [set 2M|1G COUNT]`. */
#include <errno.h>
#include <hugetlb.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

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
		const struct hugetlb_pool *p = hugetlb_pool((enum hugetlb_size)s);
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
