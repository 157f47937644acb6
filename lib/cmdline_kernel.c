/* The kernel's option registry: everything BOOT_PARAM placed in .boot_param. */
#include <cmdline.h>

extern const struct boot_param __boot_param_start[], __boot_param_end[];

int cmdline_apply_kernel(const char *cmdline)
{
	return cmdline_apply(cmdline, __boot_param_start, __boot_param_end);
}
