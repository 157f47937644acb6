/*
 * `ktest [GLOB]`: run in-kernel tests from the console (the runner is lib/ktest.c;
 * the boot option ktest= runs them without a shell and exits QEMU). Built only with
 * the test instruments (KTEST=1, the default).
 */
#include <errno.h>
#include <ktest.h>
#include <shell.h>

static int cmd_ktest(struct shell_ctx *c, int argc, char **argv)
{
	if (argc > 2)
		return shell_err(c, -EINVAL, "usage: ktest [GLOB]");
	const char *glob = argc == 2 ? argv[1] : "*";
	struct ktest_totals t;
	if (ktest_run(glob, &t))
		return shell_err(c, -ENOENT, "no test matches '%s'", glob);
	if (t.fail)
		return shell_err(c, -EIO, "%u of %u tests failed", t.fail, t.pass + t.fail + t.skip);
	shell_kv(c, "pass", "%u", t.pass);
	shell_kv(c, "fail", "%u", t.fail);
	shell_kv(c, "skip", "%u", t.skip);
	return 0;
}
SHELL_CMD("ktest", "[GLOB]", "run in-kernel tests (KTAP)", cmd_ktest);
