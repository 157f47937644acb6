/*
 * A command's result line, as every shell command builds it (the rule is in
 * include/shell.h): shell_kv() appends " key=value" pairs for an "ok" line,
 * shell_err() sets the message of an "error: ENAME: message" line. Both truncate
 * rather than overflow the context's fixed buffers. The shell that prints the line
 * is kernel/shell/shell.c; commands in every layer only fill the context, so this
 * lives at the bottom.
 */
#include <printk.h>
#include <shell.h>

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
