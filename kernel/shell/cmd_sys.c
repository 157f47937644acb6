/*
 * System commands: help, version, poweroff, and `fault KIND`, which
 * faults on purpose so that tests can see the register dump and the panic exit code.
 */
#include <boot_info.h>
#include <drivers.h>
#include <errno.h>
#include <exit.h>
#include <kernel.h>
#include <panic.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

extern const struct shell_cmd __shell_cmd_start[], __shell_cmd_end[];

static int cmd_help(struct shell_ctx *c, int argc, char **argv)
{
	if (argc != 1)
		return shell_err(c, -EINVAL, "usage: help");
	for (const struct shell_cmd *cmd = __shell_cmd_start; cmd < __shell_cmd_end; cmd++)
		printk("  %-10s %-34s %s\n", cmd->name, cmd->usage, cmd->summary);
	return 0;
}
SHELL_CMD("help", "", "list commands", cmd_help);

static int cmd_version(struct shell_ctx *c, int argc, char **argv)
{
	if (argc != 1)
		return shell_err(c, -EINVAL, "usage: version");
	shell_kv(c, "version", "%s", BATON_VERSION);
	shell_kv(c, "abi", "%s", BATON_ABI);
	shell_kv(c, "boot", "%s", boot_state.kexec ? "kexec" : "cold");
	shell_kv(c, "liveupdate-number", "%llu", (unsigned long long)boot_state.liveupdate_number);
	shell_kv(c, "kexec-count", "%llu", (unsigned long long)boot_state.kexec_count);
	return 0;
}
SHELL_CMD("version", "", "version, ABI and boot kind", cmd_version);

static int cmd_poweroff(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t code = 0;
	if (argc > 2 || (argc == 2 && (parse_u64(argv[1], &code) || code > 255)))
		return shell_err(c, -EINVAL, "usage: poweroff [CODE 0..255]");
	printk("poweroff: exit code %llu\n", (unsigned long long)code);
	console_flush_for_panic();
	drivers_quiesce();
	qemu_exit((unsigned)code);
}
SHELL_CMD("poweroff", "[CODE]", "exit QEMU (isa-debug-exit)", cmd_poweroff);

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
