/*
 * Console verbs of LUO's test instruments (KTEST=1 only; docs/console.md):
 * `luo inject KIND` (luo/luo_inject.c) and `luo test-stats` (luo/luo_test.c).
 */
#include <errno.h>
#include <errname.h>
#include <luo.h>
#include <printk.h>
#include <shell.h>
#include "luo_test.h"

static int cmd_inject(struct shell_ctx *c, int argc, char **argv)
{
	if (argc != 3)
		return shell_err(c, -EINVAL, "usage: luo inject KIND | luo test-stats");
	if (luo_inject_arm(argv[2]))
		return shell_err(c, -EINVAL, "usage: luo inject %s", luo_inject_kinds);
	return 0;
}
SHELL_SUBCMD("luo", "inject", "KIND", cmd_inject);

static int cmd_test_stats(struct shell_ctx *c, int argc, char **argv)
{
	if (argc != 2)
		return shell_err(c, -EINVAL, "usage: luo inject KIND | luo test-stats");
	if (!luo_test_enabled())
		return shell_err(c, -EOPNOTSUPP, "boot with luo_test to have test FLBs");
	for (unsigned i = 0; i < LUO_TEST_FLBS; i++) {
		const struct luo_test_counts *n;
		const struct luo_flb *f = luo_test_flb(i, &n);
		struct luo_flb_state st;
		luo_flb_state(f, &st);
		printk("  flb %s preserve=%u unpreserve=%u retrieve=%u finish=%u outgoing=%llu "
		       "incoming=%llu%s data=%#llx\n", f->compatible, n->preserve, n->unpreserve,
		       n->retrieve, n->finish, (unsigned long long)st.out_count,
		       (unsigned long long)st.in_count,
		       st.in_finished ? " finished" : st.in_present ? "" : " absent",
		       (unsigned long long)n->last_data);
	}
	int twice = luo_test_twice();
	if (twice <= 0)
		shell_kv(c, "register-twice", "%s", twice ? errname(twice) : "0");
	return 0;
}
SHELL_SUBCMD("luo", "test-stats", "", cmd_test_stats);
