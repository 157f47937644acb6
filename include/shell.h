/*
 * The console shell (contract: docs/console.md). A command is a const struct
 * shell_cmd placed in the .shell_cmd section by SHELL_CMD(); the shell finds it by
 * its first word. The handler returns 0 or a negative errno and never prints the
 * result line itself: it adds key=value pairs with shell_kv() or an error message
 * with shell_err(), and the shell prints exactly one result line after it:
 *     ok[ key=value...]          on 0
 *     error: ENAME: message      on -Exxx
 * Lines it printed before are free-form detail.
 */
#ifndef SHELL_H
#define SHELL_H
#include <types.h>

#define SHELL_LINE_MAX 512   /* bytes per line, NUL included */
#define SHELL_ARGS_MAX 32

struct shell_ctx {
	char kv[512];
	size_t kv_len;
	char err[256];
};

struct shell_cmd {
	const char *name;
	const char *usage;        /* arguments, for help */
	const char *summary;
	int (*run)(struct shell_ctx *c, int argc, char **argv);
};

#define SHELL_CMD(cname, cusage, csummary, fn)                                       \
	static const struct shell_cmd __shell_cmd_##fn                                \
		__section(".shell_cmd." cname) __used __aligned_entry(struct shell_cmd) = { cname, cusage, csummary, fn }

/*
 * A verb of another command registered apart: SHELL_SUBCMD("kho", "corrupt", fn)
 * makes `kho corrupt ...` run fn with the whole line's argv (argv[0] "kho", argv[1]
 * "corrupt"); the parent command never sees it. Test instruments add their verbs
 * this way, so that a build without them (KTEST=0) has none of their code.
 */
struct shell_subcmd {
	const char *parent, *name, *usage;
	int (*run)(struct shell_ctx *c, int argc, char **argv);
};
#define SHELL_SUBCMD(cparent, cname, cusage, fn)                                      \
	static const struct shell_subcmd __shell_subcmd_##fn                          \
		__section(".shell_subcmd." cparent "." cname) __used                  \
		__aligned_entry(struct shell_subcmd) = { cparent, cname, cusage, fn }
/* The verb registered for `argv[0] argv[1]`, or NULL. */
const struct shell_subcmd *shell_find_subcmd(int argc, char **argv);
/* -EINVAL with the message "usage: PARENT OWN", then " | NAME USAGE" for each verb
 * registered apart, in name order: a parent's usage line says what this build has. */
int shell_usage(struct shell_ctx *c, const char *parent, const char *own);

/* Append " key=value" to the result line. */
void shell_kv(struct shell_ctx *c, const char *key, const char *fmt, ...) __printf(3, 4);
/* Set the error message; returns err (a negative errno) for `return shell_err(...)`. */
int shell_err(struct shell_ctx *c, int err, const char *fmt, ...) __printf(3, 4);

/* Argument parsing (lib/args.c, also built for the host). */
int shell_split(char *line, char **argv, int max);      /* argc, or -E2BIG */
int parse_u64(const char *s, uint64_t *out);            /* decimal or 0x hex */
int parse_size(const char *s, uint64_t *out);           /* with K/M/G suffix */
bool glob_match(const char *pattern, const char *s);    /* '*' and '?' */
/* Hex digits (pairs, either case, no 0x) into out[max]: the byte count, -EINVAL
 * (empty, odd length, not a hex digit), -E2BIG (more than max bytes). */
int parse_hex(const char *s, uint8_t *out, size_t max);

#endif
