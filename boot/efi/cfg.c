/*
 * \baton.cfg parser. One directive per line; a line whose first non-blank
 * character is '#' is a comment; blank lines are ignored; CR before LF is
 * dropped. Directives:
 *   cmdline <rest of line>   kernel command line (at most once; may be empty)
 *   kernel <path>            kernel ELF (at most once; default \kernel.elf)
 *   module <path> <name>     boot module; <name> is the rest of the line
 * A path is one token of printable ASCII without blanks, starting with '\' or
 * '/'. Invariants: parses in place and only ever shortens strings (writes NULs);
 * never reads past buf[len]; every result string is NUL-terminated inside buf.
 */
#include <errno.h>
#include "loader.h"

static int is_blank(char ch) { return ch == ' ' || ch == '\t'; }

/* Trim blanks at both ends of [s, *end), terminate, return the new start. */
static char *trim(char *s, char *end)
{
	while (s < end && is_blank(*s))
		s++;
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* Is the keyword a[0..alen) exactly the string b? */
static int same(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++)
		if (b[i] != a[i]) /* stops at b's NUL, since a has no NUL */
			return 0;
	return b[alen] == '\0';
}

/* Split a path token off s: returns its start, *rest points after it. */
static int take_path(char *s, char **path, char **rest, const char **err)
{
	char *p = s;

	while (*p && !is_blank(*p))
		p++;
	if (p == s) {
		*err = "missing path";
		return -EINVAL;
	}
	if (*s != '\\' && *s != '/') {
		*err = "path must start with '\\' or '/'";
		return -EINVAL;
	}
	if (p - s > CFG_MAX_PATH) {
		*err = "path too long";
		return -EINVAL;
	}
	*rest = *p ? p + 1 : p;
	*p = '\0';
	*path = s;
	while (is_blank(**rest))
		(*rest)++;
	return 0;
}

void cfg_defaults(struct cfg *c)
{
	c->cmdline = "";
	c->kernel = "\\kernel.elf";
	c->nmod = 0;
}

/* cmdline <rest of line>: at most once. */
static int parse_cmdline(char *arg, struct cfg *c, int *seen, const char **err)
{
	if (*seen) {
		*err = "cmdline given twice";
		return -EINVAL;
	}
	*seen = 1;
	if (ldr_strlen(arg) > CFG_MAX_CMDLINE) {
		*err = "cmdline too long";
		return -EINVAL;
	}
	c->cmdline = arg;
	return 0;
}

/* kernel <path>: at most once, nothing after the path. */
static int parse_kernel(char *arg, struct cfg *c, int *seen, const char **err)
{
	char *path, *rest;
	int r;

	if (*seen) {
		*err = "kernel given twice";
		return -EINVAL;
	}
	*seen = 1;
	r = take_path(arg, &path, &rest, err);
	if (r)
		return r;
	c->kernel = path;
	if (*rest) {
		*err = "junk after kernel path";
		return -EINVAL;
	}
	return 0;
}

/* module <path> <name>: the name is the rest of the line. */
static int parse_module(char *arg, struct cfg *c, const char **err)
{
	struct cfg_module *m;
	char *path, *rest;
	int r;

	if (c->nmod == CFG_MAX_MODULES) {
		*err = "too many modules";
		return -EINVAL;
	}
	m = &c->mod[c->nmod];
	r = take_path(arg, &path, &rest, err);
	if (r)
		return r;
	m->path = path;
	if (!*rest) {
		*err = "module needs a path and a name";
		return -EINVAL;
	}
	if (ldr_strlen(rest) > CFG_MAX_PATH) {
		*err = "module name too long";
		return -EINVAL;
	}
	m->name = rest;
	c->nmod++;
	return 0;
}

static int parse_line(char *s, struct cfg *c, int *seen_cmdline, int *seen_kernel,
		      const char **err)
{
	char *kw = s, *arg;
	size_t kwlen;

	while (*s && !is_blank(*s))
		s++;
	kwlen = (size_t)(s - kw);
	arg = s;
	while (is_blank(*arg))
		arg++;

	if (same(kw, kwlen, "cmdline"))
		return parse_cmdline(arg, c, seen_cmdline, err);
	if (same(kw, kwlen, "kernel"))
		return parse_kernel(arg, c, seen_kernel, err);
	if (same(kw, kwlen, "module"))
		return parse_module(arg, c, err);
	*err = "unknown directive (expected cmdline, kernel or module)";
	return -EINVAL;
}

int cfg_parse(char *buf, size_t len, struct cfg *c, unsigned *err_line, const char **err)
{
	int seen_cmdline = 0, seen_kernel = 0;
	unsigned line = 0;
	size_t i = 0;

	cfg_defaults(c);
	buf[len] = '\0';
	while (i < len) {
		size_t start = i;
		char *s;
		int r;

		line++;
		while (i < len && buf[i] != '\n') {
			unsigned char ch = (unsigned char)buf[i];

			if (ch == '\0' || (ch < 0x20 && ch != '\t' && ch != '\r') || ch >= 0x7f) {
				*err_line = line;
				*err = "control or non-ASCII character";
				return -EINVAL;
			}
			i++;
		}
		/* [start, i) is the line; drop a CR before the LF. */
		{
			size_t end = i;

			if (end > start && buf[end - 1] == '\r')
				end--;
			for (size_t k = start; k < end; k++)
				if (buf[k] == '\r') {
					*err_line = line;
					*err = "stray carriage return";
					return -EINVAL;
				}
			s = trim(buf + start, buf + end);
		}
		if (i < len)
			i++; /* past the LF (which trim may have overwritten) */
		if (*s == '\0' || *s == '#')
			continue;
		r = parse_line(s, c, &seen_cmdline, &seen_kernel, err);
		if (r) {
			*err_line = line;
			return r;
		}
	}
	return 0;
}
