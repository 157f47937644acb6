/* `disk list [DEV]`: the kernel images in the image store on a block device
 * (kernel/imgstore_blk.c, docs/abi/imgstore.md). */
#include <blk.h>
#include <errno.h>
#include <imgstore.h>
#include <kmalloc.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

static int cmd_disk(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t idx = 0;
	struct blk_dev *d;
	struct imgstore *st;
	const char *why = "";
	int err, n;

	if (argc < 2 || argc > 3 || strcmp(argv[1], "list") ||
	    (argc == 3 && parse_u64(argv[2], &idx)))
		return shell_err(c, -EINVAL, "usage: disk list [DEV]");
	d = idx <= UINT32_MAX ? blk_get((unsigned)idx) : NULL;
	if (!d)
		return shell_err(c, -ENODEV, "no block device %llu", (unsigned long long)idx);
	st = kmalloc(sizeof(*st));
	if (!st)
		return shell_err(c, -ENOMEM, "no memory for the image store header");
	err = imgstore_open_blk(st, d, &why);
	if (err) {
		if (st->bad_entry >= 0)
			err = shell_err(c, err, "%s: entry %d: %s", blk_name(d), st->bad_entry, why);
		else
			err = shell_err(c, err, "%s: %s", blk_name(d), why);
		goto out_free;
	}
	n = imgstore_count(st);
	for (int i = 0; i < n; i++) {
		struct imgstore_entry e;
		imgstore_entry(st, (unsigned)i, &e);
		printk("  n=%d name=%s bytes=%llu crc=0x%08x lba=%llu\n", i, e.name,
		       (unsigned long long)e.size, e.crc32, (unsigned long long)e.lba);
	}
	shell_kv(c, "dev", "%s", blk_name(d));
	shell_kv(c, "count", "%d", n);
out_free:
	kfree(st);
	return err;
}
SHELL_CMD("disk", "list [DEV]", "list the kernel images in the image store on a disk",
	  cmd_disk);
