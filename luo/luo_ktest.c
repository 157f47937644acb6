/* In-kernel tests of LUO paths the console cannot reach. */
#include <errno.h>
#include <ktest.h>
#include <luo.h>

KTEST(luo, preserve_without_handler)
{
	int obj;
	struct luo_fileref ref = { "devnull", &obj };    /* a kind no handler takes */
	KT_ASSERT(luo_create_session("ktest-nohandler") == 0);
	KT_EXPECT_EQ(luo_preserve("ktest-nohandler", &ref, 0xDEAD), -ENOENT);
	KT_EXPECT(!luo_is_preserved(&obj));
	struct luo_fileref none = { "memfd", NULL };
	KT_EXPECT_EQ(luo_preserve("ktest-nohandler", &none, 1), -EBADF);
	KT_EXPECT_EQ(luo_preserve("no-such-session", &ref, 1), -ENOENT);
	KT_EXPECT_EQ(luo_close_session("ktest-nohandler"), 0);
}

KTEST(luo, register_rules)
{
	static const struct luo_file_ops partial = { .preserve = NULL };
	static struct luo_file_handler bad = { .ops = &partial, .compatible = "ktest-bad" };
	KT_EXPECT_EQ(luo_register_file_handler(&bad), -EINVAL);          /* required ops */
	static const struct luo_flb_ops noops = { 0 };
	static struct luo_flb flb = { .ops = &noops, .compatible = "ktest-flb" };
	static struct luo_file_handler h = { .ops = &partial, .compatible = "ktest-h" };
	KT_EXPECT_EQ(luo_register_flb(&h, &flb), -EINVAL);               /* required ops */
}
