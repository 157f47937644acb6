/*
 * `fault KIND` (a test instrument, KTEST=1 only): fault on purpose, so that tests
 * can see the register dump, the stack trace and the panic exit code.
 */
#include <errno.h>
#include <panic.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

static __attribute__((noinline)) void smash_stack(int n)
{
	char buf[16];
	char *q = buf;
	__asm__ volatile("" : "+r"(q));            /* the compiler loses track of q */
	for (int i = 0; i < n; i++)
		q[i] = 'A';
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static int cmd_fault(struct shell_ctx *c, int argc, char **argv)
{
	volatile uint64_t zero = 0;
	if (argc != 2)
		goto usage;
	printk("fault: causing '%s' on purpose\n", argv[1]);
	if (strcmp(argv[1], "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(argv[1], "de") == 0)
		__asm__ volatile("divq %1" : : "a"(1ull), "r"(zero), "d"(0ull));  /* a real div */
	else if (strcmp(argv[1], "pf") == 0)
		printk("%llu\n", (unsigned long long)*(volatile uint64_t *)0x100000000000ull);
	else if (strcmp(argv[1], "gp") == 0)
		printk("%llu\n", (unsigned long long)*(volatile uint64_t *)0x8000000000000000ull);
	else if (strcmp(argv[1], "stack") == 0)
		smash_stack(24);
	else if (strcmp(argv[1], "panic") == 0)
		panic("fault: panic requested (value %#llx)", 0x5a5aull);
	else
		goto usage;
	return shell_err(c, -EIO, "the fault did not fault");
usage:
	return shell_err(c, -EINVAL, "usage: fault ud|de|pf|gp|stack|panic");
}
SHELL_CMD("fault", "ud|de|pf|gp|stack|panic", "fault on purpose (tests)", cmd_fault);
