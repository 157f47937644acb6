/*
 * A command's result line, as every shell command builds it (the rule is in
 * include/shell.h): shell_kv() appends " key=value" pairs for an "ok" line,
 * shell_err() sets the message of an "error: ENAME: message" line. Both truncate
 * rather than overflow the context's fixed buffers. Also the verbs registered apart
 * (SHELL_SUBCMD): their lookup, and the usage line that names them. The shell that prints the line
 * is kernel/shell/shell.c; commands in every layer only fill the context, so this
 * lives at the bottom.
 */
#include <errno.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

extern const struct shell_subcmd __shell_subcmd_start[], __shell_subcmd_end[];

void shell_kv(struct shell_ctx *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(c->kv) - c->kv_len;
	int n = snprintf(c->kv + c->kv_len, room, " %s=", key);
	if (n > 0 && (size_t)n < room) {
		c->kv_len += (size_t)n;
		room -= (size_t)n;
		va_start(ap, fmt);
		n = vsnprintf(c->kv + c->kv_len, room, fmt, ap);
		va_end(ap);
		c->kv_len += n > 0 && (size_t)n < room ? (size_t)n : room - 1;
	}
}

int shell_err(struct shell_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err;
}

const struct shell_subcmd *shell_find_subcmd(int argc, char **argv)
{
	if (argc < 2)
		return NULL;
	for (const struct shell_subcmd *s = __shell_subcmd_start; s < __shell_subcmd_end; s++)
		if (!strcmp(s->parent, argv[0]) && !strcmp(s->name, argv[1]))
			return s;
	return NULL;
}

int shell_usage(struct shell_ctx *c, const char *parent, const char *own)
{
	size_t n = (size_t)snprintf(c->err, sizeof(c->err), "usage: %s %s", parent, own);
	for (const struct shell_subcmd *s = __shell_subcmd_start; s < __shell_subcmd_end; s++)
		if (!strcmp(s->parent, parent) && n < sizeof(c->err))
			n += (size_t)snprintf(c->err + n, sizeof(c->err) - n, " | %s%s%s", s->name,
					      *s->usage ? " " : "", s->usage);
	return -EINVAL;
}
