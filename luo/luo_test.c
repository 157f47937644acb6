/*
 * Test FLBs for LUO (a test instrument, built with KTEST=1; docs/console.md): with
 * the boot option luo_test, three FLBs "liveupdate-test-flb-v0..2" (as Linux's
 * CONFIG_LIVEUPDATE_TEST) are registered on the memfd handler. Their data is
 * 0xFEEDF00DCAFEBEE0 + index and every callback is counted, so tests can check an
 * FLB is created once on the first preserve, destroyed on the last unpreserve,
 * retrieved once and finished once (`luo test-stats`, luo/cmd_luo_test.c).
 */
#include <cmdline.h>
#include <luo.h>
#include <printk.h>
#include <string.h>
#include "luo_test.h"

#define TEST_DATA 0xFEEDF00DCAFEBEE0ull

static struct luo_test_counts counts[LUO_TEST_FLBS];
static bool enabled;

static unsigned index_of(struct luo_flb *f);

static int t_preserve(struct luo_flb_op_args *a)
{
	unsigned i = index_of(a->flb);
	counts[i].preserve++;
	a->data = TEST_DATA + i;
	a->obj = &counts[i];
	return 0;
}

static void t_unpreserve(struct luo_flb_op_args *a)
{
	counts[index_of(a->flb)].unpreserve++;
}

static int t_retrieve(struct luo_flb_op_args *a)
{
	unsigned i = index_of(a->flb);
	counts[i].retrieve++;
	counts[i].last_data = a->data;
	a->obj = &counts[i];
	return 0;
}

static void t_finish(struct luo_flb_op_args *a)
{
	counts[index_of(a->flb)].finish++;
}

static const struct luo_flb_ops test_ops = { t_preserve, t_unpreserve, t_retrieve, t_finish };
static struct luo_flb test_flb[LUO_TEST_FLBS] = {
	{ .ops = &test_ops, .compatible = "liveupdate-test-flb-v0" },
	{ .ops = &test_ops, .compatible = "liveupdate-test-flb-v1" },
	{ .ops = &test_ops, .compatible = "liveupdate-test-flb-v2" },
};

static unsigned index_of(struct luo_flb *f)
{
	return (unsigned)(f - test_flb);
}

/* After the memfd handler (LUO_REGISTER 10), before the incoming state is read. */
static int luo_test_register(void)
{
	struct luo_file_handler *h = luo_file_handler_find(MEMFD_LUO_COMPATIBLE);
	for (unsigned i = 0; enabled && h && i < LUO_TEST_FLBS; i++)
		if (luo_register_flb(h, &test_flb[i]))
			printk("luo: warning: test FLB %u not registered\n", i);
	return 0;
}
LUO_REGISTER(90, luo_test_register);

static int set_luo_test(const char *v)
{
	enabled = !v || !strcmp(v, "1") || !strcmp(v, "on");
	return 0;
}
BOOT_PARAM("luo_test", set_luo_test);

bool luo_test_enabled(void)
{
	return enabled;
}

const struct luo_flb *luo_test_flb(unsigned i, const struct luo_test_counts **c)
{
	*c = &counts[i];
	return &test_flb[i];
}
