/* The kernel's option registry: everything BOOT_PARAM placed in .boot_param, and
 * the one-shot options' names BOOT_PARAM_ONESHOT placed in .boot_param_oneshot. */
#include <cmdline.h>

extern const struct boot_param __boot_param_start[], __boot_param_end[];
extern const char *const __boot_param_oneshot_start[];
extern const char *const __boot_param_oneshot_end[];

int cmdline_apply_kernel(const char *cmdline)
{
	return cmdline_apply(cmdline, __boot_param_start, __boot_param_end);
}

int cmdline_carry_over_kernel(const char *cmdline, char *out, size_t size)
{
	return cmdline_carry_over(cmdline, __boot_param_oneshot_start,
				  (size_t)(__boot_param_oneshot_end - __boot_param_oneshot_start),
				  out, size);
}
