/* `kexec load [IMAGE] [-- CMDLINE] | finalize | exec | unload` (kernel/kexec.c;
 * docs/console.md). Without "--" the next kernel gets the running command line
 * less its one-shot options (BOOT_PARAM_ONESHOT); "--" alone gives it none. */
#include <boot_info.h>
#include <cmdline.h>
#include <errno.h>
#include <kexec.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

static int cmd_kexec(struct shell_ctx *c, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "load")) {
		int i = 2;
		const char *name = "baton";
		char cmdline[BOOT_CMDLINE_MAX] = "";
		if (i < argc && strcmp(argv[i], "--"))
			name = argv[i++];
		/* No "--": the running command line, less its one-shot options. */
		if (i == argc && cmdline_carry_over_kernel(boot_info.cmdline, cmdline,
							   sizeof(cmdline)))
			return shell_err(c, -E2BIG, "the running command line does not fit");
		if (i < argc) {
			if (strcmp(argv[i], "--"))
				return shell_err(c, -EINVAL, "usage: kexec load [IMAGE] [-- CMDLINE]");
			size_t len = 0;
			for (i++; i < argc; i++)
				len += (size_t)snprintf(cmdline + len, sizeof(cmdline) - len, "%s%s",
							len ? " " : "", argv[i]);
		}
		uint64_t bytes;
		const char *why;
		int err = kexec_load(name, cmdline, &bytes, &why);
		if (err == -ENOEXEC)                /* elf_check's reason */
			return shell_err(c, -EINVAL, "'%.64s' is not a bootable Baton image: %s",
					 name, why);
		if (err)
			return shell_err(c, err, "cannot load '%.64s': %s", name, why);
		shell_kv(c, "image", "%s", name);
		shell_kv(c, "bytes", "%llu", (unsigned long long)bytes);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "exec")) {
		int err = kexec_exec();
		const char *why = kexec_exec_failure();
		if (!why)
			return shell_err(c, err, "no image loaded");
		return shell_err(c, err, "kexec failed: %s failed; nothing changed", why);
	}
	if (argc == 2 && !strcmp(argv[1], "finalize")) {
		struct kho_data kd;
		const char *why;
		int err = kexec_finalize(&kd, &why);
		if (err)
			return shell_err(c, err, "%s failed; nothing is finalized", why);
		shell_kv(c, "fdt", "0x%llx", (unsigned long long)kd.fdt_addr);
		shell_kv(c, "fdt-size", "%llu", (unsigned long long)kd.fdt_size);
		shell_kv(c, "scratch", "0x%llx", (unsigned long long)kd.scratch_addr);
		shell_kv(c, "scratch-size", "%llu", (unsigned long long)kd.scratch_size);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "unload")) {
		kexec_unload();
		return 0;
	}
	return shell_err(c, -EINVAL,
			 "usage: kexec load [IMAGE] [-- CMDLINE] | finalize | exec | unload");
}
SHELL_CMD("kexec", "load [IMAGE] [-- CMDLINE]|finalize|exec|unload",
	  "load and run the next kernel", cmd_kexec);
