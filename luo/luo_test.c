/*
 * Test FLBs for LUO (a test instrument, built with KTEST=1; docs/console.md): with
 * the boot option luo_test, three FLBs "liveupdate-test-flb-v0..2" (as Linux's
 * CONFIG_LIVEUPDATE_TEST) are registered on the memfd handler. Their data is
 * 0xFEEDF00DCAFEBEE0 + index and every callback is counted, so tests can check an
 * FLB is created once on the first preserve, destroyed on the last unpreserve,
 * retrieved once and finished once (`luo test-stats`, luo/cmd_luo_test.c).
 *
 * At registration it does what Linux's test module (lib/tests/liveupdate.c in Linux)
 * does: it registers FLB 0 a second time and expects EEXIST (the result is kept for
 * `luo test-stats`); and it asks LUO for each FLB's incoming data at once
 * (luo_flb_get_incoming, then put: the reference is not kept), so the FLBs are
 * retrieved at boot, as Linux's are; ENOENT and ENODATA (nothing handed over) are
 * not failures. luo_test=lazy leaves retrieval to first use instead, which tests
 * LUO's lazy path. The retrieve callback, as Linux's, refuses data other than
 * its own (EINVAL).
 */
#include <cmdline.h>
#include <errno.h>
#include <luo.h>
#include <printk.h>
#include <string.h>
#include "luo_test.h"

#define TEST_DATA 0xFEEDF00DCAFEBEE0ull

static struct luo_test_counts counts[LUO_TEST_FLBS];
static bool enabled, early;                /* luo_test; early unless luo_test=lazy */
static int twice = 1;                      /* registering FLB 0 again: its result */

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
	if (a->data != TEST_DATA + i) {
		printk("luo: test FLB %u: incoming data %#llx is not its own\n", i,
		       (unsigned long long)a->data);
		return -EINVAL;
	}
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

/* Each FLB's incoming data now, as Linux's test module asks for it when the first
 * handler registers (not with luo_test=lazy). */
static void get_incoming_now(void)
{
	for (unsigned i = 0; i < LUO_TEST_FLBS; i++) {
		void *obj;
		int err = luo_flb_get_incoming(&test_flb[i], &obj);
		if (!err)
			luo_flb_put_incoming(&test_flb[i]);
		else if (err != -ENOENT && err != -ENODATA)
			printk("luo: warning: test FLB %u: incoming data not retrieved (%d)\n", i, err);
	}
}

/* After the memfd handler (LUO_REGISTER 10), which LUO runs once it has read the
 * incoming FLB page (luo/luo_core.c). */
static int luo_test_register(void)
{
	struct luo_file_handler *h = luo_file_handler_find(MEMFD_LUO_COMPATIBLE);
	if (!enabled || !h)
		return 0;
	for (unsigned i = 0; i < LUO_TEST_FLBS; i++)
		if (luo_register_flb(h, &test_flb[i]))
			printk("luo: warning: test FLB %u not registered\n", i);
	twice = luo_register_flb(h, &test_flb[0]);
	if (twice != -EEXIST)
		printk("luo: warning: test FLB 0 registered twice: %d, not EEXIST\n", twice);
	if (early)
		get_incoming_now();
	return 0;
}
LUO_REGISTER(90, luo_test_register);

static int set_luo_test(const char *v)
{
	bool lazy = v && !strcmp(v, "lazy");
	enabled = lazy || !v || !strcmp(v, "1") || !strcmp(v, "on");
	early = enabled && !lazy;
	return 0;
}
BOOT_PARAM("luo_test", set_luo_test);

bool luo_test_enabled(void)
{
	return enabled;
}

int luo_test_twice(void)
{
	return twice;
}

const struct luo_flb *luo_test_flb(unsigned i, const struct luo_test_counts **c)
{
	*c = &counts[i];
	return &test_flb[i];
}
