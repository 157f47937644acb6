/*
 * The kernel command line, in Linux's syntax: words separated by spaces; a word is
 * `name` or `name=value`; double quotes group spaces into a value (`a="x y"`) and
 * are removed; in names '-' and '_' are the same; "--" ends the kernel's options.
 * Options are applied in order, so repeated pairs (hugepagesz=2M hugepages=8
 * hugepagesz=1G hugepages=2) keep their meaning. An unknown option or a value its
 * handler refuses is warned about and otherwise ignored: never fatal.
 *
 * A subsystem declares an option with BOOT_PARAM("name", handler); the handler gets
 * the value (NULL when the word had no '=') and returns 0 or a negative errno.
 */
#ifndef CMDLINE_H
#define CMDLINE_H
#include <types.h>

struct boot_param {
	const char *name;
	int (*set)(const char *value);
};

#define BOOT_PARAM(pname, handler)                                                   \
	static const struct boot_param __boot_param_##handler                         \
		__section(".boot_param") __used __aligned_entry(struct boot_param) = { pname, handler }

/* An option that concerns one boot only (script=, ktest=): a live update that keeps
 * the running command line leaves it out (cmdline_carry_over). */
#define BOOT_PARAM_ONESHOT(pname, handler)                                           \
	BOOT_PARAM(pname, handler);                                                   \
	static const char *const __boot_oneshot_##handler                            \
		__section(".boot_param_oneshot") __used __aligned_entry(const char *) = pname

typedef void (*cmdline_cb)(const char *name, const char *value, void *arg);

/*
 * Split cmdline into options and call cb(name, value, arg) for each, in order.
 * Works on a copy in buf (size bytes); returns the number of options, or -E2BIG if
 * the line does not fit buf.
 */
int cmdline_split(const char *cmdline, char *buf, size_t size, cmdline_cb cb, void *arg);

/* The handler of an option that takes no value (`nosmp`): sets *flag, or -EINVAL
 * if the word had a value (`nosmp=1`, even `nosmp=`). */
int cmdline_flag(const char *value, bool *flag);

/* True if the names are equal, treating '-' and '_' as the same character. */
bool cmdline_name_eq(const char *a, const char *b);

/*
 * Apply cmdline to the options in [start, end). Returns the number of warnings
 * (unknown options plus refused values), each also printed.
 */
int cmdline_apply(const char *cmdline, const struct boot_param *start,
		  const struct boot_param *end);

/* Apply the kernel's own registry (the .boot_param section). */
int cmdline_apply_kernel(const char *cmdline);
/*
 * The command line a live update passes on when it keeps the running one: every
 * word of cmdline in order, quotes kept, but the options named in oneshot[0..n)
 * ('-' and '_' alike; after a bare "--" every word is kept). 0, or -E2BIG if out
 * (size bytes) cannot hold it. cmdline_carry_over_kernel() takes the one-shot
 * names from the kernel's registry (BOOT_PARAM_ONESHOT).
 */
int cmdline_carry_over(const char *cmdline, const char *const *oneshot, size_t n, char *out,
		       size_t size);
int cmdline_carry_over_kernel(const char *cmdline, char *out, size_t size);
#endif
