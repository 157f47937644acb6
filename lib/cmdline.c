/*
 * Command-line splitting and option dispatch (model in include/cmdline.h). The
 * splitter is a single pass over a bounded copy; it never reads past the NUL and
 * never writes past buf. Also built for the host (tests/host/test_cmdline.c).
 */
#include <cmdline.h>
#include <errno.h>
#include <printk.h>
#include <string.h>

bool cmdline_name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

int cmdline_split(const char *cmdline, char *buf, size_t size, cmdline_cb cb, void *arg)
{
	if (strlen(cmdline) >= size)
		return -E2BIG;
	int count = 0;
	const char *p = cmdline;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		/* Copy one word into buf, dropping quotes; note where '=' splits it. */
		char *w = buf, *eq = NULL;
		bool quoted = false;
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (*p == '=' && !eq) {              /* Linux splits here even inside quotes */
				*w++ = 0;
				eq = w;
				continue;
			}
			*w++ = *p;
		}
		*w++ = 0;
		if (!eq && strcmp(buf, "--") == 0)
			break;
		cb(buf, eq, arg);
		count++;
		buf = w;
	}
	return count;
}

int cmdline_flag(const char *value, bool *flag)
{
	if (value)
		return -EINVAL;
	*flag = true;
	return 0;
}

struct apply {
	const struct boot_param *start, *end;
	int warnings;
};

static void apply_one(const char *name, const char *value, void *arg)
{
	struct apply *a = arg;
	for (const struct boot_param *p = a->start; p < a->end; p++) {
		if (!cmdline_name_eq(p->name, name))
			continue;
		int err = p->set(value);
		if (err) {
			printk("cmdline: warning: %s%s%s refused (%d); ignored\n", name,
			       value ? "=" : "", value ? value : "", err);
			a->warnings++;
		}
		return;
	}
	printk("cmdline: warning: unknown option '%s' ignored\n", name);
	a->warnings++;
}

int cmdline_apply(const char *cmdline, const struct boot_param *start,
		  const struct boot_param *end)
{
	static char buf[4096 + 1];
	struct apply a = { start, end, 0 };
	if (cmdline_split(cmdline, buf, sizeof(buf), apply_one, &a) < 0) {
		printk("cmdline: warning: command line too long; ignored\n");
		return 1;
	}
	return a.warnings;
}

/* The option name of a raw word: quotes dropped, up to the first '='. */
static void word_name(const char *w, size_t len, char *name, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < len && w[i] != '='; i++)
		if (w[i] != '"' && n + 1 < size)
			name[n++] = w[i];
	name[n] = 0;
}

int cmdline_carry_over(const char *cmdline, const char *const *oneshot, size_t n, char *out,
		       size_t size)
{
	size_t len = 0;
	bool options = true;                          /* before a bare "--" */
	if (!size)
		return -E2BIG;
	out[0] = 0;
	for (const char *p = cmdline;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			return 0;
		const char *w = p;
		for (bool quoted = false; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++)
			if (*p == '"')
				quoted = !quoted;
		size_t wlen = (size_t)(p - w);
		char name[64];
		word_name(w, wlen, name, sizeof(name));
		bool drop = false;
		for (size_t i = 0; options && i < n; i++)
			drop |= cmdline_name_eq(name, oneshot[i]);
		if (wlen == 2 && w[0] == '-' && w[1] == '-')
			options = false;
		if (drop)
			continue;
		if (len + (len ? 1 : 0) + wlen >= size)
			return -E2BIG;
		if (len)
			out[len++] = ' ';
		memcpy(out + len, w, wlen);
		len += wlen;
		out[len] = 0;
	}
}
