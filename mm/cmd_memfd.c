/*
 * The `memfd ...` console commands (docs/console.md). Arguments are checked here;
 * the file logic is mm/memfd.c. Hex data is at most MEMFD_IO_MAX bytes per command so
 * that a result line always fits the console.
 */
#include <errno.h>
#include <hugetlb.h>
#include <memfd.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

#define MEMFD_IO_MAX 128

/* Bit i of the seals is seal_names[i] (Linux's F_SEAL_* order, include/memfd.h). */
static const char *const seal_names[] = { "seal", "shrink", "grow", "write", "future-write",
					  "exec" };

static void seals_str(uint32_t seals, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(seal_names); i++)
		if (seals & (1u << i))
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
						seal_names[i]);
	if (!len)
		strlcpy(buf, "none", size);
}

static int parse_seals(char *s, uint32_t *out)
{
	*out = 0;
	while (*s) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = 0;
		unsigned i = 0;
		while (i < ARRAY_SIZE(seal_names) && strcmp(s, seal_names[i]))
			i++;
		if (i == ARRAY_SIZE(seal_names))
			return -EINVAL;
		*out |= 1u << i;
		if (!comma)
			break;
		s = comma + 1;
	}
	return *out ? 0 : -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int get_file(struct shell_ctx *c, const char *name, struct memfd **f)
{
	*f = memfd_find(name);
	return *f ? 0 : shell_err(c, -ENOENT, "no memfd named '%.64s'", name);
}

static const char *backing(const struct memfd *f)
{
	return f->pool ? f->pool->name : "4K";
}

static int do_create(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t size;
	struct hugetlb_pool *pool = NULL;
	if (argc < 4 || argc > 5 || parse_size(argv[3], &size))
		return shell_err(c, -EINVAL, "usage: memfd create NAME SIZE [huge=2M|1G]");
	if (argc == 5) {
		if (strncmp(argv[4], "huge=", 5) || !(pool = hugetlb_pool_by_name(argv[4] + 5)))
			return shell_err(c, -EINVAL, "usage: memfd create NAME SIZE [huge=2M|1G]");
	}
	struct memfd *f;
	int err = memfd_create(argv[2], size, pool, &f);
	if (err == -EINVAL)
		return shell_err(c, err, size ? "name must be 1 to %d bytes" : "size must not be 0",
				 MEMFD_NAME_MAX - 1);
	if (err == -EEXIST)
		return shell_err(c, err, "memfd '%s' exists", argv[2]);
	if (err)
		return shell_err(c, err, "no memory for %llu bytes%s%s", (unsigned long long)size,
				 pool ? " in the pool " : "", pool ? pool->name : "");
	shell_kv(c, "name", "%s", f->name);
	shell_kv(c, "size", "%llu", (unsigned long long)f->size);
	return 0;
}

static int do_fill_verify(struct shell_ctx *c, int argc, char **argv, bool verify)
{
	uint64_t seed, bad;
	struct memfd *f;
	if (argc != 4 || parse_u64(argv[3], &seed))
		return shell_err(c, -EINVAL, "usage: memfd %s NAME SEED", argv[1]);
	if (get_file(c, argv[2], &f))
		return -ENOENT;
	int err = verify ? memfd_verify(f, seed, &bad) : memfd_fill(f, seed);
	if (err == -EIO)
		return shell_err(c, err, "mismatch at offset %llu", (unsigned long long)bad);
	if (err)
		return shell_err(c, err, "memfd '%s' is sealed against writing", f->name);
	shell_kv(c, "bytes", "%llu", (unsigned long long)f->size);
	return 0;
}

static int do_write(struct shell_ctx *c, int argc, char **argv)
{
	uint8_t buf[MEMFD_IO_MAX];
	uint64_t off;
	struct memfd *f;
	size_t n = argc == 5 ? strlen(argv[4]) : 0;
	if (argc != 5 || parse_u64(argv[3], &off) || n == 0 || n % 2 || n / 2 > sizeof(buf))
		return shell_err(c, -EINVAL, "usage: memfd write NAME OFFSET HEX (1 to %d bytes)",
				 MEMFD_IO_MAX);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(argv[4][2 * i]), lo = hexval(argv[4][2 * i + 1]);
		if (hi < 0 || lo < 0)
			return shell_err(c, -EINVAL, "bad hex digit in '%.16s'", argv[4] + 2 * i);
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	if (get_file(c, argv[2], &f))
		return -ENOENT;
	int err = memfd_write(f, off, buf, n / 2);
	if (err == -EPERM)
		return shell_err(c, err, "memfd '%s' is sealed", f->name);
	if (err)
		return shell_err(c, err, "cannot write %zu bytes at %llu", n / 2,
				 (unsigned long long)off);
	return 0;
}

static int do_read(struct shell_ctx *c, int argc, char **argv)
{
	uint8_t buf[MEMFD_IO_MAX];
	char hex[2 * MEMFD_IO_MAX + 1];
	uint64_t off, len;
	struct memfd *f;
	if (argc != 5 || parse_u64(argv[3], &off) || parse_u64(argv[4], &len) || len > sizeof(buf))
		return shell_err(c, -EINVAL, "usage: memfd read NAME OFFSET LEN (LEN at most %d)",
				 MEMFD_IO_MAX);
	if (get_file(c, argv[2], &f))
		return -ENOENT;
	uint64_t got = memfd_read(f, off, buf, len);
	for (uint64_t i = 0; i < got; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	hex[2 * got] = 0;
	shell_kv(c, "data", "%s", hex);
	return 0;
}

static int do_truncate(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t size;
	struct memfd *f;
	if (argc != 4 || parse_size(argv[3], &size))
		return shell_err(c, -EINVAL, "usage: memfd truncate NAME SIZE");
	if (get_file(c, argv[2], &f))
		return -ENOENT;
	int err = memfd_truncate(f, size);
	if (err == -EPERM)
		return shell_err(c, err, "memfd '%s' is sealed against %s", f->name,
				 size < f->size ? "shrinking" : "growing");
	if (err)
		return shell_err(c, err, "cannot resize to %llu bytes", (unsigned long long)size);
	shell_kv(c, "size", "%llu", (unsigned long long)f->size);
	return 0;
}

static int do_seal(struct shell_ctx *c, int argc, char **argv)
{
	uint32_t seals;
	char buf[64];
	struct memfd *f;
	if (argc != 4 || parse_seals(argv[3], &seals))
		return shell_err(c, -EINVAL, "usage: memfd seal NAME seal,shrink,grow,write,future-write,exec");
	if (get_file(c, argv[2], &f))
		return -ENOENT;
	if (memfd_add_seals(f, seals))
		return shell_err(c, -EPERM, "memfd '%s' is sealed against new seals", f->name);
	seals_str(f->seals, buf, sizeof(buf));
	shell_kv(c, "seals", "%s", buf);
	return 0;
}

static int cmd_memfd(struct shell_ctx *c, int argc, char **argv)
{
	struct memfd *f;
	if (argc < 2)
		goto usage;
	const char *sub = argv[1];
	if (!strcmp(sub, "create"))
		return do_create(c, argc, argv);
	if (!strcmp(sub, "fill") || !strcmp(sub, "verify"))
		return do_fill_verify(c, argc, argv, sub[0] == 'v');
	if (!strcmp(sub, "write"))
		return do_write(c, argc, argv);
	if (!strcmp(sub, "read"))
		return do_read(c, argc, argv);
	if (!strcmp(sub, "truncate"))
		return do_truncate(c, argc, argv);
	if (!strcmp(sub, "seal"))
		return do_seal(c, argc, argv);
	if (!strcmp(sub, "close")) {
		if (argc != 3)
			return shell_err(c, -EINVAL, "usage: memfd close NAME");
		if (get_file(c, argv[2], &f))
			return -ENOENT;
		memfd_close(f);
		return 0;
	}
	if (!strcmp(sub, "list")) {
		if (argc != 2)
			return shell_err(c, -EINVAL, "usage: memfd list");
		unsigned n = 0;
		for (f = memfd_first(); f; f = f->next, n++) {
			char buf[64];
			seals_str(f->seals, buf, sizeof(buf));
			printk("  %s size=%llu backing=%s folios=%llu seals=%s%s\n", f->name,
			       (unsigned long long)f->size, backing(f), (unsigned long long)f->nfolios,
			       buf, f->luo ? " preserved" : "");
		}
		shell_kv(c, "count", "%u", n);
		return 0;
	}
usage:
	return shell_err(c, -EINVAL,
			 "usage: memfd create|fill|verify|write|read|truncate|seal|close|list ...");
}
SHELL_CMD("memfd", "create|fill|verify|write|read|...", "named memory files", cmd_memfd);
