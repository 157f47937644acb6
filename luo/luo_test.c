/*
 * Test instruments for LUO (Baton additions, documented in docs/console.md):
 *
 *   boot option luo_test: three test FLBs, "liveupdate-test-flb-v0..2" (as Linux's
 *     CONFIG_LIVEUPDATE_TEST), are registered with the memfd handler; their data is
 *     0xFEEDF00DCAFEBEE0 + index and every callback is counted, so tests can check
 *     an FLB is created once on the first preserve, destroyed on the last
 *     unpreserve, retrieved once and finished once (`luo test-stats`).
 *   `luo inject preserve|freeze`: the next memfd preserve, or the next freeze in the
 *     kexec path, fails with EIO, once. `luo inject short|version`: the next kexec
 *     hands over a LUO blob that is too short (16 bytes) or of another version
 *     ("luo-v4"); the next kernel must refuse the handover and boot cold.
 *     `luo inject flb`: the next hugetlb FLB creation fails (the pool "cannot be
 *     frozen", EBUSY); `luo inject pfnlist`: the next kexec hands over a hugetlb
 *     folio list with a misaligned entry, which the next kernel must refuse;
 *     `luo inject pfncount` one whose count (2^61) wraps when turned into bytes.
 *     `luo inject memfdsize`: the next memfd-v2 freeze records a size of 2^64 - 1
 *     and no folios (a size that wraps a folio count), which the next kernel's
 *     retrieve must refuse with EINVAL.
 */
#include <cmdline.h>
#include <errno.h>
#include <luo.h>
#include <panic.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

#define TEST_FLBS 3
#define TEST_DATA 0xFEEDF00DCAFEBEE0ull

struct counts {
	unsigned preserve, unpreserve, retrieve, finish;
	uint64_t last_data;
};
static struct counts counts[TEST_FLBS];
static bool enabled;
/* `luo inject KIND` arms one flag; luo_test_fail(KIND) reads and clears it. */
static struct {
	const char *kind;
	bool armed;
} injections[] = {
	{ "preserve", false }, { "freeze", false }, { "short", false }, { "version", false },
	{ "flb", false }, { "pfnlist", false }, { "pfncount", false }, { "memfdsize", false },
};

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
static struct luo_flb test_flb[TEST_FLBS] = {
	{ .ops = &test_ops, .compatible = "liveupdate-test-flb-v0" },
	{ .ops = &test_ops, .compatible = "liveupdate-test-flb-v1" },
	{ .ops = &test_ops, .compatible = "liveupdate-test-flb-v2" },
};

static unsigned index_of(struct luo_flb *f)
{
	return (unsigned)(f - test_flb);
}

void luo_test_register(struct luo_file_handler *h)
{
	for (unsigned i = 0; enabled && i < TEST_FLBS; i++)
		if (luo_register_flb(h, &test_flb[i]))
			printk("luo: warning: test FLB %u not registered\n", i);
}

static bool *injection(const char *kind)
{
	for (unsigned i = 0; i < ARRAY_SIZE(injections); i++)
		if (!strcmp(injections[i].kind, kind))
			return &injections[i].armed;
	return NULL;
}

bool luo_test_fail(const char *op)
{
	bool *flag = injection(op);
	BUG_ON(!flag, "luo_test_fail(\"%s\"): no such injection", op);
	bool fail = *flag;
	*flag = false;
	return fail;
}

static int set_luo_test(const char *v)
{
	enabled = !v || !strcmp(v, "1") || !strcmp(v, "on");
	return 0;
}
BOOT_PARAM("luo_test", set_luo_test);

int luo_test_cmd(struct shell_ctx *c, int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "inject")) {
		bool *flag = injection(argv[2]);
		if (!flag)
			return shell_err(c, -EINVAL, "usage: luo inject preserve|freeze|short|"
					 "version|flb|pfnlist|pfncount|memfdsize");
		*flag = true;
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "test-stats")) {
		if (!enabled)
			return shell_err(c, -EOPNOTSUPP, "boot with luo_test to have test FLBs");
		for (unsigned i = 0; i < TEST_FLBS; i++) {
			const struct luo_flb *f = &test_flb[i];
			printk("  flb %s preserve=%u unpreserve=%u retrieve=%u finish=%u outgoing=%llu "
			       "incoming=%llu%s data=%#llx\n", f->compatible, counts[i].preserve,
			       counts[i].unpreserve, counts[i].retrieve, counts[i].finish,
			       (unsigned long long)f->out.count, (unsigned long long)f->in.count,
			       f->in.finished ? " finished" : f->in.present ? "" : " absent",
			       (unsigned long long)counts[i].last_data);
		}
		return 0;
	}
	return shell_err(c, -EINVAL, "usage: luo inject KIND | luo test-stats");
}
