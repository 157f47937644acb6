/*
 * The in-kernel test runner (model in include/ktest.h). Runs selected tests in
 * section order, prints KTAP, and for the boot option ends with one verdict line,
 *   ktest: PASS pass=P fail=0 skip=S   (exit EXIT_KTEST_PASS)
 *   ktest: FAIL pass=P fail=F skip=S   (exit EXIT_KTEST_FAIL)
 * which the host harness checks together with the plan, the totals and the exit code.
 */
#include <cmdline.h>
#include <errno.h>
#include <exit.h>
#include <initcall.h>
#include <ktest.h>
#include <printk.h>
#include <shell.h>   /* glob_match */
#include <string.h>

extern const struct ktest __ktest_start[], __ktest_end[];

bool ktest_check(struct ktest_ctx *kt, bool ok, const char *expr, const char *file, int line)
{
	if (!ok) {
		kt->failures++;
		printk("    # %s:%d: expected %s\n", file, line, expr);
	}
	return ok;
}

bool ktest_check_eq(struct ktest_ctx *kt, uint64_t a, uint64_t b, const char *ea,
		    const char *eb, const char *file, int line)
{
	if (a != b) {
		kt->failures++;
		printk("    # %s:%d: expected %s == %s, got %#llx != %#llx\n", file, line, ea, eb,
		       (unsigned long long)a, (unsigned long long)b);
	}
	return a == b;
}

static bool selected(const struct ktest *t, const char *glob)
{
	char full[128];
	snprintf(full, sizeof(full), "%s.%s", t->suite, t->name);
	return glob_match(glob, full);
}

int ktest_run(const char *glob, struct ktest_totals *tot)
{
	unsigned n = 0, i = 0;
	memset(tot, 0, sizeof(*tot));
	for (const struct ktest *t = __ktest_start; t < __ktest_end; t++)
		n += selected(t, glob);
	if (n == 0)
		return -ENOENT;
	printk("KTAP version 1\n1..%u\n", n);
	for (const struct ktest *t = __ktest_start; t < __ktest_end; t++) {
		if (!selected(t, glob))
			continue;
		struct ktest_ctx kt = { 0, NULL };
		t->fn(&kt);
		i++;
		if (kt.failures) {
			tot->fail++;
			printk("not ok %u %s.%s\n", i, t->suite, t->name);
		} else if (kt.skip) {
			tot->skip++;
			printk("ok %u %s.%s # SKIP %s\n", i, t->suite, t->name, kt.skip);
		} else {
			tot->pass++;
			printk("ok %u %s.%s\n", i, t->suite, t->name);
		}
	}
	printk("# Totals: pass:%u fail:%u skip:%u\n", tot->pass, tot->fail, tot->skip);
	return 0;
}

__noreturn void ktest_boot(const char *glob)
{
	struct ktest_totals t;
	int err = ktest_run(glob, &t);
	if (err)
		printk("ktest: no test matches '%s'\n", glob);
	bool pass = !err && t.fail == 0;
	printk("ktest: %s pass=%u fail=%u skip=%u\n", pass ? "PASS" : "FAIL", t.pass, t.fail,
	       t.skip);
	qemu_exit(pass ? EXIT_KTEST_PASS : EXIT_KTEST_FAIL);
}

static const char *boot_glob;
static int set_ktest(const char *v)
{
	if (!v || !*v)
		return -EINVAL;
	boot_glob = v;
	return 0;
}
BOOT_PARAM_ONESHOT("ktest", set_ktest);

/* ktest=GLOB: run the tests once the console is up, and leave QEMU. */
static void ktest_at_boot(void)
{
	if (boot_glob)
		ktest_boot(boot_glob);
}
LATE_INITCALL(20, ktest_at_boot);
