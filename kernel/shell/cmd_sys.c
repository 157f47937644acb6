/*
 * System commands: help, version, poweroff. (`fault KIND`, a test instrument, is
 * kernel/cmd_fault.c.)
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
