/*
 * `kho dump`: the root FDT decoded for people, through printk, one line per node
 * or property, in a dts-like indented form:
 *
 *     kho fdt: totalsize 4096, used 312, free 3784
 *     / {
 *         compatible = "kho-v4";
 *         preserved-memory-map = 0x1234000;
 *         LUO {
 *             preserved-data = 0x2000000;
 *             blob-size = 0x20;
 *         };
 *     };
 *
 * Values: the kho-v4 u64 properties (8 bytes, native byte order) in hex; a list
 * of printable strings quoted; anything else as bytes, at most 32 of them. Works on
 * any FDT of version 17 (nested nodes too), but reads totalsize bytes at fdt without
 * knowing the buffer: give it the outgoing tree or an incoming one kho_fdt_validate()
 * accepted. A tree libfdt's full check refuses is not walked, only named as such.
 */
#include "kho_internal.h"
#include <libfdt.h>
#include <printk.h>
#include <string.h>

#define DUMP_INDENT    4
#define DUMP_MAX_BYTES 32
#define DUMP_LINE      256

void kho_fdt_print(const void *fdt);

struct dump_line {
	char buf[DUMP_LINE];
	size_t len;
};

static void __printf(2, 3) put(struct dump_line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (l->len < sizeof(l->buf)) {
		int n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
		l->len += n > 0 ? (size_t)n : 0;
	}
	va_end(ap);
}

static bool is_u64_prop(const char *name)
{
	return !strcmp(name, KHO_FDT_MEMORY_MAP) || !strcmp(name, KHO_FDT_SUB_DATA) ||
	       !strcmp(name, KHO_FDT_SUB_SIZE);
}

/* One or more non-empty NUL-terminated strings of printable characters other
 * than '"' and '\\', filling exactly len bytes. */
static bool is_string_list(const char *p, int len)
{
	if (len <= 0 || p[len - 1] != 0 || p[0] == 0)
		return false;
	for (int i = 0; i < len - 1; i++) {
		char c = p[i];
		if (c == 0 ? p[i + 1] == 0 : (c < 0x20 || c > 0x7e || c == '"' || c == '\\'))
			return false;
	}
	return true;
}

static void print_prop(const char *name, const void *val, int len, int depth)
{
	struct dump_line l = { .len = 0 };
	const char *s = val;

	put(&l, "%*s%s", depth * DUMP_INDENT, "", name);
	if (len == 0) {
		put(&l, ";");
	} else if (len == 8 && is_u64_prop(name)) {
		uint64_t v;
		memcpy(&v, val, sizeof(v));
		put(&l, " = 0x%llx;", (unsigned long long)v);
	} else if (is_string_list(s, len)) {
		put(&l, " = ");
		for (int i = 0; i < len; i += (int)strlen(s + i) + 1)
			put(&l, "%s\"%s\"", i ? ", " : "", s + i);
		put(&l, ";");
	} else {
		const uint8_t *b = val;
		int n = len < DUMP_MAX_BYTES ? len : DUMP_MAX_BYTES;
		put(&l, " = [");
		for (int i = 0; i < n; i++)
			put(&l, i ? " %02x" : "%02x", b[i]);
		if (len > n)
			put(&l, " ...]; /* %d bytes */", len);
		else
			put(&l, "];");
	}
	printk("%s\n", l.buf);
}

static void print_node_head(const void *fdt, int node, int depth)
{
	int prop;
	const char *name = node == 0 ? "/" : fdt_get_name(fdt, node, NULL);
	printk("%*s%s {\n", depth * DUMP_INDENT, "", name ? name : "?");
	fdt_for_each_property_offset(prop, fdt, node) {
		const char *pname;
		int len;
		const void *val = fdt_getprop_by_offset(fdt, prop, &pname, &len);
		if (val && pname)
			print_prop(pname, val, len, depth + 1);
	}
}

void kho_fdt_print(const void *fdt)
{
	/* version >= 17 first: see KHO_FDT_MIN_VERSION in kho_fdt.c */
	if (!fdt || fdt_check_header(fdt) != 0 || fdt_version(fdt) < 17 ||
	    fdt_check_full(fdt, fdt_totalsize(fdt)) != 0) {
		printk("kho fdt: not a valid FDT\n");
		return;
	}
	uint32_t total = fdt_totalsize(fdt);
	uint32_t end_struct = fdt_off_dt_struct(fdt) + fdt_size_dt_struct(fdt);
	uint32_t end_strings = fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt);
	uint32_t used = end_struct > end_strings ? end_struct : end_strings;
	printk("kho fdt: totalsize %u, used %u, free %u\n", total, used, total - used);

	int depth = 0, open = 1, node = 0;
	print_node_head(fdt, 0, 0);
	while ((node = fdt_next_node(fdt, node, &depth)) >= 0 && depth > 0) {
		for (; open > depth; open--)
			printk("%*s};\n", (open - 1) * DUMP_INDENT, "");
		print_node_head(fdt, node, depth);
		open = depth + 1;
	}
	for (; open > 0; open--)
		printk("%*s};\n", (open - 1) * DUMP_INDENT, "");
}
